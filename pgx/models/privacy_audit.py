"""Membership-inference audit: can a model's fit tell its training patients from new ones?

A model that memorises its training patients fits them better than patients it has never
seen, and an attacker holding a patient's record and the model can use that to tell
whether the patient was in the (often sensitive) training cohort. The audit runs the
loss-threshold attack of Yeom et al. (2018, "Privacy risk in machine learning"): score
every patient by how well the model fits them (the log-probability of the true label for
a classifier, minus the absolute error for a regressor) and measure, as a ROC AUC, how well
that score separates training (members) from held-out patients (non-members).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["membership_inference_audit"]

# upper AUC bounds of the levels the audit reports; "high" above
_AUC_LEVELS = {"low": 0.55, "moderate": 0.65}

_ADVICE = {
    "low": "the model fits training and held-out patients about equally well: little memorisation",
    "moderate": ("the model fits its training patients noticeably better than new ones: some memorisation; "
                 "consider a larger min_child_samples, early stopping or more patients"),
    "high": ("the model's fit reveals who was in the training set for many patients: strong memorisation; "
             "retrain with stronger regularisation before the model leaves the training data's governance"),
}


def _fit_scores(model: Any, X: Any, y: Any, what: str) -> np.ndarray:
    """Per-patient loss: -log P(true label) for a classifier, |error| for a regressor."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{what}: expected a 1-d outcome, found shape {y.shape}")
    if hasattr(model, "predict_proba") and hasattr(model, "classes_"):
        classes = list(model.classes_)
        index = {c: i for i, c in enumerate(classes)}
        try:
            column = np.fromiter((index[v] for v in y.tolist()), dtype=np.intp, count=len(y))
        except KeyError as err:
            raise ValueError(f"{what}: outcome value {err.args[0]!r} is not one of the model's classes "
                             f"{classes}") from None
        proba = np.asarray(model.predict_proba(X), dtype=np.float64)
        if proba.shape[0] != len(y):
            raise ValueError(f"{what}: X has {proba.shape[0]} rows, y has {len(y)}")
        return -np.log(np.clip(proba[np.arange(len(y)), column], 1e-15, 1.0))
    prediction = np.asarray(model.predict(X), dtype=np.float64)
    if prediction.shape[0] != len(y):
        raise ValueError(f"{what}: X has {prediction.shape[0]} rows, y has {len(y)}")
    truth = y.astype(np.float64)
    if not np.isfinite(truth).all():
        raise ValueError(f"{what}: the outcome holds NaN or infinity; drop patients without an outcome")
    return np.abs(truth - prediction)


