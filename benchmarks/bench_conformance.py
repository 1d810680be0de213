"""Conformance of pgx's VCF reader and validator on the hts-specs test corpus.

The VCF specification's repository (samtools/hts-specs) ships ``test/vcf/<version>/passed``
(files every tool should accept) and ``.../failed`` (files with one deliberate error each,
most from EBI's vcf-validator). This benchmark extracts them from a git snapshot of
hts-specs (never copied into pgx) and measures:

- the share of valid files :func:`pgx.read_vcf` reads (and which it refuses, why);
- the share of invalid files :func:`pgx.io.validate` reports (an error or a warning);
- errors and warnings :func:`pgx.io.validate` gives on valid files (the target is no errors);
- crashes, hangs (each file is read in a child process with a time limit) and exceptions
  that are not :class:`pgx.PgxError`.

Usage::

    python benchmarks/bench_conformance.py [--hts-specs GIT_DIR] [--commit REV]

``GIT_DIR`` defaults to ``$PGX_HTS_SPECS`` or ``/work/.mirror/samtools+hts-specs/repo``; without
it the benchmark says so and exits 0. Results go to ``benchmarks/results/conformance.json``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import subprocess
import sys
import tarfile
import tempfile
import time
import warnings
from pathlib import Path

DEFAULT_GIT = "/work/.mirror/samtools+hts-specs/repo"
TIMEOUT = 30.0
HERE = Path(__file__).resolve().parent


def _check(path: str) -> dict:
    """Child process: read and validate one file, report what happened."""
    import pgx
    import pgx.io
    from pgx.exceptions import PgxError

    out: dict = {}
    for name, pure in (("read", False), ("read_pure", True)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                pgx.read_vcf(path, pure_python=pure)
                out[name] = "ok"
            except PgxError as exc:
                out[name] = f"PgxError: {exc}"
            except Exception as exc:  # noqa: BLE001 - the benchmark counts these
                out[name] = f"UNTYPED {type(exc).__name__}: {exc}"
        out[name + "_warnings"] = [str(w.message) for w in caught if "pure-Python" not in str(w.message)]
    try:
        table = pgx.io.validate(path)
        out["errors"] = table.filter(severity="error").rows()
        out["warnings"] = table.filter(severity="warning").rows()
    except PgxError as exc:
        out["errors"] = [(None, "file", "error", f"PgxError: {exc}")]
        out["warnings"] = []
    except Exception as exc:  # noqa: BLE001
        out["validate_untyped"] = f"{type(exc).__name__}: {exc}"
        out["errors"], out["warnings"] = [], []
    return out


class _Runner:
    """One warm worker process; a file that takes longer than TIMEOUT is a hang and the
    worker is replaced."""

    def __init__(self) -> None:
        self.pool = mp.get_context("fork").Pool(1)

    def __call__(self, path: str) -> dict:
        job = self.pool.apply_async(_check, (path,))
        try:
            return job.get(TIMEOUT)
        except mp.TimeoutError:
            self.pool.terminate()
            self.pool = mp.get_context("fork").Pool(1)
            return {"hang": True}
        except Exception as exc:  # noqa: BLE001 - the worker died (a crash)
            self.pool.terminate()
            self.pool = mp.get_context("fork").Pool(1)
            return {"crash": f"{type(exc).__name__}: {exc}"}

    def close(self) -> None:
        self.pool.terminate()


def throughput(repeats: int = 3) -> dict:
    """Validator against reader on make_vcfs.py's clinical file (quick size): median seconds
    and the validator's peak Python allocation (tracemalloc), to show what strict=True costs."""
    import statistics
    import tracemalloc

    import pgx
    import pgx.io

    sys.path.insert(0, str(HERE))
    from make_vcfs import ensure, vcf_path

    ensure("clinical", quick=True)
    path = str(vcf_path("clinical", True))
    times: dict[str, list[float]] = {"read_vcf": [], "validate": []}
    for _ in range(repeats):
        for name, call in (("read_vcf", lambda: pgx.read_vcf(path)), ("validate", lambda: pgx.io.validate(path))):
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
    tracemalloc.start()
    problems = pgx.io.validate(path).height
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    medians = {k: round(statistics.median(v), 3) for k, v in times.items()}
    return {"file": "clinical.quick (50 samples x 10,000 records, bgzip)", "median_seconds": medians,
            "validate_over_read": round(medians["validate"] / medians["read_vcf"], 1),
            "validate_peak_traced_mb": round(peak / 2**20, 1), "problems_found": problems, "repeats": repeats}


