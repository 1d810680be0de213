"""Generate the synthetic VCF files used by ``bench_read_vcf.py``.

Three deterministic (seeded numpy) bgzip-compressed, tabix-indexed files:

* ``cohort``   2,504 samples x 100,000 records, GT only, phased ``0|1``, beta-distributed
               allele frequencies (mostly rare), ~2% multi-allelic, INFO AC/AN/AF (~1.0 GB text);
* ``clinical`` 50 samples x 100,000 records, FORMAT GT:AD:DP:GQ:PL, unphased ``0/1``,
               ~2% missing calls (``./.`` alone or with empty fields);
* ``gvcf``     1 sample x 1,000,000 records, mostly ``<NON_REF>`` reference blocks with
               ``END=`` (GT:DP:GQ:MIN_DP:PL), ~5% variant records with ALT ``X,<NON_REF>``.

``--quick`` makes versions with 10x fewer records (``*.quick.vcf.gz``). A file whose
manifest (``NAME.json``: parameters, generator version, line count, sizes, sha256 of the
uncompressed text) matches is not made again unless ``--force``.

Usage::

    python benchmarks/make_vcfs.py [--quick] [--only cohort,clinical,gvcf] [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import operator
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

GENERATOR_VERSION = 2
DATA_DIR = Path(__file__).resolve().parent / "_data"
CHR22_LENGTH = 50_818_468  # GRCh38
BASES = np.frombuffer(b"ACGT", dtype=np.uint8)

SPECS = {
    "cohort": {"samples": 2504, "records": 100_000, "seed": 22},
    "clinical": {"samples": 50, "records": 100_000, "seed": 23},
    "gvcf": {"samples": 1, "records": 1_000_000, "seed": 24},
}
NAMES = tuple(SPECS)


def spec_for(name: str, quick: bool) -> dict:
    spec = dict(SPECS[name])
    if quick:
        spec["records"] //= 10
    spec["generator_version"] = GENERATOR_VERSION
    return spec


def vcf_path(name: str, quick: bool, data_dir: Path = DATA_DIR) -> Path:
    return data_dir / f"{name}{'.quick' if quick else ''}.vcf.gz"


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name.replace(".vcf.gz", ".json"))


# --------------------------------------------------------------------------- output


class BgzipWriter:
    """Text lines into a BGZF file (the ``bgzip`` binary on 2 threads; pysam otherwise).

    Keeps a running sha256 and byte count of the uncompressed text.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tmp = path.with_name(path.name + ".tmp")
        self.sha = hashlib.sha256()
        self.n_bytes = 0
        self.n_lines = 0
        bgzip = shutil.which("bgzip")
        if bgzip:
            self._out = open(self.tmp, "wb")
            self._proc = subprocess.Popen([bgzip, "-@", "2", "-c"], stdin=subprocess.PIPE, stdout=self._out)
            self._sink = self._proc.stdin
        else:  # pysam compresses a plain temporary file afterwards
            self._proc = None
            self._plain = path.with_name(path.name + ".plain.tmp")
            self._sink = open(self._plain, "wb")

    def write(self, data: bytes, n_lines: int) -> None:
        self.sha.update(data)
        self.n_bytes += len(data)
        self.n_lines += n_lines
        self._sink.write(data)

    def close(self) -> None:
        self._sink.close()
        if self._proc is not None:
            if self._proc.wait() != 0:
                raise RuntimeError(f"bgzip failed writing {self.path}")
            self._out.close()
        else:
            import pysam

            pysam.tabix_compress(str(self._plain), str(self.tmp), force=True)
            self._plain.unlink()
        os.replace(self.tmp, self.path)


def index(path: Path) -> None:
    import pysam

    pysam.tabix_index(str(path), preset="vcf", force=True)


