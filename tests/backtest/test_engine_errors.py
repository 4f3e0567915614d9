"""Bad input gives a rebal error that names the field."""

from __future__ import annotations

import numpy as np
import pytest

from rebal.backtest import CashFlows, CostModel, run_backtest
from rebal.data import MarketData
from rebal.errors import ConfigError, DataError
from rebal.policy import Policy


@pytest.fixture()
def m():
    dates = np.arange(np.datetime64("2024-01-01"), np.datetime64("2024-03-01"))
    prices = np.column_stack([np.linspace(100, 110, dates.size), np.linspace(50, 45, dates.size)])
    return MarketData(dates=dates, assets=("A", "B"), prices=prices)


MONTHLY = Policy.calendar("monthly")


@pytest.mark.parametrize(
    ("target", "pattern"),
    [
        ({"A": 0.5, "Z": 0.5}, r"unknown asset 'Z'; the data has A, B"),
        ({"A": 1.2, "B": -0.2}, r"target\['B'\] must be a finite weight >= 0, got -0.2"),
        ({"A": 0.5, "B": 0.4}, r"sum to 1 \(within 1e-9\), got 0.9"),
        ({"A": "x", "B": 1.0}, r"target\['A'\] must be a number"),
        ({}, r"non-empty mapping"),
    ],
)
def test_bad_targets(m, target, pattern):
    with pytest.raises(ConfigError, match=pattern):
        run_backtest(m, target, MONTHLY)


def test_target_subset_uses_only_those_assets(m):
    res = run_backtest(m, {"B": 1.0}, MONTHLY)
    assert res.assets == ("B",)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"cost_bps": -1}, r"CostModel.cost_bps must be >= 0, got -1"),
        ({"cost_bps": 5000}, r"CostModel.cost_bps must be <= 1000"),
        ({"fixed_usd": float("nan")}, r"CostModel.fixed_usd must be >= 0"),
        ({"min_trade_usd": "big"}, r"CostModel.min_trade_usd must be a number"),
        ({"cost_bps": {"A": -2}}, r"CostModel.cost_bps\['A'\] must be >= 0"),
    ],
)
def test_bad_costs(kwargs, pattern):
    with pytest.raises(ConfigError, match=pattern):
        CostModel(**kwargs)


def test_per_asset_costs_must_cover_the_portfolio(m):
    with pytest.raises(ConfigError, match=r"no cost given for B"):
        run_backtest(m, {"A": 0.5, "B": 0.5}, MONTHLY, costs=CostModel(cost_bps={"A": 1.0}))
    with pytest.raises(ConfigError, match=r"unknown asset\(s\) Q"):
        run_backtest(m, {"A": 0.5, "B": 0.5}, MONTHLY,
                     costs=CostModel(cost_bps={"A": 1.0, "B": 1.0, "Q": 1.0}))


def test_bad_cash_flows(m):
    with pytest.raises(ConfigError, match=r"CashFlows\.frequency is required"):
        CashFlows(amount_usd=100.0)
    with pytest.raises(ConfigError, match="not after the first row 2024-01-01"):
        run_backtest(m, {"A": 0.5, "B": 0.5}, MONTHLY,
                     cash_flows=CashFlows(dated={"2024-01-01": 5.0}))
    with pytest.raises(ConfigError, match="after the last row 2024-02-29"):
        run_backtest(m, {"A": 0.5, "B": 0.5}, MONTHLY,
                     cash_flows=CashFlows(dated={"2024-03-05": 5.0}))
    with pytest.raises(ConfigError, match="bad date 'soon'"):
        CashFlows(dated={"soon": 5.0})
    with pytest.raises(ConfigError, match=r"CashFlows\.frequency: unknown value 'fortnightly'"):
        CashFlows(amount_usd=1.0, frequency="fortnightly")


def test_withdrawal_larger_than_portfolio_names_the_date(m):
    with pytest.raises(DataError, match=r"cash flow on 2024-02-10: withdrawal of \$2,000,000.00"):
        run_backtest(m, {"A": 0.5, "B": 0.5}, MONTHLY,
                     cash_flows=CashFlows(dated={"2024-02-10": -2_000_000.0}))


def test_bad_run_arguments(m):
    with pytest.raises(ConfigError, match=r"initial_usd must be > 0, got 0"):
        run_backtest(m, {"A": 0.5, "B": 0.5}, MONTHLY, initial_usd=0)
    with pytest.raises(ConfigError, match="policy must be a Policy"):
        run_backtest(m, {"A": 0.5, "B": 0.5}, "monthly")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="costs must be a CostModel"):
        run_backtest(m, {"A": 0.5, "B": 0.5}, MONTHLY, costs=5)  # type: ignore[arg-type]
