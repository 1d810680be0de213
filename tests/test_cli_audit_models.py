"""`--audit-log` on every command, `--pseudonymize` where patient-level tables are written, and
`pgx evaluate --privacy` (membership-inference audit), all through the `pgx` command."""

from __future__ import annotations

import hashlib
import json
import os
import re

import numpy as np
import polars as pl
import pytest
from pgxcli import run_pgx, write_key_file

TOKEN = re.compile(r"^P-[A-Z2-7]{12}$")
AUDITED = ("summary", "call", "report", "deidentify", "phi-check", "simulate", "features", "train", "predict",
           "evaluate")


def _records(log) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    """Training and held-out patients (raw MRN-like ids), and a model trained on the first."""
    root = tmp_path_factory.mktemp("tables")
    rng = np.random.default_rng(11)

    def make(n, offset):
        phenotype = rng.choice(["PM", "IM", "NM"], n)
        egfr = rng.normal(75, 15, n)
        p = 1 / (1 + np.exp(-(-1.5 + 2.0 * (phenotype == "PM") + 1.0 * (phenotype == "IM") - 0.01 * (egfr - 75))))
        return pl.DataFrame({"patient_id": [f"MRN{offset + i:07d}" for i in range(n)], "cyp2c19_phenotype": phenotype,
                             "egfr": egfr, "event": (rng.random(n) < p).astype(int)})

    train, hold = root / "train.parquet", root / "holdout.parquet"
    make(600, 0).write_parquet(train)
    make(400, 500_000).write_parquet(hold)
    model = root / "model"
    out = run_pgx("train", str(train), "--outcome", "event", "--kind", "adverse", "-o", str(model), "--quiet")
    assert out.returncode == 0, out.stderr
    return train, hold, model


def test_every_command_appends_one_chained_record(tmp_path, tables):
    train, hold, _ = tables
    key, log = write_key_file(tmp_path), tmp_path / "audit.jsonl"
    audit = ("--audit-log", str(log))

    def step(command: str, *args: str, env=None):
        before = len(_records(log))
        out = run_pgx(command, *args, env=env)
        assert out.returncode == 0, f"pgx {command}: {out.stderr}"
        records = _records(log)
        assert len(records) == before + 1, f"pgx {command} appended {len(records) - before} records"
        assert records[-1]["command"] == command
        return out, records[-1]

    cohort = tmp_path / "cohort"
    _, record = step("simulate", "--n", "200", "--seed", "2", "-o", str(cohort), "--quiet", *audit)
    assert len(record["outputs"]) == len(list(cohort.iterdir())) and record["samples"] == []

    features = tmp_path / "features.tsv"
    _, record = step("features", str(cohort), "-o", str(features), "--outcome", "codeine_response", "--quiet",
                     "--pseudonymize", "--key-file", key, *audit)
    written = pl.read_csv(features, separator="\t")
    assert written.height > 0 and all(TOKEN.match(v) for v in written["patient_id"])
    assert set(written["patient_id"]) <= set(record["samples"])  # tokens only, never raw ids
    raw_ids = pl.read_parquet(cohort / "patients.parquet")["patient_id"].cast(pl.String).to_list()
    assert not any(raw in features.read_text() for raw in raw_ids)

    model = tmp_path / "model"
    _, record = step("train", str(train), "--outcome", "event", "-o", str(model), "--quiet", *audit)
    assert sorted(r["sha256"] for r in record["outputs"]) == sorted(
        hashlib.sha256(p.read_bytes()).hexdigest() for p in model.iterdir())
    assert record["samples"] == []

    predictions = tmp_path / "predictions.tsv"
    _, record = step("predict", str(model), str(hold), "-o", str(predictions), "--quiet",
                     "--pseudonymize", "--key-file", key, *audit)
    ids = pl.read_csv(predictions, separator="\t")["patient_id"].to_list()
    assert len(ids) == 400 and all(TOKEN.match(v) for v in ids) and sorted(ids) == record["samples"]
    assert not re.search(r"MRN\d{7}", predictions.read_text())

    card = tmp_path / "card"
    out, record = step("evaluate", str(model), str(hold), "--outcome", "event", "-o", str(card), "--bootstrap",
                       "20", "--quiet", "--privacy", "--training-features", str(train), *audit)
    assert len(record["inputs"]) == 3 + 2 and len(record["outputs"]) == 2  # model files, two tables; card
    assert re.search(r"^membership inference: attack AUC 0\.\d{3} \(95% CI", out.stdout, re.M), out.stdout

    vcf = next(cohort.glob("*.vcf*"))
    env = dict(os.environ, PGX_AUDIT_LOG=str(log))  # the configurable default
    step("summary", str(vcf), env=env)

    raw = tmp_path / "raw_ids.txt"
    raw.write_text("\n".join(raw_ids + [f"MRN{500_000 + i:07d}" for i in range(400)]) + "\n")
    out, _ = step("phi-check", str(features), str(predictions), f"{card}.json", f"{card}.html",
                  "--identifiers-file", str(raw), *audit)
    assert "0 possible identifier(s)" in out.stderr

    verified = run_pgx("audit", "verify", str(log))
    assert verified.returncode == 0 and "7 record(s)" in verified.stdout, verified.stdout + verified.stderr


