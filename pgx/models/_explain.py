"""Per-patient explanations: LightGBM TreeSHAP contributions in readable feature names.

Contributions are on the model's raw scale (log-odds for the classifiers, before
calibration; for :class:`~pgx.models.DoseRegressor` the transformed outcome it is fitted on,
by default the square root of the dose); for each sample they sum, with the ``bias``
(expected value), to the raw prediction. A model's raw prediction blends its boosted trees
with its penalised linear component (weight ``linear_weight_``), and so do its contributions:
each feature's TreeSHAP value times ``1 - linear_weight_`` plus its linear term (centred on the
training mean) times ``linear_weight_``. A fitted model measures them against its training
population; a model from :func:`~pgx.models.load_model`, whose file
keeps no training counts, against a neutral reference in which each branch of every split
is equally likely.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

__all__ = ["explain", "feature_importance"]


def _contributions(model: Any, X: Any) -> tuple[np.ndarray, np.ndarray, list[str]]:
    from sklearn.utils.validation import check_is_fitted

    from pgx.models import _linear

    check_is_fitted(model, "booster_")
    matrix = model._transform_X(X)
    contrib = np.asarray(model.booster_.predict(matrix, pred_contrib=True, num_iteration=model.n_estimators_))
    linear = getattr(model, "linear_", None)
    weight = float(getattr(model, "linear_weight_", 0.0))
    if linear is not None and weight > 0:
        # the blend is (1 - w) x trees + w x linear model, and so are its contributions
        terms, bias = _linear.explain(matrix, linear)
        contrib = (1.0 - weight) * contrib + weight * np.column_stack([terms, bias])
    names = [c["name"] for c in model.feature_spec_]
    return matrix, contrib, names


def _display(value: float, spec: dict) -> str:
    if np.isnan(value):
        return "missing"
    if spec["kind"] == "categorical":
        return spec["categories"][int(value)]
    return f"{value:.6g}"


def explain(model: Any, X: Any, *, top: int = 5) -> pl.DataFrame:
    """The ``top`` features pushing each sample's prediction, by absolute contribution.

    Parameters
    ----------
    model : ResponseClassifier, AdverseReactionClassifier or DoseRegressor
        A fitted pgx LightGBM model.
    X : array-like or DataFrame
        Samples to explain.
    top : int, default=5

    Returns
    -------
    polars.DataFrame
        Long format: ``sample`` (row index, 0-based), ``rank`` (1 = largest),
        ``feature`` (column name), ``value`` (the sample's value, as text; categories by
        name), ``contribution`` (raw scale), ``bias`` (the model's expected raw value).

    Examples
    --------
    >>> import numpy as np, polars as pl
    >>> from pgx.models import DoseRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = pl.DataFrame({"vkorc1": rng.choice(["G/G", "A/G", "A/A"], 300),
    ...                   "noise": rng.normal(size=300)})
    >>> y = np.where(X["vkorc1"] == "A/A", 20.0, 35.0) + rng.normal(size=300)
    >>> model = DoseRegressor(n_estimators=50, learning_rate=0.2, n_jobs=1, random_state=0).fit(X, y)
    >>> explain(model, X.head(1), top=1)["feature"].to_list()
    ['vkorc1']
    """
    if not isinstance(top, (int, np.integer)) or top < 1:
        raise ValueError(f"top: expected a positive integer, found {top!r}")
    matrix, contrib, names = _contributions(model, X)
    n_features = len(names)
    values, bias = contrib[:, :n_features], contrib[:, n_features]
    k = min(int(top), n_features)
    order = np.argsort(-np.abs(values), axis=1, kind="stable")[:, :k]
    rows = {"sample": [], "rank": [], "feature": [], "value": [], "contribution": [], "bias": []}
    for i in range(values.shape[0]):
        for r, j in enumerate(order[i]):
            rows["sample"].append(i)
            rows["rank"].append(r + 1)
            rows["feature"].append(names[j])
            rows["value"].append(_display(matrix[i, j], model.feature_spec_[j]))
            rows["contribution"].append(float(values[i, j]))
            rows["bias"].append(float(bias[i]))
    return pl.DataFrame(rows, schema={"sample": pl.Int64, "rank": pl.Int64, "feature": pl.String,
                                      "value": pl.String, "contribution": pl.Float64, "bias": pl.Float64})


def feature_importance(model: Any, X: Any) -> pl.DataFrame:
    """Mean absolute TreeSHAP contribution of every feature over the samples of X.

    Parameters
    ----------
    model : ResponseClassifier, AdverseReactionClassifier or DoseRegressor
    X : array-like or DataFrame

    Returns
    -------
    polars.DataFrame
        ``feature``, ``mean_abs_contribution``, sorted largest first.

    Examples
    --------
    >>> import numpy as np
    >>> from pgx.models import DoseRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 3)); y = 5 * X[:, 2] + rng.normal(size=300)
    >>> model = DoseRegressor(n_estimators=50, learning_rate=0.2, n_jobs=1, random_state=0).fit(X, y)
    >>> feature_importance(model, X)["feature"][0]
    'x2'
    """
    _, contrib, names = _contributions(model, X)
    mean_abs = np.abs(contrib[:, : len(names)]).mean(axis=0)
    return pl.DataFrame({"feature": names, "mean_abs_contribution": mean_abs}).sort(
        "mean_abs_contribution", descending=True)
