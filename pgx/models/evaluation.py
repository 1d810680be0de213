"""Evaluation: discrimination, calibration, dosing accuracy, grouped CV, bootstrap CIs.

Every function takes plain arrays (outcomes, predicted probabilities or doses) and
returns plain numbers, dicts or polars frames, so results go straight into a model card.
"""

from __future__ import annotations

from typing import Any, Callable, Literal

import numpy as np
import polars as pl

__all__ = [
    "binary_metrics",
    "regression_metrics",
    "calibration_slope_intercept",
    "calibration_curve",
    "pw20",
    "bootstrap_ci",
    "grouped_cross_validate",
    "evaluate",
]

_EPS = 1e-12


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-9, 1 - 1e-9)
    return np.log(p) - np.log1p(-p)


def _logistic_fit(x: np.ndarray, y: np.ndarray, *, offset: np.ndarray | None = None,
                  slope: bool = True) -> np.ndarray:
    """Maximum-likelihood logistic regression of y on [x, 1] (or on 1 with offset x)."""
    design = np.column_stack([x, np.ones_like(x)]) if slope else np.ones((len(y), 1))
    off = np.zeros(len(y)) if offset is None else offset
    beta = np.zeros(design.shape[1])
    if slope:
        beta[0] = 1.0
    for _ in range(100):
        eta = design @ beta + off
        p = 0.5 * (1 + np.tanh(0.5 * eta))
        grad = design.T @ (y - p)
        hess = (design * (p * (1 - p))[:, None]).T @ design + 1e-10 * np.eye(design.shape[1])
        step = np.linalg.solve(hess, grad)
        beta += step
        if np.max(np.abs(step)) < 1e-10:
            break
    return beta


def calibration_slope_intercept(y_true: Any, y_prob: Any) -> tuple[float, float]:
    """Calibration slope and intercept by logistic recalibration.

    The slope is b in ``logit P(y=1) = a + b * logit(p)``; the intercept is
    calibration-in-the-large, a in ``logit P(y=1) = a + logit(p)`` (slope fixed at 1).
    A perfectly calibrated model has slope 1 and intercept 0.

    Parameters
    ----------
    y_true : array-like of 0/1
    y_prob : array-like of predicted probabilities

    Returns
    -------
    (float, float)
        slope, intercept

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(0.05, 0.95, 20000)
    >>> y = rng.random(20000) < p
    >>> slope, intercept = calibration_slope_intercept(y, p)
    >>> abs(slope - 1) < 0.1 and abs(intercept) < 0.1
    True
    """
    y = np.asarray(y_true, dtype=np.float64)
    lp = _logit(y_prob)
    slope = float(_logistic_fit(lp, y)[0])
    intercept = float(_logistic_fit(lp, y, offset=lp, slope=False)[0])
    return slope, intercept


def binary_metrics(y_true: Any, y_prob: Any) -> dict[str, float]:
    """AUROC, AUPRC (average precision), Brier score, calibration slope and intercept.

    Parameters
    ----------
    y_true : array-like of 0/1 (or booleans)
    y_prob : array-like of predicted probabilities of the positive class

    Returns
    -------
    dict
        ``n``, ``prevalence``, ``auroc``, ``auprc``, ``brier``, ``calibration_slope``,
        ``calibration_intercept``.

    Examples
    --------
    >>> binary_metrics([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])["auroc"]
    0.75
    """
    from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

    y = np.asarray(y_true).astype(np.float64)
    p = np.asarray(y_prob, dtype=np.float64)
    if len(np.unique(y)) < 2:
        raise ValueError("binary_metrics needs both outcomes in y_true; found only one class")
    slope, intercept = calibration_slope_intercept(y, p)
    return {
        "n": int(len(y)),
        "prevalence": float(y.mean()),
        "auroc": float(roc_auc_score(y, p)),
        "auprc": float(average_precision_score(y, p)),
        "brier": float(brier_score_loss(y, p)),
        "calibration_slope": slope,
        "calibration_intercept": intercept,
    }


def pw20(y_true: Any, y_pred: Any) -> float:
    """Percentage of predicted doses within 20% of the true dose.

    Parameters
    ----------
    y_true, y_pred : array-like of doses

    Returns
    -------
    float
        In percent (0-100).

    Examples
    --------
    >>> pw20([10, 20, 30, 40], [11, 25, 30, 31])
    50.0
    """
    y = np.asarray(y_true, dtype=np.float64)
    pred = np.asarray(y_pred, dtype=np.float64)
    return float(100.0 * np.mean(np.abs(pred - y) <= 0.2 * np.abs(y) + _EPS))


