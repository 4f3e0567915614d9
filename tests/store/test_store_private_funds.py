"""Private funds through the store (migration 0003): what goes in comes out equal, on
SQLite and (when available) PostgreSQL; a replaced household replaces its funds; a store
at 0002 is upgraded in place."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
import yaml
from store_helpers import EXAMPLES

from rebal.household import household_from_dict, load_household
from rebal.services import store as svc
from rebal.store import Store

EXAMPLE = EXAMPLES / "private_funds.yaml"


def test_household_with_private_funds_round_trips(store_url: str, tmp_path: Path) -> None:
    from_file = load_household(EXAMPLE)
    svc.add_household(str(EXAMPLE), store_url)
    back = svc.load_stored_household(from_file.name, store_url)
    assert back == from_file
    assert back.private_funds == from_file.private_funds
    assert back.proxy_marks == from_file.proxy_marks  # (fund, proxy price on its NAV date)
    assert back.call_reserve == from_file.call_reserve
    assert back.target("real_estate").liquid_substitute == "VNQ"
    # another view, no reserve, one fund fewer: replaced, and read back so
    data = yaml.safe_load(EXAMPLE.read_text())
    data["exposure_view"] = "proxy_rolled"
    del data["call_reserve"]
    data["private_funds"] = data["private_funds"][:1]
    data["private_funds"][0]["model"] = {"contribution_rates": [0.3, 0.4], "bow": 2.2,
                                         "growth": 0.1, "yield_rate": 0.0, "life_years": 11.0}
    data["targets"]["classes"]["real_estate"].pop("liquid_substitute")
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(data, sort_keys=False))
    svc.add_household(str(changed), store_url, replace=True)
    again = svc.load_stored_household(from_file.name, store_url)
    assert again == household_from_dict(data)
    assert [f.id for f in again.private_funds] == ["buyout-2021"]
    assert again.exposure_view.value == "proxy_rolled" and again.call_reserve is None
    assert again.target("real_estate").liquid_substitute is None


def test_upgrade_from_0002_adds_the_private_fund_table(sqlite_url: str) -> None:
    import datetime as dt

    from alembic import command

    from rebal.store.engine import _alembic_config, upgrade_schema

    store = Store(sqlite_url)
    with store.engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "0002")
        conn.execute(sa.text("INSERT INTO households (name, as_of, settings, created_at, "
                             "updated_at) VALUES ('h', '2025-06-30', '{}', :t, :t)"),
                     {"t": dt.datetime(2025, 6, 30)})
    assert upgrade_schema(store.engine).current == "0004"  # then 0004 (currency)
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM private_funds")).scalar() == 0
        assert conn.execute(sa.text("SELECT name FROM households")).scalar() == "h"
        # 0004 adds the base currency, USD for a household stored before it
        assert conn.execute(sa.text("SELECT base_currency FROM households")).scalar() == "USD"
    store.close()


def _pe_household(vti_price: float, as_of: str) -> dict:
    """VTI 250 sh, bonds $30,000, a buyout fund with NAV $20,000 (pe 20 % ± 4 %)."""
    return {
        "as_of": as_of,
        "household": {"name": "pe household", "filing_status": "single"},
        "accounts": [{"id": "tx", "type": "roth", "cash_usd": 0.0}],
        "securities": [{"symbol": "VTI", "price_usd": vti_price, "asset_class": "stocks"},
                       {"symbol": "BND", "price_usd": 100.0, "asset_class": "bonds"}],
        "lots": [{"account": "tx", "symbol": "VTI", "quantity": 250},
                 {"account": "tx", "symbol": "BND", "quantity": 300}],
        "targets": {"classes": {"stocks": {"weight": 0.5, "band_abs": 0.3},
                                "bonds": {"weight": 0.3, "band_abs": 0.2},
                                "pe": {"weight": 0.2, "band_abs": 0.04}}},
        "private_funds": [{"id": "pe1", "asset_class": "pe", "model": "buyout",
                           "commitment_usd": 20_000, "vintage": 2022, "called_usd": 20_000,
                           "nav_usd": 20_000, "nav_as_of": "2025-03-31",
                           "remaining_life_years": 7}],
    }


def test_monitor_keeps_its_look_and_says_denominator_effect(store_url: str,
                                                            tmp_path: Path) -> None:
    # First look: pe 20,000 / 100,000 = 20 %. Then VTI falls from $200 to $120 with the
    # fund's NAV unchanged: the rest is $60,000, pe 20,000 / 80,000 = 25 % (> 24 %).
    from rebal.services.monitor import MonitorRequest, monitor

    path = tmp_path / "pe.yaml"
    path.write_text(yaml.safe_dump(_pe_household(200.0, "2025-06-30")))
    svc.add_household(str(path), store_url)
    first = monitor(MonitorRequest(db=store_url))
    assert not [a for a in first.new_alerts if a["kind"] == "denominator_effect"]
    path.write_text(yaml.safe_dump(_pe_household(120.0, "2025-07-31")))
    svc.add_household(str(path), store_url, replace=True)
    second = monitor(MonitorRequest(db=store_url))
    (a,) = [a for a in second.new_alerts if a["kind"] == "denominator_effect"]
    assert "same NAV as on 2025-06-30" in a["message"]
    assert "went from $80,000.00 to $60,000.00" in a["message"]
    assert "from 20.00% to 25.00%" in a["message"]
