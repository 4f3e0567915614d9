"""Service ``tax``: the realized-gains audit of a trade history, and a year's tax estimate."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rebal.errors import ConfigError
from rebal.household import Household
from rebal.tax import AuditResult, TaxBreakdown, TaxHousehold, Trade

__all__ = ["AuditRequest", "AuditResult", "EstimateRequest", "Household", "TaxBreakdown",
           "TaxHousehold", "Trade", "audit", "audit_history", "audit_loaded", "estimate",
           "load_tax_settings"]


@dataclass(frozen=True, slots=True, kw_only=True)
class EstimateRequest:
    """A year's income and gains (dollars; ``state_rate`` a fraction).

    ``income`` is ordinary income before the standard deduction; ``st`` / ``lt`` the net
    short- / long-term gains (negative: losses); the carryforwards are losses carried in
    (positive); ``investment_income`` the part of ``income`` subject to NIIT.
    """

    year: int = 2025
    status: str = "single"
    income: float = 0.0
    qualified_dividends: float = 0.0
    st: float = 0.0
    lt: float = 0.0
    st_carryforward: float = 0.0
    lt_carryforward: float = 0.0
    investment_income: float = 0.0
    state_rate: float = 0.0


def estimate(request: EstimateRequest) -> TaxBreakdown:
    """Federal (and flat state) tax of ``request`` (exact-formula method)."""
    from rebal.tax import federal_tax
    from rebal.types import FilingStatus

    _check_estimate(request)
    return federal_tax(
        request.year,
        FilingStatus.parse(request.status, field="--status"),
        ordinary_income=request.income,
        qualified_dividends=request.qualified_dividends,
        st_gains=request.st,
        lt_gains=request.lt,
        st_carryforward=request.st_carryforward,
        lt_carryforward=request.lt_carryforward,
        investment_income=request.investment_income,
        state_rate=request.state_rate,
    )


def _check_estimate(request: EstimateRequest) -> None:
    """Refuse, naming the CLI flag, what ``tax estimate`` cannot mean: a value that is not
    finite, a negative income or carryforward, NIIT income above the income, a state
    rate outside [0, 1)."""
    import math

    values = {"--income": request.income, "--qualified-dividends": request.qualified_dividends,
              "--st": request.st, "--lt": request.lt,
              "--st-carryforward": request.st_carryforward,
              "--lt-carryforward": request.lt_carryforward,
              "--investment-income": request.investment_income,
              "--state-rate": request.state_rate}
    for flag, value in values.items():
        if not math.isfinite(value):
            raise ConfigError(f"{flag} must be a finite number, got {value}")
        if flag not in ("--st", "--lt") and value < 0:
            hint = (" (a loss carried in is given as a positive amount)"
                    if "carryforward" in flag else "")
            raise ConfigError(f"{flag} must be >= 0, got {value:g}{hint}")
    if request.state_rate >= 1:
        raise ConfigError(f"--state-rate is a fraction (0.05 = 5%), got {request.state_rate:g}")
    if request.investment_income > request.income:
        raise ConfigError(f"--investment-income ({request.investment_income:,.2f}) is the part of "
                          f"--income subject to NIIT, so at most --income "
                          f"({request.income:,.2f})")


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditRequest:
    """A trade history (CSV path) and the accounts' file: a tax settings file or a full
    household file."""

    trades: str
    household: str


def load_tax_settings(path: str | Path) -> TaxHousehold:
    """Accounts and wash-sale settings from a tax settings file, or from a full household
    file (one with ``securities``, ``targets`` or ``household``)."""
    from rebal.studies.spec import read_yaml_file
    from rebal.tax.history import load_tax_household

    path = Path(path)
    raw = read_yaml_file(path)
    if isinstance(raw, dict) and ({"securities", "targets", "household"} & set(raw)):
        from rebal.household import load_household
        from rebal.household.taxview import tax_household

        return tax_household(load_household(path))
    return load_tax_household(path)


def audit_history(trades: Iterable[Trade], settings: TaxHousehold) -> AuditResult:
    """The audit of loaded trades with loaded accounts and wash-sale settings."""
    from rebal.tax.ledger import audit as audit_trades

    return audit_trades(trades, settings.accounts, settings.settings,
                        st_rate=settings.st_rate, lt_rate=settings.lt_rate)


def audit_loaded(
    trades: str | os.PathLike[str] | Iterable[Trade],
    household: str | os.PathLike[str] | Household | TaxHousehold,
) -> AuditResult:
    """The audit of a trade history file or loaded trades, with a tax settings or
    household file, or a loaded :class:`Household` or :class:`TaxHousehold`."""
    from rebal.tax.history import load_trades

    if isinstance(household, TaxHousehold):
        settings = household
    elif isinstance(household, Household):
        from rebal.household.taxview import tax_household

        settings = tax_household(household)
    else:
        settings = load_tax_settings(Path(household))
    if isinstance(trades, str | os.PathLike):
        trades = load_trades(Path(trades), accounts=settings.accounts).trades
    return audit_history(trades, settings)


def audit(request: AuditRequest) -> AuditResult:
    """Every sale of the history lot by lot, wash sales across all accounts, totals by
    year (:func:`rebal.tax.ledger.audit`)."""
    from rebal.tax.history import load_trades

    settings = load_tax_settings(request.household)
    history = load_trades(request.trades, accounts=settings.accounts)
    return audit_history(history.trades, settings)
