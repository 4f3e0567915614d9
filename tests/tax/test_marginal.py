"""Marginal analysis for the planner, against hand-worked schedules."""

from __future__ import annotations

import numpy as np
import pytest

from rebal.errors import ConfigError
from rebal.tax.marginal import (
    TaxProfile,
    extra_tax,
    extra_tax_detail,
    gain_tax_schedule,
    lt_gain_tax_schedule,
    marginal_rates,
    zero_rate_lt_room,
)
from rebal.types import Term


def _segments(schedule):
    return [(round(s.start_usd, 2), round(s.width_usd, 2), s.rate) for s in schedule.segments]


E19 = TaxProfile(year=2025, filing_status="single", ordinary_income=60_000)


def test_extra_tax_e19() -> None:
    # E19 total 8,956.50 minus tax on the wages alone (TI 44,250 → 5,071.50) = 3,885.00.
    assert extra_tax(E19, lt=30_000) == pytest.approx(3_885.00, abs=0.005)
    # A loss: LT −5,000 → deduction 3,000 at 12% = 360 saved.
    assert extra_tax(E19, lt=-5_000) == pytest.approx(-360.0, abs=0.005)
    detail = extra_tax_detail(E19, lt=-5_000)
    assert detail.carryforward_change == pytest.approx(2_000)


def test_zero_rate_room() -> None:
    assert zero_rate_lt_room(E19) == pytest.approx(48_350 - 44_250)
    # No income: standard deduction 16,100 + the whole 0% band 49,450 (2026).
    assert zero_rate_lt_room(TaxProfile(year=2026, filing_status="single",
                                        ordinary_income=0)) == pytest.approx(65_550)
    # MFJ 2025 wages 100,000: TI 68,500 → 96,700 − 68,500.
    assert zero_rate_lt_room(TaxProfile(year=2025, filing_status="mfj",
                                        ordinary_income=100_000)) == pytest.approx(28_200)
    # Ordinary income above the band: none.
    assert zero_rate_lt_room(TaxProfile(year=2025, filing_status="single",
                                        ordinary_income=90_000)) == 0


def test_schedule_e19_profile() -> None:
    # 0% for 4,100; 15% until MAGI hits 200,000 (gain 140,000); 18.8% until TI reaches
    # 533,400 (gain 489,150); then 23.8%. Convex up to there.
    s = lt_gain_tax_schedule(E19, 700_000)
    assert _segments(s) == [
        (0.0, 4_100.0, 0.0),
        (4_100.0, 135_900.0, 0.15),
        (140_000.0, 349_150.0, 0.188),
        (489_150.0, 210_850.0, 0.238),
    ]
    assert s.is_convex
    assert s.breakpoints_usd == pytest.approx((4_100, 140_000, 489_150))


def test_schedule_with_loss_is_not_convex() -> None:
    # ST −10,000 already realized, 5% state. First 7,000 of LT gain only shrinks the
    # carryover (0 now); the next 3,000 cancels the deduction at 12% + 5%; then the 0% band
    # (state 5% only) for 4,100; then 15% + 5%.
    p = TaxProfile(year=2025, filing_status="single", ordinary_income=60_000,
                   st_realized=-10_000, state_rate=0.05)
    s = lt_gain_tax_schedule(p, 100_000)
    assert _segments(s) == [
        (0.0, 7_000.0, 0.0),
        (7_000.0, 3_000.0, 0.17),
        (10_000.0, 4_100.0, 0.05),
        (14_100.0, 85_900.0, 0.20),
    ]
    assert not s.is_convex


def test_schedule_amt_bump_2026() -> None:
    # 2026 single, no other income. AMT binds once its exemption (90,100 − 50% × (x − 500,000))
    # falls below the 16,100 standard deduction: x = 648,000; until it is gone at 680,200 the
    # slope is 23.8% + 50% × 20% = 33.8%, then back to 23.8%.
    p = TaxProfile(year=2026, filing_status="single", ordinary_income=0)
    s = lt_gain_tax_schedule(p, 1_000_000)
    assert _segments(s) == [
        (0.0, 65_550.0, 0.0),
        (65_550.0, 134_450.0, 0.15),
        (200_000.0, 361_600.0, 0.188),
        (561_600.0, 86_400.0, 0.238),
        (648_000.0, 32_200.0, 0.338),
        (680_200.0, 319_800.0, 0.238),
    ]
    assert not s.is_convex


@pytest.mark.parametrize("status", ["single", "mfj", "mfs", "hoh", "qss"])
@pytest.mark.parametrize("year", [2024, 2026])
def test_schedule_reproduces_extra_tax(status: str, year: int) -> None:
    rng = np.random.default_rng(7)
    for _ in range(3):
        p = TaxProfile(year=year, filing_status=status,
                       ordinary_income=float(rng.uniform(0, 400_000)),
                       qualified_dividends=float(rng.uniform(0, 20_000)),
                       st_realized=float(rng.uniform(-20_000, 20_000)),
                       lt_realized=float(rng.uniform(-20_000, 20_000)),
                       lt_carryforward=float(rng.uniform(0, 10_000)),
                       state_rate=0.04)
        for term in (Term.LONG, Term.SHORT):
            s = gain_tax_schedule(p, term, 1_500_000)
            for x in rng.uniform(0, 1_500_000, 40):
                direct = extra_tax(p, lt=x) if term is Term.LONG else extra_tax(p, st=x)
                assert s.tax_at(float(x)) == pytest.approx(direct, abs=0.01)


def test_marginal_rates_stacking() -> None:
    # E19 with the 30,000 LT realized: ordinary TI 44,250 is in the 12% bracket and 4,100 of
    # the gain sits at 0%. One more ST dollar: 12% on it + pushes a gain dollar from 0% to
    # 15% → 27%. One more LT dollar: 15%. A dollar of ST loss nets against the LT gain
    # first (Schedule D), so it saves only 15%.
    p = TaxProfile(year=2025, filing_status="single", ordinary_income=60_000, lt_realized=30_000)
    m = marginal_rates(p, max_gain=10_000)
    assert m.st_rate == pytest.approx(0.27)
    assert m.lt_rate == pytest.approx(0.15)
    assert m.st_loss_rate == pytest.approx(0.15)
    assert m.lt_niit_rate == 0 and m.state_rate == 0
    assert m.zero_rate_lt_room_usd == 0
    high = TaxProfile(year=2025, filing_status="mfj", ordinary_income=700_000, state_rate=0.05)
    mh = marginal_rates(high, max_gain=10_000)
    # 20% + 3.8% + 5%; ST at 37%? TI 668,500 is in the 35% bracket (≤ 751,600): 35% + 3.8% + 5%.
    assert mh.lt_rate == pytest.approx(0.288)
    assert mh.st_rate == pytest.approx(0.438)


def test_profile_validation() -> None:
    with pytest.raises(ConfigError, match="available years"):
        TaxProfile(year=2020, filing_status="single", ordinary_income=0)
    with pytest.raises(ConfigError, match="max_gain"):
        lt_gain_tax_schedule(E19, 0)
