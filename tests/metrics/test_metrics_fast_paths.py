"""compute_metrics reads rebalance trades without formatting text: the trade table's
``is_rebalance`` flags, or reasons classified with string work only where needed. Both
give the hand-worked figures of ``test_metrics_summary``'s three-day backtest."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from test_metrics_summary import make_result, trades_struct

from rebal.errors import ConfigError
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
