"""Property tests over generated households (hypothesis): money, shares, wash sales, tax.

Every check is recomputed here from the household and the trades with plain loops.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rebal.errors import PlanInfeasible
from rebal.household import household_from_dict
from rebal.planner import PlanSettings, plan
from rebal.planner.guard import build_guard
from rebal.planner.outcome import Order
from rebal.planner.outcome import tax_trades as _tax_trades
from rebal.types import Side

AS_OF = date(2025, 6, 30)
CLASSES = ("stocks", "bonds", "intl")


@st.composite
def households(draw):
    n_cls = draw(st.integers(2, 3))
    classes = CLASSES[:n_cls]
    raw = [draw(st.integers(1, 10)) for _ in classes]
    weights = [r / sum(raw) for r in raw]
    weights[-1] = 1.0 - sum(weights[:-1])
    securities = []
    for c in classes:
        a, b = f"{c[:2].upper()}A", f"{c[:2].upper()}B"
        for sym, sub in ((a, b), (b, a)):
            securities.append({"symbol": sym, "asset_class": c, "substitutes": [sub],
                               "price_usd": draw(st.integers(1000, 30000)) / 100,
                               "cost_bps": draw(st.sampled_from([0, 0, 1, 5]))})
    prices = {s["symbol"]: s["price_usd"] for s in securities}
    symbols = list(prices)
    accounts = [{
        "id": "tx", "type": "taxable", "whole_shares": draw(st.booleans()),
        "cash_usd": draw(st.integers(0, 5000)), "min_cash_usd": draw(st.integers(0, 300)),
        "pending_flow_usd": draw(st.sampled_from([0, 0, 1000, 5000, -500])),
    }, {"id": "ira", "type": "traditional", "whole_shares": False,
        "cash_usd": draw(st.integers(0, 2000))}]
    if draw(st.booleans()):
        accounts.append({"id": "roth", "type": "roth", "owner": "spouse", "whole_shares": True,
                         "cash_usd": draw(st.integers(0, 1000)),
                         "pending_flow_usd": draw(st.sampled_from([0, 3000]))})
    lots = []
    for sym in draw(st.lists(st.sampled_from(symbols), min_size=1, max_size=4, unique=True)):
        for _ in range(draw(st.integers(1, 3))):
            q = draw(st.integers(1, 150))
            ratio = draw(st.integers(50, 150)) / 100
            days = draw(st.integers(1, 2000))
            lots.append({"account": "tx", "symbol": sym, "quantity": q,
                         "cost_basis_usd": round(q * prices[sym] * ratio, 2),
                         "acquired": (AS_OF - timedelta(days=days)).isoformat()})
    for acct in [a["id"] for a in accounts[1:]]:
        for sym in draw(st.lists(st.sampled_from(symbols), max_size=3, unique=True)):
            lots.append({"account": acct, "symbol": sym,
                         "quantity": draw(st.integers(1, 200)) + 0.5})
    recent = []
    for _ in range(draw(st.integers(0, 3))):
        recent.append({
            "date": (AS_OF - timedelta(days=draw(st.integers(0, 30)))).isoformat(),
            "account": draw(st.sampled_from([a["id"] for a in accounts])),
            "symbol": draw(st.sampled_from(symbols)),
            "side": draw(st.sampled_from(["buy", "sell"])),
            "quantity": draw(st.integers(1, 10)), "price_usd": 50.0,
        })
    recent.sort(key=lambda t: t["date"])
    household = {
        "name": "gen", "filing_status": draw(st.sampled_from(["single", "mfj"])),
        "ordinary_income_usd": draw(st.integers(0, 400_000)),
        "state_rate": draw(st.sampled_from([0.0, 0.05])),
        "loss_carryforward_usd": {"short_term": 0,
                                  "long_term": draw(st.sampled_from([0, 0, 2000]))},
        "harvest": {"min_loss_usd": draw(st.sampled_from([100, 1000])), "min_loss_frac": 0.05},
        "realize_zero_bracket_gains": draw(st.booleans()),
    }
    band = draw(st.sampled_from([0.02, 0.05]))
    data = {
        "as_of": AS_OF.isoformat(), "household": household, "accounts": accounts,
        "securities": securities, "lots": lots, "recent_trades": recent,
        "targets": {"classes": {c: {"weight": w, "band_abs": band}
                                for c, w in zip(classes, weights, strict=True)}},
    }
    return household_from_dict(data)


def _check_plan(h, p, *, reserve: bool = True):
    sec = {s.symbol: s for s in h.securities}
    acct = {a.id: a for a in h.accounts}
    lots = {lot.id: lot for lot in h.lots}
    held = defaultdict(float)
    for lot in h.lots:
        held[(lot.account, lot.symbol)] += lot.quantity
    cash = {a.id: a.cash_usd + a.pending_flow_usd for a in h.accounts}
    relieved = defaultdict(float)
    for t in p.trades:
        s = sec[t.symbol]
        assert t.shares > 0 and s.tradable
        assert t.value_usd == pytest.approx(t.shares * s.price_usd, abs=1e-9)
        assert t.cost_usd == pytest.approx(t.value_usd * s.cost_bps / 1e4, abs=1e-9)
        if acct[t.account].whole_shares:
            assert t.shares == round(t.shares)
        if t.side is Side.SELL:
            held[(t.account, t.symbol)] -= t.shares
            cash[t.account] += t.value_usd - t.cost_usd
            if acct[t.account].taxable:
                assert sum(r.quantity for r in t.lots) == pytest.approx(t.shares, abs=1e-9)
                for r in t.lots:
                    assert lots[r.lot_id].symbol == t.symbol
                    relieved[r.lot_id] += r.quantity
        else:
            held[(t.account, t.symbol)] += t.shares
            cash[t.account] -= t.value_usd + t.cost_usd
    # No negative holdings, no lot over-relieved.
    assert all(q >= -1e-9 for q in held.values())
    assert all(q <= lots[i].quantity + 1e-9 for i, q in relieved.items())
    # Cash: never below the reserve, and the reported cash reconciles to the cent.
    for a in p.accounts:
        assert a.cash_after_usd == pytest.approx(cash[a.account], abs=0.005)
        if reserve:  # the naive baseline only promises non-negative cash
            assert cash[a.account] >= acct[a.account].min_cash_usd - 0.005
        assert cash[a.account] >= -0.005
    # Class values after = holdings after, look-through applied.
    values = defaultdict(float)
    for (_, sym), q in held.items():
        for c, f in sec[sym].look_through:
            values[c] += q * sec[sym].price_usd * f
    for c in p.classes:
        assert c.value_after_usd == pytest.approx(values[c.asset_class], abs=0.005)
    # Taxable realized gains add up to the summary.
    gains = [r.gain_usd for t in p.trades for r in t.lots if r.gain_usd is not None]
    assert sum(g for g in gains if g > 0) == pytest.approx(
        p.tax.st_gains_usd + p.tax.lt_gains_usd, abs=0.005)
    assert sum(-g for g in gains if g < 0) == pytest.approx(
        p.tax.st_losses_usd + p.tax.lt_losses_usd, abs=0.005)


def _check_wash(h, p):
    """No planned wash sale: a plain rule check, then the tax engine's guard."""
    group = h.wash_group
    window = timedelta(days=30)
    loss_groups = {group(t.symbol) for t in p.trades if t.side is Side.SELL
                   for r in t.lots if (r.gain_usd or 0) < 0}
    buy_groups = {group(t.symbol) for t in p.trades if t.side is Side.BUY}
    assert not (loss_groups & buy_groups)
    for r in h.recent_trades:
        if r.side is Side.BUY and r.date >= h.as_of - window:
            # A loss sale of the group would be washed by this purchase (unless it is the
            # lot itself, Rev. Rul. 56-602).
            for t in p.trades:
                if t.side is Side.SELL and group(t.symbol) == group(r.symbol):
                    for x in t.lots:
                        lot = h.lot(x.lot_id)
                        same = (lot.account, lot.acquired) == (r.account, r.date)
                        assert (x.gain_usd or 0) >= 0 or same
    # A recent taxable sale (basis unknown: treated as a loss) blocks buys of its group,
    # unless purchases since 30 days before it may already have absorbed it.
    for r in h.recent_trades:
        if r.side is Side.SELL and h.account(r.account).taxable:
            start = r.date - window
            bought = any(group(x.symbol) == group(r.symbol) and x.side is Side.BUY
                         and x.date >= start for x in h.recent_trades) or any(
                group(lot.symbol) == group(r.symbol) and lot.acquired is not None
                and lot.acquired >= start for lot in h.lots)
            if not bought:
                assert group(r.symbol) not in buy_groups
    orders = [Order(t.account, t.symbol, t.side, t.shares,
                    tuple((r.lot_id, r.quantity) for r in t.lots)) for t in p.trades]
    result = build_guard(h).check_plan(_tax_trades(h, orders))
    assert result.washed_sales == () and result.washing_buys == ()