def regression_metrics(y_true: Any, y_pred: Any) -> dict[str, float]:
    """MAE, RMSE, R squared and PW20 for dose predictions.

    Parameters
    ----------
    y_true, y_pred : array-like

    Returns
    -------
    dict
        ``n``, ``mae``, ``rmse``, ``r2``, ``pw20``.

    Examples
    --------
    >>> regression_metrics([10, 20, 30, 40], [11, 25, 30, 31])["mae"]
    3.75
    """
    y = np.asarray(y_true, dtype=np.float64)
    pred = np.asarray(y_pred, dtype=np.float64)
    resid = pred - y
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    return {
        "n": int(len(y)),
        "mae": float(np.mean(np.abs(resid))),
        "rmse": float(np.sqrt(np.mean(resid ** 2))),
        "r2": float(1 - np.sum(resid ** 2) / ss_tot) if ss_tot > 0 else float("nan"),
        "pw20": pw20(y, pred),
    }


def calibration_curve(y_true: Any, y_prob: Any, *, n_bins: int = 10,
                      strategy: Literal["quantile", "uniform"] = "quantile") -> pl.DataFrame:
    """Observed against predicted risk per bin: the data of a calibration plot.

    Parameters
    ----------
    y_true : array-like of 0/1
    y_prob : array-like of probabilities
    n_bins : int, default=10
    strategy : {"quantile", "uniform"}, default="quantile"
        Equal-count bins or equal-width bins on [0, 1].

    Returns
    -------
    polars.DataFrame
        One row per non-empty bin: ``bin``, ``n``, ``mean_predicted``, ``observed``.

    Examples
    --------
    >>> calibration_curve([0, 0, 1, 1], [0.1, 0.2, 0.7, 0.9], n_bins=2).columns
    ['bin', 'n', 'mean_predicted', 'observed']
    """
    y = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(y_prob, dtype=np.float64)
    if strategy == "quantile":
        edges = np.unique(np.quantile(p, np.linspace(0, 1, n_bins + 1)))
    elif strategy == "uniform":
        edges = np.linspace(0, 1, n_bins + 1)
    else:
        raise ValueError(f"strategy: expected one of ['quantile', 'uniform'], found {strategy!r}")
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, max(len(edges) - 2, 0))
    rows = []
    for b in np.unique(which):
        mask = which == b
        rows.append({"bin": int(b), "n": int(mask.sum()), "mean_predicted": float(p[mask].mean()),
                     "observed": float(y[mask].mean())})
    return pl.DataFrame(rows, schema={"bin": pl.Int64, "n": pl.Int64, "mean_predicted": pl.Float64,
                                      "observed": pl.Float64})


def bootstrap_ci(
    metric: Callable[[np.ndarray, np.ndarray], float],
    y_true: Any,
    y_pred: Any,
    *,
    groups: Any = None,
    n_boot: int = 200,
    confidence: float = 0.95,
    random_state: int | None = None,
) -> tuple[float, float, float]:
    """Percentile bootstrap confidence interval of a metric.

    Parameters
    ----------
    metric : callable(y_true, y_pred) -> float
    y_true, y_pred : array-like
    groups : array-like, optional
        Resample whole groups (patients, sites) instead of rows: a cluster bootstrap.
    n_boot : int, default=200
    confidence : float, default=0.95
    random_state : int, optional

    Returns
    -------
    (float, float, float)
        The estimate on all data, lower and upper bounds. Resamples where the metric
        cannot be computed (for example a single class) are skipped.

    Examples
    --------
    >>> est, lo, hi = bootstrap_ci(pw20, [10, 20, 30, 40] * 10, [11, 25, 30, 31] * 10,
    ...                            random_state=0)
    >>> lo <= est <= hi
    True
    """
    y = np.asarray(y_true)
    pred = np.asarray(y_pred)
    rng = np.random.default_rng(random_state)
    estimate = float(metric(y, pred))
    if groups is None:
        members = None
        n_units = len(y)
    else:
        g = np.asarray(groups)
        _, inverse = np.unique(g, return_inverse=True)
        order = np.argsort(inverse, kind="stable")
        bounds = np.cumsum(np.bincount(inverse))[:-1]
        members = np.split(order, bounds)
        n_units = len(members)
    values = []
    for _ in range(n_boot):
        pick = rng.integers(0, n_units, n_units)
        idx = pick if members is None else np.concatenate([members[k] for k in pick])
        try:
            values.append(float(metric(y[idx], pred[idx])))
        except ValueError:
            continue
    if not values:
        return estimate, float("nan"), float("nan")
    alpha = (1 - confidence) / 2
    lo, hi = np.quantile(values, [alpha, 1 - alpha])
    return estimate, float(lo), float(hi)


