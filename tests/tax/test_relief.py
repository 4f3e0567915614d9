"""Lot relief methods (Treas. Reg. §1.1012-1(c), (e))."""

from datetime import date

import pytest

from rebal.errors import InputError, RebalError
from rebal.tax.ledger import Ledger, audit
from rebal.tax.lots import Account, Lot, Trade
from rebal.tax.relief import ReliefError, average_basis_per_share, order_lots, select_lots
from rebal.types import LotMethod, Term

SALE = date(2025, 6, 2)


def lot(lot_id, qty, basis, acquired):
    return Lot(id=lot_id, account="b", symbol="X", quantity=qty, basis_usd=basis,
               acquired=acquired, holding_start=acquired, purchase_id=lot_id)


# FIFO order; per share: A 10 (LT), B 30 (LT), C 20 (ST), D 25 (ST)
LOTS = [
    lot("A", 10, 100.0, date(2023, 1, 5)),
    lot("B", 10, 300.0, date(2024, 2, 1)),
    lot("C", 10, 200.0, date(2025, 1, 10)),
    lot("D", 10, 250.0, date(2025, 3, 1)),
]


def ids(picks):
    return [(p.lot_id, p.quantity) for p in picks]


def test_fifo_lifo_hifo():
    assert ids(select_lots(LOTS, 15, LotMethod.FIFO, sale_date=SALE)) == [("A", 10), ("B", 5)]
    assert ids(select_lots(LOTS, 15, LotMethod.LIFO, sale_date=SALE)) == [("D", 10), ("C", 5)]
    assert ids(select_lots(LOTS, 15, LotMethod.HIFO, sale_date=SALE)) == [("B", 10), ("D", 5)]


def test_hcltf_long_term_highest_cost_first_then_short_term():
    assert order_lots(LOTS, LotMethod.HCLTF, sale_date=SALE) == [1, 0, 3, 2]
    assert ids(select_lots(LOTS, 25, LotMethod.HCLTF, sale_date=SALE)) == [
        ("B", 10), ("A", 10), ("D", 5)]


def test_tax_min_orders_by_tax_per_share():
    # price 22, st 0.37, lt 0.15. Tax per share: A (22-10)*.15=1.8, B (22-30)*.15=-1.2,
    # C (22-20)*.37=0.74, D (22-25)*.37=-1.11 → B, D, C, A.
    order = order_lots(LOTS, LotMethod.TAX_MIN, sale_date=SALE, price_usd=22.0,
                       st_rate=0.37, lt_rate=0.15)
    assert [LOTS[i].id for i in order] == ["B", "D", "C", "A"]


def test_tax_min_short_term_loss_before_equal_long_term_loss():
    lots = [lot("LT", 10, 300.0, date(2023, 1, 5)), lot("ST", 10, 300.0, date(2025, 5, 1))]
    order = order_lots(lots, LotMethod.TAX_MIN, sale_date=SALE, price_usd=25.0,
                       st_rate=0.35, lt_rate=0.15)
    assert [lots[i].id for i in order] == ["ST", "LT"]


def test_tax_min_needs_rates():
    with pytest.raises(ReliefError, match="rates"):
        select_lots(LOTS, 5, LotMethod.TAX_MIN, sale_date=SALE, price_usd=20.0)


def test_specific_in_named_order_and_errors():
    assert ids(select_lots(LOTS, 12, LotMethod.SPECIFIC, sale_date=SALE, lot_ids=["C", "A"])) == [
        ("C", 10), ("A", 2)]
    with pytest.raises(ReliefError, match="not held"):
        select_lots(LOTS, 1, LotMethod.SPECIFIC, sale_date=SALE, lot_ids=["Z"])
    with pytest.raises(ReliefError, match="hold only 10"):
        select_lots(LOTS, 11, LotMethod.SPECIFIC, sale_date=SALE, lot_ids=["C"])


