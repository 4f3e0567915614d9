"""Order files: the generic CSV with specific-lot instructions, IBKR's BasketTrader CSV,
and the planner's trades turned into orders."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest

from rebal.brokers import (
    LotInstruction,
    OrderLine,
    OrderType,
    orders_from_trades,
    render_orders,
    write_orders,
)
from rebal.errors import ConfigError
from rebal.types import Side

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "households"

SELL = OrderLine(
    account="Z12345678", symbol="VTI", side=Side.SELL, quantity=25, est_price_usd=300.0,
    lots=(LotInstruction(lot_id="L2", quantity=20, acquired=date(2025, 6, 2),
                         cost_per_share_usd=400.0),
          LotInstruction(lot_id="L1", quantity=5, acquired=date(2020, 3, 16),
                         cost_per_share_usd=150.0)),
)
BUY = OrderLine(account="Z12345678", symbol="VXUS", side=Side.BUY, quantity=10,
                order_type=OrderType.LIMIT, limit_price_usd=65.5, est_price_usd=65.0)


def test_generic_file_spells_out_each_lot() -> None:
    text, notes = render_orders([SELL, BUY], "generic")
    assert notes == ()
    assert text.splitlines() == [
        "account,symbol,side,quantity,order_type,limit_price,time_in_force,lot_method,lot_id,"
        "lot_open_date,lot_quantity,lot_cost_per_share,est_price,reference",
        "Z12345678,VTI,sell,25,market,,day,specific,L2,2025-06-02,20,400,300,",
        "Z12345678,VTI,sell,25,market,,day,specific,L1,2020-03-16,5,150,300,",
        "Z12345678,VXUS,buy,10,limit,65.5,day,,,,,,65,",
    ]


def test_ibkr_basket_file() -> None:
    market = OrderLine(account="", symbol="VTI", side=Side.BUY, quantity=10)
    text, notes = render_orders([market], "ibkr-basket")
    # BROKER_FORMATS.md's example, byte for byte
    assert text == ("Action,Quantity,Symbol,SecType,Exchange,Currency,TimeInForce,OrderType,"
                    "LmtPrice\nBUY,10,VTI,STK,SMART,USD,DAY,MKT,\n")
    assert notes == ()
    text, notes = render_orders([SELL, BUY], "ibkr-basket")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][-1] == "Account"
    assert rows[1:] == [["SELL", "25", "VTI", "STK", "SMART", "USD", "DAY", "MKT", "",
                         "Z12345678"],
                        ["BUY", "10", "VXUS", "STK", "SMART", "USD", "DAY", "LMT", "65.5",
                         "Z12345678"]]
    assert len(notes) == 1 and "Tax Optimizer" in notes[0] and notes[0].startswith("1 sale")


@pytest.mark.parametrize(("order", "words"), [
    (OrderLine(account="a", symbol="VTI", side=Side.SELL, quantity=25,
               lots=(LotInstruction(lot_id="L1", quantity=20),)), "add up to 20"),
    (OrderLine(account="a", symbol="VTI", side=Side.BUY, quantity=0), "quantity must be > 0"),
    (OrderLine(account="a", symbol="V TI", side=Side.BUY, quantity=1), "not a ticker"),
    (OrderLine(account="a", symbol="VTI", side=Side.BUY, quantity=1,
               order_type=OrderType.LIMIT), "limit price"),
    (OrderLine(account="a", symbol="VTI", side=Side.BUY, quantity=1,
               lots=(LotInstruction(lot_id="L1", quantity=1),)), "names no lots"),
])
def test_bad_orders_write_nothing(tmp_path: Path, order: OrderLine, words: str) -> None:
    out = tmp_path / "orders.csv"
    out.write_text("previous\n")
    with pytest.raises(ConfigError, match=words):
        write_orders([BUY, order], out, "generic")
    assert out.read_text() == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["orders.csv"]  # no temporary left


def test_write_is_atomic_and_reports(tmp_path: Path) -> None:
    done = write_orders([SELL], tmp_path / "o.csv", "ibkr-basket")
    assert done.orders == 1 and done.path == tmp_path / "o.csv" and done.notes
    assert (tmp_path / "o.csv").read_text().startswith("Action,")
    with pytest.raises(ConfigError, match="does not exist"):
        write_orders([SELL], tmp_path / "nowhere" / "o.csv")
    with pytest.raises(ConfigError, match="unknown value 'fix'"):
        write_orders([SELL], tmp_path / "o.csv", "fix")


def test_planner_trades_become_orders_with_their_lots() -> None:
    from rebal.household.io import load_household
    from rebal.planner.plan import plan

    # the article's client harvests a loss in its taxable account: a sale with its lot
    trade_plan = plan(load_household(EXAMPLES / "article_client.yaml"))
    orders = orders_from_trades(trade_plan.trades, account_numbers={"taxable": "Z1234"})
    assert len(orders) == len(trade_plan.trades)
    for order, trade in zip(orders, trade_plan.trades, strict=True):
        assert (order.symbol, order.side, order.quantity) == \
            (trade.symbol, trade.side, trade.shares)
        assert [x.lot_id for x in order.lots] == [r.lot_id for r in trade.lots]
        for lot, relief in zip(order.lots, trade.lots, strict=True):
            assert lot.acquired == relief.acquired
            assert lot.cost_per_share_usd == pytest.approx(relief.cost_basis_usd
                                                           / relief.quantity)
    taxable_sales = [o for o in orders if o.lots]
    assert taxable_sales and all(o.account == "Z1234" for o in taxable_sales)
    text, _ = render_orders(orders, "generic")  # every sale's lots add up
    rows = list(csv.DictReader(io.StringIO(text)))
    # accounts without a number keep their id
    assert {r["account"] for r in rows} == {"Z1234"} | {
        t.account for t in trade_plan.trades if t.account != "taxable"}
