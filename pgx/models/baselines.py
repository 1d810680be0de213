"""Baselines in the estimator API: logistic/linear regression, the guideline rule, IWPC.

A learned model is only worth its complexity when it beats these: a regularised
logistic (or linear) regression with median imputation, standardisation and one-hot
encoding (the linear component of pgx's estimators, :mod:`pgx.models._linear`, on its own); the guideline rule, which knows only the phenotype (the outcome
rate of each phenotype category in the training data); and, for warfarin, the published
IWPC pharmacogenetic dosing equation.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import polars as pl
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from pgx.models import _linear
from pgx.models._frame import is_frame
from pgx.models._lgbm import _binary_targets, _check_number, _TableInput

__all__ = ["LogisticBaseline", "LinearBaseline", "GuidelineRuleBaseline", "IWPCWarfarinDose",
           "iwpc_weekly_dose"]


class LogisticBaseline(ClassifierMixin, _TableInput, BaseEstimator):
    """L2-regularised logistic regression with median imputation, standardisation and
    one-hot encoding of categorical columns (missing and unseen categories get no indicator).

    Every step is weighted by ``sample_weight`` (weighted median, mean and standard
    deviation), so a weight of k is the same as k copies of the row.

    Parameters
    ----------
    C : float, default=1.0
        Inverse regularisation strength.
    class_weight : dict, "balanced" or None, default=None
    max_iter : int, default=1000
    missing_indicators : bool, default=False
        Add an "is missing" column per numeric column with missing values. Off by default:
        where a column is recorded at some sites and blank at others, the indicator
        identifies the site, and the model does worse at sites it has not seen (on the
        IWPC warfarin cohort a ridge regression on 18 columns went from MAE 8.73 to 9.00
        mg/week with whole sites held out, against 8.42 on random splits).

    Attributes
    ----------
    linear_ : dict
        The fitted model as numbers (per feature: fill value, centre, scale, coefficients).
    classes_ : numpy.ndarray
    n_iter_ : int
        Solver iterations.
    feature_spec_ : list of dict
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from pgx.models import LogisticBaseline
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> LogisticBaseline().fit(X, [0, 0, 1, 1]).predict([[3.0]])
    array([1])
    """

    _fitted_attr = "linear_"

    def __init__(self, *, C: float = 1.0, class_weight: Any = None, max_iter: int = 1000,
                 missing_indicators: bool = False) -> None:
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.missing_indicators = missing_indicators

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.classifier_tags.multi_class = False
        return tags

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> "LogisticBaseline":
        """Fit the model.

        Parameters
        ----------
        X : array-like or DataFrame
        y : array-like of shape (n_samples,)
            Binary outcome.
        sample_weight : array-like, optional

        Returns
        -------
        self
        """
        _check_number("C", self.C, low=0, low_open=True)
        _check_number("max_iter", self.max_iter, low=1, integer=True)
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None.")
        matrix = self._fit_X(X)
        self.classes_, code = _binary_targets(type(self).__name__, y, matrix.shape[0])
        weight = _check_sample_weight(sample_weight, matrix, dtype=np.float64)
        if len(np.unique(code[weight > 0])) < 2:
            raise ValueError("after sample_weight, only 1 class has non-zero weight; a classifier needs 2 classes")
        if self.class_weight is not None:
            from sklearn.utils.class_weight import compute_sample_weight

            weight = weight * compute_sample_weight(self.class_weight, self.classes_[code])
        self.linear_ = _linear.fit(matrix, code.astype(np.float64), weight, self.feature_spec_, alpha=1.0 / self.C,
                                   task="binary", indicators=bool(self.missing_indicators),
                                   max_iter=int(self.max_iter))
        self.n_iter_ = self.linear_["n_iter"]
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities, shape (n_samples, 2), in ``classes_`` order.

        Parameters
        ----------
        X : array-like or DataFrame

        Returns
        -------
        numpy.ndarray
        """
        check_is_fitted(self, self._fitted_attr)
        p = 0.5 * (1.0 + np.tanh(0.5 * _linear.predict(self._transform_X(X), self.linear_)))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        """The more probable class of each sample.

        Parameters
        ----------
        X : array-like or DataFrame

        Returns
        -------
        numpy.ndarray
        """
        check_is_fitted(self, self._fitted_attr)
        return self.classes_[(self.predict_proba(X)[:, 1] > 0.5).astype(int)]


