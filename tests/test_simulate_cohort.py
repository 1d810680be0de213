"""pgx.simulate.simulate_cohort: determinism, prevalence and planted effects recovered."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from pgx.simulate import SimulationError, effects_table, simulate_cohort


@pytest.fixture(scope="module")
def cohort():
    return simulate_cohort(30000, seed=11)


def test_deterministic_by_seed():
    a, b, c = simulate_cohort(300, seed=5), simulate_cohort(300, seed=5), simulate_cohort(300, seed=6)
    for name in ("patients", "diplotypes", "biomarkers", "treatments", "outcomes"):
        assert getattr(a, name).equals(getattr(b, name)), name
    assert not a.outcomes.equals(c.outcomes)


def test_shapes_and_schema(cohort):
    n = cohort.patients.height
    assert cohort.outcomes.height == n and cohort.patients["patient_id"].n_unique() == n
    assert cohort.diplotypes.height == 10 * n
    assert cohort.biomarkers.schema["time"] == pl.Date
    assert set(cohort.treatments["role"].unique()) == {"prior", "index", "later", "comedication"}
    binary = cohort.outcomes.filter(pl.col("p_true").is_not_null() & (pl.col("outcome") != "tacrolimus_time_to_target"))
    assert binary["value"].is_in([0.0, 1.0]).all()
    assert cohort.outcomes.filter(pl.col("outcome") == "warfarin_weekly_dose")["mu_true"].null_count() == 0


def test_prevalence_matches_p_true(cohort):
    by = cohort.outcomes.filter(pl.col("outcome") != "warfarin_weekly_dose").group_by("outcome").agg(
        obs=pl.col("event").cast(pl.Float64).mean(), exp=pl.col("p_true").mean(), n=pl.len())
    for outcome, obs, exp, n in by.iter_rows():
        if outcome == "tacrolimus_time_to_target":
            continue
        assert abs(obs - exp) < 4 * np.sqrt(exp * (1 - exp) / n) + 1e-3, outcome


def _logistic_coef(x: np.ndarray, y: np.ndarray) -> float:
    from sklearn.linear_model import LogisticRegression

    return float(LogisticRegression(C=1e6, max_iter=1000).fit(x.reshape(-1, 1), y).coef_[0, 0])


def _outcome_with_gene(cohort, outcome: str, gene: str) -> pl.DataFrame:
    return (cohort.outcomes.filter(pl.col("outcome") == outcome)
            .join(cohort.patients.select("patient_id", "sample_id", "age"), on="patient_id")
            .join(cohort.diplotypes.filter(pl.col("gene") == gene), on="sample_id"))


def test_cyp2c19_effect_recovered(cohort):
    d = _outcome_with_gene(cohort, "clopidogrel_mace", "CYP2C19").with_columns(
        carrier=((pl.col("function_1") == "No function") | (pl.col("function_2") == "No function")).cast(pl.Float64))
    coef = _logistic_coef(d["carrier"].to_numpy(), d["value"].to_numpy())
    assert 0.15 < coef < 0.9  # planted HR 1.55-1.76 (log 0.44-0.57)


def test_slco1b1_effect_recovered(cohort):
    d = _outcome_with_gene(cohort, "statin_myopathy", "SLCO1B1").with_columns(
        n=(pl.col("function_1").is_in(["No function", "Decreased function"]).cast(pl.Float64)
           + pl.col("function_2").is_in(["No function", "Decreased function"]).cast(pl.Float64)))
    coef = _logistic_coef(d["n"].to_numpy(), d["value"].to_numpy())
    assert abs(coef - np.log(4.5)) < 0.6


def test_p_true_follows_effects_table(cohort):
    eff = effects_table().filter(pl.col("outcome") == "irinotecan_neutropenia_g3")
    base = eff.filter(pl.col("term") == "baseline")["value"][0]
    d = _outcome_with_gene(cohort, "irinotecan_neutropenia_g3", "UGT1A1").filter(pl.col("diplotype") == "*1/*1")
    assert np.allclose(d["p_true"].to_numpy(), base)


def _cyp2d6_inhibitors(*strengths: str) -> list[str]:
    from pgx.recommend import comedications

    table = comedications()
    return table.filter((pl.col("enzyme") == "CYP2D6") & (pl.col("effect") == "inhibitor")
                        & pl.col("strength").is_in(list(strengths)))["drug"].to_list()


def test_codeine_phenoconversion_lowers_response(cohort):
    d = _outcome_with_gene(cohort, "codeine_response", "CYP2D6")
    on_index = cohort.treatments.join(cohort.patients.select("patient_id", "index_date"), on="patient_id").filter(
        (pl.col("start") <= pl.col("index_date")) & (pl.col("stop") >= pl.col("index_date")))

    def taking(drugs):
        return on_index.filter(pl.col("drug").is_in(drugs))["patient_id"].unique().implode()

    inhibited = taking(_cyp2d6_inhibitors("strong"))
    any_inhibitor = taking(_cyp2d6_inhibitors("strong", "moderate", "weak"))
    nm = d.filter(pl.col("activity_score") >= 1.5)
    p_inh = nm.filter(pl.col("patient_id").is_in(inhibited))["p_true"]
    p_free = nm.filter(~pl.col("patient_id").is_in(any_inhibitor))["p_true"]
    assert p_inh.len() > 0 and p_inh.max() < p_free.min()


def test_write_parquet_tsv_and_vcf(tmp_path):
    c = simulate_cohort(20, seed=3, out_dir=tmp_path)
    assert pl.read_parquet(tmp_path / "outcomes.parquet").equals(c.outcomes)
    assert (tmp_path / "genotypes.vcf").read_text().startswith("##fileformat=VCFv4.2")
    c.write(tmp_path / "t", format="tsv", vcf=False)
    back = pl.read_csv(tmp_path / "t" / "patients.tsv", separator="\t")
    assert back.height == 20 and not list((tmp_path / "t").glob(".*tmp"))


def test_vcf_calls_back_to_truth(tmp_path):
    import pgx

    c = simulate_cohort(15, seed=4, out_dir=tmp_path)
    calls = pgx.call(str(tmp_path / "genotypes.vcf"), genes=["CYP2C19", "TPMT"])
    truth = c.diplotypes.filter(pl.col("gene").is_in(["CYP2C19", "TPMT"]))
    joined = truth.join(calls.select("sample_id", "gene", pl.col("diplotype").alias("called")), on=["sample_id", "gene"])
    assert joined.height == truth.height
    assert (joined["diplotype"] == joined["called"]).mean() > 0.9


def test_bad_arguments():
    with pytest.raises(SimulationError, match="n_patients"):
        simulate_cohort(0, seed=1)
    with pytest.raises(ValueError, match="format"):
        simulate_cohort(5, seed=1).write("/tmp/unused-pgx", format="csv")
