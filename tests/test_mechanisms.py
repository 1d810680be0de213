"""Acceptance (issue #6): every mechanism pgx.simulate plants is recovered from pgx feature tables.

One simulated cohort (module fixture), one feature table built the way a user would: the
calls, biomarkers, treatments and patients frames into ``pgx.features.build`` with each
patient's treatment start as the index date, including its index-therapy block (``index_drug``
and ``index_dose``: the drug and planned daily dose started on the index date, known when it is
prescribed). Patients are split in halves; for each mechanism the matching pgx model is fitted
with its defaults on the training half of that drug's patients and judged on the other half
against the generating truth the simulator stores (``p_true``):

* AUROC within 0.02 of the oracle AUROC (``p_true`` scored against the same held-out outcomes);
* calibration slope in 0.9-1.1, measured against the true probabilities (the logistic
  recalibration of :func:`~pgx.models.calibration_slope_intercept` with ``p_true`` as the
  outcome, i.e. the slope expected over outcome draws). The slope against the drawn 0/1
  outcomes is reported in the failure message; at 200,000 patients its own sampling error (the
  oracle's slope against them ranged 0.93-1.08 over mechanisms and seeds) was as wide as the band;
* a feature of the planted gene among the top three by mean absolute TreeSHAP contribution;
* AUROC at least the logistic baseline's and the guideline rule's (the outcome rate per
  phenotype the guideline acts on). These comparisons use the AUROC expected over outcome
  draws for the held-out patients (each patient a case with weight ``p_true`` and a control
  with weight ``1 - p_true``), which the AUROC on the drawn outcomes estimates with noise.
  Where the planted mechanism is a logistic model of the rule's phenotype alone (thiopurine,
  statin, irinotecan, tacrolimus), the rule and the logistic baseline (which sees the same
  phenotype indicators) *are* the oracle up to their estimated rates and cannot be beaten;
  there the model must come within ``BASELINE_IS_ORACLE_MARGIN`` of them. At 1,000,000
  patients all three sit within 0.0006 of the oracle and their order is noise.

Warfarin: :class:`~pgx.models.DoseRegressor` against the IWPC equation (which generated the
simulated doses, so it is the oracle model, evaluated on measured height and weight).

The test runs one seed (fitting is deterministic); ``benchmarks/bench_mechanisms.py`` judges
every criterion on five seeds (this one and 1-4), with the same functions. The criteria are statistical and need this
many patients. At 1,000,000 (the size the simulator is specified for), over seven seeds
(20261129, 1-6; 49 mechanism-seed pairs, all passing): oracle minus model AUROC -0.006..+0.008
(fluoropyrimidine +0.001..+0.008); slope against the truth 0.95-1.03; the planted gene always
in the top three; expected AUROC 0.003-0.011 above the logistic baseline for clopidogrel and
fluoropyrimidine, 0.0006-0.0012 for codeine (whose truth is logistic in the phenoconverted
activity score the baseline sees, up to a cap) and 0.032-0.068 above the non-oracle rules;
where the baselines are the oracle's model class, the model within 0.0006 of them (margin 0.002). At 200,000 patients, over eight seeds
(20261129, 1-7), 12 of 56 pairs missed a criterion: fluoropyrimidine up to 0.024 below the
oracle AUROC, slopes 0.90-1.17 where a truth of two or three levels and a few hundred training
events decide them, irinotecan down to 0.006 below its oracle rule. The 1,000,000-patient
cohort takes about 70 s and 11 GB to simulate and featurise, and each model about 30 s.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import roc_auc_score

from pgx.features import build
from pgx.models import (
    AdverseReactionClassifier,
    DoseRegressor,
    GuidelineRuleBaseline,
    IWPCWarfarinDose,
    LogisticBaseline,
    ResponseClassifier,
    calibration_slope_intercept,
    feature_importance,
    regression_metrics,
)
from pgx.phenotype import gene_phenotypes
from pgx.simulate import OUTCOMES, simulate_cohort
from pgx.simulate._outcomes import TACROLIMUS_SUMMARY_DAY

#: patients in the shared cohort (about 90,000 clopidogrel and 60,000 fluoropyrimidine patients
#: each way; see the module doc for what 200,000 gave)
N_PATIENTS = 1_000_000
SEED = 20261129
#: expected-AUROC deficit allowed against a baseline that is itself the oracle (module doc)
BASELINE_IS_ORACLE_MARGIN = 0.002
#: LightGBM threads: one, because two OpenMP threads on two shared cores slowed these fits up to
#: tenfold when other jobs ran (the model defaults are otherwise unchanged)
N_JOBS = 1
#: rows of the held-out set used for TreeSHAP importances
SHAP_ROWS = 3000

# outcome -> (estimator, planted genes, phenotype columns of the guideline rule, the rule and the
# logistic baseline are the oracle's model class)
MECHANISMS = {
    "clopidogrel_mace": (AdverseReactionClassifier, ("CYP2C19",), ("CYP2C19",), False),
    "fluoropyrimidine_toxicity_g3": (AdverseReactionClassifier, ("DPYD",), ("DPYD",), False),
    "thiopurine_myelosuppression": (AdverseReactionClassifier, ("TPMT", "NUDT15"), ("TPMT", "NUDT15"), True),
    "statin_myopathy": (AdverseReactionClassifier, ("SLCO1B1",), ("SLCO1B1",), True),
    "irinotecan_neutropenia_g3": (AdverseReactionClassifier, ("UGT1A1",), ("UGT1A1",), True),
    "tacrolimus_time_to_target": (ResponseClassifier, ("CYP3A5",), ("CYP3A5",), True),
    # the rule acts on the phenoconverted CYP2D6 phenotype; the truth on the activity score
    "codeine_response": (ResponseClassifier, ("CYP2D6",), ("CYP2D6_pc",), False),
}

_IWPC_RACE = {"European": "White", "East Asian": "Asian", "Central/South Asian": "Asian",
              "Sub-Saharan African": "Black or African American", "Latino": None}


def make_cohort(seed: int = SEED, n_patients: int = N_PATIENTS):
    """The simulated cohort of one seed (``benchmarks/bench_mechanisms.py`` runs five)."""
    return simulate_cohort(n_patients, seed=seed, write_vcf=False, visits_mean=3.0, prior_treatments_mean=1.0)


@pytest.fixture(scope="module")
def cohort():
    return make_cohort()


@pytest.fixture(scope="module")
def table(cohort):
    return make_table(cohort)


def make_table(cohort, seed: int = SEED, n_patients: int = N_PATIENTS):
    """Features, the index therapy, outcomes, phenotypes and a patient split, one row per patient."""
    c = cohort
    features = build(calls=c.diplotypes, biomarkers=c.biomarkers, treatments=c.treatments,
                     index_dates=c.index_dates, patients=c.patients)
    # the index-therapy block (the therapy started on the index date: drug and planned daily dose)
    assert features.columns[-2:] == ["index_drug", "index_dose"]
    phenotypes = (c.diplotypes.join(c.patients.select("patient_id", "sample_id"), on="sample_id")
                  .pivot(on="gene", index="patient_id", values="phenotype"))
    phenotypes = phenotypes.rename({g: f"phenotype_{g}" for g in phenotypes.columns if g != "patient_id"})
    rng = np.random.default_rng(seed)
    ids = c.patients["patient_id"].to_numpy()
    test_ids = ids[rng.permutation(len(ids))[: len(ids) // 2]]
    outcomes = c.outcomes.select("patient_id", "outcome", "value", "event", "p_true", "mu_true")
    frame = (features.join(outcomes, on="patient_id")
             .join(phenotypes, on="patient_id")
             .with_columns(pl.col("patient_id").is_in(test_ids).alias("_test")))
    assert frame.height == n_patients
    feature_columns = [name for name in features.columns if name != "patient_id"]
    return frame, feature_columns


def _label(outcome: str) -> pl.Expr:
    if OUTCOMES[outcome][1] == "time":  # reached target by the day p_true refers to
        return (pl.col("event") & (pl.col("value") <= TACROLIMUS_SUMMARY_DAY)).cast(pl.Int8)
    return pl.col("event").cast(pl.Int8)


def _rule_key(d: pl.DataFrame, genes: tuple[str, ...]) -> pl.DataFrame:
    if genes == ("CYP2D6_pc",):
        rules = gene_phenotypes("CYP2D6")
        score = d["CYP2D6_activity_score_pc"].to_list()
        return pl.DataFrame({"phenotype": [None if s is None else rules.phenotype_for_score(s) for s in score]},
                            schema={"phenotype": pl.String})
    return d.select(pl.concat_str([pl.col(f"phenotype_{g}").fill_null("unknown") for g in genes], separator=" | ")
                    .alias("phenotype"))


def _wauroc(p_true: np.ndarray, score: np.ndarray) -> float:
    """AUROC expected over outcome draws (each patient a case with weight p, a control with 1 - p)."""
    n = len(p_true)
    return float(roc_auc_score(np.r_[np.ones(n), np.zeros(n)], np.r_[score, score],
                               sample_weight=np.r_[p_true, 1 - p_true]))


def test_every_planted_mechanism_is_tested():
    planted = {name for name, (_, kind) in OUTCOMES.items() if kind in ("binary", "time")}
    assert planted == set(MECHANISMS)
    assert {name for name, (_, kind) in OUTCOMES.items() if kind == "continuous"} == {"warfarin_weekly_dose"}


def _evaluate(table, outcome: str) -> dict:
    """Fit the mechanism's model and its baselines; every number the criteria need."""
    frame, columns = table
    estimator, genes, rule_genes, rule_is_oracle = MECHANISMS[outcome]
    d = frame.filter(pl.col("outcome") == outcome).with_columns(_label(outcome).alias("_y"))
    train, test = d.filter(~pl.col("_test")), d.filter(pl.col("_test"))
    X_train, X_test = train.select(columns), test.select(columns)
    y_train, y_test = train["_y"].to_numpy(), test["_y"].to_numpy()
    p_true = test["p_true"].to_numpy()

    model = estimator(n_jobs=N_JOBS, random_state=0).fit(X_train, y_train)
    prob = model.predict_proba(X_test)[:, 1]
    logistic = LogisticBaseline().fit(X_train, y_train).predict_proba(X_test)[:, 1]
    rule_model = GuidelineRuleBaseline("phenotype").fit(_rule_key(train, rule_genes), y_train)
    rule = rule_model.predict_proba(_rule_key(test, rule_genes))[:, 1]
    r = {"outcome": outcome, "n_train": len(y_train), "events_train": int(y_train.sum()), "n_test": len(y_test),
         "oracle": roc_auc_score(y_test, p_true), "auroc": roc_auc_score(y_test, prob),
         "slope": calibration_slope_intercept(p_true, prob)[0],
         "intercept": calibration_slope_intercept(p_true, prob)[1],
         "slope_drawn": calibration_slope_intercept(y_test, prob)[0],
         "slope_oracle_drawn": calibration_slope_intercept(y_test, p_true)[0],
         "top3": feature_importance(model, X_test.head(SHAP_ROWS))["feature"].head(3).to_list(),
         "logistic": roc_auc_score(y_test, logistic), "rule": roc_auc_score(y_test, rule),
         "expected": {"oracle": _wauroc(p_true, p_true), "model": _wauroc(p_true, prob),
                      "logistic": _wauroc(p_true, logistic), "rule": _wauroc(p_true, rule)},
         "rounds": model.n_estimators_, "calibration": model.calibrator_["method"]}
    r["gene_in_top3"] = any(name.startswith(tuple(f"{g}_" for g in genes)) for name in r["top3"])
    r["margin"] = BASELINE_IS_ORACLE_MARGIN if rule_is_oracle else 0.0
    r["message"] = (
        f"{outcome}: n train {r['n_train']} ({r['events_train']} events), test {r['n_test']}; oracle AUROC "
        f"{r['oracle']:.4f}, model {r['auroc']:.4f} (expected over draws: oracle {r['expected']['oracle']:.4f}, "
        f"model {r['expected']['model']:.4f}); slope vs "
        f"truth {r['slope']:.3f} (intercept {r['intercept']:+.3f}), vs drawn outcomes {r['slope_drawn']:.3f} "
        f"(the oracle's {r['slope_oracle_drawn']:.3f}); top3 {r['top3']}; logistic {r['logistic']:.4f}, rule "
        f"{r['rule']:.4f} (expected {r['expected']['logistic']:.4f}, {r['expected']['rule']:.4f}); "
        f"rounds {r['rounds']}, "
        f"{r['calibration']} calibration")
    return r