class LinearBaseline(RegressorMixin, _TableInput, BaseEstimator):
    """Ridge linear regression with the same (weighted) imputation, standardisation and
    encoding as :class:`LogisticBaseline`.

    Parameters
    ----------
    alpha : float, default=1.0
        L2 penalty on standardised features (near ordinary least squares for large samples).
    missing_indicators : bool, default=False
        As for :class:`LogisticBaseline`.

    Attributes
    ----------
    linear_ : dict
        The fitted model as numbers.
    feature_spec_ : list of dict
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from pgx.models import LinearBaseline
    >>> X = np.arange(20.0).reshape(-1, 1)
    >>> model = LinearBaseline(alpha=1e-6).fit(X, 2 * X[:, 0] + 1)
    >>> round(float(model.predict([[30.0]])[0]), 3)
    61.0
    """

    _fitted_attr = "linear_"

    def __init__(self, *, alpha: float = 1.0, missing_indicators: bool = False) -> None:
        self.alpha = alpha
        self.missing_indicators = missing_indicators

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> "LinearBaseline":
        """Fit the model.

        Parameters
        ----------
        X : array-like or DataFrame
        y : array-like of shape (n_samples,)
        sample_weight : array-like, optional

        Returns
        -------
        self
        """
        from sklearn.utils import assert_all_finite
        from sklearn.utils.validation import column_or_1d

        _check_number("alpha", self.alpha, low=0)
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None.")
        matrix = self._fit_X(X)
        y = column_or_1d(np.asarray(y), warn=True).astype(np.float64)
        if len(y) != matrix.shape[0]:
            raise ValueError(f"Found input variables with inconsistent numbers of samples: [{matrix.shape[0]}, {len(y)}]")
        assert_all_finite(y, input_name="y")
        weight = _check_sample_weight(sample_weight, matrix, dtype=np.float64)
        self.linear_ = _linear.fit(matrix, y, weight, self.feature_spec_, alpha=float(self.alpha), task="regression",
                                   indicators=bool(self.missing_indicators))
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predicted outcome.

        Parameters
        ----------
        X : array-like or DataFrame

        Returns
        -------
        numpy.ndarray
        """
        check_is_fitted(self, self._fitted_attr)
        return _linear.predict(self._transform_X(X), self.linear_)


class GuidelineRuleBaseline(ClassifierMixin, _TableInput, BaseEstimator):
    """The guideline rule: the outcome rate of each phenotype category in the training data.

    It looks at one column only (the phenotype a guideline acts on, for example
    ``"CYP2C19_phenotype"``) and ignores every other feature. Categories unseen at fit time
    and missing values get the overall training rate.

    Parameters
    ----------
    column : str or int, default=0
        The phenotype column: a name for DataFrames, a position for arrays.
    smoothing : float, default=0.0
        Pseudo-count pulling each category's rate towards the overall rate
        (``(events + smoothing * overall) / (n + smoothing)``).

    Attributes
    ----------
    rates_ : dict
        Category (a string, or a number for numeric columns) to the rate of ``classes_[1]``.
    overall_rate_ : float
    classes_ : numpy.ndarray
    n_features_in_ : int

    Examples
    --------
    >>> import polars as pl
    >>> from pgx.models import GuidelineRuleBaseline
    >>> X = pl.DataFrame({"phenotype": ["PM", "PM", "NM", "NM", "NM", "IM"]})
    >>> rule = GuidelineRuleBaseline(column="phenotype").fit(X, [1, 1, 0, 0, 1, 0])
    >>> rule.predict_proba(pl.DataFrame({"phenotype": ["PM", "NM", None]}))[:, 1].round(3)
    array([1.   , 0.333, 0.5  ])
    """

    _fitted_attr = "rates_"

    def __init__(self, column: str | int = 0, *, smoothing: float = 0.0) -> None:
        self.column = column
        self.smoothing = smoothing

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.classifier_tags.multi_class = False
        return tags

    def _index(self) -> int:
        if isinstance(self.column, str):
            names = [c["name"] for c in self.feature_spec_]
            if self.column not in names:
                raise ValueError(f"column: expected one of {names}, found {self.column!r}")
            return names.index(self.column)
        if not isinstance(self.column, (int, np.integer)) or not 0 <= self.column < len(self.feature_spec_):
            raise ValueError(f"column: expected a position in [0, {len(self.feature_spec_) - 1}], "
                             f"found {self.column!r}")
        return int(self.column)

    def _keys(self, values: np.ndarray, j: int) -> list:
        spec = self.feature_spec_[j]
        if spec["kind"] == "categorical":
            return [None if np.isnan(v) else spec["categories"][int(v)] for v in values]
        return [None if np.isnan(v) else float(v) for v in values]

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> "GuidelineRuleBaseline":
        """Learn the outcome rate per category.

        Parameters
        ----------
        X : array-like or DataFrame
        y : array-like of shape (n_samples,)
        sample_weight : array-like, optional

        Returns
        -------
        self
        """
        _check_number("smoothing", self.smoothing, low=0)
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None.")
        matrix = self._fit_X(X)
        self.classes_, code = _binary_targets(type(self).__name__, y, matrix.shape[0])
        weight = _check_sample_weight(sample_weight, matrix, dtype=np.float64)
        if len(np.unique(code[weight > 0])) < 2:
            raise ValueError("after sample_weight, only 1 class has non-zero weight; a classifier needs 2 classes")
        j = self._index()
        overall = float(np.sum(weight * code) / np.sum(weight))
        sums: dict = {}
        for key, c, w in zip(self._keys(matrix[:, j], j), code, weight):
            if key is None:
                continue
            events, total = sums.get(key, (0.0, 0.0))
            sums[key] = (events + w * c, total + w)
        s = float(self.smoothing)
        self.rates_ = {k: (e + s * overall) / (t + s) if t + s > 0 else overall for k, (e, t) in sums.items()}
        self.overall_rate_ = overall
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Rate of each sample's category, shape (n_samples, 2).

        Parameters
        ----------
        X : array-like or DataFrame

        Returns
        -------
        numpy.ndarray
        """
        matrix = self._transform_X(X, warn_unseen=False)
        j = self._index()
        p = np.array([self.rates_.get(k, self.overall_rate_) if k is not None else self.overall_rate_
                      for k in self._keys(matrix[:, j], j)], dtype=np.float64)
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        """The more probable class of each sample.

        Parameters
        ----------
        X : array-like or DataFrame

        Returns
        -------
        numpy.ndarray
        """
        check_is_fitted(self, self._fitted_attr)
        return self.classes_[(self.predict_proba(X)[:, 1] > 0.5).astype(int)]


