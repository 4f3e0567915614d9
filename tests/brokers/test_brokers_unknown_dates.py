"""Lots built from positions (unknown acquisition date): the household keeps the flag, the
planner treats them conservatively and says so, and order files name no such lot."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from rebal.brokers import ImportedLot, orders_from_trades, render_orders
from rebal.errors import InputError
from rebal.household.io import household_from_dict
from rebal.planner.plan import plan
from rebal.types import Side, Term

AS_OF = date(2025, 6, 30)

# Stocks (A) are 10/35 of 3,500 + cash; the target is 20 % stocks, so A is overweight.
_BASE: dict[str, Any] = {
    "as_of": AS_OF.isoformat(),
    "household": {"name": "u", "filing_status": "single", "state_rate": 0.05},
    "accounts": [{"id": "tx", "type": "taxable", "cash_usd": 1000, "min_cash_usd": 500}],
    "securities": [
        {"symbol": "A", "price_usd": 100, "asset_class": "stocks", "substitutes": ["A2"]},
        {"symbol": "A2", "price_usd": 40, "asset_class": "stocks"},
        {"symbol": "B", "price_usd": 20, "asset_class": "bonds"},
    ],
    "targets": {"classes": {"stocks": 0.2, "bonds": 0.8}},
    "lots": [
        {"account": "tx", "symbol": "B", "quantity": 50, "cost_basis_usd": 1000,
         "acquired": "2020-01-02"},
    ],
}


def _household(*lots: dict[str, Any]) -> Any:
    data = copy.deepcopy(_BASE)
    data["lots"].extend(lots)
    return household_from_dict(data)


def _imported(quantity: float, basis: float) -> dict[str, Any]:
    """A position-built lot through the broker API, as a household file states it."""
    lot = ImportedLot(symbol="A", quantity=quantity, cost_basis_usd=basis, acquired=None,
                      date_known=False, statement_date=AS_OF)
    held = lot.to_held_lot(lot_id="tx:A:pos", account="tx")
    assert (held.acquired, held.date_known) == (AS_OF, False)
    return {"id": held.id, "account": "tx", "symbol": "A", "quantity": held.quantity,
            "cost_basis_usd": held.cost_basis_usd, "date_known": False}


def test_household_keeps_the_flag_and_dates_it_on_as_of() -> None:
    h = _household(_imported(5, 750))
    (lot,) = [x for x in h.lots if x.symbol == "A"]
    assert (lot.date_known, lot.acquired, lot.holding_start) == (False, AS_OF, None)
    again = household_from_dict(h.to_dict())
    assert again == h
    assert [x.get("date_known", True) for x in h.to_dict()["lots"]] == [True, False]
    bad = _imported(5, 750) | {"holding_start": "2020-01-02"}
    with pytest.raises(InputError, match="unknown acquisition date has no holding_start"):
        _household(bad)


def test_a_known_loss_lot_is_harvested_but_not_an_unknown_one() -> None:
    known = {"account": "tx", "symbol": "A", "quantity": 10, "cost_basis_usd": 1500,
             "acquired": "2020-01-02"}
    harvest = plan(_household(known))
    (sale,) = [t for t in harvest.trades if t.symbol == "A"]
    assert sale.side is Side.SELL and [r.lot_id for r in sale.lots] == ["tx:A:1"]
    assert sale.lots[0].term is Term.LONG and sale.gain_usd < 0
    # the same shares, but some as a position without lots at $150 average cost: the
    # unknown lot is never sold at a loss, and as a purchase "today" it washes a loss sale
    # of the known lot, so A is not sold at all — and the plan says why
    careful = plan(_household(known | {"quantity": 5, "cost_basis_usd": 750},
                              _imported(5, 750)))
    assert not [t for t in careful.trades if t.symbol == "A" and t.side is Side.SELL]
    (note,) = [n for n in careful.notes if "unknown acquisition date" in n]
    assert "treated as bought on 2025-06-30" in note and "not sold at a loss: A in tx" in note


def test_a_gain_on_an_unknown_lot_is_short_term() -> None:
    result = plan(_household(_imported(10, 500)))  # $50 a share: $50 gain a share
    (sale,) = [t for t in result.trades if t.symbol == "A" and t.side is Side.SELL]
    (relief,) = sale.lots
    assert relief.lot_id == "tx:A:pos" and relief.term is Term.SHORT
    assert relief.gain_usd == pytest.approx(relief.quantity * 50.0)
    orders = orders_from_trades(result.trades, unknown_lot_ids={"tx:A:pos"})
    (order,) = [o for o in orders if o.symbol == "A"]
    assert order.lots == () and order.lots_unknown
    text, notes = render_orders(orders, "generic")
    assert "tx:A:pos" not in text
    assert len(notes) == 1 and "broker's default method" in notes[0]


def test_lots_csv_takes_the_flag(tmp_path: Any) -> None:
    from rebal.household.io import read_lots_csv

    path = tmp_path / "lots.csv"
    path.write_text("account,symbol,quantity,cost_basis_usd,acquired,date_known\n"
                    "tx,A,5,750,,false\ntx,A,5,750,2020-01-02,\n", encoding="utf-8")
    assert [lot.date_known for lot, _ in read_lots_csv(path)] == [False, True]


def test_rule_by_rule() -> None:
    """Each rule alone. (2) the same loss lot dated today is harvested when its date is
    known, not when it is unknown; (3) an unknown-date lot at a gain blocks the loss sale of
    a known lot of its group (it may have been bought within 30 days)."""
    loss_today = _imported(10, 1500) | {"acquired": AS_OF.isoformat()}
    known_today = {k: v for k, v in loss_today.items() if k != "date_known"}
    sold = plan(_household(known_today))
    assert [t.side for t in sold.trades if t.symbol == "A"] == [Side.SELL]
    kept = plan(_household(loss_today))
    assert not [t for t in kept.trades if t.symbol == "A" and t.side is Side.SELL]

    known_loss = {"account": "tx", "symbol": "A", "quantity": 10, "cost_basis_usd": 1500,
                  "acquired": "2020-01-02"}
    gain_unknown = _imported(2, 100)  # $50 a share, a gain at $100
    result = plan(_household(known_loss, gain_unknown))
    relieved = [r.lot_id for t in result.trades if t.symbol == "A" for r in t.lots]
    assert "tx:A:1" not in relieved
    # control: the same gain lot with a known old date does not block the harvest
    old = {k: v for k, v in gain_unknown.items() if k != "date_known"} | \
        {"acquired": "2019-01-02"}
    control = plan(_household(known_loss, old))
    assert "tx:A:1" in [r.lot_id for t in control.trades if t.symbol == "A" for r in t.lots]
