"""The isotonic calibrator: pool-adjacent-violators with a sigmoid prior on each block's rate."""

from __future__ import annotations

import numpy as np
from sklearn.isotonic import IsotonicRegression

from pgx.models import _calibration


def _scores(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    score = rng.normal(size=n)
    return score, (rng.random(n) < 1.0 / (1.0 + np.exp(-1.5 * score))).astype(np.float64)


def test_small_end_blocks_are_not_certain():
    score, y = _scores(3000)
    plain = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(score, y)
    # plain isotonic regression predicts 0 and 1 at the ends of this sample
    assert plain.y_thresholds_[0] == 0.0 and plain.y_thresholds_[-1] == 1.0
    c = _calibration.fit_isotonic(score, y)
    p = _calibration.apply(c, np.array([-10.0, 10.0]))
    assert 0.0 < p[0] < 0.05 and 0.95 < p[1] < 1.0
    assert np.all(np.diff(c["x"]) > 0) and np.all(np.diff(c["y"]) >= 0)


def test_large_blocks_keep_their_own_rate():
    # two groups of 5,000 with rates 0.2 and 0.6: the prior moves each by far less than 1%
    rng = np.random.default_rng(1)
    score = np.r_[np.zeros(5000), np.ones(5000)]
    y = np.r_[rng.random(5000) < 0.2, rng.random(5000) < 0.6].astype(np.float64)
    p = _calibration.apply(_calibration.fit_isotonic(score, y), np.array([0.0, 1.0]))
    np.testing.assert_allclose(p, [y[:5000].mean(), y[5000:].mean()], atol=0.001)


def test_prior_pulls_a_small_block_towards_the_sigmoid():
    # ten samples all events at the top: plain isotonic says 1.0; the prior (weight 10) halves the gap
    rng = np.random.default_rng(2)
    score = np.r_[rng.normal(size=2000), np.full(10, 5.0)]
    y = np.r_[(rng.random(2000) < 0.3), np.ones(10, bool)].astype(np.float64)
    c = _calibration.fit_isotonic(score, y)
    sig = _calibration.apply(_calibration.fit_sigmoid(score, y), np.array([5.0]))[0]
    top = _calibration.apply(c, np.array([5.0]))[0]
    np.testing.assert_allclose(top, (10 + _calibration.ISOTONIC_PRIOR_WEIGHT * sig)
                               / (10 + _calibration.ISOTONIC_PRIOR_WEIGHT), rtol=1e-9)


def test_zero_weights_are_ignored_and_weights_count():
    score, y = _scores(2000, seed=3)
    w = np.ones_like(score)
    w[::2] = 0.0
    c = _calibration.fit_isotonic(score, y, w)
    np.testing.assert_allclose(c["y"], _calibration.fit_isotonic(score[1::2], y[1::2])["y"])
    np.testing.assert_allclose(c["x"], _calibration.fit_isotonic(score[1::2], y[1::2])["x"])
    doubled = _calibration.fit_isotonic(np.r_[score, score], np.r_[y, y])
    np.testing.assert_allclose(_calibration.fit_isotonic(score, y, np.full_like(score, 2.0))["y"], doubled["y"],
                               rtol=1e-12)
