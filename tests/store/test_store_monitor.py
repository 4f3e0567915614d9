"""``rebal monitor`` on the store: alerts deduplicated across runs (first seen, last
seen, resolved), incremental evaluation by fingerprint, new alerts only posted; on
SQLite and on a real PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from store_helpers import EXAMPLES
from rebal.services import store as svc
from rebal.services.monitor import MonitorRequest, monitor
from rebal.store.alerts import open_alerts


def _open(url: str) -> list[dict]:
    store = svc.open_store(url, create=False)
    with store, store.read() as conn:
        return open_alerts(conn)


def test_alerts_dedup_and_incremental_runs(store_url: str, tmp_path: Path) -> None:
    svc.add_household(str(EXAMPLES / "diy_small.yaml"), store_url)
    svc.add_household(str(EXAMPLES / "article_client.yaml"), store_url)

    first = monitor(MonitorRequest(db=store_url))
    assert first.exit_code == 10 and first.n_failed == 0
    assert len(first.names) == 2 and first.unchanged == ()
    keys = {(a["household"], a["key"]) for a in first.new_alerts}
    assert ("DIY investor (single)", "band_breach:bonds") in keys
    assert ("Article client (married, 70/30)", "harvest:T-BND-1") in keys
    stored = _open(store_url)
    assert {(a["household"], a["key"]) for a in stored} == keys  # one row per alert

    # nothing changed: not evaluated again, no new alert, still action needed
    second = monitor(MonitorRequest(db=store_url))
    assert second.names == () and len(second.unchanged) == 2
    assert second.new_alerts == () and second.exit_code == 10

    # --all: evaluated again, the same alerts are the same rows (first seen kept)
    third = monitor(MonitorRequest(db=store_url, all_=True))
    assert len(third.names) == 2 and third.new_alerts == () and third.resolved == 0
    again = {a["key"]: a for a in _open(store_url)}
    for a in stored:
        assert again[a["key"]]["first_seen"] == a["first_seen"]

    # the DIY household brought inside its bands with its cash invested: its alerts resolve
    data = yaml.safe_load((EXAMPLES / "diy_small.yaml").read_text())
    for acct in data["accounts"]:
        acct["cash_usd"], acct["pending_flow_usd"] = acct.get("min_cash_usd", 0), 0
    prices = {s["symbol"]: s["price_usd"] for s in data["securities"]}
    total = 128_000.0
    data["lots"] = [
        {"account": "ira", "symbol": "VTI", "quantity": 0.5 * total / prices["VTI"]},
        {"account": "ira", "symbol": "VXUS", "quantity": 0.2 * total / prices["VXUS"]},
        {"account": "ira", "symbol": "BND", "quantity": 0.3 * total / prices["BND"]},
    ]
    data["recent_trades"] = []
    calm = tmp_path / "calm.yaml"
    calm.write_text(yaml.safe_dump(data, sort_keys=False))
    svc.add_household(str(calm), store_url, replace=True)
    fourth = monitor(MonitorRequest(db=store_url))
    assert fourth.names == ("DIY investor (single)",)
    assert fourth.resolved == 3 and fourth.new_alerts == ()
    left = _open(store_url)
    assert {a["household"] for a in left} == {"Article client (married, 70/30)"}
    assert all(dt.datetime.fromisoformat(a["last_seen"]) >= dt.datetime.fromisoformat(
        a["first_seen"]) for a in left)


def test_named_households_only_and_cli(sqlite_url: str, cli) -> None:
    svc.add_household(str(EXAMPLES / "diy_small.yaml"), sqlite_url)
    svc.add_household(str(EXAMPLES / "article_client.yaml"), sqlite_url)
    code, out, _ = cli("monitor", "--db", sqlite_url, "--household", "DIY investor (single)")
    assert code == 10
    assert "DIY investor (single)" in out and "Article client" not in out
    assert "3 new alerts" in out
    code, out, _ = cli("monitor", "--db", sqlite_url)
    assert code == 10 and "1 unchanged since the last run" in out
    code, _, err = cli("monitor", "--db", sqlite_url, "--household", "nobody")
    assert code == 2 and "nobody" in err
