"""`pgx train`, `pgx predict` and `pgx evaluate` end to end on a synthetic feature table."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import polars as pl
from pgxcli import run_pgx
import pytest


def _run(*args: str) -> subprocess.CompletedProcess:
    return run_pgx(*args)


@pytest.fixture
def tables(tmp_path):
    rng = np.random.default_rng(3)
    def make(n, offset):
        phenotype = rng.choice(["PM", "IM", "NM"], n)
        egfr = rng.normal(75, 15, n)
        p = 1 / (1 + np.exp(-(-1.5 + 2.0 * (phenotype == "PM") + 1.0 * (phenotype == "IM") - 0.01 * (egfr - 75))))
        return pl.DataFrame({"patient_id": [f"P{offset + i}" for i in range(n)], "cyp2c19_phenotype": phenotype,
                             "egfr": egfr, "sex": rng.choice(["F", "M"], n),
                             "event": (rng.random(n) < p).astype(int)})
    train, test = tmp_path / "train.parquet", tmp_path / "test.tsv"
    make(1500, 0).write_parquet(train)
    make(800, 10_000).write_csv(test, separator="\t")
    return train, test


def test_train_predict_evaluate(tmp_path, tables):
    train, test = tables
    model = tmp_path / "model"
    out = _run("train", str(train), "--outcome", "event", "--kind", "adverse", "-o", str(model), "--drop", "sex")
    assert out.returncode == 0, out.stderr
    assert not list(model.rglob("*.pkl")) and not list(model.rglob("*.pickle"))
    preds = tmp_path / "pred.tsv"
    out = _run("predict", str(model), str(test), "-o", str(preds))
    assert out.returncode == 0, out.stderr
    table = pl.read_csv(preds, separator="\t")
    assert table.height == 800 and table["prediction"].is_between(0, 1).all()
    assert table["top_contributions"].str.contains("cyp2c19_phenotype").mean() > 0.5
    card = tmp_path / "card"
    out = _run("evaluate", str(model), str(test), "--outcome", "event", "-o", str(card), "--bootstrap", "20")
    assert out.returncode == 0, out.stderr
    written = list(tmp_path.glob("card*"))
    doc = json.loads(next(p for p in written if p.suffix == ".json").read_text())
    assert any(p.suffix == ".html" for p in written)

    def find(node, key):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == key:
                    yield v
                yield from find(v, key)
        elif isinstance(node, list):
            for v in node:
                yield from find(v, key)

    aurocs = [v for v in find(doc, "auroc") if isinstance(v, (int, float))]
    aurocs += [v["estimate"] for v in find(doc, "auroc") if isinstance(v, dict) and "estimate" in v]
    assert aurocs and max(aurocs) > 0.6


def test_predict_on_a_table_with_an_empty_numeric_column(tmp_path, tables):
    # a TSV column with no value at all is read as text; it is a missing numeric column
    train, test = tables
    model = tmp_path / "model"
    assert _run("train", str(train), "--outcome", "event", "-o", str(model), "--quiet").returncode == 0
    blank = tmp_path / "blank.tsv"
    pl.read_csv(test, separator="\t").with_columns(pl.lit(None, pl.String).alias("egfr")).write_csv(
        blank, separator="\t")
    out = _run("predict", str(model), str(blank), "-o", str(tmp_path / "p.tsv"), "--quiet")
    assert out.returncode == 0, out.stderr
    table = pl.read_csv(tmp_path / "p.tsv", separator="\t")
    assert table.height == 800 and table["prediction"].is_between(0, 1).all()


def test_model_commands_fail_cleanly(tmp_path, tables):
    train, _ = tables
    out = _run("train", str(train), "--outcome", "nope", "-o", str(tmp_path / "m"))
    assert out.returncode == 2 and "no column 'nope'" in out.stderr and "Traceback" not in out.stderr
    out = _run("predict", str(tmp_path / "missing_model"), str(train), "-o", str(tmp_path / "p.tsv"))
    assert out.returncode == 2 and "Traceback" not in out.stderr


def test_simulate_features_train_predict_chain(tmp_path):
    cohort = tmp_path / "cohort"
    assert _run("simulate", "--n", "3000", "--seed", "5", "-o", str(cohort), "--quiet").returncode == 0
    features, spec = tmp_path / "features.parquet", tmp_path / "spec.json"
    out = _run("features", str(cohort), "-o", str(features), "--write-spec", str(spec),
               "--outcome", "thiopurine_myelosuppression", "--quiet")
    assert out.returncode == 0, out.stderr
    table = pl.read_parquet(features)
    assert table.height > 100 and "thiopurine_myelosuppression" in table.columns
    assert any(c.startswith("tpmt") or "TPMT" in c for c in table.columns)
    model = tmp_path / "model"
    out = _run("train", str(features), "--outcome", "thiopurine_myelosuppression", "--kind", "adverse",
               "-o", str(model), "--quiet")
    assert out.returncode == 0, out.stderr
    same = tmp_path / "again.parquet"
    assert _run("features", str(cohort), "-o", str(same), "--spec", str(spec), "--quiet").returncode == 0
    out = _run("predict", str(model), str(same), "-o", str(tmp_path / "p.tsv"), "--quiet")
    assert out.returncode == 0, out.stderr
