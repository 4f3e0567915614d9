"""``rebal plan --all`` on a Dask LocalCluster: a worker killed mid-batch loses nothing
and every household's plan is stored exactly once; a second run stores nothing new."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from rebal.household.synthetic import synthetic_household
from rebal.services import store as svc
from rebal.services.batch import plan_all

pytest.importorskip("distributed")

N = 16


def _plans_per_household(url: str) -> dict[str, int]:
    store = svc.open_store(url, create=False)
    with store, store.read() as conn:
        rows = conn.execute(sa.text(
            "SELECT h.name, count(p.id) FROM households h LEFT JOIN plans p "
            "ON p.household_id = h.id GROUP BY h.name")).all()
    return dict(rows)


def test_killed_worker_every_household_planned_once(sqlite_url: str, tmp_path: Path) -> None:
    from rebal.executor.dask import DaskExecutor

    for seed in range(N):
        data = synthetic_household(seed, n_lots=12)
        path = tmp_path / f"h{seed}.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        svc.add_household(str(path), sqlite_url)

    with DaskExecutor.start(workers=2) as ex:
        victim = sorted(ex.client.run(os.getpid).values())[0]
        killed: list[int] = []

        def kill_once(done: int, total: int) -> None:
            if not killed:  # after the first result, while the rest are queued or running
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)

        run = plan_all(sqlite_url, executor=ex, progress=kill_once)
        assert killed and run.n_ok == N and run.n_failed == 0
        assert _plans_per_household(sqlite_url) == {f"synthetic-{s}": 1 for s in range(N)}
        first_ids = dict(run.saved)
        again = plan_all(sqlite_url, executor=ex)
    assert again.saved == first_ids  # the same inputs: the stored plans, nothing new
    assert _plans_per_household(sqlite_url) == {f"synthetic-{s}": 1 for s in range(N)}
    summary = again.to_dict()
    assert summary["n_ok"] == N and {j["plan_id"] for j in summary["jobs"]} == set(
        first_ids.values())


def test_a_bad_household_fails_alone_and_the_exit_code_says_so(sqlite_url: str, cli) -> None:
    from store_helpers import EXAMPLES

    svc.add_household(str(EXAMPLES / "diy_small.yaml"), sqlite_url)
    code, out, _ = cli("plan", "--all", "--db", sqlite_url, "--executor", "serial",
                       "--household", "DIY investor (single)", "--household", "nobody")
    assert code == 2 and "nobody" in (out + _)
