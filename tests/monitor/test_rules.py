"""The monitor's rules on small hand-made households, against hand-worked figures."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from monitor_helpers import AS_OF, household, roth
from rebal.monitor import AlertKind, Severity, evaluate


def kinds(result: Any) -> list[str]:
    return [a.key for a in result.alerts]


def test_breach_both_sides_with_the_band_in_the_message():
    r = evaluate(household(lots=roth(70_000, 30_000)))
    assert kinds(r) == ["band_breach:stocks", "band_breach:bonds"]
    assert r.alerts[0].message == ("stocks is above its band: 70.00% vs 55.00%–65.00% "
                                   "(target 60.00%)")
    assert r.alerts[1].message.startswith("bonds is below its band: 30.00% vs 35.00%–45.00%")
    assert r.exit_code == 10 and r.action_needed


def test_inside_is_quiet_and_near_is_information():
    assert evaluate(household(lots=roth(63_500, 36_500))).alerts == ()  # 70 % of the band
    r = evaluate(household(lots=roth(64_200, 35_800)))  # |4.2| / 5 = 84 % of the band
    assert kinds(r) == ["band_near:stocks", "band_near:bonds"]
    assert r.alerts[0].severity is Severity.INFO and r.exit_code == 0
    assert r.alerts[0].figures["band_use"] == pytest.approx(0.84)
    assert "uses 84% of its band" in r.alerts[0].message


def test_cash_and_contributions_to_invest_above_one_percent():
    # 2,000 cash + 500 pending on 100,000 invested = 2.5 % (investable counts the cash)
    r = evaluate(household(lots=roth(60_000, 40_000), cash=2_000, pending=500))
    (a,) = r.alerts
    assert a.kind is AlertKind.CASH_TO_INVEST and a.figures["to_invest_usd"] == 2_500
    assert a.message.startswith("$2,500.00 of cash and pending contributions to invest")
    assert not evaluate(household(lots=roth(60_000, 40_000), cash=500)).alerts  # 0.5 %


LOSS_LOT = {"id": "L1", "account": "tax", "symbol": "VTI", "quantity": 80,
            "cost_basis_usd": 10_000, "acquired": "2024-01-10"}  # worth 8,000: −2,000 LT


def test_a_loss_above_the_thresholds_with_a_free_substitute_is_harvestable():
    r = evaluate(household(lots=[LOSS_LOT, *roth(52_000, 40_000)]))
    (a,) = [x for x in r.alerts if x.kind is AlertKind.HARVEST]
    assert a.key == "harvest:L1" and a.severity is Severity.ACTION
    assert a.figures["loss_usd"] == pytest.approx(2_000) and a.figures["substitute"] == "ITOT"
    assert a.message == ("harvest $2,000.00 long-term loss on VTI lot L1 in tax; "
                         "buy ITOT instead")


def test_below_the_thresholds_no_alert():
    small = {**LOSS_LOT, "cost_basis_usd": 8_900}  # −900 < $1,000
    r = evaluate(household(lots=[small, *roth(52_000, 40_000)]))
    assert not [x for x in r.alerts if x.kind in (AlertKind.HARVEST, AlertKind.HARVEST_BLOCKED)]


def test_a_recent_purchase_in_the_roth_blocks_the_harvest_and_names_the_safe_day():
    bought = AS_OF - timedelta(days=10)
    trades = [{"date": bought, "account": "roth", "symbol": "VTI", "side": "buy",
               "quantity": 5, "price_usd": 100.0}]
    r = evaluate(household(lots=[LOSS_LOT, *roth(52_000, 40_000)], trades=trades))
    (a,) = [x for x in r.alerts if x.key == "harvest_blocked:L1"]
    safe = bought + timedelta(days=31)
    assert a.figures["first_safe_date"] == safe.isoformat() == "2025-07-21"
    assert f"VTI in roth on {bought}" in a.message and "first safe sale 2025-07-21" in a.message
    assert not [x for x in r.alerts if x.kind is AlertKind.HARVEST]


@pytest.mark.parametrize(("days_ago", "alerted"), [(25, True), (30, True), (20, False),
                                                   (31, False)])
def test_swap_back_when_the_window_ends_within_a_week(days_ago, alerted):
    sold = AS_OF - timedelta(days=days_ago)
    trades = [{"date": sold, "account": "tax", "symbol": "BND", "side": "sell",
               "quantity": 100, "price_usd": 10.0}]
    r = evaluate(household(lots=roth(60_000, 40_000), trades=trades))
    swap = [x for x in r.alerts if x.kind is AlertKind.SWAP_BACK]
    assert bool(swap) is alerted
    if alerted:
        ends = sold + timedelta(days=30)
        assert swap[0].figures["days_left"] == 30 - days_ago
        assert f"ends {ends}" in swap[0].message
        assert f"bought back from {ends + timedelta(days=1)}" in swap[0].message


def test_zero_percent_room_in_the_fourth_quarter():
    """2025, single: 0 % LTCG up to $48,350 of taxable income; standard deduction
    $15,750 (as amended in July 2025); wages $30,000 → taxable ordinary $14,250 → room
    48,350 − 14,250 = $34,100."""
    gain_lot = {"id": "G1", "account": "tax", "symbol": "VTI", "quantity": 500,
                "cost_basis_usd": 10_000, "acquired": "2020-01-10"}  # worth 50,000
    nov = date(2025, 11, 14)
    r = evaluate(household(lots=[gain_lot, *roth(0, 30_000)], as_of=nov, income=30_000))
    (a,) = [x for x in r.alerts if x.kind is AlertKind.ZERO_LTCG_ROOM]
    assert a.figures["room_usd"] == pytest.approx(34_100)
    assert a.figures["long_term_gains_usd"] == pytest.approx(40_000)
    assert a.message.startswith("$34,100.00 of long-term gains would be taxed at 0% "
                                "federally in 2025")
    june = evaluate(household(lots=[gain_lot, *roth(0, 30_000)], income=30_000))
    assert not [x for x in june.alerts if x.kind is AlertKind.ZERO_LTCG_ROOM]


def test_every_message_figure_is_in_the_figures():
    """Say only true things: each dollar amount printed is one of the alert's figures."""
    import re

    trades = [{"date": AS_OF - timedelta(days=10), "account": "roth", "symbol": "VTI",
               "side": "buy", "quantity": 5, "price_usd": 100.0}]
    r = evaluate(household(lots=[LOSS_LOT, *roth(70_000, 30_000)], trades=trades, cash=3_000))
    for a in r.alerts:
        for text in re.findall(r"\$([\d,]+\.\d\d)", a.message):
            value = float(text.replace(",", ""))
            assert any(isinstance(v, float | int) and abs(abs(v) - value) < 0.006
                       for v in a.figures.values()), (a.message, a.figures)
