"""The API takes loaded objects as well as paths, with the same answers."""

from __future__ import annotations

from pathlib import Path

import rebal
from rebal.services import codec

EX = Path(__file__).resolve().parents[2] / "examples"


def test_backtest_with_market_and_policy_objects_equals_paths():
    from rebal.policy import parse_policy

    market = rebal.datasets.load("us_daily")
    by_name = rebal.backtest_policy("us_daily", {"US_MKT": 0.6, "UST_INT": 0.4}, "monthly",
                                    start="2012-01-01", cost_bps=5)
    by_object = rebal.backtest_policy(market, {"US_MKT": 0.6, "UST_INT": 0.4},
                                      parse_policy("monthly"), start="2012-01-01", cost_bps=5)
    assert by_name.result.values.tobytes() == by_object.result.values.tobytes()
    assert by_name.metrics == by_object.metrics
    assert rebal.load_prices("default").assets == market.assets


def test_audit_with_loaded_household_equals_paths():
    trades, household = EX / "tax" / "trades.csv", EX / "tax" / "household.yaml"
    from_paths = rebal.audit_trades(trades, household)
    from rebal.services.tax import load_tax_settings

    loaded = rebal.audit_trades(trades, load_tax_settings(household))
    assert codec.to_json(loaded) == codec.to_json(from_paths)


def test_plan_and_check_with_loaded_household_equal_paths():
    path = EX / "households" / "diy_small.yaml"
    household = rebal.load_household(path)
    assert codec.to_json(rebal.check(household)) == codec.to_json(rebal.check(path))
    a, b = rebal.plan(household).plan.to_dict(), rebal.plan(path).plan.to_dict()
    a.pop("stats"), b.pop("stats")  # solver timings
    assert a == b
