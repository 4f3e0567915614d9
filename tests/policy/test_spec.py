"""Structured specs and short forms: every kind builds; bad input is one line naming the field."""

from __future__ import annotations

import pytest

from rebal.errors import ConfigError
from rebal.policy import (
    KINDS,
    AdaptiveFrequency,
    CorrelationRegime,
    DynamicPolicy,
    EitherFires,
    Policy,
    ScoreTrigger,
    Tiers,
    VixTableBand,
    VolScaledBand,
    parse_policy,
    policy_from_spec,
)


@pytest.mark.parametrize(
    ("spec", "rules"),
    [
        ({"kind": "vol_band", "base_band": 0.04}, VolScaledBand),
        ({"kind": "vix_table"}, VixTableBand),
        ({"kind": "adaptive"}, AdaptiveFrequency),
        ({"kind": "correlation", "window": 21}, CorrelationRegime),
        ({"kind": "score", "weights": {"drift": 1, "vol": 0, "corr": 0, "time": 0}}, ScoreTrigger),
        ({"kind": "tiers", "assign": {"A": "core"}}, Tiers),
        ({"kind": "either", "calendar": "annual", "abs": 0.05}, EitherFires),
    ],
)
def test_dynamic_kinds_build(spec, rules):
    pol = policy_from_spec(spec, name="x")
    assert isinstance(pol, DynamicPolicy) and isinstance(pol.rules, rules) and pol.name == "x"


def test_plain_kinds_build():
    assert isinstance(policy_from_spec({"kind": "buy-and-hold"}, name="b"), Policy)
    cal = policy_from_spec({"kind": "calendar", "frequency": "quarterly"}, name="q")
    assert cal.schedule.frequency.value == "quarterly"
    band = policy_from_spec({"kind": "band", "abs": 0.05, "check": "monthly"}, name="b")
    assert band.trigger.absolute.width == 0.05 and band.schedule.frequency.value == "monthly"
    assert set(KINDS) == {"buy_and_hold", "calendar", "band", "vol_band", "vix_table",
                          "adaptive", "correlation", "score", "tiers", "either",
                          "factor_band"}


def test_custom_vix_table():
    pol = policy_from_spec({"kind": "vix_table", "table": [
        {"upto": 20, "band": 0.04}, {"band": 0.1}]}, name="t")
    assert [r.band for r in pol.rules.table.rows] == [0.04, 0.1]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"kind": "vol_band", "base_band": -0.01},
         'policies["Dynamic"].base_band must be > 0, got -0.01'),
        ({"kind": "wavelet"}, 'policies["Dynamic"].kind: unknown policy kind \'wavelet\''),
        ({"base_band": 0.05}, 'policies["Dynamic"].kind is required'),
        ({"kind": "band", "abs": 0}, 'policies["Dynamic"].abs must be > 0, got 0'),
        ({"kind": "band", "abs": 0.05, "bogus": 1}, 'policies["Dynamic"].bogus is not a known'),
        ({"kind": "correlation", "window": 1}, 'policies["Dynamic"].window must be >= 2, got 1'),
        ({"kind": "vix_table", "table": [{"upto": 20, "band": 0.04}, {"band": -1}]},
         'policies["Dynamic"].table[1].band must be > 0, got -1'),
        ({"kind": "vol_band", "vol": {"source": "gaussian"}},
         'policies["Dynamic"].vol.source must be one of'),
        ({"kind": "tiers", "assign": {"A": "core"}, "tiers": {"core": {"band": 0.03}}},
         'policies["Dynamic"].tiers.core.look is required'),
    ],
)
def test_errors_name_the_field(spec, message):
    with pytest.raises(ConfigError) as err:
        policy_from_spec(spec, name="Dynamic")
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)


def test_short_forms():
    pol = parse_policy("vol-band:base=0.04,window=63,source=aux,aux=VIX")
    assert pol.rules.base == 0.04 and pol.rules.vol.window_rows == 63
    assert pol.rules.vol.source.value == "aux"
    assert parse_policy("vix-table").rules.signal.source.value == "aux"
    assert parse_policy("vix-table:asset=SPY").rules.signal.asset == "SPY"
    assert parse_policy("score:threshold=80,drift=0.7").rules.w_drift == 0.7
    assert dict(parse_policy("tiers:A=core,B=tactical").rules.assign) == {"A": "core",
                                                                          "B": "tactical"}
    e = parse_policy("either:calendar=annual,abs=0.05,to=edge").rules
    assert e.calendar.value == "annual" and e.sizing.value == "edge"
    with pytest.raises(ConfigError, match="unknown key 'foo'"):
        parse_policy("correlation:foo=1")
    with pytest.raises(ConfigError, match=r"base_band must be > 0, got -0.01"):
        parse_policy("vol-band:base=-0.01")
    with pytest.raises(ConfigError, match="unknown kind 'wavelet'"):
        parse_policy("wavelet")
