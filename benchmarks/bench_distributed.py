"""``pgx call`` and ``pgx report --format tsv`` in one process vs on a local Dask cluster.

Run: ``python benchmarks/bench_distributed.py [--samples 100000] [--repeats 1] [--workers 2]``

It simulates (deterministically) a cohort VCF holding every definition position of every
callable gene and the HLA-B tag SNPs, bgzips and indexes it, then times, each in a fresh
``pgx`` process:

* ``call``: ``pgx call VCF -o calls.tsv`` (one process, the default);
* ``call --workers N``: the same job cut into sample blocks x gene regions on a local cluster
  started and stopped by pgx (its start-up included);
* ``report``: ``pgx report VCF --format tsv`` (one process; one TSV per sample, and the
  cohort summary);
* ``report --workers N``: one task per sample block, each calling its block gene region by
  gene region and writing its samples' TSV reports;

and, with ``--extra-modes``, the step-1 variants (``call`` partitioned in one process,
``call --workers N --no-regions``). Every ``call`` run must write the same calls TSV bytes and
every ``report`` run the same files. It prints the median wall time, throughput (samples/s),
the scaling ratio (one process / N workers), the peak RSS of the ``pgx`` process and of each
worker (the process tree sampled every 50 ms with psutil), the load average around each run
(the machine may be shared), and a projection for 500,000 samples on N workers. Results go
to ``benchmarks/results/distributed.json``.
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


def _timed(argv: list[str]) -> tuple[float, int, list[int]]:
    """Run ``argv``; return (seconds, peak RSS of the main process, peak RSS of each child, largest first)."""
    import psutil

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peaks: dict = {"main": 0, "child": {}}
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
                        peaks["child"][child.pid] = max(peaks["child"].get(child.pid, 0), child.memory_info().rss)
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
    return elapsed, peaks["main"], sorted(peaks["child"].values(), reverse=True)


def _differ(first: Path, other: Path) -> list[str]:
    """Names of the files that are not byte-identical (or not in both folders)."""
    names = sorted({p.name for p in first.iterdir()} | {p.name for p in other.iterdir()})
    return [name for name in names if not ((first / name).is_file() and (other / name).is_file()
                                           and (first / name).read_bytes() == (other / name).read_bytes())]


def _load() -> float:
    return os.getloadavg()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sample-block", type=int, default=5000)
    parser.add_argument("--extra-modes", action="store_true",
                        help="also time call partitioned in one process and call --workers --no-regions")
    parser.add_argument("--out", default=str(RESULTS / "distributed.json"))
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    import pgx

    vcf = _cohort(args.samples)
    base = [sys.executable, "-m", "pgx.cli"]
    n, block = str(args.workers), str(args.sample_block)
    modes = {
        "call": ["call", str(vcf), "--quiet"],
        f"call --workers {n}": ["call", str(vcf), "--quiet", "--workers", n, "--sample-block", block],
        "report": ["report", str(vcf), "--format", "tsv", "--quiet"],
        f"report --workers {n}": ["report", str(vcf), "--format", "tsv", "--quiet", "--workers", n,
                                  "--sample-block", block],
    }
    if args.extra_modes:
        modes["call --no-regions (blocks in one process)"] = ["call", str(vcf), "--quiet", "--sample-block", block,
                                                     "--no-regions"]
        modes[f"call --workers {n} --no-regions"] = ["call", str(vcf), "--quiet", "--workers", n, "--no-regions",
                                                     "--sample-block", block]
    runs: dict[str, list[dict]] = {m: [] for m in modes}
    digests: set[str] = set()
    reference_reports: Path | None = None
    differing: list[str] = []
    # every run writes into its own new folder, all removed at the end (see bench_report.py)
    scratch = Path(tempfile.mkdtemp(prefix="pgx-bench-distributed-"))
    try:
        for repeat in range(args.repeats):
            for k, (mode, argv) in enumerate(modes.items()):
                kind = argv[0]
                out = scratch / f"r{repeat}-m{k}" / ("calls.tsv" if kind == "call" else "reports")
                out.parent.mkdir(parents=True)
                load_before = _load()
                seconds, main_rss, child_rss = _timed(base + argv + ["-o", str(out)])
                runs[mode].append({"seconds": seconds, "pgx_process_rss": main_rss,
                                   "worker_rss": child_rss[: args.workers] if "--workers" in argv else [],
                                   "loadavg_before": load_before, "loadavg_after": _load()})
                print(f"{mode}: {seconds:.1f} s (load {load_before:.1f} -> {_load():.1f})", flush=True)
                if kind == "call":
                    digests.add(hashlib.sha256(out.read_bytes()).hexdigest())
                elif reference_reports is None:
                    reference_reports = out
                else:
                    differing += _differ(reference_reports, out)
                    if not differing:
                        shutil.rmtree(out)
    finally:
        if differing:
            print(f"kept {scratch} for inspection")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    identical = len(digests) == 1 and not differing
    if not identical:
        print(f"the runs wrote different outputs: {len(digests)} calls digests; report files differing: "
              f"{len(set(differing))} ({sorted(set(differing))[:10]})")
    median = {m: statistics.median(r["seconds"] for r in rs) for m, rs in runs.items()}
    rate = {m: args.samples / t for m, t in median.items()}
    ratio = {kind: median[kind] / median[f"{kind} --workers {n}"] for kind in ("call", "report")}
    per_worker = {kind: rate[f"{kind} --workers {n}"] / args.workers for kind in ("call", "report")}
    peak_worker = {m: max((max(r["worker_rss"], default=0) for r in rs), default=0) for m, rs in runs.items()}
    peak_main = {m: max(r["pgx_process_rss"] for r in rs) for m, rs in runs.items()}
    loads = [r[key] for rs in runs.values() for r in rs for key in ("loadavg_before", "loadavg_after")]
    print(f"\n{args.samples:,} samples, every pharmacogene region; {vcf.name} {vcf.stat().st_size / 1e6:.1f} MB; "
          f"{os.cpu_count()} cores; load average {min(loads):.1f}-{max(loads):.1f}; median of {args.repeats}")
    print("| run | seconds | samples/s | peak RSS, pgx process | peak RSS per worker |")
    print("|---|---|---|---|---|")
    for mode in modes:
        worker = f"{peak_worker[mode] / 2**20:,.0f} MiB" if peak_worker[mode] else "-"
        print(f"| {mode} | {median[mode]:.1f} | {rate[mode]:,.0f} | {peak_main[mode] / 2**20:,.0f} MiB | {worker} |")
    for kind in ("call", "report"):
        print(f"scaling ratio, {kind} (one process / {n} workers): {ratio[kind]:.2f}")
    projection: dict[str, dict[int, float]] = {}
    for kind in ("call", "report"):
        projection[kind] = {}
        for workers in (2, 8, 32, 128):
            # model: linear in samples (each sample block is independent work) and in workers, at the
            # per-worker throughput measured here (which includes this run's partitioning, scheduling and
            # start-up overheads); an estimate, not a measurement
            seconds = 500_000 / (per_worker[kind] * workers)
            projection[kind][workers] = seconds
            print(f"projection, {kind}, 500,000 samples on {workers:>3} workers: ~{seconds / 60:,.1f} min")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({
        "samples": args.samples, "workers": args.workers, "sample_block": args.sample_block,
        "repeats": args.repeats, "vcf_bytes": vcf.stat().st_size, "runs": runs, "median_s": median,
        "samples_per_s": rate, "scaling_ratio": ratio, "outputs_identical": identical,
        "report_files_differing": sorted(set(differing))[:100], "per_worker_samples_per_s": per_worker,
        "peak_rss_bytes": {"pgx_process": peak_main, "largest_worker": peak_worker},
        "projection_500k_s": projection,
        "projection_model": "seconds = 500000 / (workers x per-worker samples/s measured at --workers N); "
                            "linear in samples and workers, start-up and scheduling overheads not scaled",
        "loadavg_range": [min(loads), max(loads)], "cores": os.cpu_count(),
        "date": time.strftime("%Y-%m-%d"), "pgx": pgx.__version__,
    }, indent=2))


if __name__ == "__main__":
    main()
