"""Services of the store: ``rebal db``, ``rebal household``, ``rebal plan --household``,
``rebal plan approve`` and ``rebal orders`` (``docs/store.md``).

Every function takes ``db``: the store's URL or path (``None``: ``$REBAL_DB``, else the
SQLite file in the user's data directory). Households are validated by the household
model on the way in and again on the way out, so a stored household plans exactly as
its file does.
"""

from __future__ import annotations

import getpass
import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rebal.errors import ConfigError

if TYPE_CHECKING:
    from rebal.household import Household
    from rebal.planner import CheckResult
    from rebal.services.plan import PlanRun
    from rebal.store import Store
    from rebal.store.engine import SchemaStatus

__all__ = [
    "ORDER_FORMATS",
    "HouseholdAdded",
    "PlanOrders",
    "StoredPlan",
    "add_household",
    "approve_plan",
    "current_user",
    "db_init",
    "db_status",
    "db_upgrade",
    "export_household",
    "list_households",
    "load_stored_household",
    "open_store",
    "plan_stored",
    "record_drift",
    "record_snapshot",
    "stored_household",
    "write_orders",
]

ORDER_FORMATS = ("generic", "ibkr-basket")


def current_user() -> str:
    """The login name (who approves, sends, records), ``unknown`` without one."""
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers)
        return "unknown"


def open_store(db: str | None, *, create: bool = True) -> Store:
    """The store at ``db``, schema checked (an empty store is initialised when ``create``)."""
    from rebal.store import Store

    return Store.open(db, create=create)


# -- rebal db -------------------------------------------------------------------


def db_init(db: str | None) -> SchemaStatus:
    """Create the schema in an empty store (an initialised one is left as it is)."""
    from rebal.store import Store
    from rebal.store.engine import init_schema

    with Store(db) as store:
        return init_schema(store.engine)


def db_upgrade(db: str | None) -> SchemaStatus:
    """Bring the store's schema to this rebal's newest revision."""
    from rebal.store import Store
    from rebal.store.engine import upgrade_schema

    with Store(db) as store:
        return upgrade_schema(store.engine)


def db_status(db: str | None) -> SchemaStatus:
    """The store's schema revision against this rebal's newest."""
    from rebal.store import Store

    with Store(db) as store:
        return store.status()


# -- households -------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class HouseholdAdded:
    """What ``rebal household add`` stored."""

    name: str
    household_id: int
    accounts: int
    lots: int
    replaced: bool
    check: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "id": self.household_id, "accounts": self.accounts,
                "lots": self.lots, "replaced": self.replaced, "check": self.check}


def record_snapshot(conn: Any, household_id: int, household: Any) -> None:
    """Store the household's value on its date by account and class (cash as ``cash``)."""
    from rebal.household.views import class_values
    from rebal.store.history import save_snapshot

    values: dict[tuple[str, str], float] = {}
    for a in household.accounts:
        for cls, v in class_values(household, a.id).items():
            if v:
                values[(a.id, cls)] = v
        values[(a.id, "cash")] = a.cash_usd
    save_snapshot(conn, household_id, household.as_of, values)


def record_drift(conn: Any, household_id: int, household: Household) -> CheckResult:
    """Check the household's drift and store the verdict (``household list`` shows it),
    and a snapshot of its value by account and class (``rebal history``)."""
    from rebal.services.check import check_household
    from rebal.store.households import record_check

    record_snapshot(conn, household_id, household)
    result = check_household(household)
    worst = max((abs(c.drift) for c in result.classes), default=0.0)
    record_check(conn, household_id, as_of=household.as_of,
                 action_needed=result.action_needed, max_abs_drift=worst,
                 summary={"reasons": list(result.reasons)})
    return result


