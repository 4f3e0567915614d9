"""Records of rebal.tax.lots: validation and serialisation."""

import json
from datetime import date

import pytest

from rebal.errors import ConfigError
from rebal.tax.ledger import Ledger
from rebal.tax.lots import Account, Lot, Trade, WashSaleSettings
from rebal.types import AccountType, LotMethod, Owner, Side


def test_account_parses_and_validates():
    a = Account(id="ira", type="traditional", owner="spouse", lot_method="hifo")
    assert a.type is AccountType.TRADITIONAL and a.owner is Owner.SPOUSE
    assert a.tax_advantaged and a.lot_method is LotMethod.HIFO
    assert not Account(id="b").tax_advantaged
    with pytest.raises(ConfigError, match=r"Account\.id"):
        Account(id="")
    with pytest.raises(ConfigError, match="average_cost_symbols"):
        Account(id="b", lot_method=LotMethod.AVERAGE)
    with pytest.raises(ConfigError, match="unknown value"):
        Account(id="b", type="brokerage")


@pytest.mark.parametrize(
    ("kw", "text"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": -1}, "quantity"),
        ({"quantity": float("nan")}, "quantity"),
        ({"price_usd": 0}, "price"),
        ({"fees": -1}, "fees"),
        ({"side": "hold"}, "unknown value"),
        ({"side": "sell", "reinvested": True}, "reinvested"),
    ],
)
def test_trade_validation(kw, text):
    base = {"date": date(2025, 1, 2), "account": "b", "symbol": "X", "side": "buy",
            "quantity": 1, "price_usd": 10.0}
    base.update(kw)
    with pytest.raises(ConfigError, match=text):
        Trade(**base)


def test_trade_to_dict_and_frozen():
    t = Trade(date=date(2025, 1, 2), account="b", symbol="X", side=Side.SELL, quantity=2,
              price_usd=3, lot_ids=["A", "B"])
    assert t.lot_ids == ("A", "B") and isinstance(t.quantity, float)
    assert json.loads(json.dumps(t.to_dict()))["side"] == "sell"
    with pytest.raises(AttributeError):
        t.quantity = 3  # type: ignore[misc]


def test_settings_groups():
    s = WashSaleSettings.from_groups({"sp500": ["VOO", "IVV"], "goog": ["GOOG", "GOOGL"]})
    assert s.group_of("VOO") == s.group_of("IVV") == "sp500"
    assert s.group_of("GOOGL") == "goog" and s.group_of("BND") == "BND"
    assert s.replacement_before_sold_lot and s.replacement_already_sold
    assert not s.lots_sold_together_replace
    with pytest.raises(ConfigError, match="both"):
        WashSaleSettings.from_groups({"a": ["X"], "b": ["X"]})
    json.dumps(s.to_dict())


def test_lot_from_ledger_and_serialisation():
    led = Ledger([Account(id="b")])
    led.apply(Trade(date=date(2025, 1, 2), account="b", symbol="X", side="buy", quantity=4,
                    price_usd=2.5, fees=1.0, lot_id="A"))
    (lot,) = led.open_lots()
    assert isinstance(lot, Lot)
    assert (lot.id, lot.quantity, lot.basis_usd, lot.basis_per_share_usd) == ("A", 4, 11.0,
                                                                              2.75)
    assert lot.acquired == lot.holding_start == date(2025, 1, 2)
    assert lot.purchase_id == "A" and lot.adjustments == ()
    d = json.loads(json.dumps(lot.to_dict()))
    assert d["acquired"] == "2025-01-02" and d["basis_usd"] == 11.0


def test_ledger_needs_accounts():
    with pytest.raises(ConfigError):
        Ledger([])
    with pytest.raises(ConfigError, match="duplicate"):
        Ledger([Account(id="b"), Account(id="b")])
