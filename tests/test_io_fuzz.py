"""Mutation fuzzing: 300 damaged copies of a small VCF (seeded), each read by the compiled
kernel, by its pure-Python twin and by the validator. Every outcome must be a CallSet, a
table or a PgxError: no crash, no hang, no untyped exception, no untyped warning; and a file
the kernel refuses always gets an error from the validator."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import traceback
import warnings
from pathlib import Path

import numpy as np

from vcfgen import make_vcf_text

N_CASES = 300
TIME_LIMIT = 240.0  # seconds for all cases together; the run takes a few seconds


def _mutate(text: bytes, rng: np.random.Generator) -> tuple[str, bytes]:
    """One random mutation of the file's bytes: (name of the mutation, new bytes)."""
    lines = text.split(b"\n")
    kind = ["flip", "delete_field", "duplicate_line", "truncate", "random_bytes", "swap_lines",
            "delete_line", "duplicate_field", "empty_field", "insert_separator"][int(rng.integers(0, 10))]
    if kind == "flip":
        data = bytearray(text)
        for _ in range(int(rng.integers(1, 4))):
            data[int(rng.integers(0, len(data)))] = int(rng.integers(0, 256))
        return kind, bytes(data)
    if kind == "truncate":
        return kind, text[: int(rng.integers(0, len(text)))]
    if kind == "random_bytes":
        at = int(rng.integers(0, len(text)))
        return kind, text[:at] + rng.bytes(int(rng.integers(1, 40))) + text[at:]
    if kind == "insert_separator":
        at = int(rng.integers(0, len(text)))
        separators = b"\t:;,/|=<>[]\n\r."
        return kind, text[:at] + bytes([separators[int(rng.integers(0, len(separators)))]]) + text[at:]
    i = int(rng.integers(0, len(lines)))
    j = int(rng.integers(0, len(lines)))
    if kind == "duplicate_line":
        lines.insert(j, lines[i])
    elif kind == "swap_lines":
        lines[i], lines[j] = lines[j], lines[i]
    elif kind == "delete_line":
        del lines[i]
    else:
        fields = lines[i].split(b"\t")
        k = int(rng.integers(0, len(fields)))
        if kind == "delete_field":
            del fields[k]
        elif kind == "duplicate_field":
            fields.insert(k, fields[k])
        else:
            fields[k] = b""
        lines[i] = b"\t".join(fields)
    return kind, b"\n".join(lines)


def _run_cases(folder: str, progress: str, report: str) -> None:
    """Child process: every case through the three readers; untyped outcomes go to ``report``."""
    import pgx
    import pgx.io
    from pgx import PgxError, PgxWarning

    base = make_vcf_text(seed=3, n_samples=4, n_records=25).text.encode()
    rng = np.random.default_rng(20261206)
    problems: list[str] = []
    outcomes = {"read": 0, "refused": 0, "validated": 0, "validate_refused": 0}
    silent: list[str] = []  # files the kernel refuses but the validator finds no error in
    for case in range(N_CASES):
        kind, data = _mutate(base, rng)
        name = Path(folder) / f"case{case}.vcf"
        if case % 5 == 4:  # a fifth of the cases compressed, so the inflater sees damage too
            packed = gzip.compress(data)
            data = packed if case % 10 == 4 else packed[: -int(rng.integers(1, 20))]  # or cut short
            name = name.with_suffix(".vcf.gz")
        name.write_bytes(data)
        Path(progress).write_text(f"{case} {kind}")
        refused = None
        for label, call in (("kernel", lambda: pgx.read_vcf(name)),
                            ("twin", lambda: pgx.read_vcf(name, pure_python=True)),
                            ("validate", lambda: pgx.io.validate(name))):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    result = call()
                    outcomes["validated" if label == "validate" else "read"] += 1
                    if label == "validate" and refused and not result.filter(severity="error").height:
                        silent.append(f"case {case} ({kind}): {refused}")
                except PgxError as exc:
                    outcomes["validate_refused" if label == "validate" else "refused"] += 1
                    refused = refused or str(exc)
                except Exception:  # noqa: BLE001 - what the test is looking for
                    problems.append(f"case {case} ({kind}), {label}: {traceback.format_exc(limit=3)}")
            for w in caught:
                if not issubclass(w.category, PgxWarning):
                    problems.append(f"case {case} ({kind}), {label}: untyped warning {w.category.__name__}: "
                                    f"{w.message}")
    Path(report).write_text(json.dumps([problems, outcomes, silent]))


def test_mutated_files_never_crash_hang_or_raise_untyped(tmp_path):
    import pgx

    progress, result = tmp_path / "progress", tmp_path / "result.json"
    progress.write_text("not started")
    # a fresh interpreter (not a fork of this one, whose thread pools may hold locks)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(Path(pgx.__file__).parent.parent), str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]))
    code = f"import test_io_fuzz as t; t._run_cases({str(tmp_path)!r}, {str(progress)!r}, {str(result)!r})"
    try:
        # cwd: `python -c` puts the working directory first on sys.path, and a source checkout
        # there (no built kernels when pgx is installed) would shadow the pgx this test imported
        child = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                               timeout=TIME_LIMIT, cwd=tmp_path)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"hang: still running after {TIME_LIMIT} s at case {progress.read_text()}") from None
    assert child.returncode == 0, (f"crash (exit code {child.returncode}) at case {progress.read_text()}: "
                                   f"{child.stderr[-2000:]}")
    problems, outcomes, silent = json.loads(result.read_text())
    assert not problems, "\n".join(problems[:5])
    # every file was validated; the readers read some and refused some (a floor, so a
    # regression that refuses everything, or accepts everything, fails)
    assert outcomes["validated"] + outcomes["validate_refused"] == N_CASES
    assert outcomes["validated"] >= 280, outcomes  # only files that are not VCF at all are refused
    # a file the kernel refuses is never one the validator passes without an error
    assert not silent, "\n".join(silent[:5])
    assert outcomes["read"] >= 100, outcomes
    assert outcomes["refused"] >= 100, outcomes
