"""Maximum drawdown against hand-worked paths and a brute-force search over all pairs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rebal.errors import ConfigError, DataError
from rebal.metrics import (
    drawdown_series,
    max_drawdown,
    max_drawdown_depth,
    wealth_path,
)


def brute_force_mdd(returns: list[float]) -> float:
    """min over all i <= j of W[j] / W[i] - 1, with W built by a plain loop."""
    wealth = [1.0]
    for r in returns:
        wealth.append(wealth[-1] * (1.0 + r))
    return min(
        wealth[j] / wealth[i] - 1.0
        for i, j in itertools.combinations_with_replacement(range(len(wealth)), 2)
    )


def test_no_recovery() -> None:
    # wealth 1, 1.1, 1.045, 1.0659: peak row 1 (1.1), trough row 2, 1.045 / 1.1 - 1 = -0.05;
    # never back to 1.1.
    dd = max_drawdown([0.10, -0.05, 0.02])
    assert dd.depth == pytest.approx(-0.05, rel=1e-12)
    assert (dd.peak, dd.trough, dd.recovery) == (1, 2, None)
    assert dd.decline_periods == 1 and dd.underwater_periods is None


def test_with_recovery() -> None:
    # wealth 1, 1.1, 0.88, 0.924, 1.155: peak 1, trough 2 (0.88 / 1.1 - 1 = -0.2),
    # row 3 (0.924) still below 1.1, row 4 (1.155) recovered.
    dd = max_drawdown([0.10, -0.20, 0.05, 0.25])
    assert dd.depth == pytest.approx(-0.2, rel=1e-12)
    assert (dd.peak, dd.trough, dd.recovery) == (1, 2, 4)
    assert dd.underwater_periods == 3


def test_peak_is_last_row_at_the_high_water_mark() -> None:
    # wealth 1, 1.1, 1.1, 0.99: the fall starts from row 2, the last row at the high.
    dd = max_drawdown([0.10, 0.0, -0.10])
    assert (dd.peak, dd.trough) == (2, 3)
    assert dd.depth == pytest.approx(-0.1, rel=1e-12)


def test_deepest_of_two_drawdowns_and_first_trough_on_ties() -> None:
    # wealth 1, 0.9 (-10 %), 1.0 (recovered to start), 1.2, 0.96 (-20 % from 1.2), 1.2 (recovered).
    dd = max_drawdown([-0.10, 1 / 0.9 - 1, 0.20, -0.20, 0.25])
    assert dd.depth == pytest.approx(-0.2, rel=1e-12)
    assert (dd.peak, dd.trough, dd.recovery) == (3, 4, 5)
    # A fall starting at the very first row: the peak is row 0 (the start).
    first = max_drawdown([-0.3, 0.1])
    assert (first.peak, first.trough, first.recovery) == (0, 1, None)
    assert first.depth == pytest.approx(-0.3)


def test_all_positive_returns_have_no_drawdown() -> None:
    dd = max_drawdown([0.01, 0.02, 0.0, 0.03])
    assert dd.depth == 0.0
    assert (dd.peak, dd.trough, dd.recovery) == (None, None, None)
    assert dd.decline_periods is None


def test_total_loss() -> None:
    dd = max_drawdown([0.1, -1.0, 0.5])
    assert dd.depth == -1.0 and (dd.peak, dd.trough, dd.recovery) == (1, 2, None)


def test_series_and_depth_two_dimensional() -> None:
    a, b = [0.10, -0.05, 0.02], [0.10, -0.20, 0.05]
    both = np.column_stack([a, b])
    np.testing.assert_allclose(wealth_path(both)[:, 0], [1, 1.1, 1.045, 1.0659], rtol=1e-14)
    np.testing.assert_allclose(
        drawdown_series(a), [0, 0, -0.05, 1.0659 / 1.1 - 1], rtol=1e-12, atol=1e-15
    )
    # column b: wealth 1, 1.1, 0.88, 0.924 → 0.88 / 1.1 - 1 = -0.2
    np.testing.assert_allclose(max_drawdown_depth(both), [-0.05, -0.2], rtol=1e-12)
    assert max_drawdown_depth(a) == pytest.approx(-0.05, rel=1e-12)


def test_bad_input() -> None:
    with pytest.raises(ConfigError):
        max_drawdown(np.zeros((3, 2)))  # the dataclass form is for one series
    with pytest.raises(DataError):
        max_drawdown([])
    with pytest.raises(DataError):
        max_drawdown([0.1, float("nan")])


returns_lists = st.lists(
    st.floats(min_value=-0.5, max_value=0.5, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(returns_lists)
def test_matches_brute_force_and_stays_in_range(returns: list[float]) -> None:
    dd = max_drawdown(returns)
    assert -1.0 <= dd.depth <= 0.0
    assert dd.depth == pytest.approx(brute_force_mdd(returns), rel=1e-12, abs=1e-15)
    wealth = wealth_path(returns)
    if dd.depth < 0:
        assert dd.peak is not None and dd.trough is not None and dd.peak < dd.trough
        assert wealth[dd.trough] / wealth[dd.peak] - 1 == pytest.approx(dd.depth, rel=1e-12)
        assert wealth[dd.peak] == wealth[: dd.peak + 1].max()
        if dd.recovery is not None:
            assert wealth[dd.recovery] >= wealth[dd.peak]
            assert (wealth[dd.trough + 1 : dd.recovery] < wealth[dd.peak]).all()
        else:
            assert (wealth[dd.trough + 1 :] < wealth[dd.peak]).all()
