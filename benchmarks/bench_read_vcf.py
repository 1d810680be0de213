"""Benchmark ``pgx.read_vcf`` against scikit-allel, cyvcf2, pysam and the ``bgzip -dc`` floor.

Makes the three synthetic files of ``make_vcfs.py`` when missing, then runs every reader on
every file as its own process (a fresh interpreter for each repeat, readers interleaved
round-robin), timing the read call (reported by the child) and the whole process, and
taking each process's peak RSS from GNU ``/usr/bin/time -f %M``. Prints markdown tables and writes JSON to
``benchmarks/results/read_vcf.json`` (``read_vcf.quick.json`` with ``--quick``).

Usage::

    python benchmarks/bench_read_vcf.py [--quick] [--repeats 5] [--only cohort,clinical,gvcf]
        [--readers pgx,allel,cyvcf2,pysam,bgzip] [--pysam-limit auto|N|0]

See benchmarks/README.md for what each column means.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import make_vcfs  # noqa: E402

PEERS = HERE / "_peers.py"
READERS = ("pgx", "allel", "cyvcf2", "pysam", "bgzip")
PY_READERS = ("pgx", "allel", "cyvcf2", "pysam")
MODULES = {"pgx": "pgx", "allel": "allel", "cyvcf2": "cyvcf2", "pysam": "pysam"}
DISTS = {"allel": "scikit-allel", "cyvcf2": "cyvcf2", "pysam": "pysam", "numpy": "numpy", "polars": "polars"}
PYSAM_AUTO_CALLS = 25_000_000  # --pysam-limit auto: read at most this many sample calls
MB = 1e6


# --------------------------------------------------------------------------- running one process


def _env(reader: str) -> dict:
    env = dict(os.environ)
    if reader == "pgx" or reader == "import:pgx":
        env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
# Fallback launcher: a bare interpreter that spawns the command and reports its ru_maxrss.
_LAUNCHER = (
    "import os,sys,resource\n"
    "pid=os.posix_spawnp(sys.argv[2],sys.argv[2:],os.environ)\n"
    "_,st,ru=os.wait4(pid,0)\n"
    "open(sys.argv[1],'w').write(str(ru.ru_maxrss))\n"
    "sys.exit(os.waitstatus_to_exitcode(st) & 255)\n"
)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def run_process(cmd: list[str], env: dict, timeout: float, want_stdout: bool = True) -> dict:
    """Run ``cmd``: wall seconds, peak RSS and output.

    The peak RSS is the child's ``ru_maxrss`` as seen by a small fresh parent, GNU
    ``/usr/bin/time -f %M`` (else a bare ``python -S`` launcher): a child spawned straight from
    this process would inherit this interpreter's high-water mark (~40 MB) through vfork.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        if GNU_TIME:
            full = [GNU_TIME, "-f", "%M", "-o", rss.name, *cmd]
        else:
            full = [sys.executable, "-S", "-c", _LAUNCHER, rss.name, *cmd]
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            full, env=env, stdin=subprocess.DEVNULL,
            stdout=out if want_stdout else subprocess.DEVNULL, stderr=err,
            start_new_session=True,  # its own process group, so a timeout kills the reader too
        )
        timer = threading.Timer(timeout, _kill_group, (proc,))
        timer.start()
        try:
            proc.wait()
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        rss_text = rss.read().strip().splitlines()  # GNU time may write "Command exited with ..." first
        try:
            maxrss = int(rss_text[-1]) * 1024  # KiB on Linux
        except (IndexError, ValueError):
            maxrss = None
        return {
            "returncode": proc.returncode,
            "wall_seconds": wall,
            "maxrss_bytes": maxrss,
            "timed_out": wall >= timeout and proc.returncode != 0,
            "stdout": out.read().decode(errors="replace"),
            "stderr": err.read().decode(errors="replace"),
        }


