"""Round trips: household_from_dict(h.to_dict()) == h, through JSON and pickle,
for the examples and for generated households (hypothesis)."""

from __future__ import annotations

import json
import pickle
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rebal.household import dump_household, household_from_dict, load_household
from rebal.household import views as v
from rebal.household.currency import currency_exposure

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "households"


@pytest.mark.parametrize(
    "name", ["article_client.yaml", "diy_small.yaml", "balanced_illiquid.yaml"]
)
def test_examples_round_trip(name, tmp_path):
    h = load_household(EXAMPLES / name)
    again = household_from_dict(json.loads(json.dumps(h.to_dict())))
    assert again == h
    assert pickle.loads(pickle.dumps(h)) == h
    assert hash(again) == hash(h)
    for suffix in (".json", ".yaml"):
        path = tmp_path / f"out{suffix}"
        dump_household(h, path)
        assert load_household(path) == h


def test_household_is_immutable(tiny):
    h = household_from_dict(tiny)
    with pytest.raises(AttributeError):
        h.as_of = date(2025, 1, 1)  # type: ignore[misc]
    with pytest.raises(AttributeError):
        h.accounts[0].cash_usd = 5.0  # type: ignore[misc]


AS_OF = date(2025, 6, 30)
TYPES = ["taxable", "traditional", "roth", "hsa"]
CLASSES = ["us", "intl", "bonds", "reits"]
money = st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False)


@st.composite
def households(draw):
    n_classes = draw(st.integers(1, len(CLASSES)))
    classes = CLASSES[:n_classes]
    parts = draw(st.lists(st.integers(1, 100), min_size=n_classes, max_size=n_classes))
    targets = {}
    for cls, part in zip(classes, parts, strict=True):
        spec = {"weight": part / sum(parts), "tier": draw(st.sampled_from(["core", "tactical"]))}
        if draw(st.booleans()):
            spec["band_rel"] = draw(st.floats(0.01, 1.0))
        targets[cls] = spec
    n_acc = draw(st.integers(1, 4))
    accounts = [
        {"id": f"a{i}", "type": draw(st.sampled_from(TYPES)), "cash_usd": draw(money),
         "min_cash_usd": draw(money), "pending_flow_usd": draw(st.floats(-1e6, 1e6)),
         "whole_shares": draw(st.booleans())}
        for i in range(n_acc)
    ]
    n_sec = draw(st.integers(1, 5))
    securities = []
    for i in range(n_sec):
        sec = {"symbol": f"S{i}", "price_usd": draw(st.floats(0.01, 5000)),
               "wash_group": f"g{i}", "tradable": draw(st.booleans()),
               "cost_bps": draw(st.floats(0, 50))}
        if n_classes > 1 and draw(st.booleans()):
            sec["look_through"] = {classes[0]: 0.25, classes[1]: 0.75}
        else:
            sec["asset_class"] = draw(st.sampled_from(classes))
        ccy = draw(st.sampled_from(["USD", "USD", "EUR", "JPY", "GBP"]))  # issue 21
        if ccy != "USD":
            sec.update(currency=ccy, price=sec.pop("price_usd"))
        if draw(st.booleans()):
            sec["currency_mix"] = {"USD": 0.5, "EUR": 0.25, "KRW": 0.25}
        if draw(st.booleans()):
            sec["foreign_tax"] = draw(st.sampled_from(
                ["developed_ex_us", {"yield": 0.02, "share": 0.1}, {"yield": 0.03}]))
            if isinstance(sec["foreign_tax"], dict) and "share" not in sec["foreign_tax"]:
                sec["country"] = draw(st.sampled_from(["JP", "de", "IN"]))
        securities.append(sec)
    if n_sec > 1:
        securities[0]["substitutes"] = [f"S{n_sec - 1}"]
    lots = []
    for _ in range(draw(st.integers(0, 12))):
        acct = draw(st.sampled_from(accounts))
        lot = {"account": acct["id"], "symbol": f"S{draw(st.integers(0, n_sec - 1))}",
               "quantity": draw(st.floats(1e-4, 1e5))}
        if acct["type"] == "taxable" or draw(st.booleans()):
            lot["cost_basis_usd"] = draw(money)
            lot["acquired"] = (AS_OF - timedelta(days=draw(st.integers(0, 9000)))).isoformat()
        lots.append(lot)
    return {
        "as_of": AS_OF.isoformat(),
        "household": {"filing_status": draw(st.sampled_from(["single", "mfj", "hoh"])),
                      "ordinary_income_usd": draw(money),
                      "state_rate": draw(st.floats(0, 0.25)),
                      "realized_this_year_usd": {"short_term": draw(st.floats(-1e6, 1e6))},
                      "base_currency": draw(st.sampled_from(["USD", "EUR", "CHF"])),
                      "fx_cost_bps": draw(st.floats(0, 100)),
                      **({"fx_rates_usd": {"EUR": 1.1}} if draw(st.booleans()) else {})},
        "accounts": accounts,
        "securities": securities,
        "targets": {"classes": targets},
        "lots": lots,
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(households())
def test_generated_households_validate_and_round_trip(data):
    h = household_from_dict(data)
    assert household_from_dict(json.loads(json.dumps(h.to_dict()))) == h
    # values reconcile: class values (look-through) sum to the holdings value
    holdings = v.holdings_value_usd(h)
    assert sum(v.class_values(h).values()) == pytest.approx(holdings, rel=1e-9, abs=1e-6)
    # currency exposure (look-through currency mix) also sums to the holdings
    exposure = currency_exposure(h)
    assert sum(e.value_usd for e in exposure) == pytest.approx(holdings, rel=1e-9, abs=1e-6)
    investable = v.investable_value_usd(h)
    if investable > 1e-6 * max(holdings, 1.0):
        weights = v.class_weights(h)
        cash_weight = v.uninvested_cash_usd(h) / investable
        assert sum(weights.values()) + cash_weight == pytest.approx(1.0, rel=1e-9)
