"""The taxable benchmark's case (``benchmarks/bench_taxable.py``) against the plain reference
loop, monthly and quarterly, on a short span of the same real data (2000–2006: the
2000–2002 losses give harvests, swap-backs and carryovers).

Ken French daily factors: US market (Mkt-RF + RF) 60 %, T-bills (RF) 40 %; the market's
harvesting substitute is market + 0.25 × SMB. HIFO, flat 35 %/15 %, 5 bps, harvest at 5 %
and $1,000 with swap-back.
"""

from __future__ import annotations

import numpy as np
import pytest
from tests.realdata import SHARED_DATA
from tests.reference_taxable import reference_taxable

from rebal.backtest import CostModel
from rebal.backtest.taxable.settings import FlatRates, TaxSettings
from rebal.backtest.taxable.simulator import run_taxable_backtest
from rebal.data.market import MarketData
from rebal.policy import Policy
from rebal.policy.schedule import period_end_mask
from rebal.tax import audit
from rebal.tax.harvest import HarvestSettings
from rebal.types import Frequency

FF3 = SHARED_DATA / "ff3_factors_daily_pct_1926_2024.csv"
pytestmark = pytest.mark.skipif(not FF3.exists(), reason="shared data not available")


@pytest.fixture(scope="module")
def market() -> MarketData:
    raw = np.genfromtxt(FF3, delimiter=",", names=True, dtype=None, encoding="utf-8")
    dates = raw["Date"].astype("datetime64[D]")
    keep = (dates >= np.datetime64("1999-12-31")) & (dates <= np.datetime64("2006-12-31"))
    mkt = (raw["MktRF"][keep] + raw["RF"][keep]) / 100
    rf = raw["RF"][keep] / 100
    tilt = mkt + 0.25 * raw["SMB"][keep] / 100
    r = np.column_stack([mkt, rf, tilt])
    r[0] = 0
    return MarketData(dates=dates[keep], assets=("MKT", "BILLS", "MKT_TILT"),
                      prices=100 * np.cumprod(1 + r, axis=0), source="FF3 daily")


@pytest.mark.parametrize("every", ["monthly", "quarterly"])
def test_bench_case_equals_reference(market, every):
    tax = TaxSettings(rates=FlatRates(st_rate=0.35, lt_rate=0.15), lot_method="hifo")
    hs = HarvestSettings(substitutes={"MKT": "MKT_TILT"}, min_loss_frac=0.05,
                         min_loss_usd=1000.0)
    res = run_taxable_backtest(market, {"MKT": 0.6, "BILLS": 0.4}, Policy.calendar(every),
                               tax=tax, harvest=hs, costs=CostModel(cost_bps=5),
                               with_pre_tax=False)
    assert len(res.harvests) >= 2  # the case exercises harvesting and swap-backs
    ref = reference_taxable(
        market.dates, market.prices, ["MKT", "BILLS"], [2, -1], [0.6, 0.4], policy="check",
        band=-1.0, check=period_end_mask(market.dates, Frequency(every)), st_rate=0.35,
        lt_rate=0.15, method="hifo", cost=5e-4, harvest=(0.05, 1000.0, True))
    np.testing.assert_allclose(res.values, ref["values"], rtol=1e-9)
    paid = {y.year: y.tax_usd for y in res.year_taxes}
    assert set(paid) == set(ref["taxes"])
    for year, tax_usd in ref["taxes"].items():
        assert paid[year] == pytest.approx(tax_usd, abs=0.01), year
    realized = {t.year: [t.st_gains_usd, t.st_losses_usd, t.lt_gains_usd, t.lt_losses_usd]
                for t in audit(res.trade_history, res.accounts, res.wash_settings).year_totals}
    for year, row in ref["realized"].items():
        np.testing.assert_allclose(realized.get(year, [0.0] * 4), row, atol=0.01)