def header(samples: list[str], lines: list[str]) -> bytes:
    head = [
        "##fileformat=VCFv4.2",
        "##source=pgx-benchmarks/make_vcfs.py",
        "##reference=GRCh38",
        f"##contig=<ID=chr22,length={CHR22_LENGTH},assembly=GRCh38>",
        *lines,
        "#" + "\t".join(["CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples]),
    ]
    return ("\n".join(head) + "\n").encode()


def increasing_positions(rng: np.random.Generator, n: int, start: int, stop: int) -> np.ndarray:
    """``n`` strictly increasing positions spread over [start, stop)."""
    gaps = rng.geometric(min(1.0, n / (stop - start) * 1.02), size=n)
    pos = start + np.cumsum(gaps)
    if pos[-1] >= stop:  # very unlikely; squeeze into range keeping order and uniqueness
        pos = start + np.arange(n) + np.floor((pos - start - np.arange(n)) * ((stop - start - n) / (pos[-1] - start))).astype(np.int64)
    return pos.astype(np.int64)


def ref_alt(rng: np.random.Generator, n_alt: np.ndarray, indel_rate: float = 0.05) -> tuple[list[str], list[str]]:
    """Random REF and comma-joined distinct ALT alleles; a few insertions/deletions."""
    n = len(n_alt)
    ref_i = rng.integers(0, 4, n)
    # distinct ALT bases: REF + (1..3) mod 4, in a per-record random order
    perms = np.argsort(rng.random((n, 3)), axis=1) + 1
    alt_i = (ref_i[:, None] + perms) % 4
    kind = rng.random(n)
    tails = rng.integers(0, 4, (n, 3))
    refs, alts = [], []
    b = "ACGT"
    for i in range(n):
        r = b[ref_i[i]]
        k = int(n_alt[i])
        if k == 1 and kind[i] < indel_rate / 2:  # insertion
            refs.append(r)
            alts.append(r + "".join(b[t] for t in tails[i, : 1 + i % 3]))
        elif k == 1 and kind[i] < indel_rate:  # deletion
            refs.append(r + "".join(b[t] for t in tails[i, : 1 + i % 3]))
            alts.append(r)
        else:
            refs.append(r)
            alts.append(",".join(b[a] for a in alt_i[i, :k]))
    return refs, alts


# --------------------------------------------------------------------------- cohort


def make_cohort(path: Path, spec: dict, chunk: int = 1000) -> BgzipWriter:
    rng = np.random.default_rng(spec["seed"])
    n, s = spec["records"], spec["samples"]
    samples = [f"HG{i:05d}" for i in range(1, s + 1)]
    hdr = header(samples, [
        '##INFO=<ID=AC,Number=A,Type=Integer,Description="Allele count in genotypes">',
        '##INFO=<ID=AN,Number=1,Type=Integer,Description="Total number of alleles in called genotypes">',
        '##INFO=<ID=AF,Number=A,Type=Float,Description="Allele frequency">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    ])
    pos = increasing_positions(rng, n, 10_510_000, CHR22_LENGTH - 10_000)
    # ~2% multi-allelic (2 or 3 ALT alleles)
    n_alt = np.ones(n, dtype=np.int64)
    multi = rng.random(n) < 0.02
    n_alt[multi] = rng.integers(2, 4, multi.sum())
    refs, alts = ref_alt(rng, n_alt)
    # per-ALT frequencies: mostly rare (beta(0.1, 1)); multi-allelic ones share the mass
    af = np.clip(rng.beta(0.1, 1.0, (n, 3)), 1 / (2 * s), 0.95)
    af[np.arange(3)[None, :] >= n_alt[:, None]] = 0.0
    total = af.sum(1)
    over = total > 0.95
    af[over] *= (0.95 / total[over])[:, None]
    # allele = number of thresholds above u, thresholds = reverse cumulative sums
    thr = np.cumsum(af[:, ::-1], axis=1)[:, ::-1].astype(np.float32)  # t0 >= t1 >= t2
    an = 2 * s

    w = BgzipWriter(path)
    w.write(hdr, hdr.count(b"\n"))
    line = np.empty((chunk, s, 4), dtype=np.uint8)
    line[:, :, 1] = ord("|")
    line[:, :, 3] = ord("\t")
    line[:, -1, 3] = ord("\n")
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        m = hi - lo
        u = rng.random((m, s, 2), dtype=np.float32)
        t = thr[lo:hi]
        a = (u < t[:, 0, None, None]).view(np.uint8)
        a += u < t[:, 1, None, None]
        a += u < t[:, 2, None, None]
        del u
        # a VCF of a cohort lists only sites seen in it: give every ALT allele at least one copy
        for k in (1, 2, 3):
            absent = np.flatnonzero((n_alt[lo:hi] >= k) & ~(a == k).any(axis=(1, 2)))
            for r in absent:
                while True:
                    j, h = rng.integers(0, s), rng.integers(0, 2)
                    if a[r, j, h] == 0:
                        a[r, j, h] = k
                        break
        line[:m, :, 0] = a[:, :, 0] + 48
        line[:m, :, 2] = a[:, :, 1] + 48
        counts = [(a == k).sum(axis=(1, 2)) for k in (1, 2, 3)]
        parts = []
        for j in range(m):
            i = lo + j
            k = int(n_alt[i])
            ac = [int(counts[x][j]) for x in range(k)]
            info = "AC={};AN={};AF={}".format(
                ",".join(map(str, ac)), an, ",".join(f"{c / an:.6g}" for c in ac)
            )
            parts.append(f"chr22\t{pos[i]}\t.\t{refs[i]}\t{alts[i]}\t100\tPASS\t{info}\tGT\t".encode())
            parts.append(line[j].tobytes())
        w.write(b"".join(parts), m)
    return w


# --------------------------------------------------------------------------- clinical


def _call_strings(rng: np.random.Generator, gts: list[tuple[int, int]], n_alleles: int, k: int) -> list[list[bytes]]:
    """``k`` plausible ``GT:AD:DP:GQ:PL`` strings for each genotype in ``gts``."""
    out = []
    n_pl = n_alleles * (n_alleles + 1) // 2
    for a, b in gts:
        dp = np.maximum(1, rng.poisson(32, k))
        strings = []
        for x in range(k):
            d = int(dp[x])
            ad = [0] * n_alleles
            if a == b:
                ad[a] = d - int(rng.binomial(d, 0.01))
                ad[0 if a else 1] += d - ad[a]
            else:
                ad[a] = int(rng.binomial(d, 0.5))
                ad[b] = d - ad[a]
            gq = int(min(99, max(0, rng.normal(min(99, 3 * d), 15))))
            pl = [int(max(1, rng.normal(10 * d, 3 * d))) for _ in range(n_pl)]
            pl[b * (b + 1) // 2 + a] = 0  # VCF order of genotype a/b (a <= b)
            strings.append(f"{a}/{b}:{','.join(map(str, ad))}:{d}:{gq}:{','.join(map(str, pl))}".encode())
        out.append(strings)
    return out


def make_clinical(path: Path, spec: dict, chunk: int = 5000) -> BgzipWriter:
    rng = np.random.default_rng(spec["seed"])
    n, s = spec["records"], spec["samples"]
    samples = [f"PATIENT{i:03d}" for i in range(1, s + 1)]
    hdr = header(samples, [
        '##FILTER=<ID=LowQual,Description="Low quality">',
        '##INFO=<ID=AC,Number=A,Type=Integer,Description="Allele count in genotypes">',
        '##INFO=<ID=AN,Number=1,Type=Integer,Description="Total number of alleles in called genotypes">',
        '##INFO=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths for the ref and alt alleles">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">',
        '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype quality">',
        '##FORMAT=<ID=PL,Number=G,Type=Integer,Description="Phred-scaled genotype likelihoods">',
    ])
    pos = increasing_positions(rng, n, 10_510_000, CHR22_LENGTH - 10_000)
    n_alt = np.where(rng.random(n) < 0.02, 2, 1)
    refs, alts = ref_alt(rng, n_alt)
    qual = rng.gamma(2.0, 400.0, n)
    low = rng.random(n) < 0.03

    # lookup tables of whole call strings; codes index into one flat table
    bi_gts = [(0, 0), (0, 1), (1, 1)]
    tri_gts = [(0, 0), (0, 1), (1, 1), (0, 2), (1, 2), (2, 2)]
    K = 1024
    table: list[bytes] = [b"./.", b"./.:0,0:0:.:."]  # codes 0, 1: missing
    bi_base = len(table)
    for strings in _call_strings(rng, bi_gts, 2, K):
        table += strings
    tri_base = len(table)
    for strings in _call_strings(rng, tri_gts, 3, K):
        table += strings

    af = np.clip(rng.beta(0.3, 1.5, (n, 2)), 0.01, 0.9) / n_alt[:, None]
    af[n_alt == 1, 1] = 0.0

    w = BgzipWriter(path)
    w.write(hdr, hdr.count(b"\n"))
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        m = hi - lo
        u = rng.random((m, s, 2))
        t0 = (af[lo:hi, 0] + af[lo:hi, 1])[:, None, None]
        t1 = af[lo:hi, 1][:, None, None]
        al = (u < t0).astype(np.int64) + (u < t1)
        al.sort(axis=2)
        a, b = al[:, :, 0], al[:, :, 1]
        gt_index = b * (b + 1) // 2 + a  # 0/0 0/1 1/1 0/2 1/2 2/2
        pick = rng.integers(0, K, (m, s))
        tri = (n_alt[lo:hi] == 2)[:, None]
        code = np.where(tri, tri_base + gt_index * K + pick, bi_base + gt_index * K + pick)
        miss = rng.random((m, s)) < 0.02
        code[miss] = rng.integers(0, 2, miss.sum())
        an = 2 * (~miss).sum(1)
        ac1 = ((al == 1) & ~miss[:, :, None]).sum((1, 2))
        ac2 = ((al == 2) & ~miss[:, :, None]).sum((1, 2))
        parts = []
        for j in range(m):
            i = lo + j
            ac = f"{ac1[j]},{ac2[j]}" if n_alt[i] == 2 else f"{ac1[j]}"
            prefix = (
                f"chr22\t{pos[i]}\t.\t{refs[i]}\t{alts[i]}\t{qual[i]:.2f}\t{'LowQual' if low[i] else 'PASS'}"
                f"\tAC={ac};AN={an[j]};DP={32 * s}\tGT:AD:DP:GQ:PL\t"
            ).encode()
            parts.append(prefix + b"\t".join(operator.itemgetter(*code[j].tolist())(table)) + b"\n")
        w.write(b"".join(parts), m)
    return w


# --------------------------------------------------------------------------- gVCF


def make_gvcf(path: Path, spec: dict, chunk: int = 100_000) -> BgzipWriter:
    rng = np.random.default_rng(spec["seed"])
    n = spec["records"]
    hdr = header(["NA12878"], [
        '##ALT=<ID=NON_REF,Description="Represents any possible alternative allele not already represented at this location by REF and ALT">',
        '##GVCFBlock0-1=minGQ=0(inclusive),maxGQ=1(exclusive)',
        '##GVCFBlock20-30=minGQ=20(inclusive),maxGQ=30(exclusive)',
        '##GVCFBlock60-70=minGQ=60(inclusive),maxGQ=70(exclusive)',
        '##GVCFBlock99-100=minGQ=99(inclusive),maxGQ=100(exclusive)',
        '##INFO=<ID=END,Number=1,Type=Integer,Description="Stop position of the interval">',
        '##INFO=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth">',
        '##INFO=<ID=MQ,Number=1,Type=Float,Description="RMS mapping quality">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths for the ref and alt alleles">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">',
        '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype quality">',
        '##FORMAT=<ID=MIN_DP,Number=1,Type=Integer,Description="Minimum DP observed within the GVCF block">',
        '##FORMAT=<ID=PL,Number=G,Type=Integer,Description="Phred-scaled genotype likelihoods">',
        '##FORMAT=<ID=SB,Number=4,Type=Integer,Description="Per-sample component statistics for strand bias">',
    ])
    is_var = rng.random(n) < 0.05
    start = 10_510_000
    room = CHR22_LENGTH - 10_000 - start
    mean_block = max(1.0, (room * 0.95 - is_var.sum()) / max(1, (~is_var).sum()))
    length = np.where(is_var, 1, rng.geometric(1 / mean_block, n))
    end = start + np.cumsum(length)  # inclusive END of each record
    pos = end - length + 1
    if end[-1] > CHR22_LENGTH:
        raise RuntimeError("gVCF blocks overflow chr22; lower the record count")
    ref_i = rng.integers(0, 4, n)
    alt_i = (ref_i + rng.integers(1, 4, n)) % 4
    dp = np.maximum(1, rng.poisson(30, n))
    min_dp = np.maximum(0, dp - rng.poisson(4, n))
    gq = np.minimum(99, rng.poisson(3 * min_dp + 1))
    pl2 = 10 * dp + rng.integers(0, 200, n)
    hom = rng.random(n) < 0.4
    ad1 = np.where(hom, dp, rng.binomial(dp, 0.5))
    qual = rng.gamma(2.0, 300.0, n)
    b = "ACGT"

    w = BgzipWriter(path)
    w.write(hdr, hdr.count(b"\n"))
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        out = []
        for i in range(lo, hi):
            if is_var[i]:
                d, a1 = int(dp[i]), int(ad1[i])
                g = int(gq[i])
                if hom[i]:
                    gt, pl = "1/1", f"{pl2[i]},{g + 30},0,{pl2[i]},{g + 60},{pl2[i] + 90}"
                else:
                    gt, pl = "0/1", f"{g + 20},0,{pl2[i]},{g + 120},{pl2[i] + 90},{pl2[i] + 200}"
                out.append(
                    f"chr22\t{pos[i]}\t.\t{b[ref_i[i]]}\t{b[alt_i[i]]},<NON_REF>\t{qual[i]:.2f}\t.\t"
                    f"DP={d};MQ=60.00\tGT:AD:DP:GQ:PL:SB\t{gt}:{d - a1},{a1},0:{d}:{g}:{pl}:"
                    f"{(d - a1) // 2},{d - a1 - (d - a1) // 2},{a1 // 2},{a1 - a1 // 2}\n"
                )
            else:
                g = int(gq[i])
                out.append(
                    f"chr22\t{pos[i]}\t.\t{b[ref_i[i]]}\t<NON_REF>\t.\t.\tEND={end[i]}\t"
                    f"GT:DP:GQ:MIN_DP:PL\t0/0:{dp[i]}:{g}:{min_dp[i]}:0,{g},{pl2[i]}\n"
                )
        w.write("".join(out).encode(), hi - lo)
    return w


MAKERS = {"cohort": make_cohort, "clinical": make_clinical, "gvcf": make_gvcf}


def ensure(name: str, quick: bool, *, force: bool = False, data_dir: Path = DATA_DIR, log=print) -> dict:
    """Make ``name`` (unless an up-to-date copy exists) and return its manifest."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = vcf_path(name, quick, data_dir)
    mpath = manifest_path(path)
    spec = spec_for(name, quick)
    if not force and path.exists() and Path(str(path) + ".tbi").exists() and mpath.exists():
        manifest = json.loads(mpath.read_text())
        if manifest.get("spec") == spec and manifest.get("compressed_bytes") == path.stat().st_size:
            return manifest
    log(f"making {path.name} ({spec['samples']} samples x {spec['records']:,} records) ...")
    t0 = time.perf_counter()
    w = MAKERS[name](path, spec)
    w.close()
    t1 = time.perf_counter()
    index(path)
    t2 = time.perf_counter()
    manifest = {
        "name": name,
        "quick": quick,
        "path": str(path),
        "spec": spec,
        "samples": spec["samples"],
        "records": spec["records"],
        "lines": w.n_lines,
        "uncompressed_bytes": w.n_bytes,
        "compressed_bytes": path.stat().st_size,
        "sha256_uncompressed": w.sha.hexdigest(),
        "seconds_generate_compress": round(t1 - t0, 2),
        "seconds_index": round(t2 - t1, 2),
    }
    mpath.write_text(json.dumps(manifest, indent=2) + "\n")
    log(
        f"  {path.name}: {w.n_bytes / 1e6:,.1f} MB text, {manifest['compressed_bytes'] / 1e6:,.1f} MB bgzip, "
        f"{t1 - t0:.1f} s to make, {t2 - t1:.1f} s to index"
    )
    return manifest


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="10x fewer records (*.quick.vcf.gz)")
    p.add_argument("--only", default=",".join(NAMES), help="comma-separated subset of cohort,clinical,gvcf")
    p.add_argument("--force", action="store_true", help="make again even if an up-to-date file exists")
    p.add_argument("--data-dir", type=Path, default=DATA_DIR)
    args = p.parse_args(argv)
    names = [x.strip() for x in args.only.split(",") if x.strip()]
    bad = [x for x in names if x not in NAMES]
    if bad:
        p.error(f"unknown file(s) {bad}; choose from {','.join(NAMES)}")
    for name in names:
        m = ensure(name, args.quick, force=args.force, data_dir=args.data_dir)
        print(f"{m['path']}: {m['records']:,} records, {m['samples']:,} samples, sha256 {m['sha256_uncompressed'][:16]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
