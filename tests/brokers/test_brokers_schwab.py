"""Schwab: positions (preamble, cash and total rows), lot details, transactions."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from rebal.brokers import TxnType, read_lots, read_positions, read_transactions, reconcile
from rebal.errors import InputError

Fixture = Callable[[str], Path]
Writer = Callable[[str, str], Path]


def test_positions(fixture: Fixture) -> None:
    f = read_positions(fixture("schwab_positions.csv"), "schwab")
    assert [(p.symbol, p.quantity, p.cost_basis_usd, p.is_cash, p.source_line)
            for p in f.positions] == [
        ("SCHB", 1000.0, 20000.0, False, 4),  # "1,000" shares
        ("SCHZ", 400.5, 9811.0, False, 5),
        ("CASH", 650.0, None, True, 6),
    ]
    assert f.cash_usd == 650.0
    assert f.statement_date == date(2025, 6, 30) and f.account_number == "...123"


def test_account_total_must_match_the_rows(fixture: Fixture, write: Writer) -> None:
    text = fixture("schwab_positions.csv").read_text().replace('"$9,371.70"', '"$9,300.00"')
    words = "add up to 33,450.00, the Account Total row says 33,521.70"
    with pytest.raises(InputError, match=re.escape(words)) as info:
        read_positions(write("p.csv", text), "schwab")
    assert (info.value.row, info.value.field) == (7, "Mkt Val (Market Value)")


def test_lot_details_agree_with_the_position(fixture: Fixture) -> None:
    lots = read_lots(fixture("Lot-Details-SCHB.CSV"), "schwab")
    assert [(x.symbol, x.quantity, x.cost_basis_usd, x.acquired) for x in lots.lots] == [
        ("SCHB", 600.0, 9000.0, date(2020, 3, 16)), ("SCHB", 400.0, 11000.0, date(2025, 6, 2))]
    positions = read_positions(fixture("schwab_positions.csv"), "schwab")
    schb = [p for p in positions.positions if p.symbol == "SCHB"]
    assert reconcile(positions=schb, lots=lots.lots).ok


def test_lot_symbol_from_the_file_name(write: Writer) -> None:
    body = ('"Open Date","Quantity","Price","Cost/Share","Market Value","Cost Basis",'
            '"Gain/Loss $","Gain/Loss %","Holding Period",\n'
            '"01/02/2024","5","$10","$8.00","$50","$40.00","$10","25%","Long Term",\n')
    assert read_lots(write("Lot-Details-VTI.CSV", body), "schwab").lots[0].symbol == "VTI"
    with pytest.raises(InputError, match="cannot tell which security"):
        read_lots(write("lots.csv", body), "schwab")
    bad = body.replace('"$40.00"', '"$45.00"')
    with pytest.raises(InputError, match="disagrees") as info:
        read_lots(write("Lot-Details-VTI.CSV", bad), "schwab")
    assert (info.value.row, info.value.field) == (2, "Cost Basis")


def test_positions_without_lots_become_unknown_date_lots(fixture: Fixture) -> None:
    f = read_lots(fixture("schwab_positions.csv"), "schwab")
    assert [(x.symbol, x.cost_basis_usd, x.date_known) for x in f.lots] == \
        [("SCHB", 20000.0, False), ("SCHZ", 9811.0, False)]


def test_transactions(fixture: Fixture) -> None:
    f = read_transactions(fixture("schwab_transactions.csv"), "schwab")
    got = [(t.date, t.type, t.symbol, t.quantity, t.amount_usd) for t in f.transactions]
    assert got == [
        (date(2025, 6, 30), TxnType.REINVEST, "SCHB", 1.9149, -45.0),  # "as of" date
        (date(2025, 6, 30), TxnType.DIVIDEND, "SCHB", None, 45.0),
        (date(2025, 6, 20), TxnType.SELL, "SCHZ", 100.0, 2344.95),
        (date(2025, 6, 2), TxnType.BUY, "SCHB", 400.0, -11000.0),
        (date(2025, 6, 1), TxnType.TRANSFER_IN, "", None, 10000.0),
        (date(2025, 5, 30), TxnType.TRANSFER_OUT, "", None, -500.0),  # Journal, negative
        (date(2025, 5, 30), TxnType.INTEREST, "", None, 0.42),
    ]
    trades = f.trades("tx")  # date order
    assert [t.date for t in trades] == [date(2025, 6, 2), date(2025, 6, 20), date(2025, 6, 30)]
    assert trades[2].reinvested


def test_transactions_total_must_match(fixture: Fixture, write: Writer) -> None:
    text = fixture("schwab_transactions.csv").read_text().replace('"$845.37"', '"$845.00"')
    with pytest.raises(InputError, match=re.escape("Transactions Total row says 845.00")):
        read_transactions(write("t.csv", text), "schwab")


def test_unknown_action(write: Writer) -> None:
    path = write("t.csv", '"Date","Action","Symbol","Description","Quantity","Price",'
                          '"Fees & Comm","Amount",\n'
                          '"06/02/2025","Options Frwd Split","X","","1","","","",\n')
    with pytest.raises(InputError, match="unknown Schwab action 'Options Frwd Split'") as info:
        read_transactions(path, "schwab")
    assert (info.value.row, info.value.field) == (2, "Action")


def test_realized_gains_with_the_brokers_wash_sales(fixture: Fixture) -> None:
    f = read_lots(fixture("schwab_realized.csv"), "schwab")
    assert f.lots == ()
    schz, schb = f.closed
    assert (schz.quantity, schz.acquired, schz.sold, schz.proceeds_usd, schz.cost_basis_usd,
            schz.gain_usd, schz.wash_disallowed_usd) == (
        100.0, date(2023, 3, 1), date(2025, 6, 20), 2344.95, 2450.0, -105.05, 0.0)
    # a washed loss: $520 basis, $460 proceeds, $60 disallowed, so $0 realized
    assert (schb.gain_usd, schb.wash_disallowed_usd) == (0.0, 60.0)
    assert schb.proceeds_usd - schb.cost_basis_usd + schb.wash_disallowed_usd == 0.0
    assert schz.account_number == "...123"
