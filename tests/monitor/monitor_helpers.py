"""Small hand-made households for the monitor's tests (a uniquely named module)."""

from __future__ import annotations

from datetime import date
from typing import Any

from rebal.household import household_from_dict

AS_OF = date(2025, 6, 30)


def household(
    *,
    lots: list[dict[str, Any]],
    as_of: date = AS_OF,
    income: float = 150_000,
    trades: list[dict[str, Any]] | None = None,
    cash: float = 0.0,
    pending: float = 0.0,
) -> Any:
    """Two classes 60/40 (±5 pp), a taxable account and a Roth; VTI↔ITOT, BND↔AGG."""
    return household_from_dict({
        "as_of": as_of,
        "household": {"name": "t", "filing_status": "single", "ordinary_income_usd": income,
                      "harvest": {"min_loss_usd": 1000, "min_loss_frac": 0.05}},
        "accounts": [{"id": "tax", "type": "taxable", "cash_usd": cash, "whole_shares": False},
                     {"id": "roth", "type": "roth", "pending_flow_usd": pending,
                      "whole_shares": False}],
        "securities": [
            {"symbol": "VTI", "price_usd": 100.0, "asset_class": "stocks", "substitutes": ["ITOT"]},
            {"symbol": "ITOT", "price_usd": 50.0, "asset_class": "stocks", "substitutes": ["VTI"]},
            {"symbol": "BND", "price_usd": 10.0, "asset_class": "bonds", "substitutes": ["AGG"]},
            {"symbol": "AGG", "price_usd": 20.0, "asset_class": "bonds", "substitutes": ["BND"]},
        ],
        "targets": {"classes": {"stocks": {"weight": 0.6, "band_abs": 0.05},
                                "bonds": {"weight": 0.4, "band_abs": 0.05}}},
        "lots": lots,
        "recent_trades": trades or [],
    }, source="t.yaml")


def roth(stocks_usd: float, bonds_usd: float) -> list[dict[str, Any]]:
    lots = [{"account": "roth", "symbol": "VTI", "quantity": stocks_usd / 100.0},
            {"account": "roth", "symbol": "BND", "quantity": bonds_usd / 10.0}]
    return [lot for lot in lots if lot["quantity"] > 0]