def run_reader(reader: str, path: Path, *, limit: int | None, prefix: int | None, timeout: float) -> dict:
    """One timed run of ``reader`` on ``path``; ``error`` is set when it failed."""
    if reader == "bgzip":
        res = run_process([shutil.which("bgzip") or "bgzip", "-dc", str(path)], dict(os.environ), timeout, want_stdout=False)
        res["seconds"] = res["wall_seconds"]
    else:
        cmd = [sys.executable, str(PEERS), reader, str(path), "--check"]
        if limit is not None:
            cmd += ["--limit", str(limit)]
        if prefix is not None:
            cmd += ["--prefix", str(prefix)]
        res = run_process(cmd, _env(reader), timeout)
        if res["returncode"] == 0:
            try:
                res.update(json.loads(res["stdout"].strip().splitlines()[-1]))
            except (ValueError, IndexError):
                res["error"] = "no JSON result on stdout"
        # the fingerprint is computed after the read, in the same process: keep it out of wall time
        res["wall_seconds"] -= res.get("check_seconds", 0.0)
    if res["returncode"] != 0 and "error" not in res:
        tail = res["stderr"].strip().splitlines()[-1:] or [""]
        res["error"] = ("timed out" if res["timed_out"] else f"exit code {res['returncode']}") + (f": {tail[0][:300]}" if tail[0] else "")
    if "error" in res:
        res["stderr_tail"] = res["stderr"][-3000:]
    res.pop("stdout", None)
    res.pop("stderr", None)
    return res


def baseline(reader: str, repeats: int, timeout: float) -> dict:
    """Peak RSS and wall time of ``python -c "import MODULE"`` (through _peers.py's import mode)."""
    runs = []
    for _ in range(repeats):
        r = run_process([sys.executable, str(PEERS), f"import:{MODULES[reader]}"], _env(f"import:{MODULES[reader]}"), timeout)
        if r["returncode"] != 0:
            return {"error": (r["stderr"].strip().splitlines() or ["import failed"])[-1][:300]}
        runs.append(r)
    return {
        "maxrss_bytes": statistics.median(r["maxrss_bytes"] for r in runs),
        "wall_seconds": statistics.median(r["wall_seconds"] for r in runs),
        "repeats": repeats,
    }


# --------------------------------------------------------------------------- summaries


def pysam_limit_for(arg: str, manifest: dict) -> int | None:
    """Records pysam reads: None for all of them."""
    if arg == "auto":
        limit = max(1000, math.ceil(PYSAM_AUTO_CALLS / max(1, manifest["samples"])))
        if limit * 2 > manifest["records"]:  # not worth extrapolating: read it all
            return None
    else:
        limit = int(arg)
    return None if limit <= 0 or limit >= manifest["records"] else limit


def summarize(reader: str, runs: list[dict], records: int, base: dict | None) -> dict:
    ok = [r for r in runs if "error" not in r]
    s: dict = {"reader": reader, "runs": runs, "n_ok": len(ok)}
    errors = [r["error"] for r in runs if "error" in r]
    if errors:
        s["error"] = errors[0]
    if not ok:
        return s
    s["seconds_median"] = statistics.median(r["seconds"] for r in ok)
    s["seconds_min"] = min(r["seconds"] for r in ok)
    s["wall_seconds_median"] = statistics.median(r["wall_seconds"] for r in ok)
    rss = [r["maxrss_bytes"] for r in ok if r.get("maxrss_bytes") is not None]
    s["maxrss_bytes_median"] = statistics.median(rss) if rss else None
    s["maxrss_bytes_max"] = max(rss) if rss else None
    if base and base.get("maxrss_bytes") is not None and rss:
        s["baseline_maxrss_bytes"] = base["maxrss_bytes"]
        s["net_maxrss_bytes_median"] = s["maxrss_bytes_median"] - base["maxrss_bytes"]
    first = ok[0]
    for key in ("n_variants", "n_samples", "genotype_bytes", "phased_bytes", "array_bytes", "other_bytes",
                "fingerprint", "prefix_fingerprint", "n_missing", "allele_sum", "limit"):
        if key in first:
            s[key] = first[key]
    n_read = first.get("n_variants")
    if reader != "bgzip" and first.get("limit") is not None and n_read and n_read < records:
        # a prefix was read: scale the read time up to the whole file (the per-record cost of
        # these files is uniform); the process time gets the same extrapolated read time
        factor = records / n_read
        s["extrapolated"] = True
        s["extrapolated_from_records"] = n_read
        s["measured_seconds_median"] = s["seconds_median"]
        s["measured_wall_seconds_median"] = s["wall_seconds_median"]
        s["seconds_median"] *= factor
        s["seconds_min"] *= factor
        s["wall_seconds_median"] += s["measured_seconds_median"] * (factor - 1)
    return s


