"""Fixtures for the policy tests."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture()
def small_market():
    """Three assets on business days of 2021-2022 with a deterministic random walk."""
    from rebal.data import MarketData

    dates = np.arange(np.datetime64("2021-01-01"), np.datetime64("2023-01-01"))
    dates = dates[np.is_busday(dates)]
    rng = np.random.default_rng(7)
    rets = rng.normal(0.0003, 0.01, size=(dates.shape[0], 3))
    prices = 100.0 * np.cumprod(1.0 + rets, axis=0)
    return MarketData(dates=dates, assets=("A", "B", "C"), prices=prices)
