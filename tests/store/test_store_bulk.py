"""The bulk read of many households equals reading each alone (one definition), across
households with different dates, stored prices, cash history and recent trades."""

from __future__ import annotations

import datetime as dt

from store_helpers import EXAMPLES
from rebal.household import household_from_dict
from rebal.household.synthetic import synthetic_household
from rebal.services import store as svc
from rebal.store.households import (
    household_data,
    households_data,
    save_household,
    save_prices,
)


def test_bulk_read_equals_one_by_one(store_url: str) -> None:
    for f in ("diy_small.yaml", "article_client.yaml", "balanced_illiquid.yaml"):
        svc.add_household(str(EXAMPLES / f), store_url)
    store = svc.open_store(store_url)
    with store:
        with store.write() as conn:
            for seed in range(4):
                data = synthetic_household(seed, n_lots=10)
                data["as_of"] = f"2025-{7 + seed:02d}-1{seed}"  # four different dates
                data["household"]["name"] = f"bulk-{seed}"
                save_household(conn, household_from_dict(data).to_dict())
            # prices around those dates: each household sees the latest on or before its own
            save_prices(conn, [("VTI", dt.date(2025, 7, 1), 250.0),
                               ("VTI", dt.date(2025, 9, 1), 280.0),
                               ("BND", dt.date(2025, 8, 20), 71.0)])
        with store.read() as conn:
            bulk = households_data(conn)
            names = sorted(bulk)
            assert len(names) == 7
            for name in names:
                assert bulk[name] == household_data(conn, name), name
            some = households_data(conn, ["bulk-2", "DIY investor (single)", "nobody"])
            assert sorted(some) == ["DIY investor (single)", "bulk-2"]
    def price(name: str) -> tuple[float, float]:
        p = {s["symbol"]: s["price_usd"] for s in bulk[name]["securities"]}
        return p["VTI"], p["BND"]

    assert price("bulk-0") == (250.0, 73.40)  # 07-10: VTI's 07-01 close, BND's later
    assert price("bulk-1") == (250.0, 73.40)  # 08-11
    assert price("bulk-2") == (280.0, 71.0)   # 09-12: both stored closes
