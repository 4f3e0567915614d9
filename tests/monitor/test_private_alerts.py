"""Monitor rules on private funds, on hand-made numbers: a call due with the reserve short,
a stale NAV, and the denominator effect (said only when the private NAV did not move)."""

from __future__ import annotations

from typing import Any

import pytest

import rebal.monitor.private as private_mod
from rebal.household import Household, household_from_dict
from rebal.monitor.alerts import AlertKind, Severity
from rebal.monitor.rules import MonitorSettings, evaluate
from rebal.planner.alternatives import ReserveNeed


def _h(*, vti_price: float = 200.0, cash: float = 0.0, sgov: float = 200,
       nav_as_of: str = "2025-03-31", proxy: bool = False, reserve: bool = False,
       as_of: str = "2025-06-30") -> Household:
    """VTI 250 sh, SGOV + BND $30,000, a buyout fund with NAV $20,000 (target 20 % ± 4 %)."""
    fund: dict[str, Any] = {
        "id": "pe1", "asset_class": "pe", "model": "buyout", "commitment_usd": 50_000,
        "vintage": 2022, "called_usd": 20_000, "distributed_usd": 0, "nav_usd": 20_000,
        "nav_as_of": nav_as_of, "remaining_life_years": 7, "account": "tx"}
    if proxy:
        fund.update(proxy="VTI", proxy_price_at_nav_usd=200.0)
    data: dict[str, Any] = {
        "as_of": as_of,
        "household": {"name": "pf", "filing_status": "single"},
        "accounts": [{"id": "tx", "type": "taxable", "cash_usd": cash}],
        "securities": [
            {"symbol": "VTI", "price_usd": vti_price, "asset_class": "stocks"},
            {"symbol": "SGOV", "price_usd": 100.0, "asset_class": "bonds"},
            {"symbol": "BND", "price_usd": 100.0, "asset_class": "bonds"},
        ],
        "lots": [
            {"account": "tx", "symbol": "VTI", "quantity": 250, "cost_basis_usd": 30_000,
             "acquired": "2020-01-02"},
            {"account": "tx", "symbol": "SGOV", "quantity": sgov,
             "cost_basis_usd": sgov * 100, "acquired": "2025-01-02"},
            {"account": "tx", "symbol": "BND", "quantity": 300 - sgov,
             "cost_basis_usd": (300 - sgov) * 100, "acquired": "2020-01-02"},
        ],
        "targets": {"classes": {"stocks": {"weight": 0.5, "band_abs": 0.3},
                                "bonds": {"weight": 0.3, "band_abs": 0.2},
                                "pe": {"weight": 0.2, "band_abs": 0.04}}},
        "private_funds": [fund],
    }
    if reserve:
        data["call_reserve"] = {"months": 6, "coverage": 1.0, "proxy": "SGOV"}
    return household_from_dict(data)


def _of(result: Any, kind: AlertKind) -> list[Any]:
    return [a for a in result.alerts if a.kind is kind]


def test_call_due_with_reserve_short(monkeypatch: pytest.MonkeyPatch) -> None:
    # Calls of $5,000 due within 30 days, $20,000 over 6 months (hand-made). Cash above the
    # reserve $3,000 + SGOV 100 × $100 = $13,000 held: short by $7,000.
    need = ReserveNeed(months=6, coverage=1.0, proxy="SGOV", accounts=("tx",),
                       calls_due_usd=5_000, calls_horizon_usd=20_000)
    monkeypatch.setattr(private_mod, "reserve_need", lambda h: need)
    r = evaluate(_h(cash=3_000, sgov=100, reserve=True))
    (a,) = _of(r, AlertKind.CALL_RESERVE_SHORT)
    assert a.severity is Severity.ACTION
    assert "capital calls of $5,000.00 are projected in the next 30 days" in a.message
    assert "short by $7,000.00" in a.message
    assert "cash above reserves $3,000.00 + SGOV $10,000.00 in tx vs $20,000.00" in a.message
    assert a.figures["short_usd"] == pytest.approx(7_000)
    # enough held: no alert; nothing due: no alert
    assert not _of(evaluate(_h(cash=10_000, sgov=100, reserve=True)),
                   AlertKind.CALL_RESERVE_SHORT)
    monkeypatch.setattr(private_mod, "reserve_need", lambda h: ReserveNeed(
        months=6, coverage=1.0, proxy="SGOV", accounts=("tx",), calls_due_usd=0.0,
        calls_horizon_usd=20_000))
    assert not _of(evaluate(_h(sgov=1, reserve=True)), AlertKind.CALL_RESERVE_SHORT)


