"""The taxable engine against the plain reference loop on real data (2007–2011)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tests.reference_taxable import reference_taxable

from rebal.backtest import CostModel
from rebal.backtest.taxable.settings import FlatRates, TaxSettings
from rebal.backtest.taxable.simulator import run_taxable_backtest
from rebal.data.loaders import load_prices
from rebal.policy import Policy
from rebal.policy.schedule import period_end_mask
from rebal.tax import audit
from rebal.tax.harvest import HarvestSettings
from rebal.types import Frequency

ETF = Path("/work/shared/data/etf_adjclose_daily_1993_2025.csv")
pytestmark = pytest.mark.skipif(not ETF.exists(), reason="shared data not available")


@pytest.fixture(scope="module")
def market():
    m = load_prices(ETF, assets=["SPY", "AGG", "VTI", "IEF"])
    return m.between("2007-06-01", "2011-12-31")


CASES = [
    ("annual", "hifo", True, 5.0, True),
    ("quarterly", "fifo", True, 5.0, False),
    ("band", "hifo", True, 10.0, True),
    ("band", "fifo", False, 5.0, True),
    ("bh", "hifo", True, 0.0, True),
]


@pytest.mark.parametrize(("kind", "method", "harvest", "bps", "divs"), CASES)
def test_engine_matches_reference(market, kind, method, harvest, bps, divs):
    classes, subs = ["SPY", "AGG"], {"SPY": "VTI", "AGG": "IEF"}
    assets = classes + (["VTI", "IEF"] if harvest else [])
    prices = market.select(assets).prices
    target = {"SPY": 0.6, "AGG": 0.4}
    yields = {"SPY": 0.02, "AGG": 0.03, "VTI": 0.018, "IEF": 0.025} if divs else {}
    if not harvest:
        yields = {a: v for a, v in yields.items() if a in classes}
    tax = TaxSettings(rates=FlatRates(st_rate=0.35, lt_rate=0.15, state_rate=0.05),
                      lot_method=method, dividend_yield=yields)
    hs = HarvestSettings(substitutes=subs, min_loss_frac=0.05, min_loss_usd=1000.0) \
        if harvest else None
    if kind == "bh":
        policy, check, band = Policy.buy_and_hold(), None, None
    elif kind == "band":
        policy = Policy.band(absolute=0.05)
        check, band = np.ones(market.n_days, bool), 0.05
        check[0] = False
    else:
        policy = Policy.calendar(kind)
        check, band = period_end_mask(market.dates, Frequency.parse(kind)), -1.0
    res = run_taxable_backtest(market, target, policy, tax=tax, harvest=hs,
                               costs=CostModel(cost_bps=bps), with_pre_tax=False)
    ref = reference_taxable(
        market.dates, prices, classes, [2, 3] if harvest else [-1, -1], [0.6, 0.4],
        policy="bh" if kind == "bh" else "check", band=band, check=check,
        st_rate=0.35, lt_rate=0.15, state_rate=0.05, method=method, cost=bps / 1e4,
        harvest=(0.05, 1000.0, True) if harvest else None,
        dividend_yield=[yields.get(a, 0.0) for a in assets],
    )
    np.testing.assert_allclose(res.values, ref["values"], rtol=1e-9)
    paid = {y.year: y.tax_usd for y in res.year_taxes}
    assert set(paid) == set(ref["taxes"])
    for year, tax_usd in ref["taxes"].items():
        assert paid[year] == pytest.approx(tax_usd, abs=0.01), year
    realized = {}
    for t in audit(res.trade_history, res.accounts, res.wash_settings).year_totals:
        realized[t.year] = [t.st_gains_usd, t.st_losses_usd, t.lt_gains_usd, t.lt_losses_usd]
    for year, row in ref["realized"].items():
        np.testing.assert_allclose(realized.get(year, [0.0] * 4), row, atol=0.01)
    # final lots, per asset: units and basis
    lots = audit(res.trade_history, res.accounts, res.wash_settings).open_lots
    for j, a in enumerate(assets if harvest else classes):
        mine = sorted((lot.quantity, lot.basis_usd) for lot in lots if lot.symbol == a)
        theirs = sorted((q, b) for q, b, _ in ref["lots"][j])
        assert len(mine) == len(theirs)
        np.testing.assert_allclose(np.array(mine).reshape(-1, 2),
                                   np.array(theirs).reshape(-1, 2), rtol=1e-9, atol=1e-6)
    if harvest and kind != "bh":
        assert len(res.harvests) > 0
