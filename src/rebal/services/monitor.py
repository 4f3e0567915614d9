"""Service ``monitor``: every household checked by the monitor's rules, alerts
collected, and the new ones posted to a URL.

Households come from files (``rebal monitor H1.yaml H2.yaml``) or from the store
(``rebal monitor [--household NAME …]``: every stored household, or those named). They
are evaluated as independent jobs on an executor (plain data in, plain data out; a
household that fails fails alone and is counted).

With the store, alerts are deduplicated across runs (:mod:`rebal.store.alerts`: first
seen, last seen, resolved) and only the new ones are posted; the run is incremental —
a household whose stored content (holdings, cash, prices, targets, tax facts) has the
same fingerprint as at its last evaluation is not evaluated again unless ``all_``; its
open alerts stand. The exit status looks at every open alert, evaluated or not. Without
a store, every alert of the run is new.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rebal.executor import ExecutorSpec, JobOutcome

__all__ = ["Evaluate", "MonitorRequest", "MonitorRun", "monitor", "monitor_data", "monitor_file",
           "post_alerts"]

NOTIFY_TIMEOUT_S = 10.0
"""Seconds to wait for the ``--notify`` URL (s)."""


@dataclass(frozen=True, slots=True, eq=False)
class Evaluate:
    """One household through the rules (a job of an executor: module level, it pickles).

    A job is a household file's path, or ``(name, file content)`` from the store. With
    ``policy``, the market rule runs too (:mod:`rebal.monitor.market`) on ``market``'s
    columns for the classes (``columns``: class → column; default the class's name).
    """

    policy: str | None = None
    market: Any = None
    columns: tuple[tuple[str, str], ...] = ()
    factors: Any = None
    factor_bands: tuple[tuple[str, float], ...] = ()
    factor_window: int = 252
    nav_stale_days: int = 190

    def __call__(self, job: str | tuple[str, dict[str, Any]]
                 | tuple[str, dict[str, Any], dict[str, Any] | None]) -> dict[str, Any]:
        from dataclasses import replace

        from rebal.household import household_from_dict, load_household
        from rebal.monitor import evaluate

        from rebal.monitor import MonitorSettings
        from rebal.monitor.private import PrivateLook

        previous = None
        if isinstance(job, str):
            h = load_household(job)
        else:
            h = household_from_dict(job[1], source=f"store:{job[0]}")
            if len(job) > 2 and job[2]:  # what the last run saw of its private classes
                previous = PrivateLook.from_dict(job[2])
        result = evaluate(h, MonitorSettings(nav_stale_days=self.nav_stale_days),
                          previous=previous)
        if self.market is not None:
            from rebal.monitor.market import class_market, factor_alerts, policy_alerts
            from rebal.policy.parse import parse_policy

            classes = class_market(h, self.market, dict(self.columns))
            extra = []
            if self.policy is not None:
                extra += policy_alerts(h, classes, parse_policy(self.policy))
            if self.factors is not None:
                extra += factor_alerts(h, classes, self.factors, dict(self.factor_bands),
                                       window=self.factor_window)
            result = replace(result, alerts=result.alerts + tuple(extra))
        return result.to_dict()


def monitor_file(path: str) -> dict[str, Any]:
    """One household file through the rules; the result's plain data."""
    return Evaluate()(path)


def monitor_data(job: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """One stored household (``(name, its file content)``) through the rules."""
    return Evaluate()(job)


def fingerprint(data: dict[str, Any]) -> str:
    """SHA-256 of a household's content, key order and float text canonical."""
    import hashlib

    text = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class MonitorRequest:
    """What to monitor, as plain data.

    Attributes
    ----------
    households
        Household files (empty: the store's households).
    names
        With the store: only these households (empty: all).
    db
        The store's URL (``None``: ``$REBAL_DB`` or the default file); used when no
        files are given.
    all_
        With the store: evaluate every household, changed or not.
    notify
        A URL to POST the new alerts to as JSON (``None``: none).
    executor
        Where the households are evaluated (``None``: serially here).
    policy, prices, class_prices
        Also the market rule: a policy (``vol-band:base=0.05``, ``monthly`` …) decided
        on each household's date from ``prices`` (``default``, a dataset or a file), the
        classes mapped to price columns by ``class_prices`` (default: same name).
    factors, factor_bands, factor_window
        Also style drift: a French-library factor file (or a shipped one), bands
        ``{factor: half-width}`` in loading units, rows per regression.
    nav_stale_days
        A private fund's NAV older than this many days is reported stale.
    """

    households: Sequence[str] = field(default_factory=tuple)
    names: Sequence[str] = field(default_factory=tuple)
    db: str | None = None
    all_: bool = False
    notify: str | None = None
    executor: ExecutorSpec | None = None
    policy: str | None = None
    prices: str | None = None
    class_prices: Mapping[str, str] = field(default_factory=dict)
    factors: str | None = None
    factor_bands: Mapping[str, float] = field(default_factory=dict)
    factor_window: int = 252
    nav_stale_days: int = 190


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class MonitorRun:
    """Each household's outcome, the alerts that are new, and the notification's fate.

    Attributes
    ----------
    names
        The households, in request order.
    outcomes
        Per household: its :class:`~rebal.monitor.MonitorResult` as plain data, or the
        error that stopped it.
    new_alerts
        Alerts not seen before (every alert without a store), plain data.
    notified
        How many alerts were posted to the ``notify`` URL.
    notify_error
        Why posting failed (``None``: posted or not asked).
    """

    names: tuple[str, ...]
    outcomes: tuple[JobOutcome[dict[str, Any]], ...]
    new_alerts: tuple[dict[str, Any], ...]
    notified: int = 0
    notify_error: str | None = None
    unchanged: tuple[str, ...] = ()
    open_action: int | None = None
    resolved: int = 0

    @property
    def n_failed(self) -> int:
        return sum(not o.ok for o in self.outcomes)

    @property
    def action_needed(self) -> bool:
        """Any household with an alert of severity ``action`` (with the store: any open
        one, also of households not evaluated again)."""
        if self.open_action is not None:
            return self.open_action > 0
        return any(o.ok and o.value and o.value["action_needed"] for o in self.outcomes)

    @property
    def exit_code(self) -> int:
        """2 = a household failed or the notification could not be sent; else 10 = action
        needed somewhere; else 0."""
        if self.n_failed or self.notify_error:
            return 2
        return 10 if self.action_needed else 0

    def to_dict(self) -> dict[str, Any]:
        """``rebal monitor --json``."""
        rows = []
        for name, o in zip(self.names, self.outcomes, strict=True):
            row: dict[str, Any] = {"source": name, "status": "ok" if o.ok else "failed"}
            if o.ok and o.value is not None:
                row.update(o.value)
            else:
                row["error"] = o.error
            rows.append(row)
        return {"n_households": len(self.names), "n_failed": self.n_failed,
                "action_needed": self.action_needed, "exit_code": self.exit_code,
                "new_alerts": list(self.new_alerts), "notified": self.notified,
                "notify_error": self.notify_error, "unchanged": list(self.unchanged),
                "resolved": self.resolved, "households": rows}


def post_alerts(url: str, alerts: Sequence[dict[str, Any]],
                timeout_s: float = NOTIFY_TIMEOUT_S) -> str | None:
    """POST ``{"alerts": [...]}`` as JSON to ``url``; ``None`` on a 2xx answer, else why
    not in one line."""
    import urllib.error
    import urllib.request

    if not url.startswith(("http://", "https://")):
        return f"--notify: {url[:80]!r} is not an http(s) URL"
    body = json.dumps({"alerts": list(alerts)}).encode()
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as resp:  # noqa: S310
            if not 200 <= resp.status < 300:
                return f"--notify: {url} answered HTTP {resp.status}"
    except urllib.error.HTTPError as exc:
        return f"--notify: {url} answered HTTP {exc.code}"
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"--notify: could not reach {url} ({reason})"
    return None


def monitor(
    request: MonitorRequest, *, progress: Callable[[int, int], None] | None = None
) -> MonitorRun:
    """Evaluate the households of ``request`` (files, or the store's), record the alerts
    when they come from the store, then post the new alerts if asked."""
    from rebal.executor import open_executor, settle

    def step(done: int, total: int, _index: int) -> None:
        if progress is not None:
            progress(done, total)

    evaluator = _evaluator(request)
    if request.households:
        paths = list(request.households)
        with open_executor(request.executor, preload=("rebal.monitor",)) as ex:
            outcomes = ex.map(settle(evaluator), paths, progress=step)
        new = tuple(a for o in outcomes if o.ok and o.value for a in o.value["alerts"])
        run = MonitorRun(names=tuple(paths), outcomes=tuple(outcomes), new_alerts=new)
    else:
        run = _monitor_store(request, step, evaluator)
    if request.notify and run.new_alerts:
        from dataclasses import replace

        error = post_alerts(request.notify, run.new_alerts)
        run = replace(run, notified=0 if error else len(run.new_alerts), notify_error=error)
    return run


def _evaluator(request: MonitorRequest) -> Evaluate:
    """The job function, with the policy parsed and the prices and factors read once (bad
    ones fail here, before any household)."""
    from rebal.errors import ConfigError

    if request.nav_stale_days < 1:
        raise ConfigError(f"--nav-stale-days must be at least 1, got {request.nav_stale_days}")
    if request.policy is None and request.factors is None:
        if request.prices is not None or request.class_prices:
            raise ConfigError("--prices and --class-prices need --policy or --factors")
        if request.factor_bands:
            raise ConfigError("--factor-bands needs --factors")
        return Evaluate(nav_stale_days=request.nav_stale_days)
    from rebal.datasets import resolve_prices

    if request.policy is not None:
        from rebal.policy.kinds import PolicyKind
        from rebal.policy.parse import parse_policy

        if parse_policy(request.policy).kind is PolicyKind.FACTOR_BAND:
            raise ConfigError("--policy factor-band decides on a backtest's own drifted "
                              "weights; for a household's style drift use --factors FILE "
                              "--factor-bands HML=0.1")
    table = None
    if request.factors is not None:
        from rebal.data.french import read_french
        from rebal.datasets import resolve_factor_file

        if not request.factor_bands:
            raise ConfigError("--factors needs --factor-bands FACTOR=WIDTH,… (e.g. HML=0.1)")
        for name, width in request.factor_bands.items():
            if not width > 0:
                raise ConfigError(f"--factor-bands {name} must be > 0, got {width}")
        table = read_french(resolve_factor_file(request.factors))
    market = resolve_prices(request.prices or "default")
    return Evaluate(policy=request.policy, market=market,
                    columns=tuple(sorted(request.class_prices.items())), factors=table,
                    factor_bands=tuple(sorted(request.factor_bands.items())),
                    factor_window=request.factor_window,
                    nav_stale_days=request.nav_stale_days)


def _monitor_store(request: MonitorRequest, step: Callable[[int, int, int], None],
                   evaluator: Evaluate) -> MonitorRun:
    import datetime as dt

    from rebal.executor import open_executor, settle
    from rebal.services.store import open_store
    from rebal.store import StoreError
    from rebal.store.alerts import (
        fingerprints,
        household_ids,
        open_alerts,
        private_looks,
        set_fingerprints,
        sync_alerts,
    )
    from rebal.store.households import households_data, record_checks

    store = open_store(request.db, create=False)
    with store:
        with store.read() as conn:
            ids = household_ids(conn)
            missing = [n for n in request.names if n not in ids]
            if missing:
                known = ", ".join(sorted(ids)[:10]) or "none"
                raise StoreError(f"no household {missing[0]!r} in the store (known: {known})")
            data = households_data(conn, list(request.names) or None)
            before = fingerprints(conn)
            looks = private_looks(conn)
        names = list(request.names) or sorted(data)
        prints = {n: fingerprint(data[n]) for n in names}
        unchanged = [n for n in names
                     if not request.all_ and before.get(ids[n]) == prints[n]]
        skip = set(unchanged)
        jobs = [(n, data[n], looks.get(ids[n])) for n in names if n not in skip]
        with open_executor(request.executor, preload=("rebal.monitor",)) as ex:
            outcomes = ex.map(settle(evaluator), jobs, progress=step)
        at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
        done = {ids[n]: o.value for (n, _, _), o in zip(jobs, outcomes, strict=True)
                if o.ok and o.value is not None}
        with store.write() as conn:
            fresh, resolved = sync_alerts(conn, {h: v["alerts"] for h, v in done.items()}, at)
            set_fingerprints(conn, {h: prints[v["household"]] for h, v in done.items()}, at,
                             {h: v.get("private_look") for h, v in done.items()})
            record_checks(conn, [
                {"household_id": h, "as_of": dt.date.fromisoformat(v["as_of"]),
                 "action_needed": v["action_needed"], "max_abs_drift": v["max_abs_drift"],
                 "summary": {"alerts": [a["message"] for a in v["alerts"]],
                             "value_usd": v.get("investable_usd")}}
                for h, v in done.items()])
        with store.read() as conn:
            wanted = set(names)
            still = [a for a in open_alerts(conn) if a["household"] in wanted]
    return MonitorRun(names=tuple(n for n, _, _ in jobs), outcomes=tuple(outcomes),
                      new_alerts=tuple(dict(a) for a in fresh), unchanged=tuple(unchanged),
                      open_action=sum(a["severity"] == "action" for a in still),
                      resolved=resolved)
