"""compute_metrics on a hand-built three-day backtest, the trading metrics, relative metrics.

The backtest (2 assets A, B; target 60/40; 2 periods a year, so the 2 returns are exactly 1 year):

row 0, Thu 2020-01-02: $100.10 cash buys A $60 and B $40, costs $0.06 + $0.04 → value $100.00
row 1, Fri 2020-01-03: A +20 %, B flat → holdings 72 + 40 = $112 before trading.
        Rebalance to 60/40 of $112: sell A $4.80, buy B $4.80, costs $0.0048 each
        → value 112 − 0.0096 = $111.9904; return = 111.9904 / 100 − 1 = 0.119904
row 2, Mon 2020-01-06: prices flat; a $10 contribution at the close buys B, cost $0.01
        → value 111.9904 + 10 − 0.01 = $121.9804;
        return (flow excluded, cost included) = (121.9804 − 10) / 111.9904 − 1 = −0.01 / 111.9904

Buy-and-hold on the same data: 100 → 112 (return 0.12) → 112 + 10 − 0.01 = 121.99
(return −0.01/112).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from enum import Enum
from types import SimpleNamespace

import numpy as np
import pytest

from rebal.errors import ConfigError, DataError
from rebal.metrics import (
    Metrics,
    RiskFreeSource,
    allocation_precision,
    alpha_per_turnover,
    annual_cost_fraction,
    annual_turnover,
    compute_metrics,
    drawdown_reduction,
    rebalancing_alpha,
    sharpe_difference,
    turnover_by_day,
)

DATES = np.array(["2020-01-02", "2020-01-03", "2020-01-06"], dtype="datetime64[D]")
R1 = 0.119904
R2 = -0.01 / 111.9904


class Reason(Enum):
    INITIAL = "initial"
    REBALANCE = "rebalance"
    CASH_FLOW = "cash_flow"


def trades_struct() -> SimpleNamespace:
    return SimpleNamespace(
        day=np.array([0, 0, 1, 1, 2]),
        value_usd=np.array([60.0, 40.0, -4.8, 4.8, 10.0]),
        cost_usd=np.array([0.06, 0.04, 0.0048, 0.0048, 0.01]),
        reason=np.array(
            [Reason.INITIAL, Reason.INITIAL, Reason.REBALANCE, Reason.REBALANCE, Reason.CASH_FLOW],
            dtype=object,
        ),
    )


def make_result(**overrides: object) -> SimpleNamespace:
    fields = dict(
        dates=DATES,
        returns=np.array([0.0, R1, R2]),
        values=np.array([100.0, 111.9904, 121.9804]),
        weights=np.array([[0.6, 0.4], [0.6, 0.4], [0.58, 0.42]]),
        target=np.array([0.6, 0.4]),
        rebalance_days=np.array([1]),
        trades=trades_struct(),
        periods_per_year=2.0,
        risk_free=None,
    )
    fields.update(overrides)
    return SimpleNamespace(**fields)


def buy_and_hold() -> SimpleNamespace:
    return make_result(
        returns=np.array([0.0, 0.12, -0.01 / 112]),
        values=np.array([100.0, 112.0, 121.99]),
        weights=np.array([[0.6, 0.4], [72 / 112, 40 / 112], [72 / 121.99, 49.99 / 121.99]]),
        rebalance_days=np.array([], dtype=np.int64),
        trades=SimpleNamespace(
            day=np.array([0, 0, 2]),
            value_usd=np.array([60.0, 40.0, 10.0]),
            cost_usd=np.array([0.06, 0.04, 0.01]),
            reason=np.array(["initial", "initial", "cash_flow"]),
        ),
    )


def test_compute_metrics_hand_worked() -> None:
    m = compute_metrics(make_result())
    assert (m.n_days, m.n_returns, m.years, m.periods_per_year) == (3, 2, 1.0, 2.0)
    assert m.start_date.isoformat() == "2020-01-02" and m.end_date.isoformat() == "2020-01-06"
    assert (m.initial_value_usd, m.final_value_usd) == (100.0, 121.9804)
    # Total (time-weighted) = 1.119904 × 111.9804 / 111.9904 − 1 = 111.9804 / 100 − 1 = 0.119804.
    assert m.total_return == pytest.approx(0.119804, rel=1e-12)
    assert m.cagr == pytest.approx(0.119804, rel=1e-12)  # one year
    # Two returns x1, x2 with 2 periods a year: sd = |x1 − x2| / sqrt 2,
    # vol = sd × sqrt 2 = |x1 − x2|; Sharpe = mean / sd × sqrt 2 = (x1 + x2) / |x1 − x2|.
    assert m.annual_volatility == pytest.approx(R1 - R2, rel=1e-12)
    assert m.sharpe == pytest.approx((R1 + R2) / (R1 - R2), rel=1e-12)
    # Sortino: downside RMS over both periods = |x2| / sqrt 2; (x1 + x2)/2 / (|x2|/sqrt2) × sqrt2.
    assert m.sortino == pytest.approx((R1 + R2) / abs(R2), rel=1e-12)
    assert m.risk_free_source is RiskFreeSource.ZERO
    # Drawdown: the −0.01/111.9904 dip on row 2 from the row-1 peak, not recovered.
    assert m.max_drawdown == pytest.approx(R2, rel=1e-12)
    assert m.max_drawdown_peak_date.isoformat() == "2020-01-03"
    assert m.max_drawdown_trough_date.isoformat() == "2020-01-06"
    assert m.max_drawdown_recovery_date is None
    assert m.calmar == pytest.approx(0.119804 / abs(R2), rel=1e-12)
    assert m.n_rebalances == 1
    # One-sided turnover: (4.8 + 4.8) / 2 / 112 (value before trading) over 1 year.
    assert m.annual_turnover == pytest.approx(4.8 / 112, rel=1e-12)
    assert m.costs_total_usd == pytest.approx(0.1196, rel=1e-12)
    assert m.costs_rebalance_usd == pytest.approx(0.0096, rel=1e-12)
    # Costs after the purchase day / mean value of rows 1, 2 / 1 year.
    assert m.cost_drag_annual == pytest.approx(0.0196 / ((111.9904 + 121.9804) / 2), rel=1e-12)
    # Rows 1, 2: mean |w − target| = 0 and (0.02 + 0.02) / 2 → mean 0.01.
    assert m.allocation_precision == pytest.approx(0.01, rel=1e-12)
    assert m.rebalancing_alpha is None and m.alpha_per_turnover is None


def test_benchmark_relative_fields() -> None:
    bh = compute_metrics(buy_and_hold())
    assert bh.total_return == pytest.approx(0.1199, rel=1e-12)  # 1.12 × 111.99 / 112 − 1
    assert bh.annual_turnover == 0.0 and bh.n_rebalances == 0
    m = compute_metrics(make_result(), benchmark=buy_and_hold())
    alpha = 0.119804 - 0.1199
    assert m.rebalancing_alpha == pytest.approx(alpha, rel=1e-9)
    assert m.sharpe_difference == pytest.approx(m.sharpe - bh.sharpe, rel=1e-12)
    # |MDD_bh| − |MDD| = 0.01/112 − 0.01/111.9904 (the policy's dip is slightly deeper).
    assert m.drawdown_reduction == pytest.approx(0.01 / 112 - 0.01 / 111.9904, rel=1e-6)
    assert m.alpha_per_turnover == pytest.approx(alpha / (4.8 / 112), rel=1e-9)
    # A Metrics object works as the benchmark too.
    assert compute_metrics(make_result(), benchmark=bh) == m
    assert math.isnan(compute_metrics(buy_and_hold(), benchmark=bh).alpha_per_turnover)


def test_risk_free_from_data() -> None:
    rf = np.array([0.0, 0.001, 0.001])
    m = compute_metrics(make_result(risk_free=rf))
    assert m.risk_free_source is RiskFreeSource.DATA
    x1, x2 = R1 - 0.001, R2 - 0.001
    assert m.sharpe == pytest.approx((x1 + x2) / (x1 - x2), rel=1e-12)
    assert m.sortino == pytest.approx((x1 + x2) / abs(x2), rel=1e-12)


def test_trade_records_and_string_reasons_give_the_same_metrics() -> None:
    @dataclass(frozen=True)
    class Trade:
        day: int
        asset: str
        value_usd: float
        cost_usd: float
        reason: str

    t = trades_struct()
    records = [
        Trade(int(d), "A", float(v), float(c), r.value)
        for d, v, c, r in zip(t.day, t.value_usd, t.cost_usd, t.reason, strict=True)
    ]
    assert compute_metrics(make_result(trades=records)) == compute_metrics(make_result())
    assert compute_metrics(make_result(trades=tuple(records))).annual_turnover == pytest.approx(
        4.8 / 112
    )


def test_to_dict_is_json_ready() -> None:
    m = compute_metrics(buy_and_hold(), benchmark=buy_and_hold())
    d = m.to_dict()
    text = json.dumps(d, allow_nan=False)  # no NaN sneaks into JSON
    assert json.loads(text)["start_date"] == "2020-01-02"
    assert d["risk_free_source"] == "zero"
    assert d["alpha_per_turnover"] is None  # nan (no turnover) → null
    assert d["rebalancing_alpha"] == 0.0
    assert d["max_drawdown_recovery_date"] is None
    assert set(d) == {f for f in Metrics.__dataclass_fields__}


def test_inconsistent_results_are_refused() -> None:
    with pytest.raises(DataError, match=r"returns\[0\]"):
        compute_metrics(make_result(returns=np.array([0.01, R1, R2])))
    with pytest.raises(DataError, match=r"not in result\.rebalance_days"):
        compute_metrics(make_result(rebalance_days=np.array([2])))
    with pytest.raises(DataError, match="purchase day"):
        compute_metrics(make_result(rebalance_days=np.array([0, 1])))
    with pytest.raises(ConfigError, match="reason"):
        t = trades_struct()
        compute_metrics(
            make_result(
                trades=SimpleNamespace(
                    day=t.day,
                    value_usd=t.value_usd,
                    cost_usd=t.cost_usd,
                    reason=np.array([0, 0, 1, 1, 2]),
                )
            )
        )
    with pytest.raises(ConfigError, match="'weights'"):
        r = make_result()
        del r.weights
        compute_metrics(r)
    with pytest.raises(DataError, match="negative"):
        t = trades_struct()
        t.cost_usd = -t.cost_usd
        compute_metrics(make_result(trades=t))
    with pytest.raises(DataError, match="benchmark covers"):
        compute_metrics(make_result(), benchmark=make_result(dates=DATES + 1))
    with pytest.raises(DataError, match="at least 2 rows"):
        compute_metrics(make_result(dates=DATES[:1]))
    with pytest.raises(DataError, match="nan"):
        compute_metrics(make_result(returns=np.array([0.0, np.nan, R2])))
    with pytest.raises(ConfigError, match="periods_per_year"):
        compute_metrics(make_result(periods_per_year=0))


def test_turnover_functions() -> None:
    # Two rebalances: day 1 trades $10 gross on $100 → 10 / 2 / 100 = 0.05 one-sided;
    # day 3 is a full switch of a $50 portfolio (sell 50, buy 50) → 100 / 2 / 50 = 1.0.
    # Over 2 years: (0.05 + 1.0) / 2 = 0.525 a year.
    per_day = turnover_by_day([1, 1, 3, 3], [-5.0, 5.0, -50.0, 50.0], [100.0, 100.0, 80.0, 50.0])
    np.testing.assert_allclose(per_day, [0.0, 0.05, 0.0, 1.0], rtol=1e-15)
    assert annual_turnover(
        [1, 1, 3, 3], [-5.0, 5.0, -50.0, 50.0], [100.0, 100.0, 80.0, 50.0], 2.0
    ) == (pytest.approx(0.525))
    assert annual_turnover([], [], [100.0, 100.0], 1.0) == 0.0
    with pytest.raises(DataError, match="value_before_usd"):
        turnover_by_day([1], [5.0], [100.0, 0.0])
    with pytest.raises(DataError, match="trade_days"):
        turnover_by_day([2], [5.0], [100.0, 100.0])
    with pytest.raises(ConfigError, match="years"):
        annual_turnover([1], [5.0], [100.0, 100.0], 0.0)


def test_cost_and_precision_functions() -> None:
    # $3 over 2 years on an average value of $150: 3 / 150 / 2 = 0.01 a year.
    assert annual_cost_fraction(3.0, [100.0, 200.0], 2.0) == pytest.approx(0.01)
    # rows: |0.7−0.6| = |0.3−0.4| = 0.1 → 0.1; exact → 0; mean 0.05.
    assert allocation_precision([[0.7, 0.3], [0.6, 0.4]], [0.6, 0.4]) == pytest.approx(0.05)
    with pytest.raises(ConfigError):
        allocation_precision([[0.7, 0.3]], [0.6, 0.3, 0.1])
    with pytest.raises(DataError):
        allocation_precision([[np.nan, 0.3]], [0.6, 0.4])


def test_relative_functions() -> None:
    assert rebalancing_alpha(0.071, 0.065) == pytest.approx(0.006)
    assert sharpe_difference(0.6, 0.5) == pytest.approx(0.1)
    assert drawdown_reduction(-0.25, -0.30) == pytest.approx(0.05)  # shallower by 5 points
    assert drawdown_reduction(-0.35, -0.30) == pytest.approx(-0.05)
    assert alpha_per_turnover(0.006, 0.2) == pytest.approx(0.03)
    assert math.isnan(alpha_per_turnover(0.0, 0.0))
    with pytest.raises(ConfigError):
        alpha_per_turnover(0.01, -0.1)
