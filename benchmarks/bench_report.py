"""Report throughput: `pgx report` on a simulated cohort VCF, calling included.

Run: ``python benchmarks/bench_report.py [--samples 2504] [--repeats 3] [--formats html,json,tsv]``

Each repeat runs the `pgx report` command in a fresh process into an empty folder and
times the whole command (start-up, reading, calling, recommending, writing every file).
PharmCAT documents 1-6 s per sample per core.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "_data"
RESULTS = HERE / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=2504)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--formats", default="html,json,tsv")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    import pgx
    from pgx.simulate import simulate_pgx_vcf

    DATA.mkdir(exist_ok=True)
    RESULTS.mkdir(exist_ok=True)
    vcf = DATA / f"pgx_cohort_{args.samples}.vcf"
    if not vcf.exists():
        simulate_pgx_vcf(vcf, n_samples=args.samples, seed=2504)
    exe = shutil.which("pgx")
    base = [exe] if exe else [sys.executable, "-m", "pgx.cli"]
    times = []
    files = 0
    # every repeat writes into its own new folder; all are removed after the last run,
    # because ext4 slows down creating files right after thousands were deleted (it skips
    # recently freed inodes), which a user writing a new report folder does not meet
    scratch = Path(tempfile.mkdtemp(prefix="pgx-bench-report-"))
    try:
        for repeat in range(args.repeats):
            out = scratch / f"run{repeat}"
            t = time.perf_counter()
            subprocess.run([*base, "report", str(vcf), "-o", str(out), "--format", args.formats, "--quiet",
                            "--threads", str(args.threads)], check=True)
            times.append(time.perf_counter() - t)
            files = sum(1 for _ in out.iterdir())
    finally:
        shutil.rmtree(scratch)
    median = statistics.median(times)
    rate = args.samples / median
    print(f"pgx report on {args.samples} samples, formats {args.formats}: {files} files per run")
    print(f"runs (s): {', '.join(f'{t:.2f}' for t in times)}")
    print("| tool | samples per second (2 cores) | seconds per sample per core |")
    print("|---|---|---|")
    print(f"| pgx report (median of {args.repeats}) | {rate:,.0f} | {2 * median / args.samples:.4f} |")
    print("| PharmCAT (documented) | 0.33-2.0 | 1-6 |")
    print(f"ratio vs PharmCAT's best case (2 samples/s on 2 cores): {rate / 2:,.0f}x")
    (RESULTS / "report.json").write_text(json.dumps({
        "samples": args.samples, "formats": args.formats, "runs_s": times, "median_s": median,
        "samples_per_s": rate, "date": time.strftime("%Y-%m-%d"), "pgx": pgx.__version__}, indent=2))


if __name__ == "__main__":
    main()
