"""Privacy end to end: pseudonymised reports pass phi-check in every format, deidentify,
the audit trail, and clear errors without a key."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from pgxcli import run_pgx, write_key_file
import pgx

RAW_IDS = ["SAMPLE_A", "SAMPLE_B", "SAMPLE_C", "SAMPLE_D"]


def _run(*args: str, env=None) -> subprocess.CompletedProcess:
    return run_pgx(*args, env=env)


def _key(tmp_path: Path) -> Path:
    return Path(write_key_file(tmp_path))


def test_pseudonymised_reports_pass_phi_check_in_every_format(tmp_path):
    key = _key(tmp_path)
    out, log, mapping = tmp_path / "r", tmp_path / "audit.jsonl", tmp_path / "map.tsv"
    done = _run("report", pgx.example_vcf(), "-o", str(out), "--format", "html,json,fhir,tsv", "--quiet",
                "--pseudonymize", "--key-file", str(key), "--audit-log", str(log), "--mapping-file", str(mapping))
    assert done.returncode == 0, done.stderr
    names = [p.name for p in out.iterdir()]
    assert not any(raw in name for raw in RAW_IDS for name in names)
    assert len([n for n in names if n.endswith(".fhir.json")]) == 4
    check = _run("phi-check", str(out), "--identifiers", *RAW_IDS)
    assert check.returncode == 0, check.stdout + check.stderr
    # the same run without pseudonyms is caught
    plain = tmp_path / "plain"
    assert _run("report", pgx.example_vcf(), "-o", str(plain), "--format", "json", "--quiet").returncode == 0
    caught = _run("phi-check", str(plain), "--identifiers", *RAW_IDS)
    assert caught.returncode == 1 and ": identifier: " in caught.stdout
    # the mapping file is owner-only and re-identifies
    assert oct(mapping.stat().st_mode & 0o777) == "0o600"
    assert all(raw in mapping.read_text() for raw in RAW_IDS)
    # the audit trail verifies, and an edited record fails naming its line
    assert _run("audit", "verify", str(log)).returncode == 0
    lines = log.read_text().splitlines()
    record = json.loads(lines[0])
    record["command"] = "something else"
    log.write_text(json.dumps(record) + "\n" + "\n".join(lines[1:]) + ("\n" if lines[1:] else ""))
    bad = _run("audit", "verify", str(log))
    assert bad.returncode == 2 and "line 1" in bad.stderr


def test_stable_pseudonyms_under_the_same_key(tmp_path):
    key = _key(tmp_path)
    a, b = tmp_path / "a.tsv", tmp_path / "b.tsv"
    for out in (a, b):
        assert _run("call", pgx.example_vcf(), "-o", str(out), "--genes", "TPMT", "--quiet",
                    "--pseudonymize", "--key-file", str(key)).returncode == 0
    assert a.read_text() == b.read_text()
    other = tmp_path / "c.tsv"
    assert _run("call", pgx.example_vcf(), "-o", str(other), "--genes", "TPMT", "--quiet",
                "--pseudonymize", "--key-file", str(_key(tmp_path / ".."))).returncode == 0
    assert other.read_text() != a.read_text()
    assert not any(raw in a.read_text() for raw in RAW_IDS)


def test_deidentify_writes_a_readable_scrubbed_vcf(tmp_path):
    key = _key(tmp_path)
    source = tmp_path / "in.vcf"
    source.write_text(Path(pgx.example_vcf()).read_text().replace(
        "##reference=GRCh38\n", "##reference=GRCh38\n##commandline=caller --in /home/jdoe/SAMPLE_A.bam\n"
                                "##fileDate=20240315\n"))
    out = tmp_path / "out.vcf.gz"
    done = _run("deidentify", str(source), "-o", str(out), "--key-file", str(key), "--quiet")
    assert done.returncode == 0, done.stderr
    cs = pgx.read_vcf(str(out))
    assert cs.n_samples == 4 and not set(cs.sample_ids) & set(RAW_IDS)
    assert cs.genotypes.tolist() == pgx.read_vcf(str(source)).genotypes.tolist()
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    import gzip
    text = gzip.decompress(out.read_bytes()).decode()
    assert "##commandline" not in text and "##fileDate" not in text and "jdoe" not in text


def test_no_key_is_a_clear_error(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PGX_PSEUDONYM_KEY"}
    done = _run("report", pgx.example_vcf(), "-o", str(tmp_path / "r"), "--pseudonymize", env=env)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "PGX_PSEUDONYM_KEY" in done.stderr or "key" in done.stderr.lower()
    assert not (tmp_path / "r").exists() or not list((tmp_path / "r").iterdir())
