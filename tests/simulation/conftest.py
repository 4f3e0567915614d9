"""Shared simulation test households (small, fractional shares, default data)."""

from __future__ import annotations

from pathlib import Path

import pytest
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


@pytest.fixture
def small_file(tmp_path: Path) -> Path:
    path = tmp_path / "small_sim.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return path


def write(tmp_path: Path, data: dict, name: str = "sim.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
