"""Properties of taxable backtests: no wash sale, taxes = the tax engine's, basis conserved."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rebal.backtest import CostModel
from rebal.backtest.taxable.settings import FlatRates, SimAccount, TaxSettings
from rebal.backtest.taxable.simulator import run_taxable_backtest
from rebal.backtest.taxable.tax import year_tax
from rebal.data.loaders import load_prices
from rebal.data.market import MarketData
from rebal.policy import Policy
from rebal.tax import audit
from rebal.tax.harvest import HarvestSettings
from rebal.types import AccountType, Side

ETF = Path("/work/shared/data/etf_adjclose_daily_1993_2025.csv")
FLAT = FlatRates(st_rate=0.35, lt_rate=0.15)


def _check(r, rates=FLAT):
    res = audit(r.trade_history, r.accounts, r.wash_settings)
    # no wash sale, ever
    assert all(d.disallowed_usd == 0.0 for d in res.dispositions)
    # no negative lot; units held = the ledger's open lots
    assert all(lot.quantity > 0 and lot.basis_usd > 0 for lot in res.open_lots)
    last = r.units[-1]
    for a, acc in enumerate(r.accounts):
        for j, asset in enumerate(r.assets):
            q = sum(lot.quantity for lot in res.open_lots
                    if lot.account == acc.id and lot.symbol == asset)
            assert q == pytest.approx(last[a, j], rel=1e-9, abs=1e-9)
    # basis conservation: cost of every buy (with fees) = open basis + basis relieved
    bought = sum(t.quantity * t.price_usd + t.fees for t in r.trade_history if t.side is Side.BUY)
    relieved = sum(d.basis_usd for d in res.dispositions)
    open_basis = sum(lot.basis_usd for lot in res.open_lots)
    assert bought == pytest.approx(relieved + open_basis, rel=1e-10)
    # taxes: the engine's bills = year_tax on the audited year totals, carry chained
    totals = {y.year: y for y in res.year_totals}
    carry = (0.0, 0.0)
    for y in r.year_taxes:
        t = totals.get(y.year)
        b = year_tax(rates, y.year, st_gains=t.st_gains_usd if t else 0.0,
                     st_losses=t.st_losses_usd if t else 0.0,
                     lt_gains=t.lt_gains_usd if t else 0.0,
                     lt_losses=t.lt_losses_usd if t else 0.0,
                     qualified_dividends=y.qualified_dividends_usd,
                     st_carry_in=carry[0], lt_carry_in=carry[1])
        carry = (b.st_carry_out_usd, b.lt_carry_out_usd)
        assert y.tax_usd == pytest.approx(b.tax_usd, abs=0.01)
    paid = sum(y.tax_usd for y in r.year_taxes if y.paid_day >= 0)
    assert r.total_tax_paid_usd == pytest.approx(paid, abs=0.01)


@pytest.mark.skipif(not ETF.exists(), reason="shared data not available")
@pytest.mark.parametrize("policy", [Policy.calendar("quarterly"), Policy.band(absolute=0.05)])
def test_five_assets_real_data_two_accounts(policy):
    m = load_prices(ETF, assets=["SPY", "EFA", "AGG", "VNQ", "GLD", "VTI", "IEV", "IEF"])
    m = m.between("2007-06-01", "2013-12-31")
    target = {"SPY": 0.35, "EFA": 0.2, "AGG": 0.3, "VNQ": 0.1, "GLD": 0.05}
    hs = HarvestSettings(substitutes={"SPY": "VTI", "EFA": "IEV", "AGG": "IEF"})
    accs = [SimAccount(id="brokerage", initial_usd=600_000.0),
            SimAccount(id="ira", type=AccountType.TRADITIONAL, initial_usd=400_000.0,
                       target={"SPY": 0.1, "EFA": 0.1, "AGG": 0.6, "VNQ": 0.2, "GLD": 0.0})]
    tax = TaxSettings(rates=FLAT, dividend_yield={"SPY": 0.02, "VTI": 0.02, "AGG": 0.03})
    r = run_taxable_backtest(m, target, policy, tax=tax, harvest=hs, accounts=accs,
                             costs=CostModel(cost_bps=5), with_pre_tax=False)
    assert len(r.harvests) > 3
    _check(r)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# a swap-back once met 4e-13 units of dust the ledger had already closed
@example(seed=2908, vol=0.125, pct=0.0, band=None, method="fifo")
# … and the final liquidation met 8e-13 units the ledger had closed (it sold 0 shares)
@example(seed=12, vol=0.1, pct=0.0, band=None, method="hifo")
@given(seed=st.integers(0, 10_000), vol=st.floats(0.1, 0.5), pct=st.floats(0.0, 0.2),
       band=st.sampled_from([None, 0.02, 0.05]), method=st.sampled_from(["fifo", "hifo",
                                                                         "tax_min"]))
def test_random_paths(seed, vol, pct, band, method):
    rng = np.random.default_rng(seed)
    n = 400
    common = rng.normal(0, vol / np.sqrt(252), (n, 2))
    noise = rng.normal(0, 0.2 * vol / np.sqrt(252), (n, 4))
    rets = np.column_stack([common, common]) + noise
    rets[0] = 0
    prices = 100 * np.cumprod(1 + rets, axis=0)
    dates = np.busday_offset(np.datetime64("2019-11-01"), np.arange(n), roll="forward")
    m = MarketData(dates=dates, assets=("A", "B", "A2", "B2"), prices=prices)
    hs = HarvestSettings(substitutes={"A": "A2", "B": "B2"}, min_loss_frac=pct,
                         min_loss_usd=100.0)
    policy = Policy.calendar("monthly") if band is None else Policy.band(absolute=band)
    tax = TaxSettings(rates=FLAT, lot_method=method, dividend_yield={"A": 0.03, "B2": 0.02})
    r = run_taxable_backtest(m, {"A": 0.6, "B": 0.4}, policy, tax=tax, harvest=hs,
                             costs=CostModel(cost_bps=10), with_pre_tax=False)
    _check(r)
