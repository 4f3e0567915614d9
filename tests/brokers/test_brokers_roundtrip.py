"""Property: positions written the ways Fidelity and Schwab write them (dollar signs,
thousands commas, parentheses, quotes, trailing commas, preambles and footers) read back to
the same numbers, to the cent."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rebal.brokers import read_positions

symbols = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=5)
holding = st.tuples(symbols, st.integers(1, 10**7), st.integers(0, 10**9))  # qty in 1/1000


HEADER = ("Account Number,Account Name,Symbol,Description,Quantity,Last Price,"
          "Last Price Change,Current Value,Today's Gain/Loss Dollar,Today's Gain/Loss Percent,"
          "Total Gain/Loss Dollar,Total Gain/Loss Percent,Percent Of Account,Cost Basis Total,"
          "Average Cost Basis,Type")


def _money(cents: int, style: int) -> str:
    mag = f"{abs(cents) / 100:,.2f}" if style % 2 else f"{abs(cents) / 100:.2f}"
    if cents < 0:
        return f"(${mag})" if style >= 2 else f"-${mag}"
    return f"${mag}"


@settings(max_examples=25, deadline=None)
@given(st.lists(holding, min_size=1, max_size=6, unique_by=lambda h: h[0]),
       st.integers(0, 3), st.integers(0, 2), st.booleans(),
       st.integers(-10**8, 10**8))
def test_fidelity_positions_round_trip(tmp_path_factory: pytest.TempPathFactory,
                                       rows: list[tuple[str, int, int]], style: int,
                                       preamble: int, trailing: bool, cash_cents: int) -> None:
    header = next(csv.reader([HEADER]))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for _ in range(preamble):
        w.writerow([])
    w.writerow(header)
    end = [""] if trailing else []
    w.writerow(["Z1", "Ind", "SPAXX**", "MONEY MARKET", "", "", "", _money(cash_cents, style),
                "", "", "", "", "", "", "", "Cash", *end])
    for sym, milli, basis_cents in rows:
        qty = milli / 1000
        w.writerow(["Z1", "Ind", sym, f"{sym} FUND", f"{qty:,.3f}", "$10.00", "+$0.01",
                    _money(milli * 1, style), "", "", "", "", "", _money(basis_cents, style),
                    "", "Cash", *end])
    w.writerow([])
    w.writerow(["The data and information in this spreadsheet is provided to you solely."])
    w.writerow(["Date downloaded Jun-30-2025 2:41 p.m ET"])
    path = tmp_path_factory.mktemp("f") / "p.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    f = read_positions(path, "fidelity")
    cash, *securities = f.positions
    assert cash.is_cash and round(cash.quantity * 100) == cash_cents
    assert [(p.symbol, round(p.quantity * 1000), round(p.cost_basis_usd * 100))
            for p in securities] == rows
