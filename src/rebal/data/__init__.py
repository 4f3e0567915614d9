"""Market data: the :class:`MarketData` container, loaders and validation."""

from rebal.data.market import MarketData

__all__ = ["MarketData"]
