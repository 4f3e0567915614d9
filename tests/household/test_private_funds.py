"""Private funds in the household file: parsing, one-line errors naming file and key,
the round trip, and the exposure views checked against hand-worked dollars."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from rebal.alternatives.exposure import ExposureView
from rebal.errors import InputError
from rebal.household import household_from_dict, load_household
from rebal.household.views import (
    class_values,
    class_weights,
    drift,
    investable_value_usd,
    private_exposures,
    private_views,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "households" / "private_funds.yaml"

# Hand-worked from the example file (prices × quantities):
# taxable VTI 900×300 = 270,000; VXUS 2,400×68 = 163,200; SGOV 300×100 = 30,000;
# VNQ 250×90 = 22,500; IRA BND 3,600×73 = 262,800; VTI 300×300 = 90,000 → 838,500.
# Cash 40,000 + 2,000 − reserve 5,000 = 37,000 → liquid investable 875,500.
LIQUID = 875_500.0
PE_NAV, PE_UNFUNDED = 118_000.0, 150_000.0 - 105_000.0
RE_NAV, RE_UNFUNDED = 21_000.0, 80_000.0 - 20_000.0
PE_ROLLED = 118_000.0 * 220.0 / 205.0   # IWM 205 → 220 since the NAV date
RE_ROLLED = 21_000.0 * 90.0 / 88.0      # VNQ 88 → 90
VNQ = 22_500.0


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return yaml.safe_load(EXAMPLE.read_text())


def _load(raw: dict[str, Any], **changes: Any) -> Any:
    data = copy.deepcopy(raw)
    data.update(changes)
    return household_from_dict(data, source="hh.yaml")


def test_example_parses_and_round_trips() -> None:
    h = load_household(EXAMPLE)
    assert [f.id for f in h.private_funds] == ["buyout-2021", "re-2024"]
    assert h.private_fund("buyout-2021").unfunded_usd == PE_UNFUNDED
    assert h.exposure_view is ExposureView.NAV
    assert h.call_reserve is not None and h.call_reserve.proxy == "SGOV"
    assert h.target("real_estate").liquid_substitute == "VNQ"
    assert h.proxy_mark("buyout-2021") == 205.0
    back = household_from_dict(h.to_dict())
    assert back == h
    assert back.proxy_marks == h.proxy_marks


def test_values_under_each_view_are_hand_worked(raw: dict[str, Any]) -> None:
    h = load_household(EXAMPLE)
    assert investable_value_usd(h) == pytest.approx(LIQUID + PE_NAV + RE_NAV)
    cv = class_values(h)
    assert cv["private_equity"] == pytest.approx(PE_NAV)
    assert cv["real_estate"] == pytest.approx(RE_NAV + VNQ)
    e = {x.fund: x for x in private_exposures(h)}
    assert e["buyout-2021"].proxy_growth == pytest.approx(220 / 205 - 1)
    assert e["buyout-2021"].rolled_nav_usd == pytest.approx(PE_ROLLED)
    views = {v.asset_class: v for v in private_views(h)}
    pe = views["private_equity"]
    assert pe.weight[ExposureView.NAV] == pytest.approx(PE_NAV / (LIQUID + PE_NAV + RE_NAV))
    # phantom allocation: the unfunded commitment counts toward the class, not the total
    assert pe.weight[ExposureView.NAV_PLUS_UNFUNDED] == pytest.approx(
        (PE_NAV + PE_UNFUNDED) / (LIQUID + PE_NAV + RE_NAV))
    assert pe.weight[ExposureView.PROXY_ROLLED] == pytest.approx(
        PE_ROLLED / (LIQUID + PE_ROLLED + RE_ROLLED))
    re_ = views["real_estate"]
    assert re_.public_usd == pytest.approx(VNQ)
    assert re_.weight[ExposureView.NAV_PLUS_UNFUNDED] == pytest.approx(
        (VNQ + RE_NAV + RE_UNFUNDED) / (LIQUID + PE_NAV + RE_NAV))
    # the selected view is what drift uses
    rolled = _load(raw, exposure_view="proxy_rolled")
    d = {x.asset_class: x for x in drift(rolled)}
    assert d["private_equity"].weight == pytest.approx(
        PE_ROLLED / (LIQUID + PE_ROLLED + RE_ROLLED))
    w = class_weights(_load(raw, exposure_view="nav_plus_unfunded"))
    assert sum(w.values()) == pytest.approx(
        1 + (PE_UNFUNDED + RE_UNFUNDED - 37_000) / (LIQUID + PE_NAV + RE_NAV))


def _fund(raw: dict[str, Any], i: int, **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(raw)
    data["private_funds"][i].update(changes)
    return data


@pytest.mark.parametrize(("changes", "key", "words"), [
    ({"called_usd": 160_000}, "private_funds[0].called_usd", "above the commitment"),
    ({"called_usd": 0, "nav_usd": None, "nav_as_of": None, "distributed_usd": 500},
     "private_funds[0].distributed_usd", "called nothing and reports no NAV"),
    ({"nav_as_of": "2025-07-01"}, "private_funds[0].nav_as_of", "after as_of 2025-06-30"),
    ({"proxy": "IJR"}, "private_funds[0].proxy", "'IJR' is not a security"),
    ({"asset_class": "hedge"}, "private_funds[0].asset_class", "has no target"),
    ({"account": "trust"}, "private_funds[0].account", "unknown account 'trust'"),
    ({"model": "growth"}, "private_funds[0].model", "unknown model 'growth'"),
    ({"nav_as_of": None}, "private_funds[0].nav_as_of", "together"),
    ({"commitment_usd": -5}, "private_funds[0].commitment_usd", "> 0"),
    ({"colour": "red"}, "private_funds[0]", "unknown key 'colour'"),
    ({"nav_as_of": "2020-12-31"}, "private_funds[0].nav_as_of", "before the vintage"),
    ({"asset_class": "us_stocks", "model": None}, "private_funds[0].model",
     "no cash-flow model for asset class 'us_stocks'"),
])
def test_bad_fund_is_one_line_naming_file_and_key(
        raw: dict[str, Any], changes: dict[str, Any], key: str, words: str) -> None:
    with pytest.raises(InputError) as info:
        household_from_dict(_fund(raw, 0, **changes), source="hh.yaml")
    text = str(info.value)
    assert "\n" not in text
    assert text.startswith("hh.yaml, ")
    assert key in text and words in text


@pytest.mark.parametrize(("changes", "key", "words"), [
    ({"call_reserve": {"months": 6, "proxy": "SHV"}}, "call_reserve.proxy", "'SHV' is not a"),
    ({"call_reserve": {"months": 0}}, "call_reserve.months", "must be ≥ 1"),
    ({"exposure_view": "mark_to_model"}, "exposure_view", "nav_plus_unfunded"),
])
def test_bad_reserve_or_view(raw: dict[str, Any], changes: dict[str, Any], key: str,
                             words: str) -> None:
    with pytest.raises(InputError) as info:
        _load(raw, **changes)
    assert key in str(info.value) and words in str(info.value)


def test_substitute_must_be_a_security_of_its_class(raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    data["targets"]["classes"]["real_estate"]["liquid_substitute"] = "IWM"
    with pytest.raises(InputError, match=r"real_estate\.liquid_substitute.*must have "
                                         r"asset_class 'real_estate'"):
        household_from_dict(data, source="hh.yaml")
    data["targets"]["classes"]["real_estate"]["liquid_substitute"] = "XLRE"
    with pytest.raises(InputError, match="'XLRE' is not a security"):
        household_from_dict(data, source="hh.yaml")


def test_proxy_rolled_needs_the_proxy_price_on_the_nav_date(raw: dict[str, Any]) -> None:
    data = _fund(raw, 0, proxy_price_at_nav_usd=None)
    data["exposure_view"] = "proxy_rolled"
    with pytest.raises(InputError, match=r"private_funds\[0\].*proxy_price_at_nav_usd.*IWM"):
        household_from_dict(data, source="hh.yaml")
    # a fund without a proxy is kept at its reported NAV, and a warning says so
    data = _fund(raw, 0, proxy=None, proxy_price_at_nav_usd=None)
    data["exposure_view"] = "proxy_rolled"
    h = household_from_dict(data)
    assert any("buyout-2021" in w and "reported NAV is used as is" in w for w in h.warnings)
    e = {x.fund: x for x in private_exposures(h)}
    assert e["buyout-2021"].rolled_nav_usd == PE_NAV


def test_model_parameters_round_trip(raw: dict[str, Any]) -> None:
    params = {"contribution_rates": [0.3, 0.4], "bow": 2.2, "growth": 0.1,
              "yield_rate": 0.02, "life_years": 11.0}
    h = household_from_dict(_fund(raw, 0, model=params))
    m = h.private_funds[0].model
    assert m is not None and m.contribution_rates == (0.3, 0.4) and m.bow == 2.2
    assert h.to_dict()["private_funds"][0]["model"] == params
    assert household_from_dict(h.to_dict()) == h
    with pytest.raises(InputError, match=r"hh.yaml, private_funds\[0\]\.model\.bow"):
        household_from_dict(_fund(raw, 0, model={**params, "bow": -1}), source="hh.yaml")


def test_household_without_funds_keeps_its_file_form() -> None:
    path = EXAMPLE.parent / "diy_small.yaml"
    d = load_household(path).to_dict()
    assert "private_funds" not in d and "call_reserve" not in d and "exposure_view" not in d
