"""Hand-checked taxable backtests on small synthetic markets (expected values by hand)."""

from __future__ import annotations

import numpy as np
import pytest

from rebal.backtest.taxable.settings import FlatRates, SimAccount, TaxSettings
from rebal.backtest.taxable.simulator import run_taxable_backtest
from rebal.data.market import MarketData
from rebal.errors import ConfigError
from rebal.policy import Policy
from rebal.tax import audit
from rebal.tax.harvest import HarvestSettings
from rebal.types import AccountType

FLAT = FlatRates(st_rate=0.35, lt_rate=0.15)


def _market(dates, cols):
    return MarketData(dates=np.array(dates, dtype="datetime64[D]"), assets=tuple(cols),
                      prices=np.array(list(zip(*cols.values(), strict=True)), dtype=float))


def test_single_sale_gain_and_tax():
    # A doubles in 2020; the annual rebalance on 2020-12-30 sells $25,000 of A bought at 100
    m = _market(["2020-01-02", "2020-06-30", "2020-12-30", "2021-01-04", "2021-01-05"],
                {"A": [100, 100, 200, 200, 200], "B": [100, 100, 100, 100, 100]})
    r = run_taxable_backtest(m, {"A": 0.5, "B": 0.5}, Policy.calendar("annual"),
                             tax=TaxSettings(rates=FLAT), initial_usd=100_000.0)
    y2020, y2021 = r.year_taxes
    assert y2020.st_gains_usd == pytest.approx(12_500.0)  # 125 units x (200 - 100)
    assert y2020.tax_usd == pytest.approx(0.35 * 12_500.0)  # paid 2021-01-04
    assert y2020.paid_day == 3 and r.taxes_paid_usd[3] == pytest.approx(4_375.0)
    # the bill is raised from the excesses (2,187.50 each); A's units are long term
    # (bought 2020-01-02, sold 2021-01-04): 10.9375 units x 100 gain
    assert y2021.lt_gains_usd == pytest.approx(1_093.75)
    assert r.owed_usd == pytest.approx(0.15 * 1_093.75)
    assert r.values[-1] == pytest.approx(150_000.0 - 4_375.0)
    assert r.after_tax_value_usd == pytest.approx(150_000.0 - 4_375.0 - 164.0625)


def test_losses_over_3000_deduction_carryforward_and_use():
    # both fall; A (less) is overweight and sold at a loss of 25,000 (ST) on 2020-12-30
    dates = ["2020-01-02", "2020-12-30", "2021-01-04", "2021-12-30", "2022-01-03",
             "2022-12-30", "2023-01-03", "2023-01-04"]
    m = _market(dates, {"A": [100, 80, 80, 80, 80, 160, 160, 160],
                        "B": [100, 40, 40, 40, 40, 40, 40, 40]})
    r = run_taxable_backtest(m, {"A": 0.5, "B": 0.5}, Policy.calendar("annual"),
                             tax=TaxSettings(rates=FLAT))
    y20, y21, y22, _ = r.year_taxes
    assert y20.st_losses_usd == pytest.approx(-25_000.0)
    assert y20.loss_deduction_usd == pytest.approx(3_000.0)
    assert y20.tax_usd == pytest.approx(-0.35 * 3_000.0)  # a saving, paid into the account
    assert y20.st_carry_out_usd == pytest.approx(22_000.0)
    # 2021: B (bought at 100 by the 2020 refund... HIFO: the 100 lot) sold at 40 by the
    # rebalance: an LT loss of 787.50; the ST carryforward gives another 3,000 deduction,
    # charged to the ST loss first; the LT loss carries on (Sch. D worksheet)
    assert y21.st_carry_in_usd == pytest.approx(22_000.0)
    assert y21.lt_losses_usd == pytest.approx(-787.5)
    assert y21.st_carry_out_usd == pytest.approx(19_000.0)
    assert y21.lt_carry_out_usd == pytest.approx(787.5)
    assert y21.tax_usd == pytest.approx(-1_050.0)
    # 2022: A doubles and is sold at a gain that uses the carryforward up
    gain = y22.st_gains_usd + y22.lt_gains_usd + y22.st_losses_usd + y22.lt_losses_usd
    assert gain > 19_000.0
    net_st = y22.st_gains_usd + y22.st_losses_usd - y22.st_carry_in_usd
    net_lt = y22.lt_gains_usd + y22.lt_losses_usd - y22.lt_carry_in_usd
    total = net_st + net_lt
    ncg = max(0.0, min(net_lt, total))
    assert y22.st_carry_out_usd == 0.0
    assert y22.tax_usd == pytest.approx(0.35 * (total - ncg) + 0.15 * ncg)


def _daily(start, n):
    return np.busday_offset(np.datetime64(start, "D"), np.arange(n), roll="forward")


