"""The penalised linear component of pgx's estimators, kept as plain numbers.

On small tabular clinical data (hundreds to tens of thousands of patients) much of the signal
is additive, and a penalised linear model estimates it with less variance than boosted trees;
pgx's estimators average the two on the raw scale (transformed dose, log-odds). This module
fits and applies the linear part on the matrix :class:`~pgx.models._frame.TableEncoder` makes:

* numeric columns: missing values filled with the training median, then standardised (mean
  and standard deviation of the filled column). No "is missing" indicator is added: where a
  column is recorded at some sites and blank at others, missingness identifies the site, and
  a model that learns it does worse at a site it has not seen (issue #21);
* categorical columns: one indicator per category seen at fit; missing and unseen values
  have none (they take the average of the column, its reference).

The fitted state is a JSON-ready dict (saved with the model by :func:`~pgx.models.save_model`,
no pickle): per column its kind, fill value, centre, scale and coefficient(s), the intercept,
and per column its mean contribution on the training rows (the reference of the
explanations). Nothing here imports lightgbm.
"""

from __future__ import annotations

import numpy as np

__all__: list[str] = []


def _weighted_median(x: np.ndarray, w: np.ndarray) -> float:
    """The median of x with integer-like weights as if each row were repeated w times (the
    mean of the two middle values when the total weight is even, as numpy's median)."""
    order = np.argsort(x, kind="stable")
    x, cum = x[order], np.cumsum(w[order])
    half = cum[-1] / 2.0
    lower = x[np.searchsorted(cum, half, side="left")]
    upper = x[min(np.searchsorted(cum, half, side="right"), len(x) - 1)]
    return float((lower + upper) / 2.0)


def _design_state(X: np.ndarray, spec: list[dict], weight: np.ndarray, indicators: bool) -> list[dict]:
    columns = []
    for j, c in enumerate(spec):
        x = X[:, j]
        if c["kind"] == "categorical":
            columns.append({"kind": "categorical", "levels": len(c["categories"])})
            continue
        seen = ~np.isnan(x)
        counted = seen & (weight > 0)  # rows of weight 0 do not count, as if absent
        fill = _weighted_median(x[counted], weight[counted]) if counted.any() else 0.0
        filled = np.where(seen, x, fill)
        total = weight.sum()
        centre = float(weight @ filled / total) if total > 0 else 0.0
        scale = float(np.sqrt(weight @ (filled - centre) ** 2 / total)) if total > 0 else 0.0
        column = {"kind": "numeric", "fill": fill, "centre": centre, "scale": scale if scale > 0 else 1.0}
        if indicators and not seen.all():
            column["indicator"] = True
        columns.append(column)
    return columns


def _width(c: dict) -> int:
    if c["kind"] == "categorical":
        return c["levels"]
    return 2 if c.get("indicator") else 1


def design(X: np.ndarray, columns: list[dict]) -> np.ndarray:
    """The linear model's design matrix: standardised numbers (and their "is missing"
    indicators where asked for), one indicator per category."""
    Z = np.zeros((X.shape[0], sum(_width(c) for c in columns)))
    at = 0
    for j, c in enumerate(columns):
        x = X[:, j]
        if c["kind"] == "numeric":
            Z[:, at] = (np.where(np.isnan(x), c["fill"], x) - c["centre"]) / c["scale"]
            if c.get("indicator"):
                Z[:, at + 1] = np.isnan(x)
        else:
            ok = ~np.isnan(x)
            Z[np.flatnonzero(ok), at + x[ok].astype(np.int64)] = 1.0
        at += _width(c)
    return Z


#: From this many training rows per coefficient, the classifiers' stacking and calibration use
#: the linear component's in-sample scores instead of refitting it on every calibration fold:
#: the optimism of a penalised linear fit is about (coefficients / rows) of its fit, under 1%
#: here, while each refit of a logistic regression on 100,000 x 300 costs as much as the trees.
IN_SAMPLE_ROWS_PER_COEFFICIENT = 100


def n_coefficients(spec: list[dict]) -> int:
    """Coefficients of the linear component on these features (no indicators)."""
    return sum(len(c["categories"]) if c["kind"] == "categorical" else 1 for c in spec)


def fit(X: np.ndarray, y: np.ndarray, weight: np.ndarray, spec: list[dict], *, alpha: float,
        task: str, indicators: bool = False, max_iter: int = 1000, threads: int | None = 1) -> dict:
    """Ridge (``task="regression"``) or L2 logistic regression (``"binary"``, C = 1 / alpha) on
    the design of X; returns the state as plain numbers. ``indicators`` adds an "is missing"
    column for each numeric column with missing values (off in pgx's estimators). ``threads``
    caps the BLAS threads (one by default: on a shared machine several BLAS threads competing
    with other jobs made a 100,000 x 300 logistic fit five times slower than one)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads):
        return _fit(X, y, weight, spec, alpha=alpha, task=task, indicators=indicators, max_iter=max_iter)


def _fit(X: np.ndarray, y: np.ndarray, weight: np.ndarray, spec: list[dict], *, alpha: float,
         task: str, indicators: bool, max_iter: int) -> dict:
    columns = _design_state(X, spec, weight, indicators)
    Z = design(X, columns)
    keep = weight > 0
    state: dict = {}
    if task == "binary":
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=1.0 / alpha if alpha > 0 else 1e12, max_iter=max_iter)
        model.fit(Z[keep], y[keep].astype(int), sample_weight=weight[keep])
        coef, intercept = model.coef_[0], float(model.intercept_[0])
        state["n_iter"] = int(np.max(model.n_iter_))
    else:
        from sklearn.linear_model import Ridge

        model = Ridge(alpha=alpha).fit(Z[keep], y[keep], sample_weight=weight[keep])
        coef, intercept = np.asarray(model.coef_, dtype=np.float64), float(model.intercept_)
    at = 0
    for c in columns:
        c["coef"] = [float(v) for v in coef[at:at + _width(c)]]
        at += _width(c)
    state.update({"intercept": intercept, "columns": columns})
    per_column = contributions(X, state)
    w = weight / weight.sum() if weight.sum() > 0 else np.full(len(weight), 1.0 / max(len(weight), 1))
    for c, mean in zip(columns, w @ per_column):
        c["mean_contribution"] = float(mean)
    return state


def contributions(X: np.ndarray, state: dict) -> np.ndarray:
    """Each column's term of the linear predictor (before centring), shape (n, columns)."""
    out = np.zeros((X.shape[0], len(state["columns"])))
    for j, c in enumerate(state["columns"]):
        x = X[:, j]
        if c["kind"] == "numeric":
            out[:, j] = c["coef"][0] * (np.where(np.isnan(x), c["fill"], x) - c["centre"]) / c["scale"]
            if c.get("indicator"):
                out[:, j] += c["coef"][1] * np.isnan(x)
            continue
        ok = ~np.isnan(x)
        coef = np.asarray(c["coef"], dtype=np.float64)
        out[ok, j] = coef[x[ok].astype(np.int64)]
    return out


def predict(X: np.ndarray, state: dict) -> np.ndarray:
    """The linear predictor (transformed outcome or log-odds)."""
    return state["intercept"] + contributions(X, state).sum(axis=1)


def explain(X: np.ndarray, state: dict) -> tuple[np.ndarray, np.ndarray]:
    """(contributions centred on the training mean, bias): they sum to :func:`predict`."""
    per_column = contributions(X, state)
    means = np.array([c.get("mean_contribution", 0.0) for c in state["columns"]])
    bias = state["intercept"] + means.sum()
    return per_column - means, np.full(X.shape[0], bias)
