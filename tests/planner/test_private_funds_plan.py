"""The planner with private funds: the capital-call reserve (cash or its proxy, the proxy
sold first for a due call), the liquid substitute holding the private class's shortfall,
distributions invested in underweight classes — each reason and note checked against the
plan's own numbers, which are checked against hand-worked dollars."""

from __future__ import annotations

import importlib
import re
from typing import Any

import pytest

from rebal.household import Household, household_from_dict
from rebal.planner import plan as make_plan
from rebal.planner.alternatives import ReserveNeed, reserve_need
from rebal.types import Side


def _household(*, cash: float = 0.0, sgov: float = 200, vnq: float = 0, re_nav: float = 0,
               pe_nav: float = 20_000, reserve: dict | None = None,
               stocks_w: float = 0.5, bonds_w: float = 0.3,
               bnd_basis: float = 9_000, sgov_bps: float = 0.0) -> Household:
    """Stocks 50 % / bonds 30 % / private equity 20 % (+ real estate when asked), $100,000."""
    classes: dict[str, Any] = {"stocks": {"weight": stocks_w},
                               "bonds": {"weight": bonds_w, "band_abs": 0.15}}
    funds = [{"id": "pe1", "asset_class": "pe", "commitment_usd": 50_000, "vintage": 2022,
              "called_usd": 20_000, "distributed_usd": 0, "nav_usd": pe_nav,
              "nav_as_of": "2025-03-31", "remaining_life_years": 7, "account": "tx"}]
    if re_nav:
        classes["pe"] = {"weight": 0.0, "band_abs": 0.5}
        classes["re"] = {"weight": 0.2, "liquid_substitute": "VNQ"}
        funds[0]["nav_usd"] = 0.0
        funds[0]["called_usd"] = 0.0
        funds.append({"id": "re1", "asset_class": "re", "model": "real_estate",
                      "commitment_usd": 40_000, "vintage": 2024, "called_usd": re_nav,
                      "distributed_usd": 0,
                      "nav_usd": re_nav, "nav_as_of": "2025-03-31",
                      "remaining_life_years": 9, "account": "tx"})
    else:
        classes["pe"] = {"weight": 0.2}
    data: dict[str, Any] = {
        "as_of": "2025-06-30",
        "household": {"name": "pf", "filing_status": "single", "ordinary_income_usd": 100_000},
        "accounts": [{"id": "tx", "type": "taxable", "cash_usd": cash}],
        "securities": [
            {"symbol": "VTI", "price_usd": 200.0, "asset_class": "stocks"},
            {"symbol": "SGOV", "price_usd": 100.0, "asset_class": "bonds",
             "cost_bps": sgov_bps},
            {"symbol": "BND", "price_usd": 100.0, "asset_class": "bonds"},
            {"symbol": "VNQ", "price_usd": 100.0,
             "asset_class": "re" if re_nav else "bonds"},
        ],
        "lots": [
            {"account": "tx", "symbol": "VTI", "quantity": 250, "cost_basis_usd": 30_000,
             "acquired": "2020-01-02"},
            {"account": "tx", "symbol": "SGOV", "quantity": sgov, "cost_basis_usd": sgov * 100,
             "acquired": "2025-01-02"},
            {"account": "tx", "symbol": "BND", "quantity": 100, "cost_basis_usd": bnd_basis,
             "acquired": "2020-01-02"},
        ],
        "targets": {"classes": classes},
        "private_funds": funds,
    }
    if vnq:
        data["lots"].append({"account": "tx", "symbol": "VNQ", "quantity": vnq,
                             "cost_basis_usd": vnq * 100, "acquired": "2025-01-02"})
    if reserve is not None:
        data["call_reserve"] = reserve
    return household_from_dict(data)


def _need(due: float, horizon: float, coverage: float = 1.0) -> ReserveNeed:
    return ReserveNeed(months=6, coverage=coverage, proxy="SGOV", accounts=("tx",),
                       calls_due_usd=due, calls_horizon_usd=horizon)


