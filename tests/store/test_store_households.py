"""Households through the store: what goes in comes out equal, plans identically to its
file, exports to a file that plans identically; plans' status machine; order files."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from store_helpers import EXAMPLES

from rebal.errors import ConfigError
from rebal.household import load_household
from rebal.services import store as svc
from rebal.services.plan import plan_household
from rebal.store import StoreError


def _plan_key(plan) -> tuple:
    """What a plan decides (not how long it took): trades with lots, tax, naive tax."""
    return (
        [(t.account, t.symbol, t.side.value, round(t.shares, 9), int(t.step), t.reason,
          [(r.lot_id, round(r.quantity, 9)) for r in t.lots]) for t in plan.trades],
        round(plan.tax.total_usd, 6),
        None if plan.naive is None else round(plan.naive.tax.total_usd, 6),
        [d.to_dict() for d in plan.do_not_buy],
    )


@pytest.mark.parametrize("name", ["diy_small.yaml", "article_client.yaml",
                                  "balanced_illiquid.yaml", "international.yaml"])
def test_stored_household_equals_its_file(store_url: str, name: str) -> None:
    """Equal households plan identically (the planner is a function of the household);
    the next test also compares the plans themselves."""
    path = EXAMPLES / name
    from_file = load_household(path)
    svc.add_household(str(path), store_url)
    assert svc.load_stored_household(from_file.name, store_url) == from_file


def test_export_of_an_added_file_adds_and_plans_identically(sqlite_url: str,
                                                            tmp_path: Path) -> None:
    path = EXAMPLES / "diy_small.yaml"
    h = load_household(path)
    svc.add_household(str(path), sqlite_url)
    exported = tmp_path / "exported.yaml"
    exported.write_text(svc.export_household(h.name, sqlite_url))
    again = load_household(exported)
    assert again == h
    other = f"sqlite:///{tmp_path / 'other.db'}"
    svc.add_household(str(exported), other)
    stored_plan = svc.plan_stored(h.name, other).run.plan
    assert stored_plan.trades  # the example needs trades: the comparison is not vacuous
    assert _plan_key(stored_plan) == _plan_key(plan_household(h).plan)


def test_adding_a_household_twice_is_refused_unless_replaced(sqlite_url: str) -> None:
    path = str(EXAMPLES / "diy_small.yaml")
    svc.add_household(path, sqlite_url)
    with pytest.raises(StoreError, match=r"already in the store.*--replace"):
        svc.add_household(path, sqlite_url)
    again = svc.add_household(path, sqlite_url, replace=True)
    assert again.replaced
    assert len(svc.list_households(sqlite_url)) == 1


def test_list_shows_each_households_latest_drift_status(store_url: str) -> None:
    for name in ("diy_small.yaml", "article_client.yaml"):
        svc.add_household(str(EXAMPLES / name), store_url)
    rows = svc.list_households(store_url)
    assert [r["name"] for r in rows] == sorted(r["name"] for r in rows)
    from rebal.services.check import check_household

    for r in rows:
        h = svc.load_stored_household(r["name"], store_url)
        c = check_household(h)
        assert r["status"] == ("action needed" if c.action_needed else "within bands")
        assert r["max_abs_drift"] == pytest.approx(max(abs(x.drift) for x in c.classes))


def test_plan_status_machine_and_orders(store_url: str, tmp_path: Path) -> None:
    # the article's client: its plan sells a taxable lot, so the order file names lots
    h = load_household(EXAMPLES / "article_client.yaml")
    svc.add_household(str(EXAMPLES / "article_client.yaml"), store_url)
    saved = svc.plan_stored(h.name, store_url, save=True)
    pid = saved.plan_id
    assert pid is not None and len(saved.inputs_hash) == 64
    out = tmp_path / "orders.csv"
    with pytest.raises(ConfigError, match=f"plan {pid} is proposed.*rebal plan approve {pid}"):
        svc.write_orders(pid, store_url, out=str(out))
    assert not out.exists()
    done = svc.approve_plan(pid, store_url, by="advisor")
    assert done == {"plan_id": pid, "household": h.name, "from": "proposed",
                    "status": "approved", "by": "advisor"}
    with pytest.raises(StoreError, match="is approved; it cannot become approved"):
        svc.approve_plan(pid, store_url)
    written = svc.write_orders(pid, store_url, out=str(out))
    assert written.status == "sent"
    rows = list(csv.DictReader(out.open()))
    plan = saved.run.plan
    # one line per order, or per lot of a sale that names its lots
    assert len(rows) == sum(max(1, len(t.lots)) for t in plan.trades)
    assert {(r["account"], r["symbol"], r["side"]) for r in rows} == \
        {(t.account, t.symbol, t.side.value) for t in plan.trades}
    named = [r for r in rows if r["lot_id"]]
    assert named  # the example sells a taxable lot: the check below is not vacuous
    for r in named:
        lot = h.lot(r["lot_id"])  # the household's own lot, not the plan's copy
        assert r["lot_open_date"] == lot.acquired.isoformat()
        assert float(r["lot_cost_per_share"]) == pytest.approx(
            lot.cost_basis_usd / lot.quantity, abs=1e-4)
        assert float(r["lot_quantity"]) <= lot.quantity + 1e-9
    basket = tmp_path / "basket.csv"
    svc.write_orders(pid, store_url, fmt="ibkr-basket", out=str(basket))
    lines = basket.read_text().splitlines()
    assert lines[0].startswith("Action,Quantity,Symbol,SecType,Exchange,Currency,")
    assert len(lines) == 1 + len(plan.trades)
    from rebal.store import Store
    from rebal.store.plans import plan_events

    with Store.open(store_url) as s, s.read() as conn:
        events = plan_events(conn, pid)
    assert [(e["from_status"], e["to_status"]) for e in events] == [
        (None, "proposed"), ("proposed", "approved"), ("approved", "sent")]
    assert events[1]["by"] == "advisor"


def test_orders_out_directory_checked_before_anything(sqlite_url: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        svc.write_orders(1, sqlite_url, out=str(tmp_path / "no" / "o.csv"))


def test_cli_plan_household_save_approve_orders(cli, tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    assert cli("household", "add", str(EXAMPLES / "diy_small.yaml"), "--db", db)[0] == 0
    code, out, _ = cli("household", "list", "--db", db)
    assert code == 0 and "DIY investor (single)" in out and "action needed" in out
    code, out, _ = cli("plan", "--household", "DIY investor (single)", "--save", "-q",
                       "--db", db)
    assert code == 0 and "saved as plan 1 (proposed)" in out
    code, out, _ = cli("plan", "approve", "1", "--db", db)
    assert code == 0 and "approved" in out
    code, out, _ = cli("orders", "1", "--out", str(tmp_path / "o.csv"), "--db", db)
    assert code == 0 and "now sent" in out and (tmp_path / "o.csv").exists()


def test_cli_unknown_household_is_one_line_exit_2(cli, tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    cli("household", "add", str(EXAMPLES / "diy_small.yaml"), "--db", db)
    code, _out, err = cli("plan", "--household", "nobody", "--db", db)
    assert code == 2
    assert "no household 'nobody' in the store; households: DIY investor (single)" in err
    assert "Traceback" not in err


def test_account_numbers_are_masked() -> None:
    from rebal.store.households import mask_number

    assert mask_number("X12345678") == "…5678"
    assert mask_number(None) is None


def test_plan_help_says_how_to_plan_a_stored_household(cli) -> None:
    code, out, _ = cli("plan", "--help")
    assert code == 0 and "rebal plan --household NAME [--save]" in out
    assert "rebal plan approve ID" in out


def test_replaced_targets_are_a_new_version_and_the_old_one_stays(sqlite_url: str,
                                                                  tmp_path: Path) -> None:
    import yaml

    path = EXAMPLES / "diy_small.yaml"
    svc.add_household(str(path), sqlite_url)
    data = yaml.safe_load(path.read_text())
    data["as_of"] = "2025-09-30"
    data["targets"]["classes"]["us_stocks"] = 0.45
    data["targets"]["classes"]["bonds"]["weight"] = 0.35
    later = tmp_path / "later.yaml"
    later.write_text(yaml.safe_dump(data))
    svc.add_household(str(later), sqlite_url, replace=True)
    h = svc.load_stored_household("DIY investor (single)", sqlite_url)
    assert h.target_weights() == {"us_stocks": 0.45, "intl_stocks": 0.20, "bonds": 0.35}
    from rebal.store import Store
    from rebal.store import schema as t

    with Store.open(sqlite_url) as s, s.read() as conn:
        import sqlalchemy as sa

        versions = conn.execute(sa.select(t.targets.c.effective_from, t.targets.c.weight)
                                .where(t.targets.c.asset_class == "us_stocks")
                                .order_by(t.targets.c.effective_from)).all()
    assert [(d.isoformat(), w) for d, w in versions] == [("2025-06-30", 0.5),
                                                         ("2025-09-30", 0.45)]
