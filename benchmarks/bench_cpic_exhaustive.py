"""Every diplotype of two CPIC named alleles, per gene: how often pgx finds it.

Run: ``python benchmarks/bench_cpic_exhaustive.py [--genes CYP2D6,RYR1] [--max-pairs N]``

For each of the 20 CPIC genes the VCFs are written from CPIC's definitions (the oracle in
tests/data/cpic_oracle.json.gz, read by tests/cpicgen.py; never from pgx's tables), one sample
per pair of named alleles, every pair (``--max-pairs`` samples them for a quick run). Each set
is called four ways: phased (the call must be the intended diplotype), unphased (the call or
tied with it for the top score, flagged ambiguous: the issue's measure; and the call or any
alternative, flagged ambiguous), and with one position's record missing (a position neither
allele defines by a variant; the intended diplotype among those that fit). Wobble positions
are written one way or the other at random. Results go to results/cpic_exhaustive.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import cpicgen  # noqa: E402

MODES = (("exact", True, False), ("tie", False, False), ("ambiguous", False, False), ("consistent", False, True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--genes", default="")
    parser.add_argument("--max-pairs", type=int, default=0, help="sample this many pairs per gene (0: all)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    import pgx
    from pgx.calling import call_diplotypes

    oracle = cpicgen.load_oracle()
    genes = args.genes.split(",") if args.genes else sorted(oracle["genes"])
    rng = np.random.default_rng(args.seed)
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for gene in genes:
            data = oracle["genes"][gene]
            pairs = (cpicgen.sample_pairs(data, args.max_pairs, rng) if args.max_pairs
                     else cpicgen.all_pairs(data))
            row = {"pairs": len(pairs)}
            for mode, phased, drop in MODES:
                ds = cpicgen.diplotype_vcf(gene, data, pairs, phased=phased, rng=rng, drop_one=drop)
                path = Path(folder) / f"{gene}.{mode}.vcf"
                path.write_text(ds.vcf_text)
                t = time.perf_counter()
                calls = call_diplotypes(pgx.read_vcf(str(path)), genes=[gene])
                elapsed = time.perf_counter() - t
                ok = cpicgen.found(calls, pairs, mode=mode)
                missed = [list(pairs[k]) for k, hit in enumerate(ok) if not hit]
                row[mode] = {"found": sum(ok), "rate": round(sum(ok) / len(ok), 5), "seconds": round(elapsed, 3),
                             "missed_examples": missed[:5]}
            results[gene] = row
            print(f"{gene:8s} {len(pairs):6d} pairs  " + "  ".join(
                f"{m} {row[m]['rate'] * 100:6.2f}%" for m, _, _ in MODES), flush=True)
    out = HERE / "results" / ("cpic_exhaustive.json" if not args.max_pairs and not args.genes
                              else "cpic_exhaustive.quick.json")
    out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "oracle_commit": oracle["commit"],
                               "genes": results}, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
