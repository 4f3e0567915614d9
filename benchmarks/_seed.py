"""Bulk-seeded stores for the store and web benchmarks (one definition of the seed data).

Used by ``bench_store.py`` and ``bench_web.py``; not a benchmark itself.
"""

from __future__ import annotations

import datetime as dt


def seed_households(db: str, n: int, *, with_values: bool = False,
                    alerts_every: int | None = None, plans_every: int | None = None) -> None:
    """Insert ``n`` households with three drift checks each into the store at URL ``db``, in bulk.

    ``with_values`` puts an investable value (USD) in each check's summary; ``alerts_every=k``
    opens a drift alert on every k-th household; ``plans_every=k`` stores an empty proposed plan
    on every k-th household. The newest check of household ``i`` has ``max_abs_drift`` 0.02.
    """
    from rebal.store import Store
    from rebal.store import schema as t

    now = dt.datetime(2025, 7, 1)
    as_of = dt.date(2025, 6, 30)
    store = Store.open(db)
    with store, store.write() as conn:
        conn.execute(t.households.insert(), [
            dict(id=i + 1, name=f"household {i:05d}", as_of=as_of, settings={},
                 created_at=now, updated_at=now) for i in range(n)])
        conn.execute(t.drift_checks.insert(), [
            dict(household_id=i + 1, at=now + dt.timedelta(days=k), as_of=as_of,
                 action_needed=(i + k) % 3 == 0, max_abs_drift=0.01 * k,
                 summary={"value_usd": 1000.0 * (i % 997) + k} if with_values else {})
            for k in range(3) for i in range(n)])
        if alerts_every:
            conn.execute(t.alerts.insert(), [
                dict(household_id=i + 1, created_at=now, kind="drift", severity="action",
                     message="bonds is outside its band", key="drift:bonds", last_seen_at=now)
                for i in range(0, n, alerts_every)])
        if plans_every:
            conn.execute(t.plans.insert(), [
                dict(household_id=i + 1, created_at=now, created_by="bench",
                     inputs_hash="0" * 64, as_of=as_of, status="proposed", n_trades=0,
                     tax_usd=0.0, naive_tax_usd=None, summary={}, payload="{}",
                     updated_at=now, updated_by="bench")
                for i in range(0, n, plans_every)])
