"""Hand-checked simulated years on made-up prices in 2024-2025 (tax years with parameter
files, so every figure below is worked from the 2024/2025 IRS numbers by hand):

- a 20 % fall on 2024-02-01: the planner harvests both funds into their substitutes;
  2024's short-term loss is exactly the fall (no cost), $3,000 of it is deducted at
  12 % + 5 % and the rest carried; 2025 uses $3,000 more of the carryforward;
- a low-income year: the planner realizes a long-term gain inside the 0 % bracket, tax 0.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from rebal.data.market import MarketData
from rebal.simulation import SimSettings, simulate, simulation_from_dict
from rebal.simulation.market import sim_prices


def _market(fall_on: date | None) -> MarketData:
    days = np.arange(np.datetime64("2024-01-02"), np.datetime64("2026-01-01"),
                     dtype="datetime64[D]")
    days = days[np.is_busday(days)]
    level = np.ones(len(days))
    if fall_on is not None:
        level[days >= np.datetime64(fall_on)] = 0.8
    prices = np.column_stack([level, level])
    return MarketData(dates=days, assets=("STOCK", "BOND"), prices=prices, source="made-up")


def _household(income: float, state: float, lots: list[dict], keep: bool) -> dict:
    return {
        "as_of": "2024-01-02",
        "household": {"name": "hand", "filing_status": "mfj", "tax_year": 2024,
                      "ordinary_income_usd": income, "state_rate": state,
                      "harvest": {"enabled": True, "min_loss_usd": 1000, "min_loss_frac": 0.05},
                      "realize_zero_bracket_gains": True, "wash_sale": {"avoid": True}},
        "accounts": [{"id": "taxable", "type": "taxable", "cash_usd": 1000,
                      "min_cash_usd": 1000, "whole_shares": False}],
        "securities": [
            {"symbol": "STK", "price_usd": 100, "asset_class": "stocks", "substitutes": ["SUB"]},
            {"symbol": "SUB", "price_usd": 100, "asset_class": "stocks", "substitutes": ["STK"]},
            {"symbol": "BND", "price_usd": 100, "asset_class": "bonds", "substitutes": ["BD2"]},
            {"symbol": "BD2", "price_usd": 100, "asset_class": "bonds", "substitutes": ["BND"]},
        ],
        "targets": {"classes": {"stocks": {"weight": 0.6}, "bonds": {"weight": 0.4}}},
        "lots": lots,
        "simulation": {"prices": {"STK": "STOCK", "SUB": "STOCK", "BND": "BOND", "BD2": "BOND"},
                       "start": "2024-01-02", "end": "2025-12-31",
                       "lots": "keep" if keep else "purchase", "income_growth": 0.0},
    }


def test_harvest_swap_and_carryforward_used_next_year() -> None:
    lots = [{"account": "taxable", "symbol": "STK", "quantity": 600, "cost_basis_usd": 60000,
             "acquired": "2024-01-02"},
            {"account": "taxable", "symbol": "BND", "quantity": 400, "cost_basis_usd": 40000,
             "acquired": "2024-01-02"}]
    spec = simulation_from_dict(_household(100_000, 0.05, lots, keep=False))
    px = sim_prices(spec, _market(date(2024, 2, 1)))
    res = simulate(spec, px, SimSettings(every="month"), ("planner",), n_bootstrap=0)
    run = res.runs[0]
    y24, y25 = run.years
    # Both funds fell 20 %: 600 × $20 + 400 × $20 = $20,000 short-term loss, harvested on
    # 2024-02-01 by selling STK and BND and buying SUB and BD2 (another wash-sale group).
    assert y24.st_losses_usd == pytest.approx(-20_000.0, abs=0.01)
    assert y24.st_gains_usd == 0.0 and y24.disallowed_usd == 0.0
    sold = {(t.symbol, t.side.value) for t in run.trades if t.date == date(2024, 2, 1)}
    assert sold == {("STK", "sell"), ("BND", "sell"), ("SUB", "buy"), ("BD2", "buy")}
    # 2024 MFJ: taxable income 100,000 − 29,200 = 70,800 (12 % bracket up to 94,300);
    # the $3,000 deduction saves 3,000 × (12 % + 5 % state) = $510; $17,000 is carried.
    assert y24.tax_usd == pytest.approx(-510.0, abs=0.005)
    assert (y24.st_carry_out_usd, y24.lt_carry_out_usd) == pytest.approx((17_000.0, 0.0))
    # 2025 (no sales; 100,000 − 30,000 = 70,000, 12 % bracket): $3,000 more of the
    # carryforward deducted, the same $510; $14,000 left.
    assert y25.st_carry_in_usd == pytest.approx(17_000.0)
    assert y25.tax_usd == pytest.approx(-510.0, abs=0.005)
    assert y25.st_carry_out_usd == pytest.approx(14_000.0)
    # The 2024 refund reached the taxable account on 2025-04-15.
    paid = {d: t for d, t in zip(run.dates, run.tax_paid, strict=True) if t}
    assert paid == {date(2025, 4, 15): pytest.approx(-510.0, abs=0.005)}


def test_gains_realized_in_the_zero_bracket() -> None:
    lots = [{"account": "taxable", "symbol": "STK", "quantity": 600, "cost_basis_usd": 30000,
             "acquired": "2020-03-02"},
            {"account": "taxable", "symbol": "BND", "quantity": 400, "cost_basis_usd": 40000,
             "acquired": "2020-03-02"}]
    spec = simulation_from_dict(_household(40_000, 0.0, lots, keep=True))
    px = sim_prices(spec, _market(None))
    res = simulate(spec, px, SimSettings(every="month"), ("planner",), n_bootstrap=0)
    y24 = res.runs[0].years[0]
    # Taxable income 40,000 − 29,200 = 10,800; the 0 % LTCG band reaches 94,050 (2024 MFJ):
    # the whole $30,000 long-term gain of STK fits, so it is realized (and bought back at
    # the new basis) at no tax.
    assert y24.lt_gains_usd == pytest.approx(30_000.0, abs=0.01)
    assert y24.tax_usd == pytest.approx(0.0, abs=0.005)
    stk = [lot for lot in res.runs[0].audit.open_lots if lot.symbol in ("STK", "SUB")]
    assert sum(lot.basis_usd for lot in stk) == pytest.approx(60_000.0, abs=0.01)


def test_reinvested_dividends_taxed() -> None:
    # STK yields 4 % a year, paid quarterly out of a flat total-return price and reinvested;
    # half qualified. Each payment: shares × price × 1 % with the price 100 / 1.01^k and the
    # shares 600 × 1.01^(k−1): 600 / 1.01 = $594.0594 every time; 2024 has three (Apr 1,
    # Jul 1, Oct 1): $1,782.18, of which $891.09 qualified.
    lots = [{"account": "taxable", "symbol": "STK", "quantity": 600, "cost_basis_usd": 60000,
             "acquired": "2024-01-02"},
            {"account": "taxable", "symbol": "BND", "quantity": 400, "cost_basis_usd": 40000,
             "acquired": "2024-01-02"}]
    data = _household(100_000, 0.05, lots, keep=False)
    data["simulation"].update(end="2024-12-31", dividends={
        "yield": {"STK": 0.04}, "qualified": 0.5, "reinvest": True})
    spec = simulation_from_dict(data)
    px = sim_prices(spec, _market(None))
    res = simulate(spec, px, SimSettings(every="month"), ("planner",), n_bootstrap=0)
    run = res.runs[0]
    (y24,) = run.years
    per = 600 / 1.01
    assert run.dividends_usd.sum() == pytest.approx(3 * per, abs=1e-6)
    assert y24.qualified_dividends_usd == pytest.approx(1.5 * per, abs=1e-6)
    assert y24.ordinary_dividends_usd == pytest.approx(1.5 * per, abs=1e-6)
    # Reinvested at the ex-dividend price, the value stays $101,000 every day.
    np.testing.assert_allclose(run.values, 101_000.0, rtol=1e-12)
    # Tax: the ordinary half at 12 % (taxable income 70,800 + 891 < 94,300); the qualified
    # half at 0 % (taxable income with it, 72,582, is below the 0 % top 94,050); 5 % state
    # on both; no NIIT (MAGI far below 250,000): 0.12 × 891.09 + 0.05 × 1,782.18 = 196.04.
    assert y24.tax_usd == pytest.approx(0.12 * 1.5 * per + 0.05 * 3 * per, abs=0.005)
    held = sum(t.quantity for t in run.trades if t.symbol == "STK" and t.reinvested)
    assert 600 + held == pytest.approx(600 * 1.01**3, rel=1e-12)


def test_december_gains_wait_for_january() -> None:
    # Stocks jump 30 % on 2024-12-02 (the December decision day): 78,000 / 119,000 = 65.5 %
    # > 63 %, a breach that only a long-term gain sale in the taxable account can fix. The
    # same income next year taxes the gain no less, so the December plan is tax-free and the
    # sale happens on the first January decision day instead.
    lots = [{"account": "taxable", "symbol": "STK", "quantity": 600, "cost_basis_usd": 30000,
             "acquired": "2020-03-02"},
            {"account": "taxable", "symbol": "BND", "quantity": 400, "cost_basis_usd": 40000,
             "acquired": "2020-03-02"}]
    data = _household(100_000, 0.05, lots, keep=True)
    data["household"]["realize_zero_bracket_gains"] = False
    data["simulation"]["end"] = "2025-02-28"
    spec = simulation_from_dict(data)
    market = _market(None)
    jump = market.dates >= np.datetime64("2024-12-02")
    prices = market.prices.copy()
    prices[jump, 0] *= 1.3
    market = MarketData(dates=market.dates, assets=market.assets, prices=prices,
                        source="made-up")
    res = simulate(spec, sim_prices(spec, market), SimSettings(every="month"), ("planner",),
                   n_bootstrap=0)
    run = res.runs[0]
    y24, y25 = run.years
    assert run.deferred == 1 and "deferred to January" in run.notes[0]
    assert y24.lt_gains_usd == 0.0
    assert y25.lt_gains_usd > 0
    sells = sorted({t.date for t in run.trades if t.side.value == "sell"})
    assert sells and sells[0] == date(2025, 1, 1)  # the made-up calendar has no holidays
