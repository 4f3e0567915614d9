"""Executors map independent jobs in order, with progress; a study runs the same on each."""

from __future__ import annotations

from pathlib import Path

import pytest

from rebal.errors import ConfigError
from rebal.executor import ProcessExecutor, SerialExecutor, ThreadExecutor
from rebal.services import codec
from rebal.services.compare import CompareRequest, compare

STUDY = Path(__file__).resolve().parents[2] / "examples" / "studies" / "default_core.yaml"


def square(x: int) -> int:
    return x * x


@pytest.mark.parametrize("executor", [SerialExecutor(), ThreadExecutor(2),
                                      ProcessExecutor(2, start_method="fork")])
def test_map_keeps_job_order_and_reports_every_job(executor):
    seen = []
    out = executor.map(square, list(range(7)), progress=lambda d, t, i: seen.append((d, t, i)))
    assert out == [x * x for x in range(7)]
    assert [d for d, _, _ in seen] == list(range(1, 8))
    assert {t for _, t, _ in seen} == {7}
    assert sorted(i for _, _, i in seen) == list(range(7))


def test_empty_and_bad_worker_counts():
    assert ThreadExecutor(3).map(square, []) == []
    assert ProcessExecutor(3).map(square, []) == []
    with pytest.raises(ConfigError, match="n_workers"):
        ThreadExecutor(0).map(square, [1, 2])


def test_errors_of_a_job_reach_the_caller():
    with pytest.raises(ZeroDivisionError):
        ThreadExecutor(2).map(lambda x: 1 // x, [1, 0, 2])


def test_study_on_processes_equals_serial():
    req = CompareRequest(study=str(STUDY), overrides={"data.start": "2012-01-01"})
    serial = compare(req)
    pooled = compare(req, executor=ProcessExecutor(2))
    for a, b in zip(serial.result.outcomes, pooled.result.outcomes, strict=True):
        assert a.name == b.name
        assert a.result.values.tobytes() == b.result.values.tobytes()
    assert codec.to_json(serial.result.baseline.metrics) == \
        codec.to_json(pooled.result.baseline.metrics)


def test_sweep_kernel_parts_equal_one_call_bit_for_bit():
    import numpy as np

    from rebal import datasets
    from rebal.backtest import CostModel
    from rebal.metrics.bootstrap import stationary_bootstrap_indices
    from rebal.policy import parse_policy
    from rebal.sweep.runner import Job, kernel_parts, run_configs
    from rebal.sweep.uncertainty import resample_market_paths

    market = datasets.load("us_daily").select(["US_MKT", "UST_INT"]).between("2010-01-01", None)
    target = {"US_MKT": 0.6, "UST_INT": 0.4}
    jobs = [Job(policy=parse_policy(f"band:abs={w:.3f}"), costs=CostModel(cost_bps=5))
            for w in np.linspace(0.01, 0.2, 300)]
    idx = stationary_bootstrap_indices(market.n_days - 1, 5, 10.0, seed=1)
    paths, _, _ = resample_market_paths(market, idx)
    one = run_configs(market, target, jobs, paths=paths, n_threads=1, keep_values=True)
    many = run_configs(market, target, jobs, paths=paths, n_threads=3, keep_values=True,
                       executor=ThreadExecutor(3))
    for name in ("cagr", "sharpe", "max_drawdown", "annual_turnover", "values", "status"):
        assert getattr(one, name).tobytes() == getattr(many, name).tobytes(), name
    parts = kernel_parts(5, 4, 3)
    covered = {(p, b) for p0, p1, b0, b1 in parts for p in range(p0, p1) for b in range(b0, b1)}
    assert covered == {(p, b) for p in range(5) for b in range(4)} and len(parts) > 1
