"""Currency in the planner (issue 21): FX conversions netted per account and currency,
and the foreign tax credit in asset location — against hand-worked numbers."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from planner_helpers import EXAMPLES, make

from rebal.household import load_household
from rebal.planner import PlanSettings, plan
from rebal.planner.currency import conversions, fx_cost_shares
from rebal.planner.outcome import Order
from rebal.types import Side

EUR = {"fx_rates_usd": {"EUR": 1.25}}  # 1.25 USD per euro: hand arithmetic


def _eur_household(cash: float = 0.0, fx_bps: float = 50.0):
    """An IRA (no tax) holding only EA (EUR); EB (EUR) is the other half of the target."""
    return make(
        accounts=[{"id": "ira", "type": "traditional", "cash_usd": cash,
                   "fx_cost_bps": fx_bps}],
        securities=[
            {"symbol": "EA", "currency": "EUR", "price": 100.0, "asset_class": "a"},
            {"symbol": "EB", "currency": "EUR", "price": 40.0, "asset_class": "b"},
        ],
        lots=[{"account": "ira", "symbol": "EA", "quantity": 100}],
        classes={"a": 0.5, "b": 0.5}, household=EUR)


def test_conversions_by_hand():
    h = _eur_household()
    orders = [Order("ira", "EB", Side.BUY, 25.0),   # 25 × €40 × 1.25 = $1,250
              Order("ira", "EA", Side.SELL, 4.0)]   # 4 × €100 × 1.25 = $500
    (c,) = conversions(h, orders)
    assert (c.account, c.currency) == ("ira", "EUR")
    assert c.bought_usd == pytest.approx(1250.0) and c.sold_usd == pytest.approx(500.0)
    assert c.net_usd == pytest.approx(750.0)
    assert c.net_local == pytest.approx(600.0)           # €600
    assert c.cost_usd == pytest.approx(3.75)             # 0.5 % of $750
    assert c.saved_usd == pytest.approx(5.00)            # 0.5 % of ($1,750 − $750)
    assert fx_cost_shares(h, orders) == pytest.approx({0: 3.75})  # the buy side pays it


def test_plan_nets_a_same_day_swap_and_pays_the_net_from_cash():
    h = _eur_household(cash=0.0)
    p = plan(h, PlanSettings(compare_naive=False))
    sells = [t for t in p.trades if t.side is Side.SELL]
    buys = [t for t in p.trades if t.side is Side.BUY]
    assert [t.symbol for t in sells] == ["EA"] and [t.symbol for t in buys] == ["EB"]
    sold, bought = sells[0].value_usd, buys[0].value_usd
    (c,) = p.conversions
    # converting each trade alone would cost 0.5 % of both legs; only the net converts
    assert c.cost_usd == pytest.approx(0.005 * abs(bought - sold))
    assert c.saved_usd == pytest.approx(0.005 * (bought + sold - abs(bought - sold)))
    assert abs(bought - sold) < 0.1 * sold  # a swap: the net is small against each leg
    # the FX cost is in the trades' costs and out of the account's cash
    assert sum(t.cost_usd for t in p.trades) == pytest.approx(c.cost_usd)
    (acct,) = p.accounts
    assert acct.cash_after_usd == pytest.approx(sold - bought - c.cost_usd)
    assert acct.cash_after_usd >= -1e-6
    assert any("1 net conversion(s)" in n for n in p.notes)
    assert any("converted to US dollars at EUR 1.25 USD per unit" in n for n in p.notes)


def _location_household(foreign_tax: bool = True):
    intl = {"symbol": "VXUS", "price_usd": 50.0, "asset_class": "intl",
            "currency_mix": {"EUR": 0.4, "JPY": 0.3, "GBP": 0.3}}
    if foreign_tax:
        intl["foreign_tax"] = {"yield": 0.03, "share": 0.08}
    return make(
        accounts=[{"id": "tx", "type": "taxable", "cash_usd": 10_000, "whole_shares": False},
                  {"id": "ira", "type": "traditional", "cash_usd": 10_000,
                   "whole_shares": False}],
        securities=[intl, {"symbol": "VTI", "price_usd": 100.0, "asset_class": "us"}],
        lots=[], classes={"intl": 0.5, "us": 0.5})


def test_foreign_tax_credit_puts_international_in_taxable_and_says_so():
    p = plan(_location_household(), PlanSettings(compare_naive=False))
    vxus = [t for t in p.trades if t.symbol == "VXUS"]
    assert vxus and all(t.account == "tx" and t.side is Side.BUY for t in vxus)
    assert not any(t.symbol == "VTI" and t.account == "tx" for t in p.trades)
    (t,) = vxus
    # one year's foreign tax on the buy: value × 3 % × 8 % (hand: $10,000 → $24.00)
    assert t.value_usd == pytest.approx(10_000, rel=1e-4)
    figure = f"${t.value_usd * 0.03 * 0.08:,.2f} a year"
    assert figure == "$24.00 a year"
    assert figure in t.reason and "is creditable against US tax" in t.reason
    assert "in an IRA it would be lost" in t.reason


def test_without_foreign_tax_no_claim():
    p = plan(_location_household(foreign_tax=False), PlanSettings(compare_naive=False))
    assert not any("foreign tax" in t.reason.lower() for t in p.trades)


def test_naive_plan_budgets_fx_and_keeps_cash():
    h = make(accounts=[{"id": "ira", "type": "traditional", "cash_usd": 10_000,
                        "fx_cost_bps": 50}],
             securities=[{"symbol": "EA", "currency": "EUR", "price": 100.0,
                          "asset_class": "a"}],
             lots=[], classes={"a": 1.0}, household=EUR)
    naive = plan(h).naive
    (t,) = naive.trades
    # $125 a share + 0.5 % FX = $125.625: floor(10,000 / 125.625) = 79 shares
    assert t.shares == 79 and t.value_usd == pytest.approx(9_875.0)
    assert t.cost_usd == pytest.approx(49.375)
    assert naive.accounts[0].cash_after_usd == pytest.approx(75.625)


def test_netting_steers_the_buy_to_the_same_currency():
    """Selling €-fund EA to buy class b: buying €-fund EB nets the conversion to about
    nothing, buying $-fund UB converts the whole sale back to dollars (1 % of ~$6,250 =
    ~$62). Priced per trade, EB would cost more than UB (two legs against one); netted,
    it costs less — the plan buys EB."""
    h = make(
        accounts=[{"id": "ira", "type": "traditional", "fx_cost_bps": 100,
                   "whole_shares": False}],
        securities=[
            {"symbol": "EA", "currency": "EUR", "price": 100.0, "asset_class": "a"},
            {"symbol": "EB", "currency": "EUR", "price": 40.0, "asset_class": "b"},
            {"symbol": "UB", "price_usd": 50.0, "asset_class": "b"}],
        lots=[{"account": "ira", "symbol": "EA", "quantity": 100},
              {"account": "ira", "symbol": "UB", "quantity": 1}],
        classes={"a": 0.5, "b": 0.5}, household=EUR)
    p = plan(h, PlanSettings(compare_naive=False))
    buys = {t.symbol for t in p.trades if t.side is Side.BUY}
    assert buys == {"EB"}
    (c,) = p.conversions
    assert c.cost_usd < 0.01 * 0.05 * c.sold_usd  # under 5 % of the gross conversion cost


_ORDER = st.tuples(st.sampled_from(["EA", "EB"]), st.sampled_from([Side.BUY, Side.SELL]),
                   st.floats(0.5, 500.0))


@settings(max_examples=40, deadline=None)
@given(st.lists(_ORDER, max_size=8))
def test_netted_cost_is_shared_exactly_and_never_exceeds_per_trade(raw):
    h = _eur_household()
    orders = [Order("ira", sym, side, q) for sym, side, q in raw]
    convs = conversions(h, orders)
    shares = fx_cost_shares(h, orders)
    total = sum(c.cost_usd for c in convs)
    assert sum(shares.values()) == pytest.approx(total, abs=1e-9)
    assert all(v >= 0 for v in shares.values())
    gross = 0.005 * sum(q * h.security(sym).price_usd for sym, _, q in raw)
    assert total <= gross + 1e-9
    for c in convs:  # cost + saving = converting every trade alone
        assert c.cost_usd + c.saved_usd == pytest.approx(0.005 * (c.bought_usd + c.sold_usd))


_ROUNDING_CASES = [  # € prices and cash where rounding to whole shares once overspent
    ([293.16, 80.89, 287.75, 277.71, 226.99, 103.83, 390.73, 323.17, 216.31], 15_722.16),
    ([72.68, 72.48, 291.98, 157.21, 305.52, 111.39, 292.9, 293.02, 136.09, 60.43], 25_629.45),
]


@pytest.mark.parametrize("prices, cash", _ROUNDING_CASES)
def test_whole_share_rounding_leaves_cash_for_the_fx_cost(prices, cash):
    """Nine or ten €-funds bought with all the cash, share counts solved continuous and
    rounded to the nearest share (more than MAX_EXACT_INTEGERS of them): the cash check
    after rounding counts the netted FX cost, so the account never ends below zero
    (without it these two ended $101 and $167 short)."""
    n = len(prices)
    secs = [{"symbol": f"E{k}", "currency": "EUR", "price": p, "asset_class": f"c{k}"}
            for k, p in enumerate(prices)]
    weights = {f"c{k}": round(1 / n, 12) for k in range(n - 1)}
    weights[f"c{n - 1}"] = 1 - sum(weights.values())
    h = make(accounts=[{"id": "ira", "type": "traditional", "cash_usd": cash,
                        "fx_cost_bps": 100}],
             securities=secs, lots=[], classes=weights, household=EUR)
    p = plan(h, PlanSettings(compare_naive=False))
    (conv,) = p.conversions
    spent = sum(t.value_usd for t in p.trades)
    assert conv.cost_usd == pytest.approx(0.01 * spent)
    assert p.accounts[0].cash_after_usd == pytest.approx(cash - spent - conv.cost_usd)
    assert p.accounts[0].cash_after_usd >= -1e-9


@pytest.mark.parametrize("withdraw", [2_000.0, 4_321.0, 7_777.0])
def test_a_withdrawal_from_foreign_funds_covers_its_fx_cost(withdraw):
    """Sales rounded up to cover a withdrawal count the FX cost of converting the euro
    proceeds back to dollars."""
    prices = _ROUNDING_CASES[0][0]
    n = len(prices)
    secs = [{"symbol": f"E{k}", "currency": "EUR", "price": p, "asset_class": f"c{k}"}
            for k, p in enumerate(prices)]
    weights = {f"c{k}": round(1 / n, 12) for k in range(n - 1)}
    weights[f"c{n - 1}"] = 1 - sum(weights.values())
    h = make(accounts=[{"id": "ira", "type": "traditional", "pending_flow_usd": -withdraw,
                        "fx_cost_bps": 100}],
             securities=secs, classes=weights, household=EUR,
             lots=[{"account": "ira", "symbol": f"E{k}", "quantity": 2_000 / p}
                   for k, p in enumerate(prices)])
    p = plan(h, PlanSettings(compare_naive=False))
    (conv,) = p.conversions
    sold = sum(t.value_usd for t in p.trades if t.side is Side.SELL)
    bought = sum(t.value_usd for t in p.trades if t.side is Side.BUY)
    assert conv.cost_usd == pytest.approx(0.01 * abs(bought - sold))
    assert p.accounts[0].cash_after_usd >= -1e-9


_FIGURE = re.compile(r"\$([\d,]+) × ([\d.]+)% yield × ([\d.]+)% foreign tax \(([^)]+)\) = "
                     r"\$([\d,.]+) a year")


def test_every_foreign_tax_reason_matches_its_numbers():
    """Each foreign-tax sentence: the value is the trade's, yield and share the security's,
    the figure their product; 'creditable' only in a taxable account, 'lost' only outside."""
    h = load_household(EXAMPLES / "international.yaml")
    plans = [plan(h, PlanSettings(compare_naive=False)),
             plan(_location_household(), PlanSettings(compare_naive=False))]
    seen = 0
    for p, hh in zip(plans, (h, _location_household()), strict=True):
        for t in p.trades:
            m = _FIGURE.search(t.reason)
            ft = hh.security(t.symbol).foreign_tax
            assert (m is None) == (ft is None or (t.side is Side.SELL
                                                  and t.account_type.value == "taxable"))
            if m is None:
                continue
            seen += 1
            value, y, share, basis, tax = m.groups()
            assert value == f"{t.value_usd:,.0f}" and basis == ft.basis
            assert float(y) == pytest.approx(100 * ft.yield_frac)
            assert float(share) == pytest.approx(100 * ft.share)
            assert tax == f"{t.value_usd * ft.yield_frac * ft.share:,.2f}"
            taxable = t.account_type.value == "taxable"
            assert ("is creditable against US tax" in t.reason) == taxable
            assert ("lost in this" in t.reason or "from being lost" in t.reason) != taxable
    assert seen >= 2
