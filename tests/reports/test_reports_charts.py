"""Each chart function returns a figure with the expected traces."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from rebal.errors import ConfigError
from rebal.planner.schedule import MonthPlan, Schedule
from rebal.reports import charts
from rebal.reports import series as S
from rebal.reports.tables import metrics_rows


def _names(fig):
    return [t.name for t in fig.data]


def test_growth_figure_traces_and_log_switch(results):
    fig = charts.growth_figure(results)
    assert _names(fig) == [r.policy_name for r in results]
    assert {t.type for t in fig.data} == {"scatter"}
    assert fig.layout.yaxis.type == "linear"
    buttons = fig.layout.updatemenus[0].buttons
    assert [b.label for b in buttons] == ["Linear", "Log"]
    assert buttons[1].args[0] == {"yaxis.type": "log"}
    np.testing.assert_allclose(np.asarray(fig.data[1].y), results[1].values, rtol=1e-10)


def test_growth_figure_downsamples_to_week_ends(results):
    fig = charts.growth_figure(results, max_rows=100)
    rows = S.chart_rows(results[0].dates, 100)
    last_row_of_week = {}
    for i, d in enumerate(results[0].dates):
        last_row_of_week[d.astype("datetime64[D]").item().isocalendar()[:2]] = i
    expected = sorted({0, *last_row_of_week.values()})  # row 0 plus each week's last close
    assert list(rows) == expected and len(fig.data[0].x) == len(expected)
    np.testing.assert_allclose(np.asarray(fig.data[0].y), results[0].values[rows], rtol=1e-10)


def test_drawdown_figure_keeps_the_trough_when_downsampled(results):
    fig = charts.drawdown_figure(results, max_rows=100)
    assert _names(fig) == [r.policy_name for r in results]
    for trace, r in zip(fig.data, results, strict=True):
        assert min(trace.y) == pytest.approx(r.metrics().max_drawdown, abs=1e-12)


def test_rolling_figure(results):
    fig = charts.rolling_figure(results)
    assert len(fig.data) == 2 * len(results)
    assert [t.name for t in fig.data[::2]] == [r.policy_name for r in results]
    assert sum(bool(t.showlegend is not False) for t in fig.data) == len(results)
    stats = S.rolling_stats(results[0])
    assert fig.data[0].x[0] == str(results[0].dates[252])  # first full window
    assert fig.data[1].y[0] == pytest.approx(stats.volatility[252])


def test_drift_figure_core(core_results, policies):
    bands = {r.policy_name: S.policy_bands(r, p) for r, p in zip(core_results, policies,
                                                                    strict=False)}
    fig = charts.drift_figure(core_results, bands=bands)
    # default: the first band policy
    assert fig.layout.updatemenus[0].active == 2
    assert [b.label for b in fig.layout.updatemenus[0].buttons] == [
        r.policy_name for r in core_results]
    visible = [t for t in fig.data if t.visible]
    assert [t.name for t in visible] == ["STK", "BND", "band ±", "rebalances"]
    markers = visible[-1]
    band = core_results[2]
    assert len(markers.x) == band.n_rebalances
    assert all("band ±5.00 pp" in text for text in markers.hovertext)
    np.testing.assert_allclose(np.abs(markers.y), 100 * band.rebalances.drift, rtol=1e-12)
    # relative bands differ per asset: one band pair per asset
    rel = [t.name for t in fig.data if t.name and t.name.startswith("band ± (")]
    assert rel == ["band ± (STK)", "band ± (BND)"]
    # each button shows exactly the traces of its policy
    for b in fig.layout.updatemenus[0].buttons:
        assert sum(b.args[0]["visible"]) >= 3
    assert fig.layout.yaxis.ticksuffix == " pp"


def test_drift_figure_advanced_rows(results, policies):
    bands = {r.policy_name: S.policy_bands(r, p) for r, p in zip(results, policies, strict=True)}
    fig = charts.drift_figure(results, selected="score", bands=bands)
    titles = [a.text for a in fig.layout.annotations]
    assert titles == ["weight − target (percentage points)", "band in force (± percentage points)",
                      "trigger state"]
    shown = [t for t in fig.data if t.visible]
    assert "score" in [t.name for t in shown]
    markers = next(t for t in shown if t.name == "rebalances")
    assert all("score" in text and "rebalance" in text for text in markers.hovertext)
    vol_button = fig.layout.updatemenus[0].buttons[5]
    vol_traces = [t for t, v in zip(fig.data, vol_button.args[0]["visible"], strict=True) if v]
    assert any(t.name == "band ± in force" for t in vol_traces)  # the moving band, row 2
    assert any(t.name == results[5].regime_label for t in vol_traces)


def test_drift_figure_unknown_policy(results):
    with pytest.raises(ConfigError, match="not among"):
        charts.drift_figure(results, selected="nope")


def test_yearly_and_trading_figures(core_results):
    fig = charts.yearly_returns_figure(core_results)
    assert [t.type for t in fig.data] == ["bar"] * 4
    assert list(fig.data[0].x) == ["2015*", "2016", "2017", "2018*"]
    assert fig.layout.barmode == "group"
    fig = charts.turnover_costs_figure(core_results)
    assert len(fig.data) == 8 and {t.type for t in fig.data} == {"bar"}
    monthly = S.yearly_trading(core_results[1])
    np.testing.assert_allclose(np.asarray(fig.data[2].y), monthly.turnover)
    np.testing.assert_allclose(np.asarray(fig.data[3].y), monthly.costs_usd)


def test_metrics_table_figure_same_strings(core_results):
    entries = [(r.policy_name, r.metrics(benchmark=core_results[0])) for r in core_results]
    fig = charts.metrics_table_figure(entries)
    cells = list(zip(*[list(c) for c in fig.data[0].cells["values"]], strict=True))
    assert cells == metrics_rows(entries)


def test_different_dates_are_refused(core_results, market, policies):
    from rebal.backtest import run_backtest

    short = run_backtest(market.between(None, "2016-12-30"), {"STK": 0.6, "BND": 0.4},
                         policies[0])
    with pytest.raises(ConfigError, match="different dates"):
        charts.growth_figure([core_results[0], short])


def test_plan_figures(trade_plan):
    fig = charts.class_allocation_figure(trade_plan)
    assert _names(fig) == ["before", "after", "target (band)"]
    np.testing.assert_allclose(fig.data[2].error_y.array, [0.05, 0.05])
    np.testing.assert_allclose(fig.data[2].error_y.arrayminus, [0.05, 0.05])
    fig = charts.account_allocation_figure(trade_plan)
    assert _names(fig) == ["stocks", "bonds", "cash"]
    assert list(fig.data[0].x[0]) == ["brokerage", "brokerage", "ira", "ira"]
    assert list(fig.data[0].y) == [60_000.0, 35_000.0, 10_000.0, 10_000.0]
    fig = charts.tax_comparison_figure(trade_plan)
    assert _names(fig)[:3] == ["federal", "NIIT", "state"]
    assert list(fig.data[0].x) == ["this plan", "naive pro-rata FIFO"]
    assert list(fig.data[3].y) == [250.0, 1190.0]


def test_schedule_figures(trade_plan):
    months = tuple(MonthPlan(month=k, date=trade_plan.as_of, contribution_usd=2500.0,
                             plan=trade_plan) for k in range(3))
    sched = Schedule(account="brokerage", monthly_contribution_usd=2500.0,
                     monthly_dividends_usd=0.0, months=months, now=trade_plan, tax_now_usd=250.0,
                     tax_scheduled_usd=100.0, in_bands_at_end=True)
    fig = charts.schedule_weights_figure(sched)
    assert _names(fig) == ["stocks", "stocks target", "bonds", "bonds target"]
    assert list(fig.data[0].y) == [0.7, 0.45, 0.45, 0.45]
    fig = charts.schedule_figure(["a", "b"], {"buys": [1.0, 2.0]})
    assert _names(fig) == ["buys"]
    with pytest.raises(ConfigError):
        charts.schedule_figure(["a"], {"buys": [1.0, 2.0]})
    assert dataclasses.is_dataclass(sched)
