"""Hand-checked small cases, one per step of the article (exact trades and taxes).

Tax figures are worked by hand from TAX_RULES.md §4 (2025 single filer, $100,000 of
wages: taxable income 84,250 → 22 % ordinary bracket, 15 % LTCG band; MAGI < $200k → no
NIIT) unless stated.
"""

from __future__ import annotations

from datetime import date

import pytest
from planner_helpers import make

from rebal.planner import PlanSettings, Step, plan
from rebal.types import Side, Term

SEC = [
    {"symbol": "S", "price_usd": 100, "asset_class": "stocks", "substitutes": ["S2"]},
    {"symbol": "S2", "price_usd": 50, "asset_class": "stocks", "substitutes": ["S"]},
    {"symbol": "B", "price_usd": 100, "asset_class": "bonds"},
]


def _trades(p):
    return sorted((t.account, t.symbol, t.side.value, t.shares, int(t.step)) for t in p.trades)


def test_step1_new_money_goes_to_the_underweight_class():
    # Taxable: S 70 sh (LT gain 60/sh), B 20 sh; $1,000 contribution. Target 50/50 with
    # a wide band (±30 pp): nothing breached, so no sale; new money buys the
    # underweight class (bonds) only: 10 B.
    h = make(
        [{"id": "tx", "type": "taxable", "pending_flow_usd": 1000}],
        SEC,
        [{"account": "tx", "symbol": "S", "quantity": 70, "cost_basis_usd": 2800,
          "acquired": "2015-01-02"},
         {"account": "tx", "symbol": "B", "quantity": 20, "cost_basis_usd": 2000,
          "acquired": "2015-01-02"}],
        {"stocks": {"weight": 0.5, "band_abs": 0.3}, "bonds": {"weight": 0.5, "band_abs": 0.3}},
    )
    p = plan(h)
    assert _trades(p) == [("tx", "B", "buy", 10.0, int(Step.NEW_MONEY))]
    assert p.tax.total_usd == 0.0
    assert p.accounts[0].cash_after_usd == pytest.approx(0.0, abs=1e-9)


def test_step2_rebalance_inside_the_ira_is_tax_free():
    # IRA 70 S / 30 B, target 50/50 ±5 pp: stocks breached. Sell 20 S, buy 20 B.
    h = make(
        [{"id": "ira", "type": "traditional"}],
        SEC,
        [{"account": "ira", "symbol": "S", "quantity": 70},
         {"account": "ira", "symbol": "B", "quantity": 30}],
        {"stocks": {"weight": 0.5, "band_abs": 0.05}, "bonds": {"weight": 0.5, "band_abs": 0.05}},
    )
    p = plan(h)
    assert _trades(p) == [("ira", "B", "buy", 20.0, 2), ("ira", "S", "sell", 20.0, 2)]
    assert p.tax.total_usd == 0.0
    assert [c.weight_after for c in p.classes] == pytest.approx([0.5, 0.5])


def test_step3_harvest_a_loss_and_buy_the_substitute():
    # S: 100 sh bought at $120 in 2024-01 (LT), now $100: a $2,000 loss (16.7 %), above
    # the default thresholds ($1,000 and 5 %). Allocation on target, so the harvest
    # swaps S for its substitute S2 (another wash-sale group): sell 100 S, buy 200 S2.
    # Tax: a $2,000 net loss is deductible (≤ $3,000) at the 22 % bracket: −$440.00.
    h = make(
        [{"id": "tx", "type": "taxable"}],
        SEC,
        [{"id": "lotS", "account": "tx", "symbol": "S", "quantity": 100,
          "cost_basis_usd": 12000, "acquired": "2024-01-10"},
         {"account": "tx", "symbol": "B", "quantity": 100, "cost_basis_usd": 10000,
          "acquired": "2024-01-10"}],
        {"stocks": 0.5, "bonds": 0.5},
    )
    p = plan(h)
    assert _trades(p) == [("tx", "S", "sell", 100.0, 3), ("tx", "S2", "buy", 200.0, 3)]
    sale = next(t for t in p.trades if t.side is Side.SELL)
    assert [(r.lot_id, r.quantity, r.gain_usd, r.term) for r in sale.lots] == [
        ("lotS", 100.0, -2000.0, Term.LONG)]
    assert p.tax.total_usd == pytest.approx(-440.00, abs=0.005)
    assert p.tax.losses_harvested_usd == pytest.approx(2000.0)
    # The do-not-buy list: S's group until the sale + 30 days (§1091(a)).
    assert [(d.group, d.until, d.first_safe_date) for d in p.do_not_buy] == [
        ("S", date(2025, 7, 30), date(2025, 7, 31))]
    assert "substitute" in next(t for t in p.trades if t.side is Side.BUY).reason