def _is_classifier(estimator) -> bool:
    from sklearn.base import is_classifier

    return is_classifier(estimator)


def _take(X: Any, idx: np.ndarray) -> Any:
    if isinstance(X, pl.DataFrame):
        return X[idx]
    if hasattr(X, "iloc"):
        return X.iloc[idx]
    return np.asarray(X)[idx]


def grouped_cross_validate(
    estimator: Any,
    X: Any,
    y: Any,
    *,
    groups: Any,
    sites: Any = None,
    n_splits: int = 5,
    random_state: int | None = None,
) -> dict[str, Any]:
    """Cross-validation that never splits a patient (or a site) across train and test.

    Parameters
    ----------
    estimator : scikit-learn estimator
        Cloned for every fold.
    X : array-like or DataFrame
    y : array-like
    groups : array-like
        Patient identifier (pseudonym) of every row; all rows of a patient stay together.
    sites : array-like, optional
        Site of every row; when given, folds leave whole sites out (leave-one-site-out when
        there are at most ``n_splits`` sites, else grouped folds of sites).
    n_splits : int, default=5
    random_state : int, optional
        Shuffles the grouped folds.

    Returns
    -------
    dict
        ``oof`` (out-of-fold predictions: probabilities of ``classes_[1]`` or predicted
        values), ``fold`` (fold of every row), ``folds`` (metrics per fold), ``metrics``
        (on all out-of-fold predictions), ``scheme`` (how the rows were split: "leave one
        site out", "sites in k folds" or "patients in k folds"), the figures
        :func:`~pgx.models.model_card` shows side by side (``cross_validation=``).

    Notes
    -----
    Where patients come from several sites, hold out whole sites (``sites=``) and lead with
    that figure. A random (patient-grouped) split lets a model learn what is particular to a
    site (which optional columns it records, its dosing habits) and meet it again at test
    time: on the IWPC warfarin cohort, models that beat the IWPC equation on random splits
    lost up to 0.4 mg/week of MAE with whole sites held out (``benchmarks/bench_iwpc.py``).
    Report both, as the model card does.

    Examples
    --------
    >>> import numpy as np
    >>> from pgx.models import LogisticBaseline
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(120, 2)); y = (X[:, 0] + rng.normal(size=120) > 0).astype(int)
    >>> result = grouped_cross_validate(LogisticBaseline(), X, y, groups=np.arange(120) // 2,
    ...                                 n_splits=3, random_state=0)
    >>> sorted(result)
    ['fold', 'folds', 'metrics', 'oof', 'scheme']
    >>> result["scheme"]
    'patients in 3 folds'
    """
    from sklearn.base import clone
    from sklearn.model_selection import GroupKFold, LeaveOneGroupOut, StratifiedGroupKFold

    y = np.asarray(y)
    n = len(y)
    classifier = _is_classifier(estimator)
    split_groups = np.asarray(groups) if sites is None else np.asarray(sites)
    if len(split_groups) != n:
        raise ValueError(f"groups: expected {n} values (one per row), found {len(split_groups)}")
    if sites is not None and len(np.unique(split_groups)) <= n_splits:
        splitter = LeaveOneGroupOut()
        scheme = "leave one site out"
    else:
        scheme = f"{'sites' if sites is not None else 'patients'} in {n_splits} folds"
        kind = StratifiedGroupKFold if classifier else GroupKFold
        splitter = kind(n_splits=n_splits, shuffle=True, random_state=random_state)
    oof = np.full(n, np.nan)
    fold = np.full(n, -1)
    folds = []
    for k, (tr, te) in enumerate(splitter.split(np.zeros(n), y, split_groups)):
        model = clone(estimator).fit(_take(X, tr), y[tr])
        if classifier:
            pred = model.predict_proba(_take(X, te))[:, 1]
            positive = model.classes_[1]
            truth = (y[te] == positive).astype(int)
            metrics = binary_metrics(truth, pred) if len(np.unique(truth)) == 2 else {"n": int(len(te))}
        else:
            pred = model.predict(_take(X, te))
            metrics = regression_metrics(y[te], pred)
        oof[te] = pred
        fold[te] = k
        folds.append({"fold": k, **metrics})
    done = fold >= 0
    if classifier:
        positive = np.unique(y)[1]
        overall = binary_metrics((y[done] == positive).astype(int), oof[done])
    else:
        overall = regression_metrics(y[done], oof[done])
    return {"oof": oof, "fold": fold, "folds": folds, "metrics": overall, "scheme": scheme}


