"""Audit of a trade history: dispositions, Form 8949 lines, year totals, open lots."""

import json
import random
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from rebal.errors import InputError
from rebal.tax.history import load_tax_household, load_trades
from rebal.tax.ledger import Ledger, audit, year_totals
from rebal.tax.lots import Account, Trade, WashSaleSettings
from rebal.types import AccountType, LotMethod, Owner, Term

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "tax"
B = Account(id="b")


def T(d, side, q, p, account="b", symbol="X", **kw):
    return Trade(date=d, account=account, symbol=symbol, side=side, quantity=q, price_usd=p, **kw)


def test_form_8949_line_for_e1_wash_sale():
    r = audit([
        T(date(2025, 1, 6), "buy", 100, 10.0),
        T(date(2025, 3, 3), "sell", 100, 7.5),
        T(date(2025, 3, 20), "buy", 100, 8.0),
    ], [B])
    (line,) = r.form_8949
    assert (line.part, line.box, line.code) == ("I", "A", "W")
    assert (line.proceeds_usd, line.cost_basis_usd, line.adjustment_usd) == (750.0, 1000.0, 250.0)
    assert line.gain_or_loss_usd == 0.0
    assert line.date_acquired == date(2025, 1, 6) and line.date_sold == date(2025, 3, 3)
    assert line.description == "100 sh X"
    assert r.adjusted_lots[0].basis_usd == pytest.approx(1050.0)


def test_long_term_line_box_and_fees():
    r = audit([
        T(date(2023, 5, 1), "buy", 10, 100.0, fees=5.0),    # basis 1005
        T(date(2024, 5, 2), "sell", 10, 120.0, fees=7.0),   # proceeds 1193, long term
    ], [B], WashSaleSettings(basis_reported_to_irs=False))
    (d,) = r.dispositions
    assert d.term is Term.LONG
    assert d.basis_usd == pytest.approx(1005.0) and d.proceeds_usd == pytest.approx(1193.0)
    (line,) = r.form_8949
    assert (line.part, line.box, line.code, line.gain_or_loss_usd) == ("II", "E", "", 188.0)
    (y,) = r.year_totals
    assert (y.year, y.lt_gains_usd, y.st_gains_usd) == (2024, pytest.approx(188.0), 0.0)


def test_year_totals_split_by_year_term_and_owner():
    sp = Account(id="sp", owner=Owner.SPOUSE)
    r = audit([
        T(date(2023, 1, 3), "buy", 10, 10.0),
        T(date(2024, 1, 3), "buy", 10, 10.0, account="sp"),
        T(date(2024, 6, 3), "sell", 5, 12.0),                 # LT +10
        T(date(2024, 6, 3), "sell", 5, 9.0, account="sp"),    # ST -5
        T(date(2025, 2, 3), "sell", 5, 8.0),                  # LT -10
    ], [B, sp])
    y24, y25 = r.year_totals
    assert (y24.net_lt_usd, y24.net_st_usd) == (pytest.approx(10.0), pytest.approx(-5.0))
    assert (y25.lt_losses_usd, y25.n_dispositions) == (pytest.approx(-10.0), 1)
    (mine,) = [y for y in year_totals(r.dispositions, owner=Owner.SPOUSE)]
    assert (mine.year, mine.st_losses_usd, mine.lt_gains_usd) == (2024, pytest.approx(-5.0), 0.0)


def test_result_is_json_serialisable_and_frozen():
    r = audit([T(date(2025, 1, 2), "buy", 1, 10.0), T(date(2025, 2, 3), "sell", 1, 9.0),
               T(date(2025, 2, 4), "buy", 1, 9.0)], [B])
    text = json.dumps(r.to_dict())
    assert '"code": "W"' in text
    with pytest.raises(AttributeError):
        r.dispositions[0].gain_usd = 0.0  # type: ignore[misc]


def test_in_memory_errors_are_rebal_errors():
    led = Ledger([B])
    with pytest.raises(InputError, match="unknown account"):
        led.apply(T(date(2025, 1, 2), "buy", 1, 10.0, account="zz"))
    led.apply(T(date(2025, 1, 2), "buy", 1, 10.0))
    with pytest.raises(InputError, match="before the previous"):
        led.apply(T(date(2025, 1, 1), "buy", 1, 10.0))
    with pytest.raises(InputError, match="already used"):
        led.apply(T(date(2025, 1, 3), "buy", 1, 10.0, lot_id="L1"))