def criteria(r: dict) -> dict[str, bool]:
    """Every acceptance criterion of one mechanism (the module doc), met or not."""
    return {"auroc_within_0.02_of_oracle": r["oracle"] - r["auroc"] <= 0.02,
            "slope_0.9_1.1": 0.9 <= r["slope"] <= 1.1,
            "gene_in_top3": r["gene_in_top3"],
            "beats_logistic": r["expected"]["model"] >= r["expected"]["logistic"] - r["margin"],
            "beats_rule": r["expected"]["model"] >= r["expected"]["rule"] - r["margin"]}


@pytest.mark.parametrize("outcome", sorted(MECHANISMS))
def test_planted_mechanism_is_recovered(table, outcome):
    r = _evaluate(table, outcome)
    missed = [name for name, ok in criteria(r).items() if not ok]
    assert not missed, f"{missed}: {r['message']}"


def _iwpc_inputs(cohort, d: pl.DataFrame, medians: dict[str, float]) -> pl.DataFrame:
    """The IWPC equation's inputs as a clinic has them: genotypes, last measured height and
    weight (training median when none), race from the population group, co-medications on the
    index date."""
    calls = cohort.diplotypes.join(cohort.patients.select("patient_id", "sample_id"), on="sample_id")
    vkorc1 = calls.filter(pl.col("gene") == "VKORC1").select(
        "patient_id", pl.col("haplotype_1", "haplotype_2").replace_strict({"rs9923231": "A"}, default="G"))
    cyp2c9 = calls.filter(pl.col("gene") == "CYP2C9").select("patient_id", pl.col("diplotype").alias("cyp2c9"))
    active = (cohort.treatments.join(cohort.patients.select("patient_id", "index_date"), on="patient_id")
              .filter((pl.col("start") <= pl.col("index_date")) & (pl.col("stop") >= pl.col("index_date")))
              .group_by("patient_id").agg(
                  pl.col("drug").is_in(["carbamazepine", "phenytoin", "rifampin"]).any().alias("enzyme_inducer"),
                  (pl.col("drug") == "amiodarone").any().alias("amiodarone")))
    return (d.select("patient_id", "age",
                     pl.col("bm_height_last_1825d").fill_null(medians["height"]).alias("height_cm"),
                     pl.col("bm_weight_last_1825d").fill_null(medians["weight"]).alias("weight_kg"))
            .join(cohort.patients.select("patient_id", "population"), on="patient_id", how="left",
                  maintain_order="left")
            .join(vkorc1, on="patient_id", how="left", maintain_order="left")
            .join(cyp2c9, on="patient_id", how="left", maintain_order="left")
            .join(active, on="patient_id", how="left", maintain_order="left")
            .select("age", "height_cm", "weight_kg",
                    pl.concat_str(pl.min_horizontal("haplotype_1", "haplotype_2"),
                                  pl.max_horizontal("haplotype_1", "haplotype_2"), separator="/").alias("vkorc1"),
                    "cyp2c9", pl.col("population").replace_strict(_IWPC_RACE, return_dtype=pl.String).alias("race"),
                    pl.col("enzyme_inducer", "amiodarone").fill_null(False)))


