"""rebal's generic layouts: positions, lots, transactions, fills; and their errors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from rebal.brokers import (
    BrokerFormat,
    TxnType,
    read_fills,
    read_lots,
    read_positions,
    read_transactions,
)
from rebal.errors import ConfigError, InputError
from rebal.types import Side

Fixture = Callable[[str], Path]
Writer = Callable[[str, str], Path]


def test_positions(fixture: Fixture) -> None:
    f = read_positions(fixture("generic_positions.csv"), "generic")
    assert f.format is BrokerFormat.GENERIC
    vti, bnd, cash = f.positions
    assert (vti.symbol, vti.quantity, vti.cost_basis_usd, vti.value_usd) == \
        ("VTI", 100.0, 25000.0, 30000.0)
    assert vti.average_cost_usd == 250.0
    assert (bnd.quantity, bnd.cost_basis_usd) == (250.5, 18798.0)
    assert cash.is_cash and cash.quantity == 1234.56 and f.cash_usd == 1234.56
    assert (vti.source_line, bnd.source_line, cash.source_line) == (2, 3, 4)


def test_lots_with_and_without_dates(fixture: Fixture) -> None:
    f = read_lots(fixture("generic_lots.csv"), "generic")
    l1, l2, bnd = f.lots
    assert (l1.quantity, l1.cost_basis_usd, l1.acquired, l1.lot_ref) == \
        (60.0, 9000.0, date(2020, 3, 16), "L1")
    assert (l2.acquired, l2.cost_basis_usd) == (date(2025, 6, 2), 16000.0)
    assert not bnd.date_known and bnd.acquired is None and f.unknown_dates == 1
    assert "unknown acquisition date" in bnd.note and l1.note == ""


def test_lot_maps_onto_the_household_lot(fixture: Fixture) -> None:
    l1, _, bnd = read_lots(fixture("generic_lots.csv"), "generic").lots
    held = l1.to_held_lot(lot_id="tx:VTI:1", account="tx")
    assert (held.id, held.account, held.symbol, held.quantity, held.cost_basis_usd,
            held.acquired) == ("tx:VTI:1", "tx", "VTI", 60.0, 9000.0, date(2020, 3, 16))
    # unknown date: the plan date (conservative: short term)
    unknown = bnd.to_held_lot(lot_id="tx:BND:1", account="tx", as_of=date(2025, 6, 30))
    assert unknown.acquired == date(2025, 6, 30) and unknown.cost_basis_usd == 18798.0
    with pytest.raises(InputError, match="no acquisition date"):
        bnd.to_held_lot(lot_id="x", account="tx")


def test_transactions(fixture: Fixture) -> None:
    f = read_transactions(fixture("generic_transactions.csv"), "generic")
    kinds = [t.type for t in f.transactions]
    assert kinds == [TxnType.BUY, TxnType.SELL, TxnType.DIVIDEND, TxnType.REINVEST,
                     TxnType.TRANSFER_IN, TxnType.FEE]
    sell = f.transactions[1]
    assert sell.lot_ids == ("L7", "L8") and sell.fees_usd == 0.02
    assert f.transactions[5].amount_usd == -12.0  # "(12.00)"
    trades = f.trades("tx")
    assert [(t.side, t.quantity, t.price_usd, t.reinvested) for t in trades] == [
        (Side.BUY, 10.0, 290.0, False), (Side.SELL, 20.0, 72.5, False),
        (Side.BUY, 0.622, 72.5, True)]
    assert trades[1].lot_ids == ("L7", "L8") and trades[1].source_line == 3


def test_trade_price_from_amount(write: Writer) -> None:
    path = write("t.csv", "date,type,symbol,quantity,amount,fees\n"
                          "2025-01-02,buy,VTI,4,-1001.00,1.00\n"
                          "2025-01-03,sell,VTI,2,499.00,1.00\n")
    buy, sell = read_transactions(path, "generic").trades("tx")
    assert buy.price_usd == pytest.approx(250.0)  # (1001 - 1) / 4
    assert sell.price_usd == pytest.approx(250.0)  # (499 + 1) / 2


def test_fills(fixture: Fixture) -> None:
    sell, buy = read_fills(fixture("generic_fills.csv"))
    assert (sell.side, sell.quantity, sell.price_usd, sell.lot_ids) == \
        (Side.SELL, 15.0, 301.25, ("L1",))
    trade = sell.to_trade()
    assert trade.lot_ids == ("L1",) and trade.account == "brokerage"
    assert buy.to_trade().fees == 1.0 and buy.order_ref == "P7-2"


def test_fills_from_a_transactions_file(fixture: Fixture) -> None:
    fills = read_fills(fixture("generic_transactions.csv"), account="tx")
    assert [(x.side, x.symbol, x.quantity) for x in fills] == \
        [(Side.BUY, "VTI", 10.0), (Side.SELL, "BND", 20.0)]  # the DRIP is no order
    assert all(x.account == "tx" for x in fills)


@pytest.mark.parametrize(("text", "line", "field", "words"), [
    ("symbol,quantity\nVTI,abc\n", 2, "quantity", "not a number"),
    ("symbol,quantity\nVTI,-5\n", 2, "quantity", "short positions"),
    ("symbol,quantity\nVTI,5\n,3\n", 3, "symbol", "empty"),
    ("symbol,quantity,price\nVTI,5,0\n", 2, "price", "> 0"),
    ("symbol,quantity,colour\nVTI,5,red\n", 1, "colour", "unknown column"),
    ("symbol,quantity,type\nVTI,5,bond\n", 2, "type", "unknown type"),
    ("symbol,quantity\nVTI,5,7\n", 2, None, "cells"),
    ("symbol,quantity\nVTI,5\n\nBND,7\n", 4, None, "after the end of the table"),
    ("sym,qty\nVTI,5\n", 1, None, "no header row"),
])
def test_position_errors_name_file_line_and_field(write: Writer, text: str, line: int,
                                                  field: str | None, words: str) -> None:
    path = write("p.csv", text)
    with pytest.raises(InputError, match=words) as info:
        read_positions(path, "generic")
    err = info.value
    assert (err.file, err.row, err.field) == (str(path), line, field)
    assert str(err).startswith(f"{path}, line {line}")
    assert "\n" not in str(err)


@pytest.mark.parametrize(("text", "line", "field", "words"), [
    ("symbol,quantity,acquired,cost_basis\nVTI,5,2025-13-01,10\n", 2, "acquired", "not a date"),
    ("symbol,quantity,acquired,cost_basis\nVTI,0,2025-01-01,10\n", 2, "quantity", "> 0"),
    ("symbol,quantity,acquired,cost_basis,cost_per_share\nVTI,5,,10,3\n", 2, "cost_basis",
     "disagrees"),
    ("symbol,quantity,acquired\nVTI,5,2025-01-01\n", 1, "cost_basis", "cost_basis"),
])
def test_lot_errors(write: Writer, text: str, line: int, field: str, words: str) -> None:
    path = write("l.csv", text)
    with pytest.raises(InputError, match=words) as info:
        read_lots(path, "generic")
    assert (info.value.row, info.value.field) == (line, field)


@pytest.mark.parametrize(("text", "line", "field", "words"), [
    ("date,type,symbol,quantity,price\n2025-01-02,swap,VTI,1,2\n", 2, "type", "unknown value"),
    ("date,type,symbol,quantity,price\n2025-01-02,buy,,1,2\n", 2, "symbol", "symbol"),
    ("date,type,symbol,quantity,price\n2025-01-02,buy,VTI,,2\n", 2, "quantity", "quantity"),
    ("date,type,symbol,quantity\n2025-01-02,buy,VTI,1\n", 2, "price", "price or an amount"),
    ("date,type,symbol,quantity,price,fees\n2025-01-02,buy,VTI,1,2,-1\n", 2, "fees", ">= 0"),
    ("date,type,symbol,quantity,price\n01/02/25x,buy,VTI,1,2\n", 2, "date", "not a date"),
])
def test_transaction_errors(write: Writer, text: str, line: int, field: str,
                            words: str) -> None:
    path = write("t.csv", text)
    with pytest.raises(InputError, match=words) as info:
        read_transactions(path, "generic")
    assert (info.value.row, info.value.field) == (line, field)


def test_a_file_that_is_neither_fills_nor_transactions(write: Writer) -> None:
    with pytest.raises(InputError, match="is this a fills file"):
        read_fills(write("f.csv", "when,what\n2025-07-01,x\n"))


def test_fill_errors(write: Writer) -> None:
    path = write("f.csv", "date,account,symbol,side,quantity,price\n"
                          "2025-07-01,tx,VTI,short,1,2\n")
    with pytest.raises(InputError, match="unknown side") as info:
        read_fills(path)
    assert (info.value.row, info.value.field) == (2, "side")


def test_file_problems(write: Writer, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        read_positions(tmp_path / "missing.csv", "generic")
    with pytest.raises(InputError, match="empty"):
        read_positions(write("e.csv", "\n\n"), "generic")
    with pytest.raises(ConfigError, match="--format: unknown value 'robinhood'"):
        read_positions(write("x.csv", "symbol,quantity\n"), "robinhood")
    with pytest.raises(ConfigError, match="no transactions file"):
        read_transactions(write("y.csv", "a\n"), "etrade")


def test_windows_line_ends_byte_order_mark_and_cp1252(fixture: Fixture, tmp_path: Path) -> None:
    """Downloads saved on Windows: CRLF, a UTF-8 BOM, or cp1252 text (a '®' in a name)."""
    text = fixture("generic_positions.csv").read_text(encoding="utf-8")
    text = text.replace("Total stock market", "Total stock market®")
    want = [(p.symbol, p.quantity) for p in
            read_positions(fixture("generic_positions.csv"), "generic").positions]
    for name, data in [("crlf.csv", text.replace("\n", "\r\n").encode("utf-8")),
                       ("bom.csv", b"\xef\xbb\xbf" + text.encode("utf-8")),
                       ("cp1252.csv", text.encode("cp1252"))]:
        path = tmp_path / name
        path.write_bytes(data)
        f = read_positions(path, "generic")
        assert [(p.symbol, p.quantity) for p in f.positions] == want, name
        assert f.positions[0].description == "Total stock market®", name
        assert [p.source_line for p in f.positions] == [2, 3, 4], name


def test_a_spreadsheet_is_not_a_csv(tmp_path: Path) -> None:
    path = tmp_path / "positions.xlsx"
    path.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\x81\x8d\x00binary")
    with pytest.raises(InputError) as info:
        read_positions(path, "fidelity")
    assert info.value.file == str(path) and "\n" not in str(info.value)
