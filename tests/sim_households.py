"""Shared simulation test households (small, fractional shares, default data) and the
reference's inputs built from a household dict and market data."""

from __future__ import annotations

import datetime as dt

import numpy as np
import yaml

SMALL = """
as_of: 2025-06-30
household:
  name: Small two-account household
  filing_status: mfj
  tax_year: 2025
  ordinary_income_usd: 120000
  state_rate: 0.05
  harvest: {enabled: true, min_loss_usd: 500, min_loss_frac: 0.05}
  realize_zero_bracket_gains: true
  wash_sale: {avoid: true}
accounts:
  - {id: taxable, type: taxable, cash_usd: 2000, min_cash_usd: 1000, whole_shares: false}
  - {id: ira, type: traditional, cash_usd: 0, whole_shares: false}
securities:
  - {symbol: VTI, price_usd: 100, asset_class: stocks, substitutes: [ITOT], cost_bps: 2}
  - {symbol: ITOT, price_usd: 50, asset_class: stocks, substitutes: [VTI], cost_bps: 2}
  - {symbol: BND, price_usd: 80, asset_class: bonds, substitutes: [AGG], cost_bps: 1}
  - {symbol: AGG, price_usd: 100, asset_class: bonds, substitutes: [BND], cost_bps: 1}
  - {symbol: FXAIX, price_usd: 150, asset_class: stocks}
  - {symbol: FXNAX, price_usd: 10, asset_class: bonds}
targets:
  classes:
    stocks: {weight: 0.6, tier: core}
    bonds: {weight: 0.4, tier: core}
lots:
  - {account: taxable, symbol: VTI, quantity: 1500, cost_basis_usd: 100000, acquired: 2020-01-02}
  - {account: taxable, symbol: BND, quantity: 700, cost_basis_usd: 50000, acquired: 2020-01-02}
  - {account: ira, symbol: FXAIX, quantity: 400}
  - {account: ira, symbol: FXNAX, quantity: 4000}
simulation:
  prices: {VTI: US_MKT, ITOT: US_MKT, BND: UST_INT, AGG: UST_INT, FXAIX: US_MKT, FXNAX: UST_INT}
  start: 2001-01-02
  end: 2004-12-31
  income_growth: 0.025
  inflation: 0.025
  tax_payment: 04-15
"""


def small_dict() -> dict:
    return yaml.safe_load(SMALL)


def reference_inputs(data: dict, market, start: dt.date, end: dt.date):  # type: ignore[no-untyped-def]
    days = market.dates.astype("datetime64[D]")
    lo = int(np.searchsorted(days, np.datetime64(start)))
    hi = int(np.searchsorted(days, np.datetime64(end), side="right"))
    dates = [dt.date.fromisoformat(str(d)) for d in days[lo:hi]]
    col = {a: i for i, a in enumerate(market.assets)}
    prices = {}
    for s in data["securities"]:
        series = market.prices[lo:hi, col[data["simulation"]["prices"][s["symbol"]]]]
        prices[s["symbol"]] = list(s["price_usd"] * series / series[0])
    h = {
        "accounts": {a["id"]: {"taxable": a["type"] == "taxable", "cash": a["cash_usd"],
                               "min_cash": a.get("min_cash_usd", 0.0)}
                     for a in data["accounts"]},
        "securities": {s["symbol"]: {"class": s["asset_class"], "cost": s["cost_bps"] / 1e4
                                     if "cost_bps" in s else 0.0}
                       for s in data["securities"]},
        "targets": {c: (v["weight"], 0.03) for c, v in data["targets"]["classes"].items()},
        "positions": [(x["account"], x["symbol"], x["quantity"]) for x in data["lots"]],
    }
    return h, dates, prices
