"""Trading metrics: turnover, costs, allocation precision.

These take plain arrays; :func:`rebal.metrics.compute_metrics` selects which
trades count (rebalance trades only for turnover) and which rows to average.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rebal.errors import ConfigError, DataError
from rebal.types import FloatArray


def _finite_1d(x: Any, name: str) -> FloatArray:
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be numbers: {exc}") from None
    if arr.ndim != 1:
        raise ConfigError(f"{name} must be one-dimensional, got shape {arr.shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise DataError(f"{name}[{int(np.flatnonzero(bad)[0])}] is not finite")
    return arr


def _years(years: float) -> float:
    y = float(years)
    if not np.isfinite(y) or y <= 0:
        raise ConfigError(f"years must be > 0, got {years!r}")
    return y


def turnover_by_day(
    trade_days: Any,
    trade_values_usd: Any,
    value_before_usd: Any,
) -> FloatArray:
    """One-sided turnover of each day: ``sum(|trade value|) / 2 / value before trading``.

    Half the gross traded value is the value moved from overweight to
    underweight assets (in a costless rebalance buys equal sells), so a full
    switch from one asset to another is 1.0.

    Parameters
    ----------
    trade_days
        ``(n_trades,)`` integer row of each trade.
    trade_values_usd
        ``(n_trades,)`` signed dollars traded (buys > 0, sells < 0).
    value_before_usd
        ``(n_days,)`` portfolio value at each close before that close's trades
        (dollars, > 0 on every day that has a trade).

    Returns
    -------
    FloatArray
        ``(n_days,)`` fractions of the portfolio; 0 on days without trades.
    """
    values = _finite_1d(value_before_usd, "value_before_usd")
    traded = np.abs(_finite_1d(trade_values_usd, "trade_values_usd"))
    days = np.asarray(trade_days)
    if days.shape != traded.shape:
        raise ConfigError(f"trade_days has shape {days.shape}, trade_values_usd {traded.shape}")
    if days.size and not np.issubdtype(days.dtype, np.integer):
        raise ConfigError(f"trade_days must be integer rows, got dtype {days.dtype}")
    if days.size and (days.min() < 0 or days.max() >= values.shape[0]):
        raise DataError(
            f"trade_days must lie in [0, {values.shape[0] - 1}], got {days.min()} … {days.max()}"
        )
    gross = np.bincount(days.astype(np.int64), weights=traded, minlength=values.shape[0])
    traded_days = gross > 0
    if (values[traded_days] <= 0).any():
        i = int(np.flatnonzero(traded_days & (values <= 0))[0])
        raise DataError(f"value_before_usd[{i}] = {values[i]} must be > 0 on a day with trades")
    out = np.zeros_like(values)
    out[traded_days] = gross[traded_days] / 2.0 / values[traded_days]
    return out


def annual_turnover(
    trade_days: Any,
    trade_values_usd: Any,
    value_before_usd: Any,
    years: float,
) -> float:
    """Annual one-sided turnover: the sum of :func:`turnover_by_day` divided by years.

    Fraction of the portfolio per year (``0.25`` = a quarter of the portfolio
    moved each year). Parameters as :func:`turnover_by_day`; ``years`` > 0.
    """
    per_day = turnover_by_day(trade_days, trade_values_usd, value_before_usd)
    return float(per_day.sum() / _years(years))


def annual_cost_fraction(total_cost_usd: float, values_usd: Any, years: float) -> float:
    """Costs as a fraction of the average portfolio value per year.

    ``total_cost_usd / mean(values_usd) / years``.

    Parameters
    ----------
    total_cost_usd
        Dollars paid over the span (≥ 0).
    values_usd
        ``(n_days,)`` portfolio values (dollars) whose mean is the base.
    years
        Length of the span in years (> 0).
    """
    values = _finite_1d(values_usd, "values_usd")
    if values.size == 0:
        raise DataError("values_usd is empty")
    mean_value = float(values.mean())
    if mean_value <= 0:
        raise DataError(f"the mean portfolio value must be > 0, got {mean_value}")
    return float(total_cost_usd) / mean_value / _years(years)


def allocation_precision(weights: Any, target: Any) -> float:
    """Mean absolute deviation of the weights from the target (allocation precision).

    ``mean over rows t of ( mean over assets j of |w[t, j] - target[j]| )`` —
    a fraction of the portfolio; 0 means always exactly on target, lower is
    more precise.

    Parameters
    ----------
    weights
        ``(n_rows, n_assets)`` weights (fractions) of the rows to average. For a
        backtest :func:`~rebal.metrics.compute_metrics` passes rows ``1 …
        n_days - 1`` (after each close's trades), leaving out the purchase day,
        which is on target by construction.
    target
        ``(n_assets,)`` target weights (fractions).
    """
    try:
        w = np.asarray(weights, dtype=np.float64)
        tgt = np.asarray(target, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"weights and target must be numbers: {exc}") from None
    if w.ndim != 2 or tgt.ndim != 1 or w.shape[1] != tgt.shape[0]:
        raise ConfigError(
            "weights must be (n_rows, n_assets) and target (n_assets,), "
            f"got {w.shape} and {tgt.shape}"
        )
    if w.shape[0] == 0:
        raise DataError("weights has no rows")
    dev = w - tgt
    mad = float(np.mean(np.abs(dev, out=dev)))  # in place: one (n_rows, n_assets) temporary
    if not np.isfinite(mad):  # only then look for the culprit
        for name, arr in (("weights", w), ("target", tgt)):
            bad = ~np.isfinite(arr)
            if bad.any():
                where = ", ".join(str(int(i)) for i in np.argwhere(bad)[0])
                raise DataError(f"{name}[{where}] is not finite")
    return mad
