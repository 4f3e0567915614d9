"""``rebal simulate --executor``: the strategies as jobs give the same result on local
processes as one after the other."""

from __future__ import annotations

from pathlib import Path

import pytest

from rebal.errors import ConfigError
from rebal.executor import ExecutorKind, ExecutorSpec
from rebal.services.simulate import SimulateRequest, simulate

SIM = Path(__file__).resolve().parents[2] / "examples" / "households" / \
    "article_client_sim_default.yaml"


def test_strategies_on_processes_equal_serial():
    base = dict(household=str(SIM), start="2010-01-01", end="2011-12-31", every="quarter",
                strategies="naive,per-account-calendar,buy-and-hold", bootstrap=0)
    serial = simulate(SimulateRequest(**base))
    pooled = simulate(SimulateRequest(**base, executor=ExecutorSpec(ExecutorKind.PROCESSES, 2)))
    def results(run):  # without the planner's wall time, which is a measurement
        out = run.to_dict()
        out["strategies"] = [{k: v for k, v in s.items() if k != "plan_seconds"}
                             for s in out["strategies"]]
        return out

    assert results(serial) == results(pooled)


def test_threads_are_refused_naming_the_flag():
    with pytest.raises(ConfigError, match="^--executor threads"):
        simulate(SimulateRequest(household=str(SIM), bootstrap=0,
                                 executor=ExecutorSpec(ExecutorKind.THREADS)))
