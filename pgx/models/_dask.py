"""Fit pgx's LightGBM estimators on a Dask cluster with ``lightgbm.dask``; for :mod:`pgx.cluster` only.

The feature matrix stays a row-partitioned ``dask.array`` (already encoded by the model's
:class:`~pgx.models._frame.TableEncoder`, with categories fixed on the whole table); only the
outcome, the weights and the fold of each row (one number per row) live in the calling
process. The result is the estimator single-machine training returns (same attributes, saved
by :func:`~pgx.models.save_model` in the same files), with the same steps:

* classifiers: class weights, calibration on out-of-fold raw scores of ``cv`` stratified
  shuffled folds (sigmoid, or isotonic from ``ISOTONIC_MIN_CLASS_COUNT`` samples of the
  rarer class, as for ``calibration="auto"``), the round count chosen by the folds' mean
  held-out loss with early stopping's rule, the final model on every row for that many rounds;
* without calibration, and for :class:`~pgx.models.DoseRegressor`: early stopping on a
  ``validation_fraction`` split (stratified for classifiers), the model kept at its best round;
  a dose model averages ``n_seeds`` such boosters, each with its own split, into one model.

What differs on Dask: each fold and the final model are ``DaskLGBMClassifier`` /
``DaskLGBMRegressor`` fits (LightGBM's data-parallel tree learner), so trees can differ
slightly from single-machine ones. ``lightgbm.dask`` has no cross-validation or reliable
early stopping, so every fold is boosted for ``n_estimators`` rounds and the held-out loss of
every round count is computed here, on the workers, from the fold models' per-tree outputs;
the same early-stopping rule (best mean loss, stop after ``n_iter_no_change`` rounds without
improvement) then picks the round count. ``cv`` must be a number of folds (a splitter needs the
rows in one place). The penalised linear component (``linear_weight``) is fitted in this
process on at most ``LINEAR_MAX_ROWS`` rows drawn at random from the rows it would use in memory
(all training rows, or a calibration fold's training rows): a model of a few hundred
coefficients is estimated as well from that many rows as from all; its scores of the held-out
fold rows are computed on the workers. A dose model's target transform is applied as in memory.
"""

from __future__ import annotations

import logging
import numbers
import warnings
from collections.abc import Callable
from typing import Any

import dask.array as da
import lightgbm as lgb
import numpy as np
from sklearn.utils import check_random_state

from pgx.models import _calibration, _linear
from pgx.models._frame import TableEncoder
from pgx.models._lgbm import (
    DEFAULT_LINEAR_WEIGHT,
    _binary_targets,
    _BinaryLGBM,
    _calibration_plan,
    _check_choice,
    _check_number,
    average_boosters,
    forward_transform,
    resolve_target_transform,
    stacked_weight,
)

__all__: list[str] = []

# lightgbm.dask sets these itself (from the cluster) and says so for every fit
_SET_BY_DASK = r"Parameter (n_jobs|num_threads|num_machines) will be ignored"
#: the most rows the linear component is fitted on (drawn at random) when training on Dask
LINEAR_MAX_ROWS = 200_000


#: LightGBM's Python-side messages in this process ("Finding random open ports for workers" at
#: every fit) go to this logger, not to standard output; unless it is configured, it passes errors
#: only. What the workers print is theirs: local workers pgx starts have their standard output
#: discarded (:mod:`pgx.cluster`), and an external cluster's workers are not touched.
LIGHTGBM_LOGGER = "pgx.lightgbm"


def _route_lightgbm_logs() -> None:
    """Send this process's LightGBM messages to the ``LIGHTGBM_LOGGER`` logger."""
    logger = logging.getLogger(LIGHTGBM_LOGGER)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.ERROR)
    lgb.register_logger(logger)