def test_example_files_audit():
    hh = load_tax_household(EXAMPLES / "household.yaml")
    hist = load_trades(EXAMPLES / "trades.csv", accounts=hh.accounts)
    r = audit(hist.trades, hh.accounts, hh.settings, st_rate=hh.st_rate, lt_rate=hh.lt_rate)
    by_symbol = {d.symbol: d for d in r.dispositions}
    voo = by_symbol["VOO"]
    # 100 VOO: basis 43,000, proceeds 40,000 - 4.95 fees: loss 3,004.95 = 30.0495/share.
    # 30 shares replaced in the IRA (IVV, same group): 901.485 lost for good (Rev. Rul.
    # 2008-5); 40 in the spouse's SPY: 1,201.98 deferred; 30 shares' loss allowed.
    assert voo.gain_usd == pytest.approx(-3004.95)
    assert voo.permanently_disallowed_usd == pytest.approx(901.485)
    assert voo.deferred_usd == pytest.approx(1201.98)
    assert voo.recognized_usd == pytest.approx(-901.485)
    assert voo.term is Term.LONG
    spy = next(lot for lot in r.open_lots if lot.symbol == "SPY")
    assert spy.basis_usd == pytest.approx(16400.0 + 1201.98)
    assert spy.holding_start == date(2025, 4, 22) - timedelta(days=450)
    ivv = next(lot for lot in r.open_lots if lot.symbol == "IVV")
    assert ivv.basis_usd == pytest.approx(11850.0) and not ivv.adjustments
    # BND: the 1.5-share DRIP 18 days earlier washes 1.5 of 200 shares (3 $/share).
    bnd = by_symbol["BND"]
    assert bnd.disallowed_usd == pytest.approx(4.5) and bnd.recognized_usd == pytest.approx(
        -595.5)
    # VTSAX with the average-basis election: (12,000 + 6,500) / 150 = 123.33/share.
    vtsax = by_symbol["VTSAX"]
    assert vtsax.basis_usd == pytest.approx(7400.0) and vtsax.term is Term.LONG
    assert by_symbol["QQQ"].lot_id == "QQQ-A" and by_symbol["QQQ"].recognized_usd == -200.0
    assert by_symbol["VTI"].recognized_usd == pytest.approx(600.0)
    y24, y25 = r.year_totals
    assert y24.net_st_usd == pytest.approx(-595.5)
    assert y25.net_lt_usd == pytest.approx(600.0 + 100.0 - 901.485)
    assert y25.net_st_usd == pytest.approx(-200.0)
    json.dumps(r.to_dict())


def test_thousands_of_trades_are_fast():
    # A taxable backtest applies trades one by one for decades: 8 years of daily buys
    # across 3 accounts with monthly HIFO sales must take well under a few seconds.
    rng = random.Random(7)
    accounts = [Account(id="b", lot_method=LotMethod.HIFO), Account(id="sp"),
                Account(id="ira", type=AccountType.ROTH)]
    led = Ledger(accounts, WashSaleSettings.from_groups({"g": ["A", "B"]}))
    prices = {"A": 100.0, "B": 100.0, "C": 50.0}
    day = date(2000, 1, 3)
    start = time.perf_counter()
    n = 0
    for i in range(2000):
        day += timedelta(days=1)
        for s in prices:
            prices[s] *= rng.lognormvariate(0.0, 0.015)
        for a in ("b", "sp", "ira"):
            s = rng.choice(list(prices))
            led.apply(Trade(date=day, account=a, symbol=s, side="buy",
                            quantity=rng.uniform(0.5, 3.0), price_usd=prices[s]))
            n += 1
        if i % 21 == 0:
            for lot in {(x.account, x.symbol) for x in led.open_lots()}:
                held = sum(x.quantity for x in led.open_lots(*lot))
                led.apply(Trade(date=day, account=lot[0], symbol=lot[1], side="sell",
                                quantity=held * 0.4, price_usd=prices[lot[1]]))
                n += 1
    result = led.result()
    elapsed = time.perf_counter() - start
    assert n > 6000
    assert any(d.disallowed_usd > 0 for d in result.dispositions)
    assert elapsed < 10.0, f"{n} trades took {elapsed:.1f}s"
