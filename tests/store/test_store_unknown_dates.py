"""Lots built from imported positions keep their "unknown acquisition date" flag through
the store: the stored household gives them to the planner (conservative treatment, said
in the plan), the export writes the flag, and the order writer is told which lots the
broker does not have."""

from __future__ import annotations

from pathlib import Path

import pytest

from store_helpers import EXAMPLES
from rebal.services import store as svc
from rebal.services.imports import import_file

H = "DIY investor (single)"
# VTI matches its two stored lots (kept); VXUS 300 (stored 360) at $58 a share and BND 10
# (new) at $80 a share become unknown-date lots: VXUS at a gain ($68.76), BND at a loss
# ($73.40).
POSITIONS = """\
account,symbol,quantity,price,value,cost_basis,type,description
brokerage,VTI,115,$303.93,,"$27,102.50",,
brokerage,VXUS,300,68.76,,"$17,400.00",,
brokerage,BND,10,73.40,,"$800.00",,
brokerage,USD,"1,300.00",1,,,cash,sweep
"""


def test_the_flag_reaches_the_planner_the_export_and_the_orders(
        store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import rebal.brokers

    svc.add_household(str(EXAMPLES / "diy_small.yaml"), store_url)
    path = tmp_path / "pos.csv"
    path.write_text(POSITIONS)
    import_file("positions", "generic", str(path), household=H, account="brokerage",
                db=store_url)
    h = svc.load_stored_household(H, store_url)
    unknown = {lot.id: lot for lot in h.lots if not lot.date_known}
    assert {(lot.symbol, lot.quantity) for lot in unknown.values()} == {("VXUS", 300.0),
                                                                       ("BND", 10.0)}
    assert all(lot.acquired == h.as_of for lot in unknown.values())
    assert svc.export_household(H, store_url).count("date_known: false") == 2

    saved = svc.plan_stored(H, store_url, save=True)
    assert any("unknown acquisition date" in n and "treated as bought on" in n
               and "not sold at a loss: BND in brokerage" in n for n in saved.run.plan.notes)
    for trade in saved.run.plan.trades:
        for relief in trade.lots:
            if relief.lot_id in unknown:  # sold only at a gain, and then short term
                assert relief.gain_usd is not None and relief.gain_usd >= 0
                assert relief.term is not None and relief.term.value == "short"

    seen: dict[str, object] = {}
    real = rebal.brokers.orders_from_trades

    def spy(trades, **kwargs):  # type: ignore[no-untyped-def]
        seen.update(kwargs)
        return real(trades, **kwargs)

    monkeypatch.setattr(rebal.brokers, "orders_from_trades", spy)
    assert saved.plan_id is not None
    svc.approve_plan(saved.plan_id, store_url)
    svc.write_orders(saved.plan_id, store_url, fmt="generic", out=str(tmp_path / "o.csv"))
    assert set(seen["unknown_lot_ids"]) == set(unknown)  # type: ignore[call-overload]
