"""Interactive Brokers Flex Query reports: sectioned CSV, single-section CSV and XML."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from rebal.brokers import TxnType, read_lots, read_positions, read_transactions, reconcile
from rebal.errors import InputError

Fixture = Callable[[str], Path]
Writer = Callable[[str, str], Path]


@pytest.mark.parametrize("name", ["ibkr_flex.csv", "ibkr_flex.xml"])
def test_lots_csv_and_xml_agree(fixture: Fixture, name: str) -> None:
    f = read_lots(fixture(name), "ibkr-flex")
    assert [(x.symbol, x.quantity, x.cost_basis_usd, x.acquired, x.holding_start)
            for x in f.lots] == [
        ("VTI", 60.0, 9000.0, date(2020, 3, 16), date(2020, 3, 16)),
        ("VTI", 40.0, 15997.0, date(2025, 6, 2), date(2025, 5, 20)),  # tacked (wash sale)
    ]
    assert all(x.account_number == "U1234567" for x in f.lots)
    held = f.lots[1].to_held_lot(lot_id="ib:VTI:2", account="ib")
    assert held.holding_period_start == date(2025, 5, 20)


def test_positions_from_summary_rows_match_the_lots(fixture: Fixture) -> None:
    positions = read_positions(fixture("ibkr_flex.csv"), "ibkr-flex")
    (vti,) = positions.positions
    assert (vti.quantity, vti.cost_basis_usd, vti.value_usd) == (100.0, 24997.0, 30000.0)
    assert positions.statement_date == date(2025, 6, 30)
    lots = read_lots(fixture("ibkr_flex.csv"), "ibkr-flex").lots
    assert reconcile(positions=positions.positions, lots=lots).ok


def test_single_section_lot_query(fixture: Fixture) -> None:
    lots = read_lots(fixture("ibkr_lots.csv"), "ibkr-flex").lots
    assert [(x.quantity, x.cost_basis_usd) for x in lots] == [(120.5, 8700.10), (10.0, 720.0)]
    (bnd,) = read_positions(fixture("ibkr_lots.csv"), "ibkr-flex").positions
    assert (bnd.quantity, bnd.cost_basis_usd) == (130.5, pytest.approx(9420.10))


def test_transactions(fixture: Fixture) -> None:
    f = read_transactions(fixture("ibkr_flex.csv"), "ibkr-flex")
    assert [(t.type, t.symbol, t.quantity, t.price_usd, t.fees_usd, t.amount_usd)
            for t in f.transactions] == [
        (TxnType.BUY, "VTI", 40.0, 399.9, 1.0, -15997.0),
        (TxnType.SELL, "BND", 20.0, 72.5, 0.35, 1449.65),
        (TxnType.DIVIDEND, "VTI", None, None, 0.0, 35.1),
        (TxnType.TRANSFER_OUT, "", None, None, 0.0, -500.0),
    ]
    xml = read_transactions(fixture("ibkr_flex.xml"), "ibkr-flex").transactions
    assert [(t.type, t.amount_usd) for t in xml] == [(TxnType.BUY, -15997.0),
                                                    (TxnType.DIVIDEND, 35.1)]


def test_errors(fixture: Fixture, write: Writer) -> None:
    text = fixture("ibkr_flex.csv").read_text()
    with pytest.raises(InputError, match="currency EUR") as info:
        read_lots(write("a.csv", text.replace('"USD","VTI","VANGUARD TOTAL STOCK MKT ETF",'
                                              '"LOT","60"', '"EUR","VTI","X","LOT","60"')),
                  "ibkr-flex")
    assert (info.value.row, info.value.field) == (6, "CurrencyPrimary")
    with pytest.raises(InputError, match="short positions") as info:
        read_lots(write("b.csv", text.replace('"LOT","40"', '"LOT","-40"')), "ibkr-flex")
    assert (info.value.row, info.value.field) == (7, "Position")
    with pytest.raises(InputError, match="no open positions section"):
        read_lots(write("c.csv", "\n".join(x for x in text.splitlines()
                                           if '"POST"' not in x)), "ibkr-flex")
    with pytest.raises(InputError, match="not a valid XML") as info:
        read_lots(write("d.xml", "<FlexQueryResponse>\n<OpenPosition symbol='X'>\n"),
                  "ibkr-flex")
    assert info.value.row == 3


def test_closed_lot_rows_do_not_count_a_sale_twice(write: Writer) -> None:
    text = ('"ClientAccountID","CurrencyPrimary","Symbol","TradeDate","Buy/Sell","Quantity",'
            '"TradePrice","IBCommission","NetCash","LevelOfDetail","OpenDateTime"\n'
            '"U1","USD","BND","20250610","SELL","-20","72.5","-0.35","1449.65","EXECUTION",""\n'
            '"U1","USD","BND","20250610","SELL","-15","72.5","0","0","CLOSED_LOT",'
            '"20230301;000000"\n'
            '"U1","USD","BND","20250610","SELL","-5","72.5","0","0","CLOSED_LOT",'
            '"20240105;000000"\n')
    f = read_transactions(write("t.csv", text), "ibkr-flex")
    assert [(t.type, t.quantity) for t in f.transactions] == [(TxnType.SELL, 20.0)]
    assert f.notes == ("2 trade rows that are not EXECUTION rows (orders, closed lots, "
                       "summaries) skipped",)
