"""Rich tables for CLI output, built from result objects."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rebal.cli import console

COLUMNS = (
    ("Annual return", "cagr", "pct"),
    ("Volatility", "annual_volatility", "pct"),
    ("Max drawdown", "max_drawdown", "pct"),
    ("Sharpe", "sharpe", "num"),
    ("Turnover/yr", "annual_turnover", "pct"),
    ("Rebalances", "n_rebalances", "int"),
    ("Costs/yr", "cost_drag_annual", "pct3"),
    ("Alpha vs B&H", "rebalancing_alpha", "pct"),
)


def fmt(value: Any, kind: str) -> str:
    if kind == "pct":
        return console.pct(value)
    if kind == "pct3":
        return console.pct(value, 3)
    if kind == "int":
        return "—" if value is None else f"{int(value):,}"
    return console.num(value)


def metrics_table(rows: Sequence[tuple[str, Any]], *, title: str | None = None) -> None:
    """One row per (name, Metrics): the article's columns plus turnover, rebalances, alpha."""
    console.table(
        title,
        ["Strategy", *(c[0] for c in COLUMNS)],
        [[name, *(fmt(getattr(m, attr), kind) for _, attr, kind in COLUMNS)] for name, m in rows],
    )
