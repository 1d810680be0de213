"""``pgx call`` in one process vs partitioned on a local Dask cluster (``--workers 2``).

Run: ``python benchmarks/bench_distributed.py [--samples 20000] [--repeats 3] [--workers 2]``

It simulates (deterministically) a cohort VCF holding every definition position of every
callable gene, bgzips and indexes it, then times, each in a fresh ``pgx`` process:

* ``in-process``: ``pgx call VCF -o calls.tsv`` (no partitions, the default);
* ``partitioned``: the same job cut into sample blocks x gene regions, in one process
  (``--parquet-dir``), which isolates the cost of partitioning itself;
* ``workers``: ``--workers N --parquet-dir`` (a local cluster started and stopped by pgx,
  its start-up included), with gene-region partitions and with ``--no-regions``.

It checks that every run wrote the same calls TSV bytes, and prints the median wall time,
throughput (samples/s), the scaling ratio (in-process time / the faster workers time), the peak RSS
of the ``pgx`` process and of the largest worker (sampled every 50 ms with psutil over the
process tree), and a projection for 500,000 samples on N workers from the measured
per-worker throughput and scaling efficiency (linear extrapolation: an estimate, not a
measurement). Results go to ``benchmarks/results/distributed.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATA = HERE / "_data"
RESULTS = HERE / "results"


def _cohort(n: int) -> Path:
    import pysam

    from pgx.simulate import simulate_pgx_vcf

    DATA.mkdir(exist_ok=True)
    target = DATA / f"pgx_cohort_{n}.vcf.gz"
    if not (target.exists() and Path(str(target) + ".tbi").exists()):
        plain = DATA / f"pgx_cohort_{n}.dist.vcf"
        simulate_pgx_vcf(plain, n_samples=n, seed=2504)
        made = pysam.tabix_index(str(plain), preset="vcf", force=True)
        os.replace(made, target)
        os.replace(made + ".tbi", str(target) + ".tbi")
    return target


def _timed(argv: list[str]) -> tuple[float, int, int]:
    """Run ``argv``; return (seconds, peak RSS of the main process, peak RSS of any child) in bytes."""
    import psutil

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peaks = {"main": 0, "child": 0}
    stop = threading.Event()

    def sample() -> None:
        try:
            root = psutil.Process(proc.pid)
        except psutil.NoSuchProcess:
            return
        while not stop.is_set():
            try:
                peaks["main"] = max(peaks["main"], root.memory_info().rss)
                for child in root.children(recursive=True):
                    try:
                        peaks["child"] = max(peaks["child"], child.memory_info().rss)
                    except psutil.NoSuchProcess:
                        pass
            except psutil.NoSuchProcess:
                return
            stop.wait(0.05)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    _, err = proc.communicate()
    elapsed = time.perf_counter() - start
    stop.set()
    watcher.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{err}")
    return elapsed, peaks["main"], peaks["child"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sample-block", type=int, default=5000)
    parser.add_argument("--out", default=str(RESULTS / "distributed.json"))
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    import pgx

    vcf = _cohort(args.samples)
    pgx_cmd = [sys.executable, "-m", "pgx.cli", "call", str(vcf), "--quiet"]
    modes = {
        "in-process": [],
        "partitioned": ["--sample-block", str(args.sample_block), "--parquet-dir"],
        "workers": ["--workers", str(args.workers), "--sample-block", str(args.sample_block), "--parquet-dir"],
        "workers, no regions": ["--workers", str(args.workers), "--no-regions", "--sample-block",
                                str(args.sample_block), "--parquet-dir"],
    }
    runs: dict[str, list[tuple[float, int, int]]] = {m: [] for m in modes}
    digests: set[str] = set()
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeats):
            for mode, extra in modes.items():
                slug = mode.replace(", ", "-").replace(" ", "-")
                out = Path(tmp) / f"{slug}.tsv"
                argv = pgx_cmd + extra
                if extra and extra[-1] == "--parquet-dir":
                    parts = Path(tmp) / f"{slug}-parts"
                    shutil.rmtree(parts, ignore_errors=True)  # every repeat computes every partition
                    argv = argv + [str(parts)]
                runs[mode].append(_timed(argv + ["-o", str(out)]))
                digests.add(hashlib.sha256(out.read_bytes()).hexdigest())
    if len(digests) != 1:
        raise SystemExit("the modes wrote different calls")
    median = {m: statistics.median(r[0] for r in rs) for m, rs in runs.items()}
    rate = {m: args.samples / t for m, t in median.items()}
    best = min(("workers", "workers, no regions"), key=lambda m: median[m])
    ratio = median["in-process"] / median[best]
    efficiency = ratio / args.workers
    per_worker = rate[best] / args.workers
    peak_main = {m: max(r[1] for r in rs) for m, rs in runs.items()}
    peak_worker = max(r[2] for r in runs[best])
    print(f"pgx call on {args.samples:,} samples, every pharmacogene; {vcf.name} "
          f"{vcf.stat().st_size / 1e6:.1f} MB; {os.cpu_count()} cores; median of {args.repeats}")
    print("| run | seconds | samples/s | peak RSS (pgx process) |")
    print("|---|---|---|---|")
    for mode in modes:
        print(f"| {mode} | {median[mode]:.2f} | {rate[mode]:,.0f} | {peak_main[mode] / 2**20:,.0f} MiB |")
    print(f"scaling ratio (in-process / {best}, {args.workers} workers): {ratio:.2f} "
          f"(efficiency {efficiency:.0%}); peak RSS per worker {peak_worker / 2**20:,.0f} MiB")
    projection = {}
    for n in (2, 8, 32, 128):
        # each worker keeps the throughput measured per worker here (which already includes
        # the efficiency lost to partitioning and scheduling at this size)
        seconds = 500_000 / (per_worker * n)
        projection[n] = seconds
        print(f"projection, 500,000 samples on {n:>3} workers: ~{seconds / 60:,.1f} min "
              "(linear in samples and workers; cluster start-up and scheduling overheads not scaled)")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({
        "samples": args.samples, "workers": args.workers, "sample_block": args.sample_block,
        "repeats": args.repeats, "runs_s": {m: [r[0] for r in rs] for m, rs in runs.items()},
        "median_s": median, "samples_per_s": rate, "scaling_ratio": ratio, "scaling_mode": best,
        "peak_rss_bytes": {"pgx_process": peak_main, "largest_worker": peak_worker},
        "projection_500k_s": projection, "cores": os.cpu_count(),
        "date": time.strftime("%Y-%m-%d"), "pgx": pgx.__version__,
    }, indent=2))


if __name__ == "__main__":
    main()
