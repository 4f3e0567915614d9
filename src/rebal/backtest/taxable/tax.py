"""The yearly tax bill of a taxable backtest, from the tax engine's year totals.

One function, :func:`year_tax`: realized ST/LT gains and losses of a calendar
year (``rebal.tax.Ledger.year_totals``), the year's qualified dividends and the
loss carryforwards in → the bill and the carryforwards out. Netting (Schedule D,
$3,000 rule, carryforwards keeping their character) is
:func:`rebal.tax.net_capital_gains`; the bracket mode is
:func:`rebal.tax.federal_tax` (with minus without the portfolio).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from rebal.backtest.taxable.settings import BracketRates, FlatRates
from rebal.tax.federal import federal_tax
from rebal.tax.netting import net_capital_gains
from rebal.tax.rates import available_years

__all__ = ["YearTax", "params_year", "year_tax"]


@dataclass(frozen=True, slots=True, kw_only=True)
class YearTax:
    """The portfolio's tax of one calendar year (dollars).

    Attributes
    ----------
    year
        Calendar (tax) year.
    st_gains_usd, st_losses_usd, lt_gains_usd, lt_losses_usd
        Recognized gains (>= 0) and losses (<= 0) of the year's sales (taxable
        accounts; wash-sale disallowed losses excluded, none in rebal's backtests).
    qualified_dividends_usd
        Dividends of the taxable accounts (taxed as qualified).
    st_carry_in_usd, lt_carry_in_usd, st_carry_out_usd, lt_carry_out_usd
        Loss carryforwards into and out of the year (>= 0).
    loss_deduction_usd
        Net capital loss deducted against other income (<= the §1211(b) limit).
    federal_usd, state_usd, tax_usd
        The bill (``tax_usd = federal_usd + state_usd``); negative = a saving paid
        into the portfolio.
    params_year
        Bracket mode: the parameter year used (``None`` with flat rates).
    paid_day
        Row at whose close it was paid (-1: not paid inside the backtest).
    """

    year: int
    st_gains_usd: float
    st_losses_usd: float
    lt_gains_usd: float
    lt_losses_usd: float
    qualified_dividends_usd: float
    st_carry_in_usd: float
    lt_carry_in_usd: float
    st_carry_out_usd: float
    lt_carry_out_usd: float
    loss_deduction_usd: float
    federal_usd: float
    state_usd: float
    tax_usd: float
    params_year: int | None = None
    paid_day: int = -1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def params_year(year: int, table_year: int | None = None) -> int:
    """The bracket-table year used for ``year``: ``table_year`` when given, else
    itself, or the nearest available."""
    if table_year is not None:
        return table_year
    years = available_years()
    if year in years:
        return year
    return years[-1] if year > years[-1] else years[0]


def year_tax(
    rates: FlatRates | BracketRates,
    year: int,
    *,
    st_gains: float,
    st_losses: float,
    lt_gains: float,
    lt_losses: float,
    qualified_dividends: float,
    st_carry_in: float,
    lt_carry_in: float,
) -> YearTax:
    """The bill of ``year``.

    Parameters
    ----------
    rates
        Flat rates or bracket tables.
    year
        Tax year.
    st_gains, lt_gains
        Recognized gains, dollars >= 0.
    st_losses, lt_losses
        Recognized losses, dollars <= 0 (as in :class:`rebal.tax.YearTotals`).
    qualified_dividends
        Dollars >= 0.
    st_carry_in, lt_carry_in
        Loss carryforwards into the year, dollars >= 0.
    """
    if isinstance(rates, FlatRates):
        n = net_capital_gains(
            rates.filing_status, st_gains=st_gains, st_losses=-st_losses, lt_gains=lt_gains,
            lt_losses=-lt_losses, st_carryforward=st_carry_in, lt_carryforward=lt_carry_in,
        )
        federal = (rates.st_rate * n.ordinary_st_gain
                   + rates.lt_rate * (n.net_capital_gain + qualified_dividends)
                   - rates.st_rate * n.loss_deduction)
        state = rates.state_rate * (n.gain_in_agi + qualified_dividends)
        py = None
    else:
        py = params_year(year, rates.table_year)
        with_p = federal_tax(
            py, rates.filing_status, ordinary_income=rates.ordinary_income,
            qualified_dividends=qualified_dividends, st_gains=st_gains + st_losses,
            lt_gains=lt_gains + lt_losses, st_carryforward=st_carry_in,
            lt_carryforward=lt_carry_in, state_rate=rates.state_rate,
        )
        without = federal_tax(py, rates.filing_status, ordinary_income=rates.ordinary_income,
                              state_rate=rates.state_rate)
        federal = with_p.federal_income_tax - without.federal_income_tax
        state = with_p.state_tax - without.state_tax
        n = with_p.netting
    return YearTax(
        year=year, st_gains_usd=st_gains, st_losses_usd=st_losses, lt_gains_usd=lt_gains,
        lt_losses_usd=lt_losses, qualified_dividends_usd=qualified_dividends,
        st_carry_in_usd=st_carry_in, lt_carry_in_usd=lt_carry_in,
        st_carry_out_usd=n.st_carryforward_out, lt_carry_out_usd=n.lt_carryforward_out,
        loss_deduction_usd=n.loss_deduction, federal_usd=federal, state_usd=state,
        tax_usd=federal + state, params_year=py,
    )
