"""compute_metrics reads rebalance trades without formatting text: the trade table's
``is_rebalance`` flags, or reasons classified with string work only where needed. Both
give the hand-worked figures of ``test_metrics_summary``'s three-day backtest."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from test_metrics_summary import make_result, trades_struct

from rebal.errors import ConfigError, DataError
from rebal.metrics import allocation_precision, compute_metrics


def _with_trades(**cols: object) -> SimpleNamespace:
    base = trades_struct()
    fields = {"day": base.day, "value_usd": base.value_usd, "cost_usd": base.cost_usd, **cols}
    return make_result(trades=SimpleNamespace(**fields))


def test_is_rebalance_flags_stand_in_for_reasons() -> None:
    flags = np.array([False, False, True, True, False])
    m = compute_metrics(_with_trades(is_rebalance=flags, reason=np.array(["x"] * 5)))
    # hand-worked: the two rebalance trades of row 1 cost $0.0048 each; every trade $0.1196
    assert m.costs_rebalance_usd == pytest.approx(0.0096, rel=1e-12)
    assert m.costs_total_usd == pytest.approx(0.1196, rel=1e-12)
    # one-sided turnover of row 1: (4.8 + 4.8) / 2 / value before trading (112) per year
    assert m.annual_turnover == pytest.approx(4.8 / 112.0, rel=1e-12)
    assert m == compute_metrics(make_result())  # the enum reasons give the same metrics


def test_text_reasons_in_any_case_and_spacing() -> None:
    reasons = np.array(["initial", "Initial", " Rebalance", "REBALANCE\t", "flow"])
    m = compute_metrics(_with_trades(reason=reasons))
    assert m.costs_rebalance_usd == pytest.approx(0.0096, rel=1e-12)
    exact = np.array(["initial", "initial", "rebalance", "rebalance", "flow"])
    assert m == compute_metrics(_with_trades(reason=exact))


def test_bad_is_rebalance_is_refused() -> None:
    with pytest.raises(ConfigError, match="is_rebalance must be booleans of shape"):
        compute_metrics(_with_trades(is_rebalance=np.array([0, 0, 1, 1, 0])))
    with pytest.raises(ConfigError, match="is_rebalance'\\) have different lengths"):
        compute_metrics(_with_trades(is_rebalance=np.array([False, True])))


def test_allocation_precision_hand_worked() -> None:
    # |0.5-0.5| + |0.5-0.5| + |0.6-0.5| + |0.4-0.5| over 4 cells = 0.05
    w = np.array([[0.5, 0.5], [0.6, 0.4]])
    assert allocation_precision(w, [0.5, 0.5]) == pytest.approx(0.05, rel=1e-12)
    assert w.tolist() == [[0.5, 0.5], [0.6, 0.4]]  # the caller's weights are untouched


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_calmar_and_rebalance_count_as_their_definitions(seed: int) -> None:
    from rebal.metrics import performance as perf

    rng = np.random.default_rng(seed)
    n = 60
    r = np.concatenate([[0.0], rng.normal(0.0005, 0.01, n - 1)])
    values = 100.0 * np.cumprod(1.0 + r)
    dates = np.busday_offset(np.datetime64("2021-01-04"), np.arange(n), roll="forward")
    days = np.array([5, 9, 9, 30])  # a repeated row counts once
    res = SimpleNamespace(
        dates=dates, returns=r, values=values, weights=np.full((n, 2), 0.5),
        target=np.array([0.5, 0.5]), rebalance_days=days, periods_per_year=252.0,
        trades=SimpleNamespace(day=np.array([0, 5, 9, 30]), value_usd=np.array([1.0] * 4),
                               cost_usd=np.zeros(4), is_rebalance=np.array([0, 1, 1, 1], bool)),
    )
    m = compute_metrics(res)
    assert m.calmar == perf.calmar(r[1:], 252.0)  # bit for bit
    assert m.n_rebalances == len(set(days.tolist())) == 3
    stray = SimpleNamespace(**{**vars(res), "rebalance_days": np.array([5, 30])})
    with pytest.raises(DataError, match=r"rebalance trades on row 9 \(2021-01-15\)"):
        compute_metrics(stray)


def test_calmar_without_a_drawdown_is_nan() -> None:
    n = 10
    r = np.concatenate([[0.0], np.full(n - 1, 0.001)])
    res = SimpleNamespace(
        dates=np.busday_offset(np.datetime64("2021-01-04"), np.arange(n), roll="forward"),
        returns=r, values=100.0 * np.cumprod(1.0 + r), weights=np.full((n, 1), 1.0),
        target=np.array([1.0]), rebalance_days=np.array([], dtype=np.int64),
        periods_per_year=252.0, trades=None,
    )
    assert np.isnan(compute_metrics(res).calmar)
