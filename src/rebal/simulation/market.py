"""Prices of a simulation: each security follows a price column, scaled to its file price.

Security ``s`` following column ``c`` costs ``price_usd(s) × c[t] / c[start]`` on day ``t``:
the file's ``price_usd`` is the price on the first simulated day (whole shares then mean
the same thing as in the file).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from rebal.data.market import MarketData
from rebal.errors import DataError, InputError
from rebal.simulation.spec import SimulationSpec

__all__ = ["SimPrices", "load_sim_prices", "sim_prices"]


@dataclass(frozen=True, slots=True, eq=False)
class SimPrices:
    """Daily prices of the household's securities over the simulated span.

    Attributes
    ----------
    dates
        Trading days, ascending.
    symbols
        The securities, in the household's order.
    prices
        ``(n_days, n_securities)`` dollars per share (ex-dividend when dividends are paid).
    dividends
        ``(n_days, n_securities)`` cash dividend per share paid that day, dollars (0 on
        most days): ``yield / 4`` × the day's (ex-dividend) price on the first trading day
        of each quarter after the first day, so price + dividend keeps the total return.
    source
        Where the columns came from.
    """

    dates: tuple[date, ...]
    symbols: tuple[str, ...]
    prices: np.ndarray
    dividends: np.ndarray
    source: str = ""


def _column_names(spec: str) -> list[str] | None:
    """Column names of a wide CSV/Parquet file (``None`` when it cannot be read cheaply)."""
    import pandas as pd

    try:
        if spec.lower().endswith(".parquet"):
            import pyarrow.parquet as pq

            return list(pq.read_schema(spec).names)
        return list(pd.read_csv(spec, nrows=0).columns)
    except Exception:  # the loader reports unreadable files itself
        return None


def load_sim_prices(spec: SimulationSpec, prices: str, *, start: date | None = None,
                    end: date | None = None) -> SimPrices:
    """Load ``prices`` (``default``, a dataset name or a file) for ``spec``'s securities.

    Raises
    ------
    InputError
        A security's column is not in the data, or starts after the start date (naming
        the simulation file and ``simulation.prices.<symbol>``).
    """
    from rebal.data.loaders import load_prices
    from rebal.datasets import names, resolve_prices

    columns = list(dict.fromkeys(spec.price_columns.values()))
    is_dataset = prices.strip().lower() == "default" or prices.strip().lower() in names()
    if is_dataset:
        data = resolve_prices(prices)
        available = list(data.assets)
    else:
        available = _column_names(prices) or []
    for sym, col in spec.price_columns.items():
        if available and col not in available:
            raise InputError(
                f"price column {col!r} is not in {prices} (columns: "
                f"{', '.join(c for c in available if c.lower() != 'date')})",
                file=spec.source, field=f"simulation.prices.{sym}")
    if not is_dataset:
        data = load_prices(prices, assets=columns)
        want = np.datetime64(start or spec.start or spec.household.as_of, "D")
        if data.dates[0].astype("datetime64[D]") > want:  # name the column that starts late
            for sym, col in spec.price_columns.items():
                first = load_prices(prices, assets=[col]).dates[0].astype("datetime64[D]")
                if first > want:
                    raise InputError(
                        f"price column {col!r} starts on {first}, after the start date "
                        f"{want}", file=spec.source, field=f"simulation.prices.{sym}")
    return sim_prices(spec, data, start=start, end=end, label=prices)


def sim_prices(spec: SimulationSpec, data: MarketData, *, start: date | None = None,
               end: date | None = None, label: str = "") -> SimPrices:
    """Cut ``data`` to the span and scale each security's column to its file price."""
    start = start or spec.start or spec.household.as_of
    end = end or spec.end
    days = data.dates.astype("datetime64[D]")
    lo = np.datetime64(start, "D")
    first = int(np.searchsorted(days, lo))
    if first >= len(days):
        raise DataError(f"the prices ({label or data.source}) end on {days[-1]}, before the "
                        f"start {start}")
    hi = len(days) if end is None else int(np.searchsorted(days, np.datetime64(end, "D"),
                                                           side="right"))
    if hi - first < 2:
        raise DataError(f"fewer than two trading days between {start} and {end}")
    col_index = {a: i for i, a in enumerate(data.assets)}
    symbols = tuple(s.symbol for s in spec.household.securities)
    out = np.empty((hi - first, len(symbols)))
    for j, s in enumerate(spec.household.securities):
        col = spec.price_columns[s.symbol]
        series = data.prices[first:hi, col_index[col]]
        if days[0] > lo or not np.isfinite(series[0]) or series[0] <= 0:
            raise InputError(
                f"price column {col!r} starts on {days[0]}, after the start date {start}",
                file=spec.source, field=f"simulation.prices.{s.symbol}")
        out[:, j] = s.price_usd * series / series[0]
    dates = tuple(date.fromisoformat(str(d)) for d in days[first:hi])
    divs = np.zeros_like(out)
    if spec.dividend_yield:
        pay = [i for i in range(1, len(dates))
               if (dates[i].year, (dates[i].month - 1) // 3)
               != (dates[i - 1].year, (dates[i - 1].month - 1) // 3)]
        for j, sym in enumerate(symbols):
            q = spec.dividend_yield.get(sym, 0.0) / 4.0
            if q > 0:
                paid = np.zeros(len(dates))
                paid[pay] = 1.0
                out[:, j] /= (1.0 + q) ** np.cumsum(paid)  # total return / reinvested payouts
                divs[pay, j] = out[pay, j] * q
    return SimPrices(dates=dates, symbols=symbols, prices=out, dividends=divs,
                     source=label or data.source)
