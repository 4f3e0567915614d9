"""Return, risk and ratio metrics against hand-worked values.

The running example: returns r = [0.10, -0.05, 0.02] with 3 periods a year (so exactly 1 year).
  wealth: 1 → 1.1 → 1.1 × 0.95 = 1.045 → 1.045 × 1.02 = 1.0659
  total return = CAGR = 0.0659
  mean = 0.07 / 3; deviations 0.07667, -0.07333, -0.00333;
  squares sum = 0.0058778 + 0.0053778 + 0.0000111 = 0.0112667 (= 0.0169 × 2 / 3)
  var (ddof=1) = 0.0169 / 3  →  annual vol = sqrt(0.0169 / 3 × 3) = 0.13
  Sharpe (rf = 0) = mean / sd × sqrt(3) = (0.07 / 3) × 3 / 0.13 = 0.07 / 0.13 = 7/13
  Sharpe (rf = 0.01 per period): excess [0.09, -0.06, 0.01], mean 0.04 / 3, same sd → 4/13
  Sortino (rf = 0): downside [0, -0.05, 0], RMS over all 3 periods = 0.05 / sqrt(3)
                   → (0.07 / 3) / (0.05 / sqrt 3) × sqrt 3 = 0.07 / 0.05 = 1.4
  max drawdown 1.045 / 1.1 - 1 = -0.05  →  Calmar = 0.0659 / 0.05 = 1.318
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest

from rebal.errors import ConfigError, DataError
from rebal.metrics import (
    annual_volatility,
    cagr,
    calmar,
    downside_deviation,
    sharpe,
    sortino,
    total_return,
)

R = [0.10, -0.05, 0.02]


def test_total_return_and_cagr_one_year() -> None:
    assert total_return(R) == pytest.approx(0.0659, rel=1e-13)
    assert cagr(R, 3) == pytest.approx(0.0659, rel=1e-13)


def test_cagr_two_years() -> None:
    # Same three returns spread over 2 years (1.5 periods a year): 1.0659 ** (1/2) - 1.
    assert cagr(R, 1.5) == pytest.approx(math.sqrt(1.0659) - 1, rel=1e-13)


def test_cagr_total_loss_is_minus_one() -> None:
    assert cagr([0.5, -1.0, 0.0], 3) == -1.0


def test_annual_volatility() -> None:
    assert annual_volatility(R, 3) == pytest.approx(0.13, rel=1e-13)
    # Independent formulation: the statistics module's sample standard deviation.
    assert annual_volatility(R, 252) == pytest.approx(
        statistics.stdev(R) * math.sqrt(252), rel=1e-13
    )


def test_sharpe_zero_and_constant_risk_free() -> None:
    assert sharpe(R, None, 3) == pytest.approx(7 / 13, rel=1e-13)
    assert sharpe(R, 0.0, 3) == pytest.approx(7 / 13, rel=1e-13)
    assert sharpe(R, 0.01, 3) == pytest.approx(4 / 13, rel=1e-13)
    assert sharpe(R, np.full(3, 0.01), 3) == pytest.approx(4 / 13, rel=1e-13)


def test_sharpe_time_varying_risk_free() -> None:
    rf = [0.02, 0.0, 0.01]
    # excess [0.08, -0.05, 0.01]: mean 0.04/3; reference via the statistics module.
    ex = [0.08, -0.05, 0.01]
    expected = statistics.mean(ex) / statistics.stdev(ex) * math.sqrt(3)
    assert sharpe(R, rf, 3) == pytest.approx(expected, rel=1e-13)


def test_sortino_sortino_price_definition() -> None:
    assert sortino(R, None, 3) == pytest.approx(1.4, rel=1e-13)
    assert downside_deviation(R, None, 3) == pytest.approx(0.05, rel=1e-13)  # 0.05/sqrt3 × sqrt3


def test_sortino_with_risk_free_counts_all_periods() -> None:
    # rf = 0.03: excess [0.07, -0.08, -0.01];
    # downside squares 0.0064 + 0.0001 = 0.0065 over 3 periods.
    # Sortino = mean(excess) / sqrt(0.0065 / 3) × sqrt(3) = (-0.02 / 3) × 3 / sqrt(0.0065)
    assert sortino(R, 0.03, 3) == pytest.approx(-0.02 / math.sqrt(0.0065), rel=1e-12)


def test_sortino_reference_loop() -> None:
    rng = np.random.default_rng(7)
    r = rng.normal(0.0004, 0.01, 300)
    rf = rng.uniform(0, 0.0002, 300)
    ex = [a - b for a, b in zip(r.tolist(), rf.tolist(), strict=True)]
    dd = math.sqrt(sum(min(x, 0.0) ** 2 for x in ex) / len(ex))
    assert sortino(r, rf, 252) == pytest.approx(sum(ex) / len(ex) / dd * math.sqrt(252), rel=1e-11)


def test_calmar() -> None:
    assert calmar(R, 3) == pytest.approx(0.0659 / 0.05, rel=1e-12)


def test_two_dimensional_is_column_wise() -> None:
    other = [0.03, 0.01, -0.02]
    both = np.column_stack([R, other])
    for fn in (
        lambda x: cagr(x, 3),
        lambda x: annual_volatility(x, 3),
        lambda x: sharpe(x, 0.005, 3),
        lambda x: sortino(x, 0.005, 3),
        lambda x: calmar(x, 3),
        total_return,
    ):
        out = fn(both)
        assert isinstance(out, np.ndarray) and out.shape == (2,)
        assert out[0] == pytest.approx(fn(R), rel=1e-14)
        assert out[1] == pytest.approx(fn(other), rel=1e-14)
    assert cagr(both, 3)[0] == pytest.approx(0.0659, rel=1e-13)


def test_zero_volatility_edge_cases() -> None:
    flat = [0.01] * 5
    assert annual_volatility(flat, 252) == pytest.approx(0.0, abs=1e-15)
    assert math.isnan(sharpe(flat, 0.0, 252))  # constant excess: no defined Sharpe
    assert math.isnan(sharpe(flat, 0.01, 252))
    assert math.isnan(sortino(flat, 0.0, 252))  # nothing below target: zero downside deviation
    assert math.isnan(calmar(flat, 252))  # no drawdown
    assert math.isnan(annual_volatility([0.01], 252))  # ddof=1 needs 2 returns
    assert math.isnan(sharpe([0.01], None, 252))
    # 2-D: only the constant column is nan.
    out = sharpe(np.column_stack([R, [0.01, 0.01, 0.01]]), None, 3)
    assert out[0] == pytest.approx(7 / 13) and math.isnan(out[1])


def test_bad_input_raises_rebal_errors() -> None:
    with pytest.raises(DataError, match="empty"):
        cagr([], 252)
    with pytest.raises(DataError, match=r"returns\[1\] is nan"):
        annual_volatility([0.01, float("nan"), 0.0], 252)
    with pytest.raises(DataError, match=r"returns\[2, 1\]"):
        sharpe(np.array([[0.0, 0.0], [0.0, 0.0], [0.0, np.inf]]), None, 252)
    with pytest.raises(DataError, match="below -1"):
        total_return([0.1, -1.5])
    with pytest.raises(ConfigError, match="periods_per_year"):
        cagr(R, 0)
    with pytest.raises(ConfigError, match="periods_per_year"):
        cagr(R, float("nan"))
    with pytest.raises(ConfigError, match="shape"):
        cagr(np.zeros((2, 2, 2)), 252)
    with pytest.raises(ConfigError, match="risk_free"):
        sharpe(R, [0.0, 0.0], 3)
    with pytest.raises(DataError, match="risk_free"):
        sharpe(R, [0.0, float("nan"), 0.0], 3)
    with pytest.raises(DataError):
        cagr(["a", "b"], 252)