# -- IWPC ------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _iwpc() -> dict:
    text = resources.files("pgx.models").joinpath("data/iwpc_coefficients.json").read_text(encoding="utf-8")
    return json.loads(text)


_VKORC1 = {"GG": None, "AG": "vkorc1_AG", "GA": "vkorc1_AG", "AA": "vkorc1_AA"}
_CYP2C9 = {"*1/*1": None, "*1/*2": "cyp2c9_*1/*2", "*1/*3": "cyp2c9_*1/*3", "*2/*2": "cyp2c9_*2/*2",
           "*2/*3": "cyp2c9_*2/*3", "*3/*3": "cyp2c9_*3/*3"}
_RACE = {"white": None, "asian": "race_asian", "black or african american": "race_black_or_african_american",
         "black": "race_black_or_african_american", "african american": "race_black_or_african_american"}


def _vkorc1_term(value: Any) -> str | None:
    if value is None:
        return "vkorc1_unknown"
    key = str(value).upper().replace("/", "").replace("|", "").replace(" ", "")
    if key not in _VKORC1:
        raise ValueError(f"vkorc1: expected an rs9923231 genotype G/G, A/G or A/A (or null for unknown), "
                         f"found {value!r}")
    return _VKORC1[key]


def _cyp2c9_term(value: Any) -> str | None:
    if value is None:
        return "cyp2c9_unknown"
    parts = str(value).replace("|", "/").replace(" ", "").split("/")
    if len(parts) != 2:
        raise ValueError(f"cyp2c9: expected a diplotype such as *1/*3 (or null for unknown), found {value!r}")
    key = "/".join(sorted(parts, key=lambda a: (len(a), a)))
    # alleles the IWPC cohort did not genotype (*5, *6, *8, *11, ...) are 'unknown'
    return _CYP2C9.get(key, "cyp2c9_unknown")


