"""Service ``batch``: plan many households at once, on any executor.

An advisor's book is thousands of households; each is planned independently, so the
batch is a list of jobs for an :class:`~rebal.executor.Executor` (local processes, or
Dask workers on many machines). A job is plain data (:class:`HouseholdJob`: the
household file's path or its parsed content, and the plan options) and its result is
plain data (the plan's ``--json`` document), so both travel to any worker. A household
that fails — a bad file, an infeasible plan — fails alone: its error is recorded in its
:class:`~rebal.executor.JobOutcome` and the batch goes on.

Writes (a store's saved plans) happen here, in the caller, as each result arrives —
once per job whatever the workers did (a task rerun after a worker died still returns
one result), so no write is ever doubled.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rebal.executor import Executor, ExecutorSpec, JobOutcome

__all__ = ["BatchPlanRequest", "BatchPlanRun", "HouseholdJob", "plan_all", "plan_batch", "plan_job"]


@dataclass(frozen=True, slots=True, kw_only=True)
class HouseholdJob:
    """One household to plan, as plain data.

    Attributes
    ----------
    name
        How the batch's summary names it (the file's path or the store's name).
    path
        The household file (YAML/JSON), or ``None`` when ``data`` is given.
    data
        The household file's parsed content (as
        :func:`rebal.household.household_from_dict` takes it).
    mode, min_trade_usd
        As for :class:`rebal.services.plan.PlanRequest`.
    """

    name: str
    path: str | None = None
    data: Mapping[str, Any] | None = None
    mode: str = "balanced"
    min_trade_usd: float = 0.0

    def __post_init__(self) -> None:
        if (self.path is None) == (self.data is None):
            raise ValueError("a HouseholdJob needs exactly one of path and data")


def plan_job(job: HouseholdJob) -> dict[str, Any]:
    """Plan one household (on whichever worker runs it).

    Returns
    -------
    dict
        ``plan``: its ``rebal plan --json`` document; ``payload``: the plan in the
        services' codec (what the store keeps, :mod:`rebal.services.codec`).
    """
    from rebal.household import household_from_dict, load_household
    from rebal.services.codec import to_json
    from rebal.services.plan import plan_household

    if job.path is not None:
        household = load_household(job.path)
    else:
        household = household_from_dict(dict(job.data or {}), source=job.name)
    plan = plan_household(household, mode=job.mode, min_trade_usd=job.min_trade_usd).plan
    return {"plan": plan.to_dict(), "payload": to_json(plan)}


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class BatchPlanRun:
    """The batch's outcomes, one per job in job order.

    Attributes
    ----------
    names
        Each job's name.
    outcomes
        Each job's :class:`~rebal.executor.JobOutcome` (its value: the plan's JSON).
    executor
        The executor in words.
    seconds
        Wall time of the whole batch (s).
    saved
        Household name → the id of its stored plan (``plan --all``), new or already there.
    """

    names: tuple[str, ...]
    outcomes: tuple[JobOutcome[dict[str, Any]], ...]
    executor: str
    seconds: float
    saved: dict[str, int] = field(default_factory=dict)

    @property
    def n_failed(self) -> int:
        """Jobs that failed."""
        return sum(not o.ok for o in self.outcomes)

    @property
    def n_ok(self) -> int:
        """Jobs planned."""
        return len(self.outcomes) - self.n_failed

    def to_dict(self) -> dict[str, Any]:
        """``--json``: counts, then per job its name, status, error, seconds, and the
        number of trades and the tax of its plan."""
        jobs = []
        for name, o in zip(self.names, self.outcomes, strict=True):
            row: dict[str, Any] = {"household": name, **o.to_dict()}
            if o.ok and o.value is not None:
                plan = o.value["plan"]
                row["n_trades"] = len(plan.get("trades", []))
                row["tax_usd"] = plan["tax"]["total_usd"]
                row["saving_usd"] = plan.get("saving_usd")
                row["in_bands_after"] = plan.get("in_bands_after")
                if name in self.saved:
                    row["plan_id"] = self.saved[name]
            jobs.append(row)
        return {"n_jobs": len(self.outcomes), "n_ok": self.n_ok, "n_failed": self.n_failed,
                "executor": self.executor, "seconds": self.seconds, "jobs": jobs}


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchPlanRequest:
    """Households to plan, as plain data.

    Attributes
    ----------
    jobs
        The households.
    executor
        Where they run (``None``: local processes on every CPU).
    round_size
        Jobs sent to the executor at a time (results are handed over after each round).
    """

    jobs: Sequence[HouseholdJob] = field(default_factory=tuple)
    executor: ExecutorSpec | None = None
    round_size: int = 512


def plan_batch(
    request: BatchPlanRequest,
    *,
    progress: Callable[[int, int], None] | None = None,
    on_result: Callable[[HouseholdJob, JobOutcome[dict[str, Any]]], None] | None = None,
    executor: Executor | None = None,
) -> BatchPlanRun:
    """Plan every household of ``request`` on its executor; failures are recorded, not
    raised.

    The jobs go to the executor in rounds of ``request.round_size``; after each round
    ``on_result`` sees its outcomes, so a batch stopped half-way keeps what it finished.

    Parameters
    ----------
    request
        The jobs and the executor.
    progress
        ``progress(done, total)`` as each household finishes.
    on_result
        Called in this process once per job, in job order, with its outcome (e.g. to
        save the plan): exactly once per job, whatever happened on the workers.
    executor
        An executor already open (instead of opening ``request.executor``).
    """
    import time
    from contextlib import nullcontext

    from rebal.executor import ExecutorKind, open_executor, settle

    jobs = list(request.jobs)
    spec = request.executor or ExecutorSpec(kind=ExecutorKind.PROCESSES)
    t0 = time.perf_counter()
    outcomes: list[JobOutcome[dict[str, Any]]] = []
    size = max(1, int(request.round_size))
    opened = nullcontext(executor) if executor is not None else open_executor(
        spec, preload=("rebal.services.batch", "rebal.planner.plan"))
    with opened as ex:
        for start in range(0, len(jobs), size):
            chunk = jobs[start : start + size]

            def step(done: int, _total: int, _index: int, _base: int = start) -> None:
                if progress is not None:
                    progress(_base + done, len(jobs))

            results = ex.map(settle(plan_job), chunk, progress=step)
            for job, outcome in zip(chunk, results, strict=True):
                outcomes.append(outcome)
                if on_result is not None:
                    on_result(job, outcome)
    return BatchPlanRun(names=tuple(j.name for j in jobs), outcomes=tuple(outcomes),
                        executor=spec.describe() if executor is None else type(executor).__name__,
                        seconds=time.perf_counter() - t0)


def plan_all(
    db: str | None,
    *,
    names: Sequence[str] = (),
    save: bool = True,
    mode: str = "balanced",
    min_trade_usd: float = 0.0,
    executor: ExecutorSpec | Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BatchPlanRun:
    """``rebal plan --all``: plan every stored household (or those named) on an executor
    and store each plan as ``proposed``.

    Saving is idempotent: a plan is stored under the sha-256 of its household's stored
    content and the settings; when the household already has a plan with that hash, its
    id is reused and nothing is written. So a batch run twice, or a task rerun after a
    worker died, stores each plan once.
    """
    import hashlib
    import json

    from rebal.services.store import current_user, open_store, record_drift
    from rebal.store.alerts import household_ids
    from rebal.store.households import households_data
    from rebal.store.plans import find_plan, save_plan

    store = open_store(db, create=False)
    with store:
        with store.read() as conn:
            ids = household_ids(conn)
            data = households_data(conn, list(names) or None)
        jobs = [HouseholdJob(name=n, data=data[n], mode=mode, min_trade_usd=min_trade_usd)
                for n in (list(names) or sorted(data)) if n in data]
        failed_early = [n for n in names if n not in data]
        saved: dict[str, int] = {}
        by = current_user()

        def keep(job: HouseholdJob, outcome: JobOutcome[dict[str, Any]]) -> None:
            if not save or not outcome.ok or outcome.value is None:
                return
            from rebal.household import household_from_dict

            plan = outcome.value["plan"]
            text = json.dumps({"household": job.data, "settings": plan["settings"]},
                              sort_keys=True, separators=(",", ":"), default=str)
            digest = hashlib.sha256(text.encode()).hexdigest()
            with store.write() as conn:
                hid = ids[job.name]
                existing = find_plan(conn, hid, digest)
                if existing is not None:
                    saved[job.name] = existing
                    return
                import datetime as dt

                saved[job.name] = save_plan(
                    conn, hid, as_of=dt.date.fromisoformat(plan["as_of"]), inputs_hash=digest,
                    summary=plan, payload=outcome.value["payload"],
                    n_trades=len(plan["trades"]), tax_usd=plan["tax"]["total_usd"],
                    naive_tax_usd=(None if plan.get("naive") is None
                                   else plan["naive"]["tax"]["total_usd"]), by=by)
                record_drift(conn, hid, household_from_dict(dict(job.data or {}),
                                                            source=f"store:{job.name}"))

        spec = executor if isinstance(executor, ExecutorSpec) or executor is None else None
        run = plan_batch(BatchPlanRequest(jobs=jobs, executor=spec), progress=progress,
                         on_result=keep,
                         executor=None if spec is not None or executor is None else executor)
    from dataclasses import replace

    # a name not in the store fails alone, like a household whose plan failed
    unknown = tuple(JobOutcome(False, None, f"no household {n!r} in the store", "StoreError")
                    for n in failed_early)
    return replace(run, names=run.names + tuple(failed_early),
                   outcomes=run.outcomes + unknown, saved=saved)
