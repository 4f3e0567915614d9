"""Volatility estimators and the volatility-scaled band.

Everything here is causal: the value at row ``t`` uses data rows ``<= t`` only.

Estimators
----------
``realized_vol(returns, window_rows, periods_per_year)``
    Trailing sample standard deviation (``ddof=1``) of the ``window_rows`` most
    recent returns (rows ``t - window_rows + 1 … t``), annualised by
    ``sqrt(periods_per_year)``; a fraction per year (0.16 = 16 %). NaN until the
    window holds ``window_rows`` returns, i.e. for rows ``t < window_rows`` (row 0
    has no return).
``long_run_mean(x, kind, rows)``
    The long-run average the current level is compared with: the mean of the
    defined values of ``x`` over rows ``<= t`` (``EXPANDING``; NaN until
    ``rows`` values are available: the warm-up), or over the last ``rows`` rows
    (``TRAILING``; NaN until the window is full of defined values).

Sources (:class:`VolSource`)
----------------------------
- ``PORTFOLIO``: realized vol of the portfolio held at the target weights every
  row (``r_p = Σ target_i r_i``), i.e. market risk of the policy's own mix, not of
  the drifting holdings (which would make the band depend on past trading).
- ``ASSET``: realized vol of one named asset.
- ``AUX``: an external series in :attr:`MarketData.aux` (e.g. ``"VIX"`` closes,
  in index points); its level is used as is.

Volatility-scaled band
----------------------
``band_t = clip(base × level_t / long_run_t, floor, cap)`` (absolute half-width,
weight fraction, the same for every asset). During the warm-up — while the level
or its long-run average is undefined — the band is ``base`` (no evidence yet that
volatility is unusual).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from rebal.checks import positive, positive_int
from rebal.data.market import MarketData
from rebal.errors import ConfigError, DataError
from rebal.policy.context import Context, compiled_policy
from rebal.policy.kinds import PolicyKind
from rebal.policy.policy import SCOPE_CODE, SIZING_CODE, CompiledPolicy, parse_options
from rebal.policy.schedule import period_end_mask
from rebal.policy.triggers import Rule
from rebal.types import FloatArray, Frequency, ParseEnum, Scope, Sizing

__all__ = [
    "LongRun",
    "VolEstimator",
    "VolScaledBand",
    "VolSeries",
    "VolSource",
    "long_run_mean",
    "realized_vol",
    "vol_scaled",
]


class VolSource(ParseEnum):
    """Where the volatility level comes from."""

    PORTFOLIO = "portfolio"  # realized vol of the target-weight portfolio
    ASSET = "asset"  # realized vol of one asset
    AUX = "aux"  # an external series (VIX-like) in MarketData.aux


class LongRun(ParseEnum):
    """How the long-run average level is formed (both causal)."""

    EXPANDING = "expanding"  # all rows so far, after a warm-up
    TRAILING = "trailing"  # the last ``rows`` rows


def realized_vol(returns: FloatArray, window_rows: int, periods_per_year: float) -> FloatArray:
    """Trailing annualised realized volatility.

    Parameters
    ----------
    returns
        ``(n_days,)`` simple returns (fractions); row 0 (no return) is ignored.
    window_rows
        Returns per window (>= 2).
    periods_per_year
        Rows per year used to annualise (252 daily).

    Returns
    -------
    FloatArray
        ``(n_days,)`` fraction per year; NaN for rows ``t < window_rows``.
    """
    r = np.asarray(returns, dtype=np.float64)
    n = r.shape[0]
    out = np.full(n, np.nan)
    if window_rows < 2:
        raise ConfigError(f"realized vol window must be >= 2 rows, got {window_rows}")
    if n - 1 < window_rows:
        return out
    windows = sliding_window_view(r[1:], window_rows)  # window k ends at row k + window_rows
    out[window_rows:] = windows.std(axis=1, ddof=1) * math.sqrt(periods_per_year)
    return out


def long_run_mean(x: FloatArray, kind: LongRun, rows: int) -> FloatArray:
    """Causal long-run average of a level series (see the module docstring).

    Parameters
    ----------
    x
        ``(n_days,)`` levels, NaN where undefined (only a leading run of NaN).
    kind
        ``EXPANDING`` (mean of every defined value so far, needing ``rows`` of
        them) or ``TRAILING`` (mean of the last ``rows`` rows, all defined).
    rows
        Warm-up length (expanding) or window length (trailing), >= 1.

    Returns
    -------
    FloatArray
        ``(n_days,)`` averages, NaN during the warm-up.
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[0]
    out = np.full(n, np.nan)
    ok = ~np.isnan(x)
    if kind is LongRun.EXPANDING:
        count = np.cumsum(ok)
        total = np.cumsum(np.where(ok, x, 0.0))
        ready = count >= rows
        out[ready] = total[ready] / count[ready]
        return out
    if n < rows:
        return out
    win = sliding_window_view(x, rows)  # window k ends at row k + rows - 1
    out[rows - 1 :] = win.mean(axis=1)  # NaN whenever the window holds a NaN
    return out


