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

from typing import Any, NamedTuple

import numpy as np

from rebal.jit import njit_cached
from rebal.policy.breach import breaches
from rebal.types import BoolArray, FloatArray, IntArray

__all__ = ["ScanInputs", "next_event"]

_JIT: dict[str, Any] = {"error_model": "numpy", "boundscheck": False}


class ScanInputs(NamedTuple):
    """The household and policy state :func:`next_event` scans with (constant over a scan).

    Attributes
    ----------
    prices
        ``(n_days, n_assets)`` unit prices (price-return index, > 0).
    units
        ``(n_acc, n_assets)`` units held.
    cls
        ``(n_assets,)`` int64 class of each asset (``-1``: not in the portfolio).
    n_cls
        Number of classes.
    class_targets
        ``(n_acc, n_cls)`` target class weights per account.
    check
        ``(n_days,)`` bool look rows of the policy.
    band
        ``(1 | n_days, n_cls)`` half-widths (negative: calendar).
    trigger_price
        ``(n_acc, n_assets)`` harvest trigger prices (``-inf``: none).
    trigger_from
        ``(n_acc, n_assets)`` int64 first row a harvest is allowed.
    """

    prices: FloatArray
    units: FloatArray
    cls: IntArray
    n_cls: int
    class_targets: FloatArray
    check: BoolArray
    band: FloatArray
    trigger_price: FloatArray
    trigger_from: IntArray


def next_event(scan: ScanInputs, t0: int, t1: int, values: FloatArray) -> int:
    """First row in ``[t0, t1)`` with a possible event, or ``t1``.

    Parameters
    ----------
    scan
        What the scan reads (:class:`ScanInputs`).
    t0, t1
        Rows to scan.
    values
        ``(n_days,)`` household values, written for every scanned row before the
        returned one (and for the returned one too when it is ``< t1``).

    The bundle crosses into numba as a plain tuple (numba types a named one through
    Python, a plain one from its C fingerprint: the scan runs once per event).
    """
    return int(_next_event(tuple(scan), t0, t1, values))


@njit_cached(**_JIT)
def _next_event(scan_fields, t0, t1, values):
    """:func:`next_event` on the fields of a :class:`ScanInputs` (short names: see the
    module docstring)."""
    sc = ScanInputs(*scan_fields)
    prices, U, cls, n_cls, tw = sc.prices, sc.units, sc.cls, sc.n_cls, sc.class_targets
    check, band, trig, trig_from = sc.check, sc.band, sc.trigger_price, sc.trigger_from
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