def test_selling_more_than_held():
    with pytest.raises(ReliefError) as err:
        select_lots(LOTS, 40.5, LotMethod.FIFO, sale_date=SALE)
    assert err.value.field == "quantity"
    assert isinstance(err.value, RebalError)


def test_average_basis_per_share():
    assert average_basis_per_share(LOTS) == pytest.approx(850.0 / 40)


def T(d, side, q, p, **kw):
    kw.setdefault("account", "b")
    kw.setdefault("symbol", "X")
    return Trade(date=d, side=side, quantity=q, price_usd=p, **kw)


def test_average_basis_through_ledger_single_category_fifo_term():
    # §1.1012-1(e): fund with the election; basis per share = average of all shares;
    # holding period FIFO (the earliest shares are sold first).
    acct = Account(id="b", average_cost_symbols=frozenset({"X"}))
    trades = [
        T(date(2024, 1, 10), "buy", 100, 10.0),
        T(date(2025, 3, 1), "buy", 100, 14.0),
        T(date(2025, 4, 1), "sell", 150, 13.0),
    ]
    r = audit(trades, [acct])
    # average = 2400/200 = 12; 100 LT shares (gain 100), 50 ST shares (gain 50)
    assert [(d.quantity, d.term, round(d.basis_usd, 6)) for d in r.dispositions] == [
        (100, Term.LONG, 1200.0), (50, Term.SHORT, 600.0)]
    assert r.open_lots[0].basis_usd == pytest.approx(600.0)


def test_average_needs_election_and_forbids_lot_choice():
    led = Ledger([Account(id="b")])
    led.apply(T(date(2025, 1, 2), "buy", 10, 10.0))
    with pytest.raises(InputError, match="election"):
        led.apply(T(date(2025, 1, 3), "sell", 1, 10.0, method=LotMethod.AVERAGE))
    led2 = Ledger([Account(id="b", average_cost_symbols=frozenset({"X"}))])
    led2.apply(T(date(2025, 1, 2), "buy", 10, 10.0, lot_id="A"))
    with pytest.raises(InputError, match="average basis"):
        led2.apply(T(date(2025, 1, 3), "sell", 1, 10.0, lot_ids=("A",)))


def test_ledger_hifo_and_specific_errors():
    led = Ledger([Account(id="b", lot_method=LotMethod.HIFO)])
    led.apply(T(date(2025, 1, 2), "buy", 10, 10.0, lot_id="A"))
    led.apply(T(date(2025, 1, 3), "buy", 10, 12.0, lot_id="B"))
    led.apply(T(date(2025, 1, 6), "sell", 5, 11.0))
    assert led.dispositions()[0].lot_id == "B"
    led.apply(T(date(2025, 1, 7), "sell", 5, 11.0, lot_ids=("B",)))
    with pytest.raises(InputError, match="already sold in full") as err:
        led.apply(T(date(2025, 1, 8), "sell", 1, 11.0, lot_ids=("B",)))
    assert err.value.field == "lot_id"
    led.apply(T(date(2025, 1, 8), "buy", 5, 12.0, lot_id="C"))
    with pytest.raises(InputError, match="hold only 10"):
        led.apply(T(date(2025, 1, 8), "sell", 11, 11.0, lot_ids=("A",)))
    with pytest.raises(InputError, match="not held"):
        led.apply(T(date(2025, 1, 8), "sell", 1, 11.0, lot_ids=("Q",)))
    with pytest.raises(InputError, match="only 15 are held") as err:
        led.apply(T(date(2025, 1, 8), "sell", 15.5, 11.0))
    assert err.value.field == "quantity"


def test_fractional_shares_relieve_exactly():
    led = Ledger([Account(id="b")])
    led.apply(T(date(2025, 1, 2), "buy", 0.1, 10.0))
    led.apply(T(date(2025, 1, 2), "buy", 0.2, 10.0))
    led.apply(T(date(2025, 1, 3), "sell", 0.3, 10.0))
    assert led.open_lots() == ()
