"""Reconciliation: lots vs positions; transactions vs lots and cash. Every expected number
below is worked by hand from the sample files."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from rebal.brokers import (
    ImportedLot,
    IssueKind,
    Position,
    ReconIssue,
    read_lots,
    read_positions,
    read_transactions,
    reconcile,
)

Fixture = Callable[[str], Path]
Writer = Callable[[str, str], Path]


def _lot(symbol: str, quantity: float, basis: float | None, acquired: date | None,
         account: str = "A1") -> ImportedLot:
    return ImportedLot(symbol=symbol, quantity=quantity, cost_basis_usd=basis,
                       acquired=acquired, date_known=acquired is not None,
                       account_number=account)


def _pos(symbol: str, quantity: float, basis: float | None, line: int,
         account: str = "A1") -> Position:
    return Position(symbol=symbol, quantity=quantity, cost_basis_usd=basis,
                    account_number=account, source_file="p.csv", source_line=line)


def test_lots_against_positions() -> None:
    positions = [_pos("VTI", 100, 25000, 2), _pos("BND", 50, 3600, 3), _pos("VXUS", 40, 2400, 4),
                 Position(symbol="SPAXX", quantity=99, is_cash=True, account_number="A1")]
    lots = [_lot("VTI", 60, 9000, date(2020, 3, 16)), _lot("VTI", 39, 16000, date(2025, 6, 2)),
            _lot("BND", 50, 3500, date(2023, 3, 1)), _lot("AGG", 5, 500, date(2024, 1, 2))]
    result = reconcile(positions=positions, lots=lots)
    got = {(i.kind, i.symbol, i.expected, i.found, i.source_line) for i in result.issues}
    assert got == {
        (IssueKind.QUANTITY_MISMATCH, "VTI", 100.0, 99.0, 2),
        (IssueKind.BASIS_MISMATCH, "BND", 3600.0, 3500.0, 3),
        (IssueKind.POSITION_WITHOUT_LOTS, "VXUS", 40.0, 0.0, 4),
        (IssueKind.LOTS_WITHOUT_POSITION, "AGG", 0.0, 5.0, 0),
    }
    assert not result.ok and result.securities_checked == 4  # cash is not a security
    vti = result.of_kind(IssueKind.QUANTITY_MISMATCH)[0]
    assert vti.line() == "p.csv, line 2: VTI: the lots hold 99 shares, the position 100 " \
                         "(difference -1)"
    masked = ReconIssue(kind=IssueKind.CASH_MISMATCH, symbol="", message="m",
                        account_number="Z12345678")
    assert result.to_dict()["ok"] is False
    assert masked.to_dict()["account_number"] == "****5678"


def test_lots_that_match_within_a_cent_a_lot() -> None:
    positions = [_pos("VTI", 100, 25000.02, 2)]
    lots = [_lot("VTI", 60, 9000.01, None), _lot("VTI", 40, 16000.00, None)]
    assert reconcile(positions=positions, lots=lots).ok


def test_fidelity_history_against_opening_lots_and_cash(fixture: Fixture) -> None:
    txns = read_transactions(fixture("Accounts_History.csv"), "fidelity").transactions
    opening = [_lot("BND", 250, 18000, date(2023, 3, 1))]
    # cash: -2900 + 1449.98 + 45.10 - 45.10 + 1000 + 1.23 = -448.79
    ok = reconcile(transactions=txns, opening_lots=opening, opening_cash_usd=5000.0,
                   closing_cash_usd=4551.21)
    assert ok.ok and ok.transactions_checked == 6
    off = reconcile(transactions=txns, opening_lots=opening, opening_cash_usd=5000.0,
                    closing_cash_usd=4551.00)
    (issue,) = off.issues
    assert issue.kind is IssueKind.CASH_MISMATCH
    assert issue.expected == pytest.approx(4551.21) and issue.found == 4551.00
    assert "difference -0.21" in issue.message


def test_a_sell_with_no_lot(fixture: Fixture) -> None:
    txns = read_transactions(fixture("Accounts_History.csv"), "fidelity").transactions
    (issue,) = reconcile(transactions=txns).issues  # no BND held before the sale
    assert (issue.kind, issue.symbol, issue.expected, issue.found, issue.source_line) == \
        (IssueKind.SELL_WITHOUT_LOT, "BND", 20.0, 0.0, 5)
    assert issue.message == "sale of 20 BND on 2025-06-10 with no lot: 0 shares held then"
    # a lot bought after the sale does not cover it; 15 shares before it cover 15 only
    later = [_lot("BND", 250, 18000, date(2025, 7, 1))]
    assert reconcile(transactions=txns, opening_lots=later).of_kind(IssueKind.SELL_WITHOUT_LOT)
    (short,) = reconcile(transactions=txns,
                         opening_lots=[_lot("BND", 15, 1000, date(2024, 1, 2))]).issues
    assert short.found == 15.0
    # an unknown-date lot (from a position) counts from the start
    assert reconcile(transactions=txns, opening_lots=[_lot("BND", 20, None, None)]).ok


def test_buys_in_the_file_cover_later_sales(write: Writer) -> None:
    path = write("t.csv", "date,type,symbol,quantity,price,amount\n"
                          "2025-01-02,buy,VTI,10,100,-1000\n"
                          "2025-01-03,sell,VTI,4,110,440\n"
                          "2025-01-04,sell,VTI,7,120,840\n")
    (issue,) = reconcile(transactions=read_transactions(path, "generic").transactions).issues
    assert (issue.source_line, issue.found) == (4, 6.0)  # 10 - 4 held, 7 sold


def test_trade_cash_that_does_not_add_up(fixture: Fixture, write: Writer) -> None:
    text = fixture("schwab_transactions.csv").read_text()
    text = text.replace('"$2,344.95"', '"$2,345.95"').replace('"$845.37"', '"$846.37"')
    txns = read_transactions(write("t.csv", text), "schwab").transactions
    opening = [_lot("SCHZ", 400.5, 9811, None)]
    (issue,) = reconcile(transactions=txns, opening_lots=opening).issues
    # 100 × 23.45 - 0.05 = 2,344.95 expected
    assert (issue.kind, issue.expected, issue.found, issue.source_line) == \
        (IssueKind.TRADE_CASH_MISMATCH, pytest.approx(2344.95), 2345.95, 4)


def test_sample_files_reconcile(fixture: Fixture) -> None:
    """Each broker's sample transactions agree with their own cash arithmetic."""
    for name, fmt in [("schwab_transactions.csv", "schwab"), ("OfxDownload.csv", "vanguard"),
                      ("ibkr_flex.csv", "ibkr-flex"), ("generic_transactions.csv", "generic")]:
        txns = read_transactions(fixture(name), fmt).transactions
        assert not reconcile(transactions=txns).of_kind(IssueKind.TRADE_CASH_MISMATCH), name