def test_step4_realize_long_term_gains_in_the_zero_bracket():
    # $30,000 wages: taxable income 14,250, so 48,350 − 14,250 = 34,100 of LT gain is
    # taxed at 0 %. A $5,000 LT gain (S: 100 sh, basis $50) is realized and bought back
    # (gains are never wash sales): basis steps up to $100 for free. Tax $0.
    h = make(
        [{"id": "tx", "type": "taxable"}],
        SEC,
        [{"account": "tx", "symbol": "S", "quantity": 100, "cost_basis_usd": 5000,
          "acquired": "2019-03-01"},
         {"account": "tx", "symbol": "B", "quantity": 100, "cost_basis_usd": 10000,
          "acquired": "2019-03-01"}],
        {"stocks": 0.5, "bonds": 0.5},
        household={"ordinary_income_usd": 30_000, "realize_zero_bracket_gains": True},
    )
    p = plan(h)
    assert _trades(p) == [("tx", "S", "buy", 100.0, 4), ("tx", "S", "sell", 100.0, 4)]
    assert p.tax.lt_gains_usd == pytest.approx(5000.0)
    assert p.tax.total_usd == pytest.approx(0.0, abs=1e-9)
    assert p.tax.zero_rate_room_usd == pytest.approx(34_100.0)
    assert p.tax.zero_rate_room_used_usd == pytest.approx(5000.0)
    # Without the setting nothing is traded.
    assert plan(h, PlanSettings(realize_zero_bracket_gains=False)).trades == ()


def test_step5_remaining_sale_uses_the_high_basis_lot_and_stops_at_the_band_edge():
    # S 80 sh (lot L1: 40 sh basis $50; lot L2: 40 sh basis $90, both LT), B 20 sh.
    # Target 50/50 ±5 pp, satellite tier (sized to the band edge, as in backtests):
    # stocks at 80 % → sell to the band edge 55 %: 25 sh, all from L2 (gain $10/sh →
    # $250). Tax on $250 LT at 15 % + 5 % state = $50.00.
    h = make(
        [{"id": "tx", "type": "taxable"}],
        SEC,
        [{"id": "L1", "account": "tx", "symbol": "S", "quantity": 40, "cost_basis_usd": 2000,
          "acquired": "2018-05-01"},
         {"id": "L2", "account": "tx", "symbol": "S", "quantity": 40, "cost_basis_usd": 3600,
          "acquired": "2020-05-01"},
         {"account": "tx", "symbol": "B", "quantity": 20, "cost_basis_usd": 2000,
          "acquired": "2018-05-01"}],
        {"stocks": {"weight": 0.5, "band_abs": 0.05, "tier": "satellite"},
         "bonds": {"weight": 0.5, "band_abs": 0.05, "tier": "satellite"}},
        household={"state_rate": 0.05},
    )
    p = plan(h)
    assert _trades(p) == [("tx", "B", "buy", 25.0, 5), ("tx", "S", "sell", 25.0, 5)]
    sale = next(t for t in p.trades if t.side is Side.SELL)
    assert [(r.lot_id, r.quantity, r.gain_usd) for r in sale.lots] == [("L2", 25.0, 250.0)]
    assert p.tax.total_usd == pytest.approx(50.00, abs=0.005)
    assert p.tax.federal_usd == pytest.approx(37.50, abs=0.005)
    assert [c.weight_after for c in p.classes] == pytest.approx([0.55, 0.45])
    # The naive plan goes to target 50/50 selling FIFO (L1, gain $50/sh): 30 sh →
    # $1,500 LT gain → $300.00 of tax.
    assert p.naive is not None
    assert p.naive.tax.total_usd == pytest.approx(300.00, abs=0.005)
    assert p.saving_usd == pytest.approx(250.00, abs=0.01)


def test_core_class_out_of_band_goes_back_to_target():
    # The same household with core tiers (the default): a breached core class is sized
    # to target, as the backtests size it (policy.tiers.CORE, Sizing.TO_TARGET): sell
    # 30 sh of L2 (gain $10/sh → $300), buy 30 B; stocks end at exactly 50 %.
    # Tax: $300 LT × (15 % + 5 % state) = $60.00, federal $45.00.
    h = make(
        [{"id": "tx", "type": "taxable"}],
        SEC,
        [{"id": "L1", "account": "tx", "symbol": "S", "quantity": 40, "cost_basis_usd": 2000,
          "acquired": "2018-05-01"},
         {"id": "L2", "account": "tx", "symbol": "S", "quantity": 40, "cost_basis_usd": 3600,
          "acquired": "2020-05-01"},
         {"account": "tx", "symbol": "B", "quantity": 20, "cost_basis_usd": 2000,
          "acquired": "2018-05-01"}],
        {"stocks": {"weight": 0.5, "band_abs": 0.05}, "bonds": {"weight": 0.5, "band_abs": 0.05}},
        household={"state_rate": 0.05},
    )
    p = plan(h)
    assert _trades(p) == [("tx", "B", "buy", 30.0, 5), ("tx", "S", "sell", 30.0, 5)]
    sale = next(t for t in p.trades if t.side is Side.SELL)
    assert [(r.lot_id, r.quantity, r.gain_usd) for r in sale.lots] == [("L2", 30.0, 300.0)]
    assert p.tax.total_usd == pytest.approx(60.00, abs=0.005)
    assert p.tax.federal_usd == pytest.approx(45.00, abs=0.005)
    assert [c.weight_after for c in p.classes] == pytest.approx([0.5, 0.5])
