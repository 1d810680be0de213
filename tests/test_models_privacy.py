"""Model privacy (issue 8): the membership-inference audit, defaults that limit memorisation,
and saved model files without training ranges, leaf counts or node weights."""

from __future__ import annotations

import hashlib
import inspect
import json
import re

import lightgbm as lgb
import numpy as np
import polars as pl
import pytest

from pgx.models import (
    AdverseReactionClassifier,
    DoseRegressor,
    ModelFileError,
    ResponseClassifier,
    explain,
    feature_importance,
    load_model,
    membership_inference_audit,
    save_model,
)
from pgx.models import _lgbm
from pgx.models.persist import _strip_training_statistics, _with_neutral_covers

ESTIMATORS = (ResponseClassifier, AdverseReactionClassifier, DoseRegressor)
COUNT_LINES = re.compile(r"(?m)^(leaf_count|internal_count|leaf_weight|internal_weight)=")


def _noisy(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Six features, two of them informative; labels drawn from a logistic model (noisy)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    logit = 1.0 * X[:, 0] - 0.8 * X[:, 1] + 0.8 * (X[:, 2] > 1)
    return X, (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)


# -- membership-inference audit ----------------------------------------------------------------

@pytest.fixture(scope="module")
def audits():
    X_train, y_train = _noisy(2000, 1)
    X_out, y_out = _noisy(2000, 2)
    X_out2, y_out2 = _noisy(2000, 3)
    default = ResponseClassifier(n_jobs=1, random_state=0).fit(X_train, y_train)
    # trees alone (linear_weight=0): with the default stacking, out-of-fold scores give these
    # memorising trees almost no weight, and the blend is the (private) logistic regression
    overfit = ResponseClassifier(min_child_samples=1, num_leaves=63, n_estimators=300, learning_rate=0.1,
                                 reg_lambda=0.0, early_stopping=False, linear_weight=0, n_jobs=1,
                                 random_state=0).fit(X_train, y_train)
    return {
        "default": membership_inference_audit(default, X_train, y_train, X_out, y_out),
        "overfit": membership_inference_audit(overfit, X_train, y_train, X_out, y_out),
        # two groups of patients neither model saw: the attack must find nothing
        "no_members": membership_inference_audit(default, X_out2, y_out2, X_out, y_out),
    }


def test_overfit_model_is_recognised_and_default_is_not(audits):
    default, overfit = audits["default"], audits["overfit"]
    assert overfit["auc"] > default["auc"] + 0.08, (overfit["auc"], default["auc"])
    assert overfit["auc_lower"] > default["auc_upper"]
    assert overfit["level"] == "high" and overfit["auc"] > 0.65
    assert default["level"] == "low" and default["auc"] < 0.56
    assert overfit["mean_loss_train"] < overfit["mean_loss_holdout"]
    assert overfit["advantage"] > default["advantage"]


def test_attack_finds_nothing_between_two_held_out_groups(audits):
    audit = audits["no_members"]
    assert abs(audit["auc"] - 0.5) < 3 * audit["chance_sd"], audit
    assert audit["auc_lower"] < 0.5 < audit["auc_upper"]
    assert "within chance" in audit["interpretation"]


def test_audit_report_is_aggregate_and_json_ready(audits):
    audit = audits["default"]
    assert audit["n_train"] == 2000 and audit["n_holdout"] == 2000
    assert json.loads(json.dumps(audit)) == audit
    assert all(not isinstance(v, (list, dict)) for v in audit.values())  # no per-patient scores
    assert audit["interpretation"].startswith(f"attack AUC {audit['auc']:.3f}")
    assert "little memorisation" in audit["interpretation"]
    assert "strong memorisation" in audits["overfit"]["interpretation"]


def test_audit_of_a_regressor_uses_absolute_error():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(1200, 4))
    y = 30 + 5 * X[:, 0] + rng.normal(scale=5, size=1200)
    overfit = DoseRegressor(min_child_samples=1, num_leaves=63, n_estimators=300, early_stopping=False,
                            reg_lambda=0, path_smooth=0, linear_weight=0, n_jobs=1, random_state=0).fit(X[:600], y[:600])
    default = DoseRegressor(n_jobs=1, random_state=0).fit(X[:600], y[:600])
    high = membership_inference_audit(overfit, X[:600], y[:600], X[600:], y[600:], n_boot=20)
    low = membership_inference_audit(default, X[:600], y[:600], X[600:], y[600:], n_boot=20)
    assert high["score"] == "minus the absolute error"
    assert high["auc"] > 0.9 and low["auc"] < 0.6


