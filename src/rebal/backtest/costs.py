"""Trading costs.

The cost of a trade of ``x`` dollars in asset ``i`` is
``|x| * cost_bps_i / 10_000 + fixed_usd`` (fractional shares: no rounding).
Trades whose costless size is below ``min_trade_usd`` are not made (rebalance
trades only; see ``docs/conventions.md`` for how the rest is re-solved).
Costs are paid out of the portfolio so that post-trade weights are exactly the
intended ones: the post-trade value ``V'`` solves ``V' = V - C(trades(V'))``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np

from rebal.checks import non_negative
from rebal.errors import ConfigError
from rebal.types import FloatArray

__all__ = ["MAX_COST_BPS", "CostModel"]

MAX_COST_BPS = 1000.0
"""Proportional costs above 10 % a trade are rejected (they are surely a unit error)."""


def _nonneg(name: str, value: object, upper: float = math.inf) -> float:
    return non_negative(f"CostModel.{name}", value, upper=upper)


@dataclass(frozen=True, slots=True, kw_only=True)
class CostModel:
    """Proportional + fixed trading costs and a minimum trade size.

    Parameters
    ----------
    cost_bps
        Proportional cost in basis points of the traded dollars (5 = 0.05 %),
        one figure for every asset or a mapping asset -> bps covering every
        asset of the portfolio. At most 1,000 bps.
    fixed_usd
        Dollars charged per asset traded (per trade).
    min_trade_usd
        Rebalance trades smaller than this (in dollars) are not made.
    """

    cost_bps: float | Mapping[str, float] = 0.0
    fixed_usd: float = 0.0
    min_trade_usd: float = 0.0

    def __post_init__(self) -> None:
        if isinstance(self.cost_bps, Mapping):
            checked = {
                str(k): _nonneg(f"cost_bps[{k!r}]", v, MAX_COST_BPS)
                for k, v in self.cost_bps.items()
            }
            object.__setattr__(self, "cost_bps", checked)
        else:
            object.__setattr__(self, "cost_bps", _nonneg("cost_bps", self.cost_bps, MAX_COST_BPS))
        object.__setattr__(self, "fixed_usd", _nonneg("fixed_usd", self.fixed_usd))
        object.__setattr__(self, "min_trade_usd", _nonneg("min_trade_usd", self.min_trade_usd))

    def rates(self, assets: Sequence[str]) -> FloatArray:
        """``(n_assets,)`` proportional cost as a fraction of traded dollars (a fresh array)."""
        bps = self.cost_bps
        if not isinstance(bps, dict):  # __post_init__ made every mapping a dict
            # one figure for all: empty + fill is a third of np.full's cost (run per backtest)
            out = np.empty(len(assets))
            out.fill(float(cast(float, bps)) / 1e4)
            return out
        unknown = [k for k in bps if k not in assets]
        if unknown:
            raise ConfigError(
                f"CostModel.cost_bps: unknown asset(s) {', '.join(unknown)}; "
                f"the portfolio has {', '.join(assets)}"
            )
        missing = [a for a in assets if a not in bps]
        if missing:
            raise ConfigError(
                f"CostModel.cost_bps: no cost given for {', '.join(missing)}"
            )
        return np.array([bps[a] for a in assets], dtype=np.float64) / 1e4

    @property
    def is_free(self) -> bool:
        bps = self.cost_bps
        zero_bps = all(v == 0 for v in bps.values()) if isinstance(bps, Mapping) else bps == 0
        return zero_bps and self.fixed_usd == 0