def vol_scaled(base: float, ratio: FloatArray, floor: float, cap: float) -> FloatArray:
    """``clip(base × ratio_t, floor, cap)``, and ``base`` where the ratio is NaN (the
    warm-up): the one scaling rule of the volatility-scaled band and of the dynamic hedge
    ratio (:mod:`rebal.currency.hedge`).

    Parameters
    ----------
    base
        The value when volatility is at its long-run average (same unit as the result).
    ratio
        ``(n_days,)`` level / long-run level (:attr:`VolSeries.ratio`).
    floor, cap
        Bounds of the result.
    """
    r = np.asarray(ratio, dtype=np.float64)
    return np.where(np.isnan(r), base, np.clip(base * r, floor, cap))


@dataclass(frozen=True, slots=True)
class VolSeries:
    """A volatility level and its long-run average, row by row.

    Attributes
    ----------
    level
        ``(n_days,)`` annualised realized vol (fraction) or the aux series' level.
    long_run
        ``(n_days,)`` its causal long-run average.
    ratio
        ``(n_days,)`` ``level / long_run``; NaN during the warm-up.
    """

    level: FloatArray
    long_run: FloatArray
    ratio: FloatArray


@dataclass(frozen=True, slots=True, kw_only=True)
class VolEstimator:
    """Which volatility to measure and what "long-run average" means.

    Parameters
    ----------
    source
        :class:`VolSource` (``portfolio``, ``asset`` or ``aux``).
    asset
        The asset for ``source="asset"``.
    aux
        The :attr:`MarketData.aux` key for ``source="aux"`` (default ``"VIX"``).
    window_rows
        Realized-vol window in rows (trading days for daily data); default 21
        (one month). Unused for ``aux``.
    long_run
        :class:`LongRun`; default expanding.
    long_run_rows
        Expanding: rows of defined level needed before the ratio is used (the
        warm-up, default 252 = one year of daily data). Trailing: the window.
    """

    source: VolSource = VolSource.PORTFOLIO
    asset: str | None = None
    aux: str = "VIX"
    window_rows: int = 21
    long_run: LongRun = LongRun.EXPANDING
    long_run_rows: int = 252

    def __post_init__(self) -> None:
        owner = "VolEstimator"
        object.__setattr__(self, "source", VolSource.parse(self.source, field=f"{owner}.source"))
        object.__setattr__(
            self, "long_run", LongRun.parse(self.long_run, field=f"{owner}.long_run")
        )
        object.__setattr__(
            self, "window_rows", positive_int(f"{owner}.window_rows", self.window_rows, minimum=2)
        )
        object.__setattr__(
            self, "long_run_rows", positive_int(f"{owner}.long_run_rows", self.long_run_rows)
        )
        if self.source is VolSource.ASSET and not self.asset:
            raise ConfigError(f"{owner}.asset is required when source is 'asset'")
        if self.source is VolSource.AUX and not self.aux:
            raise ConfigError(f"{owner}.aux must name a series when source is 'aux'")

    @property
    def label(self) -> str:
        if self.source is VolSource.AUX:
            return str(self.aux)
        what = "portfolio" if self.source is VolSource.PORTFOLIO else str(self.asset)
        return f"{what} vol {self.window_rows}d"

    def level(self, market: MarketData, target: FloatArray) -> FloatArray:
        """``(n_days,)`` the volatility level on each row (see :class:`VolSource`)."""
        if self.source is VolSource.AUX:
            return aux_series(market, self.aux, field="VolEstimator.aux")
        if self.window_rows > market.n_days - 1:
            raise ConfigError(
                f"VolEstimator.window_rows must be at most the {market.n_days - 1} returns of "
                f"the data (history included), got {self.window_rows}"
            )
        rets = market.returns()
        if self.source is VolSource.PORTFOLIO:
            series = rets @ np.asarray(target, dtype=np.float64)
        else:
            if self.asset not in market.assets:
                raise ConfigError(
                    f"VolEstimator.asset: unknown asset {self.asset!r}; the data has "
                    f"{', '.join(market.assets)}"
                )
            series = rets[:, market.assets.index(str(self.asset))]
        return realized_vol(series, self.window_rows, market.periods_per_year)

    def series(self, market: MarketData, target: FloatArray) -> VolSeries:
        """The level, its long-run average and their ratio on ``market``'s rows."""
        level = self.level(market, target)
        avg = long_run_mean(level, self.long_run, self.long_run_rows)  # type: ignore[arg-type]
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(avg > 0, level / avg, np.nan)
        return VolSeries(level=level, long_run=avg, ratio=ratio)


