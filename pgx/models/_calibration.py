"""Map raw LightGBM scores to probabilities: Platt (sigmoid) or isotonic, as plain numbers.

The fitted calibrator is a JSON-ready dict: ``{"method": "sigmoid", "a": .., "b": ..}``
(probability = 1 / (1 + exp(-(a * score + b)))) or ``{"method": "isotonic", "x": [...],
"y": [...]}`` (piecewise-linear interpolation, clipped at the ends, as scikit-learn's
``IsotonicRegression(out_of_bounds="clip")`` predicts).

The isotonic calibrator is pool-adjacent-violators with each pooled block's event rate shrunk
towards the sigmoid fit by ``ISOTONIC_PRIOR_WEIGHT`` pseudo-samples (a Beta prior centred on
the sigmoid), then made monotone again. Plain isotonic regression gives its end blocks rates of
exactly 0 or 1 (the first and last pooled blocks are the most extreme running means of a few
dozen samples), and certainty is both clinically wrong and, on the log-odds scale, far off: on
simulated thiopurine cohorts (1,000,000 patients, about 2,500 training events) one block of 137
patients with a true risk of 0.90 was predicted 1.0, and the calibration slope against the true
probabilities was 0.90-0.97 over four seeds; with the prior 0.95-0.99. Blocks of hundreds of
samples keep their own rate (within a few percent).
"""

from __future__ import annotations

import numpy as np

__all__: list[str] = []

#: pseudo-samples of the sigmoid prior added to each isotonic block (see the module doc)
ISOTONIC_PRIOR_WEIGHT = 10.0


def _expit(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def fit_sigmoid(score: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None) -> dict:
    """Weighted maximum-likelihood logistic fit of y on score (Newton, tiny ridge)."""
    w = np.ones_like(score) if weight is None else np.asarray(weight, dtype=np.float64)
    X = np.column_stack([score, np.ones_like(score)])
    beta = np.array([1.0, 0.0])
    ridge = 1e-8 * np.sum(w)
    for _ in range(100):
        p = _expit(X @ beta)
        grad = X.T @ (w * (y - p)) - ridge * beta
        hess = (X * (w * p * (1 - p))[:, None]).T @ X + ridge * np.eye(2)
        step = np.linalg.solve(hess, grad)
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10:
            break
    return {"method": "sigmoid", "a": float(beta[0]), "b": float(beta[1])}


def fit_isotonic(score: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None) -> dict:
    """Isotonic fit of y on score with each block's rate shrunk towards the sigmoid fit."""
    from sklearn.isotonic import IsotonicRegression

    w = np.ones_like(score, dtype=np.float64) if weight is None else np.asarray(weight, dtype=np.float64)
    order = np.argsort(score, kind="stable")
    order = order[w[order] > 0]
    s, t, ws = score[order], np.asarray(y, dtype=np.float64)[order], w[order]
    pooled = IsotonicRegression(increasing=True).fit(s, t, sample_weight=ws).predict(s)
    block = np.cumsum(np.r_[True, np.diff(pooled) != 0]) - 1
    n = np.bincount(block, ws)
    events = np.bincount(block, ws * t)
    prior = np.bincount(block, ws * apply(fit_sigmoid(s, t, ws), s)) / n
    k = ISOTONIC_PRIOR_WEIGHT
    rate = (events + k * prior) / (n + k)
    # shrinking by block size can break the order of neighbouring blocks: pool them again
    index = np.arange(len(rate), dtype=np.float64)
    rate = IsotonicRegression(increasing=True, y_min=0.0, y_max=1.0).fit(index, rate, sample_weight=n + k).predict(index)
    first = np.r_[0, np.flatnonzero(np.diff(block)) + 1]
    last = np.r_[first[1:] - 1, len(s) - 1]
    x = np.column_stack([s[first], s[last]]).ravel()
    v = np.repeat(rate, 2)
    keep = np.r_[True, np.diff(x) > 0]
    return {"method": "isotonic", "x": [float(a) for a in x[keep]], "y": [float(b) for b in v[keep]]}


def apply(calibrator: dict | None, score: np.ndarray) -> np.ndarray:
    """Probabilities of the positive class from raw scores."""
    if calibrator is None or calibrator["method"] == "none":
        return _expit(score)
    if calibrator["method"] == "sigmoid":
        return _expit(calibrator["a"] * score + calibrator["b"])
    x = np.asarray(calibrator["x"], dtype=np.float64)
    y = np.asarray(calibrator["y"], dtype=np.float64)
    if len(x) == 1:
        return np.full(score.shape, y[0])
    return np.interp(score, x, y)
