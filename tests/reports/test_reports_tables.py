"""Formatted tables shared by the CLI and the HTML reports."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from rebal.metrics import Metrics, RiskFreeSource
from rebal.reports.plan_tables import do_not_buy_table, tax_table, trade_table
from rebal.reports.tables import (
    COMPARE_COLUMNS,
    Kind,
    format_value,
    metrics_header,
    metrics_rows,
    metrics_table,
    yearly_table,
)


def _metrics(**kw) -> Metrics:
    base = dict(
        start_date=dt.date(2020, 1, 2), end_date=dt.date(2021, 1, 4), n_days=253, n_returns=252,
        years=1.0, periods_per_year=252.0, initial_value_usd=1e6, final_value_usd=1.0523e6,
        total_return=0.0523, cagr=0.0523, annual_volatility=0.1234, max_drawdown=-0.3456,
        max_drawdown_peak_date=dt.date(2020, 2, 19), max_drawdown_trough_date=dt.date(2020, 3, 23),
        max_drawdown_recovery_date=None, sharpe=0.4567, sortino=0.61, calmar=0.15,
        risk_free_source=RiskFreeSource.DATA, n_rebalances=12, annual_turnover=0.0876,
        costs_total_usd=123.4, costs_rebalance_usd=123.4, cost_drag_annual=0.000123,
        allocation_precision=0.011,
    )
    base.update(kw)
    return Metrics(**base)


def test_format_value():
    assert format_value(0.0523, Kind.PCT) == "5.23%"
    assert format_value(-0.3456, Kind.PCT, 1) == "-34.6%"
    assert format_value(None, Kind.PCT) == "—"
    assert format_value(math.nan, Kind.NUM) == "—"
    assert format_value(1234.5, Kind.NUM) == "1,234.50"
    assert format_value(-1234.5, Kind.USD) == "-$1,234.50"
    assert format_value(1234.5, Kind.USD, 0) == "$1,234"
    assert format_value(12, Kind.INT) == "12"
    assert format_value(dt.date(2020, 3, 23), Kind.DATE) == "2020-03-23"


def test_metrics_rows_known_values():
    rows = metrics_rows([("monthly", _metrics(rebalancing_alpha=0.0041)),
                         ("no baseline", _metrics())])
    assert rows[0] == ("monthly", "5.23%", "12.34%", "-34.56%", "0.46", "8.8%", "12", "0.012%",
                       "0.41%")
    assert rows[1][-1] == "—"  # no baseline: alpha is missing, not 0


def test_metrics_table_header_and_risk_free_note():
    t = metrics_table([("a", _metrics())], baseline="buy-and-hold")
    assert t.header == metrics_header(COMPARE_COLUMNS, baseline="buy-and-hold")
    assert t.header[0] == "Strategy" and t.header[-1] == "Alpha vs buy-and-hold"
    assert t.header[1:5] == ("Annual return", "Volatility", "Max drawdown", "Sharpe")
    assert "T-bill" in t.notes[0]
    zero = metrics_table([("a", _metrics(risk_free_source=RiskFreeSource.ZERO))])
    assert "risk-free = 0" in zero.notes[0]


def test_yearly_table_against_plain_compounding(core_results):
    t = yearly_table(core_results)
    assert t.header == ("Year", *(r.policy_name for r in core_results))
    assert [row[0] for row in t.rows] == ["2015*", "2016", "2017", "2018*"]
    years = np.asarray(core_results[0].dates).astype("datetime64[Y]").astype(int) + 1970
    for k, r in enumerate(core_results):
        for row, year in zip(t.rows, (2015, 2016, 2017, 2018), strict=True):
            growth = 1.0
            for t_row in range(1, len(r.returns)):  # row 0 is the purchase, not a return
                if years[t_row] == year:
                    growth *= 1.0 + r.returns[t_row]
            assert row[k + 1] == f"{100 * (growth - 1):.2f}%"


def test_plan_trade_table(trade_plan):
    t = trade_table(trade_plan)
    assert t.header[:6] == ("Step", "Account", "Symbol", "Side", "Shares", "Value")
    assert t.rows[0] == (
        "4. realize gains at 0% or against harvested losses", "brokerage", "VTI", "sell", "100",
        "$25,000", "$5,000", "$0", "L1: 100 sh, bought 2019-03-01, gain $5,000 LT",
        "Realizes a long-term gain in the 0% bracket.",
    )
    assert t.rows[1][3:6] == ("buy", "333", "$24,975")
    assert t.rows[1][8] == ""  # a buy relieves no lots


def test_plan_tax_table_beside_naive(trade_plan):
    t = tax_table(trade_plan)
    assert t.header == ("", "This plan", "Naive plan", "Naive − plan")
    rows = {r[0]: r[1:] for r in t.rows}
    assert rows["Total tax"] == ("$250.00", "$1,190.00", "$940.00")
    assert rows["Federal income tax"] == ("$0.00", "$750.00", "$750.00")
    assert rows["Trades"] == ("2", "1", "")


def test_plan_do_not_buy_table(trade_plan):
    t = do_not_buy_table(trade_plan)
    assert t.rows == (("bonds-total", "BND, AGG", "2025-07-30", "2025-07-31", "recent sale",
                       "loss sale of BND on 2025-06-30"),)