def add_household(path: str, db: str | None, *, replace: bool = False) -> HouseholdAdded:
    """Validate the household file at ``path`` and store it (``replace``: update one of
    the same name; see :func:`rebal.store.households.save_household`)."""
    from rebal.household import load_household
    from rebal.store.households import household_id, save_household

    h = load_household(path)
    store = open_store(db)
    with store, store.write() as conn:
        existed = True
        try:
            household_id(conn, h.name)
        except Exception:
            existed = False
        hid = save_household(conn, h.to_dict(), replace=replace)
        result = record_drift(conn, hid, h)
    return HouseholdAdded(name=h.name, household_id=hid, accounts=len(h.accounts),
                          lots=len(h.lots), replaced=existed and replace,
                          check={"action_needed": result.action_needed,
                                 "reasons": list(result.reasons)})


def load_stored_household(name: str, db: str | None) -> Household:
    """The stored household ``name``, validated like a file (source ``store:NAME``)."""
    store = open_store(db, create=False)
    with store:
        return stored_household(store, name)


def stored_household(store: Store, name: str) -> Household:
    """Household ``name`` of an open store, validated like a file (source ``store:NAME``)."""
    from rebal.household import household_from_dict
    from rebal.store.households import household_data

    with store.read() as conn:
        data = household_data(conn, name)
    return household_from_dict(data, source=f"store:{name}")


def export_household(name: str, db: str | None) -> str:
    """The stored household as YAML text, in canonical file form (add it again, or plan
    it as a file: the same plan)."""
    import yaml

    h = load_stored_household(name, db)
    header = f"# household {h.name!r} exported from the rebal store\n"
    return header + yaml.safe_dump(h.to_dict(), sort_keys=False)


def list_households(db: str | None) -> list[dict[str, Any]]:
    """Every stored household with its latest drift status (JSON types)."""
    from rebal.store.households import list_households as rows

    store = open_store(db, create=False)
    with store, store.read() as conn:
        out = rows(conn)
    return [
        {"name": r["name"], "as_of": r["as_of"].isoformat(),
         "status": ("never checked" if r["action_needed"] is None
                    else "action needed" if r["action_needed"] else "within bands"),
         "max_abs_drift": r["max_abs_drift"],
         "checked_at": None if r["checked_at"] is None else r["checked_at"].isoformat(
             timespec="seconds")}
        for r in out
    ]


# -- plans ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class StoredPlan:
    """A plan made from a stored household, and its id when saved."""

    run: PlanRun
    plan_id: int | None = None
    inputs_hash: str = ""
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        out = self.run.to_dict()
        out["plan_id"] = self.plan_id
        out["inputs_hash"] = self.inputs_hash
        return out


def inputs_hash(household: Household, settings: dict[str, Any]) -> str:
    """sha256 of the household's canonical form and the plan settings: two plans with
    the same hash were made from the same inputs."""
    text = json.dumps({"household": household.to_dict(), "settings": settings},
                      sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def plan_stored(name: str, db: str | None, *, save: bool = False,
                **options: Any) -> StoredPlan:
    """Plan stored household ``name`` exactly as :func:`rebal.services.plan.plan_household`
    plans its file (``options`` are that function's: ``mode``, ``tax_budget_usd``,
    ``min_trade_usd``, …, with its defaults); with ``save`` the plan is stored as
    ``proposed`` (``rebal plan approve ID``)."""
    from rebal.services.codec import to_json
    from rebal.services.plan import plan_household
    from rebal.store.households import household_id, unknown_date_lots
    from rebal.store.plans import save_plan

    store = open_store(db, create=False)
    with store:
        h = stored_household(store, name)
        with store.read() as conn:
            unknown = unknown_date_lots(conn, household_id(conn, name))
        run = plan_household(h, **options)
        if unknown:
            note = (f"{len(unknown)} lot(s) imported from positions have no acquisition date "
                    f"({', '.join(sorted(unknown)[:5])}{', …' if len(unknown) > 5 else ''}); "
                    f"they are treated as bought on {h.as_of} (short term, basis = average "
                    f"cost) until real lots are imported")
            run = replace(run, plan=replace(run.plan, notes=(*run.plan.notes, note)))
        digest = inputs_hash(h, dict(run.plan.settings))
        if not save:
            return StoredPlan(run=run, inputs_hash=digest)
        plan = run.plan
        with store.write() as conn:
            hid = household_id(conn, name)
            pid = save_plan(
                conn, hid, as_of=plan.as_of, inputs_hash=digest,
                summary=json.loads(json.dumps(plan.to_dict(), default=str)),
                payload=to_json(plan), n_trades=len(plan.trades), tax_usd=plan.tax.total_usd,
                naive_tax_usd=None if plan.naive is None else plan.naive.tax.total_usd,
                by=current_user())
            record_drift(conn, hid, h)
    return StoredPlan(run=run, plan_id=pid, inputs_hash=digest)


def approve_plan(plan_id: int, db: str | None, *, by: str | None = None) -> dict[str, Any]:
    """Mark stored plan ``plan_id`` approved (only a proposed plan can be)."""
    from rebal.store.plans import get_plan, set_status

    store = open_store(db, create=False)
    with store, store.write() as conn:
        old = set_status(conn, plan_id, "approved", by=by or current_user())
        row = get_plan(conn, plan_id)
    return {"plan_id": plan_id, "household": row["household"], "from": old,
            "status": row["status"], "by": row["updated_by"]}


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanOrders:
    """An order file written for a stored plan."""

    plan_id: int
    path: Path
    format: str
    orders: int
    status: str
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"plan_id": self.plan_id, "path": str(self.path), "format": self.format,
                "orders": self.orders, "status": self.status, "notes": list(self.notes)}