@settings(max_examples=35, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(households(), st.sampled_from(["balanced", "balanced", "full_rebalance", "tax_free"]))
def test_generated_households(h, mode):
    try:
        p = plan(h, PlanSettings(mode=mode, time_limit_s=20))
    except PlanInfeasible:
        assert mode == "full_rebalance" or any(
            a.cash_usd + a.pending_flow_usd < a.min_cash_usd for a in h.accounts)
        return
    assert p.stats.status in ("optimal", "time_limit")
    _check_plan(h, p)
    _check_plan(h, p.naive, reserve=False)
    _check_wash(h, p)
    if mode == "balanced":
        # The naive tax is a cap of the balanced plan; it can be out of reach only when
        # the naive plan does something the planner may not (docs/planner.md), and the
        # plan then says so.
        # Rounding to whole shares may leave a few cents over after the re-solves: then
        # a note gives the excess (at most $1 here).
        excess = p.tax.total_usd - p.naive.tax.total_usd
        assert excess <= 0.005 or any(
            "kept the previous solution" in n for n in p.notes) or (
            excess <= 1.0 and any(f"by ${excess:,.2f} after re-solving" in n for n in p.notes))
    if mode == "full_rebalance":
        # In bands — or a class a hair outside after rounding the optimum (inside its band)
        # to whole shares, less than one share of the class's cheapest fund, and the plan
        # says so (a $229 household can hold bonds at $110 or $120, not in $110.0016-$119.17).
        cheapest = {c.asset_class: min(s.price_usd for s in h.securities
                                       if dict(s.look_through).get(c.asset_class))
                    for c in p.classes}
        said = {n.subject: n.reason for n in p.not_done}
        total = next((c.value_after_usd / c.weight_after for c in p.classes
                      if c.weight_after > 0), 0.0)
        for c in p.classes:
            if c.breached_after:
                gap = total * max(
                    c.lower - c.weight_after, c.weight_after - c.upper)
                assert gap < cheapest[c.asset_class]
                assert "rounded to whole shares" in said[c.asset_class]
                assert any(a.whole_shares for a in h.accounts)
    if mode == "tax_free":
        # The linear model nets ST and LT on separate curves and does not see that a loss
        # carryforward the plan uses up no longer reduces ordinary income (up to $3,000):
        # the state then taxes what the deduction covered before. What is left is at most
        # the state rate on the deduction lost, federal tax none, and the plan says so.
        used = max(0.0, -p.tax.carryforward_change_usd)
        said = any(f"exact tax {p.tax.total_usd:,.2f} exceeds the cap" in n for n in p.notes)
        state_only = p.tax.federal_usd + p.tax.niit_usd <= 0.005
        assert p.tax.total_usd <= 0.005 or (said and (
            p.tax.total_usd <= 1.01
            or (state_only and p.tax.total_usd <= h.tax.state_rate * min(3000.0, used) + 0.01)))
