"""A study's table columns: metric names, their aliases, periods and after-tax fields."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rebal.errors import ConfigError
from rebal.metrics import Metrics

__all__ = [
    "COLUMN_ALIASES",
    "DEFAULT_COLUMNS",
    "DEFAULT_HEDGE_COLUMNS",
    "DEFAULT_TAX_COLUMNS",
    "HEDGE_COLUMNS",
    "TAX_COLUMN_ALIASES",
    "Column",
    "parse_columns",
]

COLUMN_ALIASES: Mapping[str, str] = {
    "annual_return": "cagr",
    "return": "total_return",
    "full_return": "total_return",
    "volatility": "annual_volatility",
    "vol": "annual_volatility",
    "drawdown": "max_drawdown",
    "turnover": "annual_turnover",
    "rebalances": "n_rebalances",
    "alpha": "rebalancing_alpha",
    "costs": "cost_drag_annual",
}
DEFAULT_COLUMNS = (
    "total_return", "cagr", "annual_volatility", "max_drawdown", "sharpe",
    "annual_turnover", "n_rebalances",
)
METRIC_NAMES = tuple(Metrics.__dataclass_fields__)

TAX_COLUMN_ALIASES: Mapping[str, str] = {
    "after_tax_return": "after_tax_cagr",
    "after_tax_return_liquidated": "after_tax_cagr_liquidated",
    "after_tax_cagr_liq": "after_tax_cagr_liquidated",
    "taxes_paid_usd": "total_tax_paid_usd",
    "taxes_paid": "total_tax_paid_usd",
    "tax_paid_usd": "total_tax_paid_usd",
    "harvested_losses_usd": "harvested_loss_usd",
    "harvested_losses": "harvested_loss_usd",
    "harvests": "n_harvests",
    "tax_alpha": "after_tax_alpha",
    "after_tax_alpha_liq": "after_tax_alpha_liquidated",
    "liquidation_value": "liquidation_value_usd",
}
"""Aliases of :class:`rebal.backtest.taxable.results.TaxMetrics` columns (studies with ``tax:``)."""
DEFAULT_TAX_COLUMNS = (
    "after_tax_cagr", "after_tax_cagr_liquidated", "tax_drag", "total_tax_paid_usd",
    "after_tax_alpha_liquidated",
)
"""Added to :data:`DEFAULT_COLUMNS` when a study has ``tax:`` (and ``harvested_loss_usd``
with ``harvest:``)."""


HEDGE_COLUMNS: Mapping[str, str] = {
    "hedged_cagr": "cagr",
    "hedged_volatility": "annual_volatility",
    "hedged_max_drawdown": "max_drawdown",
    "hedged_final_value_usd": "final_value",
    "hedge_costs_usd": "hedge_costs",
    "hedge_turnover": "annual_turnover",
    "n_hedge_resizes": "n_resizes",
}
"""Columns of a study with ``hedge:`` → the key of :meth:`rebal.currency.HedgeResult.summary`."""
HEDGE_COLUMN_ALIASES: Mapping[str, str] = {
    "hedged_return": "hedged_cagr", "hedged_vol": "hedged_volatility",
    "hedged_drawdown": "hedged_max_drawdown", "hedge_costs": "hedge_costs_usd",
    "hedge_resizes": "n_hedge_resizes", "hedged_final_value": "hedged_final_value_usd",
}
DEFAULT_HEDGE_COLUMNS = ("hedged_cagr", "hedged_volatility", "hedged_max_drawdown",
                         "hedge_costs_usd")
"""Added to the default columns when a study has ``hedge:``."""


def tax_metric_names() -> tuple[str, ...]:
    """The :class:`~rebal.backtest.taxable.results.TaxMetrics` fields a column may name."""
    from rebal.backtest.taxable.results import TaxMetrics

    # a dict per year is not a table cell
    return tuple(n for n in TaxMetrics.__dataclass_fields__ if n != "tax_paid_by_year")


@dataclass(frozen=True, slots=True)
class Column:
    """A table column: ``label`` as written in the file, ``key`` a Metrics field or a period
    (``is_period``) or a :class:`~rebal.backtest.taxable.results.TaxMetrics` field (``is_tax``)."""

    label: str
    key: str
    is_period: bool
    is_tax: bool = False
    is_hedge: bool = False


def parse_columns(
    names: Sequence[str] | None, periods: Sequence[str], *, tax: bool = False,
    harvest: bool = False, hedge: bool = False,
) -> tuple[Column, ...]:
    """The study's columns from the file's ``columns:`` (``None``: the defaults, with the
    after-tax ones when ``tax``); :class:`ConfigError` on an unknown name."""
    tax_names = tax_metric_names()
    chosen = list(DEFAULT_COLUMNS) if names is None else list(names)
    if names is None and tax:
        chosen += [*DEFAULT_TAX_COLUMNS, *(["harvested_loss_usd"] if harvest else [])]
    if names is None and hedge:
        chosen += DEFAULT_HEDGE_COLUMNS
    out = []
    for label in chosen:
        if label in periods:
            out.append(Column(label=label, key=label, is_period=True))
            continue
        key = label.strip().lower().replace(" ", "_").replace("-", "_")
        key = COLUMN_ALIASES.get(key, key)
        if key in METRIC_NAMES:
            out.append(Column(label=label, key=key, is_period=False))
            continue
        key = TAX_COLUMN_ALIASES.get(key, key)
        if key in tax_names:
            if not tax:
                raise ConfigError(f"columns: {label!r} is an after-tax metric; add a tax: "
                                  "section to the study")
            out.append(Column(label=label, key=key, is_period=False, is_tax=True))
            continue
        key = HEDGE_COLUMN_ALIASES.get(key, key)
        if key in HEDGE_COLUMNS:
            if not hedge:
                raise ConfigError(f"columns: {label!r} is a hedge column; add a hedge: "
                                  "section to the study")
            out.append(Column(label=label, key=key, is_period=False, is_hedge=True))
            continue
        choices = ", ".join([*periods, *COLUMN_ALIASES, *METRIC_NAMES,
                             *TAX_COLUMN_ALIASES, *tax_names, *HEDGE_COLUMN_ALIASES,
                             *HEDGE_COLUMNS])
        raise ConfigError(f"columns: unknown column {label!r}; choose from {choices}")
    return tuple(out)


