"""Transactions and fills read from files go through the tax engine's ledger: the lots a
sale names are the lots it relieves, and a repurchase within 30 days washes the loss. The
numbers are worked by hand below."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from rebal.brokers import read_fills, read_transactions
from rebal.tax.ledger import Ledger
from rebal.tax.lots import Account
from rebal.types import Term

Writer = Callable[[str, str], Path]


def test_history_then_fills_through_the_ledger(write: Writer) -> None:
    history = write("h.csv", "date,type,symbol,quantity,price,fees,amount,lot_id\n"
                             "2025-01-02,buy,VTI,10,100,0,-1000,L1\n"
                             "2025-02-03,buy,VTI,5,120,0,-600,L2\n")
    fills = write("f.csv", "date,account,symbol,side,quantity,price,fees,lot_ids\n"
                           "2025-03-03,tx,VTI,sell,5,90,0,L2\n"
                           "2025-03-10,tx,VTI,buy,5,91,0,\n")
    ledger = Ledger([Account(id="tx")])
    ledger.apply_all(read_transactions(history, "generic").trades("tx"))
    ledger.apply_all(x.to_trade() for x in read_fills(fills))
    (sale,) = ledger.dispositions()
    # L2 (not FIFO's L1) relieved: 5 × (90 − 120) = −150, short term, and washed by the
    # 5 shares bought a week later: the whole loss is disallowed and added to their basis
    assert (sale.lot_id, sale.quantity, sale.term) == ("L2", 5.0, Term.SHORT)
    assert sale.gain_usd == pytest.approx(-150.0)
    assert sale.disallowed_usd == pytest.approx(150.0) and sale.recognized_usd == 0.0
    lots = {lot.id: lot for lot in ledger.open_lots("tx", "VTI")}
    assert lots["L1"].basis_usd == pytest.approx(1000.0)
    (replacement,) = [lot for lot in lots.values() if lot.id != "L1"]
    assert replacement.basis_usd == pytest.approx(5 * 91 + 150)
    # the replacement's holding period includes L2's 28 days (Feb 3 to Mar 3, IRC §1223(3)):
    # it starts 28 days before its purchase on Mar 10
    assert replacement.holding_start == date(2025, 2, 10)
