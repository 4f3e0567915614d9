"""Every service's result survives a JSON round trip exactly (rebal.services.codec)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rebal.services import codec
from rebal.services.backtest import BacktestRequest, backtest
from rebal.services.check import CheckRequest, check
from rebal.services.compare import CompareRequest, compare
from rebal.services.plan import PlanRequest, plan
from rebal.services.sweep import SweepRequest, sweep
from rebal.services.tax import AuditRequest, EstimateRequest, audit, estimate

ROOT = Path(__file__).resolve().parents[2]
EX = ROOT / "examples"


def _summary(obj):
    return json.dumps(obj.to_dict(), default=str, sort_keys=True)


def _round_trip(obj):
    text = codec.to_json(obj)
    back = codec.from_json(text)
    assert type(back) is type(obj)
    assert codec.to_json(back) == text  # a fixed point: nothing lost or changed
    assert _summary(back) == _summary(obj)  # the --json document is the same
    return back


def test_backtest_run_round_trip_bit_for_bit():
    run = backtest(BacktestRequest(policy="band:abs=0.05", start="2012-01-01", cost_bps=5))
    back = _round_trip(run)
    for name in ("values", "shares", "share_days", "costs_usd", "flows_usd"):
        a, b = getattr(run.result, name), getattr(back.result, name)
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
    assert np.array_equal(back.result.weights, run.result.weights)
    assert back.result.trades.value_usd.tobytes() == run.result.trades.value_usd.tobytes()
    assert back.result.market.dates.tobytes() == run.result.market.dates.tobytes()
    assert back.metrics == run.metrics


def test_compare_run_round_trip_with_intervals():
    run = compare(CompareRequest(study=str(EX / "studies" / "default_core.yaml"),
                                 overrides={"data.start": "2014-01-01"},
                                 bootstrap_samples=20, seed=3))
    back = _round_trip(run)
    assert [o.name for o in back.result.outcomes] == [o.name for o in run.result.outcomes]
    assert back.intervals == run.intervals


def test_sweep_run_round_trip():
    path = EX / "studies" / "sweep_bands_default.yaml"
    run = sweep(SweepRequest(study=str(path), overrides={"data.start": "2008-01-01",
                                                         "sweep.bootstrap.samples": "20"},
                             n_threads=1))
    back = _round_trip(run)
    assert back.result.rows() == run.result.rows()


def test_plan_and_check_round_trip():
    household = str(EX / "households" / "article_client.yaml")
    _round_trip(plan(PlanRequest(household=household)))
    _round_trip(check(CheckRequest(household=str(EX / "households" / "diy_small.yaml"))))
    # currencies: exposure, foreign tax, conversions (issue 21)
    intl = str(EX / "households" / "international.yaml")
    _round_trip(plan(PlanRequest(household=intl, base="GBP")))
    _round_trip(check(CheckRequest(household=intl)))


def test_tax_results_round_trip():
    _round_trip(estimate(EstimateRequest(income=60_000, lt=30_000, state_rate=0.05)))
    _round_trip(audit(AuditRequest(trades=str(EX / "tax" / "trades.csv"),
                                   household=str(EX / "tax" / "household.yaml"))))


def test_requests_round_trip():
    req = CompareRequest(study="s.yaml", overrides={"data.start": "2010-01-01"}, seed=4)
    assert codec.from_json(codec.to_json(req)) == req


def test_codec_refuses_classes_outside_rebal():
    with pytest.raises(Exception, match="outside the rebal package"):
        codec.from_json('{"$dc": "os:PathLike", "f": {}}')
