"""Where the real market data for tests lives: ``../shared/data`` beside the repository
(read there, never copied into the project), and a loader for the ETF file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
ETF_FILE = SHARED_DATA / "etf_adjclose_daily_1993_2025.csv"
VIX_FILE = SHARED_DATA / "vix_daily_cboe_1990_2026.csv"


def load_etfs(assets: tuple[str, ...], start: str = "2007-05-30"):  # type: ignore[no-untyped-def]
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