def membership_inference_audit(
    model: Any,
    X_train: Any,
    y_train: Any,
    X_holdout: Any,
    y_holdout: Any,
    *,
    n_boot: int = 200,
    random_state: int | None = 0,
) -> dict:
    """Attack AUC of a loss-threshold membership-inference attack on a fitted model.

    Each patient is scored by how well the model fits them: the log-probability the
    model gives the observed outcome (classifiers, from ``predict_proba``), or minus the
    absolute error (regressors). The ROC AUC of that score for telling training patients
    (members) from held-out ones is the attack AUC: 0.5 means the model fits both alike
    (nothing memorised that this attack finds); 1.0 means every training patient is
    recognisable. Only aggregate numbers are returned, never a per-patient score.

    The held-out patients must come from the same population as the training patients
    and must not include any of them; otherwise the AUC measures the difference between
    the populations, not memorisation.

    Parameters
    ----------
    model : fitted estimator
        A classifier with ``predict_proba`` and ``classes_``, or a regressor with ``predict``
        (any pgx or scikit-learn model).
    X_train, y_train : array-like or DataFrame, array-like
        The patients the model was trained on (or a random sample of them) and their outcomes.
    X_holdout, y_holdout : array-like or DataFrame, array-like
        Patients the model never saw, and their outcomes.
    n_boot : int, default=200
        Bootstrap resamples for the AUC's 95% interval.
    random_state : int or None, default=0
        Seeds the bootstrap.

    Returns
    -------
    dict
        JSON-ready: ``attack`` (the attack's name), ``score`` (what the per-patient score
        is), ``auc`` with ``auc_lower`` and ``auc_upper`` (bootstrap 95% interval),
        ``chance_sd`` (the AUC's standard deviation when nothing is memorised, for these
        group sizes), ``advantage`` (the largest true-positive minus false-positive rate
        over all thresholds), ``n_train`` and ``n_holdout``, ``mean_loss_train`` and
        ``mean_loss_holdout``, ``level`` ("low" below 0.55, "moderate" below 0.65, else
        "high") and ``interpretation`` (a sentence).

    Raises
    ------
    ValueError
        If either group is empty, X and y differ in length, or an outcome is not one of the
        model's classes.

    Examples
    --------
    A regressor that interpolates its training data (one patient per leaf, hundreds of
    rounds) is recognised; the same model with the default minimum leaf size and early
    stopping much less so:

    >>> import numpy as np
    >>> from pgx.models import DoseRegressor, membership_inference_audit
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(1200, 4)); y = 30 + 5 * X[:, 0] + rng.normal(scale=5, size=1200)
    >>> overfit = DoseRegressor(min_child_samples=1, num_leaves=63, n_estimators=300, early_stopping=False,
    ...                         reg_lambda=0, path_smooth=0, n_jobs=1, random_state=0).fit(X[:600], y[:600])
    >>> audit = membership_inference_audit(overfit, X[:600], y[:600], X[600:], y[600:])
    >>> audit["level"], audit["n_train"], audit["n_holdout"]
    ('high', 600, 600)
    >>> default = DoseRegressor(n_jobs=1, random_state=0).fit(X[:600], y[:600])
    >>> membership_inference_audit(default, X[:600], y[:600], X[600:], y[600:])["auc"] < 0.6
    True
    """
    from sklearn.metrics import roc_auc_score, roc_curve

    from pgx.models.evaluation import bootstrap_ci

    n_train, n_holdout = len(np.asarray(y_train)), len(np.asarray(y_holdout))
    if n_train == 0 or n_holdout == 0:
        raise ValueError(f"membership_inference_audit: needs patients in both groups; found {n_train} training "
                         f"and {n_holdout} held-out")
    loss_train = _fit_scores(model, X_train, y_train, "training patients")
    loss_holdout = _fit_scores(model, X_holdout, y_holdout, "held-out patients")
    member = np.r_[np.ones(n_train), np.zeros(n_holdout)]
    score = -np.r_[loss_train, loss_holdout]  # a better fit suggests a member
    auc, lower, upper = bootstrap_ci(roc_auc_score, member, score, n_boot=n_boot, random_state=random_state)
    fpr, tpr, _ = roc_curve(member, score)
    chance_sd = math.sqrt((n_train + n_holdout + 1) / (12.0 * n_train * n_holdout))
    level = "low" if auc < _AUC_LEVELS["low"] else "moderate" if auc < _AUC_LEVELS["moderate"] else "high"
    text = f"attack AUC {auc:.3f} (95% CI {lower:.3f}-{upper:.3f}; 0.5 is chance): {_ADVICE[level]}"
    if abs(auc - 0.5) <= 2 * chance_sd:
        text += (f"; within chance for {n_train} training and {n_holdout} held-out patients "
                 f"(0.5 +/- {2 * chance_sd:.3f})")
    if min(n_train, n_holdout) < 50:
        text += "; fewer than 50 patients in a group, so the estimate is imprecise"
    return {
        "attack": "loss threshold (Yeom et al. 2018)",
        "score": ("log-probability of the observed outcome" if hasattr(model, "classes_")
                  else "minus the absolute error"),
        "auc": float(auc),
        "auc_lower": float(lower),
        "auc_upper": float(upper),
        "chance_sd": float(chance_sd),
        "advantage": float(np.max(tpr - fpr)),
        "n_train": int(n_train),
        "n_holdout": int(n_holdout),
        "mean_loss_train": float(loss_train.mean()),
        "mean_loss_holdout": float(loss_holdout.mean()),
        "level": level,
        "interpretation": text,
    }
