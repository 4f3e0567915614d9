"""The :class:`Metrics` of a backtest and :func:`compute_metrics`, which fills them in.

``compute_metrics`` reads a backtest result by duck typing, so it works with
``rebal.backtest.results.BacktestResult`` and with any object shaped like it (tests use
``types.SimpleNamespace``). The attributes it reads:

``dates``
    ``(n_days,)`` dates (``datetime64[D]`` or anything numpy converts), row 0 is
    the purchase day.
``returns``
    ``(n_days,)`` time-weighted simple returns (fractions); ``returns[0]`` must
    be 0 (the purchase day is not a return). ``returns[d]`` includes day ``d``'s
    trading costs and excludes its external cash flow, which is taken to happen
    at the close: ``returns[d] = (values[d] − flow[d]) / values[d−1] − 1``.
``values``
    ``(n_days,)`` portfolio value in dollars after each close's trades and costs.
``weights``
    ``(n_days, n_assets)`` weights (fractions) after each close's trades. Not read
    when the result gives ``weights_share_path``: ``(share_days, shares, prices)``
    with row ``t``'s weights ``shares[k] * prices[t] / values[t]`` (``k`` the last
    ``share_days`` entry ``<= t``; ``share_days`` increasing from 0), or ``None``.
``target``
    ``(n_assets,)`` target weights (fractions).
``rebalance_days``
    Integer rows of the rebalances, **excluding** the initial purchase (row 0).
``trades``
    Either an object whose attributes ``day``, ``value_usd``, ``cost_usd`` and
    ``reason`` are equal-length 1-D arrays (struct of arrays, or a DataFrame
    with those columns), or an iterable of records with those attributes.
    ``day`` is the integer row, ``value_usd`` the signed dollars traded (buy >
    0), ``cost_usd`` the dollars paid (≥ 0), ``reason`` a string or enum; a
    trade is a *rebalance* trade when its reason's ``value`` (or ``name``),
    lower-cased, is ``"rebalance"``. Every other reason (the initial purchase,
    cash flows, …) is not. Rebalance trades must fall on ``rebalance_days``.
    A struct of arrays may also give ``is_rebalance``, a boolean array saying the
    same per trade; it is then used instead of ``reason`` (no text is formatted
    or compared: ``rebal.backtest``'s trade table reads it from its reason codes).
``periods_per_year``
    Rows per year (252 daily, 12 monthly).
``risk_free``
    ``(n_days,)`` risk-free simple return per row (fractions, row 0 = 0), or
    ``None``; optional attribute. Without it Sharpe and Sortino use 0 and
    ``Metrics.risk_free_source`` says so.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from enum import Enum, StrEnum
from typing import Any

import numpy as np

from rebal.errors import ConfigError, DataError
from rebal.metrics import performance as perf
from rebal.metrics import relative as rel
from rebal.metrics import trading
from rebal.metrics._checks import as_ppy, as_returns, as_risk_free
from rebal.metrics.drawdown import Drawdown
from rebal.types import BoolArray, FloatArray, IntArray


class RiskFreeSource(StrEnum):
    """Where the risk-free rate of Sharpe and Sortino came from."""

    DATA = "data"  # the data's T-bill series
    ZERO = "zero"  # the data has none: 0 was used


@dataclass(frozen=True, slots=True)
class Metrics:
    """Every metric of one backtest. Fractions are fractions (``0.05`` = 5 %), never percent.

    Attributes
    ----------
    start_date, end_date
        First row (purchase day) and last row of the backtest.
    n_days
        Rows of the backtest, the purchase day included.
    n_returns
        Period returns: ``n_days − 1`` (row 0 is not a return).
    years
        ``n_returns / periods_per_year``; every annualisation uses it.
    periods_per_year
        Rows per year (252 daily, 12 monthly).
    initial_value_usd, final_value_usd
        Portfolio value after the first and last closes' trades (dollars).
    total_return
        Compounded time-weighted return over the span (fraction).
    cagr
        ``(1 + total_return) ** (1 / years) − 1`` (fraction per year).
    annual_volatility
        Sample std (``ddof=1``) of period returns × sqrt(periods_per_year) (fraction per year).
    max_drawdown
        Deepest peak-to-trough fall of the time-weighted wealth (negative fraction; 0 if none).
    max_drawdown_peak_date, max_drawdown_trough_date, max_drawdown_recovery_date
        Dates of its peak, trough and recovery (back at the peak's level); ``None``
        when there is no drawdown, or (recovery) when it has not recovered.
    sharpe
        Annualised Sharpe ratio of returns in excess of ``risk_free_source`` (``nan`` if undefined).
    sortino
        Annualised Sortino ratio, downside deviation below the risk-free rate over all periods.
    calmar
        ``cagr / |max_drawdown|`` (``nan`` without drawdown).
    risk_free_source
        ``DATA`` (the result's T-bill series) or ``ZERO`` (none available; 0 used).
    n_rebalances
        Rebalances after the initial purchase.
    annual_turnover
        One-sided turnover of rebalance trades per year (fraction of the portfolio per year).
    costs_total_usd
        Dollars paid in costs on every trade, the initial purchase included.
    costs_rebalance_usd
        Dollars paid on rebalance trades only.
    cost_drag_annual
        Costs paid after the purchase day (rebalances and cash flows — those the
        returns include) ÷ mean value of rows 1… ÷ years (fraction per year).
    allocation_precision
        Mean absolute deviation of the weights from target over rows 1 … n_days−1
        (fraction; lower is more precise).
    rebalancing_alpha
        ``cagr − cagr`` of the benchmark (fraction per year); ``None`` without a benchmark.
    sharpe_difference
        ``sharpe − sharpe`` of the benchmark; ``None`` without a benchmark.
    drawdown_reduction
        ``|max_drawdown| of the benchmark − |max_drawdown|`` (fraction; > 0 = shallower);
        ``None`` without a benchmark.
    alpha_per_turnover
        ``rebalancing_alpha / annual_turnover`` (``nan`` when turnover is 0);
        ``None`` without a benchmark.
    """

    start_date: _dt.date
    end_date: _dt.date
    n_days: int
    n_returns: int
    years: float
    periods_per_year: float
    initial_value_usd: float
    final_value_usd: float
    total_return: float
    cagr: float
    annual_volatility: float
    max_drawdown: float
    max_drawdown_peak_date: _dt.date | None
    max_drawdown_trough_date: _dt.date | None
    max_drawdown_recovery_date: _dt.date | None
    sharpe: float
    sortino: float
    calmar: float
    risk_free_source: RiskFreeSource
    n_rebalances: int
    annual_turnover: float
    costs_total_usd: float
    costs_rebalance_usd: float
    cost_drag_annual: float
    allocation_precision: float
    rebalancing_alpha: float | None = None
    sharpe_difference: float | None = None
    drawdown_reduction: float | None = None
    alpha_per_turnover: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: dates as ISO strings, enums as their values, ``nan`` as ``None``."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, _dt.date):
                value = value.isoformat()
            elif isinstance(value, Enum):
                value = value.value
            elif isinstance(value, float) and not math.isfinite(value):
                value = None
            out[f.name] = value
        return out


# ---------------------------------------------------------------- reading a result


def _attr(obj: Any, name: str, owner: str = "result") -> Any:
    try:
        return getattr(obj, name)
    except AttributeError:
        raise ConfigError(f"{owner} has no attribute {name!r}; compute_metrics needs it") from None


@dataclass(frozen=True, slots=True)
class _Trades:
    day: IntArray
    value_usd: FloatArray
    cost_usd: FloatArray
    is_rebalance: BoolArray


def _is_rebalance_reason(reason: Any) -> bool:
    value = getattr(reason, "value", reason)
    if isinstance(value, str):
        return value.strip().lower() == "rebalance"
    name = getattr(reason, "name", None)
    if isinstance(name, str):
        return name.lower() == "rebalance"
    raise ConfigError(
        f"trade reason {reason!r} must be a string or an enum; "
        "'rebalance' marks a rebalancing trade"
    )


def _read_trades(trades: Any, *, check: bool = True) -> _Trades:
    """The trade table's columns; ``check=False`` leaves the finite and non-negative
    checks of values and costs to the caller."""
    names = ("day", "value_usd", "cost_usd", "reason")
    given: Any = None
    if trades is None:
        cols: list[Any] = [[], [], [], []]
    elif hasattr(trades, "day") and np.ndim(trades.day) == 1:
        given = getattr(trades, "is_rebalance", None)
        if given is not None:  # the flags stand in for the reasons (not formatted)
            names = ("day", "value_usd", "cost_usd", "is_rebalance")
        cols = [np.asarray(_attr(trades, n, "result.trades")) for n in names[:3]]
        cols.append(np.asarray(given if given is not None
                               else _attr(trades, names[3], "result.trades")))
    else:
        records = list(trades) if isinstance(trades, Iterable) else None
        if records is None:
            raise ConfigError("result.trades must be a struct of arrays or an iterable of trades")
        cols = [[_attr(t, n, f"result.trades[{i}]") for i, t in enumerate(records)] for n in names]
    lengths = {len(c) for c in cols}
    if len(lengths) != 1:
        raise ConfigError(f"result.trades fields {names} have different lengths")
    day = np.asarray(cols[0])
    if day.size and not np.issubdtype(day.dtype, np.integer):
        raise ConfigError(f"result.trades.day must be integer rows, got dtype {day.dtype}")
    try:
        value = np.asarray(cols[1], dtype=np.float64)
        cost = np.asarray(cols[2], dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"result.trades value_usd and cost_usd must be numbers: {exc}") from None
    if check:
        _check_trade_numbers(value, cost)
    if given is not None:
        flags = cols[3]
        if flags.dtype != np.bool_ or flags.shape != day.shape:
            raise ConfigError(
                f"result.trades.is_rebalance must be booleans of shape {day.shape}, "
                f"got {flags.dtype} {flags.shape}"
            )
    else:
        flags = _rebalance_flags(cols[3])
    return _Trades(day=day.astype(np.int64, copy=False), value_usd=value, cost_usd=cost,
                   is_rebalance=flags)


def _check_trade_numbers(value: FloatArray, cost: FloatArray) -> None:
    for name, arr in (("value_usd", value), ("cost_usd", cost)):
        bad = ~np.isfinite(arr)
        if bad.any():
            raise DataError(f"result.trades.{name}[{int(np.flatnonzero(bad)[0])}] is not finite")
    if (cost < 0).any():
        i = int(np.flatnonzero(cost < 0)[0])
        raise DataError(f"result.trades.cost_usd[{i}] = {cost[i]} is negative")


def _check_trades(trades: _Trades, rebalance_days: IntArray, dates: Any) -> None:
    """Raise the error of a bad trade table (numbers, rows, rebalance trades off the
    rebalance days)."""
    _check_trade_numbers(trades.value_usd, trades.cost_usd)
    n_days = dates.shape[0]
    if trades.day.size and (trades.day.min() < 0 or trades.day.max() > n_days - 1):
        raise DataError(f"result.trades.day must lie in [0, {n_days - 1}]")
    # rows that are rebalance days, as a mask (set membership without sorting)
    is_rebalance_day = np.zeros(n_days, dtype=bool)
    is_rebalance_day[rebalance_days] = True
    reb_trade_days = trades.day[trades.is_rebalance]
    stray = reb_trade_days[~is_rebalance_day[reb_trade_days]]
    if stray.size:
        first = int(stray.min())
        raise DataError(
            f"rebalance trades on row {first} ({dates[first]}), "
            "which is not in result.rebalance_days"
        )


def _check_turnover_and_costs(trades: _Trades, values: FloatArray, r: FloatArray,
                              years: float) -> None:
    """Raise the error of :func:`trading.annual_turnover` or
    :func:`trading.annual_cost_fraction` on these trades."""
    n_days = values.shape[0]
    costs_by_day = np.bincount(trades.day, weights=trades.cost_usd, minlength=n_days)
    # Value at the close before that close's trades: yesterday's value grown by
    # today's return, with today's costs added back (the return includes them).
    value_before = np.empty(n_days)
    value_before[0] = values[0] + costs_by_day[0]
    value_before[1:] = values[:-1] * (1.0 + r) + costs_by_day[1:]
    reb = trades.is_rebalance
    trading.annual_turnover(trades.day[reb], trades.value_usd[reb], value_before, years)
    trading.annual_cost_fraction(float(trades.cost_usd[trades.day >= 1].sum()), values[1:],
                                 years)


def _rebalance_flags(reasons: Any) -> BoolArray:
    """True for each reason that marks a rebalance trade, without a Python call per trade."""
    arr = reasons if isinstance(reasons, np.ndarray) else np.asarray(list(reasons), dtype=object)
    arr = arr.ravel()
    if arr.size == 0:
        return np.zeros(0, dtype=bool)
    if arr.dtype.kind in "biuf":
        raise ConfigError(
            f"trade reasons must be strings or enums, got dtype {arr.dtype}; "
            "'rebalance' marks a rebalancing trade"
        )
    if arr.dtype.kind in "UST":
        text = arr.astype(str)
        flags = np.asarray(text == "rebalance", dtype=bool)
        rest = ~flags  # only texts not already exactly "rebalance" are stripped, lowered
        if rest.any():
            flags[rest] = np.char.lower(np.char.strip(text[rest])) == "rebalance"
        return flags
    # Object array (enum members, str): classify each distinct object once. Identity
    # is a safe key: equal objects that are not identical are merely classified twice.
    items = arr.tolist()
    ids = np.fromiter(map(id, items), dtype=np.uintp, count=len(items))
    _, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    kinds = np.array([_is_rebalance_reason(items[i]) for i in first], dtype=bool)
    return kinds[inverse.ravel()]


_EMPTY = np.zeros(0)
_EMPTY.setflags(write=False)
_EMPTY_INTS = np.zeros(0, dtype=np.int64)
_EMPTY_INTS.setflags(write=False)
_EMPTY_2D = np.zeros((0, 0))
_EMPTY_2D.setflags(write=False)


def _share_path(path: Any, n_days: int,
                target: FloatArray) -> tuple[IntArray, FloatArray, FloatArray] | None:
    """``result.weights_share_path`` as the metrics pass reads it (int64 rows, float64
    shares and prices), or ``None`` (read ``result.weights``) when the result has none or
    it does not fit: ``share_days`` ``(k,)`` increasing from row 0, ``shares`` ``(k,
    n_assets)``, ``prices`` ``(n_days, n_assets)``, ``n_assets`` the target's length."""
    if path is None or target.ndim != 1:
        return None
    share_days, shares, prices = (np.asarray(a) for a in path)
    k = share_days.shape[0] if share_days.ndim == 1 else -1
    n_assets = target.shape[0]
    if (k < 1 or share_days.dtype.kind not in "iu" or share_days[0] != 0
            or shares.shape != (k, n_assets) or prices.shape != (n_days, n_assets)
            or (k > 1 and not bool((share_days[1:] > share_days[:-1]).all()))
            or share_days[-1] >= n_days):
        return None
    return (share_days.astype(np.int64, copy=False), shares.astype(np.float64, copy=False),
            prices.astype(np.float64, copy=False))


def _kernel_array(a: np.ndarray) -> np.ndarray:
    """``a`` contiguous and read-only (a view unless strided): one compiled signature of
    the metrics pass whatever the caller's arrays (an engine result's are read-only)."""
    a = np.ascontiguousarray(a)
    if a.flags.writeable:
        a = a.view()
        a.flags.writeable = False
    return a


def _returns(returns: Any) -> FloatArray:
    """``result.returns`` as a one-dimensional float64 array (:func:`as_returns` raises
    the error of anything else; its value checks are compute_metrics' compiled pass)."""
    try:
        arr = np.asarray(returns, dtype=np.float64)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.ndim != 1 or arr.shape[0] == 0:
        return as_returns(returns, name="result.returns", allow_2d=False)
    return arr


_EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()


def _to_date(d: np.datetime64) -> _dt.date:
    """A day (``datetime64[D]``, not NaT) as a ``datetime.date``."""
    return _dt.date.fromordinal(int(d.astype("datetime64[D]").astype(np.int64)) + _EPOCH_ORDINAL)


# ---------------------------------------------------------------- public


def compute_metrics(result: Any, benchmark: Any = None) -> Metrics:
    """Every metric of a backtest result, optionally relative to a benchmark.

    Parameters
    ----------
    result
        A ``BacktestResult`` or any object with the attributes listed in the
        module docstring.
    benchmark
        ``None``, or the baseline (normally buy-and-hold on the same data) as a
        result-like object or its :class:`Metrics`. It must cover the same dates.

    Returns
    -------
    Metrics
        Conventions: row 0 (the purchase day) is not a return; ``years =
        (n_days − 1) / periods_per_year``; risk-free from ``result.risk_free``
        when present, else 0 (``risk_free_source``).

    Raises
    ------
    ConfigError
        A missing attribute or mis-shaped array.
    DataError
        Non-finite values, ``returns[0] != 0``, fewer than 2 rows, rebalance
        trades off the rebalance days, or a benchmark on other dates.
    """
    try:
        dates = np.asarray(_attr(result, "dates"), dtype="datetime64[D]")
    except (TypeError, ValueError) as exc:
        raise DataError(f"result.dates must be dates: {exc}") from None
    n_days = int(dates.shape[0]) if dates.ndim == 1 else -1
    if n_days < 2:
        raise DataError(
            f"a backtest needs at least 2 rows (a purchase day and one return), got {dates.shape}"
        )
    from rebal.metrics import kernels  # numba: imported when first needed

    # Values are checked in one compiled pass below (kernels.metrics_pass), which reports
    # the first bad input in this function's order of checks; shapes are checked here.
    returns_all = _returns(_attr(result, "returns"))
    if returns_all.shape != (n_days,):
        raise ConfigError(
            f"result.returns must have shape ({n_days},) like dates, got {returns_all.shape}"
        )
    if not (math.isfinite(returns_all[0]) and returns_all[0] >= -1.0):
        as_returns(returns_all, name="result.returns", allow_2d=False)  # raises
    if returns_all[0] != 0.0:
        raise DataError(
            f"result.returns[0] = {returns_all[0]!r} must be 0: "
            "row 0 is the purchase day, not a return"
        )
    ppy = as_ppy(_attr(result, "periods_per_year"), name="result.periods_per_year")
    rf_all = getattr(result, "risk_free", None)
    r = returns_all[1:]
    rf: FloatArray | None = None
    if rf_all is not None:
        rf_arr = np.asarray(rf_all, dtype=np.float64)
        if rf_arr.shape != (n_days,):
            raise ConfigError(f"result.risk_free must have shape ({n_days},), got {rf_arr.shape}")
        rf = rf_arr[1:]
    source = RiskFreeSource.ZERO if rf is None else RiskFreeSource.DATA

    values = np.asarray(_attr(result, "values"), dtype=np.float64)
    if values.shape != (n_days,):
        raise ConfigError(f"result.values must have shape ({n_days},), got {values.shape}")
    target = np.asarray(_attr(result, "target"), dtype=np.float64)
    path = _share_path(getattr(result, "weights_share_path", None), n_days, target)
    if path is None:
        weights = np.asarray(_attr(result, "weights"), dtype=np.float64)
        if weights.ndim != 2 or weights.shape[0] != n_days:
            raise ConfigError(
                f"result.weights must have shape ({n_days}, n_assets), got {weights.shape}"
            )
        share_days, shares, prices = _EMPTY_INTS, _EMPTY_2D, _EMPTY_2D
    else:
        share_days, shares, prices = path
        weights = _EMPTY_2D

    rebalance_days = np.asarray(_attr(result, "rebalance_days"))
    if rebalance_days.size and not np.issubdtype(rebalance_days.dtype, np.integer):
        raise ConfigError(
            f"result.rebalance_days must be integer rows, got dtype {rebalance_days.dtype}"
        )
    rebalance_days = rebalance_days.astype(np.int64).ravel()
    if rebalance_days.size and (rebalance_days.min() < 1 or rebalance_days.max() > n_days - 1):
        raise DataError(
            f"result.rebalance_days must lie in [1, {n_days - 1}] "
            "(the purchase day is not a rebalance), "
            f"got {rebalance_days.min()} … {rebalance_days.max()}"
        )
    trades = _read_trades(_attr(result, "trades"), check=False)
    # the trading figures, the return statistics (definitions: perf.*,
    # drawdown.max_drawdown, trading.*) and the allocation precision in one compiled
    # call; on bad input the checked functions raise their errors, in this order
    with_weights = path is not None or (target.ndim == 1 and weights.shape[1] == target.shape[0])
    out = np.empty(kernels.N_PASS_OUT)
    c = _kernel_array  # one compiled signature
    status = kernels.metrics_pass(
        c(dates).view(np.int64), c(returns_all), _EMPTY if rf is None else c(rf),
        perf.ZERO_STD_RTOL, c(values), c(trades.day), c(trades.value_usd),
        c(trades.cost_usd), c(trades.is_rebalance), c(rebalance_days), c(weights), c(target),
        with_weights, c(share_days), c(shares), c(prices), out)
    if status == kernels.PASS_BAD_DATES:
        raise DataError("result.dates must be strictly increasing dates")
    if status == kernels.PASS_BAD_RETURNS:
        as_returns(returns_all, name="result.returns", allow_2d=False)  # raises
    if status == kernels.PASS_BAD_VALUES:
        raise DataError("result.values must be finite and >= 0")
    if status == kernels.PASS_BAD_TRADES:
        _check_trades(trades, rebalance_days, dates)

    years = r.shape[0] / ppy
    # perf.cagr's arithmetic exactly (numpy's pairwise sum): calmar is its definition
    with np.errstate(divide="ignore"):
        growth_cagr = float(np.expm1(np.sum(np.log1p(r)) / years))
    if status == kernels.PASS_BAD_RISK_FREE:
        as_risk_free(rf, r.shape[0])  # the returns were checked: the risk-free rate is bad
    st = out
    ts = out[kernels.T0:kernels.MAD]
    depth = float(st[kernels.DEPTH])
    drawdown = Drawdown(depth=0.0, peak=None, trough=None, recovery=None) if depth == 0.0 \
        else Drawdown(depth=depth, peak=int(st[kernels.PEAK]), trough=int(st[kernels.TROUGH]),
                      recovery=None if st[kernels.RECOVERY] < 0 else int(st[kernels.RECOVERY]))
    root_ppy = math.sqrt(ppy)
    down = float(st[kernels.DOWN_RMS])

    def date_or_none(i: int | None) -> _dt.date | None:
        return None if i is None else _to_date(dates[i])

    if status == kernels.PASS_BAD_TURNOVER_OR_COSTS:  # the checked functions raise it
        _check_turnover_and_costs(trades, values, r, years)
    if status == kernels.PASS_BAD_WEIGHTS or not with_weights:
        weights = np.asarray(_attr(result, "weights"), dtype=np.float64)
        trading.allocation_precision(weights[1:], target)  # raises the error

    start_date, end_date = _to_date(dates[0]), _to_date(dates[-1])
    base: Metrics | None = None
    if benchmark is not None:
        base = benchmark if isinstance(benchmark, Metrics) else compute_metrics(benchmark)
        if (base.start_date, base.end_date, base.n_days) != (start_date, end_date, n_days):
            raise DataError(
                f"the benchmark covers {base.start_date} … {base.end_date} ({base.n_days} "
                f"rows), the result {start_date} … {end_date} ({n_days} rows): they must match"
            )
    fields_: dict[str, Any] = dict(
        start_date=start_date,
        end_date=end_date,
        n_days=n_days,
        n_returns=n_days - 1,
        years=years,
        periods_per_year=ppy,
        initial_value_usd=float(values[0]),
        final_value_usd=float(values[-1]),
        total_return=float(st[kernels.TOTAL]),
        cagr=growth_cagr,
        annual_volatility=float(st[kernels.STD]) * root_ppy,
        max_drawdown=drawdown.depth,
        max_drawdown_peak_date=date_or_none(drawdown.peak),
        max_drawdown_trough_date=date_or_none(drawdown.trough),
        max_drawdown_recovery_date=date_or_none(drawdown.recovery),
        sharpe=float(st[kernels.MEAN_E] / st[kernels.SD_E] * root_ppy),
        sortino=float(st[kernels.MEAN_E] / down * root_ppy) if down != 0.0 else math.nan,
        # perf.calmar's definition, CAGR / |max drawdown| (nan without a drawdown), from
        # the two figures above rather than a second pass over the returns
        calmar=growth_cagr / abs(drawdown.depth) if drawdown.depth != 0.0 else math.nan,
        risk_free_source=source,
        n_rebalances=int(ts[kernels.N_REBALANCES]),  # distinct rows
        # trading.annual_turnover: one-sided turnover of the rebalance trades per year
        annual_turnover=float(ts[kernels.TURNOVER_SUM]) / years,
        costs_total_usd=float(ts[kernels.COSTS_TOTAL]),
        costs_rebalance_usd=float(ts[kernels.COSTS_REBALANCE]),
        # trading.annual_cost_fraction of the costs after the purchase day
        cost_drag_annual=float(ts[kernels.COSTS_AFTER_DAY0]) / float(ts[kernels.MEAN_VALUE])
        / years,
        allocation_precision=float(out[kernels.MAD]),
    )
    if base is not None:
        fields_.update(_relative(fields_["cagr"], fields_["sharpe"], fields_["max_drawdown"],
                                 fields_["annual_turnover"], base))
    return Metrics(**fields_)  # one construction (dataclasses.replace is a second)


def _relative(cagr: float, sharpe: float, max_drawdown: float, annual_turnover: float,
              baseline: Metrics) -> dict[str, float]:
    """The relative fields of :class:`Metrics` against ``baseline``, by name."""
    alpha = rel.rebalancing_alpha(cagr, baseline.cagr)
    return {
        "rebalancing_alpha": alpha,
        "sharpe_difference": rel.sharpe_difference(sharpe, baseline.sharpe),
        "drawdown_reduction": rel.drawdown_reduction(max_drawdown, baseline.max_drawdown),
        "alpha_per_turnover": rel.alpha_per_turnover(alpha, annual_turnover),
    }


def with_benchmark(metrics: Metrics, baseline: Metrics) -> Metrics:
    """``metrics`` with its relative fields filled in against ``baseline``."""
    return replace(metrics, **_relative(metrics.cagr, metrics.sharpe, metrics.max_drawdown,
                                        metrics.annual_turnover, baseline))