@pytest.fixture
def fixed_need(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Replace the projected calls by hand-made dollars (the constraint is what is tested)."""
    def use(need: ReserveNeed) -> None:
        for name in ("rebal.planner.model", "rebal.planner.plan"):
            mod = importlib.import_module(name)
            monkeypatch.setattr(mod, "reserve_need", lambda h: need)
    return use


def _money(text: str) -> list[float]:
    return [float(x.replace(",", "")) for x in re.findall(r"\$([\d,]+)", text)]


def test_due_call_is_paid_by_selling_the_proxy_first(fixed_need: Any) -> None:
    # Everything at target ($50k VTI, $30k bonds, $20k private): the only reason to trade is
    # $5,000 of calls due within 30 days with no cash. SGOV (no gain) is sold, not VTI or
    # BND (gains): 5,000 + one VTI share of rounding margin = $5,200 → 52 SGOV shares.
    fixed_need(_need(due=5_000, horizon=15_000))
    h = _household(reserve={"months": 6, "coverage": 1.0, "proxy": "SGOV"})
    plan = make_plan(h)
    assert [(t.symbol, t.side) for t in plan.trades] == [("SGOV", Side.SELL)]
    sale = plan.trades[0]
    assert sale.shares == pytest.approx(52)
    cash_after = plan.accounts[0].cash_after_usd - plan.accounts[0].min_cash_usd
    assert cash_after >= 5_000
    assert "sold first" in sale.reason
    # bought at $100, sold at $100: nothing realized, so not "offset by harvested losses"
    assert int(sale.step) == 5 and "at its basis" in sale.reason
    assert "harvested" not in sale.reason
    assert _money(sale.reason.split("sold first")[1])[:2] == [5_000, 0]  # calls, cash before
    # the notes' sums are the plan's own numbers
    reserve_note = next(n for n in plan.notes if n.startswith("capital-call reserve"))
    sgov_after = (200 - sale.shares) * 100
    assert f"cash above reserves ${cash_after:,.0f} + SGOV ${sgov_after:,.0f}" in reserve_note
    assert f"= ${cash_after + sgov_after:,.0f}, which covers it" in reserve_note
    assert "$15,000 × coverage 1 = $15,000" in reserve_note


def test_proxy_is_sold_before_a_tax_free_cheaper_fund(fixed_need: Any) -> None:
    # BND bought at $100 and worth $100 (no gain either), and cheaper to trade than SGOV
    # (2 bp): still the proxy SGOV is sold — its sales carry no tidy cost when a call is due.
    fixed_need(_need(due=5_000, horizon=15_000))
    h = _household(reserve={"months": 6, "coverage": 1.0, "proxy": "SGOV"}, bnd_basis=10_000,
                   sgov_bps=2.0)
    plan = make_plan(h)
    assert [(t.symbol, t.side) for t in plan.trades] == [("SGOV", Side.SELL)]


def test_reserve_short_is_said_not_hidden(fixed_need: Any) -> None:
    # $200,000 of calls cannot be covered by $100,000 of holdings: the plan says by how much.
    fixed_need(_need(due=0, horizon=200_000))
    h = _household(reserve={"months": 6, "coverage": 1.0, "proxy": "SGOV"})
    plan = make_plan(h)
    note = next(n for n in plan.notes if n.startswith("capital-call reserve"))
    cash, sgov, held, short = _money(note.split("after the plan")[1])
    assert cash + sgov == pytest.approx(held, abs=1)
    assert "falls short by" in note
    assert short == pytest.approx(200_000 - held, abs=1)
    assert held <= 80_000 + 1  # at most every liquid dollar


def test_coverage_scales_the_cash_needed() -> None:
    n = _need(due=4_000, horizon=10_000, coverage=1.5)
    assert n.cash_needed_usd == 6_000 and n.reserve_needed_usd == 15_000


def test_reserve_need_sums_each_funds_projected_calls() -> None:
    from rebal.alternatives.exposure import projected_calls

    h = _household(reserve={"months": 4, "coverage": 0.5})
    need = reserve_need(h)
    assert need is not None and need.accounts == ("tx",) and need.proxy is None
    f = h.private_funds[0]
    assert need.calls_horizon_usd == pytest.approx(projected_calls(f, h.as_of, 4))
    assert need.calls_due_usd == pytest.approx(projected_calls(f, h.as_of, 1))
    assert reserve_need(_household()) is None  # no call_reserve: no constraint


def test_liquid_substitute_holds_the_private_shortfall() -> None:
    # Real estate: target 20 % of $100,000 = $20,000; the fund's NAV is $5,000, so the
    # substitute VNQ should hold $15,000 = 150 shares at $100, bought with the $15,000 cash.
    # (VTI $50,000 + SGOV/BND $30,000 + cash $15,000 + NAV $5,000 = $100,000.)
    h = _household(cash=15_000, re_nav=5_000)
    plan = make_plan(h)
    buys = {t.symbol: t for t in plan.trades if t.side is Side.BUY}
    assert set(buys) == {"VNQ"}
    assert buys["VNQ"].value_usd == pytest.approx(15_000, abs=100)
    (line,) = [ln for ln in plan.private if ln.asset_class == "re"]
    assert line.target_usd == pytest.approx(20_000, abs=1)
    assert line.private_usd == 5_000
    assert line.shortfall_usd == pytest.approx(15_000, abs=1)
    assert line.substitute_after_usd == pytest.approx(buys["VNQ"].value_usd)
    # the reason's arithmetic is the line's
    a, b, c, d = _money(buys["VNQ"].reason.split("liquid substitute:")[1])
    assert (a, b, c) == (round(line.target_usd), 5_000, round(line.shortfall_usd))
    assert a - b == c and d == round(line.substitute_after_usd)
    note = next(n for n in plan.notes if n.startswith("re: "))
    assert "$5,000 (nav view) of a $20,000 target" in note
    assert "which holds $0 before and $15,000 after the plan" in note


def test_distribution_cash_goes_to_underweight_classes_not_the_fund() -> None:
    # A $10,000 distribution from pe1 arrived as cash (NAV now $10,000). VTI 200 × $200 =
    # $40,000, bonds $30,000, cash $10,000, NAV $10,000: $90,000. Private equity is
    # underweight (11.1 % vs 20 %) but cannot be bought; stocks are underweight (44.4 % vs
    # 55 %, $9,500 short of 0.55 × $90,000): the cash buys stocks in step 1, nothing else.
    h = _household(cash=10_000, pe_nav=10_000, stocks_w=0.55, bonds_w=0.25)
    h = household_from_dict({**h.to_dict(), "lots": [
        {**lot, "quantity": 200, "cost_basis_usd": 24_000} if lot["symbol"] == "VTI" else lot
        for lot in h.to_dict()["lots"]]})
    plan = make_plan(h)
    assert [(t.symbol, t.side, int(t.step)) for t in plan.trades] == [("VTI", Side.BUY, 1)]
    assert 9_500 - 200 <= plan.trades[0].value_usd <= 10_000
    cls = {c.asset_class: c for c in plan.classes}
    assert cls["stocks"].weight_before == pytest.approx(40_000 / 90_000)
    assert cls["pe"].value_after_usd == cls["pe"].value_before_usd == 10_000
    assert cls["pe"].weight_before == pytest.approx(10_000 / 90_000)
    assert any("distributions from private funds arrive as cash in tx" in n
               for n in plan.notes)


def test_example_plan_meets_the_projected_reserve() -> None:
    # The example with its projected calls (h20a's model): recomputed from the plan's own
    # accounts and trades, independently of the notes.
    from pathlib import Path

    from rebal.household import load_household

    path = Path(__file__).resolve().parents[2] / "examples" / "households" / "private_funds.yaml"
    h = load_household(path)
    need = reserve_need(h)
    assert need is not None and need.accounts == ("taxable",)
    plan = make_plan(h)
    tx = next(a for a in plan.accounts if a.account == "taxable")
    cash = tx.cash_after_usd - tx.min_cash_usd
    sgov = 300 * 100.0 + sum((1 if t.side is Side.BUY else -1) * t.value_usd
                             for t in plan.trades if t.symbol == "SGOV")
    assert cash >= need.coverage * need.calls_due_usd
    assert cash + sgov >= need.coverage * need.calls_horizon_usd
    note = next(n for n in plan.notes if n.startswith("capital-call reserve"))
    assert f"cash above reserves ${cash:,.0f} + SGOV ${sgov:,.0f}" in note
    assert note.endswith("which covers it")


def _shift_household() -> Household:
    # The real-estate fund has called capital: NAV $15,000 of a $20,000 target (20 % of
    # $100,000), so VNQ's share is $5,000 — it holds $15,000. Every class is inside its
    # (wide) band: VTI $40,000 (50 % ± 15), BND $30,000 (30 % ± 15), real estate 30 %.
    return household_from_dict({
        "as_of": "2025-06-30",
        "household": {"name": "shift", "filing_status": "single"},
        "accounts": [{"id": "ira", "type": "traditional", "cash_usd": 0.0,
                      "whole_shares": False}],
        "securities": [{"symbol": "VTI", "price_usd": 200.0, "asset_class": "stocks"},
                       {"symbol": "BND", "price_usd": 100.0, "asset_class": "bonds"},
                       {"symbol": "VNQ", "price_usd": 100.0, "asset_class": "re"}],
        "lots": [{"account": "ira", "symbol": "VTI", "quantity": 200},
                 {"account": "ira", "symbol": "BND", "quantity": 300},
                 {"account": "ira", "symbol": "VNQ", "quantity": 150}],
        "targets": {"classes": {"stocks": {"weight": 0.5, "band_abs": 0.15},
                                "bonds": {"weight": 0.3, "band_abs": 0.15},
                                "re": {"weight": 0.2, "band_abs": 0.15,
                                       "liquid_substitute": "VNQ"}}},
        "private_funds": [{"id": "re1", "asset_class": "re", "model": "real_estate",
                           "commitment_usd": 15_000, "vintage": 2023, "called_usd": 15_000,
                           "nav_usd": 15_000, "nav_as_of": "2025-03-31",
                           "remaining_life_years": 8}],
    })


def test_called_capital_shifts_the_class_from_the_substitute() -> None:
    plan = make_plan(_shift_household())
    sold = sum(t.value_usd for t in plan.trades if t.symbol == "VNQ" and t.side is Side.SELL)
    bought = sum(t.value_usd for t in plan.trades if t.symbol == "VTI" and t.side is Side.BUY)
    # VNQ comes down toward its $5,000 share; the proceeds buy the underweight stocks
    assert sold > 0 and bought == pytest.approx(sold, abs=1)
    (line,) = plan.private
    assert line.shortfall_usd == pytest.approx(5_000)
    assert 5_000 - 1 <= line.substitute_after_usd < 15_000
    sale = next(t for t in plan.trades if t.symbol == "VNQ")
    assert "It held $15,000, more than its share" in sale.reason


def test_full_rebalance_refused_when_the_funds_alone_are_over_the_band() -> None:
    # NAV $40,000 of $100,000 = 40 % with a 20 % ± 3 % target: no trade can fix it.
    from rebal.errors import PlanInfeasible
    from rebal.planner import PlanMode, PlanSettings

    h = _household(pe_nav=40_000, stocks_w=0.5, bonds_w=0.3)
    with pytest.raises(PlanInfeasible) as info:
        make_plan(h, PlanSettings(mode=PlanMode.FULL_REBALANCE))
    text = str(info.value) + " ".join(getattr(info.value, "binding", ()))
    assert "pe: untradable holdings alone (with its private funds) are" in text