def agreement(summaries: dict[str, dict]) -> None:
    """Mark each reader's genotype array as matching the reference reader's (pgx if it ran)."""
    full = [r for r in ("pgx", "allel", "cyvcf2", "pysam") if "fingerprint" in summaries.get(r, {}) and not summaries[r].get("extrapolated")]
    if not full:
        return
    ref = summaries[full[0]]
    for name, s in summaries.items():
        if name == "bgzip" or "fingerprint" not in s:
            continue
        if s.get("extrapolated"):
            # compare the prefix with the reference's digest of the same prefix
            s["agrees_with"] = full[0]
            s["agrees"] = s["fingerprint"] == ref.get("prefix_fingerprint")
            s["agrees_on"] = f"first {s['n_variants']:,} records"
        else:
            s["agrees_with"] = full[0]
            s["agrees"] = s["fingerprint"] == ref["fingerprint"] and s.get("n_variants") == ref.get("n_variants")


def ratios(summaries: dict[str, dict]) -> dict:
    pgx = summaries.get("pgx", {})
    out = {}
    if "seconds_median" in pgx:
        for name, s in summaries.items():
            if "seconds_median" in s:
                s["ratio_to_pgx"] = s["seconds_median"] / pgx["seconds_median"]
                s["wall_ratio_to_pgx"] = s["wall_seconds_median"] / pgx["wall_seconds_median"]
        bg = summaries.get("bgzip", {})
        if "seconds_median" in bg:
            out["pgx_over_bgzip"] = pgx["seconds_median"] / bg["seconds_median"]
            out["pgx_wall_over_bgzip"] = pgx["wall_seconds_median"] / bg["seconds_median"]
        if pgx.get("array_bytes") and pgx.get("maxrss_bytes_median") is not None:
            ab = pgx["array_bytes"]
            out["pgx_array_bytes"] = ab
            out["pgx_peak_rss_over_array_bytes_raw"] = pgx["maxrss_bytes_median"] / ab
            if "net_maxrss_bytes_median" in pgx:
                out["pgx_peak_rss_over_array_bytes_net"] = pgx["net_maxrss_bytes_median"] / ab
    return out


# --------------------------------------------------------------------------- report