def test_audit_errors_name_the_problem():
    X, y = _noisy(200, 5)
    model = ResponseClassifier(n_estimators=10, n_jobs=1, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match=r"held-out patients: outcome value 7 is not one of the model's classes"):
        membership_inference_audit(model, X, y, X[:5], [0, 1, 7, 0, 1])
    with pytest.raises(ValueError, match="training patients: X has 200 rows, y has 3"):
        membership_inference_audit(model, X, y[:3], X, y)
    with pytest.raises(ValueError, match="needs patients in both groups"):
        membership_inference_audit(model, X, y, X[:0], y[:0])


# -- defaults that limit memorisation -----------------------------------------------------------

@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_default_leaf_size_is_at_least_the_documented_minimum(cls):
    default = inspect.signature(cls).parameters["min_child_samples"].default
    assert _lgbm.MIN_LEAF_PATIENTS == 20
    assert default >= _lgbm.MIN_LEAF_PATIENTS
    documented = inspect.getdoc(cls) if cls is not AdverseReactionClassifier else inspect.getdoc(ResponseClassifier)
    assert f"min_child_samples : int, default={default}" in documented
    assert "MIN_LEAF_PATIENTS" in inspect.getdoc(ResponseClassifier)


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_small_cohorts_stop_early_by_default(cls):
    # all 500 full-size rounds on a few hundred noisy rows is what memorised training patients
    X, y = _noisy(600, 6)
    y = y if cls is not DoseRegressor else y + X[:, 0]
    model = cls(n_jobs=1, random_state=0).fit(X[:300], y[:300])
    rounds = model.n_estimators_ / getattr(model, "n_seeds", 1)  # a dose model's trees are n_seeds models
    if cls is DoseRegressor:
        # its path-smoothed leaves take small steps, so it stops later (about 450 rounds), not
        # before the budget; what matters is that training patients are not recognised
        assert rounds < model.n_estimators
    else:
        assert rounds < 200
    assert membership_inference_audit(model, X[:300], y[:300], X[300:], y[300:], n_boot=20)["auc"] < 0.6


# -- saved model files without training statistics ----------------------------------------------

