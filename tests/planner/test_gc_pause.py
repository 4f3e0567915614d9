"""plan() and naive_plan() pause the cyclic garbage collector while they run and give it
back as it was: on, off (a caller's choice), after an error, and when nested."""

from __future__ import annotations

import gc

import pytest

from planner_helpers import EXAMPLES, make

from rebal.errors import ConfigError
from rebal.household import load_household
from rebal.planner import PlanSettings, naive_plan, plan
from rebal.planner._gc import paused_gc


def test_paused_inside_restored_after() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block does not turn it back on early
    assert gc.isenabled()


def test_restored_after_an_error_and_left_off_when_the_caller_had_it_off() -> None:
    with pytest.raises(RuntimeError), paused_gc():
        raise RuntimeError("boom")
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_plan_runs_with_the_collector_off_and_gives_it_back(monkeypatch) -> None:
    import importlib

    seen: list[bool] = []
    plan_mod = importlib.import_module("rebal.planner.plan")
    real = plan_mod.evaluate

    def spy(*a, **k):
        seen.append(gc.isenabled())
        return real(*a, **k)

    monkeypatch.setattr(plan_mod, "evaluate", spy)
    h = load_household(EXAMPLES / "diy_small.yaml")
    plan(h, PlanSettings(compare_naive=True))
    naive_plan(h)
    assert seen and not any(seen)
    assert gc.isenabled()


def test_an_error_inside_plan_gives_the_collector_back() -> None:
    # a $2 billion position: over the planner's per-position limit, refused inside plan()
    h = make([{"id": "tx", "type": "taxable"}],
             [{"symbol": "AAA", "asset_class": "stocks", "price_usd": 100.0}],
             [{"account": "tx", "symbol": "AAA", "quantity": 20_000_000,
               "cost_basis_usd": 1e9, "acquired": "2020-01-02"}],
             {"stocks": {"weight": 1.0}})
    with pytest.raises(ConfigError, match="limit"):
        plan(h)
    assert gc.isenabled()