def _fmt_s(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def _fmt_mb(x: float | None) -> str:
    return "-" if x is None else f"{x / MB:,.0f}"


def markdown(name: str, manifest: dict, summaries: dict[str, dict], extra: dict, repeats: int) -> str:
    lines = [
        f"### {name}: {manifest['samples']:,} sample{'s' if manifest['samples'] != 1 else ''} x {manifest['records']:,} records "
        f"({manifest['uncompressed_bytes'] / MB:,.0f} MB text, {manifest['compressed_bytes'] / MB:,.1f} MB bgzip; "
        f"median of {repeats})",
        "",
        "| reader | read s | min s | process s | / pgx | peak RSS MB | net RSS MB | GT agrees | notes |",
        "|---|---:|---:|---:|---:|---:|---:|:---:|---|",
    ]
    for reader, s in summaries.items():
        if "seconds_median" not in s:
            lines.append(f"| {reader} | FAILED | | | | | | | {s.get('error', 'no result')[:160].replace('|', '/')} |")
            continue
        notes = []
        star = ""
        if s.get("extrapolated"):
            star = "~"
            notes.append(
                f"extrapolated from the first {s['extrapolated_from_records']:,} records "
                f"(measured {s['measured_seconds_median']:.2f} s; RSS is the prefix run's)"
            )
        if reader == "bgzip":
            notes.append("decompression floor (process time)")
        if s.get("error"):
            notes.append(f"{len(s['runs']) - s['n_ok']} run(s) failed: {s['error'][:100]}")
        if s.get("agrees_with") == reader:
            agrees = "ref"
        elif "agrees" in s:
            agrees = ("yes" if s["agrees"] else "**NO**") + ("*" if s.get("agrees_on") else "")
        else:
            agrees = ""
        ratio = s.get("ratio_to_pgx")
        lines.append(
            f"| {reader} | {star}{_fmt_s(s['seconds_median'])} | {star}{_fmt_s(s['seconds_min'])} | "
            f"{star}{_fmt_s(s['wall_seconds_median'])} | {'-' if ratio is None else f'{star}{ratio:.2f}x'} | "
            f"{_fmt_mb(s['maxrss_bytes_median'])} | {_fmt_mb(s.get('net_maxrss_bytes_median'))} | {agrees} | "
            f"{'; '.join(notes).replace('|', '/')} |"
        )
    lines.append("")
    if "pgx_over_bgzip" in extra:
        lines.append(
            f"pgx / bgzip floor: **{extra['pgx_over_bgzip']:.2f}x** (read call), "
            f"{extra['pgx_wall_over_bgzip']:.2f}x (whole pgx process)."
        )
    pgx = summaries.get("pgx", {})
    if "pgx_array_bytes" in extra:
        net = extra.get("pgx_peak_rss_over_array_bytes_net")
        lines.append(
            f"pgx memory: arrays {pgx['array_bytes'] / MB:,.1f} MB (genotypes {pgx['genotype_bytes'] / MB:,.1f} + "
            f"phased {pgx['phased_bytes'] / MB:,.1f}; other calldata {pgx.get('other_bytes', 0) / MB:,.1f} MB not counted); "
            f"peak RSS {pgx['maxrss_bytes_median'] / MB:,.0f} MB, baseline `import pgx` "
            f"{pgx.get('baseline_maxrss_bytes', float('nan')) / MB:,.0f} MB; peak / arrays = "
            f"{extra['pgx_peak_rss_over_array_bytes_raw']:.2f} raw, "
            + (f"**{net:.2f} net** (target <= 1.5{'' if net <= 1.5 else ', MISSED'})." if net is not None else "net n/a.")
            + (" Not meaningful here: the arrays are too small next to the interpreter's own memory."
               if pgx["array_bytes"] < 50 * MB else "")
        )
    if any(s.get("agrees_on") for s in summaries.values()):
        lines.append("GT agrees*: compared on the records read (prefix digest of the reference reader).")
    return "\n".join(lines) + "\n"


def environment(readers: list[str]) -> dict:
    from importlib import metadata

    env = {
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "loadavg_start": os.getloadavg(),
        "versions": {},
    }
    try:
        model = re.search(r"model name\s*:\s*(.*)", Path("/proc/cpuinfo").read_text())
        env["cpu"] = model.group(1) if model else platform.processor()
        env["mem_total_gb"] = round(int(re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text()).group(1)) / 2**20, 1)
    except (OSError, AttributeError):
        pass
    for mod, dist in DISTS.items():
        try:
            env["versions"][mod] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    try:
        version_py = (REPO / "pgx" / "_version.py").read_text()
        m = re.search(r"__version__\s*=\s*['\"]([^'\"]+)", version_py)
        env["versions"]["pgx"] = m.group(1) if m else "?"
    except OSError:
        pass
    try:
        env["git_commit"] = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
        env["git_dirty"] = bool(subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
                                               capture_output=True, text=True).stdout.strip())
    except OSError:
        pass
    if "bgzip" in readers and shutil.which("bgzip"):
        env["versions"]["bgzip"] = subprocess.run(["bgzip", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    return env


def warm(path: Path) -> None:
    """Read the file once so every reader starts with it in the page cache."""
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="the 10x smaller files (smoke runs)")
    p.add_argument("--repeats", type=int, default=5, help="runs per reader and file (default 5)")
    p.add_argument("--only", default=",".join(make_vcfs.NAMES), help="files: comma-separated cohort,clinical,gvcf")
    p.add_argument("--readers", default=",".join(READERS), help="comma-separated pgx,allel,cyvcf2,pysam,bgzip")
    p.add_argument("--pysam-limit", default="auto",
                   help="records pysam reads, the time then extrapolated to the whole file; 'auto' (default) "
                        f"= at most {PYSAM_AUTO_CALLS:,} sample calls, i.e. ceil({PYSAM_AUTO_CALLS:,} / samples) "
                        "records; 0 = the whole file")
    p.add_argument("--baseline-repeats", type=int, default=3, help="runs of `python -c 'import MODULE'` (default 3)")
    p.add_argument("--timeout", type=float, default=3600, help="seconds before a run is killed (default 3600)")
    p.add_argument("--out", type=Path, default=None,
                   help="JSON results (default benchmarks/results/read_vcf.json, read_vcf.quick.json with --quick)")
    args = p.parse_args(argv)

    names = [x.strip() for x in args.only.split(",") if x.strip()]
    readers = [x.strip() for x in args.readers.split(",") if x.strip()]
    if bad := [x for x in names if x not in make_vcfs.NAMES]:
        p.error(f"unknown file(s) {bad}; choose from {','.join(make_vcfs.NAMES)}")
    if bad := [x for x in readers if x not in READERS]:
        p.error(f"unknown reader(s) {bad}; choose from {','.join(READERS)}")
    if args.pysam_limit != "auto" and not re.fullmatch(r"\d+", args.pysam_limit):
        p.error("--pysam-limit takes 'auto' or a number of records (0 = all)")
    if args.repeats < 1:
        p.error("--repeats must be >= 1")
    out_path = args.out or HERE / "results" / ("read_vcf.quick.json" if args.quick else "read_vcf.json")
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731

    if "bgzip" in readers and not shutil.which("bgzip"):
        log("bgzip not found (apt-get install tabix); dropping the bgzip floor")
        readers.remove("bgzip")

    manifests = {name: make_vcfs.ensure(name, args.quick, log=log) for name in names}

    log("baselines (import only) ...")
    baselines = {r: baseline(r, args.baseline_repeats, args.timeout) for r in readers if r in PY_READERS}
    for r, b in baselines.items():
        if "error" in b:
            log(f"  import {r}: FAILED: {b['error']}")
        else:
            log(f"  import {r}: {b['maxrss_bytes'] / MB:,.0f} MB peak RSS, {b['wall_seconds']:.2f} s")

    results = {
        "benchmark": "read_vcf",
        "quick": args.quick,
        "repeats": args.repeats,
        "readers": readers,
        "pysam_limit": args.pysam_limit,
        "environment": environment(readers),
        "rss_method": f"{GNU_TIME} -f %M" if GNU_TIME else "python -S launcher, os.wait4",
        "baselines": baselines,
        "files": {},
    }
    report = []
    for name in names:
        manifest = manifests[name]
        path = Path(manifest["path"])
        warm(path)
        limit = pysam_limit_for(args.pysam_limit, manifest) if "pysam" in readers else None
        runs: dict[str, list[dict]] = {r: [] for r in readers}
        failed: set[str] = set()
        for rep in range(args.repeats):
            for reader in readers:
                if reader in failed:
                    continue
                res = run_reader(reader, path, limit=limit if reader == "pysam" else None, prefix=limit, timeout=args.timeout)
                runs[reader].append(res)
                if "error" in res:
                    log(f"{name} {reader} run {rep + 1}: FAILED: {res['error']}")
                    failed.add(reader)  # report it and go on with the other readers
                else:
                    log(f"{name} {reader} run {rep + 1}/{args.repeats}: {res['seconds']:.3f} s read, "
                        f"{res['wall_seconds']:.3f} s process, {res['maxrss_bytes'] / MB:,.0f} MB peak RSS")
        summaries = {r: summarize(r, runs[r], manifest["records"], baselines.get(r)) for r in readers}
        agreement(summaries)
        extra = ratios(summaries)
        table = markdown(name, manifest, summaries, extra, args.repeats)
        report.append(table)
        print(table, flush=True)
        results["files"][name] = {"manifest": manifest, "pysam_limit_records": limit, "readers": summaries, **extra}

    results["environment"]["loadavg_end"] = os.getloadavg()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + ".tmp")
    tmp.write_text(json.dumps(results, indent=2, default=float) + "\n")
    os.replace(tmp, out_path)
    log(f"wrote {out_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