@pytest.mark.parametrize(("drop_day", "first_safe"), [
    ("2021-03-10", "2021-04-12"),  # + 31 days = Sat 2021-04-10 -> Monday
    ("2021-03-09", "2021-04-09"),  # + 31 days = Fri 2021-04-09 (not Thu 04-08, day 30)
])
def test_harvest_and_swap_back_dates(drop_day, first_safe):
    dates = _daily("2021-01-04", 90)
    drop = int(np.searchsorted(dates, np.datetime64(drop_day)))
    a = np.full(90, 100.0)
    a[drop:] = 80.0
    sub = np.full(90, 50.0)
    m = MarketData(dates=dates, assets=("A", "B", "A2"),
                   prices=np.column_stack([a, np.full(90, 100.0), sub]))
    hs = HarvestSettings(substitutes={"A": "A2"}, min_loss_frac=0.05, min_loss_usd=1_000.0)
    r = run_taxable_backtest(m, {"A": 0.5, "B": 0.5}, Policy.buy_and_hold(),
                             tax=TaxSettings(rates=FLAT), harvest=hs, initial_usd=100_000.0)
    tf = r.trades_frame()
    sell = tf[tf.reason == "harvest_sell"]
    assert list(sell.date.astype(str).str[:10]) == [drop_day]
    assert sell.units.iloc[0] == pytest.approx(-500.0)
    assert r.harvests.loss_usd[0] == pytest.approx(50_000.0 - 500 * 80.0)  # 10,000
    back = tf[tf.reason == "swap_back"]
    assert set(back.date.astype(str).str[:10]) == {first_safe}
    assert back[back.asset == "A"].value_usd.iloc[0] == pytest.approx(40_000.0)
    assert r.year_taxes[0].st_losses_usd == pytest.approx(-10_000.0)
    res = audit(r.trade_history, r.accounts, r.wash_settings)
    assert all(d.disallowed_usd == 0 for d in res.dispositions)


def test_dividend_tax():
    # total-return price grows 1 % at each quarter end: the price-return index stays 100
    dates = _daily("2021-01-04", 261)  # to 2022-01-03, where the 2021 bill is paid
    q_end = np.zeros(261, bool)
    for i in range(1, 260):
        q_end[i] = (dates[i].astype(object).month - 1) // 3 != \
            (dates[i + 1].astype(object).month - 1) // 3
    tr = 100.0 * np.cumprod(np.where(q_end, 1.01, 1.0))
    m = MarketData(dates=dates, assets=("A",), prices=tr[:, None])
    tax = TaxSettings(rates=FLAT, dividend_yield={"A": 0.04})
    r = run_taxable_backtest(m, {"A": 1.0}, Policy.buy_and_hold(), tax=tax,
                             initial_usd=100_000.0)
    assert q_end.sum() == 4
    divs = 1_000.0 + 1_010.0 + 1_020.1 + 1_030.301
    y = r.year_taxes[0]
    assert y.qualified_dividends_usd == pytest.approx(divs)
    assert y.tax_usd == pytest.approx(0.15 * divs)
    assert r.values[-1] == pytest.approx(100_000.0 * 1.01**4 - 0.15 * divs)
    lots = audit(r.trade_history, r.accounts, r.wash_settings).open_lots
    # the bill is raised by selling units at their basis (the price-return index is flat)
    assert sum(lot.basis_usd for lot in lots) == pytest.approx(100_000.0 + divs - 0.15 * divs)
    assert [lot.reinvested for lot in lots] == [False, True, True, True, True]


def test_ira_buy_is_redirected_inside_the_window():
    # the taxable account harvests A; the IRA's rebalance buys of A class go to A2
    dates = _daily("2021-01-04", 60)
    a = np.full(60, 100.0)
    a[30:] = 70.0  # after the initial purchase's 30-day window
    m = MarketData(dates=dates, assets=("A", "B", "A2"),
                   prices=np.column_stack([a, np.full(60, 100.0), np.full(60, 50.0)]))
    hs = HarvestSettings(substitutes={"A": "A2"}, swap_back=False)
    accs = [SimAccount(id="brokerage", initial_usd=100_000.0),
            SimAccount(id="ira", type=AccountType.TRADITIONAL, initial_usd=100_000.0)]
    r = run_taxable_backtest(m, {"A": 0.5, "B": 0.5}, Policy.band(absolute=0.05),
                             tax=TaxSettings(rates=FLAT), harvest=hs, accounts=accs)
    tf = r.trades_frame()
    ira_buys = tf[(tf.account == "ira") & (tf.value_usd > 0) & (tf.reason == "rebalance")]
    assert list(ira_buys.asset) == ["A2"]
    res = audit(r.trade_history, r.accounts, r.wash_settings)
    assert sum(d.disallowed_usd for d in res.dispositions) == 0


def test_bad_settings():
    with pytest.raises(ConfigError, match="st_rate"):
        FlatRates(st_rate=1.5, lt_rate=0.15)
    with pytest.raises(ConfigError, match="substitutes"):
        HarvestSettings(substitutes={"A": "A"})
    with pytest.raises(ConfigError, match="lot_method"):
        TaxSettings(rates=FLAT, lot_method="specific")
