"""Fixtures for the engine tests: real ETF prices and the plain-Python reference."""

from __future__ import annotations

import pytest

from realdata import ETF_FILE, load_etfs  # noqa: F401


@pytest.fixture(scope="session")
def etf4():
    """SPY/AGG/EFA/VNQ daily, 2007-05-30 … 2025 (about 4,600 rows)."""
    return load_etfs(("SPY", "AGG", "EFA", "VNQ"))


@pytest.fixture(scope="session")
def target4():
    return {"SPY": 0.4, "AGG": 0.3, "EFA": 0.2, "VNQ": 0.1}
