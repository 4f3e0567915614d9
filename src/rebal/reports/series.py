"""The numbers behind the charts, computed from backtest results (no plotting here).

Every function takes a :class:`~rebal.backtest.results.BacktestResult` (or an object
shaped like one) and returns plain numpy arrays, so the figures in
:mod:`rebal.reports.charts` only draw and the numbers can be tested on their own.

Conventions (the same as :mod:`rebal.metrics`): row 0 of a result is the
purchase day and not a return; returns are time-weighted (cash flows excluded);
fractions, not percent; dollars end in ``_usd``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from rebal.errors import ConfigError
from rebal.metrics import drawdown_series, turnover_by_day
from rebal.types import DateArray, FloatArray, IntArray

__all__ = [
    "MAX_CHART_ROWS",
    "AdvancedSeries",
    "RollingStats",
    "YearlyTax",
    "YearlyTrading",
    "advanced_series",
    "chart_rows",
    "covers",
    "drawdown_path",
    "growth_path",
    "min_by_bucket",
    "policy_bands",
    "pre_rebalance_weights",
    "rolling_stats",
    "rolling_window",
    "window_returns",
    "yearly_tax",
    "yearly_trading",
]

MAX_CHART_ROWS = 3000
"""Daily series longer than this are drawn at weekly points (the HTML stays small)."""

# 1970-01-05 (day 4 of the epoch) was a Monday: ISO weeks are counted from it.
_MONDAY_OFFSET = 4


def _dates(result: Any) -> DateArray:
    return np.asarray(result.dates, dtype="datetime64[D]")


def _is_rebalance(reasons: Any) -> np.ndarray:
    text = np.char.lower(np.asarray(reasons).astype(str))
    return np.asarray(text == "rebalance", dtype=bool)


# ---------------------------------------------------------------- paths


def growth_path(result: Any) -> FloatArray:
    """Growth of the initial investment, time-weighted (cash flows excluded).

    ``initial_usd × Π_{s ≤ t} (1 + r_s)`` with ``r_0 = 0``: equal to
    ``result.values`` when there are no cash flows.

    Returns
    -------
    FloatArray
        ``(n_days,)`` dollars.
    """
    returns = np.asarray(result.returns, dtype=np.float64)
    return np.asarray(float(result.initial_usd) * np.cumprod(1.0 + returns), dtype=np.float64)


def drawdown_path(result: Any) -> FloatArray:
    """Underwater curve of the time-weighted wealth: ``(n_days,)`` fractions ≤ 0, row 0 = 0."""
    returns = np.asarray(result.returns, dtype=np.float64)
    return np.asarray(drawdown_series(returns[1:]), dtype=np.float64)


def rolling_window(result: Any) -> int:
    """Rows in one year of the result's data (252 daily, 12 monthly)."""
    return max(round(float(result.periods_per_year)), 2)


@dataclass(frozen=True, slots=True)
class RollingStats:
    """Trailing statistics over ``window`` rows, NaN until a full window exists.

    Attributes
    ----------
    window
        Rows per window (one year of data).
    total_return
        ``(n_days,)`` compounded return over the window ending at each row
        (fraction; the window's ``window`` returns, i.e. ``W_t / W_{t−window} − 1``).
    volatility
        ``(n_days,)`` sample std (``ddof=1``) of those returns × √periods_per_year
        (fraction per year, as :func:`rebal.metrics.annual_volatility`).
    """

    window: int
    total_return: FloatArray
    volatility: FloatArray


def rolling_stats(result: Any, window: int | None = None) -> RollingStats:
    """Trailing one-year return and volatility of a result.

    Parameters
    ----------
    result
        A backtest result.
    window
        Rows per window; default :func:`rolling_window` (one year).
    """
    w = rolling_window(result) if window is None else int(window)
    if w < 2:
        raise ConfigError(f"rolling window must be >= 2 rows, got {window!r}")
    returns = np.asarray(result.returns, dtype=np.float64)
    n = returns.shape[0]
    total = np.full(n, np.nan)
    vol = np.full(n, np.nan)
    if n - 1 >= w:
        r = returns[1:]
        windows = sliding_window_view(r, w)  # windows[k] = r[k : k + w], ends at row k + w
        total[w:] = np.prod(1.0 + windows, axis=1) - 1.0
        vol[w:] = windows.std(axis=1, ddof=1) * np.sqrt(float(result.periods_per_year))
    return RollingStats(window=w, total_return=total, volatility=vol)


# ---------------------------------------------------------------- downsampling


