"""Currency: price series in a base currency and hedging as its own decision.

- :mod:`rebal.currency.convert` — per-column currencies converted to a base currency at
  daily FX rates (``returns in base = (1 + local return) × (1 + FX return) − 1``), and the
  FX conversion cost added to the trading cost of every foreign column.
- :mod:`rebal.currency.hedge` — :class:`HedgeSpec`: per foreign currency a hedge-ratio
  target in [0, 1] with its own band, one-month forwards rolled on a calendar, the
  conversion cost; :class:`DynamicHedge` scales the ratio by FX volatility with the
  bands' vol-scaling machinery (:mod:`rebal.policy.volatility`).
- :mod:`rebal.currency.overlay` — :func:`run_overlay`: the forwards over a backtest's
  holdings, settled in cash in the base currency (``docs/currency.md``).
"""

from __future__ import annotations

from rebal.currency.convert import conversion_cost_bps, to_base
from rebal.currency.hedge import DynamicHedge, HedgeSpec
from rebal.currency.overlay import HedgeResult, run_overlay

__all__ = ["DynamicHedge", "HedgeResult", "HedgeSpec", "conversion_cost_bps", "run_overlay",
           "to_base"]
