"""Fixtures for the engine tests: real ETF prices and the plain-Python reference."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ for reference_sim

ETF_FILE = Path("/work/shared/data/etf_adjclose_daily_1993_2025.csv")


def load_etfs(assets: tuple[str, ...], start: str = "2007-05-30"):
    """Real adjusted closes (total return) of ``assets`` from ``start`` as MarketData."""
    import pandas as pd

    from rebal.data import MarketData

    if not ETF_FILE.exists():
        pytest.skip(f"real data not available at {ETF_FILE}")
    df = pd.read_csv(ETF_FILE, parse_dates=["Date"])
    df = df[df["Date"] >= pd.Timestamp(start)][["Date", *assets]].dropna()
    return MarketData(
        dates=df["Date"].to_numpy().astype("datetime64[D]"),
        assets=assets,
        prices=df[list(assets)].to_numpy(dtype=np.float64),
        source=str(ETF_FILE),
    )


@pytest.fixture(scope="session")
def etf4():
    """SPY/AGG/EFA/VNQ daily, 2007-05-30 … 2025 (about 4,600 rows)."""
    return load_etfs(("SPY", "AGG", "EFA", "VNQ"))


@pytest.fixture(scope="session")
def target4():
    return {"SPY": 0.4, "AGG": 0.3, "EFA": 0.2, "VNQ": 0.1}
