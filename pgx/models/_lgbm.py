"""scikit-learn estimators on LightGBM: binary outcome classifiers and a dose regressor.

This module imports scikit-learn and lightgbm at import time; :mod:`pgx.models` loads it
only when one of its names is first used, so ``import pgx`` stays light.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any, Literal

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils import assert_all_finite, check_random_state
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from pgx.models import _calibration, _linear
from pgx.models._errors import CalibrationWarning, UnseenCategoryWarning
from pgx.models._frame import TableEncoder, is_frame

__all__ = ["ResponseClassifier", "AdverseReactionClassifier", "DoseRegressor"]

#: early_stopping="auto" stops early from this many training rows. Below 1,000 rows the models
#: used to run all 500 rounds and memorised their training patients (membership-inference AUC
#: about 0.67 for a classifier, 0.9 for a regressor, at 400 patients) while predicting new
#: patients worse than when stopped early.
EARLY_STOPPING_AUTO_MIN_SAMPLES = 100
#: The smallest ``min_child_samples`` pgx recommends on patient data (the defaults are above it):
#: every leaf value and split threshold then summarises at least this many patients.
MIN_LEAF_PATIENTS = 20
#: calibration="auto" is isotonic from this many training samples of the rarer class, sigmoid
#: below. Isotonic regression follows a miscalibration of any monotone shape (a sigmoid corrects
#: only a global slope and offset: early-stopped boosting underfits rare strong effects, such
#: as DPYD carriers on full-dose fluoropyrimidines, in the tail), but with few events its steps
#: overfit (calibration slope 0.88 at 510 events on the simulated thiopurine cohort, against
#: 0.98 with a sigmoid; 1.08 against 1.18 at 2,429 fluoropyrimidine events).
ISOTONIC_MIN_CLASS_COUNT = 1000
#: Weight of the penalised linear component in the default blend (raw scale: transformed dose
#: or log-odds). On the IWPC warfarin cohort (5,741 patients, 20 random splits) the 50/50
#: average of ridge and boosted trees on sqrt(dose) beat either alone and the IWPC equation
#: on every split (benchmarks/bench_iwpc.py).
DEFAULT_LINEAR_WEIGHT = 0.5


def _calibration_plan(calibration: str, cv: int, y: np.ndarray) -> tuple[int, str] | None:
    """The number of calibration folds (``cv``, fewer when a class is smaller) and the method
    (``"auto"`` resolved); None, with a :class:`CalibrationWarning`, when a class has fewer
    than 2 samples."""
    counts = np.bincount(y.astype(int))
    folds = min(int(cv), int(counts.min()))
    if folds < 2:
        warnings.warn(
            f"calibration={calibration!r} needs at least 2 samples of each class; found "
            f"class counts {counts.tolist()}; probabilities are left uncalibrated",
            CalibrationWarning, stacklevel=4)
        return None
    if calibration == "auto":
        return folds, "isotonic" if counts.min() >= ISOTONIC_MIN_CLASS_COUNT else "sigmoid"
    return folds, calibration


def _check_choice(name: str, value: Any, choices: tuple) -> None:
    if value not in choices:
        raise ValueError(f"{name}: expected one of {list(choices)}, found {value!r}")


def _check_number(name: str, value: Any, *, low: float, high: float | None = None,
                  integer: bool = False, low_open: bool = False, high_open: bool = False) -> None:
    kind = numbers.Integral if integer else numbers.Real
    ok = isinstance(value, kind) and not isinstance(value, bool)
    if ok:
        ok = (value > low if low_open else value >= low) and (
            high is None or (value < high if high_open else value <= high))
    if not ok:
        lo = "(" if low_open else "["
        hi = ")" if high_open else "]"
        what = "an integer" if integer else "a number"
        raise ValueError(f"{name}: expected {what} in {lo}{low}, {high if high is not None else 'inf'}{hi}, "
                         f"found {value!r}")


def _binary_targets(name: str, y: Any, n_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """Validate a binary target; return (classes, codes 0/1)."""
    y = column_or_1d(np.asarray(y), warn=True)
    if len(y) != n_samples:
        raise ValueError(f"Found input variables with inconsistent numbers of samples: [{n_samples}, {len(y)}]")
    if y.dtype.kind == "f":
        assert_all_finite(y, input_name="y")
    check_classification_targets(y)
    y_type = type_of_target(y, input_name="y", raise_unknown=True)
    if y_type not in ("binary", "unknown") and len(np.unique(y)) > 2:
        raise ValueError(f"Only binary classification is supported. The type of the target is {y_type}.")
    classes, codes = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(f"{name} needs samples of 2 classes; the data contains only 1 class: {classes[0]!r}")
    return classes, codes


def resolve_target_transform(name: str, y: np.ndarray) -> str:
    """``"auto"`` is ``"sqrt"`` for a non-negative outcome (doses), ``"none"`` otherwise;
    ``"sqrt"`` and ``"log"`` check the outcome fits them."""
    if name == "auto":
        return "sqrt" if y.min() >= 0 else "none"
    if name == "sqrt" and y.min() < 0:
        raise ValueError(f"target_transform='sqrt': expected a non-negative outcome, found minimum {y.min()!r}")
    if name == "log" and y.min() <= 0:
        raise ValueError(f"target_transform='log': expected a positive outcome, found minimum {y.min()!r}")
    return name


def forward_transform(name: str, y: np.ndarray) -> np.ndarray:
    """The outcome on the scale the models are fitted on."""
    if name == "sqrt":
        return np.sqrt(y)
    if name == "log":
        return np.log(y)
    return y


def inverse_transform(name: str, raw: np.ndarray) -> np.ndarray:
    """Back to the outcome's scale: the square (of a non-negative value) or the exponential.

    Squaring the mean of sqrt(dose) gives less than the mean dose (by the variance of
    sqrt(dose) around it): a value nearer the median dose, which is what MAE and PW20 reward."""
    if name == "sqrt":
        return np.square(np.maximum(raw, 0.0))
    if name == "log":
        return np.exp(raw)
    return raw


def average_boosters(fitted: list[tuple[Any, int]]) -> tuple[Any, int]:
    """One LightGBM model whose raw score is the mean of the given (booster, rounds): all their
    trees, each leaf value divided by their number; returns (booster, trees). LightGBM folds the
    starting score into each booster's first tree, so the mean of the sums is exact."""
    if len(fitted) == 1:
        return fitted[0]
    import lightgbm as lgb

    from pgx.models.persist import _join_model_text, _split_model_text

    k = float(len(fitted))
    header = trailer = ""
    blocks: list[str] = []
    for booster, rounds in fitted:
        head, trees, tail = _split_model_text(booster.model_to_string(num_iteration=rounds))
        header, trailer = header or head, trailer or tail
        for block in trees:
            lines = []
            for line in block.split("\n"):
                key, _, value = line.partition("=")
                if key == "Tree":
                    line = f"Tree={len(blocks)}"
                elif key in ("leaf_value", "internal_value"):
                    line = key + "=" + " ".join(repr(float(v) / k) for v in value.split())
                lines.append(line)
            blocks.append("\n".join(lines))
    return lgb.Booster(model_str=_join_model_text(header, blocks, trailer)), len(blocks)