def _race_term(value: Any) -> str | None:
    if value is None:
        return "race_missing_or_mixed"
    return _RACE.get(str(value).strip().lower(), "race_missing_or_mixed")


def iwpc_weekly_dose(
    *,
    age_years: float,
    height_cm: float,
    weight_kg: float,
    vkorc1: str | None,
    cyp2c9: str | None,
    race: str | None,
    enzyme_inducer: bool,
    amiodarone: bool,
) -> float:
    """Stable weekly warfarin dose (mg) by the IWPC pharmacogenetic equation (NEJM 2009).

    sqrt(dose) = 5.6044 - 0.2614 x age in decades + 0.0087 x height (cm) + 0.0128 x weight (kg)
    - VKORC1 and CYP2C9 genotype terms - race terms + 1.1816 x enzyme inducer
    - 0.5503 x amiodarone; the coefficients are read from
    ``pgx/models/data/iwpc_coefficients.json``, which names the source.

    Parameters
    ----------
    age_years : float
        Age in years; the equation uses the decade number ``floor(age / 10)``.
    height_cm, weight_kg : float
    vkorc1 : str or None
        rs9923231 (VKORC1 -1639G>A) genotype: ``"G/G"``, ``"A/G"`` or ``"A/A"``; None if unknown.
    cyp2c9 : str or None
        Diplotype of ``*1``, ``*2``, ``*3`` (``"*1/*3"``); other alleles or None count as unknown.
    race : str or None
        ``"White"``, ``"Asian"``, ``"Black or African American"``; anything else or None counts as
        missing or mixed.
    enzyme_inducer : bool
        Carbamazepine, phenytoin, rifampin or rifampicin.
    amiodarone : bool

    Returns
    -------
    float
        Weekly dose in mg.

    Examples
    --------
    >>> round(iwpc_weekly_dose(age_years=55, height_cm=170, weight_kg=80, vkorc1="A/G",
    ...                        cyp2c9="*1/*1", race="White", enzyme_inducer=False,
    ...                        amiodarone=False), 2)
    35.2
    """
    c = _iwpc()["coefficients"]
    s = (c["intercept"] + c["age_decades"] * math.floor(age_years / 10) + c["height_cm"] * height_cm
         + c["weight_kg"] * weight_kg + c["enzyme_inducer"] * bool(enzyme_inducer)
         + c["amiodarone"] * bool(amiodarone))
    for term in (_vkorc1_term(vkorc1), _cyp2c9_term(cyp2c9), _race_term(race)):
        if term is not None:
            s += c[term]
    return s * s


