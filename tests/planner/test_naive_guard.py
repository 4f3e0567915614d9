"""naive_plan(guard=...): the plan's wash-sale guard gives the naive plan it would build."""

from __future__ import annotations

import pytest
from planner_helpers import make

from rebal.planner import PlanSettings, naive_plan, plan
from rebal.planner.guard import build_guard

SECURITIES = [
    {"symbol": "STK", "asset_class": "stocks", "price_usd": 80.0, "cost_bps": 0},
    {"symbol": "BND", "asset_class": "bonds", "price_usd": 100.0, "cost_bps": 0},
]
CLASSES = {"stocks": {"weight": 0.5, "band_abs": 0.05}, "bonds": {"weight": 0.5, "band_abs": 0.05}}


@pytest.fixture(scope="module")
def washing():
    """The naive plan sells STK's old lot ($20 a share below its basis) FIFO, and 10
    shares of STK were bought 10 days ago in the same account: 10 shares' loss washed."""
    return make(
        [{"id": "taxable", "type": "taxable", "whole_shares": True}],
        SECURITIES,
        [{"account": "taxable", "symbol": "STK", "quantity": 100, "cost_basis_usd": 10_000.0,
          "acquired": "2024-01-02"},
         {"account": "taxable", "symbol": "STK", "quantity": 10, "cost_basis_usd": 800.0,
          "acquired": "2025-06-20"},
         {"account": "taxable", "symbol": "BND", "quantity": 20, "cost_basis_usd": 2_000.0,
          "acquired": "2024-01-02"}],
        CLASSES)


def test_naive_with_the_plans_guard_is_the_naive_plan(washing):
    h = washing
    alone = naive_plan(h)
    given = naive_plan(h, guard=build_guard(h))
    # by hand: $8,800 of STK, $2,000 of BND; half of $10,800 is $5,400, so sell
    # $3,400 of STK = 42.5 -> 42 shares (nearest), all from the 2024 lot at -$20 each;
    # the 10 shares bought on 2025-06-20 wash 10 of them: $200 of loss disallowed
    sells = [t for t in alone.trades if t.symbol == "STK"]
    assert [t.shares for t in sells] == [42.0]
    assert any("1 washed loss sale" in n for n in alone.notes)
    assert alone.tax.lt_losses_usd == pytest.approx(42 * 20.0 - 10 * 20.0, abs=0.01)
    assert given.to_dict() == alone.to_dict()


def test_plan_compares_with_the_same_naive_plan(washing):
    p = plan(washing, PlanSettings(compare_naive=True))
    assert p.naive is not None
    assert p.naive.to_dict() == naive_plan(washing).to_dict()
