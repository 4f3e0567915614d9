"""The Dask executor (a real LocalCluster of two worker processes on loopback):
results equal the serial executor's job for job, a killed worker loses nothing, a bad
household fails alone, and an unreachable scheduler is one line naming its address."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import pytest

from rebal.errors import ConfigError
from rebal.executor import (
    ExecutorKind,
    ExecutorSpec,
    JobOutcome,
    SerialExecutor,
    open_executor,
    settle,
)

pytest.importorskip("distributed")

from dask_jobs import slow_square  # noqa: E402  (after the skip)

ROOT = Path(__file__).resolve().parents[2]
SWEEP = ROOT / "examples" / "studies" / "sweep_bands_default.yaml"
STUDY = ROOT / "examples" / "studies" / "default_core.yaml"


@pytest.fixture(scope="module")
def dask_ex():
    from rebal.executor.dask import DaskExecutor

    with DaskExecutor.start(workers=2) as ex:
        yield ex


# -- choosing an executor -------------------------------------------------------------


def test_spec_from_flags_and_environment():
    assert ExecutorSpec.parse(env={}) is None
    assert ExecutorSpec.parse("dask", env={}) == ExecutorSpec(ExecutorKind.DASK)
    spec = ExecutorSpec.parse(scheduler="10.0.0.5:8786", env={})
    assert spec == ExecutorSpec(ExecutorKind.DASK, scheduler="tcp://10.0.0.5:8786")
    env = {"REBAL_EXECUTOR": "processes"}
    assert ExecutorSpec.parse(workers=3, env=env) == ExecutorSpec(ExecutorKind.PROCESSES, 3)
    # the flag beats the environment
    assert ExecutorSpec.parse("serial", env=env).kind is ExecutorKind.SERIAL
    env = {"REBAL_SCHEDULER": "tcp://h:1"}
    assert ExecutorSpec.parse(env=env).scheduler == "tcp://h:1"


@pytest.mark.parametrize(("args", "message"), [
    (("dusk", None, None), "--executor: unknown executor 'dusk'"),
    (("threads", "tcp://h:1", None), "--scheduler needs --executor dask"),
    (("dask", "http://h:1", None), "--scheduler: 'http://h:1' is not a scheduler address"),
    (("dask", None, 0), "--workers must be an integer >= 1"),
])
def test_bad_choices_name_the_flag(args, message):
    with pytest.raises(ConfigError) as err:
        ExecutorSpec.parse(*args, env={})
    assert str(err.value).startswith(message)


def test_bad_environment_names_the_variable():
    with pytest.raises(ConfigError, match="^REBAL_EXECUTOR: unknown executor"):
        ExecutorSpec.parse(env={"REBAL_EXECUTOR": "gpu"})


def test_settle_records_each_failure_and_goes_on():
    out = SerialExecutor().map(settle(lambda x: 10 // x), [5, 0, 2])
    assert [o.ok for o in out] == [True, False, True]
    assert [o.value for o in out] == [2, None, 5]
    assert out[1].error_type == "ZeroDivisionError" and "division" in (out[1].error or "")
    assert out[1].to_dict()["status"] == "failed"


# -- on a LocalCluster ------------------------------------------------------------------


def test_map_in_job_order_with_progress(dask_ex):
    seen: list[int] = []
    out = dask_ex.map(slow_square, list(range(6)), progress=lambda d, t, i: seen.append(i))
    assert out == [x * x for x in range(6)]
    assert sorted(seen) == list(range(6))
    assert dask_ex.n_workers == 2


def test_first_error_reaches_the_caller(dask_ex):
    with pytest.raises(ZeroDivisionError):
        dask_ex.map(lambda x: 1 // x, [1, 0, 2])
    # and a settled batch records it instead
    out = dask_ex.map(settle(lambda x: 1 // x), [1, 0, 2])
    assert [o.ok for o in out] == [True, False, True]


def test_killed_worker_loses_nothing(dask_ex):
    """SIGKILL one worker while the batch runs: the scheduler reruns its tasks on the
    other (the nanny restarts the dead one), every result arrives exactly once."""
    pids = dask_ex.client.run(os.getpid)
    victim = sorted(pids.values())[0]
    timer = threading.Timer(0.5, os.kill, (victim, signal.SIGKILL))
    timer.start()
    seen: list[int] = []
    out = dask_ex.map(slow_square, list(range(24)), progress=lambda d, t, i: seen.append(i))
    timer.join()
    assert out == [x * x for x in range(24)]
    assert sorted(seen) == list(range(24))  # each job reported once
    dask_ex.client.wait_for_workers(2, timeout=30)


def test_sweep_on_dask_equals_threads_bit_for_bit(dask_ex):
    from rebal.services.sweep import sweep_study
    from rebal.sweep.study import load_sweep, run_sweep

    loaded = load_sweep(str(SWEEP), overrides={
        "data.start": "2009-01-01", "sweep.axes.abs.to": "0.03",
        "sweep.bootstrap.samples": "20"})
    threads = sweep_study(loaded, n_threads=2).result
    on_dask = run_sweep(loaded, n_threads=2, executor=dask_ex)
    for metric in ("cagr", "sharpe", "max_drawdown", "n_rebalances"):
        assert threads.stats.get(metric).tobytes() == on_dask.stats.get(metric).tobytes()
    assert threads.to_dict()["bootstrap"] == on_dask.to_dict()["bootstrap"]


def test_compare_bootstrap_on_dask_equals_serial(dask_ex):
    from rebal.services.compare import CompareRequest, compare

    req = CompareRequest(study=str(STUDY), overrides={"data.start": "2014-01-01"},
                         bootstrap_samples=30, seed=3)
    serial = compare(req)
    on_dask = compare(req, executor=dask_ex)
    assert serial.to_dict() == on_dask.to_dict()


def test_household_batch_equals_serial_and_a_bad_one_fails_alone(dask_ex, tmp_path):
    from rebal.household.synthetic import synthetic_household
    from rebal.services.batch import BatchPlanRequest, HouseholdJob, plan_batch

    bad = tmp_path / "bad.yaml"
    bad.write_text("as_of: 2025-06-30\nhousehold: {filing_status: single}\naccounts: []\n")
    jobs = [HouseholdJob(name=f"h{s}", data=synthetic_household(s, n_lots=12)) for s in range(5)]
    jobs.insert(2, HouseholdJob(name="bad", path=str(bad)))
    saved: list[str] = []
    on_dask = plan_batch(BatchPlanRequest(jobs=jobs), executor=dask_ex,
                         on_result=lambda job, _o: saved.append(job.name))
    serial = plan_batch(BatchPlanRequest(jobs=jobs, executor=ExecutorSpec(ExecutorKind.SERIAL)))
    assert saved == [j.name for j in jobs]  # once each, in job order
    assert (on_dask.n_ok, on_dask.n_failed) == (5, 1)
    failed = on_dask.outcomes[2]
    assert isinstance(failed, JobOutcome) and not failed.ok
    assert failed.error is not None and str(bad) in failed.error
    def plan_only(value):  # the plan without its solve timings
        if value is None:
            return None
        return {k: v for k, v in value["plan"].items() if k != "stats"}

    for a, b in zip(on_dask.outcomes, serial.outcomes, strict=True):
        assert a.ok == b.ok and a.error == b.error
        assert plan_only(a.value) == plan_only(b.value)
    summary = on_dask.to_dict()
    assert summary["n_failed"] == 1 and summary["jobs"][2]["status"] == "failed"


def test_unreachable_scheduler_is_one_line_naming_it():
    spec = ExecutorSpec.parse(scheduler="tcp://127.0.0.1:9", env={})
    from rebal.executor.dask import DaskExecutor

    with pytest.raises(ConfigError) as err, DaskExecutor.start(scheduler=spec.scheduler,
                                                                timeout_s=1.0):
        pass
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in str(err.value)
    assert "\n" not in str(err.value)
    with open_executor(None) as ex:  # nothing chosen: the command's default
        assert isinstance(ex, SerialExecutor)
