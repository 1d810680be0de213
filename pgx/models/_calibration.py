"""Map raw LightGBM scores to probabilities: Platt (sigmoid) or isotonic, as plain numbers.

The fitted calibrator is a JSON-ready dict: ``{"method": "sigmoid", "a": .., "b": ..}``
(probability = 1 / (1 + exp(-(a * score + b)))) or ``{"method": "isotonic", "x": [...],
"y": [...]}`` (piecewise-linear interpolation, clipped at the ends, as scikit-learn's
``IsotonicRegression(out_of_bounds="clip")`` predicts).
"""

from __future__ import annotations

import numpy as np

__all__: list[str] = []


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
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip", increasing=True)
    iso.fit(score, y, sample_weight=weight)
    return {"method": "isotonic", "x": [float(v) for v in iso.X_thresholds_],
            "y": [float(v) for v in iso.y_thresholds_]}


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
