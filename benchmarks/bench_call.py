"""Calling throughput: all pharmacogenes for a simulated cohort, VCF reading included.

Run: ``python benchmarks/bench_call.py [--samples 2504] [--repeats 5] [--holes]``

``--holes`` times a harder copy of the cohort instead: 8% of the records removed and 3% of the
remaining calls set to ``./.`` (seeded), so almost every sample has its own missing positions
and the "not ruled out" bookkeeping runs for every row.

It simulates (deterministically) a cohort VCF holding every definition position of
every callable gene, then times ``pgx.call(path)`` in a fresh process per repeat and
prints the median, samples per second, and the per-sample costs the peers document
(PharmCAT: 1-6 s per sample per core; PyPGx: about 0.33 s per sample per gene).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "_data"
RESULTS = HERE / "results"

CHILD = """
import sys, time, pgx
t = time.perf_counter()
calls = pgx.call(sys.argv[1])
elapsed = time.perf_counter() - t
print(elapsed, calls.height, calls['gene'].n_unique())
"""


def _with_holes(source: Path, target: Path, *, records: float = 0.08, calls: float = 0.03) -> Path:
    """A copy of ``source`` with a share of the records dropped and of the calls set missing."""
    import random

    if target.exists():
        return target
    rng = random.Random(3)
    with open(source, encoding="utf-8") as handle, open(target, "w", encoding="utf-8") as out:
        for line in handle:
            if not line.startswith("#"):
                if rng.random() < records:
                    continue
                fields = line.rstrip("\n").split("\t")
                fields[9:] = ["./." if rng.random() < calls else gt for gt in fields[9:]]
                line = "\t".join(fields) + "\n"
            out.write(line)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=2504)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--holes", action="store_true", help="records and calls removed (see above)")
    args = parser.parse_args()
    import pgx
    from pgx.simulate import simulate_pgx_vcf

    DATA.mkdir(exist_ok=True)
    RESULTS.mkdir(exist_ok=True)
    path = DATA / f"pgx_cohort_{args.samples}.vcf"
    if not path.exists():
        simulate_pgx_vcf(path, n_samples=args.samples, seed=2504)
    if args.holes:
        path = _with_holes(path, DATA / f"pgx_cohort_{args.samples}_holes.vcf")
    times = []
    for _ in range(args.repeats):
        out = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=True,
                             env=os.environ.copy())
        elapsed, rows, genes = out.stdout.split()
        times.append(float(elapsed))
    median = statistics.median(times)
    genes = int(genes)
    rate = args.samples / median
    pharmcat = (1.0, 6.0)
    pypgx = 0.33 * genes
    table = [
        "| tool | seconds per sample (one core) | samples per second (2 cores) |",
        "|---|---|---|",
        f"| pgx (measured, median of {args.repeats}) | {median / args.samples * 2:.5f} | {rate:,.0f} |",
        f"| PharmCAT (documented) | {pharmcat[0]}-{pharmcat[1]} | {2 / pharmcat[1]:.2f}-{2 / pharmcat[0]:.2f} |",
        f"| PyPGx (documented, {genes} genes) | {pypgx:.2f} | {2 / pypgx:.2f} |",
    ]
    print(f"pgx.call on {args.samples} samples x {genes} genes ({rows} rows), VCF {path.stat().st_size / 1e6:.1f} MB")
    print(f"runs (s): {', '.join(f'{t:.3f}' for t in times)}")
    print("\n".join(table))
    print(f"speed-up vs PharmCAT's best case: {rate / (2 / pharmcat[0]):,.0f}x; vs PyPGx: {rate / (2 / pypgx):,.0f}x")
    (RESULTS / ("call_holes.json" if args.holes else "call.json")).write_text(json.dumps({
        "samples": args.samples, "genes": genes, "runs_s": times, "median_s": median, "samples_per_s": rate,
        "date": time.strftime("%Y-%m-%d"), "pgx": pgx.__version__,
    }, indent=2))


if __name__ == "__main__":
    main()
