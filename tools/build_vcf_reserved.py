"""Build ``reference/vcf/reserved_keys.tsv``: the INFO and FORMAT keys the VCF specification reserves.

The rows are read from the specification's own LaTeX source in a pinned hts-specs checkout
(the longtables labelled ``table:reserved-info`` and ``table:reserved-genotypes`` of
VCFv4.3, VCFv4.4 and VCFv4.5); only the key, its Number and its Type are kept (no
description text). Keys written as patterns (``M[0-9]+[ACGTUN]``) are skipped.

    python tools/build_vcf_reserved.py --hts-specs /work/.mirror/samtools+hts-specs/repo

then ``python tools/build_reference.py --manifest-only`` to refresh ``reference/MANIFEST.json``.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _atomic import write_atomic  # noqa: E402

#: the hts-specs commit the table is read from
HTS_SPECS_COMMIT = "c101c79"
VERSIONS = ("4.3", "4.4", "4.5")
RETRIEVED = "2026-12-06"
_ROW = re.compile(r"^\s*([A-Za-z0-9_]+)\s*&\s*([0-9]+|[AGRPM.]|L[ARG])\s*&\s*(Integer|Float|String|Flag|Character)\s*&")
_LABELS = {"table:reserved-info": "INFO", "table:reserved-genotypes": "FORMAT"}


def _tables(tex: str) -> dict[str, list[tuple[str, str, str]]]:
    """The rows of the two reserved-key longtables of one specification text."""
    found: dict[str, list[tuple[str, str, str]]] = {}
    for block in re.findall(r"\\begin\{longtable\}(.*?)\\end\{longtable\}", tex, flags=re.S):
        label = re.search(r"\\label\{(table:reserved-(?:info|genotypes))\}", block)
        if not label:
            continue
        rows = [m.groups() for m in map(_ROW.match, block.splitlines()) if m]
        found[_LABELS[label[1]]] = rows
    if set(found) != set(_LABELS.values()):
        raise SystemExit(f"reserved-key tables not found (found {sorted(found)})")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hts-specs", default="/work/.mirror/samtools+hts-specs/repo",
                        help="a bare or ordinary git clone of samtools/hts-specs")
    parser.add_argument("--out", default=Path(__file__).resolve().parent.parent / "reference" / "vcf", type=Path)
    args = parser.parse_args(argv)
    keys: dict[tuple[str, str], tuple[str, str, list[str]]] = {}
    for version in VERSIONS:
        tex = subprocess.run(["git", f"--git-dir={args.hts_specs}", "show", f"{HTS_SPECS_COMMIT}:VCFv{version}.tex"],
                             check=True, capture_output=True, text=True).stdout
        for section, rows in _tables(tex).items():
            for key, number, kind in rows:
                entry = keys.setdefault((section, key), (number, kind, []))
                if (entry[0], entry[1]) != (number, kind):
                    raise SystemExit(f"{section}/{key}: VCFv{version} says Number={number},Type={kind}, "
                                     f"earlier versions Number={entry[0]},Type={entry[1]}")
                entry[2].append(version)
    lines = [
        "# source: VCF specification (samtools/hts-specs), tables 'Reserved INFO keys' and "
        "'Reserved genotype keys' of VCFv4.3.tex, VCFv4.4.tex, VCFv4.5.tex",
        f"# source_version: hts-specs commit {HTS_SPECS_COMMIT}",
        f"# retrieved: {RETRIEVED}",
        "# licence: facts from the VCF specification (hts-specs); key, Number and Type only",
        "# genome_build: not build-specific",
        "# built by: tools/build_vcf_reserved.py",
        "section\tkey\tnumber\ttype\tversions",
    ]
    for (section, key), (number, kind, versions) in sorted(keys.items()):
        lines.append(f"{section}\t{key}\t{number}\t{kind}\t{','.join(versions)}")
    write_atomic(args.out / "reserved_keys.tsv", "\n".join(lines) + "\n")
    print(f"wrote {len(keys)} keys to {args.out / 'reserved_keys.tsv'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
