"""Small, seeded backtests and a hand-built trade plan for the report tests."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from rebal.backtest import CostModel, run_backtest
from rebal.data.market import MarketData
from rebal.planner.result import (
    AccountAllocation,
    ClassAllocation,
    DoNotBuyEntry,
    LotRelief,
    PlannedTrade,
    TaxSummary,
    TradePlan,
)
from rebal.planner.settings import Step
from rebal.policy import parse_policy
from rebal.policy.dynamic import DynamicPolicy
from rebal.policy.score import ScoreTrigger
from rebal.policy.volatility import VolEstimator, VolScaledBand
from rebal.types import AccountType, Side, Term

N_DAYS = 800
TARGET = {"STK": 0.6, "BND": 0.4}


@pytest.fixture(scope="session")
def market() -> MarketData:
    rng = np.random.default_rng(20240601)
    dates = np.busday_offset(np.datetime64("2015-01-02"), np.arange(N_DAYS), roll="forward")
    r = rng.normal([0.0004, 0.0001], [0.012, 0.004], (N_DAYS, 2))
    r[0] = 0.0
    rf = np.full(N_DAYS, 0.0001)
    rf[0] = 0.0
    return MarketData(dates=dates, assets=("STK", "BND"), prices=100 * np.cumprod(1 + r, axis=0),
                      risk_free=rf, source="synthetic test data")


@pytest.fixture(scope="session")
def policies() -> list:
    return [
        parse_policy("buy-and-hold"),
        parse_policy("monthly"),
        parse_policy("band:abs=0.05"),
        parse_policy("band:rel=0.25"),
        DynamicPolicy(name="score", rules=ScoreTrigger(band=0.05, horizon_rows=126,
                                                       vol=VolEstimator(window_rows=21))),
        DynamicPolicy(name="vol band", rules=VolScaledBand(base=0.04,
                                                           vol=VolEstimator(window_rows=21))),
    ]


@pytest.fixture(scope="session")
def costs() -> CostModel:
    return CostModel(cost_bps=5.0)


@pytest.fixture(scope="session")
def results(market, policies, costs) -> list:
    return [run_backtest(market, TARGET, p, costs=costs) for p in policies]


@pytest.fixture(scope="session")
def core_results(results) -> list:
    """Buy-and-hold, monthly and the two fixed bands (no advanced trigger)."""
    return results[:4]


def _tax(total: float, federal: float, niit: float, state: float, **kw: float) -> TaxSummary:
    base = dict(st_gains_usd=0.0, st_losses_usd=0.0, lt_gains_usd=0.0, lt_losses_usd=0.0,
                losses_harvested_usd=0.0, model_estimate_usd=None, zero_rate_room_usd=0.0,
                zero_rate_room_used_usd=0.0, carryforward_change_usd=0.0)
    base.update(kw)
    return TaxSummary(federal_usd=federal, niit_usd=niit, state_usd=state, total_usd=total,
                      **base)


@pytest.fixture(scope="session")
def trade_plan() -> TradePlan:
    """A two-account, two-class plan with known figures."""
    sell = PlannedTrade(
        account="brokerage", account_type=AccountType.TAXABLE, symbol="VTI", side=Side.SELL,
        shares=100.0, price_usd=250.0, value_usd=25_000.0, cost_usd=0.0,
        step=Step.GAIN_REALIZATION, reason="Realizes a long-term gain in the 0% bracket.",
        lots=(LotRelief(lot_id="L1", quantity=100.0, proceeds_usd=25_000.0,
                        cost_basis_usd=20_000.0, gain_usd=5_000.0, term=Term.LONG,
                        acquired=dt.date(2019, 3, 1), est_tax_usd=0.0),),
        gain_usd=5_000.0, est_tax_usd=0.0)
    buy = PlannedTrade(
        account="brokerage", account_type=AccountType.TAXABLE, symbol="BND", side=Side.BUY,
        shares=333.0, price_usd=75.0, value_usd=24_975.0, cost_usd=0.0, step=Step.REMAINING,
        reason="Buys bonds with the proceeds.")
    classes = (
        ClassAllocation(asset_class="stocks", tier="core", target=0.6, lower=0.55, upper=0.65,
                        value_before_usd=70_000.0, weight_before=0.7, value_after_usd=45_000.0,
                        weight_after=0.45, breached_before=True, breached_after=True),
        ClassAllocation(asset_class="bonds", tier="core", target=0.4, lower=0.35, upper=0.45,
                        value_before_usd=30_000.0, weight_before=0.3, value_after_usd=54_975.0,
                        weight_after=0.55, breached_before=True, breached_after=True),
    )
    accounts = (
        AccountAllocation(account="brokerage", type=AccountType.TAXABLE, cash_before_usd=0.0,
                          cash_after_usd=25.0, min_cash_usd=0.0, pending_flow_usd=0.0,
                          holdings_before_usd=60_000.0, holdings_after_usd=59_975.0,
                          classes_before_usd=(("stocks", 60_000.0),),
                          classes_after_usd=(("stocks", 35_000.0), ("bonds", 24_975.0))),
        AccountAllocation(account="ira", type=AccountType.TRADITIONAL, cash_before_usd=0.0,
                          cash_after_usd=0.0, min_cash_usd=0.0, pending_flow_usd=0.0,
                          holdings_before_usd=40_000.0, holdings_after_usd=40_000.0,
                          classes_before_usd=(("stocks", 10_000.0), ("bonds", 30_000.0)),
                          classes_after_usd=(("stocks", 10_000.0), ("bonds", 30_000.0))),
    )
    naive = TradePlan(as_of=dt.date(2025, 6, 30), household="Test household", method="naive",
                      settings={}, trades=(sell,), classes=classes, accounts=accounts,
                      tax=_tax(1_190.0, 750.0, 190.0, 250.0, lt_gains_usd=5_000.0))
    return TradePlan(
        as_of=dt.date(2025, 6, 30), household="Test household", method="optimized",
        settings={"mode": "balanced"}, trades=(sell, buy), classes=classes, accounts=accounts,
        tax=_tax(250.0, 0.0, 0.0, 250.0, lt_gains_usd=5_000.0, zero_rate_room_usd=40_000.0,
                 zero_rate_room_used_usd=5_000.0),
        do_not_buy=(DoNotBuyEntry(group="bonds-total", symbols=("BND", "AGG"),
                                  until=dt.date(2025, 7, 30), first_safe_date=dt.date(2025, 7, 31),
                                  planned=False, reason="loss sale of BND on 2025-06-30"),),
        naive=naive, notes=("A test note.",),
    )
