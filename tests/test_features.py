"""pgx.features.build: leakage, spec round-trip, unseen categories, missing blocks, variants."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
from polars.testing import assert_frame_equal
import pytest

from pgx import CallSet
from pgx.features import (
    FeatureInputError,
    FeatureSpec,
    FeatureSpecError,
    MissingBlockWarning,
    UnseenCategoryWarning,
    build,
    infer_spec,
)
from pgx.simulate import simulate_cohort


@pytest.fixture(scope="module")
def cohort():
    return simulate_cohort(600, seed=21)


def _inputs(c):
    return dict(calls=c.diplotypes, biomarkers=c.biomarkers, treatments=c.treatments, index_dates=c.index_dates,
                patients=c.patients)


def test_one_row_per_patient_in_index_order(cohort):
    idx = cohort.index_dates.reverse()
    spec = infer_spec(**{k: v for k, v in _inputs(cohort).items() if k != "index_dates"})
    x = build(**{**_inputs(cohort), "index_dates": idx}, spec=spec)
    assert x["patient_id"].to_list() == idx["patient_id"].to_list()
    assert x.columns == ["patient_id", *spec.columns]


def test_future_values_are_ignored(cohort):
    spec = infer_spec(**{k: v for k, v in _inputs(cohort).items() if k != "index_dates"})
    assert spec.index_therapy and spec.columns[-2:] == ["index_drug", "index_dose"]
    clean = build(**_inputs(cohort), spec=spec)
    assert clean["index_drug"].null_count() == 0
    idx = cohort.index_dates
    future_bm = pl.concat([
        idx.select("patient_id", (pl.col("index_date") + pl.duration(days=d)).alias("time"))
        .join(pl.DataFrame({"name": ["eGFR", "ALT", "INR"]}), how="cross").with_columns(value=pl.lit(1e6))
        for d in (0, 1, 200)]).select("patient_id", "time", "name", "value")  # on the index date and after
    future_tx = idx.select(
        "patient_id", drug=pl.lit("paroxetine"), drug_class=pl.lit("comedication"),
        start=pl.col("index_date") + pl.duration(days=1), stop=pl.col("index_date") + pl.duration(days=400),
        dose=pl.lit(1e6), line=pl.lit(99, pl.Int32), role=pl.lit("later"))
    planted = build(calls=cohort.diplotypes, patients=cohort.patients, index_dates=idx, spec=spec,
                    biomarkers=pl.concat([cohort.biomarkers, future_bm]),
                    treatments=pl.concat([cohort.treatments, future_tx.select(cohort.treatments.columns)]))
    assert_frame_equal(planted, clean, check_exact=False)  # a leaked 1e6 would not be close
    # the index-therapy block alone: a later therapy of a higher line is not the index therapy
    only = FeatureSpec(index_therapy=True)
    assert_frame_equal(build(treatments=pl.concat([cohort.treatments, future_tx.select(cohort.treatments.columns)]),
                             index_dates=idx, spec=only),
                       build(treatments=cohort.treatments, index_dates=idx, spec=only))


def test_biomarker_stats_by_hand():
    idx = pl.DataFrame({"patient_id": ["a"], "index_date": [date(2021, 1, 1)]})
    times = [date(2021, 1, 1) - timedelta(days=d) for d in (400, 300, 100, 10)]
    bm = pl.DataFrame({"patient_id": ["a"] * 4, "time": times, "name": ["x"] * 4, "value": [9.0, 1.0, 2.0, 4.0]})
    spec = FeatureSpec(biomarkers=["x"], windows=[365, 1000])
    x = build(biomarkers=bm, index_dates=idx, spec=spec).row(0, named=True)
    assert x["bm_x_last_365d"] == 4.0 and x["bm_x_min_365d"] == 1.0 and x["bm_x_max_1000d"] == 9.0
    assert x["bm_x_count_365d"] == 3.0 and x["bm_x_mean_365d"] == pytest.approx(7 / 3)
    t = -np.array([300, 100, 10]) / 365.25
    assert x["bm_x_slope_365d"] == pytest.approx(np.polyfit(t, [1.0, 2.0, 4.0], 1)[0])


def test_treatment_history_by_hand():
    idx = pl.DataFrame({"patient_id": ["a", "b"], "index_date": [date(2021, 1, 1)] * 2})
    tx = pl.DataFrame({
        "patient_id": ["a", "a", "a"], "drug": ["metformin", "paroxetine", "warfarin"],
        "drug_class": ["biguanide", "ssri", "anticoagulant"],
        "start": [date(2020, 12, 1), date(2020, 6, 1), date(2021, 1, 1)],
        "stop": [date(2020, 12, 10), None, date(2021, 6, 1)], "dose": [100.0, 20.0, 5.0], "line": [1, None, 2]})
    x = build(treatments=tx, index_dates=idx)
    a, b = x.row(0, named=True), x.row(1, named=True)
    assert a["tx_metformin_ever"] == 1 and a["tx_metformin_cumdose"] == 1000.0 and a["tx_metformin_days_since"] == 21
    assert a["tx_warfarin_ever"] == 0  # started on the index date: not history
    assert a["conc_CYP2D6_inhibitor_strong"] == 1 and a["tx_prior_lines"] == 1
    assert b["tx_n_prior"] == 0 and b["conc_CYP2D6_inhibitor_strong"] == 0
    assert (a["index_drug"], a["index_dose"], b["index_drug"], b["index_dose"]) == ("warfarin", 5.0, None, None)
    # several therapies started on the index date: the highest line is the index therapy
    same_day = pl.DataFrame({"patient_id": ["a", "a"], "drug": ["omeprazole", "capecitabine"],
                             "start": [date(2021, 1, 1)] * 2, "stop": [None, None], "dose": [20.0, 2000.0],
                             "line": [None, 1]})
    y = build(treatments=same_day, index_dates=idx, spec=FeatureSpec(index_therapy=True))
    assert y.row(0) == ("a", "capecitabine", 2000.0) and y.row(1) == ("b", None, None)


def test_phenoconversion_column(cohort):
    x = build(**_inputs(cohort))
    assert "CYP2D6_activity_score_pc" in x.columns
    assert (x["CYP2D6_activity_score_pc"] <= x["CYP2D6_activity_score"]).all()
    inhibited = x.filter(pl.col("conc_CYP2D6_inhibitor_strong") == 1)
    assert inhibited.height and (inhibited["CYP2D6_activity_score_pc"] == 0).all()


def test_spec_json_round_trip(cohort):
    spec = infer_spec(**{k: v for k, v in _inputs(cohort).items() if k != "index_dates"})
    again = FeatureSpec.from_json(spec.to_json())
    assert again == spec
    # polars aggregates in parallel, so float sums may differ in the last bits between runs
    assert_frame_equal(build(**_inputs(cohort), spec=again), build(**_inputs(cohort), spec=spec),
                       check_exact=False)
    with pytest.raises(FeatureSpecError, match="unknown keys"):
        FeatureSpec.from_dict({"colour": 1})
    with pytest.raises(FeatureSpecError, match="genotype_encoding"):
        FeatureSpec(genotype_encoding="bits")


def test_unseen_categories_and_missing_blocks(cohort):
    spec = infer_spec(**{k: v for k, v in _inputs(cohort).items() if k != "index_dates"})
    calls = cohort.diplotypes.with_columns(
        pl.when((pl.col("gene") == "CYP2C19") & (pl.col("sample_id") == "SIM0000001"))
        .then(pl.lit("Rapid Metabolizer-ish")).otherwise(pl.col("phenotype")).alias("phenotype"))
    patients = cohort.patients.with_columns(pl.when(pl.col("patient_id") == "P0000002").then(pl.lit("SITE99"))
                                            .otherwise(pl.col("site")).alias("site"))
    with pytest.warns(UnseenCategoryWarning) as record:
        x = build(calls=calls, biomarkers=cohort.biomarkers, treatments=cohort.treatments, patients=patients,
                  index_dates=cohort.index_dates, spec=spec)
    messages = [str(w.message) for w in record]
    assert any("CYP2C19 phenotype" in m and "Rapid Metabolizer-ish" in m for m in messages)
    assert any("site" in m and "SITE99" in m for m in messages)
    row = x.filter(pl.col("patient_id") == "P0000001")
    assert row.select(pl.col("^CYP2C19_phenotype_.*$")).sum_horizontal()[0] == 0
    assert x.columns == ["patient_id", *spec.columns]
    with pytest.warns(MissingBlockWarning, match="biomarkers"):
        y = build(calls=cohort.diplotypes, treatments=cohort.treatments, patients=cohort.patients,
                  index_dates=cohort.index_dates, spec=spec)
    assert y.columns == x.columns and y["bm_eGFR_last_365d"].null_count() == y.height


def test_callset_dosage_and_onehot():
    gt = np.array([[[0, 1], [1, 1], [-1, 0]], [[0, 0], [0, 2], [1, 1]]], dtype=np.int8)
    cs = CallSet.from_arrays(gt, chrom=["chr1", "chr2"], pos=[10, 20], ref=["A", "C"], alt=[["G"], ["T", "G"]],
                             sample_ids=["s1", "s2", "s3"])
    idx = pl.DataFrame({"patient_id": ["p1", "p2", "p3"], "index_date": [date(2020, 1, 1)] * 3})
    pats = pl.DataFrame({"patient_id": ["p1", "p2", "p3"], "sample_id": ["s1", "s2", "s3"]})
    x = build(callset=cs, index_dates=idx, patients=pats,
              spec=FeatureSpec(variants=["chr1:10:A:G", "chr2:20:C:G"]))
    assert x["var_chr1_10_A_G"].to_list() == [1.0, 2.0, None]
    assert x["var_chr2_20_C_G"].to_list() == [0.0, 1.0, 0.0]
    y = build(callset=cs, index_dates=idx, patients=pats, spec=FeatureSpec(variants=["chr1:10:A:G"],
                                                                            genotype_encoding="onehot"))
    assert y.row(0)[1:] == (0.0, 1.0, 0.0) and y.row(2)[1:] == (None, None, None)


def test_input_errors():
    with pytest.raises(FeatureInputError, match="index_dates is required"):
        build()
    idx = pl.DataFrame({"patient_id": ["a"], "index_date": ["2020-01-01"]})
    with pytest.raises(FeatureInputError, match="Date"):
        build(index_dates=idx)
    idx = pl.DataFrame({"patient_id": ["a"], "index_date": [date(2020, 1, 1)]})
    with pytest.raises(FeatureInputError, match="lacks columns"):
        build(index_dates=idx, biomarkers=pl.DataFrame({"patient_id": ["a"]}))


def test_features_recover_planted_effect():
    from sklearn.linear_model import LogisticRegression

    c = simulate_cohort(20000, seed=8)
    x = build(calls=c.diplotypes, index_dates=c.index_dates, patients=c.patients,
              spec=FeatureSpec(genes=["SLCO1B1"], alleles={"SLCO1B1": ["*5", "*15"]}))
    d = x.join(c.outcomes, on="patient_id").filter(pl.col("outcome") == "statin_myopathy")
    n = (d["SLCO1B1_allele_star5"] + d["SLCO1B1_allele_star15"]).to_numpy().reshape(-1, 1)
    coef = LogisticRegression(C=1e6, max_iter=1000).fit(n, d["value"].to_numpy()).coef_[0, 0]
    assert abs(coef - np.log(4.5)) < 0.6