def chart_rows(dates: Any, max_rows: int = MAX_CHART_ROWS) -> IntArray:
    """Rows to draw: all of them, or the last row of each ISO week when there are too many.

    Parameters
    ----------
    dates
        ``(n_days,)`` dates.
    max_rows
        Above this many rows, keep row 0 and the last row of each week
        (Monday–Sunday); the final row is always kept.

    Returns
    -------
    IntArray
        Increasing row indices.
    """
    d = np.asarray(dates, dtype="datetime64[D]")
    n = d.shape[0]
    if n <= max_rows:
        return np.arange(n, dtype=np.int64)
    week = (d.astype(np.int64) - _MONDAY_OFFSET) // 7
    last_of_week = np.r_[week[1:] != week[:-1], True]
    last_of_week[0] = True
    return np.flatnonzero(last_of_week).astype(np.int64)


def min_by_bucket(series: Any, rows: IntArray) -> FloatArray:
    """The minimum of ``series`` over each bucket that ends at one of ``rows``.

    Used for drawdowns: a weekly point shows the week's deepest value, so the
    chart never hides a trough the table reports.

    Parameters
    ----------
    series
        ``(n_days,)`` or ``(n_days, k)`` values.
    rows
        Increasing bucket-end rows from :func:`chart_rows` (bucket ``i`` covers
        ``rows[i-1] + 1 … rows[i]``; the first covers ``0 … rows[0]``).
    """
    s = np.asarray(series, dtype=np.float64)
    starts = np.r_[0, np.asarray(rows[:-1]) + 1].astype(np.int64)
    return np.asarray(np.minimum.reduceat(s[: int(rows[-1]) + 1], starts, axis=0))


# ---------------------------------------------------------------- rebalances


def pre_rebalance_weights(result: Any, days: Any) -> FloatArray:
    """Weights just before each rebalance's trades (after growth and any cash flow).

    Holdings after a close's trades are the holdings before plus the signed
    trades (costs come out of the traded dollars), so the holdings before a
    rebalance are ``holdings_usd[t] − Σ rebalance trades at t``.

    Parameters
    ----------
    result
        A backtest result with ``holdings_usd`` and ``trades``.
    days
        Rows of rebalances.

    Returns
    -------
    FloatArray
        ``(len(days), n_assets)`` weights (fractions).
    """
    days = np.asarray(days, dtype=np.int64)
    holdings = np.asarray(result.holdings_usd, dtype=np.float64)
    trades = result.trades
    mask = _is_rebalance(trades.reason)
    traded = np.zeros_like(holdings)
    np.add.at(
        traded,
        (np.asarray(trades.day)[mask], np.asarray(trades.asset)[mask]),
        np.asarray(trades.value_usd, dtype=np.float64)[mask],
    )
    before = holdings[days] - traded[days]
    total = before.sum(axis=1, keepdims=True)
    return np.asarray(before / np.where(total > 0, total, np.nan))


def policy_bands(result: Any, policy: Any) -> FloatArray | None:
    """Band half-widths in force on every row, from the policy that produced ``result``.

    Compiles ``policy`` on ``result.market`` (restricted to ``result.assets``)
    and broadcasts its bands to ``(n_days, n_assets)``. ``None`` for a policy
    without bands (calendar: negative widths; buy-and-hold: no check days).
    """
    market = result.market
    if tuple(market.assets) != tuple(result.assets):
        market = market.select(result.assets)
    compiled = policy.compile(market, np.asarray(result.target, dtype=np.float64))
    band = np.asarray(compiled.band, dtype=np.float64)
    never_checks = not np.asarray(compiled.check).any()  # buy-and-hold, cash-flow only
    if never_checks or band.size == 0 or (band < 0).all():
        return None
    band = np.where(band < 0, np.nan, band)
    return np.broadcast_to(band, (len(result.dates), band.shape[1])).copy()


@dataclass(frozen=True, slots=True)
class AdvancedSeries:
    """State series an advanced trigger logged (each ``(n_days,)`` or ``None``).

    Attributes
    ----------
    score
        Multi-factor score on each look day (NaN elsewhere).
    regime
        The policy's state value per row (VIX level, regime index, correlation …).
    regime_label
        What ``regime`` is.
    """

    score: FloatArray | None
    regime: FloatArray | None
    regime_label: str

    @property
    def empty(self) -> bool:
        return self.score is None and self.regime is None


def _optional_series(result: Any, name: str, n_days: int) -> FloatArray | None:
    raw = getattr(result, name, None)
    if raw is None:
        return None
    arr = np.asarray(raw, dtype=np.float64)
    if arr.shape != (n_days,) or not np.isfinite(arr).any():
        return None
    return arr


def advanced_series(result: Any) -> AdvancedSeries:
    """The score and regime series of a result, where its policy logged them."""
    n = len(result.dates)
    label = getattr(result, "regime_label", None) or "regime"
    return AdvancedSeries(
        score=_optional_series(result, "score", n),
        regime=_optional_series(result, "regime", n),
        regime_label=str(label),
    )


# ---------------------------------------------------------------- per year


