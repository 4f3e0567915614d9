"""Every malformed cell a reader uses is reported at its own line and column: each sample
file is corrupted one cell at a time and read again."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest

from rebal.brokers import read_lots, read_positions, read_transactions
from rebal.errors import InputError

Fixture = Callable[[str], Path]
Writer = Callable[[str, str], Path]

# (file, format, reader, header line, the columns the reader uses as numbers or dates)
CASES = [
    ("generic_positions.csv", "generic", read_positions, 1,
     ("quantity", "price", "value", "cost_basis")),
    ("generic_lots.csv", "generic", read_lots, 1, ("quantity", "acquired", "cost_basis")),
    ("generic_transactions.csv", "generic", read_transactions, 1,
     ("date", "quantity", "price", "fees", "amount")),
    ("Portfolio_Positions_Jun-30-2025.csv", "fidelity", read_positions, 1,
     ("Quantity", "Last Price", "Current Value", "Cost Basis Total", "Average Cost Basis")),
    ("Realized_Gain_Loss.csv", "fidelity", read_lots, 1,
     ("Quantity", "Date Sold", "Proceeds", "Cost Basis", "Long Term Gain/Loss")),
    ("Accounts_History.csv", "fidelity", read_transactions, 3,
     ("Run Date", "Quantity", "Price ($)", "Amount ($)", "Fees ($)")),
    ("schwab_positions.csv", "schwab", read_positions, 3,
     ("Qty (Quantity)", "Price", "Mkt Val (Market Value)", "Cost Basis")),
    ("Lot-Details-SCHB.CSV", "schwab", read_lots, 3,
     ("Open Date", "Quantity", "Cost/Share", "Cost Basis")),
    ("schwab_transactions.csv", "schwab", read_transactions, 1,
     ("Date", "Quantity", "Price", "Fees & Comm", "Amount")),
    ("OfxDownload.csv", "vanguard", read_transactions, 8,
     ("Trade Date", "Shares", "Share Price", "Net Amount")),
    ("PortfolioDownload.csv", "etrade", read_positions, 8,
     ("Quantity", "Last Price $", "Price Paid $", "Value $")),
]


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _render(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


@pytest.mark.parametrize(("name", "fmt", "reader", "header_line", "columns"), CASES,
                         ids=[c[0] + ":" + c[2].__name__ for c in CASES])
def test_each_bad_cell_is_named(fixture: Fixture, write: Writer, name: str, fmt: str,
                                reader: Callable[..., object], header_line: int,
                                columns: tuple[str, ...]) -> None:
    rows = _cells(fixture(name).read_text(encoding="utf-8"))  # one record a line here
    header = rows[header_line - 1]
    end = next((r for r in range(header_line, len(rows)) if not any(rows[r])), len(rows))
    checked = 0
    for col in columns:
        k = header.index(col)
        for r in range(header_line, end):
            cells = rows[r]
            if k >= len(cells) or not cells[k].strip() or cells[k].strip() == "--":
                continue  # only cells that hold a value; empty may be allowed
            if cells[0].strip().lower() in ("cash & cash investments", "account total",
                                            "transactions total", "total", "cash"):
                continue
            bad = [list(x) for x in rows]
            bad[r][k] = "12x"
            path = write(name, _render(bad))
            with pytest.raises(InputError) as info:
                reader(path, fmt)
            err = info.value
            assert (err.file, err.row, err.field) == (str(path), r + 1, col), str(err)
            assert "'12x'" in str(err) and "\n" not in str(err)
            checked += 1
    assert checked >= len(columns)
