"""Fixtures for the household tests: a tiny valid household and file writers."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "households"

_TINY: dict[str, Any] = {
    "as_of": "2025-06-30",
    "household": {"name": "tiny", "filing_status": "single", "state_rate": 0.05},
    "accounts": [
        {"id": "tx", "type": "taxable", "cash_usd": 1000, "min_cash_usd": 500},
        {"id": "ira", "type": "traditional"},
    ],
    "securities": [
        {"symbol": "A", "price_usd": 100, "asset_class": "stocks", "substitutes": ["A2"]},
        {"symbol": "A2", "price_usd": 40, "asset_class": "stocks"},
        {"symbol": "BAL", "price_usd": 50, "look_through": {"stocks": 0.6, "bonds": 0.4}},
        {"symbol": "B", "price_usd": 20, "asset_class": "bonds"},
    ],
    "targets": {
        "classes": {"stocks": 0.5, "bonds": {"weight": 0.5, "band_rel": 0.25}},
    },
    "lots": [
        # one year to the day before as_of: still short-term on as_of
        {"account": "tx", "symbol": "A", "quantity": 10, "cost_basis_usd": 800,
         "acquired": "2024-06-30"},
        # one year and a day: long-term on as_of
        {"account": "tx", "symbol": "BAL", "quantity": 20, "cost_basis_usd": 1200,
         "acquired": "2024-06-29"},
        {"account": "ira", "symbol": "B", "quantity": 50},
    ],
}


@pytest.fixture
def tiny() -> dict[str, Any]:
    """A fresh copy of the tiny household's file content (safe to mutate)."""
    return copy.deepcopy(_TINY)


@pytest.fixture
def write(tmp_path: Path):
    """Write household data to ``tmp_path/name`` (YAML or JSON by suffix) and return the path."""

    def _write(data: Any, name: str = "h.yaml") -> Path:
        path = tmp_path / name
        if name.endswith(".json"):
            path.write_text(json.dumps(data), encoding="utf-8")
        elif isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    return _write