def _check_out(path: Path) -> None:
    parent = path.resolve().parent
    if not parent.is_dir():
        raise ConfigError(f"--out {path}: directory {parent} does not exist")
    if path.is_dir():
        raise ConfigError(f"--out {path}: is a directory")


def write_orders(plan_id: int, db: str | None, *, fmt: str = "generic",
                 out: str | None = None, by: str | None = None) -> PlanOrders:
    """Write the order file of approved plan ``plan_id`` and mark it ``sent``.

    ``generic``: one line per order; each sale names its lots (id, open date, quantity,
    cost per share) for specific identification. ``ibkr-basket``: IBKR BasketTrader CSV
    (it cannot carry lots; the notes say so). Both by :func:`rebal.brokers.write_orders`.
    Orders name rebal's account ids, never account numbers.
    """
    from rebal.brokers import orders_from_trades
    from rebal.brokers import write_orders as write_file
    from rebal.services.codec import from_json
    from rebal.store.households import unknown_date_lots
    from rebal.store.plans import get_plan, set_status

    if fmt not in ORDER_FORMATS:
        raise ConfigError(f"--format: unknown order format {fmt!r}; choose one of "
                          f"{', '.join(ORDER_FORMATS)}")
    target = Path(out) if out is not None else Path(f"plan-{plan_id}-orders.csv")
    _check_out(target)
    store = open_store(db, create=False)
    with store:
        with store.read() as conn:
            row = get_plan(conn, plan_id)
        if row["status"] not in ("approved", "sent"):
            hint = f"; approve it first: rebal plan approve {plan_id}" \
                if row["status"] == "proposed" else ""
            raise ConfigError(f"plan {plan_id} is {row['status']}: orders are written only "
                              f"for an approved plan{hint}")
        plan = from_json(row["payload"])
        with store.read() as conn:  # lots built from positions: the broker has no such lot
            unknown = unknown_date_lots(conn, row["household_id"])
        orders = orders_from_trades(plan.trades, unknown_lot_ids=unknown)
        # the file is written (atomically) before the status changes; a failure to
        # record "sent" leaves a file and an approved plan, never the reverse
        written = write_file(orders, target, fmt)
        with store.write() as conn:
            if row["status"] == "approved":
                set_status(conn, plan_id, "sent", by=by or current_user(),
                           note=f"orders written ({fmt}) to {target.name}")
    return PlanOrders(plan_id=plan_id, path=target, format=fmt, orders=written.orders,
                      status="sent", notes=written.notes)