def test_schwab_positions_against_lot_details_per_account(fixture: Fixture) -> None:
    positions = read_positions(fixture("schwab_positions.csv"), "schwab").positions
    lots = read_lots(fixture("Lot-Details-SCHB.CSV"), "schwab").lots
    result = reconcile(positions=positions, lots=lots)
    (issue,) = result.issues  # SCHZ has no lot-details file
    assert (issue.kind, issue.symbol) == (IssueKind.POSITION_WITHOUT_LOTS, "SCHZ")


def test_a_sale_naming_a_lot_that_is_not_there(write: Writer) -> None:
    path = write("t.csv", "date,type,symbol,quantity,price,amount,lot_id\n"
                          "2025-01-02,buy,VTI,10,100,-1000,B1\n"
                          "2025-01-03,sell,VTI,4,110,440,L1;B1\n"
                          "2025-01-04,sell,VTI,2,120,240,L9\n")
    txns = read_transactions(path, "generic").transactions
    opening = [ImportedLot(symbol="VTI", quantity=5, cost_basis_usd=400,
                           acquired=date(2024, 1, 2), lot_ref="L1")]
    (issue,) = reconcile(transactions=txns, opening_lots=opening).issues
    assert (issue.kind, issue.source_line) == (IssueKind.SELL_WITHOUT_LOT, 4)
    assert "names lot 'L9'" in issue.message
    # without any known lot ids, names are not checked (only quantities)
    bare = [ImportedLot(symbol="VTI", quantity=6, cost_basis_usd=480, acquired=None)]
    txns_no_buy_ids = [t for t in txns if t.type.value == "sell"]
    assert reconcile(transactions=txns_no_buy_ids, opening_lots=bare).ok
