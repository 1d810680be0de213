"""`pgx report` and the audit trail: reports carry the chain head their run's record
continues from; pseudonymised cohort summaries hide small counts."""

from __future__ import annotations

import hashlib
import json

import polars as pl

from pgxcli import run_pgx, write_key_file
from pgx.privacy import GENESIS
from pgx.simulate import simulate_pgx_vcf


def test_each_report_is_tied_to_its_audit_record(tmp_path):
    vcf, log = tmp_path / "cohort.vcf", tmp_path / "audit.jsonl"
    simulate_pgx_vcf(vcf, n_samples=8, seed=5)   # every report of both runs is checked; 8 keep it quick
    for run in ("first", "second"):
        done = run_pgx("report", str(vcf), "-o", str(tmp_path / run), "--format", "html,json,fhir,tsv", "--quiet",
                       "--audit-log", str(log))
        assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(records) == 2 and records[1]["prev_hash"] == records[0]["hash"]
    assert run_pgx("audit", "verify", str(log)).returncode == 0
    for run, record, head in (("first", records[0], GENESIS), ("second", records[1], records[0]["hash"])):
        outputs = {entry["sha256"] for entry in record["outputs"]}
        reports = sorted((tmp_path / run).glob("*.json"))
        assert len([p for p in reports if not p.name.endswith(".fhir.json")]) == 8
        for path in reports:
            doc = json.loads(path.read_text())
            found = doc["audit_chain_head"] if "audit_chain_head" in doc else next(
                e["resource"]["meta"]["tag"][0]["code"] for e in doc["entry"]
                if e["resource"]["resourceType"] == "DiagnosticReport")
            # the report names the head its run's record continues from, and that record
            # lists the report's exact bytes
            assert found == head == record["prev_hash"], path.name
            assert hashlib.sha256(path.read_bytes()).hexdigest() in outputs, path.name
        html = next((tmp_path / run).glob("*.html")).read_text()
        assert f"<code>{head}</code>" in html


def test_pseudonymised_cohort_summary_hides_small_counts(tmp_path):
    vcf = tmp_path / "cohort.vcf"
    simulate_pgx_vcf(vcf, n_samples=60, seed=3)
    out, plain = tmp_path / "pseudo", tmp_path / "plain"
    done = run_pgx("report", str(vcf), "-o", str(out), "--format", "json", "--quiet", "--pseudonymize",
                   "--key-file", write_key_file(tmp_path))
    assert done.returncode == 0, done.stderr
    assert run_pgx("report", str(vcf), "-o", str(plain), "--format", "json", "--quiet").returncode == 0
    exact = pl.read_csv(plain / "phenotype_frequencies.tsv", separator="\t", comment_prefix="#")
    hidden = pl.read_csv(out / "phenotype_frequencies.tsv", separator="\t", comment_prefix="#", infer_schema=False)
    assert exact["count"].min() < 11  # the cohort has small cells to hide
    shown = [int(c) for c in hidden["count"] if not c.startswith("<")]
    assert shown and min(shown) >= 11
    assert (hidden["count"] == "<11").sum() >= (exact["count"] < 11).sum()
    # an explicit threshold wins; 1 shows every count
    again = run_pgx("report", str(vcf), "-o", str(out), "--format", "json", "--quiet", "--pseudonymize",
                    "--key-file", write_key_file(tmp_path), "--min-cell-count", "1")
    assert again.returncode == 0, again.stderr
    every = pl.read_csv(out / "phenotype_frequencies.tsv", separator="\t", comment_prefix="#")
    assert every["count"].to_list() == exact["count"].to_list()
    bad = run_pgx("report", str(vcf), "-o", str(tmp_path / "x"), "--min-cell-count", "0")
    assert bad.returncode == 2 and "--min-cell-count" in bad.stderr
