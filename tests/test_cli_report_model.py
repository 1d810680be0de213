"""`pgx report --model --features`: a trained model's prediction and its top contributions in
each patient's report (issue #6: explanations "included in the patient report when a model is
given")."""

from __future__ import annotations

import json

import jsonschema
import polars as pl
import pytest
from pgxcli import run_pgx, write_key_file

from pgx.report import report_schema


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A simulated cohort with its VCF, a feature table keyed by sample, and a model trained on it."""
    folder = tmp_path_factory.mktemp("report_model")
    for args in (("simulate", "--n", "1500", "--seed", "5", "-o", str(folder / "sim"), "--quiet"),
                 ("features", str(folder / "sim"), "--outcome", "clopidogrel_mace", "-o", str(folder / "f.parquet"),
                  "--quiet")):
        result = run_pgx(*args)
        assert result.returncode == 0, result.stderr
    features = pl.read_parquet(folder / "f.parquet").join(
        pl.read_parquet(folder / "sim" / "patients.parquet").select("patient_id", "sample_id"), on="patient_id")
    features.write_parquet(folder / "features.parquet")
    result = run_pgx("train", str(folder / "f.parquet"), "--outcome", "clopidogrel_mace", "--kind", "adverse",
                     "-o", str(folder / "model"), "--quiet")
    assert result.returncode == 0, result.stderr
    result = run_pgx("predict", str(folder / "model"), str(folder / "features.parquet"), "--id-column", "sample_id",
                     "-o", str(folder / "predictions.tsv"), "--quiet")
    assert result.returncode == 0, result.stderr
    return {"folder": folder, "vcf": str(folder / "sim" / "genotypes.vcf"), "features": features,
            "predictions": pl.read_csv(folder / "predictions.tsv", separator="\t")}


def test_reports_carry_the_models_prediction_and_explanation(world, tmp_path):
    samples = world["features"]["sample_id"].to_list()[:3]
    out = tmp_path / "reports"
    for sample in samples:
        result = run_pgx("report", world["vcf"], "--sample", sample, "--model", str(world["folder"] / "model"),
                         "--features", str(world["folder"] / "features.parquet"), "-o", str(out), "--quiet")
        assert result.returncode == 0, result.stderr
    validator = jsonschema.Draft202012Validator(report_schema())
    for sample in samples:
        doc = json.loads((out / f"{sample}.json").read_text())
        assert not list(validator.iter_errors(doc))
        section = doc["model"]
        assert section["model"] == "model" and section["estimator"] == "AdverseReactionClassifier"
        assert section["scale"] == "probability"
        # the same number pgx predict gives this sample, and the same top features in order
        row = world["predictions"].filter(pl.col("sample_id") == sample).row(0, named=True)
        assert section["prediction"] == pytest.approx(row["prediction"], rel=1e-12)
        listed = [part.split("=")[0] for part in row["top_contributions"].split("; ")]
        assert [c["feature"] for c in section["top_contributions"]] == listed
        assert len(listed) == 5
        html = (out / f"{sample}.html").read_text()
        assert '<section id="model"><h2>Model prediction</h2>' in html
        assert f"{section['prediction']:.1%}" in html
        assert all(f"<td>{c['feature']}</td>" in html for c in section["top_contributions"])


def test_pseudonymised_reports_get_their_own_samples_prediction(world, tmp_path):
    samples = world["features"]["sample_id"].to_list()[3:5]
    key, out = write_key_file(tmp_path), tmp_path / "reports"
    for sample in samples:
        result = run_pgx("report", world["vcf"], "--sample", sample, "--model", str(world["folder"] / "model"),
                         "--features", str(world["folder"] / "features.parquet"), "--pseudonymize", "--key-file", key,
                         "--mapping-file", str(tmp_path / "map.tsv"), "-o", str(out), "--quiet")
        assert result.returncode == 0, result.stderr
    mapping = dict(pl.read_csv(tmp_path / "map.tsv", separator="\t").select("identifier", "token").rows())
    for sample in samples:
        doc = json.loads((out / f"{mapping[sample]}.json").read_text())
        expected = world["predictions"].filter(pl.col("sample_id") == sample)["prediction"][0]
        assert doc["model"]["prediction"] == pytest.approx(expected, rel=1e-12)
        assert sample not in json.dumps(doc)


def test_without_a_model_the_report_has_no_model_section(world, tmp_path):
    sample = world["features"]["sample_id"][0]
    result = run_pgx("report", world["vcf"], "--sample", sample, "-o", str(tmp_path), "--quiet")
    assert result.returncode == 0, result.stderr
    assert "model" not in json.loads((tmp_path / f"{sample}.json").read_text())
    assert 'id="model"' not in (tmp_path / f"{sample}.html").read_text()


def test_bad_model_options_fail_before_anything_is_written(world, tmp_path):
    model, features = str(world["folder"] / "model"), str(world["folder"] / "features.parquet")
    absent = world["features"].filter(pl.col("sample_id") == world["features"]["sample_id"][0])
    absent.write_parquet(tmp_path / "one.parquet")
    sample = world["features"]["sample_id"][1]
    cases = [
        (("--model", model), "--model and --features go together"),
        (("--model", model, "--features", str(tmp_path / "one.parquet"), "--sample", sample),
         f"no row for 1 sample(s) of the report: {sample}"),
        (("--model", model, "--features", features, "--features-id", "nope"), "nope"),
        (("--model", str(tmp_path / "no-model"), "--features", features), "no-model"),
        (("--model", model, "--features", features, "--workers", "2"), "--model is not available with --workers"),
    ]
    for options, message in cases:
        out = tmp_path / "out"
        result = run_pgx("report", world["vcf"], *options, "-o", str(out))
        assert result.returncode == 2, (options, result.stderr)
        assert message in result.stderr, (options, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert not out.exists() or not any(out.glob("*.json")), options
