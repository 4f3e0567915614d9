"""``rebal fills import``: executions through the tax ledger (lots relieved as named, wash
sales adjusted), cash and realized gains, plan executed or partial, nothing twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from store_helpers import EXAMPLES

from rebal.errors import ConfigError
from rebal.services import store as svc
from rebal.services.fills import import_fills

H = "DIY investor (single)"


# Fills worked by hand, independent of what the planner chooses: 22 VTI of lot
# brokerage:VTI:2 (25 shares bought 2025-02-19 for $7,752.50) sold at $303.93, and the
# proceeds put in the substitutes ITOT and IXUS.
HAND = ["2025-07-01,brokerage,VTI,sell,22,303.93,0,brokerage:VTI:2",
        "2025-07-01,brokerage,ITOT,buy,39,134.60,0,",
        "2025-07-01,brokerage,IXUS,buy,28,78.02,0,"]


@pytest.fixture
def approved(sqlite_url: str) -> tuple[str, list[str]]:
    """diy_small stored, planned, approved; the plan's own orders as generic fill lines
    (2025-07-01, at the plan's prices, taxable sales naming their lots)."""
    svc.add_household(str(EXAMPLES / "diy_small.yaml"), sqlite_url)
    saved = svc.plan_stored(H, sqlite_url, save=True)
    svc.approve_plan(saved.plan_id, sqlite_url)
    lines = []
    for t in saved.run.plan.trades:
        lots = ";".join(r.lot_id for r in t.lots) if t.account == "brokerage" else ""
        lines.append(f"2025-07-01,{t.account},{t.symbol},{t.side.value},{t.shares},"
                     f"{t.price_usd},0,{lots}")
    assert len(lines) >= 2  # one can be filled before the other: partial, then executed
    return sqlite_url, lines


def _file(tmp_path: Path, name: str, lines: list[str]) -> str:
    path = tmp_path / name
    path.write_text("date,account,symbol,side,quantity,price,fees,lot_ids\n"
                    + "\n".join(lines) + "\n")
    return str(path)


def _cash_after(h, lines: list[str]) -> dict[str, float]:
    """Each account's cash after the fill lines, by hand: + sales − purchases − fees,
    plus money pending on the plan date."""
    cash = {a.id: a.cash_usd + a.pending_flow_usd for a in h.accounts}
    for line in lines:
        _d, acct, _sym, side, qty, price, fee, _lots = line.split(",")
        gross = float(qty) * float(price)
        cash[acct] += (gross if side == "sell" else -gross) - float(fee)
    return cash


def test_partial_then_complete_then_nothing_twice(approved, tmp_path: Path) -> None:
    db, lines = approved
    before = svc.load_stored_household(H, db)
    part = import_fills(_file(tmp_path, "a.csv", lines[:1]), 1, db)
    assert part.status == "partially_executed" and part.fills == 1
    assert len(part.unfilled) == len(lines) - 1
    # a later file repeating the first fill: it is recognised, the rest recorded
    full = import_fills(_file(tmp_path, "b.csv", lines), 1, db)
    assert (full.status, full.fills, full.unfilled) == ("executed", len(lines) - 1, ())
    again = import_fills(_file(tmp_path, "b.csv", lines), 1, db)
    assert again.already_imported and again.fills == 0
    h = svc.load_stored_household(H, db)
    want = _cash_after(before, lines)
    assert {a.id: a.cash_usd for a in h.accounts} == pytest.approx(want)
    assert all(a.pending_flow_usd == 0.0 for a in h.accounts)  # the contribution arrived
    assert h.as_of.isoformat() == "2025-07-01"


def test_a_sale_relieves_the_named_lot_and_realizes_its_gain(approved,
                                                             tmp_path: Path) -> None:
    db, _lines = approved
    before = svc.load_stored_household(H, db)
    done = import_fills(_file(tmp_path, "h.csv", HAND), 1, db)
    assert done.status == "partially_executed"  # the plan's own orders are not filled
    # realized by hand: 22 × 303.93 − 7,752.50 × 22/25 = 6,686.46 − 6,822.20
    assert done.realized_st_usd == pytest.approx(-135.74, abs=0.005)
    assert done.disallowed_usd == 0.0
    h = svc.load_stored_household(H, db)
    rest = h.lot("brokerage:VTI:2")
    assert (rest.quantity, rest.cost_basis_usd) == (3.0, pytest.approx(930.30))
    assert h.tax.realized_st_usd == pytest.approx(-350.0 - 135.74)
    # brokerage cash by hand: 1,250 + 6,686.46 − 39 × 134.60 − 28 × 78.02
    assert h.account("brokerage").cash_usd == pytest.approx(1250 + 6686.46 - 5249.40
                                                            - 2184.56)
    assert {a.id: a.cash_usd for a in h.accounts} == pytest.approx(_cash_after(before, HAND))


def test_a_replacement_bought_within_30_days_washes_the_loss(approved,
                                                             tmp_path: Path) -> None:
    db, _lines = approved
    done = import_fills(_file(tmp_path, "f.csv", [
        *HAND, "2025-07-02,brokerage,VTI,buy,1,303.00,0,"]), 1, db)
    assert "sell 22 VTI in brokerage was not in the plan" in done.unplanned
    # loss 135.74 on 22 shares; 1 replacement share: 135.74 / 22 = 6.17 disallowed,
    # added to its basis (303.00 + 6.17); its holding period includes the 132 days the
    # sold shares were held (2025-02-19 to 2025-07-01): it starts 2025-07-02 − 132 days
    # = 2025-02-20 (IRC §1223(3), Pub 550 "Wash Sales")
    assert done.disallowed_usd == pytest.approx(6.17, abs=0.005)
    assert done.realized_st_usd == pytest.approx(-135.74 + 6.17, abs=0.005)
    h = svc.load_stored_household(H, db)
    new = [lot for lot in h.lots if lot.account == "brokerage" and lot.symbol == "VTI"
           and lot.acquired.isoformat() == "2025-07-02"]
    assert len(new) == 1
    assert new[0].cost_basis_usd == pytest.approx(309.17, abs=0.005)
    assert new[0].holding_start.isoformat() == "2025-02-20"


def test_fills_need_an_approved_plan_and_known_accounts(sqlite_url: str,
                                                        tmp_path: Path) -> None:
    svc.add_household(str(EXAMPLES / "diy_small.yaml"), sqlite_url)
    pid = svc.plan_stored(H, sqlite_url, save=True).plan_id
    path = _file(tmp_path, "f.csv", ["2025-07-01,brokerage,VTI,buy,1,300,0,"])
    with pytest.raises(ConfigError, match="plan 1 is proposed"):
        import_fills(path, pid, sqlite_url)
    svc.approve_plan(pid, sqlite_url)
    from rebal.errors import InputError

    bad = _file(tmp_path, "g.csv", ["2025-07-01,nope,VTI,buy,1,300,0,"])
    with pytest.raises(InputError, match=r"g.csv, line 2, field 'account'"):
        import_fills(bad, pid, sqlite_url)


def test_a_purchase_after_a_recent_sale_says_the_basis_may_need_adjusting(
        approved, tmp_path: Path) -> None:
    # the household sold 40 VXUS in brokerage on 2025-06-16 (a recent trade, basis unknown)
    db, _lines = approved
    done = import_fills(_file(tmp_path, "f.csv", [
        *HAND, "2025-07-02,brokerage,VXUS,buy,1,68.00,0,"]), 1, db)
    assert any("purchase of 1 VXUS on 2025-07-02 is within 30 days of the sale of 40 VXUS "
               "on 2025-06-16" in n for n in done.notes), done.notes