def fit_on_dask(model: Any, X: da.Array, y: np.ndarray, *, encoder: TableEncoder, client,
                progress: Callable[[int, int], None] | None = None) -> Any:
    """Fit ``model`` (an unfitted pgx LightGBM estimator) on the encoded dask matrix ``X``
    (rows in chunks, columns as ``encoder`` describes) and the outcome ``y`` (one value per
    row, in memory) with ``client``'s cluster; return it fitted. ``progress(done, total)`` is
    called as the boosters (calibration folds, then the final model) are trained."""
    model._validate_params()
    binary = isinstance(model, _BinaryLGBM)
    n = int(X.shape[0])
    if len(y) != n:
        raise ValueError(f"Found input variables with inconsistent numbers of samples: [{n}, {len(y)}]")
    model.feature_spec_ = encoder.to_dict()
    model.feature_names_in_ = np.asarray(encoder.names, dtype=object)
    model.n_features_in_ = len(encoder.names)
    weight = np.ones(n)
    if binary:
        _check_choice("calibration", model.calibration, ("auto", "sigmoid", "isotonic", "none"))
        if not isinstance(model.cv, numbers.Integral):
            raise ValueError(f"cv: on Dask, expected a number of folds, found {model.cv!r}")
        _check_number("cv", model.cv, low=2, integer=True)
        model.classes_, codes = _binary_targets(type(model).__name__, y, n)
        target = codes.astype(np.float64)
        calibration_weight = weight.copy()
        if model.class_weight is not None:
            from sklearn.utils.class_weight import compute_sample_weight

            weight = weight * compute_sample_weight(model.class_weight, model.classes_[codes])
    else:
        _check_choice("loss", model.loss, tuple(model._LOSSES))
        _check_choice("target_transform", model.target_transform, model._TRANSFORMS)
        target = np.asarray(y, dtype=np.float64)
        if not np.isfinite(target).all():
            raise ValueError("Input y contains NaN or infinity; drop samples without an outcome")
        model.target_transform_ = resolve_target_transform(model.target_transform, target)
        target = forward_transform(model.target_transform_, target)
    rng = check_random_state(model.random_state)
    seed = int(rng.randint(np.iinfo(np.int32).max))
    # a dose model's further seeds, drawn as in memory (each early-stopped on its own split)
    seeds = [seed] + [int(rng.randint(np.iinfo(np.int32).max)) for _ in range(getattr(model, "n_seeds", 1) - 1)]
    model.linear_weight_ = DEFAULT_LINEAR_WEIGHT if model.linear_weight == "auto" else float(model.linear_weight)
    folds = 0
    if binary and model.calibration != "none":
        folds = min(int(model.cv), int(np.bincount(target.astype(int)).min()))
    _route_lightgbm_logs()
    if not binary:
        _check_number("n_seeds", model.n_seeds, low=1, integer=True)
        _check_number("path_smooth", model.path_smooth, low=0)
    early_stop = model._use_early_stopping(n)
    job = _Job(model, X, target, weight, seed, client, progress,
               total=folds + 1 if folds >= 2 else (len(seeds) if early_stop else 1))
    if binary and model.calibration != "none":
        calibrated = _calibrate(job, calibration_weight, early_stop)
        if calibrated is not None:
            model.calibrator_, rounds, model.linear_weight_ = calibrated
            model.booster_, model.n_estimators_ = job.fit(np.ones(n, dtype=bool), rounds), rounds
            model.linear_ = job.linear(np.ones(n, dtype=bool))
            return model
        model.calibrator_ = {"method": "none"}
    elif binary:
        model.calibrator_ = {"method": "none"}
    if not early_stop:
        rounds = int(model.n_estimators)
        model.booster_, model.n_estimators_ = job.fit(np.ones(n, dtype=bool), rounds), rounds
        model.linear_ = job.linear(np.ones(n, dtype=bool))
        return model
    from sklearn.model_selection import train_test_split

    stratify = target if binary and np.bincount(target.astype(int)).min() >= 2 else None
    fitted = []
    for split_seed in seeds:  # a dose model averages n_seeds boosters, each with its own split
        _, valid = train_test_split(np.arange(n), test_size=model.validation_fraction, random_state=split_seed,
                                    stratify=stratify)
        held_out = np.zeros(n, dtype=bool)
        held_out[valid] = True
        booster = job.fit(~held_out, int(model.n_estimators))
        fitted.append((booster, _best_round([job.losses(booster, held_out)], int(model.n_iter_no_change))))
    model.booster_, model.n_estimators_ = average_boosters(fitted)
    model.linear_ = job.linear(np.ones(n, dtype=bool))
    return model


