"""Stationary bootstrap indices and the Politis–White block length."""

from __future__ import annotations

import numpy as np
import pytest

from rebal.errors import ConfigError, DataError
from rebal.metrics import optimal_block_length, stationary_bootstrap_indices


def ar1(phi: float, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    shocks = rng.normal(0.0, 0.01, n)
    x = np.empty(n)
    x[0] = shocks[0]
    for t in range(1, n):
        x[t] = phi * x[t - 1] + shocks[t]
    return x


def test_block_length_matches_ar1_closed_form() -> None:
    # For AR(1) with coefficient phi, R(k) = s² phi^|k|, so g = s² (1 + phi) / (1 − phi),
    # G = 2 s² phi / (1 − phi)², and b = (G / g)^(2/3) n^(1/3) = (2 phi / (1 − phi²))^(2/3) n^(1/3):
    # phi = 0.5, n = 5000 → (4/3)^(2/3) × 17.10 = 20.7 (the estimate is noisy: allow 25 %).
    n = 5000
    expected = (2 * 0.5 / (1 - 0.25)) ** (2 / 3) * n ** (1 / 3)
    assert expected == pytest.approx(20.71, abs=0.01)
    assert optimal_block_length(ar1(0.5, n, seed=0)) == pytest.approx(expected, rel=0.25)
    # White noise: no dependence to keep, blocks of about one row.
    assert optimal_block_length(np.random.default_rng(0).normal(0, 0.01, n)) <= 3.0
    # The cap: min(3 √n, n / 3) rounded up.
    assert optimal_block_length(ar1(0.999, 400, seed=1)) <= np.ceil(min(3 * 20, 400 / 3))


def test_indices_shape_range_and_reproducibility() -> None:
    idx = stationary_bootstrap_indices(1000, 200, 10.0, seed=3)
    assert idx.shape == (200, 1000) and idx.dtype == np.int64
    assert idx.min() >= 0 and idx.max() <= 999
    np.testing.assert_array_equal(idx, stationary_bootstrap_indices(1000, 200, 10.0, seed=3))
    assert not np.array_equal(idx, stationary_bootstrap_indices(1000, 200, 10.0, seed=4))
    gen = np.random.default_rng(3)
    np.testing.assert_array_equal(idx, stationary_bootstrap_indices(1000, 200, 10.0, seed=gen))


def test_block_structure() -> None:
    # A row continues its block (next index = previous + 1, wrapping) with probability
    # 1 − 1/mean_block, plus the 1/n chance that a fresh draw happens to continue it.
    n = 1000
    idx = stationary_bootstrap_indices(n, 200, 10.0, seed=5)
    continues = (idx[:, 1:] == (idx[:, :-1] + 1) % n).mean()
    assert continues == pytest.approx(0.9 + 0.1 / n, abs=0.005)  # sd ≈ 0.0007
    iid = stationary_bootstrap_indices(n, 200, 1.0, seed=5)
    assert (iid[:, 1:] == (iid[:, :-1] + 1) % n).mean() < 0.005
    # Wrapping: after the last row a block continues at row 0.
    long_blocks = stationary_bootstrap_indices(50, 100, 1e9, seed=1)
    np.testing.assert_array_equal((long_blocks[:, 1:] - long_blocks[:, :-1]) % 50, 1)


def test_bad_arguments() -> None:
    with pytest.raises(ConfigError, match="mean_block"):
        stationary_bootstrap_indices(100, 10, 0.5, seed=0)
    with pytest.raises(ConfigError, match="n_obs"):
        stationary_bootstrap_indices(1, 10, 2.0, seed=0)
    with pytest.raises(ConfigError, match="n_samples"):
        stationary_bootstrap_indices(100, 0, 2.0, seed=0)
    with pytest.raises(DataError, match="at least"):
        optimal_block_length([0.01] * 10)
    with pytest.raises(DataError, match="constant"):
        optimal_block_length([0.01] * 100)
    with pytest.raises(DataError):
        optimal_block_length([0.01, float("nan")] * 20)
