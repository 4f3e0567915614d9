"""A simulation file: a household file (``docs/household.md``) plus a ``simulation:`` section.

::

    simulation:
      prices: {VTI: VTI, ITOT: VTI, BND: AGG}  # security -> price column it follows
      start: 2008-01-02        # optional: replaces the lots by an initial purchase that day
      lots: purchase           # … or "keep": the lots keep their basis and dates (≤ start)
      end: 2023-12-29          # optional
      income_growth: 0.03      # other income grows 3 %/year from the file's year (or …)
      income_by_year: {2008: 180000}  # … given per year (wins over the growth rate)
      inflation: 0.025         # indexes the nearest tax file's brackets for other years
      tax_payment: 04-15       # the year's tax is paid from the taxable account that day
      swap_back: true          # harvests swap back into the sold fund after 31 days
      dividends:               # optional: cash dividends taken out of the total-return prices
        yield: {BND: 0.03, VTI: 0.015}   # a year, paid quarterly (first trading day)
        qualified: 0.9         # qualified share (taxable accounts; the rest is ordinary)
        reinvest: false        # false: paid to cash, invested by the next decision

Every key is checked; errors name the file and the key (``simulation.prices.VTI``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from rebal.errors import InputError
from rebal.household.model import Household

__all__ = ["SimulationSpec", "load_simulation", "simulation_from_dict"]

_KEYS = ("prices", "start", "end", "lots", "income_growth", "income_by_year", "inflation",
         "tax_payment", "dividends", "swap_back")


@dataclass(frozen=True, slots=True, kw_only=True)
class SimulationSpec:
    """The validated simulation file.

    Attributes
    ----------
    household
        The household at the file's ``as_of`` (its lots, cash, targets, tax facts).
    price_columns
        ``{symbol: column}``: the price column each security follows.
    start, end
        Simulated span (``None``: the data's / the household's).
    keep_lots
        True: the lots enter with their stated basis and dates (all on or before the
        start); False: an initial purchase of the same shares on the start date.
    income_growth
        Yearly growth of the other (ordinary) income from the file's tax year, a fraction.
    income_by_year
        Other income per year, dollars (wins over ``income_growth`` for the years given).
    inflation
        Yearly rate that indexes the nearest tax-parameter file for years without one.
    tax_payment
        ``(month, day)`` of the following year on which a year's tax is paid.
    dividend_yield
        ``{symbol: yearly yield}`` (fractions): cash dividends paid quarterly out of the
        total-return prices (empty: none).
    qualified_share
        The qualified part of dividends in taxable accounts (the rest is ordinary income).
    swap_back
        True: the substitute a harvest bought is swapped back into the harvested security
        on the first day at least 31 days later that the wash-sale guard allows.
    reinvest
        True: each dividend buys more of the same security in the same account (a purchase
        for the wash-sale rule); False: paid to cash.
    source
        The file's path.
    """

    household: Household
    price_columns: dict[str, str]
    start: date | None = None
    end: date | None = None
    keep_lots: bool = False
    income_growth: float = 0.0
    income_by_year: dict[int, float] = field(default_factory=dict)
    inflation: float = 0.025
    tax_payment: tuple[int, int] = (4, 15)
    dividend_yield: dict[str, float] = field(default_factory=dict)
    qualified_share: float = 1.0
    reinvest: bool = False
    swap_back: bool = True
    source: str | None = None

    def ordinary_income(self, year: int) -> float:
        """Other ordinary income of ``year``, dollars."""
        if year in self.income_by_year:
            return self.income_by_year[year]
        t = self.household.tax
        return t.ordinary_income_usd * (1.0 + self.income_growth) ** (year - t.tax_year)

    def investment_income(self, year: int) -> float:
        """The NIIT part of the other income, scaled like it, dollars."""
        t = self.household.tax
        if t.ordinary_income_usd <= 0:
            return 0.0
        return t.investment_income_usd * self.ordinary_income(year) / t.ordinary_income_usd


def _fail(source: str | None, key: str, message: str) -> InputError:
    return InputError(message, file=source, field=f"simulation.{key}")


def _date(raw: Any, source: str | None, key: str) -> date | None:
    if raw is None:
        return None
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise _fail(source, key, f"must be a date YYYY-MM-DD, got {raw!r}") from None


def _fraction(raw: Any, source: str | None, key: str, default: float) -> float:
    if raw is None:
        return default
    try:
        x = float(raw)
    except (TypeError, ValueError):
        raise _fail(source, key, f"must be a number (a fraction), got {raw!r}") from None
    if not (math.isfinite(x) and -0.5 < x < 1.0):
        raise _fail(source, key, f"must be a fraction between -0.5 and 1, got {raw!r}")
    return x


def simulation_from_dict(data: Any, *, source: str | None = None) -> SimulationSpec:
    """Validate a parsed simulation file (a household mapping with ``simulation:``)."""
    from rebal.household.io import household_from_dict

    if not isinstance(data, dict):
        raise InputError("the file must be a mapping of sections", file=source)
    body = dict(data)
    sim = body.pop("simulation", None)
    if not isinstance(sim, dict):
        raise InputError("needs a 'simulation:' section (at least 'prices')", file=source,
                         field="simulation")
    for key in sim:
        if key not in _KEYS:
            raise _fail(source, str(key), f"unknown key; allowed: {', '.join(_KEYS)}")
    household = household_from_dict(body, source=source)
    if household.private_funds:  # the day-by-day engine has no fund cash flows (yet)
        raise InputError("a simulation does not model private funds (their calls, "
                         "distributions and NAV); remove them or use `rebal alts`",
                         file=source, field="private_funds")
    prices = sim.get("prices")
    if not isinstance(prices, dict) or not prices:
        raise _fail(source, "prices", "must map each security to its price column")
    symbols = [s.symbol for s in household.securities]
    for sym, col in prices.items():
        if sym not in symbols:
            raise _fail(source, f"prices.{sym}",
                        f"unknown security; securities are {', '.join(symbols)}")
        if not isinstance(col, str) or not col:
            raise _fail(source, f"prices.{sym}", f"must be a column name, got {col!r}")
    for sym in symbols:
        if sym not in prices:
            raise _fail(source, f"prices.{sym}", "security has no price column")
    by_year: dict[int, float] = {}
    raw_years = sim.get("income_by_year") or {}
    if not isinstance(raw_years, dict):
        raise _fail(source, "income_by_year", "must map years to dollars")
    for y, v in raw_years.items():
        try:
            year, usd = int(y), float(v)
        except (TypeError, ValueError):
            raise _fail(source, f"income_by_year.{y}", f"must be a year: dollars, got {v!r}",
                        ) from None
        if not (math.isfinite(usd) and usd >= 0):
            raise _fail(source, f"income_by_year.{y}", f"must be dollars >= 0, got {v!r}")
        by_year[year] = usd
    pay = str(sim.get("tax_payment", "04-15"))
    try:
        month, day = (int(x) for x in pay.split("-"))
        date(2001, month, day)
    except ValueError:
        raise _fail(source, "tax_payment", f"must be MM-DD, got {pay!r}") from None
    start = _date(sim.get("start"), source, "start")
    end = _date(sim.get("end"), source, "end")
    if start is not None and end is not None and end <= start:
        raise _fail(source, "end", f"must be after start ({start}), got {end}")
    div = sim.get("dividends") or {}
    if not isinstance(div, dict):
        raise _fail(source, "dividends", "must be a mapping (yield, qualified, reinvest)")
    for key in div:
        if key not in ("yield", "qualified", "reinvest"):
            raise _fail(source, f"dividends.{key}", "unknown key; allowed: yield, qualified, "
                        "reinvest")
    yields: dict[str, float] = {}
    raw_yields = div.get("yield") or {}
    if not isinstance(raw_yields, dict):
        raise _fail(source, "dividends.yield", "must map securities to yearly yields")
    for sym, y in raw_yields.items():
        if sym not in symbols:
            raise _fail(source, f"dividends.yield.{sym}",
                        f"unknown security; securities are {', '.join(symbols)}")
        yields[str(sym)] = _fraction(y, source, f"dividends.yield.{sym}", 0.0)
        if yields[str(sym)] < 0:
            raise _fail(source, f"dividends.yield.{sym}", f"must be >= 0, got {y!r}")
    qualified = _fraction(div.get("qualified"), source, "dividends.qualified", 1.0)
    if not 0.0 <= qualified <= 1.0:
        raise _fail(source, "dividends.qualified", f"must be between 0 and 1, got {qualified}")
    reinvest = div.get("reinvest", False)
    if not isinstance(reinvest, bool):
        raise _fail(source, "dividends.reinvest", f"must be true or false, got {reinvest!r}")
    swap_back = sim.get("swap_back", True)
    if not isinstance(swap_back, bool):
        raise _fail(source, "swap_back", f"must be true or false, got {swap_back!r}")
    lots = sim.get("lots", "purchase" if start is not None else "keep")
    if lots not in ("purchase", "keep"):
        raise _fail(source, "lots", f"must be purchase or keep, got {lots!r}")
    if lots == "keep":
        first = start or household.as_of
        for i, lot in enumerate(household.lots):
            if lot.acquired is not None and lot.acquired > first:
                raise InputError(f"acquired {lot.acquired} is after the simulation start "
                                 f"{first} (simulation.lots: keep)", file=source,
                                 field=f"lots[{i}].acquired")
    return SimulationSpec(
        household=household, keep_lots=lots == "keep",
        price_columns={str(k): str(v) for k, v in prices.items()},
        start=start, end=end,
        income_growth=_fraction(sim.get("income_growth"), source, "income_growth", 0.0),
        income_by_year=by_year,
        inflation=_fraction(sim.get("inflation"), source, "inflation", 0.025),
        tax_payment=(month, day), dividend_yield=yields, qualified_share=qualified,
        reinvest=reinvest, swap_back=swap_back, source=source,
    )


def load_simulation(path: str | Path) -> SimulationSpec:
    """Read and validate a simulation file (YAML or JSON)."""
    import yaml

    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read simulation file: {exc.strerror or exc}",
                         file=name) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(f"invalid YAML: {getattr(exc, 'problem', None) or exc}", file=name,
                         row=None if mark is None else mark.line + 1) from None
    return simulation_from_dict(data, source=name)
