"""Compiled passes of :func:`rebal.metrics.compute_metrics` (numba).

The definitions are the plain functions of :mod:`rebal.metrics.performance`,
:mod:`rebal.metrics.drawdown` and :mod:`rebal.metrics.trading`; these kernels compute the
same quantities in a few passes over a backtest's returns, trades and weights, instead of
a few dozen numpy calls (each re-validating its input). Sums run in another order than
numpy's pairwise sums, so results agree with the definitions to rounding
(tests/metrics/test_metrics_kernels.py checks it); the drawdown path is the same sequential
product and running maximum as ``numpy.cumprod`` / ``numpy.maximum.accumulate``, so it is
bit for bit.

One cached entry, :func:`metrics_pass` (the others are compiled into it): one numba
cache load per process. Imported only by ``compute_metrics``, lazily (importing
:mod:`rebal.metrics` does not import numba).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from rebal.types import FloatArray

#: ``out`` slots of :func:`return_stats`.
TOTAL, STD, MEAN_E, SD_E, DOWN_RMS, DEPTH, PEAK, TROUGH, RECOVERY, SUM_VALUES = range(10)
N_OUT = 10


@njit(nogil=True)
def return_stats(r: FloatArray, rf: FloatArray, std_rtol: float, values: FloatArray,
                 out: FloatArray) -> bool:  # pragma: no cover - compiled
    """Statistics of period returns ``r`` (fractions, checked by :func:`all_finite_at_least`) and
    excess returns ``r - rf`` (``rf`` empty: zero), into ``out`` (slots above). False,
    with ``out`` unset but ``SUM_VALUES``, when a risk-free rate is not finite (the caller
    then raises the checked functions' error).

    Without ``rf`` the excess returns are the returns themselves, so their sums are the
    same additions in the same order: summed once (the same floats, one chain fewer).

    - ``TOTAL``: ``prod(1 + r) - 1``, the last point of the wealth path minus 1.
    - ``STD``: sample standard deviation (ddof 1) of ``r`` (corrected two-pass: Chan,
      Golub & LeVeque 1983); nan with fewer than 2.
    - ``MEAN_E``, ``SD_E``: mean and sample standard deviation of ``e = r - rf``; ``SD_E``
      nan when at most ``std_rtol`` × ``max |e|`` (rounding noise of a constant series).
    - ``DOWN_RMS``: ``sqrt(mean(min(e, 0)²))`` scaled by ``max |min(e, 0)|`` against
      underflow (0 when no period is below).
    - ``DEPTH``, ``PEAK``, ``TROUGH``, ``RECOVERY``: the maximum drawdown of the wealth
      path ``W[0] = 1, W[i] = W[i-1](1 + r[i-1])``, ``dd = W / max(W[0..i]) - 1``: depth
      (first minimum), last row at its running maximum at or before the trough, first
      row back at it after (-1: none); indices into the ``n + 1`` points.
    - ``SUM_VALUES``: ``values[1] + … + values[n]`` left to right (``values`` ``(n + 1,)``
      dollars; summed here, beside the returns' sums, for :func:`trade_stats`' mean value:
      a chain of additions that overlaps the others instead of a pass of its own).
    """
    n = r.shape[0]
    has_rf = rf.shape[0] > 0
    # pass 1: sums and largest magnitudes
    s = 0.0
    se = 0.0
    sv = 0.0
    big_e = 0.0
    big_down = 0.0
    rf_ok = True
    for i in range(n):
        x = r[i]
        sv += values[i + 1]
        s += x
        if has_rf:
            e = x - rf[i]
            rf_ok &= math.isfinite(rf[i])
            se += e
        else:
            e = x
        big_e = max(big_e, abs(e))
        big_down = max(big_down, -e)
    out[SUM_VALUES] = sv
    if not rf_ok:
        return False
    mean = s / n
    mean_e = se / n if has_rf else mean
    # pass 2: squared deviations, downside squares, the wealth path
    inv = 1.0 if big_down <= 0.0 else big_down  # min(e, 0) / big_down: no 0 / 0
    ss = 0.0
    sse = 0.0
    cs = 0.0  # sums of the deviations: the corrected two-pass variance (the float error
    cse = 0.0  # of the mean taken out; a constant series gives exactly 0)
    acc = 0.0
    w = 1.0
    peak_w = 1.0
    depth = 0.0
    last_top = 0
    peak = 0
    trough = 0
    recovery = -1
    for i in range(n):
        x = r[i]
        d = x - mean
        ss += d * d
        cs += d
        if has_rf:
            e = x - rf[i]
            de = e - mean_e
            sse += de * de
            cse += de
        else:
            e = x
        q = min(e, 0.0) / inv
        acc += q * q
        w = w * (1.0 + x)
        if w > peak_w:
            peak_w = w
        dd = w / peak_w - 1.0
        if dd == 0.0:
            last_top = i + 1
            if recovery < 0 and trough > 0:
                recovery = i + 1
        elif dd < depth:
            depth = dd
            trough = i + 1
            peak = last_top
            recovery = -1
    down = 0.0
    if big_down > 0.0:
        down = big_down * math.sqrt(acc / n)
    out[TOTAL] = w - 1.0
    if not has_rf:  # e = r: the same sums
        sse = ss
        cse = cs
    ss = max(ss - cs * cs / n, 0.0)
    sse = max(sse - cse * cse / n, 0.0)
    out[STD] = math.sqrt(ss / (n - 1)) if n >= 2 else np.nan
    out[MEAN_E] = mean_e
    sd_e = math.sqrt(sse / (n - 1)) if n >= 2 else np.nan
    out[SD_E] = np.nan if n < 2 or sd_e <= std_rtol * big_e else sd_e
    out[DOWN_RMS] = down
    out[DEPTH] = depth
    out[PEAK] = peak
    out[TROUGH] = trough
    out[RECOVERY] = recovery
    return True


@njit(nogil=True)
def mean_abs_deviation(weights: FloatArray, target: FloatArray,
                       first_row: int) -> float:  # pragma: no cover - compiled
    """``mean |weights[t, j] - target[j]|`` over rows ``first_row …`` and every asset
    (fractions); nan when a cell is not finite."""
    n, k = weights.shape
    col = np.zeros(k)  # one running sum per asset: independent sums, so the loop vectorises
    for t in range(first_row, n):
        for j in range(k):
            col[j] += abs(weights[t, j] - target[j])
    acc = 0.0
    for j in range(k):
        acc += col[j]
    return acc / ((n - first_row) * k)


@njit(nogil=True, error_model="numpy")
def mean_abs_deviation_shares(share_days: np.ndarray, shares: FloatArray, prices: FloatArray,
                              values: FloatArray, target: FloatArray,
                              first_row: int) -> float:  # pragma: no cover - compiled
    """:func:`mean_abs_deviation` of the weights a share path defines, without forming
    them: row ``t``'s weights are ``shares[k] * prices[t] / values[t]`` where ``k`` is
    the last ``share_days`` entry ``<= t`` (``BacktestResult.weights``: ``holdings_usd /
    values``, ``holdings_usd = shares[rows] * prices``). The same operations on the same
    operands in the same order as on the formed weights, so the same float: no
    ``(n_days, n_assets)`` array is written (two of them, ~1.3 MB each at 20 × 8,300)."""
    n, k = prices.shape
    col = np.zeros(k)
    last = share_days.shape[0] - 1
    row = 0
    # the share row in force at first_row: the last share_days entry <= first_row
    while row < last and share_days[row + 1] <= first_row:
        row += 1
    for t in range(first_row, n):
        if row < last and share_days[row + 1] <= t:
            row += 1
        v = values[t]
        for j in range(k):
            col[j] += abs(shares[row, j] * prices[t, j] / v - target[j])
    acc = 0.0
    for j in range(k):
        acc += col[j]
    return acc / ((n - first_row) * k)


@njit(nogil=True)
def all_finite_at_least(x: FloatArray, lowest: float) -> bool:  # pragma: no cover - compiled
    """True when every value of ``x`` is finite and >= ``lowest`` (returns: -1; values:
    0)."""
    # one branch-free reduction (vectorised): >= lowest is False for NaN and -inf
    ok = True
    for i in range(x.shape[0]):
        v = x[i]
        ok &= (v >= lowest) & (v < np.inf)
    return ok


@njit(nogil=True)
def strictly_increasing(days: np.ndarray) -> bool:  # pragma: no cover - compiled
    """True when int64 day numbers strictly increase and the first is not NaT (the
    smallest int64, so a later NaT breaks the increase)."""
    if days[0] == np.iinfo(np.int64).min:
        return False
    ok = True
    for i in range(1, days.shape[0]):  # one branch-free reduction (vectorised)
        ok &= days[i] > days[i - 1]
    return ok


#: ``out`` slots of :func:`trade_stats`.
N_REBALANCES, TURNOVER_SUM, COSTS_TOTAL, COSTS_REBALANCE, COSTS_AFTER_DAY0, MEAN_VALUE = range(6)
N_TRADE_OUT = 6
TRADES_OK, TRADES_BAD_INPUT, TRADES_BAD_VALUE_BEFORE, TRADES_BAD_MEAN_VALUE = range(4)


@njit(nogil=True)
def trade_stats(day: np.ndarray, value: FloatArray, cost: FloatArray, is_rebalance: np.ndarray,
                rebalance_days: np.ndarray, values: FloatArray, r: FloatArray,
                sum_values: float, out: FloatArray) -> int:  # pragma: no cover - compiled
    """The trading figures of ``compute_metrics`` in one pass over the trades (dollars
    unless said), into ``out`` (slots above); returns a ``TRADES_*`` status (``out``
    incomplete unless ``TRADES_OK``).

    ``rebalance_days`` must lie in ``[1, n_days - 1]`` (checked by the caller). Bad input
    (a trade value or cost not finite, a negative cost, a trade row outside the days, a
    rebalance trade off the rebalance days) is ``TRADES_BAD_INPUT``.

    - ``N_REBALANCES``: distinct rebalance rows.
    - ``TURNOVER_SUM``: ``sum over rows of (sum |value| of the row's rebalance trades) / 2
      / value before the row's trades`` (fractions), the value before being
      ``values[t-1](1 + r[t-1])`` (``values[0]`` on row 0) plus the row's costs; a row with
      rebalance trades and a value before <= 0 is ``TRADES_BAD_VALUE_BEFORE``.
    - ``COSTS_TOTAL``, ``COSTS_REBALANCE``, ``COSTS_AFTER_DAY0``: costs of every trade,
      of the rebalance trades, of the trades after row 0.
    - ``MEAN_VALUE``: mean of ``values[1:]``, ``sum_values / (n_days - 1)`` (``sum_values``
      their left-to-right sum, :func:`return_stats`' ``SUM_VALUES``; <= 0 is
      ``TRADES_BAD_MEAN_VALUE``).
    """
    n = values.shape[0]
    on_rebalance_row = np.zeros(n, np.bool_)
    distinct = 0
    for i in range(rebalance_days.shape[0]):
        d = rebalance_days[i]
        if not on_rebalance_row[d]:
            on_rebalance_row[d] = True
            distinct += 1
    costs_by_day = np.zeros(n)
    gross = np.zeros(n)
    total = 0.0
    reb_cost = 0.0
    after = 0.0
    # a row's sums run in registers while its trades follow each other (the engine's
    # trades come by row): the same additions in the same order as adding each trade
    # into the arrays, without a store and reload per trade
    run_day = -1
    run_cost = 0.0
    run_gross = 0.0
    for i in range(day.shape[0]):
        d = day[i]
        v = value[i]
        c = cost[i]
        if d < 0 or d >= n or not math.isfinite(v) or not (math.isfinite(c) and c >= 0.0):
            return TRADES_BAD_INPUT
        if d != run_day:
            if run_day >= 0:
                costs_by_day[run_day] = run_cost
                gross[run_day] = run_gross
            run_day = d
            run_cost = costs_by_day[d]
            run_gross = gross[d]
        run_cost += c
        total += c
        if d >= 1:
            after += c
        if is_rebalance[i]:
            if not on_rebalance_row[d]:
                return TRADES_BAD_INPUT
            run_gross += abs(v)
            reb_cost += c
    if run_day >= 0:
        costs_by_day[run_day] = run_cost
        gross[run_day] = run_gross
    turnover = 0.0
    for d in range(n):
        if gross[d] > 0.0:
            before = (values[0] if d == 0 else values[d - 1] * (1.0 + r[d - 1])) \
                + costs_by_day[d]
            if before <= 0.0:
                return TRADES_BAD_VALUE_BEFORE
            turnover += gross[d] / 2.0 / before
    mean_value = sum_values / (n - 1)
    if not mean_value > 0.0:
        return TRADES_BAD_MEAN_VALUE
    out[N_REBALANCES] = distinct
    out[TURNOVER_SUM] = turnover
    out[COSTS_TOTAL] = total
    out[COSTS_REBALANCE] = reb_cost
    out[COSTS_AFTER_DAY0] = after
    out[MEAN_VALUE] = mean_value
    return TRADES_OK


# statuses of :func:`metrics_pass`, in the order compute_metrics reports errors
(PASS_OK, PASS_BAD_DATES, PASS_BAD_RETURNS, PASS_BAD_VALUES, PASS_BAD_TRADES,
 PASS_BAD_RISK_FREE, PASS_BAD_TURNOVER_OR_COSTS, PASS_BAD_WEIGHTS) = range(8)
#: ``out`` of :func:`metrics_pass`: :func:`return_stats`' slots, then :func:`trade_stats`',
#: then the allocation precision.
T0 = N_OUT
MAD = N_OUT + N_TRADE_OUT
N_PASS_OUT = MAD + 1


@njit(cache=True, nogil=True)
def metrics_pass(days: np.ndarray, returns: FloatArray, rf: FloatArray, std_rtol: float,
                 values: FloatArray, day: np.ndarray, value: FloatArray, cost: FloatArray,
                 is_rebalance: np.ndarray, rebalance_days: np.ndarray, weights: FloatArray,
                 target: FloatArray, with_weights: bool, share_days: np.ndarray,
                 shares: FloatArray, prices: FloatArray,
                 out: FloatArray) -> int:  # pragma: no cover - compiled
    """Everything compute_metrics computes from arrays, in one compiled call (one cache
    load per process).

    Checks, in compute_metrics' order: ``days`` (int64 day numbers) strictly increase;
    ``returns`` (row 0 included) are finite and >= -1; ``values`` are finite and >= 0.
    Then :func:`trade_stats` into ``out[T0:MAD]``, :func:`return_stats` of
    ``returns[1:]`` into ``out[:N_OUT]`` and (``with_weights``) the allocation precision
    (:func:`mean_abs_deviation` of rows 1 …) into ``out[MAD]``: of ``weights``, or, when
    ``share_days`` is not empty, of the weights its share path defines
    (:func:`mean_abs_deviation_shares`; ``weights`` is then unused). Returns the first
    ``PASS_*`` failure (``PASS_OK`` when none); the caller raises the checked functions'
    error for it.
    """
    if not strictly_increasing(days):
        return PASS_BAD_DATES
    if not all_finite_at_least(returns, -1.0):
        return PASS_BAD_RETURNS
    if not all_finite_at_least(values, 0.0):
        return PASS_BAD_VALUES
    r = returns[1:]
    # the return statistics first (they also sum the values for the trade figures);
    # the failures are reported in the order of the checks: trades, then risk-free
    rf_ok = return_stats(r, rf, std_rtol, values, out[:N_OUT])
    status = trade_stats(day, value, cost, is_rebalance, rebalance_days, values, r,
                         out[SUM_VALUES], out[T0:MAD])
    if status == TRADES_BAD_INPUT:
        return PASS_BAD_TRADES
    if not rf_ok:
        return PASS_BAD_RISK_FREE
    if status != TRADES_OK:
        return PASS_BAD_TURNOVER_OR_COSTS
    if with_weights:
        if share_days.shape[0] > 0:
            mad = mean_abs_deviation_shares(share_days, shares, prices, values, target, 1)
        else:
            mad = mean_abs_deviation(weights, target, 1)
        if not math.isfinite(mad):
            return PASS_BAD_WEIGHTS
        out[MAD] = mad
    return PASS_OK