def extract(git_dir: str, commit: str, into: Path) -> list[Path]:
    archive = subprocess.run(["git", f"--git-dir={git_dir}", "archive", "--format=tar", commit, "test/vcf"],
                             check=True, capture_output=True).stdout
    tar_path = into / "vcf.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(into, filter="data")
    return sorted((into / "test" / "vcf").glob("4.*/*/*.vcf"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hts-specs", default=os.environ.get("PGX_HTS_SPECS", DEFAULT_GIT),
                        help="git directory of a samtools/hts-specs snapshot")
    parser.add_argument("--commit", default="HEAD")
    parser.add_argument("--out", default=HERE / "results" / "conformance.json", type=Path)
    parser.add_argument("--only", default=None, help="substring of the file paths to run (for debugging)")
    parser.add_argument("--no-throughput", action="store_true",
                        help="skip timing the validator against read_vcf on make_vcfs.py's clinical file")
    args = parser.parse_args(argv)
    import pgx.io  # noqa: F401 - imported once here, so that each forked child starts warm

    if not os.path.isdir(args.hts_specs):
        print(f"skipped: no hts-specs snapshot at {args.hts_specs} (set PGX_HTS_SPECS or --hts-specs)")
        return 0
    sha = subprocess.run(["git", f"--git-dir={args.hts_specs}", "rev-parse", args.commit], check=True,
                         capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        files = extract(args.hts_specs, sha, Path(tmp))
        if args.only:
            files = [f for f in files if args.only in str(f)]
        start = time.perf_counter()
        results = {}
        runner = _Runner()
        for f in files:
            rel = f.relative_to(Path(tmp) / "test" / "vcf").as_posix()
            results[rel] = runner(str(f))
        runner.close()
        seconds = time.perf_counter() - start
    valid = {k: v for k, v in results.items() if "/passed/" in k}
    invalid = {k: v for k, v in results.items() if "/failed/" in k}
    bad = {k: v for k, v in results.items() if v.get("hang") or v.get("crash") or v.get("validate_untyped")
           or "UNTYPED" in v.get("read", "") or "UNTYPED" in v.get("read_pure", "")}
    ok = [k for k, v in valid.items() if v.get("read") == "ok"]
    refused = {k: v.get("read", "hang/crash") for k, v in valid.items() if v.get("read") != "ok"}
    valid_errors = {k: v["errors"] for k, v in valid.items() if v.get("errors")}
    valid_warnings = {k: v["warnings"] for k, v in valid.items() if v.get("warnings")}
    other_warnings = {k: v for k, v in valid_warnings.items()
                      if any("is not declared in the header" not in w[3] for w in v)}
    reported = [k for k, v in invalid.items() if v.get("errors") or v.get("warnings")]
    by_error = [k for k, v in invalid.items() if v.get("errors")]
    missed = sorted(set(invalid) - set(reported))
    read_refuses_invalid = [k for k, v in invalid.items() if v.get("read") != "ok"]
    summary = {
        "hts_specs_commit": sha,
        "files": len(results),
        "valid_files": len(valid),
        "valid_read": len(ok),
        "valid_read_pct": round(100 * len(ok) / max(1, len(valid)), 1),
        "valid_refused_by_read_vcf": refused,
        "valid_with_validate_errors": len(valid_errors),
        "valid_with_validate_warnings": len(valid_warnings),
        "valid_with_validate_warnings_besides_undeclared_keys": len(other_warnings),
        "invalid_files": len(invalid),
        "invalid_reported": len(reported),
        "invalid_reported_pct": round(100 * len(reported) / max(1, len(invalid)), 1),
        "invalid_reported_as_error": len(by_error),
        "invalid_refused_by_read_vcf": len(read_refuses_invalid),
        "crashes_hangs_untyped": len(bad),
        "seconds": round(seconds, 1),
        "invalid_missed": missed,
        "valid_validate_errors": valid_errors,
        "valid_validate_warnings": {k: [w[1] + ": " + w[3] for w in v][:5] for k, v in valid_warnings.items()},
        "bad": bad,
    }
    if not args.only and not args.no_throughput:
        summary["throughput"] = throughput()
        print("throughput:", json.dumps(summary["throughput"]))
    if not args.only:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n")
    for key in ("valid_files", "valid_read", "valid_read_pct", "valid_with_validate_errors",
                "valid_with_validate_warnings", "valid_with_validate_warnings_besides_undeclared_keys", "invalid_files", "invalid_reported", "invalid_reported_pct",
                "invalid_reported_as_error", "invalid_refused_by_read_vcf", "crashes_hangs_untyped", "seconds"):
        print(f"{key}: {summary[key]}")
    print("valid files read_vcf refuses:")
    for k, v in refused.items():
        print(f"  {k}: {v[:150]}")
    print("invalid files not reported:", *missed, sep="\n  ")
    print("validate errors on valid files:")
    for k, v in valid_errors.items():
        print(f"  {k}: {v[:3]}")
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