class IWPCWarfarinDose(RegressorMixin, BaseEstimator):
    """The IWPC pharmacogenetic warfarin dosing equation as a (non-learning) regressor.

    ``fit`` only checks the columns; ``predict`` returns the weekly dose in mg of each row of
    a polars or pandas frame with the columns ``age`` (years), ``height_cm``, ``weight_kg``,
    ``vkorc1`` (rs9923231 genotype), ``cyp2c9`` (diplotype), ``race``, ``enzyme_inducer``
    and ``amiodarone`` (booleans); rename them with ``columns``. A null genotype or race
    uses the equation's "unknown" / "missing or mixed" term; null age, height or weight
    gives a null (NaN) dose.

    Parameters
    ----------
    columns : dict of str to str or None, default=None
        Standard name to your column name, for example ``{"age": "age_years"}``.

    Attributes
    ----------
    coefficients_ : dict
        The coefficients used, from the package data file.
    n_features_in_ : int
    feature_names_in_ : numpy.ndarray

    Examples
    --------
    >>> import polars as pl
    >>> from pgx.models import IWPCWarfarinDose
    >>> X = pl.DataFrame({"age": [55], "height_cm": [170.0], "weight_kg": [80.0],
    ...                   "vkorc1": ["A/G"], "cyp2c9": ["*1/*1"], "race": ["White"],
    ...                   "enzyme_inducer": [False], "amiodarone": [False]})
    >>> IWPCWarfarinDose().fit(X).predict(X).round(2)
    array([35.2])
    """

    REQUIRED = ("age", "height_cm", "weight_kg", "vkorc1", "cyp2c9", "race", "enzyme_inducer", "amiodarone")

    def __init__(self, *, columns: dict | None = None) -> None:
        self.columns = columns

    def _names(self) -> dict:
        names = {k: k for k in self.REQUIRED}
        unknown = set(self.columns or {}) - set(self.REQUIRED)
        if unknown:
            raise ValueError(f"columns: expected keys among {list(self.REQUIRED)}, found {sorted(unknown)}")
        names.update(self.columns or {})
        return names

    def _frame(self, X: Any) -> pl.DataFrame:
        if not is_frame(X):
            raise TypeError("IWPCWarfarinDose needs a polars or pandas DataFrame with named columns")
        if not isinstance(X, pl.DataFrame):
            X = pl.DataFrame({str(c): X[c].tolist() for c in X.columns})
        names = self._names()
        missing = [v for v in names.values() if v not in X.columns]
        if missing:
            raise ValueError(f"missing columns {missing}; expected {list(names.values())}")
        return X

    def fit(self, X: Any, y: Any = None) -> "IWPCWarfarinDose":
        """Check the columns (nothing is learned).

        Parameters
        ----------
        X : polars or pandas DataFrame
        y : ignored

        Returns
        -------
        self
        """
        frame = self._frame(X)
        self.coefficients_ = dict(_iwpc()["coefficients"])
        self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        self.n_features_in_ = len(frame.columns)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Weekly warfarin dose in mg per row.

        Parameters
        ----------
        X : polars or pandas DataFrame

        Returns
        -------
        numpy.ndarray
        """
        check_is_fitted(self, "coefficients_")
        frame = self._frame(X)
        n = self._names()
        cols = {k: frame[n[k]].to_list() for k in self.REQUIRED}
        out = np.empty(frame.height)
        for i in range(frame.height):
            numbers = [cols[k][i] for k in ("age", "height_cm", "weight_kg")]
            if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in numbers):
                out[i] = np.nan
                continue
            out[i] = iwpc_weekly_dose(
                age_years=float(numbers[0]), height_cm=float(numbers[1]), weight_kg=float(numbers[2]),
                vkorc1=cols["vkorc1"][i], cyp2c9=cols["cyp2c9"][i], race=cols["race"][i],
                enzyme_inducer=bool(cols["enzyme_inducer"][i]), amiodarone=bool(cols["amiodarone"][i]))
        return out
