"""The in-memory market data every backtest and monitor reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from rebal.errors import DataError
from rebal.types import DateArray, FloatArray, reduce_frozen

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, slots=True)
class MarketData:
    """Aligned total-return price indices for a set of assets.

    Attributes
    ----------
    dates
        ``(n_days,)`` ``datetime64[D]``, strictly increasing. "Days" are the rows
        of the data: trading days for daily data, month ends for monthly data.
    assets
        ``n_assets`` asset names, unique.
    prices
        ``(n_days, n_assets)`` float64 total-return price index (dividends
        reinvested), all finite and > 0.
    risk_free
        ``(n_days,)`` simple risk-free return earned from the previous row's
        close to this row's close (T-bills), fraction per row; row 0 is 0.
        ``None`` when the data has no risk-free series (metrics then use 0 and
        say so).
    periods_per_year
        Rows per year used to annualise (252 for daily, 12 for monthly).
    aux
        Extra per-row series aligned to ``dates`` (e.g. ``"VIX"`` levels),
        NaN where unknown.
    source
        Where the data came from, for reports.
    notes
        What loading did to the data (e.g. "aligned to the common span …").
    """

    dates: DateArray
    assets: tuple[str, ...]
    prices: FloatArray
    risk_free: FloatArray | None = None
    periods_per_year: float = 252.0
    aux: Mapping[str, FloatArray] = field(default_factory=lambda: MappingProxyType({}))
    source: str = ""
    notes: tuple[str, ...] = ()
    # derived data computed once per market (calendar masks, see
    # ``rebal.policy.schedule.market_period_end_mask``); not part of the value
    _cache: dict[object, object] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return reduce_frozen(self)

    def __post_init__(self) -> None:
        dates = np.asarray(self.dates, dtype="datetime64[D]")
        prices = np.ascontiguousarray(self.prices, dtype=np.float64)
        object.__setattr__(self, "dates", dates)
        object.__setattr__(self, "prices", prices)
        object.__setattr__(self, "assets", tuple(self.assets))
        n_days = dates.shape[0]
        if prices.ndim != 2 or prices.shape != (n_days, len(self.assets)):
            raise DataError(
                f"prices must have shape (n_days, n_assets) = ({n_days}, {len(self.assets)}), "
                f"got {prices.shape}"
            )
        if n_days < 2:
            raise DataError(f"market data needs at least 2 rows, got {n_days}")
        if len(set(self.assets)) != len(self.assets):
            raise DataError(f"duplicate asset names in {self.assets}")
        if np.any(np.diff(dates.astype(np.int64)) <= 0):
            raise DataError("dates must be strictly increasing")
        if not np.all(np.isfinite(prices)) or np.any(prices <= 0):
            raise DataError("prices must be finite and > 0 on every row of the common span")
        if self.risk_free is not None:
            rf = np.ascontiguousarray(self.risk_free, dtype=np.float64)
            if rf.shape != (n_days,):
                raise DataError(f"risk_free must have shape ({n_days},), got {rf.shape}")
            if not np.all(np.isfinite(rf)):
                raise DataError("risk_free must be finite")
            object.__setattr__(self, "risk_free", rf)
        aux = {}
        for name, series in dict(self.aux).items():
            arr = np.ascontiguousarray(series, dtype=np.float64)
            if arr.shape != (n_days,):
                raise DataError(f"aux series {name!r} must have shape ({n_days},), got {arr.shape}")
            aux[name] = arr
        object.__setattr__(self, "aux", MappingProxyType(aux))

    # ------------------------------------------------------------------ views
    @property
    def n_days(self) -> int:
        return int(self.dates.shape[0])

    @property
    def n_assets(self) -> int:
        return len(self.assets)

    def returns(self) -> FloatArray:
        """``(n_days, n_assets)`` simple returns, row t = close t-1 → close t; row 0 is 0."""
        out = np.zeros_like(self.prices)
        out[1:] = self.prices[1:] / self.prices[:-1] - 1.0
        return out

    def risk_free_or_zero(self) -> FloatArray:
        """The risk-free series, or zeros when the data has none."""
        if self.risk_free is None:
            return np.zeros(self.n_days)
        return self.risk_free

    def asset_index(self, name: str) -> int:
        """Column of ``name``; :class:`DataError` naming the known assets if absent."""
        try:
            return self.assets.index(name)
        except ValueError:
            raise DataError(
                f"unknown asset {name!r}; the data has {', '.join(self.assets)}"
            ) from None

    def select(self, assets: Sequence[str]) -> MarketData:
        """The same data restricted to (and ordered as) ``assets``."""
        cols = [self.asset_index(a) for a in assets]
        return MarketData(
            dates=self.dates,
            assets=tuple(assets),
            prices=self.prices[:, cols],
            risk_free=self.risk_free,
            periods_per_year=self.periods_per_year,
            aux=self.aux,
            source=self.source,
            notes=self.notes,
        )

    def between(
        self, start: str | np.datetime64 | None, end: str | np.datetime64 | None
    ) -> MarketData:
        """Rows with ``start <= date <= end`` (either bound optional).

        The first kept row becomes the start: its risk-free return is reset to 0
        because nothing is held before it.
        """
        days = self.dates.astype(np.int64)
        lo, hi = 0, self.n_days
        if start is not None:
            lo = int(np.searchsorted(days, _day_number(start), "left"))
        if end is not None:
            hi = int(np.searchsorted(days, _day_number(end), "right"))
        if hi - lo < 2:
            raise DataError(
                f"the window {start or 'start'} … {end or 'end'} holds {max(hi - lo, 0)} rows; "
                f"the data spans {self.dates[0]} … {self.dates[-1]}"
            )
        rf = None
        if self.risk_free is not None:
            rf = self.risk_free[lo:hi].copy()
            rf[0] = 0.0
        return MarketData(
            dates=self.dates[lo:hi],
            assets=self.assets,
            prices=self.prices[lo:hi],
            risk_free=rf,
            periods_per_year=self.periods_per_year,
            aux={k: v[lo:hi] for k, v in self.aux.items()},
            source=self.source,
            notes=self.notes,
        )

    def to_frame(self) -> pd.DataFrame:
        """Prices as a DataFrame indexed by date, one column per asset."""
        import pandas as pd

        index = pd.DatetimeIndex(self.dates, name="date")
        return pd.DataFrame(self.prices, index=index, columns=list(self.assets))


def _day_number(day: str | np.datetime64) -> int:
    """Days since 1970-01-01 of an ISO date string or a datetime64."""
    if isinstance(day, np.datetime64):
        return int(day.astype("datetime64[D]").astype(np.int64))
    from rebal.data.validate import parse_day

    return int(parse_day(str(day), option="date").astype(np.int64))