@dataclass(frozen=True, slots=True)
class YearlyTrading:
    """Turnover and costs per calendar year.

    Attributes
    ----------
    years
        ``(n_years,)`` calendar years covered by rows 0 … n_days−1.
    turnover
        ``(n_years,)`` one-sided turnover of rebalance trades in the year
        (fraction of the portfolio, the per-day turnover of
        :func:`rebal.metrics.turnover_by_day` summed over the year's rows; the
        years' sum ÷ the span's years is ``Metrics.annual_turnover``).
    costs_usd
        ``(n_years,)`` dollars paid on every trade in the year.
    """

    years: IntArray
    turnover: FloatArray
    costs_usd: FloatArray


def yearly_trading(result: Any) -> YearlyTrading:
    """Turnover and costs of a result per calendar year (see :class:`YearlyTrading`)."""
    dates = _dates(result)
    n = dates.shape[0]
    returns = np.asarray(result.returns, dtype=np.float64)
    values = np.asarray(result.values, dtype=np.float64)
    trades = result.trades
    day = np.asarray(trades.day, dtype=np.int64)
    cost = np.asarray(trades.cost_usd, dtype=np.float64)
    value_usd = np.asarray(trades.value_usd, dtype=np.float64)
    costs_by_day = np.bincount(day, weights=cost, minlength=n)
    # Value before the close's trades, exactly as compute_metrics defines it.
    value_before = np.empty(n)
    value_before[0] = values[0] + costs_by_day[0]
    value_before[1:] = values[:-1] * (1.0 + returns[1:]) + costs_by_day[1:]
    reb = _is_rebalance(trades.reason)
    per_day = turnover_by_day(day[reb], value_usd[reb], value_before)
    year_of_row = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    years = np.unique(year_of_row)
    idx = np.searchsorted(years, year_of_row)
    return YearlyTrading(
        years=years.astype(np.int64),
        turnover=np.bincount(idx, weights=per_day, minlength=years.size).astype(np.float64),
        costs_usd=np.bincount(idx, weights=costs_by_day, minlength=years.size).astype(np.float64),
    )


# ---------------------------------------------------------------- sub-periods


def covers(dates: Any, start: Any, end: Any) -> bool:
    """Whether the data covers the window ``[start, end]`` in full (see
    :func:`rebal.metrics.window_return`: a close before ``start`` and no
    weekday after the last date up to ``end``)."""
    d = np.asarray(dates, dtype="datetime64[D]")
    lo = np.datetime64(start, "D")
    hi = np.datetime64(end, "D")
    if not d[0] < lo:
        return False
    if hi > d[-1] and np.busday_count(d[-1] + np.timedelta64(1, "D"), hi + np.timedelta64(1, "D")):
        return False
    return int(np.searchsorted(d, hi, side="right")) - int(np.searchsorted(d, lo, side="left")) > 0


def window_returns(results: Any, start: Any, end: Any) -> FloatArray:
    """Each result's compounded return over ``[start, end]`` (``(n_results,)`` fractions).

    Delegates to :func:`rebal.metrics.window_return` (raises ``DataError`` when
    the data does not cover the window).
    """
    from rebal.metrics import window_return

    returns = np.column_stack([np.asarray(r.returns, dtype=np.float64)[1:] for r in results])
    return np.atleast_1d(np.asarray(window_return(returns, results[0].dates, start, end)))


@dataclass(frozen=True, slots=True)
class YearlyTax:
    """Taxes paid and losses harvested by calendar year (dollars).

    ``taxes_paid_usd[k]`` is the tax paid from the portfolio at closes of
    ``years[k]`` (negative: a saving received; a year's bill is paid the next
    January, so it shows in the year it left the portfolio);
    ``harvested_usd[k]`` the losses recognized by harvest sales made in that year
    (a positive number of dollars).
    """

    years: np.ndarray
    taxes_paid_usd: np.ndarray
    harvested_usd: np.ndarray


def yearly_tax(tax_result: Any) -> YearlyTax:
    """Per calendar year of a :class:`~rebal.backtest.taxable.results.TaxableBacktestResult`:
    the tax paid (its ``taxes_paid_usd`` summed by the year of the row) and the losses
    harvested (its harvest log's ``loss_usd`` by the year of the sale, as a positive sum)."""
    dates = np.asarray(tax_result.dates, dtype="datetime64[D]")
    year_of_row = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    years = np.unique(year_of_row)
    idx = np.searchsorted(years, year_of_row)
    paid = np.bincount(idx, weights=np.asarray(tax_result.taxes_paid_usd, dtype=np.float64),
                       minlength=years.size)
    h = tax_result.harvests
    h_idx = idx[np.asarray(h.day, dtype=np.int64)]
    harvested = np.bincount(h_idx, weights=np.abs(np.asarray(h.loss_usd, dtype=np.float64)),
                            minlength=years.size)
    return YearlyTax(years=years.astype(np.int64), taxes_paid_usd=paid.astype(np.float64),
                     harvested_usd=harvested.astype(np.float64))