def test_call_due_without_a_reserve_rule_needs_cash_for_it() -> None:
    # No call_reserve: the calls the model projects for the next month need cash; with no
    # cash the alert is short by exactly those calls.
    from rebal.alternatives.exposure import projected_calls

    h = _h(cash=0.0)
    due = projected_calls(h.private_funds[0], h.as_of, 1)
    assert due > 0
    (a,) = _of(evaluate(h), AlertKind.CALL_RESERVE_SHORT)
    assert a.figures["short_usd"] == pytest.approx(due)
    assert not _of(evaluate(_h(cash=due + 1)), AlertKind.CALL_RESERVE_SHORT)


def test_nav_stale_beyond_the_limit() -> None:
    # 2024-12-01 → 2025-06-30 is 211 days (30 + 31 + 28 + 31 + 30 + 31 + 30): stale at 190.
    (a,) = _of(evaluate(_h(nav_as_of="2024-12-01")), AlertKind.NAV_STALE)
    assert a.figures["age_days"] == 211
    assert "211 days old (as of 2024-12-01; limit 190 days)" in a.message
    assert not _of(evaluate(_h(nav_as_of="2025-03-31")), AlertKind.NAV_STALE)  # 91 days
    short = MonitorSettings(nav_stale_days=90)
    assert _of(evaluate(_h(nav_as_of="2025-03-31"), short), AlertKind.NAV_STALE)


def test_denominator_effect_against_the_previous_look() -> None:
    # Before: VTI 250 × $200 = $50,000, bonds $30,000, NAV $20,000 → pe 20 %.
    # Now VTI is $120: $30,000; the rest is $60,000 and pe 20,000 / 80,000 = 25 % > 24 %.
    before = _h(as_of="2025-05-30")
    now = _h(vti_price=120.0)
    (a,) = _of(evaluate(now, previous=before), AlertKind.DENOMINATOR_EFFECT)
    assert a.figures["weight"] == pytest.approx(0.25)
    assert a.figures["weight_before"] == pytest.approx(0.20)
    assert "went from $80,000.00 to $60,000.00" in a.message
    assert "from 20.00% to 25.00%" in a.message and "above its band" in a.message
    # the band breach itself is still the action alert
    assert any(b.key == "band_breach:pe" for b in evaluate(now).alerts)
    # a new NAV since the previous look: not the denominator effect, so not said
    moved = household_from_dict({**now.to_dict(), "private_funds": [
        {**now.to_dict()["private_funds"][0], "nav_usd": 21_000}]})
    assert not _of(evaluate(moved, previous=before), AlertKind.DENOMINATOR_EFFECT)


def test_denominator_effect_from_the_proxy_roll() -> None:
    # No previous look: VTI (the proxy) fell from $200 on the NAV date to $120 (−40 %):
    # rolled NAV 12,000, weight 12,000 / (60,000 + 12,000) = 16.67 %, inside 16–24 %.
    (a,) = _of(evaluate(_h(vti_price=120.0, proxy=True)), AlertKind.DENOMINATOR_EFFECT)
    assert a.figures["weight_proxy_rolled"] == pytest.approx(12_000 / 72_000)
    assert "would be 16.67%, inside the band" in a.message
    # without a proxy nothing can be said from the household alone
    assert not _of(evaluate(_h(vti_price=120.0)), AlertKind.DENOMINATOR_EFFECT)
