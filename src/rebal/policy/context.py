"""What a state-dependent policy compiles against: the backtest rows plus their history.

A volatility or correlation estimate at the first backtest row needs data from
before it. :class:`Context` holds one market whose first ``start`` rows are
history (warm-up) and whose remaining rows are the backtest; estimators run on
the whole of it (causally: row ``t`` sees rows ``<= t`` only) and
:meth:`Context.tail` keeps the backtest rows. Calendars are computed on the
backtest dates alone, exactly as for the plain calendar policies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from rebal.data.market import MarketData
from rebal.errors import ConfigError
from rebal.policy.policy import CompiledPolicy
from rebal.types import DateArray, FloatArray

__all__ = ["Context", "build_context", "compiled_policy"]


@dataclass(frozen=True, slots=True)
class Context:
    """A market of ``start`` history rows followed by the backtest rows.

    Attributes
    ----------
    market
        History + backtest rows (same assets, contiguous dates).
    start
        Index of the backtest's row 0 inside ``market``.
    """

    market: MarketData
    start: int

    @property
    def dates(self) -> DateArray:
        """``(n_days,)`` the backtest dates."""
        return self.market.dates[self.start :]

    @property
    def n_days(self) -> int:
        return self.market.n_days - self.start

    def tail(self, a: np.ndarray) -> np.ndarray:
        """The backtest rows of a per-row array computed on :attr:`market`."""
        return np.ascontiguousarray(a[self.start :])


def build_context(market: MarketData, history: MarketData | None) -> Context:
    """Prepend the rows of ``history`` dated before ``market``'s first row.

    Parameters
    ----------
    market
        The backtest rows.
    history
        Market data covering earlier rows (its later rows are ignored), with at
        least ``market``'s assets and aux series; ``None`` = no history.

    Raises
    ------
    ConfigError
        ``history`` lacks an asset or an aux series of ``market``.
    """
    if history is None:
        return Context(market=market, start=0)
    k = int(np.searchsorted(history.dates, market.dates[0], side="left"))
    if k == 0:
        return Context(market=market, start=0)
    missing = [a for a in market.assets if a not in history.assets]
    if missing:
        raise ConfigError(f"policy history lacks the assets {', '.join(missing)}")
    cols = [history.assets.index(a) for a in market.assets]
    aux: dict[str, FloatArray] = {}
    for key, series in market.aux.items():
        if key not in history.aux:
            raise ConfigError(f"policy history lacks the aux series {key!r}")
        aux[key] = np.concatenate([history.aux[key][:k], series])
    prices = np.concatenate([history.prices[:k, cols], market.prices])
    # the history's price level may differ from the backtest's (an index rebased
    # to 1); scale it so the returns across the junction are the file's own
    if k < history.n_days and history.dates[k] == market.dates[0]:
        prices[:k] /= history.prices[k, cols] / market.prices[0]
    joined = MarketData(
        dates=np.concatenate([history.dates[:k], market.dates]),
        assets=market.assets,
        prices=prices,
        periods_per_year=market.periods_per_year,
        aux=aux,
        source=market.source,
    )
    return Context(market=joined, start=k)


def compiled_policy(**fields: Any) -> CompiledPolicy:
    """A :class:`CompiledPolicy` (v2 fields as keywords; see ``docs/policies.md``)."""
    return CompiledPolicy(**fields)
