"""The one harvest-worthiness rule and HarvestSettings, against hand-worked values."""

from __future__ import annotations

import pickle

import pytest

from rebal.errors import ConfigError
from rebal.tax.harvest import HarvestSettings, harvest_trigger_price, worth_harvesting


def test_dollar_threshold_is_inclusive() -> None:
    # basis 10,000: 5 % is 500, so the $1,000 threshold binds
    assert worth_harvesting(1000.0, 10_000.0, 1000.0, 0.05)
    assert not worth_harvesting(999.99, 10_000.0, 1000.0, 0.05)


def test_fraction_threshold_is_inclusive() -> None:
    # basis 100,000: 5 % is 5,000 > $1,000, so the fraction binds
    assert worth_harvesting(5000.0, 100_000.0, 1000.0, 0.05)
    assert not worth_harvesting(4999.0, 100_000.0, 1000.0, 0.05)


def test_both_thresholds_must_hold() -> None:
    assert not worth_harvesting(2000.0, 100_000.0, 1000.0, 0.05)  # $ ok, 2 % < 5 %
    assert not worth_harvesting(800.0, 4000.0, 1000.0, 0.05)  # 20 % ok, $800 < $1,000


def test_gain_or_zero_is_never_worth_harvesting() -> None:
    assert not worth_harvesting(0.0, 1000.0, 0.0, 0.0)
    assert not worth_harvesting(-50.0, 1000.0, 0.0, 0.0)
    assert worth_harvesting(0.01, 1000.0, 0.0, 0.0)


def test_settings_method_honours_enabled() -> None:
    on = HarvestSettings(min_loss_usd=1000.0, min_loss_frac=0.05)
    off = HarvestSettings(enabled=False, min_loss_usd=1000.0, min_loss_frac=0.05)
    assert on.worth_harvesting(1000.0, 10_000.0)
    assert not off.worth_harvesting(1000.0, 10_000.0)


def test_trigger_price_by_hand() -> None:
    # 100 shares, basis 10,000 ($100/share): 5 % -> $95; $1,000 -> $90; lower binds
    assert harvest_trigger_price(10_000.0, 100.0, 1000.0, 0.05) == pytest.approx(90.0)
    # 1,000 shares, basis 100,000: 5 % -> $95; $1,000 -> $99; the fraction binds
    assert harvest_trigger_price(100_000.0, 1000.0, 1000.0, 0.05) == pytest.approx(95.0)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"min_loss_frac": 1.0}, "min_loss_frac"), ({"min_loss_frac": -0.1}, "min_loss_frac"),
     ({"min_loss_usd": -1.0}, "min_loss_usd"), ({"substitutes": {"A": "A"}}, "substitutes"),
     ({"enabled": "yes"}, "enabled")],
)
def test_bad_settings_name_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ConfigError, match=f"HarvestSettings.{field}"):
        HarvestSettings(**kwargs)  # type: ignore[arg-type]


def test_settings_pickle_and_hash() -> None:
    hs = HarvestSettings(substitutes={"SPY": "VTI"})
    assert pickle.loads(pickle.dumps(hs)) == hs
    assert hash(hs) == hash(HarvestSettings(substitutes={"SPY": "VTI"}))
