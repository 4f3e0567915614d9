"""The plan says only true things and makes no needless trades (issue 13).

Every claim in a reason is re-checked against the plan's own numbers, recomputed here with
plain loops from the household and the trades; the needless-trade properties (no more
trades than the naive plan, no round trips, none below the minimum) run on generated
households with location preferences, tiers and a few untradable holdings.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from planner_helpers import make

from rebal.errors import ConfigError, PlanInfeasible
from rebal.household import household_from_dict
from rebal.planner import PlanSettings, plan
from rebal.planner.result import NotDoneKind
from rebal.types import Side

AS_OF = date(2025, 6, 30)
CLASSES = ("stocks", "bonds", "intl")
TYPES = ("taxable", "traditional", "roth")


@st.composite
def households(draw):
    """Households of $10k–$2M: 2–3 classes with tiers and location preferences, a
    taxable account and one or two tax-advantaged ones, lots at gains and losses.
    (Positions of a few hundred dollars, where one share is a large part of a band,
    are left out: there the minimum trade and whole shares, not the plan, decide.)"""
    n_cls = draw(st.integers(2, 3))
    classes = CLASSES[:n_cls]
    raw = [draw(st.integers(2, 10)) for _ in classes]
    weights = [r / sum(raw) for r in raw]
    weights[-1] = 1.0 - sum(weights[:-1])
    securities = []
    for c in classes:
        a, b = f"{c[:2].upper()}A", f"{c[:2].upper()}B"
        for sym, sub in ((a, b), (b, a)):
            securities.append({"symbol": sym, "asset_class": c, "substitutes": [sub],
                               "price_usd": draw(st.integers(2000, 30000)) / 100,
                               "cost_bps": draw(st.sampled_from([0, 1, 5]))})
    if draw(st.booleans()):
        securities.append({"symbol": "PRIV", "asset_class": classes[0], "price_usd": 100.0,
                           "tradable": False})
    prices = {s["symbol"]: s["price_usd"] for s in securities}
    tradable = [s["symbol"] for s in securities if s.get("tradable", True)]
    accounts = [
        {"id": "tx", "type": "taxable", "whole_shares": draw(st.booleans()),
         "cash_usd": draw(st.integers(0, 30000)), "min_cash_usd": draw(st.integers(0, 300))},
        {"id": "ira", "type": "traditional", "whole_shares": False,
         "cash_usd": draw(st.integers(0, 3000)),
         "pending_flow_usd": draw(st.sampled_from([0, 0, 6000]))},
    ]
    if draw(st.booleans()):
        accounts.append({"id": "roth", "type": "roth", "whole_shares": True,
                         "cash_usd": draw(st.integers(0, 1000))})
    lots = []
    for sym in draw(st.lists(st.sampled_from(tradable), min_size=1, max_size=4, unique=True)):
        for _ in range(draw(st.integers(1, 2))):
            q = draw(st.integers(200, 2000))
            ratio = draw(st.integers(60, 140)) / 100
            lots.append({"account": "tx", "symbol": sym, "quantity": q,
                         "cost_basis_usd": round(q * prices[sym] * ratio, 2),
                         "acquired": (AS_OF - timedelta(days=draw(st.integers(40, 2000))))
                         .isoformat()})
    if "PRIV" in prices:
        lots.append({"account": "tx", "symbol": "PRIV", "quantity": draw(st.integers(100, 3000)),
                     "cost_basis_usd": 10_000.0, "acquired": "2019-01-02"})
    for acct in [a["id"] for a in accounts[1:]]:
        for sym in draw(st.lists(st.sampled_from(tradable), min_size=1, max_size=3,
                                 unique=True)):
            lots.append({"account": acct, "symbol": sym,
                         "quantity": draw(st.integers(200, 2000)) + 0.5})
    location = {}
    for c in classes:
        if draw(st.booleans()):
            location[c] = list(draw(st.permutations(TYPES)))
    band = draw(st.sampled_from([0.03, 0.05]))
    data = {
        "as_of": AS_OF.isoformat(),
        "household": {"name": "gen", "filing_status": "single",
                      "ordinary_income_usd": draw(st.integers(20_000, 300_000)),
                      "harvest": {"min_loss_usd": 200, "min_loss_frac": 0.05}},
        "accounts": accounts, "securities": securities, "lots": lots,
        "targets": {"classes": {c: {"weight": w, "band_abs": band,
                                    "tier": draw(st.sampled_from(["core", "satellite"]))}
                                for c, w in zip(classes, weights, strict=True)},
                    **({"location": location} if location else {})},
    }
    return household_from_dict(data)


def _main_class(h, symbol):
    s = next(x for x in h.securities if x.symbol == symbol)
    return max(s.look_through, key=lambda p: p[1])[0]


def _shares_by_type(h, p, c, *, after):
    """Fraction of class ``c``'s dollars in each account type, recomputed from the lots
    and the trades (not from the plan's allocation records)."""
    sec = {s.symbol: s for s in h.securities}
    types = {a.id: a.type.value for a in h.accounts}
    dollars = defaultdict(float)
    for lot in h.lots:
        dollars[types[lot.account]] += lot.quantity * sec[lot.symbol].price_usd * dict(
            sec[lot.symbol].look_through).get(c, 0.0)
    if after:
        for t in p.trades:
            sign = 1.0 if t.side is Side.BUY else -1.0
            dollars[types[t.account]] += sign * t.value_usd * dict(
                sec[t.symbol].look_through).get(c, 0.0)
    total = sum(dollars.values())
    return {k: v / total for k, v in dollars.items()} if total > 0 else {}


def _check_reasons(h, p):
    cls = {c.asset_class: c for c in p.classes}
    targets = {t.asset_class: t for t in h.targets}
    for t in p.trades:
        r = t.reason
        for name in re.findall(r"(\w+) is underweight", r):
            assert cls[name].weight_before < cls[name].target, r
        for name in re.findall(r"(\w+) is overweight", r):
            assert cls[name].weight_before > cls[name].target, r
        for name in re.findall(r"moves (\w+) toward target", r):
            c = cls[name]
            assert abs(c.weight_after - c.target) < abs(c.weight_before - c.target), r
            moved = c.weight_after - c.weight_before
            assert moved > 0 if t.side is Side.BUY else moved < 0, r
        for name, before, after, target in re.findall(
                r"(\w+) (-?[\d.]+)% → (-?[\d.]+)%, target ([\d.]+)%", r):
            c = cls[name]
            assert float(before) == pytest.approx(100 * c.weight_before, abs=0.051), r
            assert float(after) == pytest.approx(100 * c.weight_after, abs=0.051), r
            assert float(target) == pytest.approx(100 * c.target, abs=0.051), r
        m = re.search(r"asset location: moves (\w+) (out of|into) (\w+) accounts", r)
        if m:
            name, verb, typ = m.groups()
            pref = [x.value for x in targets[name].location]
            assert pref, r

            def rank(x, pref=pref):
                return pref.index(x) if x in pref else len(pref)

            before = _shares_by_type(h, p, name, after=False)
            after = _shares_by_type(h, p, name, after=True)
            change = {k: after.get(k, 0.0) - before.get(k, 0.0) for k in set(before) | set(after)}
            if verb == "out of":
                assert change[typ] < 0, r
                assert any(rank(k) < rank(typ) and v > 0 for k, v in change.items()), r
            else:
                assert change[typ] > 0, r
                assert any(rank(k) > rank(typ) and v < 0 for k, v in change.items()), r
        if t.side is Side.BUY:
            assert not r.startswith(("Sells", "Harvests", "Realizes")), r
        else:
            assert not r.startswith(("Buys", "Invests")), r


def _check_needless(h, p, min_trade):
    held = defaultdict(float)
    for lot in h.lots:
        held[(lot.account, lot.symbol)] += lot.quantity
    acct = {a.id: a for a in h.accounts}
    # The minimum is per broker order (account, symbol, side): a taxable sale of loss and
    # gain lots is listed as two trades (steps 3 and 4, say) of one order.
    orders: dict[tuple, list] = defaultdict(list)
    for t in p.trades:
        orders[(t.account, t.symbol, t.side)].append(t)
    for (a_id, sym, side), ts in orders.items():
        shares = sum(t.shares for t in ts)
        value = sum(t.value_usd for t in ts)
        empties = side is Side.SELL and shares == pytest.approx(held[(a_id, sym)])
        # at the cent: fractional orders are in 1e-6 share, a buy at the minimum may be
        # a thousandth of a cent short of it when cash is exactly that
        assert value >= min_trade - 0.005 or empties, ts
    sides = defaultdict(set)
    for t in p.trades:
        sides[(t.account, t.symbol)].add((t.side, int(t.step)))
    for (a_id, _), s in sides.items():
        if len({side for side, _ in s}) == 2:
            # Only a taxable sale-and-buy-back of a gain at 0 % (step 4) may do both.
            assert acct[a_id].taxable and all(step == 4 for _, step in s), (a_id, s)
    # No class sold and bought inside one tax-advantaged account (a swap there changes
    # nothing but the fund).
    by_acct = defaultdict(lambda: defaultdict(set))
    for t in p.trades:
        if not acct[t.account].taxable:
            by_acct[t.account][_main_class(h, t.symbol)].add(t.side)
    for a_id, m in by_acct.items():
        for c, s in m.items():
            assert len(s) == 1, (a_id, c)
    # A class sold in one account and bought in another: only with a stated reason of its
    # own on one side (asset location, a harvested loss and its substitute, a gain at 0 %,
    # the seller's cash need), or when the plan moves the class toward target.
    cls = {c.asset_class: c for c in p.classes}
    sold = defaultdict(list)
    bought = defaultdict(list)
    for t in p.trades:
        (sold if t.side is Side.SELL else bought)[_main_class(h, t.symbol)].append(t)
    for c in set(sold) & set(bought):
        if {t.account for t in sold[c]} == {t.account for t in bought[c]}:
            continue
        a = cls[c]
        if abs(a.weight_after - a.target) < abs(a.weight_before - a.target):
            continue
        ok = ("asset location", "Harvests", "substitute", "0%", "Realizes", "cash")
        assert any(k in t.reason for t in sold[c] + bought[c] for k in ok), [
            t.reason for t in sold[c] + bought[c]]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(households())
def test_reasons_match_numbers_and_no_needless_trades(h):
    try:
        p = plan(h)
    except PlanInfeasible:
        assert any(a.cash_usd + a.pending_flow_usd < a.min_cash_usd for a in h.accounts)
        return
    _check_reasons(h, p)
    _check_needless(h, p, 100.0)
    # Orders as a broker sees them (one per account, symbol and side: a sale of loss and
    # gain lots is listed as two trades of one order). Harvesting a loss and buying its
    # substitute (step 3) is extra work the naive plan never does, for the tax it saves.
    # Where the naive plan gets every class inside its band, the plan needs no more
    # other orders than it. (Where it does not — an untradable holding, a wash-sale
    # block — the plan may trade more to get closer, and each trade's reason says so.)
    mine = {(t.account, t.symbol, t.side) for t in p.trades if int(t.step) != 3}
    theirs = {(t.account, t.symbol, t.side) for t in p.naive.trades}
    if p.naive.in_bands_after:
        assert len(mine) <= len(theirs), (sorted(mine), sorted(theirs))
    steps = [s.step for s in p.steps]
    assert steps == [1, 2, 3, 4, 5]
    assert [s.n_trades for s in p.steps] == [
        sum(1 for t in p.trades if int(t.step) == k) for k in range(1, 6)]
    # Every class out of band after the plan is named in "not done", with its reason.
    out = {c.asset_class for c in p.classes if c.breached_after}
    named = {n.subject for n in p.not_done if n.kind is NotDoneKind.CLASS_OUT_OF_BAND}
    assert out == named


# ------------------------------------------------------------------------- examples


SEC = [{"symbol": "S", "price_usd": 100.0, "asset_class": "stocks", "substitutes": ["S2"]},
       {"symbol": "S2", "price_usd": 50.0, "asset_class": "stocks", "substitutes": ["S"]},
       {"symbol": "B", "price_usd": 100.0, "asset_class": "bonds"}]


def test_new_money_with_every_class_in_band_sells_nothing():
    # The case: $60k of new money, every class inside its band; the 401(k) holds a
    # bond fund a little over target. Before: it also sold $3,645 of that fund to tidy.
    # Stocks 5,800 × $100 = $580k, bonds 4,200 × $100 = $420k in the 401(k); target 60/40
    # ±5 pp (58/42 now). New money $60k in the taxable account: buys only.
    h = make(
        [{"id": "tx", "type": "taxable", "cash_usd": 60_000},
         {"id": "k401", "type": "traditional", "whole_shares": False}],
        SEC,
        [{"account": "k401", "symbol": "S", "quantity": 5800},
         {"account": "k401", "symbol": "B", "quantity": 4200}],
        {"stocks": {"weight": 0.6, "band_abs": 0.05}, "bonds": {"weight": 0.4, "band_abs": 0.05}},
    )
    p = plan(h)
    assert all(t.side is Side.BUY for t in p.trades)
    assert sum(t.value_usd for t in p.trades) == pytest.approx(60_000, abs=100)
    # With --tidy the within-band 401(k) may be tidied (stocks 58 % → closer to 60 %).
    tidy = plan(h, PlanSettings(tidy=True))
    assert abs(tidy.classes[0].weight_after - 0.6) <= abs(p.classes[0].weight_after - 0.6)


def test_no_round_trip_between_roth_and_ira():
    # The same fund in the Roth and the IRA, both classes in band, $2,000 of cash in the
    # IRA: the plan invests the cash and sells nothing (before: it sold the fund in the
    # Roth while buying it in the IRA, $7.2k moved for nothing).
    h = make(
        [{"id": "ira", "type": "traditional", "cash_usd": 2000, "whole_shares": False},
         {"id": "roth", "type": "roth", "whole_shares": False}],
        SEC,
        [{"account": "ira", "symbol": "S", "quantity": 300},
         {"account": "ira", "symbol": "B", "quantity": 200},
         {"account": "roth", "symbol": "S", "quantity": 290},
         {"account": "roth", "symbol": "B", "quantity": 200}],
        {"stocks": {"weight": 0.6, "band_abs": 0.05}, "bonds": {"weight": 0.4, "band_abs": 0.05}},
    )
    p = plan(h)
    assert [t.side for t in p.trades] == [Side.BUY] * len(p.trades)
    assert {t.account for t in p.trades} == {"ira"}


def test_minimum_trade_default_and_per_account():
    # $150 of spare cash: with the default $100 minimum one order of at least $100;
    # with the account's own minimum of $500, no order at all.
    base = [{"account": "ira", "symbol": "S", "quantity": 60},
            {"account": "ira", "symbol": "B", "quantity": 40}]
    classes = {"stocks": 0.6, "bonds": 0.4}
    h = make([{"id": "ira", "type": "traditional", "cash_usd": 150, "whole_shares": False}],
             SEC, base, classes)
    p = plan(h)
    assert p.trades and all(t.value_usd >= 100 - 1e-9 for t in p.trades)
    h2 = make([{"id": "ira", "type": "traditional", "cash_usd": 150, "whole_shares": False,
                "min_trade_usd": 500}], SEC, base, classes)
    assert plan(h2).trades == ()


def test_wash_blocked_loss_is_explained_with_the_purchase_and_first_safe_date():
    # Taxable S: 1,000 sh bought at $121.60, now $100: a $21,600 loss, well above the
    # threshold. The IRA bought S 10 days ago (2025-06-20): selling the lot now would be
    # a wash sale (§1091, Rev. Rul. 2008-5); the window ends 2025-07-20, first safe date
    # 2025-07-21. S2 is in another group, but buying the substitute does not unblock it.
    h = make(
        [{"id": "tx", "type": "taxable"}, {"id": "ira", "type": "traditional"}],
        SEC,
        [{"id": "L1", "account": "tx", "symbol": "S", "quantity": 1000,
          "cost_basis_usd": 121_600, "acquired": "2023-01-03"},
         {"account": "tx", "symbol": "B", "quantity": 700, "cost_basis_usd": 70_000,
          "acquired": "2023-01-03"},
         {"account": "ira", "symbol": "S", "quantity": 10, "acquired": "2025-06-20"}],
        {"stocks": {"weight": 0.6, "band_abs": 0.05}, "bonds": {"weight": 0.4, "band_abs": 0.05}},
        recent=[{"date": "2025-06-20", "account": "ira", "symbol": "S", "side": "buy",
                 "quantity": 10, "price_usd": 100.0}],
    )
    p = plan(h)
    assert not any(t.side is Side.SELL and t.symbol == "S" for t in p.trades)
    entry = next(n for n in p.not_done if n.subject == "L1")
    assert entry.kind is NotDoneKind.LOSS_NOT_HARVESTED
    assert entry.amount_usd == pytest.approx(21_600.0)
    assert "purchase of S in ira on 2025-06-20" in entry.reason
    assert "first safe date 2025-07-21" in entry.reason


def test_class_held_out_of_band_names_the_holding():
    # An untradable private fund is 70 % of the household (stocks target 50 % ±5 pp):
    # stocks stay out of band; "not done" names the holding and its dollars.
    h = make(
        [{"id": "tx", "type": "taxable"}],
        [{"symbol": "PRIV", "price_usd": 100.0, "asset_class": "stocks", "tradable": False},
         {"symbol": "B", "price_usd": 100.0, "asset_class": "bonds"}],
        [{"account": "tx", "symbol": "PRIV", "quantity": 70, "cost_basis_usd": 7000,
          "acquired": "2019-01-02"},
         {"account": "tx", "symbol": "B", "quantity": 30, "cost_basis_usd": 3000,
          "acquired": "2019-01-02"}],
        {"stocks": {"weight": 0.5, "band_abs": 0.05}, "bonds": {"weight": 0.5, "band_abs": 0.05}},
    )
    p = plan(h)
    out = [n for n in p.not_done if n.kind is NotDoneKind.CLASS_OUT_OF_BAND]
    assert {n.subject for n in out} == {"stocks", "bonds"}
    stocks = next(n for n in out if n.subject == "stocks")
    assert "PRIV in tx ($7,000.00)" in stocks.reason
    # 70 % vs the 55 % edge of $10,000: $1,500 outside.
    assert stocks.amount_usd == pytest.approx(1500.0)


def test_unused_zero_rate_room_is_explained():
    # Income $20k single (2025): taxable income $4,250 after the $15,750 deduction, so
    # $48,350 − $4,250 = $44,100 of 0 % LTCG room. One LT lot with a $2,000 gain; the
    # household does not ask to realize 0 % gains: the room is left with that reason.
    h = make(
        [{"id": "tx", "type": "taxable"}],
        SEC,
        [{"account": "tx", "symbol": "S", "quantity": 60, "cost_basis_usd": 4000,
          "acquired": "2019-01-02"},
         {"account": "tx", "symbol": "B", "quantity": 40, "cost_basis_usd": 4000,
          "acquired": "2019-01-02"}],
        {"stocks": 0.6, "bonds": 0.4},
        household={"ordinary_income_usd": 20_000},
    )
    p = plan(h)
    assert p.trades == ()
    room = next(n for n in p.not_done if n.kind is NotDoneKind.ZERO_RATE_ROOM_UNUSED)
    assert room.amount_usd == pytest.approx(p.tax.zero_rate_room_usd)
    assert "realize_zero_bracket_gains" in room.reason and "$2,000.00" in room.reason


def test_carryforward_in_the_naive_comparison():
    # $10,000 LT carryforward, income $100k single: with no gains $3,000 offsets ordinary
    # income (§1211(b)) and $7,000 carries on; a plan that realizes net gain G ≤ 7,000
    # pays no tax this year and carries 7,000 − G. Stocks 80 % → 60 % core target, both
    # plans sell S at a gain (lots OLD $50/sh, NEW $10/sh); the naive plan sells FIFO.
    h = make(
        [{"id": "tx", "type": "taxable"}],
        SEC,
        [{"id": "OLD", "account": "tx", "symbol": "S", "quantity": 40, "cost_basis_usd": 2000,
          "acquired": "2015-01-02"},
         {"id": "NEW", "account": "tx", "symbol": "S", "quantity": 40, "cost_basis_usd": 3600,
          "acquired": "2020-01-02"},
         {"account": "tx", "symbol": "B", "quantity": 20, "cost_basis_usd": 2000,
          "acquired": "2019-01-02"}],
        {"stocks": {"weight": 0.6, "band_abs": 0.05}, "bonds": {"weight": 0.4, "band_abs": 0.05}},
        household={"loss_carryforward_usd": {"short_term": 0, "long_term": 10_000}},
    )
    p = plan(h, PlanSettings(carryforward_value=0.1))
    n = p.naive
    lot_basis = {"OLD": 50.0, "NEW": 90.0}

    def gain(tp):  # from the lots sold, at $100 a share, no cost
        return sum(r.quantity * (100.0 - lot_basis[r.lot_id]) for t in tp.trades
                   for r in t.lots if r.lot_id in lot_basis)

    g_plan, g_naive = gain(p), gain(n)
    assert g_naive == pytest.approx(1000.0)  # FIFO: 20 sh of OLD
    assert 0 < g_plan <= 7000 and 0 < g_naive <= 7000
    assert p.tax.total_usd == pytest.approx(0.0, abs=0.005)
    assert n.tax.total_usd == pytest.approx(0.0, abs=0.005)
    assert p.tax.carryforward_left_usd == pytest.approx(7000.0 - g_plan)
    assert n.tax.carryforward_left_usd == pytest.approx(7000.0 - g_naive)
    assert p.saving_usd == pytest.approx(0.0, abs=0.005)
    assert p.carryforward_value == 0.1
    assert p.saving_with_carryforward_usd == pytest.approx(0.1 * (g_naive - g_plan))
    from rebal.reports.plan_tables import comparison_lines

    lines = comparison_lines(p)
    assert lines[1] == (f"loss carried to next year: this plan ${7000 - g_plan:,.2f}; naive "
                        f"${7000 - g_naive:,.2f}")
    assert lines[2].startswith("total at $0.1 per carried dollar")
    assert lines[2].endswith(f"saving ${0.1 * (g_naive - g_plan):,.2f}")


def test_position_above_the_limit_is_one_line():
    h = make([{"id": "tx", "type": "taxable"}],
             [{"symbol": "S", "price_usd": 100.0, "asset_class": "stocks"}],
             [{"account": "tx", "symbol": "S", "quantity": 2e7, "cost_basis_usd": 1e9,
               "acquired": "2019-01-02"}],
             {"stocks": 1.0})
    with pytest.raises(ConfigError, match=r"account tx, S: the position is worth "
                                          r"\$2,000,000,000, above the planner's limit"):
        plan(h)


def test_sparse_matrix_sums_duplicates_like_a_dense_loop():
    from rebal.planner.model import SparseMatrix

    rows = [0, 2, 0, 1, 2, 0]
    cols = [1, 0, 1, 3, 0, 0]
    vals = [1.5, 2.0, -0.5, 4.0, 1.0, 3.0]
    dense = [[0.0] * 4 for _ in range(3)]
    for r, c, v in zip(rows, cols, vals, strict=True):
        dense[r][c] += v
    a = SparseMatrix.from_triplets(rows, cols, vals, (3, 4))
    assert a.toarray().tolist() == dense
    assert a.start.tolist() == [0, 2, 3, 3, 4]  # column 0: rows 0 and 2; column 1: row 0


def test_gain_tax_schedule_has_no_recursion_and_a_stated_limit():
    from rebal.tax.marginal import MAX_GAIN_USD, TaxProfile, gain_tax_schedule
    from rebal.types import FilingStatus

    profile = TaxProfile(year=2025, filing_status=FilingStatus.SINGLE, ordinary_income=100_000)
    # A household-sized curve far above any bracket: exact at the top (37 % + 3.8 %
    # NIIT on every dollar of ST gain past the last kink).
    sched = gain_tax_schedule(profile, "short", 5e9)
    assert sched.segments[-1].rate == pytest.approx(0.408)
    assert sched.segments[-1].start_usd + sched.segments[-1].width_usd == pytest.approx(5e9)
    with pytest.raises(ConfigError, match="above the supported"):
        gain_tax_schedule(profile, "short", MAX_GAIN_USD * 10)
