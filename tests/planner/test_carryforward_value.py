"""Issue 13: a gain that uses up loss carryforward costs no tax this year but leaves less
loss for later years; the planner's objective prices that at ``carryforward_value`` per
dollar, as it prices a loss carried forward. Hand-worked figures."""

from __future__ import annotations

import pytest
from planner_helpers import make

from rebal.planner import PlanSettings, plan
from rebal.planner.model import carryforward_use_rates
from rebal.tax.marginal import TaxProfile, gain_tax_schedule
from rebal.types import FilingStatus, Term


def _profile(lt_cf: float) -> TaxProfile:
    return TaxProfile(year=2025, filing_status=FilingStatus.SINGLE, ordinary_income=100_000,
                      lt_carryforward=lt_cf)


@pytest.mark.parametrize("term", [Term.SHORT, Term.LONG])
def test_rates_where_a_gain_uses_up_the_carryover(term):
    # $10,000 of LT loss carried in: with no gain, $3,000 is deducted this year and
    # $7,000 carried on. A gain x ≤ $7,000 only shrinks what is carried ($7,000 − x: tax
    # unchanged, 5 cents per dollar of value lost); from $7,000 to $10,000 it shrinks the
    # deduction (taxed, nothing more carried to lose); beyond, nothing is left to use.
    prof = _profile(10_000)
    sched = gain_tax_schedule(prof, term, 20_000)
    rates = carryforward_use_rates(prof, sched, 0.05)
    segs = [s for s in sched.segments if s.width_usd > 0]
    assert rates is not None and len(rates) == len(segs)
    for s, r in zip(segs, rates, strict=True):
        end = s.start_usd + s.width_usd
        if end <= 7_000 + 0.01:
            assert r == pytest.approx(0.05, abs=1e-9), s
            assert s.rate == pytest.approx(0.0, abs=1e-9), s  # no tax this year there
        elif s.start_usd >= 7_000 - 0.01:
            assert r == pytest.approx(0.0, abs=1e-9), s
    assert sum(r * s.width_usd for s, r in zip(segs, rates, strict=True)) == pytest.approx(
        0.05 * 7_000, abs=0.01)


def test_no_carryover_no_rates():
    prof = _profile(0)
    assert carryforward_use_rates(prof, gain_tax_schedule(prof, Term.SHORT, 5_000), 0.05) is None
    prof = _profile(1_000)
    assert carryforward_use_rates(prof, gain_tax_schedule(prof, Term.SHORT, 5_000), 0.0) is None


def _household():
    # One fund, over target by $2,000 of a $20,000 portfolio with a 5 % band: inside the
    # band, so a sale needs a reason of its own. An LT gain lot; $10,000 of LT carryover
    # and no 0 % room (income well above it): realizing the gain costs no tax this year.
    return make(
        [{"id": "tx", "type": "taxable", "whole_shares": False}],
        [{"symbol": "AAA", "asset_class": "stocks", "price_usd": 100.0},
         {"symbol": "BBB", "asset_class": "bonds", "price_usd": 100.0}],
        [{"account": "tx", "symbol": "AAA", "quantity": 120, "cost_basis_usd": 6_000.0,
          "acquired": "2015-01-02"},
         {"account": "tx", "symbol": "BBB", "quantity": 80, "cost_basis_usd": 8_000.0,
          "acquired": "2015-01-02"}],
        {"stocks": {"weight": 0.5, "band_abs": 0.15}, "bonds": {"weight": 0.5, "band_abs": 0.15}},
        household={"loss_carryforward_usd": {"short_term": 0, "long_term": 10_000},
                   "ordinary_income_usd": 300_000, "realize_zero_bracket_gains": False},
    )


def test_the_plan_objective_counts_the_carryover_a_gain_uses():
    # tidy: the sale's only reason is getting closer to target inside the band. With the
    # carryover priced, selling costs 5 cents per dollar of gain, more than the tidy gain
    # inside the band is worth for $2,000 of sales ($1,000 of gain: $50); unpriced (value
    # 0), the gain is free this year and the plan tidies.
    h = _household()
    free = plan(h, PlanSettings(tidy=True, carryforward_value=0.0, compare_naive=False))
    priced = plan(h, PlanSettings(tidy=True, carryforward_value=0.05, compare_naive=False))
    sold_free = sum(t.shares for t in free.trades if t.side.value == "sell")
    sold_priced = sum(t.shares for t in priced.trades if t.side.value == "sell")
    assert sold_free > 0
    assert sold_priced < sold_free
