"""``Ledger.apply(trade, picks=...)``: a sale whose lots the caller chose (a taxable
backtest) relieves exactly those shares, and bad picks are refused.

Hand-worked lots: three buys of X in one taxable account, no fees,
L1 10 sh @ $10 (2024-01-02), L2 10 sh @ $30 (2024-03-01), L3 10 sh @ $20 (2024-06-03).
"""

from __future__ import annotations

from datetime import date

import pytest

from rebal.errors import ConfigError
from rebal.tax.ledger import Ledger
from rebal.tax.lots import Account, Trade
from rebal.tax.relief import LotPick
from rebal.types import LotMethod, Term

SALE = date(2025, 2, 3)  # L1 long term (held > 1 year), L2 and L3 short term


def _ledger() -> Ledger:
    led = Ledger([Account(id="b", lot_method=LotMethod.FIFO)])
    for d, px in ((date(2024, 1, 2), 10.0), (date(2024, 3, 1), 30.0), (date(2024, 6, 3), 20.0)):
        led.apply(Trade(date=d, account="b", symbol="X", side="buy", quantity=10, price_usd=px))
    return led


def _sale(qty: float, lot_ids: tuple[str, ...], fees: float = 0.0) -> Trade:
    return Trade(date=SALE, account="b", symbol="X", side="sell", quantity=qty, price_usd=25.0,
                 fees=fees, method=LotMethod.SPECIFIC, lot_ids=lot_ids)


def test_picks_relieve_the_named_shares_not_the_account_method():
    led = _ledger()
    # 15 shares: all of L2 (index 1) then 5 of L3 (index 2); the account's FIFO would take L1
    picks = [LotPick(index=1, lot_id="L2", quantity=10.0),
             LotPick(index=2, lot_id="L3", quantity=5.0)]
    led.apply(_sale(15.0, ("L2", "L3"), fees=3.0), picks=picks)
    d2, d3 = led.dispositions()
    # net proceeds 15 x 25 - 3 = 372, split by shares: 248 and 124
    assert (d2.lot_id, d2.quantity, d2.basis_usd, d2.proceeds_usd) == ("L2", 10.0, 300.0, 248.0)
    assert d2.gain_usd == pytest.approx(-52.0) and d2.term is Term.SHORT
    assert (d3.lot_id, d3.quantity, d3.basis_usd, d3.proceeds_usd) == ("L3", 5.0, 100.0, 124.0)
    assert d3.gain_usd == pytest.approx(24.0)
    left = [(v.id, v.quantity, v.basis_usd) for v in led.lot_views("b", "X")]
    assert left == [("L1", 10.0, 100.0), ("L3", 5.0, 100.0)]


def test_picks_equal_the_ledgers_own_specific_relief():
    mine, theirs = _ledger(), _ledger()
    trade = _sale(12.0, ("L3", "L1"))
    mine.apply(trade, picks=[LotPick(index=2, lot_id="L3", quantity=10.0),
                             LotPick(index=0, lot_id="L1", quantity=2.0)])
    theirs.apply(trade)
    assert mine.dispositions() == theirs.dispositions()
    assert mine.open_lots() == theirs.open_lots()


@pytest.mark.parametrize(("qty", "lot_ids", "picks", "why"), [
    (5.0, ("L1",), [LotPick(index=3, lot_id="L1", quantity=5.0)], "out of range"),
    (5.0, ("L1",), [LotPick(index=-1, lot_id="L1", quantity=5.0)], "out of range"),
    (5.0, ("L2",), [LotPick(index=0, lot_id="L2", quantity=5.0)], "not 'L2'"),
    (5.0, ("L1",), [LotPick(index=0, lot_id="L1", quantity=0.0)], "holds 10"),
    (11.0, ("L1",), [LotPick(index=0, lot_id="L1", quantity=11.0)], "holds 10"),
    (6.0, ("L1",), [LotPick(index=0, lot_id="L1", quantity=5.0)], "picks hold 5"),
    (10.0, ("L1", "L1"), [LotPick(index=0, lot_id="L1", quantity=5.0),
                          LotPick(index=0, lot_id="L1", quantity=5.0)], "repeated"),
    (5.0, ("L2",), [LotPick(index=0, lot_id="L1", quantity=5.0)], "names lots"),
    (5.0, ("L1",), [], "no lots"),
])
def test_bad_picks_are_refused(qty, lot_ids, picks, why):
    led = _ledger()
    with pytest.raises(ConfigError, match=why):
        led.apply(_sale(qty, lot_ids), picks=picks)
    # nothing was sold
    assert [v.quantity for v in led.lot_views("b", "X")] == [10.0, 10.0, 10.0]
    assert led.dispositions() == ()


def test_picks_need_a_specific_sale():
    led = _ledger()
    fifo = Trade(date=SALE, account="b", symbol="X", side="sell", quantity=5.0, price_usd=25.0,
                 method=LotMethod.FIFO, lot_ids=("L1",))
    with pytest.raises(ConfigError, match="method is fifo"):
        led.apply(fifo, picks=[LotPick(index=0, lot_id="L1", quantity=5.0)])
    buy = Trade(date=SALE, account="b", symbol="X", side="buy", quantity=1.0, price_usd=25.0)
    with pytest.raises(ConfigError, match="sales only"):
        led.apply(buy, picks=[LotPick(index=0, lot_id="L1", quantity=1.0)])