def blend(tree_raw: np.ndarray, X: np.ndarray, linear: dict | None, weight: float) -> np.ndarray:
    """``(1 - weight) x trees + weight x linear component`` on the raw scale."""
    if linear is None or weight == 0:
        return tree_raw
    return (1.0 - weight) * tree_raw + weight * _linear.predict(X, linear)


def stacked_weight(tree_oof: np.ndarray, linear_oof: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    """The linear component's share of the log-odds, learned on out-of-fold scores: the
    logistic regression of y on both scores (a x trees + b x linear + c), as b / (a + b),
    each coefficient floored at 0 (a score that does not help gets no weight)."""
    from sklearn.linear_model import LogisticRegression

    keep = w > 0
    design = np.column_stack([tree_oof, linear_oof])[keep]
    model = LogisticRegression(C=1e6, max_iter=1000).fit(design, y[keep].astype(int), sample_weight=w[keep])
    a, b = (max(float(v), 0.0) for v in model.coef_[0])
    return b / (a + b) if a + b > 0 else DEFAULT_LINEAR_WEIGHT


class _TableInput:
    """Input handling shared by every pgx estimator: arrays and polars/pandas frames."""

    _fitted_attr = "feature_spec_"

    def _fit_X(self, X: Any) -> np.ndarray:
        if is_frame(X):
            encoder = TableEncoder()
            matrix = encoder.fit_transform(X)
            if matrix.shape[0] < 1:
                raise ValueError("Found array with 0 sample(s) while a minimum of 1 is required.")
            if np.isinf(matrix).any():
                raise ValueError("Input X contains infinity; use null or NaN for missing values.")
            self.feature_spec_ = encoder.to_dict()
            self.feature_names_in_ = np.asarray(encoder.names, dtype=object)
            self.n_features_in_ = matrix.shape[1]
            return matrix
        matrix = validate_data(self, X, reset=True, dtype=np.float64, ensure_all_finite="allow-nan")
        self.feature_spec_ = [{"name": f"x{j}", "kind": "numeric"} for j in range(matrix.shape[1])]
        return matrix

    def _encoder(self) -> TableEncoder:
        return TableEncoder.from_dict(self.feature_spec_)

    def _transform_X(self, X: Any, *, warn_unseen: bool = True) -> np.ndarray:
        check_is_fitted(self, self._fitted_attr)
        if hasattr(self, "feature_names_in_"):
            matrix, unseen = self._encoder().transform(X)
            if np.isinf(matrix).any():
                raise ValueError("Input X contains infinity; use null or NaN for missing values.")
            if unseen and warn_unseen:
                detail = "; ".join(f"{k}: {v[:5]}{' ...' if len(v) > 5 else ''}" for k, v in unseen.items())
                warnings.warn(
                    f"categories not seen at fit time were treated as missing ({detail})",
                    UnseenCategoryWarning, stacklevel=3)
            return matrix
        if is_frame(X):
            from pgx.models._frame import frame_columns

            cols = frame_columns(X)
            kinds = {kind for _, kind, _ in cols}
            if "categorical" in kinds:
                raise TypeError("this model was fitted on a numeric array; found string columns")
            X = np.column_stack([values for _, _, values in cols]) if cols else np.empty((len(X), 0))
        return validate_data(self, X, reset=False, dtype=np.float64, ensure_all_finite="allow-nan")

    def unseen_categories(self, X: Any) -> dict[str, list[str]]:
        """The values of each categorical column of X not seen at fit time.

        Prediction treats them as missing (and warns with
        :class:`~pgx.models.UnseenCategoryWarning`); this reports them without predicting.

        Parameters
        ----------
        X : polars or pandas DataFrame, or array-like
            Samples with the columns used at fit time.

        Returns
        -------
        dict of str to list of str
            Column name to sorted unseen values; empty when every value was seen.
        """
        check_is_fitted(self, self._fitted_attr)
        if not hasattr(self, "feature_names_in_"):
            return {}
        return self._encoder().transform(X)[1]


class _LGBMBase(_TableInput, BaseEstimator):
    """Shared machinery: parameter checks, early stopping, training."""

    _objective = "binary"
    _fitted_attr = "booster_"

    def _validate_params(self) -> None:
        _check_number("n_estimators", self.n_estimators, low=1, integer=True)
        _check_number("learning_rate", self.learning_rate, low=0, low_open=True)
        _check_number("num_leaves", self.num_leaves, low=2, integer=True)
        if self.max_depth != -1:
            _check_number("max_depth", self.max_depth, low=1, integer=True)
        _check_number("min_child_samples", self.min_child_samples, low=1, integer=True)
        _check_number("reg_lambda", self.reg_lambda, low=0)
        _check_number("subsample", self.subsample, low=0, high=1, low_open=True)
        _check_number("colsample_bytree", self.colsample_bytree, low=0, high=1, low_open=True)
        if self.early_stopping not in ("auto", True, False):
            raise ValueError(f"early_stopping: expected one of ['auto', True, False], found {self.early_stopping!r}")
        _check_number("validation_fraction", self.validation_fraction, low=0, high=1,
                      low_open=True, high_open=True)
        _check_number("n_iter_no_change", self.n_iter_no_change, low=1, integer=True)
        if self.n_jobs is not None:
            _check_number("n_jobs", self.n_jobs, low=-1, integer=True)
        if self.linear_weight != "auto":
            _check_number("linear_weight", self.linear_weight, low=0, high=1)
        _check_number("linear_alpha", self.linear_alpha, low=0, low_open=True)

    def _lgb_params(self, seed: int) -> dict:
        params = {
            "objective": self._objective,
            "learning_rate": float(self.learning_rate),
            "num_leaves": int(self.num_leaves),
            "max_depth": int(self.max_depth),
            "min_data_in_leaf": int(self.min_child_samples),
            "lambda_l2": float(self.reg_lambda),
            "feature_fraction": float(self.colsample_bytree),
            "bagging_fraction": float(self.subsample),
            "bagging_freq": 1 if self.subsample < 1 else 0,
            "seed": int(seed),
            "deterministic": True,
            "force_row_wise": True,
            "verbosity": -1,
            "feature_pre_filter": False,
            "num_threads": 0 if self.n_jobs in (None, -1) else int(self.n_jobs),
        }
        params.update(self._extra_params())
        return params

    def _extra_params(self) -> dict:
        return {}

    def _use_early_stopping(self, n_samples: int) -> bool:
        if self.early_stopping == "auto":
            return n_samples >= EARLY_STOPPING_AUTO_MIN_SAMPLES
        return bool(self.early_stopping)

    def _train(self, X: np.ndarray, y: np.ndarray, w: np.ndarray, seed: int, rounds: int | None = None,
               *, early_stop: bool | None = None):
        """One booster, early-stopped on a split of (X, y) unless ``rounds`` is given;
        returns (booster, n_iterations). ``early_stop`` is decided on the whole training
        set (None: from the rows given here), so calibration folds stop as the final model does."""
        import lightgbm as lgb

        params = self._lgb_params(seed)
        cat = [j for j, c in enumerate(self.feature_spec_) if c["kind"] == "categorical"]
        names = [f"f{j}" for j in range(X.shape[1])]
        n = X.shape[0]
        if early_stop is None:
            early_stop = self._use_early_stopping(n)
        if rounds is None and early_stop:
            from sklearn.model_selection import train_test_split

            stratify = y if self._objective == "binary" and np.bincount(y.astype(int)).min() >= 2 else None
            idx_train, idx_valid = train_test_split(
                np.arange(n), test_size=self.validation_fraction, random_state=seed, stratify=stratify)
            train = lgb.Dataset(X[idx_train], y[idx_train], weight=w[idx_train], feature_name=names,
                                categorical_feature=cat, params={"verbosity": -1}, free_raw_data=True)
            valid = lgb.Dataset(X[idx_valid], y[idx_valid], weight=w[idx_valid], reference=train)
            booster = lgb.train(params, train, num_boost_round=int(self.n_estimators), valid_sets=[valid],
                                callbacks=[lgb.early_stopping(int(self.n_iter_no_change), verbose=False)])
            best = booster.best_iteration or booster.current_iteration()
            return booster, int(best)
        train = lgb.Dataset(X, y, weight=w, feature_name=names, categorical_feature=cat,
                            params={"verbosity": -1}, free_raw_data=True)
        booster = lgb.train(params, train, num_boost_round=int(self.n_estimators if rounds is None else rounds))
        return booster, int(booster.current_iteration())

    def _fit_linear(self, X: np.ndarray, y: np.ndarray, w: np.ndarray) -> dict | None:
        """The linear component's state (None when ``linear_weight`` is 0)."""
        if self.linear_weight == 0:
            return None
        task = "binary" if self._objective == "binary" else "regression"
        threads = 1 if self.n_jobs in (None, -1) else int(self.n_jobs)
        return _linear.fit(X, y, w, self.feature_spec_, alpha=float(self.linear_alpha), task=task, threads=threads)

    def _raw(self, X: np.ndarray) -> np.ndarray:
        """The blended raw score: transformed outcome (regressor) or log-odds (classifiers)."""
        tree = self.booster_.predict(X, raw_score=True, num_iteration=self.n_estimators_)
        return blend(tree, X, getattr(self, "linear_", None), getattr(self, "linear_weight_", 0.0))

    def _more_lgb_tags(self, tags):
        tags.input_tags.allow_nan = True
        return tags


class _BinaryLGBM(ClassifierMixin, _LGBMBase):
    """Binary classifier on LightGBM with class weights and cross-validated calibration."""

    _objective = "binary"

    def __init__(
        self,
        *,
        n_estimators: int = 500,
        learning_rate: float = 0.05,
        num_leaves: int = 15,
        max_depth: int = -1,
        min_child_samples: int = 30,
        reg_lambda: float = 1.0,
        subsample: float = 1.0,
        colsample_bytree: float = 1.0,
        class_weight: dict | Literal["balanced"] | None = None,
        calibration: Literal["auto", "sigmoid", "isotonic", "none"] = "auto",
        cv: int = 3,
        linear_weight: float | Literal["auto"] = 0.0,
        linear_alpha: float = 1.0,
        early_stopping: bool | Literal["auto"] = "auto",
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 30,
        n_jobs: int | None = None,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.max_depth = max_depth
        self.min_child_samples = min_child_samples
        self.reg_lambda = reg_lambda
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.class_weight = class_weight
        self.calibration = calibration
        self.cv = cv
        self.linear_weight = linear_weight
        self.linear_alpha = linear_alpha
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.n_jobs = n_jobs
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags = self._more_lgb_tags(tags)
        tags.classifier_tags.multi_class = False
        return tags

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> "_BinaryLGBM":
        """Fit the booster (and its calibration) on X, y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), polars or pandas DataFrame
            Features. Missing values (NaN, null) are allowed; string and categorical
            frame columns are encoded internally.
        y : array-like of shape (n_samples,)
            Binary outcome, two distinct labels of any type.
        sample_weight : array-like of shape (n_samples,), optional
            Per-sample weights, multiplied by the class weights.

        Returns
        -------
        self
        """
        self._validate_params()
        _check_choice("calibration", self.calibration, ("auto", "sigmoid", "isotonic", "none"))
        if isinstance(self.cv, numbers.Integral):
            _check_number("cv", self.cv, low=2, integer=True)
        if not (self.class_weight is None or self.class_weight == "balanced" or isinstance(self.class_weight, dict)):
            raise ValueError(f"class_weight: expected None, 'balanced' or a dict, found {self.class_weight!r}")
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None.")
        matrix = self._fit_X(X)
        self.classes_, y_code = _binary_targets(type(self).__name__, y, matrix.shape[0])
        y = self.classes_[y_code]
        weight = _check_sample_weight(sample_weight, matrix, dtype=np.float64)
        # the calibrator learns from the observed labels under sample_weight alone, so class
        # weights shift the trees' scores but not the calibrated probabilities
        calibration_weight = weight.copy()
        if self.class_weight is not None:
            from sklearn.utils.class_weight import compute_sample_weight

            weight = weight * compute_sample_weight(self.class_weight, y)
        weighted = np.unique(y_code[weight > 0])
        if len(weighted) < 2:
            raise ValueError("after sample_weight and class_weight, only 1 class has non-zero weight; "
                             "a classifier needs 2 classes")
        y_code = y_code.astype(np.float64)
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        early_stop = self._use_early_stopping(matrix.shape[0])
        self.calibrator_, fold_rounds, self.linear_weight_, full_linear = self._fit_calibration(
            matrix, y_code, weight, calibration_weight, seed, early_stop)
        if fold_rounds and early_stop:
            # the calibration folds chose the round count together, on all their held-out rows;
            # the final model learns from every training row for that many rounds
            self.booster_, self.n_estimators_ = self._train(
                matrix, y_code, weight, seed, rounds=int(np.median(fold_rounds)))
        else:
            self.booster_, self.n_estimators_ = self._train(matrix, y_code, weight, seed, early_stop=early_stop)
        if self.linear_weight_ == 0:
            self.linear_ = None
        else:
            self.linear_ = full_linear if full_linear is not None else self._fit_linear(matrix, y_code, weight)
        return self

    def _fit_calibration(self, X, y, w, w_calibration, seed,
                         early_stop: bool) -> tuple[dict, list[int], float, dict | None]:
        """Out-of-fold raw scores and the calibrator fitted on them; returns (calibrator, [rounds],
        the linear component's weight, the linear component on all rows if it was fitted here).

        The folds are boosted in lockstep (``lightgbm.cv``) and, with early stopping, stop
        together at the round where their mean held-out loss is lowest: every training row
        votes on the round count (an internal split per fold would leave a few dozen events
        to decide it on small or rare-outcome cohorts), and all out-of-fold scores come from
        models of the same size, as the final model is."""
        fixed = DEFAULT_LINEAR_WEIGHT if self.linear_weight == "auto" else float(self.linear_weight)
        if self.calibration == "none":
            return {"method": "none"}, [], fixed, None
        import lightgbm as lgb
        from sklearn.model_selection import StratifiedKFold

        plan = _calibration_plan(self.calibration, self.cv if isinstance(self.cv, numbers.Integral) else 2, y)
        if plan is None:
            return {"method": "none"}, [], fixed, None
        folds, method = plan
        if isinstance(self.cv, numbers.Integral):
            splits = list(StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(X, y))
        else:
            from sklearn.model_selection import check_cv

            splits = list(check_cv(self.cv, y, classifier=True).split(X, y))
        cat = [j for j, c in enumerate(self.feature_spec_) if c["kind"] == "categorical"]
        data = lgb.Dataset(X, y, weight=w, feature_name=[f"f{j}" for j in range(X.shape[1])],
                           categorical_feature=cat, params={"verbosity": -1}, free_raw_data=False)
        callbacks = [lgb.early_stopping(int(self.n_iter_no_change), verbose=False)] if early_stop else []
        result = lgb.cv(self._lgb_params(seed), data, num_boost_round=int(self.n_estimators), folds=splits,
                        callbacks=callbacks, return_cvbooster=True)
        cv_booster = result["cvbooster"]
        n_iter = int(cv_booster.best_iteration) if early_stop and cv_booster.best_iteration > 0 \
            else int(self.n_estimators)
        oof = np.full(len(y), np.nan)
        linear_oof = np.full(len(y), np.nan)
        full_linear = None
        if (fixed > 0 or self.linear_weight == "auto") and \
                len(y) >= _linear.IN_SAMPLE_ROWS_PER_COEFFICIENT * _linear.n_coefficients(self.feature_spec_):
            full_linear = self._fit_linear(X, y, w)
        for booster, (fit_rows, held_out) in zip(cv_booster.boosters, splits):
            # the linear component of each fold is fitted on that fold's training rows too (on
            # large cohorts its in-sample scores stand in), so the calibrator and the stacking
            # see out-of-fold scores of both components
            oof[held_out] = booster.predict(X[held_out], raw_score=True, num_iteration=n_iter)
            if fixed > 0 or self.linear_weight == "auto":
                linear = full_linear or self._fit_linear(X[fit_rows], y[fit_rows], w[fit_rows])
                linear_oof[held_out] = _linear.predict(X[held_out], linear)
        done = ~np.isnan(oof)
        weight = fixed
        if self.linear_weight == "auto":
            weight = stacked_weight(oof[done], linear_oof[done], y[done], w_calibration[done])
        if weight > 0:
            oof[done] = (1.0 - weight) * oof[done] + weight * linear_oof[done]
        fit = _calibration.fit_sigmoid if method == "sigmoid" else _calibration.fit_isotonic
        return fit(oof[done], y[done], w_calibration[done]), [n_iter], weight, full_linear

    def predict_proba(self, X: Any) -> np.ndarray:
        """Calibrated probabilities, shape (n_samples, 2), columns in ``classes_`` order.

        Parameters
        ----------
        X : array-like or DataFrame
            Samples with the features used at fit time.

        Returns
        -------
        numpy.ndarray of shape (n_samples, 2)
        """
        matrix = self._transform_X(X)
        p = _calibration.apply(self.calibrator_, self._raw(matrix))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        """The more probable class label of each sample.

        Parameters
        ----------
        X : array-like or DataFrame

        Returns
        -------
        numpy.ndarray of shape (n_samples,)
        """
        p = self.predict_proba(X)[:, 1]
        return self.classes_[(p > 0.5).astype(int)]


class ResponseClassifier(_BinaryLGBM):
    """Probability of therapy response from genotype, biomarker and treatment features.

    A LightGBM gradient-boosted tree model with scikit-learn's API. Numpy arrays and polars
    or pandas frames are accepted, with missing values (NaN, null) left for LightGBM to route,
    and string or categorical columns encoded internally (categories are remembered from fit;
    unseen ones become missing with an :class:`~pgx.models.UnseenCategoryWarning`).
    Probabilities are calibrated by cross-validation inside the training data
    (``calibration="auto"``, ``"sigmoid"`` or ``"isotonic"``), and early stopping uses the
    held-out folds of that cross-validation, never the data you evaluate on.

    Parameters
    ----------
    n_estimators : int, default=500
        Maximum number of boosting rounds (early stopping usually stops sooner).
    learning_rate : float, default=0.05
    num_leaves : int, default=15
    max_depth : int, default=-1
        -1 for no limit.
    min_child_samples : int, default=30
        Minimum training samples (patients) in a leaf. It limits memorisation: each leaf
        value averages at least this many patients, and no split can isolate fewer than
        this many at the extremes of a feature, so one patient's influence is diluted.
        Keep it at 20 (``MIN_LEAF_PATIENTS``) or more on patient data; 30 lowered the
        membership-inference AUC (:func:`~pgx.models.membership_inference_audit`) against
        20 on 100-800 patients without losing accuracy, while 50 could not fit 100 patients.
    reg_lambda : float, default=1.0
        L2 regularisation of leaf values.
    subsample : float, default=1.0
        Row fraction per round (bagging).
    colsample_bytree : float, default=1.0
        Feature fraction per round.
    class_weight : dict, "balanced" or None, default=None
        Weights per class label, multiplied into ``sample_weight`` for the trees. The
        calibrator is fitted to the observed labels, so calibrated probabilities stay risks
        (as with scikit-learn's ``CalibratedClassifierCV``); use ``calibration="none"`` for
        class-weighted scores.
    calibration : {"auto", "sigmoid", "isotonic", "none"}, default="auto"
        How raw scores become probabilities: a calibrator fitted on ``cv``-fold
        out-of-fold scores of the training data. "auto" is isotonic when the rarer class
        has at least 1,000 training samples (``ISOTONIC_MIN_CLASS_COUNT``) and sigmoid
        below; ``calibrator_["method"]`` says which was used. Isotonic blocks are shrunk
        towards the sigmoid fit by 10 pseudo-samples, so no probability is exactly 0 or 1.
    cv : int, cross-validation splitter or iterable of splits, default=3
        Folds for calibration (an int means stratified shuffled folds, reduced to the
        smallest class count when that is smaller). The folds are boosted together; with
        early stopping on, they stop at the round of lowest mean held-out loss, and the
        final model is trained on every row for that many rounds.
    linear_weight : float in [0, 1] or "auto", default=0.0
        Weight of the penalised linear component in the score (0, the default: the boosted
        trees alone). On the suite's 1,000,000-patient simulated cohort, ``"auto"`` left the
        calibration slope against the true risks at 0.87-0.88 for two of the seven planted
        mechanisms (0.9-1.1 required) and the AUROC 0.0003 below the logistic baseline for
        two (``benchmarks/README.md``), so the classifiers keep the trees alone by default
        until the stacking is calibrated on out-of-fold linear scores at every cohort size.
        With a weight, the log-odds are
        ``(1 - w) x trees + w x L2 logistic regression``, the logistic regression fitted
        on one-hot encoded categories and median-filled, standardised numbers, with no "is
        missing" indicators (missingness that differs by site would teach the model the
        site). "auto" stacks: ``w`` is learned on the calibration folds' scores
        (a logistic regression of the outcome on both scores; ``w = b / (a + b)``, each
        coefficient floored at 0), so a cohort whose signal is additive leans on the
        linear model and one with strong interactions on the trees; 0.5 when there are no
        calibration folds (``calibration="none"``). Calibration is fitted on out-of-fold
        scores of the blend (each fold's logistic regression too is fitted without its
        held-out rows). 0 gives the boosted trees alone.
    linear_alpha : float, default=1.0
        L2 penalty of the linear component on its standardised columns (``C = 1 / alpha``).
    early_stopping : bool or "auto", default="auto"
        "auto" enables it from 100 training samples. Besides saving time, stopping early
        is what keeps boosting from memorising small cohorts.
    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping when there is no
        calibration (``calibration="none"``); otherwise the calibration folds decide.
    n_iter_no_change : int, default=30
    n_jobs : int or None, default=None
        LightGBM threads; None uses LightGBM's default.
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    booster_ : lightgbm.Booster
    n_estimators_ : int
        Boosting rounds used (after early stopping).
    linear_ : dict or None
        The linear component as numbers (per feature: fill value, centre, scale,
        coefficients); None when its weight is 0.
    linear_weight_ : float
        The weight used (learned when ``linear_weight="auto"``).
    classes_ : numpy.ndarray
    calibrator_ : dict
        The calibration as numbers (see :mod:`pgx.models`).
    feature_spec_ : list of dict
        Column names, kinds and categories seen at fit.
    n_features_in_ : int
    feature_names_in_ : numpy.ndarray
        Only when fitted on a DataFrame.

    Examples
    --------
    >>> import numpy as np
    >>> import polars as pl
    >>> from pgx.models import ResponseClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = pl.DataFrame({"age": rng.normal(60, 10, 300),
    ...                   "cyp2c19": rng.choice(["PM", "IM", "NM"], 300)})
    >>> y = (X["cyp2c19"] == "NM").to_numpy() ^ (rng.random(300) < 0.2)
    >>> model = ResponseClassifier(n_estimators=50, n_jobs=1, random_state=0).fit(X, y)
    >>> model.predict_proba(X.head(2)).shape
    (2, 2)
    """


class AdverseReactionClassifier(_BinaryLGBM):
    """Probability of an adverse drug reaction; the same model as :class:`ResponseClassifier`.

    Rare outcomes are where ``class_weight="balanced"`` and ``calibration="isotonic"`` (with
    enough events) are most useful; calibrated probabilities stay probabilities even with
    class weights, because the calibrator is fitted on out-of-fold scores against the
    observed labels.

    Parameters
    ----------
    n_estimators, learning_rate, num_leaves, max_depth, min_child_samples, reg_lambda, \
subsample, colsample_bytree, class_weight, calibration, cv, linear_weight, linear_alpha, \
early_stopping, validation_fraction, n_iter_no_change, n_jobs, random_state
        As for :class:`ResponseClassifier`.

    Attributes
    ----------
    booster_, n_estimators_, linear_, linear_weight_, classes_, calibrator_, feature_spec_, n_features_in_, feature_names_in_
        As for :class:`ResponseClassifier`.

    Examples
    --------
    >>> import numpy as np
    >>> from pgx.models import AdverseReactionClassifier
    >>> rng = np.random.default_rng(1)
    >>> X = rng.normal(size=(400, 3))
    >>> y = rng.random(400) < 1 / (1 + np.exp(-(X[:, 0] * 2 - 2)))
    >>> model = AdverseReactionClassifier(n_estimators=50, n_jobs=1, random_state=0).fit(X, y)
    >>> bool(((model.predict_proba(X)[:, 1] >= 0) & (model.predict_proba(X)[:, 1] <= 1)).all())
    True
    """


class DoseRegressor(RegressorMixin, _LGBMBase):
    """Stable dose (or any continuous outcome) from genotype and clinical features.

    The average of LightGBM regression trees and a ridge regression (``linear_weight``),
    both fitted on a variance-stabilised outcome (``target_transform``: by default the
    square root of a non-negative outcome such as a dose) and back-transformed, with the same
    input handling and early stopping as :class:`ResponseClassifier`, and trees set for a
    few thousand patients (leaf values shrunk by ``path_smooth`` and ``reg_lambda``, patient
    early stopping). On the IWPC warfarin cohort (5,741 patients) this beat the IWPC
    pharmacogenetic equation on every one of 20 random splits; with whole sites held out it
    stayed within the bound of a ridge regression on the equation's own inputs, while the
    equation, fitted on those sites, stayed ahead (``benchmarks/bench_iwpc.py``; figures in
    the documentation). Evaluate it with :func:`~pgx.models.grouped_cross_validate` and
    ``sites=`` where the patients come from several sites.

    Parameters
    ----------
    n_estimators : int, default=500
    learning_rate : float, default=0.05
    num_leaves : int, default=15
    max_depth : int, default=-1
    min_child_samples : int, default=30
        Minimum training samples in a leaf; see :class:`ResponseClassifier` for why.
    reg_lambda : float, default=10.0
        L2 regularisation of leaf values (the classifiers' default is 1).
    path_smooth : float, default=200.0
        LightGBM's path smoothing: each leaf value is pulled towards its parent's with weight
        ``path_smooth / (n + path_smooth)`` for a leaf of ``n`` training samples. Small
        leaves, which on a few thousand patients hold a few dozen, are shrunk most; on large
        cohorts (leaves of thousands) it fades out, and unlike a larger
        ``min_child_samples`` it never stops a small cohort from splitting. 0 turns it off.
    subsample : float, default=1.0
    colsample_bytree : float, default=1.0
        Feature fraction per tree. 0.5 lowered the IWPC MAE a little further (8.427 against
        8.432 mg/week) but splits the importance of a gene between its encodings (phenotype,
        activity score, alleles), enough to drop CYP2C9 from the top three of the simulated
        warfarin check (``tests/test_mechanisms.py``).
    loss : {"squared_error", "absolute_error"}, default="squared_error"
        The trees' loss on the transformed outcome. ("huber" was removed: with LightGBM's
        fixed delta of 0.9 dose units it was worse than every other choice on IWPC, MAE
        9.13 against 8.63 mg/week.)
    target_transform : {"auto", "sqrt", "log", "none"}, default="auto"
        The scale both components are fitted on: ``"sqrt"`` (predictions are squared back;
        "auto" picks it for a non-negative outcome), ``"log"`` (exponentiated back; needs a
        positive outcome) or ``"none"`` ("auto" when any outcome is negative). The square
        root stabilises the variance of doses, whose spread grows with their size, as the
        IWPC equation does; squaring back a mean of square roots estimates a dose nearer
        the median than the mean, which is what MAE and PW20 reward.
    n_seeds : int, default=5
        Boosted models averaged, each early-stopped on its own random validation split
        (``random_state`` draws their seeds); they are kept as one LightGBM model holding all
        their trees with leaf values divided by ``n_seeds``. Averaging removes most of the
        noise of where one validation split stops boosting: on IWPC, with the tree settings
        before ``path_smooth``, five seeds took the MAE from 8.469 to 8.454 mg/week at 4.7
        times the fit time (``benchmarks/bench_iwpc.py``), where halving the learning rate
        gained nothing. 1 fits one model. Without early stopping
        and subsampling every seed grows the same trees, and one is fitted.
    linear_weight : float in [0, 1] or "auto", default="auto"
        Weight of the ridge regression in the prediction on the transformed scale:
        ``(1 - w) x trees + w x ridge``; "auto" is 0.5 (``DEFAULT_LINEAR_WEIGHT``, the
        average measured on IWPC). The ridge regression sees
        one-hot encoded categories and median-filled, standardised numbers, with no "is
        missing" indicators. 0 gives the trees alone, 1 essentially the ridge regression.
    linear_alpha : float, default=1.0
        Ridge penalty on the standardised columns.
    early_stopping : bool or "auto", default="auto"
        "auto" enables it from 100 training samples.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=100
        Rounds without improvement of the validation loss before boosting stops (the best
        round is kept). Smoothed, column-sampled trees improve in small, noisy steps; 30
        rounds stopped them early.
    n_jobs : int or None, default=None
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    booster_ : lightgbm.Booster
        The averaged trees of the ``n_seeds`` models.
    n_estimators_ : int
        Trees in ``booster_``: the seeds' early-stopped rounds added together.
    linear_ : dict or None
        The ridge regression as numbers; None when its weight is 0.
    linear_weight_ : float
        The weight used.
    target_transform_ : str
        The transform used ("sqrt", "log" or "none").
    feature_spec_ : list of dict
    n_features_in_ : int
    feature_names_in_ : numpy.ndarray
        Only when fitted on a DataFrame.

    Examples
    --------
    >>> import numpy as np
    >>> from pgx.models import DoseRegressor
    >>> rng = np.random.default_rng(2)
    >>> X = rng.normal(size=(300, 2))
    >>> y = 30 + 5 * X[:, 0] + rng.normal(size=300)
    >>> model = DoseRegressor(n_estimators=100, learning_rate=0.1, n_jobs=1, random_state=0).fit(X, y)
    >>> model.score(X, y) > 0.8
    True
    """

    _objective = "regression"
    _LOSSES = {"squared_error": "regression", "absolute_error": "regression_l1"}
    _TRANSFORMS = ("auto", "sqrt", "log", "none")

    def __init__(
        self,
        *,
        n_estimators: int = 500,
        learning_rate: float = 0.05,
        num_leaves: int = 15,
        max_depth: int = -1,
        min_child_samples: int = 30,
        reg_lambda: float = 10.0,
        path_smooth: float = 200.0,
        subsample: float = 1.0,
        colsample_bytree: float = 1.0,
        loss: Literal["squared_error", "absolute_error"] = "squared_error",
        target_transform: Literal["auto", "sqrt", "log", "none"] = "auto",
        n_seeds: int = 5,
        linear_weight: float | Literal["auto"] = "auto",
        linear_alpha: float = 1.0,
        early_stopping: bool | Literal["auto"] = "auto",
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 100,
        n_jobs: int | None = None,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.max_depth = max_depth
        self.min_child_samples = min_child_samples
        self.reg_lambda = reg_lambda
        self.path_smooth = path_smooth
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.loss = loss
        self.target_transform = target_transform
        self.n_seeds = n_seeds
        self.linear_weight = linear_weight
        self.linear_alpha = linear_alpha
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.n_jobs = n_jobs
        self.random_state = random_state

    def __sklearn_tags__(self):
        return self._more_lgb_tags(super().__sklearn_tags__())

    def _extra_params(self) -> dict:
        return {"objective": self._LOSSES[self.loss], "path_smooth": float(self.path_smooth)}

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> "DoseRegressor":
        """Fit the booster on X, y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), polars or pandas DataFrame
        y : array-like of shape (n_samples,)
            Continuous target (for example weekly dose in mg).
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        self
        """
        self._validate_params()
        _check_choice("loss", self.loss, tuple(self._LOSSES))
        _check_choice("target_transform", self.target_transform, self._TRANSFORMS)
        _check_number("n_seeds", self.n_seeds, low=1, integer=True)
        _check_number("path_smooth", self.path_smooth, low=0)
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None.")
        matrix = self._fit_X(X)
        y = column_or_1d(np.asarray(y), warn=True)
        if y.dtype.kind not in "biuf":
            try:
                y = y.astype(np.float64)
            except (TypeError, ValueError) as err:
                raise ValueError(f"y: expected numbers, found dtype {y.dtype}") from err
        y = y.astype(np.float64)
        if len(y) != matrix.shape[0]:
            raise ValueError(f"Found input variables with inconsistent numbers of samples: "
                             f"[{matrix.shape[0]}, {len(y)}]")
        if not np.isfinite(y).all():
            raise ValueError("Input y contains NaN or infinity; drop samples without an outcome")
        weight = _check_sample_weight(sample_weight, matrix, dtype=np.float64)
        self.target_transform_ = resolve_target_transform(self.target_transform, y)
        target = forward_transform(self.target_transform_, y)
        rng = check_random_state(self.random_state)
        seeds = [int(rng.randint(np.iinfo(np.int32).max)) for _ in range(self.n_seeds)]
        if not self._use_early_stopping(len(target)) and self.subsample == 1 and self.colsample_bytree == 1:
            seeds = seeds[:1]  # nothing random: every seed would grow the same trees
        self.booster_, self.n_estimators_ = average_boosters([self._train(matrix, target, weight, s) for s in seeds])
        self.linear_weight_ = DEFAULT_LINEAR_WEIGHT if self.linear_weight == "auto" else float(self.linear_weight)
        self.linear_ = self._fit_linear(matrix, target, weight) if self.linear_weight_ > 0 else None
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predicted outcome of each sample.

        Parameters
        ----------
        X : array-like or DataFrame

        Returns
        -------
        numpy.ndarray of shape (n_samples,)
        """
        matrix = self._transform_X(X)
        return inverse_transform(getattr(self, "target_transform_", "none"), self._raw(matrix))
