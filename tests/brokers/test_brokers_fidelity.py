"""Fidelity: positions (with cash, pending activity, footers), realized lots, history."""

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

POSITIONS = "Portfolio_Positions_Jun-30-2025.csv"
HEADER = ("Account Number,Account Name,Symbol,Description,Quantity,Last Price,"
          "Last Price Change,Current Value,Today's Gain/Loss Dollar,Today's Gain/Loss Percent,"
          "Total Gain/Loss Dollar,Total Gain/Loss Percent,Percent Of Account,Cost Basis Total,"
          "Average Cost Basis,Type\n")


def test_positions(fixture: Fixture) -> None:
    f = read_positions(fixture(POSITIONS), "fidelity")
    assert [(p.account_number, p.symbol, p.quantity, p.cost_basis_usd, p.is_cash)
            for p in f.positions] == [
        ("Z12345678", "SPAXX", 1234.56, None, True),
        ("Z12345678", "VTI", 100.0, 25000.0, False),
        ("Z12345678", "BND", 250.5, 18798.0, False),
        ("X87654321", "VXUS", 40.0, 2400.0, False),
    ]
    assert f.cash_usd == 1234.56  # pending activity is not cash yet
    assert f.statement_date == date(2025, 6, 30)  # "Date downloaded Jun-30-2025"
    assert f.accounts == ("Z12345678", "X87654321")
    assert f.notes == ("line 5: pending activity -50.00 USD in account ****5678 is not "
                       "counted as cash until it settles",)
    roth = f.for_account("X87654321")
    assert [p.symbol for p in roth.positions] == ["VXUS"] and roth.cash_usd is None
    assert f.to_dict()["positions"][0]["account_number"] == "****5678"


def test_positions_become_unknown_date_lots_at_average_cost(fixture: Fixture) -> None:
    f = read_lots(fixture(POSITIONS), "fidelity")
    assert [(x.symbol, x.quantity, x.cost_basis_usd, x.date_known) for x in f.lots] == [
        ("VTI", 100.0, 25000.0, False), ("BND", 250.5, 18798.0, False),
        ("VXUS", 40.0, 2400.0, False)]
    assert f.unknown_dates == 3
    held = f.lots[0].to_held_lot(lot_id="b:VTI:1", account="b")
    assert held.acquired == date(2025, 6, 30)  # the statement date
    assert held.cost_basis_usd / held.quantity == 250.0  # the average cost


def test_realized_lots(fixture: Fixture) -> None:
    f = read_lots(fixture("Realized_Gain_Loss.csv"), "fidelity")
    bnd, vti = f.closed
    assert (bnd.symbol, bnd.quantity, bnd.acquired, bnd.sold, bnd.proceeds_usd,
            bnd.cost_basis_usd, bnd.gain_usd) == (
        "BND", 20.0, date(2023, 3, 1), date(2025, 6, 10), 1449.98, 1500.0, -50.02)
    assert vti.acquired is None and vti.gain_usd == 200.0  # "VARIOUS"; 50 ST + 150 LT
    assert f.lots == ()


def test_history(fixture: Fixture) -> None:
    f = read_transactions(fixture("Accounts_History.csv"), "fidelity")
    got = [(t.type, t.symbol, t.quantity, t.amount_usd, t.source_line)
           for t in f.transactions]
    assert got == [
        (TxnType.BUY, "VTI", 10.0, -2900.0, 4),
        (TxnType.SELL, "BND", 20.0, 1449.98, 5),  # Fidelity's -20 → 20 shares sold
        (TxnType.DIVIDEND, "BND", None, 45.10, 6),
        (TxnType.REINVEST, "BND", 0.622, -45.10, 7),
        (TxnType.TRANSFER_IN, "", None, 1000.0, 8),
        (TxnType.INTEREST, "", None, 1.23, 9),
    ]
    assert f.transactions[1].fees_usd == 0.02


def test_inconsistent_average_cost_is_refused(write: Writer) -> None:
    path = write("p.csv", HEADER + "Z1,Ind,VTI,X,100,$300,,$30000,,,,,,$25000.00,$251.00,Cash,\n")
    with pytest.raises(InputError, match=re.escape("Cost Basis Total is 25,000.00")) as info:
        read_positions(path, "fidelity")
    assert (info.value.row, info.value.field) == (2, "Average Cost Basis")


def test_bad_quantity_names_line_and_column(write: Writer) -> None:
    path = write("p.csv", "\n" + HEADER + "Z1,Ind,VTI,X,1O0,$300,,$30000,,,,,,,,Cash,\n")
    with pytest.raises(InputError, match="'1O0' is not a number") as info:
        read_positions(path, "fidelity")
    assert (info.value.row, info.value.field) == (3, "Quantity")


def test_unknown_action_is_refused(write: Writer) -> None:
    path = write("h.csv", "Run Date,Action,Symbol,Quantity,Amount ($)\n"
                          "06/02/2025,YOU SHORTED XYZ,XYZ,5,100\n")
    with pytest.raises(InputError, match="unknown Fidelity action") as info:
        read_transactions(path, "fidelity")
    assert (info.value.row, info.value.field) == (2, "Action")


def test_a_schwab_file_is_not_read_as_fidelity(fixture: Fixture, write: Writer) -> None:
    path = write("s.csv", '"Symbol","Qty (Quantity)","Price"\n"VTI","5","$1"\n')
    with pytest.raises(InputError, match="Fidelity positions file"):
        read_positions(path, "fidelity")


def test_a_lots_import_of_another_file_says_what_it_needs(fixture: Fixture) -> None:
    with pytest.raises(InputError, match=r"Fidelity realized-lots file .* or positions file"):
        read_lots(fixture("Accounts_History.csv"), "fidelity")
    with pytest.raises(InputError, match="Schwab lot-details, realized-gain or positions"):
        read_lots(fixture("Accounts_History.csv"), "schwab")
