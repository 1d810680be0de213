"""One reader, one file, one fresh interpreter: the child process of ``bench_read_vcf.py``.

    python benchmarks/_peers.py READER PATH [--limit N] [--check [--prefix N]]

READER is ``pgx``, ``allel``, ``cyvcf2``, ``pysam`` or ``import:MODULE`` (import only: the
baseline RSS). Prints one JSON line on stdout::

    {"reader", "seconds", "import_seconds", "n_variants", "n_samples", "array_bytes",
     "genotype_bytes", "phased_bytes", "other_bytes", "limit", "fingerprint"}

``seconds`` times the read call alone (after the imports); the parent also times the whole
process. Every reader ends with the same int8 genotype array of shape
(variants, samples, 2), missing alleles as -1. ``--check`` adds a fingerprint of that array
(sha1 of its bytes, computed after the timed part, in small slices so it barely moves the
peak RSS; ``check_seconds`` says how long it took) so the parent can check the readers agree.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time

import numpy as np


def _grow(gt: np.ndarray, n: int) -> np.ndarray:
    """Double the first axis in place (realloc) when ``n`` rows no longer fit."""
    if n < gt.shape[0]:
        return gt
    gt.resize((max(1024, 2 * gt.shape[0]),) + gt.shape[1:], refcheck=False)
    return gt


def read_pgx(path: str, limit: int | None) -> dict:
    import pgx

    t0 = time.perf_counter()
    cs = pgx.read_vcf(path)
    t1 = time.perf_counter()
    gt, phased = cs.genotypes, cs.phased
    other = 0
    for name in ("dp", "gq", "ad"):
        arr = getattr(cs, name, None)
        if isinstance(arr, np.ndarray):
            other += arr.nbytes
    return {"seconds": t1 - t0, "gt": gt, "phased_bytes": phased.nbytes, "other_bytes": other}


def read_allel(path: str, limit: int | None) -> dict:
    import allel

    fields = ["variants/CHROM", "variants/POS", "variants/REF", "variants/ALT", "calldata/GT"]
    t0 = time.perf_counter()
    cs = allel.read_vcf(path, fields=fields)
    t1 = time.perf_counter()
    gt = cs["calldata/GT"]
    other = sum(v.nbytes for k, v in cs.items() if k != "calldata/GT" and isinstance(v, np.ndarray))
    return {"seconds": t1 - t0, "gt": gt, "phased_bytes": 0, "other_bytes": other}


def read_cyvcf2(path: str, limit: int | None) -> dict:
    """``Variant.genotype.array()`` (int16, samples x (ploidy + phase)), first two columns.

    The fastest correct cyvcf2 route we found: ``Variant.genotypes`` builds a Python list of
    lists per record (several times slower at 2,504 samples) and ``gt_types`` loses the
    allele indexes. Missing alleles come out as -1, like the other readers.
    """
    from cyvcf2 import VCF

    t0 = time.perf_counter()
    vcf = VCF(path, lazy=True, threads=2)
    n_samples = len(vcf.samples)
    gt = np.empty((1024, n_samples, 2), dtype=np.int8)
    n = 0
    for v in vcf:
        if limit is not None and n >= limit:
            break
        gt = _grow(gt, n)
        gt[n] = v.genotype.array()[:, :2]
        n += 1
    gt.resize((n, n_samples, 2), refcheck=False)
    vcf.close()
    t1 = time.perf_counter()
    return {"seconds": t1 - t0, "gt": gt, "phased_bytes": 0, "other_bytes": 0}


def read_pysam(path: str, limit: int | None) -> dict:
    """``VariantFile`` and ``rec.samples.values()[i]["GT"]`` tuples (None for missing -> -1)."""
    import pysam

    t0 = time.perf_counter()
    vf = pysam.VariantFile(path, threads=2)
    n_samples = len(vf.header.samples)
    gt = np.empty((1024, n_samples, 2), dtype=np.int8)
    n = 0
    for rec in vf:
        if limit is not None and n >= limit:
            break
        gt = _grow(gt, n)
        calls = [s["GT"] for s in rec.samples.values()]
        try:
            gt[n] = calls
        except (TypeError, ValueError):  # missing alleles (None) or another ploidy
            row = gt[n]
            row[:] = -1
            for j, call in enumerate(calls):
                for k, allele in enumerate(call[:2]):
                    if allele is not None:
                        row[j, k] = allele
        n += 1
    gt.resize((n, n_samples, 2), refcheck=False)
    vf.close()
    t1 = time.perf_counter()
    return {"seconds": t1 - t0, "gt": gt, "phased_bytes": 0, "other_bytes": 0}


def fingerprint(gt: np.ndarray, prefix: int | None = None, rows: int = 256) -> dict:
    """sha1 of the (variants, samples, 2) int8 array with every missing/pad code as -1.

    Hashed a few rows at a time so the check adds little to the peak RSS; ``prefix`` also
    gives the digest of the first ``prefix`` rows (to check a pysam ``--limit`` run).
    """
    h = hashlib.sha1()
    out: dict = {"n_missing": 0, "allele_sum": 0}
    n = gt.shape[0]
    stops = sorted({*range(rows, n, rows), n, *([prefix] if prefix and prefix < n else [])})
    lo = 0
    for hi in stops:
        g = np.ascontiguousarray(gt[lo:hi, :, :2], dtype=np.int8)
        neg = g < 0
        g[neg] = -1
        h.update(g.tobytes())
        out["n_missing"] += int(neg.sum())
        out["allele_sum"] += int(g.sum(dtype=np.int64))
        lo = hi
        if prefix and hi == prefix:
            out["prefix_fingerprint"] = h.hexdigest()[:16]
    out["fingerprint"] = h.hexdigest()[:16]
    if prefix and prefix >= n:
        out["prefix_fingerprint"] = out["fingerprint"]
    return out


READERS = {"pgx": read_pgx, "allel": read_allel, "cyvcf2": read_cyvcf2, "pysam": read_pysam}


def main(argv: list[str]) -> int:
    import argparse

    p = argparse.ArgumentParser()
    p.add_argument("reader")
    p.add_argument("path", nargs="?")
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--check", action="store_true")
    p.add_argument("--prefix", type=int, default=None, help="also fingerprint the first N records")
    args = p.parse_args(argv)

    if args.reader.startswith("import:"):
        t0 = time.perf_counter()
        __import__(args.reader.split(":", 1)[1])
        print(json.dumps({"reader": args.reader, "import_seconds": time.perf_counter() - t0}))
        return 0

    t0 = time.perf_counter()
    module = {"pgx": "pgx", "allel": "allel", "cyvcf2": "cyvcf2", "pysam": "pysam"}[args.reader]
    __import__(module)
    import_seconds = time.perf_counter() - t0
    res = READERS[args.reader](args.path, args.limit)
    gt = res.pop("gt")
    out = {
        "reader": args.reader,
        "seconds": res["seconds"],
        "import_seconds": import_seconds,
        "n_variants": int(gt.shape[0]),
        "n_samples": int(gt.shape[1]),
        "genotype_bytes": int(gt.nbytes),
        "phased_bytes": int(res["phased_bytes"]),
        "array_bytes": int(gt.nbytes + res["phased_bytes"]),
        "other_bytes": int(res["other_bytes"]),
        "genotype_dtype": str(gt.dtype),
        "limit": args.limit,
    }
    if args.check:
        t_check = time.perf_counter()
        out.update(fingerprint(gt, args.prefix))
        out["check_seconds"] = time.perf_counter() - t_check
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