def test_evaluate_privacy_puts_the_membership_audit_in_the_card(tmp_path, tables):
    train, hold, model = tables
    card = tmp_path / "card"
    out = run_pgx("evaluate", str(model), str(hold), "--outcome", "event", "-o", str(card), "--bootstrap", "20",
                  "--privacy", "--training-features", str(train))
    assert out.returncode == 0, out.stderr
    audit = json.loads((tmp_path / "card.json").read_text())["privacy"]["membership_inference"]
    assert audit["n_train"] == 600 and audit["n_holdout"] == 400
    assert 0.4 < audit["auc"] < 0.65 and audit["level"] in ("low", "moderate")
    assert audit["interpretation"] in out.stdout
    html = (tmp_path / "card.html").read_text()
    assert "Privacy: membership inference" in html and f"{audit['auc']:.3f}" in html
    # without --privacy the card has no privacy section
    plain = run_pgx("evaluate", str(model), str(hold), "--outcome", "event", "-o", str(tmp_path / "plain"),
                    "--bootstrap", "5")
    assert plain.returncode == 0 and "privacy" not in json.loads((tmp_path / "plain.json").read_text())


def test_evaluate_privacy_errors_are_clear(tmp_path, tables):
    train, hold, model = tables
    out = run_pgx("evaluate", str(model), str(hold), "--outcome", "event", "-o", str(tmp_path / "c"), "--privacy")
    assert out.returncode == 2 and "--privacy needs --training-features" in out.stderr
    out = run_pgx("evaluate", str(model), str(hold), "--outcome", "event", "-o", str(tmp_path / "c"),
                  "--training-features", str(train))
    assert out.returncode == 2 and "add --privacy" in out.stderr
    # held-out patients that were trained on: refused by count, never naming a patient
    out = run_pgx("evaluate", str(model), str(train), "--outcome", "event", "-o", str(tmp_path / "c"),
                  "--privacy", "--training-features", str(train))
    assert out.returncode == 2, out.stderr
    assert "600 patient(s) (by 'patient_id') are also in the training table" in out.stderr
    assert not re.search(r"MRN\d{7}", out.stderr) and "Traceback" not in out.stderr
    assert not (tmp_path / "c.json").exists()


def test_help_lists_the_privacy_options_of_every_command():
    for command in AUDITED:
        text = run_pgx(command, "--help").stdout
        assert "--audit-log" in text, command
        writes_patient_tables = command in ("call", "report", "deidentify", "features", "predict")
        assert ("--pseudonymize" in text) == writes_patient_tables, command
