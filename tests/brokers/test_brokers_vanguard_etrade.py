"""Vanguard's two-section OfxDownload.csv and E*TRADE's PortfolioDownload.csv."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from rebal.brokers import TxnType, read_lots, read_positions, read_transactions
from rebal.errors import InputError

Fixture = Callable[[str], Path]
Writer = Callable[[str, str], Path]


def test_vanguard_positions(fixture: Fixture) -> None:
    f = read_positions(fixture("OfxDownload.csv"), "vanguard")
    assert [(p.symbol, p.quantity, p.is_cash) for p in f.positions] == \
        [("VMFXX", 1500.25, True), ("VTI", 50.0, False)]  # the 0-share BND row is dropped
    assert f.cash_usd == 1500.25 and f.account_number == "12345678"


def test_vanguard_lots_have_no_basis(fixture: Fixture) -> None:
    f = read_lots(fixture("OfxDownload.csv"), "vanguard")
    (vti,) = f.lots
    assert (vti.quantity, vti.cost_basis_usd, vti.date_known) == (50.0, None, False)
    assert "no cost basis" in f.notes[0]
    ira = vti.to_held_lot(lot_id="ira:VTI:1", account="ira", as_of=date(2025, 6, 30),
                          taxable=False)
    assert ira.cost_basis_usd is None
    with pytest.raises(InputError, match="no cost basis for a lot in a taxable account"):
        vti.to_held_lot(lot_id="tx:VTI:1", account="tx", as_of=date(2025, 6, 30))


def test_vanguard_transactions(fixture: Fixture) -> None:
    f = read_transactions(fixture("OfxDownload.csv"), "vanguard")
    assert [(t.type, t.symbol, t.quantity, t.amount_usd, t.source_line)
            for t in f.transactions] == [
        (TxnType.BUY, "VTI", 10.0, -2900.0, 9),
        (TxnType.SELL, "BND", 20.0, 1450.0, 11),
        (TxnType.DIVIDEND, "VTI", None, 35.10, 12),
        (TxnType.TRANSFER_IN, "VMFXX", 1000.0, 1000.0, 13),
    ]
    assert f.notes == ("1 sweep lines (settlement fund ↔ cash) skipped",)


def test_vanguard_rows_between_sections_are_refused(fixture: Fixture, write: Writer) -> None:
    text = fixture("OfxDownload.csv").read_text().replace(
        "\n\n\n", "\n\n12345678,VANGUARD X,VXUS,5,60.00,300.00,\n\n", 1)
    with pytest.raises(InputError, match="after the end of the table") as info:
        read_positions(write("OfxDownload.csv", text), "vanguard")
    assert info.value.row == 6


def test_etrade_positions_and_lots(fixture: Fixture) -> None:
    f = read_positions(fixture("PortfolioDownload.csv"), "etrade")
    assert [(p.symbol, p.quantity, p.cost_basis_usd, p.is_cash, p.source_line)
            for p in f.positions] == [
        ("VTI", 50.0, 12500.0, False, 9),  # 50 × Price Paid $250
        ("AAPL", 50.0, 8850.0, False, 10),
        ("CASH", 650.0, None, True, 11),
    ]
    assert f.cash_usd == 650.0 and f.account_number == "...1234"
    lots = read_lots(fixture("PortfolioDownload.csv"), "etrade").lots
    assert [(x.symbol, x.cost_basis_usd / x.quantity, x.date_known) for x in lots] == \
        [("VTI", 250.0, False), ("AAPL", 177.0, False)]


def test_etrade_bad_price_paid(fixture: Fixture, write: Writer) -> None:
    text = fixture("PortfolioDownload.csv").read_text().replace(",50,177.00,", ",50,17 7.00,")
    with pytest.raises(InputError, match=re.escape("'17 7.00' is not a number")) as info:
        read_positions(write("p.csv", text), "etrade")
    assert (info.value.row, info.value.field) == (10, "Price Paid $")
