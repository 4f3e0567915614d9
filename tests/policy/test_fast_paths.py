"""The engine's fast paths build exactly what the validating paths build."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

from rebal.data import MarketData
from rebal.errors import ConfigError
from rebal.policy import CompiledPolicy, Policy, parse_policy
from rebal.policy.target import target_array


def _market(n_days: int = 300, n_assets: int = 4, seed: int = 3) -> MarketData:
    rng = np.random.default_rng(seed)
    prices = 100 * np.cumprod(1 + rng.normal(0, 0.01, (n_days, n_assets)), axis=0)
    dates = np.datetime64("2020-01-01") + np.arange(n_days)
    return MarketData(dates=dates, assets=tuple(f"A{i}" for i in range(n_assets)),
                      prices=prices)


@pytest.mark.parametrize("text", [
    "buy-and-hold", "monthly", "quarterly", "band:abs=0.05", "band:rel=0.25",
    "band:abs=0.05,rel=0.25,check=monthly,to=edge,scope=breached",
    "band:abs=0.03,to=halfway",
])
def test_trusted_compile_equals_validated(text: str) -> None:
    market = _market()
    weights = np.array([0.4, 0.3, 0.2, 0.1])
    fast = parse_policy(text).compile(market, weights)
    checked = CompiledPolicy(name=fast.name, check=fast.check, band=fast.band,
                             sizing=fast.sizing, scope=fast.scope, rule=fast.rule)
    for f in fields(CompiledPolicy):
        a, b = getattr(fast, f.name), getattr(checked, f.name)
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            assert np.array_equal(np.asarray(a), np.asarray(b)), f.name
            assert np.asarray(a).dtype == np.asarray(b).dtype, f.name
        else:
            assert a == b, f.name


def test_target_array_fast_path_agrees() -> None:
    assets = ("A", "B", "C")
    rng = np.random.default_rng(0)
    for _ in range(200):
        w = rng.dirichlet(np.ones(3))
        in_order = dict(zip(assets, w, strict=True))
        shuffled = dict(reversed(list(in_order.items())))
        assert np.array_equal(target_array(in_order, assets), target_array(shuffled, assets))
    for bad in ({"A": 0.5, "B": 0.6, "C": -0.1}, {"A": 0.5, "B": 0.4, "C": 0.2},
                {"A": float("nan"), "B": 0.5, "C": 0.5}, {"A": "x", "B": 0.5, "C": 0.5}):
        with pytest.raises(ConfigError):
            target_array(bad, assets)
        with pytest.raises(ConfigError):
            target_array(dict(reversed(list(bad.items()))), assets)


def test_user_built_policy_still_validated() -> None:
    market = _market()
    good = Policy.calendar("monthly").compile(market, np.full(4, 0.25))
    with pytest.raises(ConfigError, match="row 0"):
        CompiledPolicy(name="x", check=np.ones(market.n_days, bool), band=good.band,
                       sizing=0, scope=0, rule=1)
