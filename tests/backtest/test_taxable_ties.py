"""Lots with one basis per share tie FIFO under HIFO, whatever float noise says.

A flat asset (T-bills at 0 % in 2012–2015) bought every month gets lots of one basis per
share, p × (1 + cost); computed from different quantities, the floats can differ in the
last bit. That noise used to decide which lot HIFO sold first — a short-term lot or a
long-term one, so the year's ST/LT split and tax — and the engine and the plain reference
disagreed by dollars (found by the monthly taxable benchmark: $3.58 of tax in 2014).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from tests.reference_taxable import reference_taxable

from rebal.backtest import CostModel
from rebal.backtest.taxable.settings import FlatRates, TaxSettings
from rebal.backtest.taxable.simulator import run_taxable_backtest
from rebal.data.market import MarketData
from rebal.policy import Policy
from rebal.policy.schedule import period_end_mask
from rebal.tax import audit
from rebal.tax.harvest import HarvestSettings
from rebal.tax.lots import Lot
from rebal.tax.relief import order_lots
from rebal.types import Frequency, LotMethod


def test_equal_basis_per_share_ties_fifo():
    p, c = 472.944, 5e-4
    lots = [Lot(id=f"L{i}", account="a", symbol="X", quantity=q, basis_usd=q * p + q * p * c,
                acquired=date(2013, 1, i + 1), holding_start=date(2013, 1, i + 1),
                purchase_id=f"L{i}")
            for i, q in enumerate([230.5459, 15.3272, 91.7813, 47.1143])]
    per_share = {lot.basis_usd / lot.quantity for lot in lots}
    assert len(per_share) > 1  # the floats differ in the last bit …
    assert order_lots(lots, LotMethod.HIFO, sale_date=date(2014, 1, 31)) == [0, 1, 2, 3]  # FIFO


@pytest.mark.parametrize("every", ["monthly", "quarterly"])
def test_engine_equals_reference_with_a_flat_asset(every):
    days = np.arange(np.datetime64("2012-01-02"), np.datetime64("2015-12-31"))
    days = days[np.is_busday(days)]
    n = days.shape[0]
    rng = np.random.default_rng(11)
    mkt = 200 * np.cumprod(1 + rng.normal(0.0004, 0.012, n))
    tilt = 0.5 * mkt * np.cumprod(1 + rng.normal(0, 0.001, n))
    bills = np.full(n, 189.823553330591)  # 0 % a year: every lot has one basis per share
    market = MarketData(dates=days, assets=("MKT", "BILLS", "MKT_TILT"),
                        prices=np.column_stack([mkt, bills, tilt]))
    tax = TaxSettings(rates=FlatRates(st_rate=0.35, lt_rate=0.15), lot_method="hifo")
    hs = HarvestSettings(substitutes={"MKT": "MKT_TILT"}, min_loss_frac=0.05,
                         min_loss_usd=1000.0)
    res = run_taxable_backtest(market, {"MKT": 0.6, "BILLS": 0.4}, Policy.calendar(every),
                               tax=tax, harvest=hs, costs=CostModel(cost_bps=5),
                               with_pre_tax=False)
    ref = reference_taxable(
        market.dates, market.prices, ["MKT", "BILLS"], [2, -1], [0.6, 0.4], policy="check",
        band=-1.0, check=period_end_mask(market.dates, Frequency(every)), st_rate=0.35,
        lt_rate=0.15, method="hifo", cost=5e-4, harvest=(0.05, 1000.0, True))
    np.testing.assert_allclose(res.values, ref["values"], rtol=1e-9)
    paid = {y.year: y.tax_usd for y in res.year_taxes}
    for year, tax_usd in ref["taxes"].items():
        assert paid[year] == pytest.approx(tax_usd, abs=0.01), year
    for t in audit(res.trade_history, res.accounts, res.wash_settings).year_totals:
        np.testing.assert_allclose(
            [t.st_gains_usd, t.st_losses_usd, t.lt_gains_usd, t.lt_losses_usd],
            ref["realized"][t.year], atol=0.01)
