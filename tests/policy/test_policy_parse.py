"""Short policy forms and validation messages."""

from __future__ import annotations

import numpy as np
import pytest

from rebal.errors import ConfigError
from rebal.policy import (
    AbsoluteBand,
    Always,
    BandTrigger,
    Calendar,
    Never,
    Policy,
    RelativeBand,
    parse_policy,
)
from rebal.types import Frequency, Scope, Sizing


def test_buy_and_hold_and_calendars():
    p = parse_policy("buy-and-hold")
    assert isinstance(p.trigger, Never) and p.name == "buy-and-hold"
    for f in Frequency:
        p = parse_policy(f.value)
        assert isinstance(p.trigger, Always)
        assert p.schedule == Calendar(f)
        assert p.sizing is Sizing.TO_TARGET and p.scope is Scope.ALL


@pytest.mark.parametrize(
    ("text", "absolute", "relative", "check", "sizing", "scope"),
    [
        ("band:abs=0.05", 0.05, None, Frequency.DAILY, Sizing.TO_TARGET, Scope.ALL),
        ("band:rel=0.25", None, 0.25, Frequency.DAILY, Sizing.TO_TARGET, Scope.ALL),
        ("band:abs=0.05,rel=0.25", 0.05, 0.25, Frequency.DAILY, Sizing.TO_TARGET, Scope.ALL),
        ("band:abs=0.05,rel=0.25,check=monthly,to=edge,scope=breached", 0.05, 0.25,
         Frequency.MONTHLY, Sizing.TO_EDGE, Scope.BREACHED),
        ("band: rel=0.1 , to=halfway", None, 0.1, Frequency.DAILY, Sizing.HALFWAY, Scope.ALL),
    ],
)
def test_band_forms(text, absolute, relative, check, sizing, scope):
    p = parse_policy(text)
    trig = p.trigger
    assert isinstance(trig, BandTrigger)
    assert (trig.absolute.width if trig.absolute else None) == absolute
    assert (trig.relative.width if trig.relative else None) == relative
    assert p.schedule.frequency is check and p.sizing is sizing and p.scope is scope
    assert p.name == text.strip()


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("sometimes", r"unknown kind 'sometimes'; choose one of buy-and-hold, daily, weekly"),
        ("band:", r"a band needs abs="),
        ("band:abs=0.05,speed=2", r"unknown key 'speed'; choose from abs, rel, check, to, scope"),
        ("band:abs=five", r"abs='five' is not a number"),
        ("band:abs=-0.05", r"abs must be > 0, got -0.05"),
        ("band:abs=1.5", r"abs must be a fraction < 1"),
        ("band:abs=0.05,to=moon", r"to: unknown value 'moon'; choose one of target, edge, halfway"),
        ("band:abs=0.05,scope=some", r"scope: unknown value 'some'; choose one of all, breached"),
        ("band:abs=0.05,check=hourly", r"check: unknown value 'hourly'"),
        ("band:abs=0.05,abs=0.1", r"key 'abs' given twice"),
        ("band:abs", r"bad token 'abs'"),
        ("monthly:x=1", r"calendar policy takes no parameters"),
        ("", r"non-empty"),
    ],
)
def test_bad_forms_name_the_token(text, pattern):
    with pytest.raises(ConfigError, match=pattern):
        parse_policy(text)


def test_constructor_validation_names_the_parameter():
    with pytest.raises(ConfigError, match=r"RelativeBand.width must be > 0, got -0.1"):
        RelativeBand(width=-0.1)
    with pytest.raises(ConfigError, match=r"AbsoluteBand.width must be > 0, got 0"):
        AbsoluteBand(0)
    with pytest.raises(ConfigError, match=r"AbsoluteBand.width must be < 1"):
        AbsoluteBand(5)
    with pytest.raises(ConfigError, match=r"BandTrigger needs absolute=, relative= or both"):
        BandTrigger()
    with pytest.raises(ConfigError, match=r"BandTrigger.absolute must be an AbsoluteBand"):
        BandTrigger(absolute=0.05)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"Policy.name must be a non-empty string"):
        Policy(name=" ")
    with pytest.raises(ConfigError, match=r"Policy.sizing: unknown value 'sideways'"):
        Policy(name="x", sizing="sideways")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"Policy.trigger must be a trigger"):
        Policy(name="x", trigger="band")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"Policy.schedule must be a Calendar"):
        Policy(name="x", schedule="monthly")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Policy("x")  # type: ignore[misc]  # keyword-only


def test_compile_band_widths_and_check_mask(small_market):
    target = np.array([0.6, 0.3, 0.1])
    p = Policy(name="5/25 monthly", schedule=Calendar(Frequency.MONTHLY),
               trigger=BandTrigger(absolute=AbsoluteBand(0.05), relative=RelativeBand(0.25)))
    c = p.compile(small_market, target)
    assert c.band.shape == (1, 3)  # constant widths: one row serves every day
    # min(0.05, 0.25 * target): 0.25 * 0.6 = 0.15, 0.25 * 0.3 = 0.075, 0.25 * 0.1 = 0.025
    np.testing.assert_allclose(c.band[0], [0.05, 0.05, 0.025], rtol=1e-15)
    assert c.check.sum() == 23  # 24 month ends in 2021-2022 minus the final row
    assert not c.check[0] and not c.check[-1]
    cal = Policy.calendar("monthly").compile(small_market, target)
    assert (cal.band < 0).all()
    bh = Policy.buy_and_hold().compile(small_market, target)
    assert not bh.check.any()
    flows_only = Policy(name="f", cash_flow_only=True).compile(small_market, target)
    assert not flows_only.check.any()
