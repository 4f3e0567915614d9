"""The numba scan of the taxable backtest: jump from one event row to the next.

Between two events the portfolio holds fixed units of each asset's price index in
each account, so nothing needs Python. :func:`next_event` walks the rows from
``t0``, fills the household value of each row, and stops at the first row where
either

- the policy looks (``check[t]``) and some account's class weights are outside
  their band (:func:`rebal.policy.breach.breaches`: strictly beyond it; a negative
  band = a calendar rule, which fires on every look row), or
- some account/asset pair may be harvested: its price is at or below its trigger
  price (the highest trigger over its lots, see :mod:`rebal.backtest.taxable.harvest`) and the
  row is on or after the first row the wash-sale guard allows it.

The Python side then checks the event exactly (lot by lot); a false alarm (float
noise at the trigger) costs one more scan from the next row.

Short names: ``U`` ``(n_acc, n_assets)`` units held, ``p`` prices, ``cls`` the class
of each asset (``-1`` = unused), ``tw`` ``(n_acc, n_cls)`` per-account targets.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from rebal.policy.breach import BREACH_TOL, breaches

__all__ = ["BREACH_TOL", "next_event"]  # BREACH_TOL: the one rule's, re-exported

_JIT: dict[str, Any] = {"cache": True, "error_model": "numpy", "boundscheck": False}


@njit(**_JIT)
def next_event(prices, U, cls, n_cls, tw, check, band, trig, trig_from, t0, t1, values):
    """First row in ``[t0, t1)`` with a possible event, or ``t1``.

    Parameters
    ----------
    prices
        ``(n_days, n_assets)`` unit prices (price-return index, > 0).
    U
        ``(n_acc, n_assets)`` units held (constant over the scan).
    cls
        ``(n_assets,)`` int64 class of each asset (``-1``: not in the portfolio).
    n_cls
        Number of classes.
    tw
        ``(n_acc, n_cls)`` target class weights per account.
    check
        ``(n_days,)`` bool look rows of the policy.
    band
        ``(1 | n_days, n_cls)`` half-widths (negative: calendar).
    trig
        ``(n_acc, n_assets)`` harvest trigger prices (``-inf``: none).
    trig_from
        ``(n_acc, n_assets)`` int64 first row a harvest is allowed.
    t0, t1
        Rows to scan.
    values
        ``(n_days,)`` household values, written for every scanned row before the
        returned one (and for the returned one too when it is ``< t1``).
    """
    n_acc, n_assets = U.shape
    per_row = band.shape[0] > 1
    cv = np.empty(n_cls)
    for t in range(t0, t1):
        tot = 0.0
        for a in range(n_acc):
            for j in range(n_assets):
                tot += U[a, j] * prices[t, j]
        values[t] = tot
        hit = False
        for a in range(n_acc):
            for j in range(n_assets):
                if t >= trig_from[a, j] and prices[t, j] <= trig[a, j]:
                    hit = True
        if check[t] and not hit:
            bt = t if per_row else 0
            for a in range(n_acc):
                for k in range(n_cls):
                    cv[k] = 0.0
                for j in range(n_assets):
                    if cls[j] >= 0:
                        cv[cls[j]] += U[a, j] * prices[t, j]
                V = 0.0
                for k in range(n_cls):
                    V += cv[k]
                if V <= 0.0:
                    continue
                for k in range(n_cls):
                    b = band[bt, k]
                    if breaches(cv[k] / V, tw[a, k], b):
                        hit = True
        if hit:
            return t
    return t1
