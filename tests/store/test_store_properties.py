"""Invariants of the store's transaction bookkeeping (hypothesis, few examples)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from store_helpers import EXAMPLES

from rebal.services import store as svc
from rebal.store import Store
from rebal.store import households as hs
from rebal.store import schema as t

ROW = st.fixed_dictionaries({
    "date": st.dates(dt.date(2025, 1, 1), dt.date(2025, 1, 5)),
    "kind": st.sampled_from(["buy", "sell", "dividend", "fee"]),
    "symbol": st.sampled_from(["VTI", "BND"]),
    "quantity": st.sampled_from([1.0, 2.5]),
    "price_usd": st.sampled_from([10.0, 11.0]),
    "amount_usd": st.sampled_from([-10.0, 5.0]),
    "fees_usd": st.just(0.0),
})


@pytest.fixture(scope="module")
def prop_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = f"sqlite:///{tmp_path_factory.mktemp('p') / 's.db'}"
    svc.add_household(str(Path(EXAMPLES) / "diy_small.yaml"), db)
    return db


@settings(max_examples=15, deadline=None)
@given(rows=st.lists(ROW, max_size=12), split=st.integers(0, 12))
def test_adding_the_same_rows_again_adds_nothing_and_duplicates_stay(
        prop_db: str, rows: list[dict], split: int) -> None:
    """Rows added twice (whole, or as two overlapping halves) are stored once each; two
    identical rows of one file are two transactions."""
    with Store.open(prop_db) as store, store.write() as conn:
        aid = hs.account_row(conn, hs.household_id(conn, "DIY investor (single)"),
                             "brokerage")["id"]
        conn.execute(t.transactions.delete())
        rows = [{**r, "account_id": aid, "description": None} for r in rows]
        first = hs.add_transactions(conn, rows[:split], import_id=None)
        whole = hs.add_transactions(conn, rows, import_id=None)
        again = hs.add_transactions(conn, rows, import_id=None)
        stored = conn.execute(sa.select(sa.func.count()).select_from(t.transactions)).scalar()
    head = min(split, len(rows))
    assert first == (head, 0)
    assert whole == (len(rows) - head, head)
    assert again == (0, len(rows))
    assert stored == len(rows)
