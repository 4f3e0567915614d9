"""Market data: the :class:`MarketData` container, loaders and validation."""

from rebal.data.loaders import attach_aux, load_prices, load_series
from rebal.data.market import MarketData

__all__ = ["MarketData", "attach_aux", "load_prices", "load_series"]
