"""rebal: measure rebalancing policies honestly, and plan tax-aware rebalances.

The public API (:mod:`rebal.api`, ``docs/api.md``) is re-exported lazily so that
``import rebal`` (and the CLI's ``--help``) stays fast: numba, pandas, plotly and
highspy load only when a function that needs them is first called.

>>> import rebal
>>> run = rebal.backtest_policy("default", {"US_MKT": 0.6, "UST_INT": 0.4}, "quarterly")
>>> study = rebal.compare("examples/studies/default_core.yaml")
"""

from __future__ import annotations

import typing as _typing

# The names' types are in __init__.pyi (an import here, even under TYPE_CHECKING,
# would make the package import its own top layer: a cycle for import-linter).

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "audit_trades",
    "backtest_policy",
    "check",
    "compare",
    "datasets",
    "estimate_tax",
    "factor_exposures",
    "load_household",
    "load_prices",
    "monitor_households",
    "plan",
    "simulate",
    "sweep_study",
]

_API = frozenset(__all__) - {"__version__", "datasets"}


def __getattr__(name: str) -> _typing.Any:
    import importlib

    if name in _API:
        return getattr(importlib.import_module("rebal.api"), name)
    if name == "datasets":
        return importlib.import_module("rebal.datasets")
    raise AttributeError(f"module 'rebal' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