class _Job:
    """The data and settings of one fit: boosters on subsets of rows, losses on others."""

    def __init__(self, model, X: da.Array, target: np.ndarray, weight: np.ndarray, seed: int, client,
                 progress: Callable[[int, int], None] | None, *, total: int) -> None:
        self.model, self.X, self.client = model, X, client
        self.progress, self.done, self.total = progress, 0, total
        self.target, self.weight = target, weight
        self.params = {k: v for k, v in model._lgb_params(seed).items() if k != "num_threads"}
        self.categorical = [j for j, c in enumerate(model.feature_spec_) if c["kind"] == "categorical"]
        self.names = [f"f{j}" for j in range(X.shape[1])]

    def column(self, values: np.ndarray) -> da.Array:
        """A per-row vector as a dask array chunked like the rows of X."""
        return da.from_array(np.asarray(values), chunks=(self.X.chunks[0],))

    def fit(self, rows: np.ndarray, rounds: int) -> lgb.Booster:
        """A booster of ``rounds`` rounds on the rows where ``rows`` is True."""
        from lightgbm.dask import DaskLGBMClassifier, DaskLGBMRegressor

        factory = DaskLGBMClassifier if isinstance(self.model, _BinaryLGBM) else DaskLGBMRegressor
        estimator = factory(client=self.client, n_estimators=int(rounds), **self.params)
        mask = self.column(rows)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", _SET_BY_DASK, UserWarning)
            estimator.fit(self.X[mask], self.column(self.target)[mask], sample_weight=self.column(self.weight)[mask],
                          feature_name=self.names, categorical_feature=self.categorical)
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)
        return estimator.booster_

    def losses(self, booster: lgb.Booster, rows: np.ndarray) -> np.ndarray:
        """The weighted mean loss on the rows where ``rows`` is True after each round (the
        metric LightGBM's early stopping uses for the objective), computed on the workers."""
        rounds = booster.current_iteration()
        sums = da.map_blocks(_loss_sums, self.X, self.column(self.target)[:, None], self.column(self.weight)[:, None],
                             self.column(rows)[:, None], model_text=booster.model_to_string(),
                             metric=self.params["objective"], chunks=((1,) * len(self.X.chunks[0]), (rounds + 1,)),
                             dtype=np.float64)
        total = self.client.compute(sums.sum(axis=0)).result()
        return total[:rounds] / total[rounds]

    def linear(self, rows: np.ndarray) -> dict | None:
        """The linear component fitted on (at most ``LINEAR_MAX_ROWS`` of) the rows where ``rows``
        is True, gathered into this process; None when ``linear_weight`` is 0."""
        if self.model.linear_weight_ == 0:
            return None
        index = np.flatnonzero(rows)
        if len(index) > LINEAR_MAX_ROWS:
            index = np.sort(np.random.default_rng(self.params["seed"]).choice(index, LINEAR_MAX_ROWS, replace=False))
        matrix = self.client.compute(self.X[index]).result()
        return self.model._fit_linear(np.asarray(matrix, dtype=np.float64), self.target[index], self.weight[index])

    def linear_scores(self, states: list[dict], folds: np.ndarray) -> np.ndarray:
        """Each row's linear predictor from the state of its fold (``states[folds[i]]``)."""
        scores = da.map_blocks(_fold_linear_scores, self.X, self.column(folds)[:, None], states=states,
                               chunks=(self.X.chunks[0],), drop_axis=1, dtype=np.float64)
        return self.client.compute(scores).result()

    def raw(self, boosters: list[lgb.Booster], folds: np.ndarray, rounds: int) -> np.ndarray:
        """Each row's raw score from the booster of its fold (``boosters[folds[i]]``), at ``rounds``."""
        texts = [b.model_to_string(num_iteration=rounds) for b in boosters]
        scores = da.map_blocks(_fold_scores, self.X, self.column(folds)[:, None], model_texts=texts,
                               chunks=(self.X.chunks[0],), drop_axis=1, dtype=np.float64)
        return self.client.compute(scores).result()


