"""Read every valid file of the VCF specification's conformance corpus (hts-specs).

For each file under ``test/vcf/<version>/passed`` this reads the file with the compiled
kernel and with its pure-Python twin, and compares every call with htslib (pysam). It
lists the files either reader refuses and the calls that differ, and exits non-zero when
there is any. The corpus is not part of pgx: give a checkout of samtools/hts-specs, or a
bare clone of it (its files are then taken from ``HEAD``).

Usage::

    python benchmarks/spec_corpus.py [--hts-specs PATH] [--out results.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import pgx  # noqa: E402
from pgx.exceptions import PgxWarning  # noqa: E402

DEFAULT = Path("/work/.mirror/samtools+hts-specs/repo")


def valid_files(source: Path, scratch: Path) -> list[Path]:
    """The corpus's valid VCFs: from a checkout, or written out of a bare clone."""
    if (source / "test" / "vcf").is_dir():
        return sorted(source.glob("test/vcf/*/passed/*.vcf"))
    names = subprocess.run(["git", "--git-dir", str(source), "ls-tree", "-r", "--name-only", "HEAD", "test/vcf"],
                           check=True, capture_output=True, text=True).stdout.split()
    out = []
    for name in names:
        if "/passed/" in name and name.endswith(".vcf"):
            target = scratch / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(subprocess.run(["git", "--git-dir", str(source), "show", f"HEAD:{name}"],
                                              check=True, capture_output=True).stdout)
            out.append(target)
    return out


def htslib_calls(path: Path) -> list[tuple[int, list[tuple[int, ...]]]] | str:
    """(POS, per-sample alleles) of every record as htslib reads it (-1 not called, an index
    past the ALTs too, as pgx reads it), or htslib's error."""
    import pysam

    pysam.set_verbosity(0)
    try:
        with pysam.VariantFile(str(path)) as handle:
            records = []
            for rec in handle:
                n_alt = len(rec.alts or ())
                calls = []
                for sample in rec.samples.values():
                    alleles = sample["GT"] if "GT" in sample else (None,)
                    called = tuple(-1 if a is None or a > n_alt else a for a in alleles)
                    calls.append((-1, -1) if called == (-1,) else called)
                records.append((rec.pos, calls))
            return records
    except (OSError, ValueError) as exc:
        return f"htslib: {exc}"


def check(path: Path) -> dict:
    row: dict = {"file": "/".join(path.parts[-3:])}
    read = {}
    for name, pure in (("compiled", False), ("pure_python", True)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                read[name] = pgx.read_vcf(path, pure_python=pure)
                row[name] = "ok"
            except pgx.PgxError as exc:
                row[name] = f"refused: {exc}"
        row.setdefault("warnings", sorted({w.category.__name__ for w in caught if issubclass(w.category, PgxWarning)
                                           and w.category.__name__ != "PurePythonKernelWarning"}))
    truth = htslib_calls(path)
    cs = read.get("compiled")
    if isinstance(truth, str) or cs is None:
        row["htslib"] = truth if isinstance(truth, str) else "not compared"
        return row
    differ = []
    for i, (pos, calls) in enumerate(truth):
        ours = [tuple(int(a) for a in cs.genotypes[i, s] if a != -2) for s in range(cs.n_samples)]
        if pos != cs.variants["pos"][i] or ours != calls:
            differ.append(f"record {i}: htslib {pos} {calls}, pgx {cs.variants['pos'][i]} {ours}")
    if len(truth) != cs.n_variants:
        differ.append(f"{len(truth)} records in htslib, {cs.n_variants} in pgx")
    twin = read.get("pure_python")
    if twin is not None and not (twin.genotypes == cs.genotypes).all():
        differ.append("the compiled kernel and its twin differ")
    row["htslib"] = "agrees" if not differ else "; ".join(differ[:3])
    return row


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--hts-specs", type=Path, default=DEFAULT, help="a checkout or bare clone of samtools/hts-specs")
    p.add_argument("--out", type=Path, default=None, help="write the rows as JSON here")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        rows = [check(path) for path in valid_files(args.hts_specs, Path(scratch))]
    bad = [r for r in rows if r["compiled"] != "ok" or r["pure_python"] != "ok" or r["htslib"] not in ("agrees",)
           and not r["htslib"].startswith("htslib:")]
    for r in rows:
        print(f"{r['file']:<50} {r['compiled'][:60]:<12} {r['pure_python'][:60]:<12} {r['htslib'][:80]}"
              + (f"  warns {', '.join(r['warnings'])}" if r["warnings"] else ""))
    read = sum(r["compiled"] == "ok" and r["pure_python"] == "ok" for r in rows)
    print(f"\n{read} of {len(rows)} valid files read by both kernels; {len(bad)} refused or differing from htslib")
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1) + "\n")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
