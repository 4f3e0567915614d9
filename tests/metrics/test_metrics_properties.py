"""Property tests: invariants and independent formulations of the metrics."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from rebal.metrics import annual_volatility, cagr, max_drawdown_depth, sharpe, sortino, total_return

returns_floats = st.floats(min_value=-0.2, max_value=0.2, allow_nan=False, allow_infinity=False)
small_returns = st.lists(returns_floats, min_size=2, max_size=60)
# Excess returns far enough from 0 that adding and removing a risk-free rate cannot round them away.
excess_returns = st.lists(
    returns_floats.filter(lambda x: x == 0 or abs(x) > 1e-9), min_size=2, max_size=60
)
ppys = st.sampled_from([1.0, 4.0, 12.0, 52.0, 252.0])


@settings(max_examples=100, deadline=None)
@given(st.floats(min_value=-0.5, max_value=0.5), st.integers(min_value=1, max_value=300), ppys)
def test_cagr_of_a_constant_return(r: float, n: int, ppy: float) -> None:
    # A constant per-period return r compounds to (1 + r) ** ppy − 1 a year; with ppy = 1 it is r.
    # (Written expm1(ppy·log1p(r)): "(1 + r) ** ppy − 1" itself loses 8 digits at r = 1e-8.)
    assert cagr([r] * n, ppy) == pytest.approx(math.expm1(ppy * math.log1p(r)), rel=1e-12,
                                               abs=1e-14)
    assert cagr([r] * n, 1.0) == pytest.approx(r, rel=1e-12, abs=1e-14)


@settings(max_examples=100, deadline=None)
@given(small_returns, ppys)
def test_cagr_matches_log_sum(returns: list[float], ppy: float) -> None:
    # Independent formulation: exp(sum(log1p(r)) / years) − 1 with years = n / ppy.
    expected = math.expm1(math.fsum(math.log1p(x) for x in returns) * ppy / len(returns))
    assert cagr(returns, ppy) == pytest.approx(expected, rel=1e-10, abs=1e-13)
    assert total_return(returns) == pytest.approx(
        math.expm1(math.fsum(math.log1p(x) for x in returns)), rel=1e-10, abs=1e-13
    )


@settings(max_examples=100, deadline=None)
@given(
    excess_returns,
    st.floats(min_value=0.0, max_value=0.001),
    st.floats(min_value=0.05, max_value=5.0),
)
def test_sharpe_and_sortino_invariant_to_scaling_excess_returns(
    excess: list[float], rf: float, scale: float
) -> None:
    e = np.array(excess)
    assume(np.std(e, ddof=1) > 1e-6)
    base = rf + e
    scaled = rf + scale * e
    assume((scaled >= -1).all())
    assert sharpe(scaled, rf, 252) == pytest.approx(sharpe(base, rf, 252), rel=1e-9)
    if (e < 0).any():
        assert sortino(scaled, rf, 252) == pytest.approx(sortino(base, rf, 252), rel=1e-9)


@settings(max_examples=50, deadline=None)
@given(small_returns, small_returns)
def test_two_dimensional_equals_each_column(a: list[float], b: list[float]) -> None:
    n = min(len(a), len(b))
    both = np.column_stack([a[:n], b[:n]])
    for fn in (lambda x: cagr(x, 12), lambda x: annual_volatility(x, 12), max_drawdown_depth):
        out = fn(both)
        for j, col in enumerate((a[:n], b[:n])):
            assert out[j] == pytest.approx(fn(col), rel=1e-13, abs=1e-15) or (
                math.isnan(out[j]) and math.isnan(fn(col))
            )


@settings(max_examples=100, deadline=None)
@given(small_returns)
def test_max_drawdown_depth_in_range(returns: list[float]) -> None:
    assert -1.0 <= max_drawdown_depth(returns) <= 0.0
