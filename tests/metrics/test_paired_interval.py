"""The interval of a paired bootstrap difference: centred on the estimate, ~nominal coverage.

A backtest statistic is a path-dependent, non-linear function of the rows, so its
resampled values are not centred on its value on the real rows (buy-and-hold's final
value is convex in the assets' cumulative returns: higher on resampled paths on
average). The plain 5th–95th percentile interval then can exclude the estimate
itself; :func:`paired_interval` uses the resamples' spread around their own mean.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rebal.errors import ConfigError
from rebal.metrics.bootstrap import paired_interval, stationary_bootstrap_indices


def test_hand_worked_interval_contains_the_estimate_where_percentiles_do_not():
    # 101 evenly spaced resampled differences from -2 % to +0.8 %: numpy's linear
    # quantiles are -1.86 % (5 %) and +0.66 % (95 %), the mean is -0.6 %.
    samples = np.linspace(-0.02, 0.008, 101)
    est = 0.009
    assert not (np.quantile(samples, 0.05) <= est <= np.quantile(samples, 0.95))
    low, high, p = paired_interval(est, samples, confidence=0.90)
    # [0.9 % - (0.66 % + 0.6 %), 0.9 % + (-0.6 % + 1.86 %)] = [-0.36 %, 2.16 %]
    assert low == pytest.approx(-0.0036, abs=1e-12)
    assert high == pytest.approx(0.0216, abs=1e-12)
    assert low <= est <= high
    # P(better): share of 0.9 % - (x + 0.6 %) > 0, i.e. x < 0.3 %: 83 of the 101 values
    # (-2 % ... +0.28 % in steps of 0.028 %).
    assert p == pytest.approx(83 / 101, abs=1e-12)
    # lower-is-better flips the side; with the sign convention P(a) + P(b) = 1
    assert paired_interval(est, samples, sense=-1)[2] == pytest.approx(18 / 101, abs=1e-12)


def test_identical_policies_and_bad_arguments():
    assert paired_interval(0.0, np.zeros(50)) == (0.0, 0.0, 0.5)
    assert all(np.isnan(paired_interval(0.01, [np.nan, np.inf])))
    with pytest.raises(ConfigError, match="confidence"):
        paired_interval(0.0, [1.0, 2.0], confidence=1.0)
    with pytest.raises(ConfigError, match="sense"):
        paired_interval(0.0, [1.0, 2.0], sense=0)


PPY = 252
W = np.array([0.6, 0.4])
MU = np.array([0.08, 0.05]) / PPY
SD = np.array([0.16, 0.05]) / np.sqrt(PPY)


def _paths(rng: np.random.Generator, m: int, n: int) -> np.ndarray:
    """``(m, n, 2)`` daily simple returns: i.i.d. log-normal, 8 %/16 % and 5 %/5 % a year."""
    return np.expm1(MU - SD**2 / 2 + SD * rng.standard_normal((m, n, 2)))


def _alpha(r: np.ndarray) -> np.ndarray:
    """CAGR of a 60/40 mix rebalanced every day minus CAGR of 60/40 bought and held."""
    years = r.shape[-2] / PPY
    rebalanced = np.exp(np.log1p(r @ W).sum(-1) / years)
    held = (np.prod(1.0 + r, axis=-2) @ W) ** (1.0 / years)
    return rebalanced - held


def test_simulated_coverage_of_the_paired_difference():
    """300 synthetic two-year histories with a known true alpha (the mean over 20,000
    more histories, Monte Carlo error ~4e-5 against intervals ~±1 %): the 90 % interval
    covers it in about 90 % of histories and always contains its own estimate, although
    the resamples' mean sits below the estimate (the centre shift)."""
    rng = np.random.default_rng(20261205)
    n, histories, resamples = 500, 300, 200
    truth = float(np.mean(np.concatenate([_alpha(_paths(rng, 2000, n)) for _ in range(10)])))
    paths = _paths(rng, histories, n)
    estimates = _alpha(paths)
    covered, contains, shift = 0, 0, []
    for h in range(histories):
        idx = stationary_bootstrap_indices(n, resamples, 1.0, seed=h)  # i.i.d. data: block 1
        boot = _alpha(paths[h][idx])
        low, high, _ = paired_interval(float(estimates[h]), boot, confidence=0.90)
        covered += low <= truth <= high
        contains += low <= estimates[h] <= high
        shift.append(boot.mean() - estimates[h])
    assert contains == histories
    assert 0.85 <= covered / histories <= 0.96, covered / histories
    # The mechanism: resampled alphas are centred below the real-path alpha.
    s = np.asarray(shift)
    assert s.mean() < -5 * s.std(ddof=1) / np.sqrt(histories)


@settings(max_examples=40, deadline=None)
@given(
    samples=st.lists(st.floats(-1.0, 1.0), min_size=5, max_size=60),
    estimate=st.floats(-1.0, 1.0),
    shift=st.floats(-0.5, 0.5),
)
def test_interval_moves_with_the_estimate_not_with_the_resamples_centre(samples, estimate,
                                                                        shift):
    """Shifting every resample by a constant changes nothing (only their spread about
    their own mean counts); shifting the estimate shifts the interval by as much; the
    interval contains the estimate whenever the mean lies between the quantiles."""
    s = np.asarray(samples)
    low, high, p = paired_interval(estimate, s)
    low2, high2, _ = paired_interval(estimate, s + shift)
    assert low2 == pytest.approx(low, abs=1e-9) and high2 == pytest.approx(high, abs=1e-9)
    low3, high3, _ = paired_interval(estimate + shift, s)
    assert low3 == pytest.approx(low + shift, abs=1e-9)
    assert high3 == pytest.approx(high + shift, abs=1e-9)
    assert low <= high + 1e-12 and 0.0 <= p <= 1.0
    q_lo, q_hi = np.quantile(s, [0.05, 0.95])
    if q_lo <= s.mean() <= q_hi:
        assert low - 1e-12 <= estimate <= high + 1e-12
