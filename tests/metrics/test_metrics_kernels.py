"""compute_metrics' compiled passes (rebal.metrics.kernels) equal the metric definitions
(rebal.metrics.performance / drawdown / trading, themselves checked against empyrical and
hand-worked values) on random backtest-like results: with and without a risk-free series,
with constant, all-positive and total-loss returns, recovered and unrecovered drawdowns,
and random trades; bad input still raises the checked functions' errors."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rebal.errors import DataError
from rebal.metrics import compute_metrics, trading
from rebal.metrics import performance as perf
from rebal.metrics.drawdown import max_drawdown


def _result(r: np.ndarray, rng: np.random.Generator, *, rf: np.ndarray | None = None,
            n_trades: int = 30) -> SimpleNamespace:
    n = r.shape[0]
    values = 1000.0 * np.cumprod(1.0 + r)
    w = rng.dirichlet(np.ones(3), size=n)
    days = np.sort(rng.integers(0, n, n_trades))
    reb_days = np.unique(days[days >= 1])
    is_reb = days >= 1
    trades = SimpleNamespace(day=days, value_usd=rng.normal(0, 50, n_trades),
                             cost_usd=rng.uniform(0, 0.5, n_trades), is_rebalance=is_reb)
    out = SimpleNamespace(
        dates=np.busday_offset(np.datetime64("2020-01-02"), np.arange(n), roll="forward"),
        returns=r, values=values, weights=w, target=np.array([0.5, 0.3, 0.2]),
        rebalance_days=reb_days, periods_per_year=252.0, trades=trades)
    if rf is not None:
        out.risk_free = rf
    return out


def _definitions(res: SimpleNamespace) -> dict[str, float]:
    r = res.returns[1:]
    rf = getattr(res, "risk_free", None)
    rf = None if rf is None else rf[1:]
    t = res.trades
    n = res.values.shape[0]
    costs_by_day = np.bincount(t.day, weights=t.cost_usd, minlength=n)
    before = np.empty(n)
    before[0] = res.values[0] + costs_by_day[0]
    before[1:] = res.values[:-1] * (1 + r) + costs_by_day[1:]
    years = r.shape[0] / 252.0
    reb = t.is_rebalance
    return {
        "total_return": perf.total_return(r),
        "cagr": perf.cagr(r, 252.0),
        "annual_volatility": perf.annual_volatility(r, 252.0),
        "sharpe": perf.sharpe(r, rf, 252.0),
        "sortino": perf.sortino(r, rf, 252.0),
        "calmar": perf.calmar(r, 252.0),
        "max_drawdown": max_drawdown(r).depth,
        "annual_turnover": trading.annual_turnover(t.day[reb], t.value_usd[reb], before, years),
        "costs_total_usd": float(t.cost_usd.sum()),
        "costs_rebalance_usd": float(t.cost_usd[reb].sum()),
        "cost_drag_annual": trading.annual_cost_fraction(
            float(t.cost_usd[t.day >= 1].sum()), res.values[1:], years),
        "allocation_precision": trading.allocation_precision(res.weights[1:], res.target),
    }


def _same(res: SimpleNamespace) -> None:
    m = compute_metrics(res)
    for name, want in _definitions(res).items():
        got = getattr(m, name)
        if np.isnan(want):
            assert np.isnan(got), name
        else:
            assert got == pytest.approx(want, rel=1e-11, abs=1e-15), name
    dd = max_drawdown(res.returns[1:])
    dates = res.dates
    for field, i in (("peak", dd.peak), ("trough", dd.trough), ("recovery", dd.recovery)):
        got = getattr(m, f"max_drawdown_{field}_date")
        assert got == (None if i is None else dates[i].astype(object)), field
    assert m.calmar == perf.calmar(res.returns[1:], 252.0) or np.isnan(m.calmar)
    assert m.n_rebalances == len(set(res.rebalance_days.tolist()))


@settings(max_examples=25, deadline=None)
# a constant series: the sequential mean's rounding once gave a volatility of 1e-15
@example(seed=0, n=1415, vol=0.0, drift=0.002, with_rf=False)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 400), vol=st.floats(0.0, 0.05),
       drift=st.floats(-0.002, 0.004), with_rf=st.booleans())
def test_equals_the_definitions(seed, n, vol, drift, with_rf):
    rng = np.random.default_rng(seed)
    r = np.concatenate([[0.0], np.maximum(rng.normal(drift, vol, n - 1), -0.5)])
    rf = None
    if with_rf:
        rf = np.concatenate([[0.0], rng.uniform(0, 2e-4, n - 1)])
    _same(_result(r, rng, rf=rf))


@pytest.mark.parametrize("case", ["constant", "all_up", "total_loss", "recovered", "flat_rf"])
def test_edge_cases(case):
    rng = np.random.default_rng(3)
    rf = None
    if case == "constant":  # zero std: Sharpe nan, no drawdown: Calmar nan
        r = np.concatenate([[0.0], np.full(50, 0.001)])
    elif case == "all_up":  # no downside: Sortino nan
        r = np.concatenate([[0.0], rng.uniform(0.0, 0.01, 50)])
    elif case == "total_loss":
        r = np.array([0.0, 0.1, -1.0, 0.0, 0.0])
    elif case == "recovered":  # 1, 1.1, 0.88, 0.924, 1.155: peak 1, trough 2, recovery 4
        r = np.array([0.0, 0.1, -0.2, 0.05, 0.25])
    else:  # returns equal to the risk-free rate: zero excess std
        r = np.concatenate([[0.0], np.full(20, 1e-4)])
        rf = r.copy()
    _same(_result(r, rng, rf=rf, n_trades=3))


def test_bad_input_raises_the_checked_errors():
    rng = np.random.default_rng(5)
    r = np.concatenate([[0.0], rng.normal(0, 0.01, 30)])
    res = _result(r, rng, rf=np.concatenate([[0.0], np.full(30, 1e-4)]))
    res.risk_free[7] = np.nan
    with pytest.raises(DataError, match=r"risk_free\[6\] is not finite"):
        compute_metrics(res)
    res = _result(r, rng)
    res.trades.cost_usd[4] = -1.0
    with pytest.raises(DataError, match=r"cost_usd\[4\] = -1.0 is negative"):
        compute_metrics(res)
    res = _result(r, rng)
    res.returns = r.copy()
    res.returns[3] = -1.5
    with pytest.raises(DataError, match=r"result.returns\[3\] = -1.5 is below -1"):
        compute_metrics(res)
    res = _result(r, rng)
    res.weights = res.weights.copy()
    res.weights[5, 1] = np.inf
    with pytest.raises(DataError, match=r"weights\[4, 1\] is not finite"):
        compute_metrics(res)