def aux_series(market: MarketData, name: str, *, field: str) -> FloatArray:
    """``market.aux[name]``, checked to be defined and positive on every row.

    Raises
    ------
    ConfigError
        The market has no such series.
    DataError
        A row has no value (the series does not cover the span), naming the date.
    """
    if name not in market.aux:
        have = ", ".join(market.aux) or "none"
        raise ConfigError(
            f"{field}: the market data has no aux series {name!r} (attached: {have}); "
            "add it under data.aux in the study"
        )
    values = np.asarray(market.aux[name], dtype=np.float64)
    bad = ~np.isfinite(values) | (values <= 0)
    if bad.any():
        row = int(np.argmax(bad))
        raise DataError(
            f"aux series {name!r} has no positive value on {market.dates[row]} "
            "(it must cover every row of the backtest and its warm-up)"
        )
    return values


@dataclass(frozen=True, slots=True, kw_only=True)
class VolScaledBand:
    """``band_t = clip(base × vol_t / long-run vol_t, floor, cap)``, checked on a calendar.

    Parameters
    ----------
    base
        Band half-width (weight fraction) when volatility is at its long-run
        average, and during the warm-up.
    floor, cap
        Bounds of the band (fractions, ``0 < floor <= base <= cap < 1``).
    vol
        The :class:`VolEstimator`.
    check
        Look calendar (default daily: every close).
    sizing, scope
        As for a band policy.
    """

    base: float = 0.05
    floor: float = 0.02
    cap: float = 0.15
    vol: VolEstimator = field(default_factory=VolEstimator)
    check: Frequency = Frequency.DAILY
    sizing: Sizing = Sizing.TO_TARGET
    scope: Scope = Scope.ALL
    rule: ClassVar[Rule] = Rule.VOL_BAND
    kind: ClassVar[PolicyKind] = PolicyKind.VOL_BAND

    def __post_init__(self) -> None:
        owner = "VolScaledBand"
        base = positive(f"{owner}.base", self.base, below_one=True)
        floor = positive(f"{owner}.floor", self.floor, below_one=True)
        cap = positive(f"{owner}.cap", self.cap, below_one=True)
        if not floor <= base <= cap:
            raise ConfigError(
                f"{owner}: need floor <= base <= cap, got {floor:g}, {base:g}, {cap:g}"
            )
        if not isinstance(self.vol, VolEstimator):
            raise ConfigError(f"{owner}.vol must be a VolEstimator, got {type(self.vol).__name__}")
        object.__setattr__(self, "base", base)
        object.__setattr__(self, "floor", floor)
        object.__setattr__(self, "cap", cap)
        parse_options(self, owner, "check")

    @property
    def label(self) -> str:
        return f"vol-band:base={self.base:g},{self.vol.label}"

    def band_series(self, ctx: Context, target: FloatArray) -> tuple[FloatArray, FloatArray]:
        """``(band, level)``, each ``(n_days,)`` on the backtest rows of ``ctx``."""
        vs = self.vol.series(ctx.market, target)
        band = vol_scaled(self.base, vs.ratio, self.floor, self.cap)
        return ctx.tail(band), ctx.tail(vs.level)

    def compile(self, ctx: Context, target: FloatArray, *, name: str) -> CompiledPolicy:
        band, level = self.band_series(ctx, target)
        return compiled_policy(
            name=name,
            check=period_end_mask(ctx.dates, self.check),  # type: ignore[arg-type]
            band=np.repeat(band[:, None], target.shape[0], axis=1),
            sizing=SIZING_CODE[self.sizing],  # type: ignore[index]
            scope=SCOPE_CODE[self.scope],  # type: ignore[index]
            rule=int(Rule.VOL_BAND),
            regime=level,
            regime_label=self.vol.label,
        )
