"""Settings of a taxable backtest: tax rates, accounts, dividends.

Loss harvesting is :class:`rebal.tax.harvest.HarvestSettings` (the household uses the same
settings and the same rule).

Every record is frozen, keyword-only and validated at construction
(:class:`rebal.errors.ConfigError` naming the field). Rates and yields are
fractions (0.15, not 15); money is dollars.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from rebal.errors import ConfigError
from rebal.tax.lots import Account
from rebal.types import AccountType, FilingStatus, FloatArray, Frequency, LotMethod

__all__ = [
    "BracketRates",
    "FlatRates",
    "SimAccount",
    "TaxSettings",
]


def _fraction(owner: str, name: str, value: object, *, upper: float = 1.0) -> float:
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"{owner}.{name} must be a number, got {value!r}") from None
    if not math.isfinite(out) or out < 0 or out >= upper:
        raise ConfigError(f"{owner}.{name} must be a fraction in [0, {upper:g}), got {value!r}")
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class FlatRates:
    """Flat marginal rates applied to the year's netted gains.

    Tax of a year (dollars), from the Schedule D netting of
    :func:`rebal.tax.net_capital_gains` (carryforwards in and out, $3,000 limit;
    the deduction is assumed to be fully usable against other income)::

        federal = st_rate × ordinary ST gain + lt_rate × (net capital gain
                  + qualified dividends) − st_rate × loss deduction
        state   = state_rate × (gain in AGI + qualified dividends)

    The bill can be negative (the $3,000 deduction saves tax on other income):
    the saving is paid *into* the portfolio.

    Parameters
    ----------
    st_rate
        Ordinary (short-term) federal rate, e.g. 0.35.
    lt_rate
        Long-term gain and qualified-dividend federal rate, e.g. 0.15.
    state_rate
        Flat state rate on gains and dividends (default 0).
    filing_status
        Selects the loss limit ($1,500 for MFS, else $3,000).
    """

    st_rate: float
    lt_rate: float
    state_rate: float = 0.0
    filing_status: FilingStatus = FilingStatus.SINGLE

    def __post_init__(self) -> None:
        for name in ("st_rate", "lt_rate", "state_rate"):
            object.__setattr__(self, name, _fraction("FlatRates", name, getattr(self, name)))
        object.__setattr__(self, "filing_status", FilingStatus.parse(
            self.filing_status, field="FlatRates.filing_status"))


@dataclass(frozen=True, slots=True, kw_only=True)
class BracketRates:
    """The federal bracket tables (rebal.tax.federal_tax) for a household's other income.

    The portfolio's tax of a year = total tax with the portfolio's gains and
    dividends − total tax without them (federal incl. NIIT and AMT, plus the flat
    state rate). Years without a parameter file use the nearest year that has one
    (the last available year for later years, the first for earlier ones); the
    result's ``notes`` say so.

    Parameters
    ----------
    filing_status
        Federal filing status.
    ordinary_income
        Other ordinary income each year, dollars (wages …), before the standard deduction.
    state_rate
        Flat state rate (fraction).
    table_year
        ``None`` (default): each year uses its own parameter file, or the nearest
        available one. A year: that year's tables for every year of the backtest.
    """

    filing_status: FilingStatus = FilingStatus.SINGLE
    ordinary_income: float = 0.0
    state_rate: float = 0.0
    table_year: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "filing_status", FilingStatus.parse(
            self.filing_status, field="BracketRates.filing_status"))
        inc = float(self.ordinary_income)
        if not math.isfinite(inc):
            raise ConfigError(f"BracketRates.ordinary_income must be finite, got {inc!r}")
        object.__setattr__(self, "ordinary_income", inc)
        object.__setattr__(self, "state_rate",
                           _fraction("BracketRates", "state_rate", self.state_rate))
        if self.table_year is not None:
            from rebal.tax.rates import available_years

            years = available_years()
            if isinstance(self.table_year, bool) or not isinstance(self.table_year, int) \
                    or self.table_year not in years:
                raise ConfigError(
                    f"BracketRates.table_year: no parameter file for {self.table_year!r}; "
                    f"available {', '.join(map(str, years))}"
                )


@dataclass(frozen=True, slots=True, kw_only=True)
class SimAccount:
    """The starting position of one account in a taxable backtest: its identity (the one
    :class:`rebal.tax.lots.Account`, built by :meth:`account`), the dollars it starts with and
    its own target.

    Parameters
    ----------
    id
        Account id.
    type
        ``TAXABLE`` (lots, gains taxed), ``TRADITIONAL`` (no tax inside; withdrawals
        taxed as ordinary income at liquidation) or ``ROTH`` (never taxed).
    initial_usd
        Dollars invested at the first close.
    target
        Class -> weight inside this account (``None``: the backtest's target).
    """

    id: str
    type: AccountType = AccountType.TAXABLE
    initial_usd: float = 1_000_000.0
    target: Mapping[str, float] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip():
            raise ConfigError(f"SimAccount.id must be a non-empty string, got {self.id!r}")
        object.__setattr__(self, "type", AccountType.parse(self.type, field="SimAccount.type"))
        Account(id=self.id, type=self.type)  # the account rules, checked once
        if self.type is AccountType.HSA:
            raise ConfigError("SimAccount.type: use taxable, traditional or roth")
        v = float(self.initial_usd)
        if not math.isfinite(v) or v <= 0:
            raise ConfigError(f"SimAccount.initial_usd must be > 0, got {self.initial_usd!r}")
        object.__setattr__(self, "initial_usd", v)
        if self.target is not None:
            object.__setattr__(self, "target", MappingProxyType(dict(self.target)))

    def account(self, lot_method: LotMethod = LotMethod.FIFO) -> Account:
        """The tax engine's :class:`Account` (sales relieved by ``lot_method``)."""
        return Account(id=self.id, type=self.type, lot_method=lot_method)


@dataclass(frozen=True, slots=True, kw_only=True)
class TaxSettings:
    """How taxes are computed and paid in a taxable backtest.

    Parameters
    ----------
    rates
        :class:`FlatRates` or :class:`BracketRates`.
    lot_method
        Relief method of taxable sales (FIFO, LIFO, HIFO, HCLTF, TAX_MIN).
    pay_month_day
        ``(month, day)``: year Y's bill is paid at the close of the first row on or
        after that date of year Y+1 (default ``(1, 1)``: the first row of Y+1).
    dividend_yield
        Asset -> annual dividend yield (fraction), a constant or an ``(n_days,)``
        series (the yield in force on each row). Prices stay total-return: the
        yield only says which part of the return is a dividend.
    dividend_frequency
        Dividends are paid (and reinvested, DRIP) on the last row of each period.
    wash_groups
        Symbol -> substantially-identical group (default: each symbol its own).
    """

    rates: FlatRates | BracketRates
    lot_method: LotMethod = LotMethod.HIFO
    pay_month_day: tuple[int, int] = (1, 1)
    dividend_yield: Mapping[str, float | FloatArray] = field(
        default_factory=lambda: MappingProxyType({}))
    dividend_frequency: Frequency = Frequency.QUARTERLY
    wash_groups: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        if not isinstance(self.rates, (FlatRates, BracketRates)):
            raise ConfigError(
                "TaxSettings.rates must be FlatRates or BracketRates, "
                f"got {type(self.rates).__name__}"
            )
        method = LotMethod.parse(self.lot_method, field="TaxSettings.lot_method")
        if method in (LotMethod.SPECIFIC, LotMethod.AVERAGE):
            raise ConfigError(
                f"TaxSettings.lot_method: {method.value} is not a standing order; use fifo, "
                "lifo, hifo, hcltf or tax_min"
            )
        object.__setattr__(self, "lot_method", method)
        try:
            month, day = (int(v) for v in self.pay_month_day)
            import datetime as _dt

            _dt.date(2001, month, day)
        except (TypeError, ValueError):
            raise ConfigError(
                f"TaxSettings.pay_month_day must be (month, day), got {self.pay_month_day!r}"
            ) from None
        if (month, day) == (2, 29):
            raise ConfigError("TaxSettings.pay_month_day: 29 February is not in every year")
        object.__setattr__(self, "pay_month_day", (month, day))
        ylds: dict[str, float | FloatArray] = {}
        for asset, y in dict(self.dividend_yield).items():
            if np.ndim(y) == 0:
                ylds[str(asset)] = _fraction("TaxSettings", f"dividend_yield[{asset!r}]", y,
                                             upper=0.5)
            else:
                arr = np.asarray(y, dtype=np.float64)
                if arr.ndim != 1 or not np.isfinite(arr).all() or (arr < 0).any() or \
                        (arr >= 0.5).any():
                    raise ConfigError(
                        f"TaxSettings.dividend_yield[{asset!r}] must be a 1-D series of "
                        "fractions in [0, 0.5)"
                    )
                ylds[str(asset)] = arr
        object.__setattr__(self, "dividend_yield", MappingProxyType(ylds))
        freq = Frequency.parse(self.dividend_frequency, field="TaxSettings.dividend_frequency")
        if freq in (Frequency.DAILY, Frequency.WEEKLY, Frequency.BIWEEKLY):
            raise ConfigError("TaxSettings.dividend_frequency: monthly or longer")
        object.__setattr__(self, "dividend_frequency", freq)
        object.__setattr__(self, "wash_groups", MappingProxyType(dict(self.wash_groups)))