def _frame(n: int, seed: int) -> tuple[pl.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    age = rng.normal(61.3, 11.7, n)
    egfr = rng.gamma(9.0, 8.1, n)
    egfr[rng.random(n) < 0.05] = np.nan
    frame = pl.DataFrame({"age": age, "egfr": pl.Series(egfr).fill_nan(None),
                          "cyp2c19": rng.choice(["PM", "IM", "NM", "RM"], n)})
    risk = -1 + 0.04 * (age - 60) + 1.2 * (frame["cyp2c19"] == "PM").to_numpy() - 0.01 * np.nan_to_num(egfr - 70)
    event = (rng.random(n) < 1 / (1 + np.exp(-risk))).astype(int)
    dose = 35 - 0.2 * (age - 60) - 6 * (frame["cyp2c19"] == "PM").to_numpy() + rng.normal(scale=3, size=n)
    return frame, event, dose


def _spellings(value: float) -> set[str]:
    """The ways a float could be written in a model file."""
    return {repr(value), f"{value:.17g}", f"{value:.16g}", f"{value:.15g}"}


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    X, event, dose = _frame(1500, 7)
    root = tmp_path_factory.mktemp("models")
    models = {
        "binary": ResponseClassifier(n_estimators=80, min_child_samples=5, n_jobs=1, random_state=0).fit(X, event),
        "regression": DoseRegressor(n_estimators=80, min_child_samples=5, n_jobs=1, random_state=0).fit(X, dose),
    }
    return X, {kind: (model, save_model(model, root / kind)) for kind, model in models.items()}


@pytest.mark.parametrize("kind", ["binary", "regression"])
def test_saved_files_hold_no_training_ranges_or_counts(saved, kind):
    X, models = saved
    model, path = models[kind]
    texts = {p.name: p.read_text(encoding="utf-8") for p in path.iterdir()}
    original = model.booster_.model_to_string(num_iteration=model.n_estimators_)
    for column in ("age", "egfr"):
        values = X[column].drop_nulls()
        for value in (float(values.min()), float(values.max())):
            # the unstripped LightGBM text holds them: the check can fail
            assert any(s in original for s in _spellings(value)), (column, value)
            for name, text in texts.items():
                found = [s for s in _spellings(value) if s in text]
                assert not found, f"{name} holds the training {column} range value {found}"
    model_text = texts["model.txt"]
    assert COUNT_LINES.search(original) and not COUNT_LINES.search(model_text)
    infos = re.search(r"(?m)^feature_infos=(.*)$", model_text)[1].split(" ")
    assert infos == ["none"] * model.n_features_in_
    for key in ("split_gain", "internal_value"):
        for line in re.findall(rf"(?m)^{key}=(.*)$", model_text):
            assert set(line.split()) <= {"0"}, f"{key} not zeroed: {line[:60]}"
    assert "leaf_value=" in model_text and "threshold=" in model_text


@pytest.mark.parametrize("kind", ["binary", "regression"])
def test_stripped_model_predicts_identically(saved, kind):
    _, models = saved
    model, path = models[kind]
    loaded = load_model(path)
    X_new, _, _ = _frame(20_000, 8)  # new patients: other values, wider ranges, nulls
    X_new = X_new.with_columns(pl.when(pl.int_range(pl.len()) % 7 == 0).then(None).otherwise(pl.col("age"))
                               .alias("age"))
    if kind == "binary":
        np.testing.assert_array_equal(loaded.predict_proba(X_new), model.predict_proba(X_new))
    np.testing.assert_array_equal(loaded.predict(X_new), model.predict(X_new))
    raw = model._raw(model._transform_X(X_new))  # trees and linear component
    np.testing.assert_array_equal(loaded._raw(loaded._transform_X(X_new)), raw)


def test_multiclass_and_categorical_lightgbm_text_strips_and_predicts_identically():
    # pgx has no multiclass estimator; the stripping works on LightGBM's format for any objective
    rng = np.random.default_rng(9)
    X = rng.normal(size=(3000, 4))
    X[:, 2] = rng.integers(0, 6, 3000)
    X[rng.random(3000) < 0.1, 1] = np.nan
    y = ((X[:, 2] % 3) + (X[:, 0] > 1)) % 3
    params = {"objective": "multiclass", "num_class": 3, "num_leaves": 15, "min_data_in_leaf": 5, "verbosity": -1,
              "deterministic": True, "num_threads": 1}
    booster = lgb.train(params, lgb.Dataset(X, y, categorical_feature=[2]), num_boost_round=40)
    text = booster.model_to_string()
    stripped = _strip_training_statistics(text)
    assert COUNT_LINES.search(text) and not COUNT_LINES.search(stripped)
    assert "feature_infos=none none none none\n" in stripped
    reloaded = lgb.Booster(model_str=stripped)
    X_new = rng.normal(size=(10_000, 4)) * 3
    X_new[:, 2] = rng.integers(-1, 9, 10_000)  # unseen and negative categories too
    X_new[rng.random(10_000) < 0.1] = np.nan
    np.testing.assert_array_equal(reloaded.predict(X_new, raw_score=True), booster.predict(X_new, raw_score=True))
    np.testing.assert_array_equal(reloaded.predict(X_new), booster.predict(X_new))
    # neutral covers make TreeSHAP work again; contributions sum to the raw score per class
    explained = lgb.Booster(model_str=_with_neutral_covers(stripped))
    contrib = explained.predict(X_new[:50], pred_contrib=True).reshape(50, 3, 5)
    assert np.isfinite(contrib).all()
    np.testing.assert_allclose(contrib.sum(axis=2), booster.predict(X_new[:50], raw_score=True), atol=1e-9)


def test_loaded_model_explanations_use_neutral_covers(saved):
    X, models = saved
    model, path = models["binary"]
    loaded = load_model(path)
    head = X.head(20)
    table = explain(loaded, head, top=3)
    assert table["contribution"].is_finite().all() and table["bias"].is_finite().all()
    full = explain(loaded, head, top=loaded.n_features_in_)
    sums = full.group_by("sample").agg(pl.col("contribution").sum() + pl.col("bias").first()).sort("sample")
    raw = loaded._raw(loaded._transform_X(head))
    np.testing.assert_allclose(sums["contribution"].to_numpy(), raw, rtol=1e-6, atol=1e-9)
    # the in-memory model (training covers) and the loaded one (neutral covers) agree on what matters
    # most: the two planted effects (age and cyp2c19, of similar size, so their order may differ
    # between the two references) ahead of egfr
    top_memory = set(feature_importance(model, X.head(300))["feature"].head(2))
    top_loaded = set(feature_importance(loaded, X.head(300))["feature"].head(2))
    assert top_memory == top_loaded == {"age", "cyp2c19"}


def test_file_with_training_statistics_put_back_is_refused(tmp_path, saved):
    _, models = saved
    model, _ = models["regression"]
    path = save_model(model, tmp_path / "m")
    # someone puts the leaf counts back: the sha256 no longer matches and the model is refused
    unstripped = model.booster_.model_to_string(num_iteration=model.n_estimators_)
    (path / "model.txt").write_text(unstripped, encoding="utf-8")
    with pytest.raises(ModelFileError, match=r"model.txt: sha256 mismatch"):
        load_model(path)


def test_legacy_unstripped_model_directory_still_loads(tmp_path, saved):
    X, models = saved
    model, _ = models["binary"]
    path = save_model(model, tmp_path / "v1")
    text = model.booster_.model_to_string(num_iteration=model.n_estimators_).encode("utf-8")
    sidecar = json.loads((path / "model.json").read_text())
    sidecar.update(format_version=1, model_sha256=hashlib.sha256(text).hexdigest())
    sidecar_bytes = json.dumps(sidecar).encode("utf-8")
    (path / "model.txt").write_bytes(text)
    (path / "model.json").write_bytes(sidecar_bytes)
    (path / "MANIFEST.json").write_text(json.dumps({"format": "pgx-model", "files": {
        "model.txt": hashlib.sha256(text).hexdigest(), "model.json": hashlib.sha256(sidecar_bytes).hexdigest()}}))
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    # a legacy model keeps its training covers, so its explanations are the in-memory model's
    np.testing.assert_allclose(explain(loaded, X.head(5))["contribution"], explain(model, X.head(5))["contribution"])


def test_format_3_dose_model_loads_with_the_parameters_it_was_fitted_with(tmp_path, saved):
    """Before format 4 a DoseRegressor had no path_smooth (LightGBM's 0): an older file loads
    with that value, not today's default, and predicts as saved."""
    X, models = saved
    model, _ = models["regression"]
    path = save_model(model, tmp_path / "v3")
    assert json.loads((path / "model.json").read_text())["format_version"] == 4
    sidecar = json.loads((path / "model.json").read_text())
    del sidecar["params"]["path_smooth"]
    sidecar["format_version"] = 3
    sidecar_bytes = json.dumps(sidecar).encode("utf-8")
    (path / "model.json").write_bytes(sidecar_bytes)
    manifest = json.loads((path / "MANIFEST.json").read_text())
    manifest["files"]["model.json"] = hashlib.sha256(sidecar_bytes).hexdigest()
    (path / "MANIFEST.json").write_text(json.dumps(manifest))
    loaded = load_model(path)
    assert loaded.get_params()["path_smooth"] == 0.0 and model.get_params()["path_smooth"] == 200.0
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_unknown_lightgbm_tree_fields_are_refused_not_kept():
    X, y = _noisy(300, 10)
    text = ResponseClassifier(n_estimators=5, n_jobs=1, random_state=0).fit(X, y).booster_.model_to_string()
    with pytest.raises(ModelFileError, match="unknown LightGBM tree line 'leaf_secret=1'"):
        _strip_training_statistics(text.replace("shrinkage=", "leaf_secret=1\nshrinkage=", 1))
    with pytest.raises(ModelFileError, match="expected LightGBM's text format"):
        _strip_training_statistics("not a model")