def _evaluate_warfarin(cohort, table, **params) -> dict:
    """The dose model's figures on the warfarin outcome; ``params`` go to DoseRegressor."""
    frame, columns = table
    d = frame.filter(pl.col("outcome") == "warfarin_weekly_dose")
    train, test = d.filter(~pl.col("_test")), d.filter(pl.col("_test"))
    model = DoseRegressor(n_jobs=N_JOBS, random_state=0, **params).fit(train.select(columns),
                                                                      train["value"].to_numpy())
    y_test = test["value"].to_numpy()
    ours = regression_metrics(y_test, model.predict(test.select(columns)))
    medians = {"height": train["bm_height_last_1825d"].median(), "weight": train["bm_weight_last_1825d"].median()}
    iwpc_frame = _iwpc_inputs(cohort, test, medians)
    iwpc = regression_metrics(y_test, IWPCWarfarinDose().fit(iwpc_frame).predict(iwpc_frame))
    oracle = regression_metrics(y_test, test["mu_true"].to_numpy())
    top3 = feature_importance(model, test.select(columns).head(SHAP_ROWS))["feature"].head(3).to_list()
    message = (f"warfarin: n train {train.height}, test {test.height}; DoseRegressor MAE {ours['mae']:.2f} PW20 "
               f"{ours['pw20']:.1f}; IWPC MAE {iwpc['mae']:.2f} PW20 {iwpc['pw20']:.1f}; oracle mean MAE "
               f"{oracle['mae']:.2f} PW20 {oracle['pw20']:.1f}; top3 {top3}; rounds {model.n_estimators_}")
    return {"ours": ours, "iwpc": iwpc, "oracle": oracle, "top3": top3, "message": message}


def warfarin_criteria(r: dict) -> dict[str, bool]:
    """The warfarin criteria, met or not."""
    return {"mae_within_5pct_of_iwpc": r["ours"]["mae"] <= 1.05 * r["iwpc"]["mae"],
            "pw20_within_2_of_iwpc": r["ours"]["pw20"] >= r["iwpc"]["pw20"] - 2.0,
            "vkorc1_in_top3": any(name.startswith("VKORC1_") for name in r["top3"]),
            "cyp2c9_in_top3": any(name.startswith("CYP2C9_") for name in r["top3"])}


def test_warfarin_dose_is_recovered(cohort, table):
    # one boosted model instead of the default five, stopped after 30 rounds without
    # improvement instead of 100, keeps the suite's time in check (on 65,000 patients the
    # default patience only adds rounds: 35 s against 25 s, the same criteria met); the
    # defaults are judged on five cohorts by benchmarks/bench_mechanisms.py
    r = _evaluate_warfarin(cohort, table, n_seeds=1, n_iter_no_change=30)
    missed = [name for name, ok in warfarin_criteria(r).items() if not ok]
    assert not missed, f"{missed}: {r['message']}"