def evaluate(
    y_true: Any,
    y_pred: Any,
    *,
    task: Literal["binary", "regression"] = "binary",
    strata: dict[str, Any] | None = None,
    groups: Any = None,
    n_boot: int = 200,
    n_bins: int = 10,
    random_state: int | None = None,
) -> dict[str, Any]:
    """All metrics with bootstrap CIs, per stratum (population, sex, ...), and plot data.

    Parameters
    ----------
    y_true : array-like
        Outcomes (0/1 for ``task="binary"``).
    y_pred : array-like
        Predicted probabilities (binary) or values (regression), ideally out-of-fold
        or on a held-out set.
    task : {"binary", "regression"}, default="binary"
    strata : dict of str to array-like, optional
        Named labellings of the rows, for example ``{"population": pop, "sex": sex}``;
        metrics are repeated within every level of each.
    groups : array-like, optional
        Patient of every row, for a cluster bootstrap.
    n_boot : int, default=200
    n_bins : int, default=10
        Calibration-curve bins.
    random_state : int, optional

    Returns
    -------
    dict
        JSON-ready: ``task``, ``metrics`` (name -> {estimate, lower, upper}),
        ``strata`` (name -> level -> metrics), ``calibration_curve`` (rows), and for
        binary tasks ``roc_curve`` (fpr, tpr); for regression ``predicted_vs_observed``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(size=400); y = (rng.random(400) < p).astype(int)
    >>> report = evaluate(y, p, strata={"sex": rng.choice(["F", "M"], 400)}, n_boot=20,
    ...                   random_state=0)
    >>> sorted(report["strata"]["sex"])
    ['F', 'M']
    """
    y = np.asarray(y_true)
    pred = np.asarray(y_pred, dtype=np.float64)
    if task == "binary":
        y = y.astype(np.float64)
        point = binary_metrics(y, pred)
        keys = ["auroc", "auprc", "brier", "calibration_slope", "calibration_intercept"]
    elif task == "regression":
        y = y.astype(np.float64)
        point = regression_metrics(y, pred)
        keys = ["mae", "rmse", "r2", "pw20"]
    else:
        raise ValueError(f"task: expected one of ['binary', 'regression'], found {task!r}")

    def one(name: str):
        if task == "binary":
            return lambda a, b: binary_metrics(a, b)[name]
        return lambda a, b: regression_metrics(a, b)[name]

    metrics: dict[str, Any] = {"n": point["n"]}
    if task == "binary":
        metrics["prevalence"] = point["prevalence"]
    for i, key in enumerate(keys):
        est, lo, hi = bootstrap_ci(one(key), y, pred, groups=groups, n_boot=n_boot,
                                   random_state=None if random_state is None else random_state + i)
        metrics[key] = {"estimate": est, "lower": lo, "upper": hi}
    strata_out: dict[str, Any] = {}
    for name, labels in (strata or {}).items():
        labels = np.asarray(labels)
        if len(labels) != len(y):
            raise ValueError(f"strata[{name!r}]: expected {len(y)} labels, found {len(labels)}")
        levels: dict[str, Any] = {}
        for level in np.unique(labels.astype(str)):
            mask = labels.astype(str) == level
            try:
                levels[str(level)] = (binary_metrics(y[mask], pred[mask]) if task == "binary"
                                      else regression_metrics(y[mask], pred[mask]))
            except ValueError as err:
                levels[str(level)] = {"n": int(mask.sum()), "note": str(err)}
        strata_out[name] = levels
    report: dict[str, Any] = {"task": task, "metrics": metrics, "strata": strata_out}
    if task == "binary":
        from sklearn.metrics import roc_curve

        report["calibration_curve"] = calibration_curve(y, pred, n_bins=n_bins).to_dicts()
        fpr, tpr, _ = roc_curve(y, pred)
        keep = np.unique(np.linspace(0, len(fpr) - 1, min(len(fpr), 200)).astype(int))
        report["roc_curve"] = {"fpr": fpr[keep].tolist(), "tpr": tpr[keep].tolist()}
    else:
        keep = np.unique(np.linspace(0, len(y) - 1, min(len(y), 500)).astype(int))
        report["predicted_vs_observed"] = {"observed": y[keep].tolist(), "predicted": pred[keep].tolist()}
    return report
