"""Loss-harvesting rules: which lots qualify, and each asset's trigger price.

A lot (``q`` units, ``basis`` dollars, ``bps = basis / q``) qualifies at price
``p`` when its loss ``basis - q p`` (dollars, before selling costs) is ``> 0``,
``>= min_loss_usd`` and ``>= min_loss_pct × basis``, i.e. when

    p <= min(bps × (1 - min_loss_pct), bps - min_loss_usd / q)   (its trigger price).

An asset's trigger price is the highest over its lots (the highest-basis lot
triggers first): the scan jumps to the first row whose price is at or below it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from rebal.tax.lots import Lot

__all__ = ["lot_loss_usd", "qualifies", "trigger_price"]


def lot_loss_usd(lot: Lot, price: float) -> float:
    """Loss of ``lot`` at ``price`` (dollars, > 0 = a loss), before selling costs."""
    return lot.basis_usd - lot.quantity * price


def qualifies(lot: Lot, price: float, min_loss_pct: float, min_loss_usd: float) -> bool:
    """True when ``lot`` is harvested at ``price`` (see the module docstring)."""
    loss = lot_loss_usd(lot, price)
    return loss > 0.0 and loss >= min_loss_usd and loss >= min_loss_pct * lot.basis_usd


def trigger_price(lots: Sequence[Lot], min_loss_pct: float, min_loss_usd: float) -> float:
    """The highest price at which some lot of ``lots`` qualifies (``-inf``: none can)."""
    best = -math.inf
    for lot in lots:
        bps = lot.basis_usd / lot.quantity
        trig = min(bps * (1.0 - min_loss_pct), bps - min_loss_usd / lot.quantity)
        # the exact test is on dollars; a hair above keeps float noise from skipping a day
        trig *= 1.0 + 1e-12
        if trig > best:
            best = trig
    return best if best > 0.0 else -math.inf
