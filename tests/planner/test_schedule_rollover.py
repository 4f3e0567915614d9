"""A schedule crossing a year end rolls the loss carryforward over (hand-worked)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from rebal.household import load_household
from rebal.planner.schedule import roll_tax_year

ARTICLE = Path(__file__).resolve().parents[2] / "examples" / "households" / "article_client.yaml"


def test_carryforward_rolls_over_the_year_end() -> None:
    h = load_household(ARTICLE)
    # 2025: $10,000 net short-term loss and $2,000 net long-term gain realized, $1,000 of
    # short-term loss carried in. Schedule D: ST −11,000, LT +2,000 → net −9,000; $3,000
    # deducted; the ST loss first absorbs the LT gain (2,000) and the deduction (3,000):
    # 11,000 − 2,000 − 3,000 = 6,000 short-term carried to 2026, nothing long-term.
    h = replace(h, tax=replace(h.tax, realized_st_usd=-10_000.0, realized_lt_usd=2_000.0,
                               carryforward_st_usd=1_000.0, carryforward_lt_usd=0.0))
    t = roll_tax_year(h, 2026)
    assert t.tax_year == 2026
    assert (t.realized_st_usd, t.realized_lt_usd) == (0.0, 0.0)
    assert t.carryforward_st_usd == pytest.approx(6_000.0, abs=1e-9)
    assert t.carryforward_lt_usd == pytest.approx(0.0, abs=1e-9)
    # A net gain year uses the carryforward up: nothing rolls.
    h2 = replace(h, tax=replace(h.tax, realized_st_usd=0.0, realized_lt_usd=5_000.0,
                                carryforward_st_usd=1_000.0, carryforward_lt_usd=500.0))
    t2 = roll_tax_year(h2, 2026)
    assert (t2.carryforward_st_usd, t2.carryforward_lt_usd) == (0.0, 0.0)