def _loss_sums(X: np.ndarray, y: np.ndarray, w: np.ndarray, rows: np.ndarray, *, model_text: str,
               metric: str) -> np.ndarray:
    """One chunk's weighted loss sums after each round, then its weight sum: shape (1, rounds + 1)."""
    keep = rows[:, 0].astype(bool)
    booster = lgb.Booster(model_str=model_text)
    rounds = booster.current_iteration()
    out = np.zeros((1, rounds + 1))
    if not keep.any():
        return out
    X, y, w = X[keep], y[keep, 0], w[keep, 0]
    per_tree = np.column_stack([booster.predict(X, raw_score=True, start_iteration=k, num_iteration=1)
                                for k in range(rounds)])
    raw = np.cumsum(per_tree, axis=1)  # the raw score after 1, 2, ... rounds
    if metric == "binary":
        p = np.clip(_calibration.apply(None, raw), 1e-15, 1 - 1e-15)
        loss = -(y[:, None] * np.log(p) + (1 - y[:, None]) * np.log(1 - p))
    else:
        residual = np.abs(raw - y[:, None])
        if metric == "regression_l1":
            loss = residual
        else:
            loss = residual ** 2
    out[0, :rounds] = w @ loss
    out[0, rounds] = w.sum()
    return out


def _fold_linear_scores(X: np.ndarray, folds: np.ndarray, *, states: list[dict]) -> np.ndarray:
    out = np.full(X.shape[0], np.nan)
    for k, state in enumerate(states):
        here = folds[:, 0] == k
        if here.any():
            out[here] = _linear.predict(X[here], state)
    return out


def _fold_scores(X: np.ndarray, folds: np.ndarray, *, model_texts: list[str]) -> np.ndarray:
    out = np.full(X.shape[0], np.nan)
    for k, text in enumerate(model_texts):
        here = folds[:, 0] == k
        if here.any():
            out[here] = lgb.Booster(model_str=text).predict(X[here], raw_score=True)
    return out


def _best_round(curves: list[np.ndarray], patience: int) -> int:
    """The round LightGBM's early stopping keeps on the mean of these loss curves: the best so
    far, stopping once ``patience`` rounds bring no improvement."""
    mean = np.mean(np.vstack(curves), axis=0)
    best, best_round = np.inf, 0
    for k, value in enumerate(mean):
        if value < best:
            best, best_round = value, k
        elif k - best_round >= patience:
            break
    return best_round + 1


def _calibrate(job: _Job, calibration_weight: np.ndarray, early_stop: bool) -> tuple[dict, int, float] | None:
    """The calibrator fitted on out-of-fold raw scores, the round count and the linear
    component's weight (stacked on the out-of-fold scores for ``linear_weight="auto"``); None (with a
    :class:`CalibrationWarning`) when a class has fewer than 2 samples."""
    from sklearn.model_selection import StratifiedKFold

    model, y = job.model, job.target
    plan = _calibration_plan(model.calibration, int(model.cv), y)
    if plan is None:
        return None
    n_folds, method = plan
    seed = job.params["seed"]
    folds = np.empty(len(y), dtype=np.int64)
    for k, (_, held_out) in enumerate(StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
                                      .split(np.zeros(len(y)), y)):
        folds[held_out] = k
    boosters = [job.fit(folds != k, int(model.n_estimators)) for k in range(n_folds)]
    rounds = int(model.n_estimators)
    if early_stop:
        rounds = _best_round([job.losses(b, folds == k) for k, b in enumerate(boosters)],
                             int(model.n_iter_no_change))
    oof = job.raw(boosters, folds, rounds)
    weight = DEFAULT_LINEAR_WEIGHT if model.linear_weight == "auto" else float(model.linear_weight)
    if weight > 0:
        # as in memory: each fold's own fit, or on large cohorts the in-sample scores
        if len(y) >= _linear.IN_SAMPLE_ROWS_PER_COEFFICIENT * _linear.n_coefficients(model.feature_spec_):
            states = [job.linear(np.ones(len(y), dtype=bool))] * n_folds
        else:
            states = [job.linear(folds != k) for k in range(n_folds)]
        linear_oof = job.linear_scores(states, folds)
        if model.linear_weight == "auto":
            weight = stacked_weight(oof, linear_oof, y, calibration_weight)
        oof = (1.0 - weight) * oof + weight * linear_oof
    fit = _calibration.fit_sigmoid if method == "sigmoid" else _calibration.fit_isotonic
    return fit(oof, y, calibration_weight), rounds, weight
