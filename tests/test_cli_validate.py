"""`pgx validate FILE`: the problem table on stdout (TSV or JSON), a verdict on stderr, exit 0
without errors (warnings allowed), 1 with errors, 2 when the file cannot be checked."""

from __future__ import annotations

import json

from pgxcli import run_pgx
from test_io_validate import CLEAN, NEXT, _with


def test_cli_validate(write_vcf, tmp_path):
    clean = write_vcf(CLEAN, "clean.vcf")
    ok = run_pgx("validate", clean)
    assert ok.returncode == 0 and ok.stdout == "line\tfield\tseverity\tmessage\n"
    assert "valid (0 error(s), 0 warning(s))" in ok.stderr
    warned = run_pgx("validate", write_vcf(CLEAN + _with(INFO="XX=1"), "warned.vcf"))
    assert warned.returncode == 0 and f"{NEXT}\tINFO/XX\twarning\t" in warned.stdout
    bad = write_vcf(CLEAN + _with(FILTER="q10;") + _with(POS="600", INFO="DP=x"), "bad.vcf")
    failed = run_pgx("validate", bad, "--format", "json")
    assert failed.returncode == 1, failed.stderr
    rows = json.loads(failed.stdout)
    assert [(r["line"], r["field"], r["severity"]) for r in rows] == [
        (NEXT, "FILTER", "error"), (NEXT + 1, "INFO/DP", "error")]
    assert "not valid (2 error(s), 0 warning(s))" in failed.stderr
    missing = run_pgx("validate", str(tmp_path / "nope.vcf"))
    assert missing.returncode == 2 and "no such file" in missing.stderr and "Traceback" not in missing.stderr
