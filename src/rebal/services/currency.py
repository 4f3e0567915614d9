"""Currency options shared by the services: the FX table, columns converted to the base
currency, the hedge built from flags (``rebal backtest --currency/--fx/--hedge …``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from rebal.errors import InputError

if TYPE_CHECKING:
    from rebal.currency import HedgeSpec
    from rebal.data.fx import FxTable
    from rebal.data.market import MarketData

__all__ = ["fx_table", "hedge_from_options", "in_base"]


def fx_table(path: str | None, *, flag: str = "--fx") -> FxTable:
    """The user's FX file (same layout as the shipped one) or, for ``None``/``"default"``,
    the shipped ECB table.

    Raises
    ------
    InputError
        No such file (naming it and ``flag``), or a bad row (file, line, column).
    """
    from rebal.data.fx import read_fx
    from rebal.datasets import load_fx

    if path is None or path.strip().lower() == "default":
        return load_fx()
    if not Path(path).is_file():
        raise InputError("no such file", file=path, field=flag)
    return read_fx(path)


def in_base(market: MarketData, currencies: Mapping[str, str], base: str, fx: FxTable, *,
            field: str = "--currency") -> MarketData:
    """``market`` with the named columns converted to ``base`` (unchanged when none)."""
    from rebal.currency import to_base

    if not currencies:
        return market
    return to_base(market, currencies, fx, base=base, field=field)


def hedge_from_options(currencies: Mapping[str, str], exposures: Mapping[str, Mapping[str, float]],
                       *, ratio: float | Mapping[str, float], band: float, base: str, cost_bps: float,
                       dynamic: bool = False, check: str = "daily") -> HedgeSpec:
    """The hedge of ``rebal backtest --hedge``: each security's exposure from
    ``exposures`` (look-through mix) or else its ``currencies`` entry."""
    from rebal.currency import DynamicHedge, HedgeSpec

    mix: dict[str, Mapping[str, float]] = {a: {c: 1.0} for a, c in currencies.items()}
    mix.update(exposures)
    return HedgeSpec(exposures=mix, ratio=ratio, band=band, base=base, cost_bps=cost_bps,
                     check=check, dynamic=DynamicHedge() if dynamic else None)
