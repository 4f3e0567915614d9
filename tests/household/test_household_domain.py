"""The household uses the tax engine's one Account, Trade and HarvestSettings."""

from __future__ import annotations

import pickle

import pytest

from rebal.errors import InputError
from rebal.household import TierName, household_from_dict
from rebal.policy.tiers import TIER_PRESETS
from rebal.tax import Account, Trade
from rebal.tax.harvest import HarvestSettings
from rebal.types import Side


def test_accounts_and_trades_are_the_tax_models(tiny) -> None:
    tiny["recent_trades"] = [{"date": "2025-06-20", "account": "tx", "symbol": "A",
                              "side": "buy", "quantity": 2, "price_usd": 95}]
    h = household_from_dict(tiny)
    tx = h.account("tx")
    assert type(tx) is Account and tx.cash_usd == 1000 and tx.min_cash_usd == 500
    assert tx.taxable and not tx.tax_advantaged and tx.name == "tx"
    assert h.account("ira").tax_advantaged
    (t,) = h.recent_trades
    assert type(t) is Trade and t.side is Side.BUY and t.price_usd == 95.0
    assert type(h.harvest) is HarvestSettings and h.harvest.min_loss_frac == 0.05
    # file keys are unchanged on the way out
    out = h.to_dict()
    assert out["recent_trades"][0]["price_usd"] == 95.0
    assert out["household"]["harvest"] == {"enabled": True, "min_loss_usd": 1000.0,
                                           "min_loss_frac": 0.05}
    assert household_from_dict(out) == h
    assert pickle.loads(pickle.dumps(h)) == h
    hash(h)


def test_average_lot_method_is_refused_at_load(tiny) -> None:
    tiny["accounts"][0]["lot_method"] = "average"
    with pytest.raises(InputError, match="lot_method"):
        household_from_dict(tiny)


def test_tier_name_default_band_is_the_policy_preset() -> None:
    assert TierName.CORE.default_band_abs == 0.03 == TIER_PRESETS["core"].band
    assert TierName.SATELLITE.default_band_abs == 0.05
    assert TierName.TACTICAL.default_band_abs == 0.08
