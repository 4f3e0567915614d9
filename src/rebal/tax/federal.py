"""Federal income tax of one household-year: brackets, LTCG stacking, AMT, NIIT, flat state.

Scope (what is and is not modelled)
-----------------------------------
* Standard deduction only (IRC §63(c)); itemizing, age/blind additions, the OBBBA senior,
  tips, overtime and car-loan deductions, and credits (child credit, EITC …) are not
  modelled. The result is tax *before credits*.
* Regular tax (IRC §1(j)) by the exact formula of the rate schedules, with qualified
  dividends and net capital gain taxed at 0/15/20% stacked on top of ordinary income
  (§1(h); Qualified Dividends and Capital Gain Tax Worksheet / Schedule D Tax Worksheet,
  computed exactly as PSL Tax-Calculator does — NOT the $50 rows of the IRS Tax Table,
  which can differ by a few dollars below $100,000 of taxable income).
* No 28% collectibles or 25% unrecaptured §1250 gain (§1(h)(4)-(6)): all net capital gain
  is 0/15/20 gain.
* Alternative minimum tax (§55; Form 6251) for the standard-deduction case: AMTI = AGI
  (the standard deduction is added back, §56(b)(1)(E)); capital gains keep their regular
  rates inside the AMT (§55(b)(3); Form 6251 Part III). Large long-term gains with little
  other income can make it bind.
* NIIT (§1411): rate × min(net investment income, MAGI − threshold); MAGI = AGI (no foreign
  earned income). NII = capital gain in AGI (after the §1211(b) limit) + qualified
  dividends + the ``investment_income`` part of ordinary income (interest, non-qualified
  dividends), floored at 0 (Form 8960 lines 1-8, 12).
* State tax: one flat rate × max(0, AGI). A user's state rules (own deductions,
  exclusions) are not modelled; the point is a marginal state rate on gains.

All amounts are dollars per year; rates are fractions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rebal.errors import ConfigError
from rebal.tax.netting import CapitalNetting, net_capital_gains
from rebal.tax.rates import StatusParams, load_params
from rebal.tax.records import Record
from rebal.types import FilingStatus

__all__ = ["TaxBreakdown", "federal_tax", "tax_from_params"]


@dataclass(frozen=True, slots=True)
class TaxBreakdown(Record):
    """The tax of one household-year, every step visible (dollars; rates are fractions).

    Attributes
    ----------
    year, filing_status
        Tax year and filing status.
    ordinary_income, qualified_dividends, investment_income, state_rate
        The inputs (see :func:`federal_tax`).
    netting
        The Schedule D netting, with carryforwards out.
    agi
        Adjusted gross income = ordinary income + qualified dividends + capital gain in
        AGI (after the §1211(b) loss limit).
    standard_deduction
        The basic standard deduction used.
    taxable_income
        max(0, AGI − standard deduction) (Form 1040 line 15).
    preferential_income
        Qualified dividends + net capital gain, limited to taxable income (the part taxed
        at 0/15/20%).
    ordinary_taxable_income
        Taxable income − preferential income (taxed by the ordinary schedule).
    ordinary_tax
        Schedule tax on ``ordinary_taxable_income``.
    pref_at_0, pref_at_15, pref_at_20
        Dollars of preferential income in each LTCG band.
    preferential_tax
        0.15 × pref_at_15 + 0.20 × pref_at_20.
    regular_tax
        min(ordinary_tax + preferential_tax, schedule tax on all taxable income) (worksheet
        line 45; the minimum binds only in a few-dollar sliver where the 15% band starts
        below the end of the 12% bracket).
    amt
        Alternative minimum tax (≥ 0) on top of the regular tax.
    niit, net_investment_income
        Net investment income tax and its base before the MAGI limit.
    federal_income_tax
        regular_tax + amt + niit: the federal income tax before credits.
    state_tax
        state_rate × max(0, AGI).
    total_tax
        federal_income_tax + state_tax.
    """

    year: int
    filing_status: FilingStatus
    ordinary_income: float
    qualified_dividends: float
    investment_income: float
    state_rate: float
    netting: CapitalNetting
    agi: float
    standard_deduction: float
    taxable_income: float
    preferential_income: float
    ordinary_taxable_income: float
    ordinary_tax: float
    pref_at_0: float
    pref_at_15: float
    pref_at_20: float
    preferential_tax: float
    regular_tax: float
    amt: float
    net_investment_income: float
    niit: float
    federal_income_tax: float
    state_tax: float
    total_tax: float

    def to_text(self) -> str:
        """A plain-text statement of the computation, one line per step (for the CLI)."""
        n = self.netting
        rows = [
            f"Tax year {self.year}, filing status {self.filing_status.value}",
            f"  Net short-term gain/loss        {n.net_st:>14,.2f}",
            f"  Net long-term gain/loss         {n.net_lt:>14,.2f}",
            f"  Capital gain in AGI             {n.gain_in_agi:>14,.2f}",
            f"  AGI                             {self.agi:>14,.2f}",
            f"  Standard deduction              {self.standard_deduction:>14,.2f}",
            f"  Taxable income                  {self.taxable_income:>14,.2f}",
            f"    ordinary                      {self.ordinary_taxable_income:>14,.2f}",
            f"    preferential (QD + LTCG)      {self.preferential_income:>14,.2f}",
            f"      at 0%                       {self.pref_at_0:>14,.2f}",
            f"      at 15%                      {self.pref_at_15:>14,.2f}",
            f"      at 20%                      {self.pref_at_20:>14,.2f}",
            f"  Ordinary tax                    {self.ordinary_tax:>14,.2f}",
            f"  Preferential tax                {self.preferential_tax:>14,.2f}",
            f"  Regular tax                     {self.regular_tax:>14,.2f}",
            f"  AMT                             {self.amt:>14,.2f}",
            f"  NIIT                            {self.niit:>14,.2f}",
            f"  Federal income tax              {self.federal_income_tax:>14,.2f}",
            f"  State tax ({self.state_rate:.2%} of AGI)       {self.state_tax:>14,.2f}",
            f"  Total tax                       {self.total_tax:>14,.2f}",
            f"  Carryforward out: ST {n.st_carryforward_out:,.2f}, "
            f"LT {n.lt_carryforward_out:,.2f}",
        ]
        return "\n".join(rows)


def _finite(name: str, value: float, *, nonneg: bool = False) -> float:
    value = float(value)
    if not math.isfinite(value) or (nonneg and value < 0.0):
        need = "a finite amount ≥ 0" if nonneg else "finite"
        raise ConfigError(f"federal_tax.{name} must be {need}, got {value}")
    return value


def federal_tax(
    year: int,
    filing_status: FilingStatus | str,
    *,
    ordinary_income: float,
    qualified_dividends: float = 0.0,
    st_gains: float = 0.0,
    lt_gains: float = 0.0,
    st_carryforward: float = 0.0,
    lt_carryforward: float = 0.0,
    investment_income: float = 0.0,
    state_rate: float = 0.0,
) -> TaxBreakdown:
    """Federal (and flat state) income tax of one year.

    Parameters
    ----------
    year
        Tax year with a parameter file (2024, 2025, 2026 shipped); else ``ConfigError``.
    filing_status
        ``FilingStatus`` or its text (single, mfj, mfs, hoh, qss).
    ordinary_income
        All income taxed at ordinary rates other than capital gains, before the standard
        deduction: wages, interest, non-qualified dividends, IRA distributions … Dollars;
        may be negative (e.g. a business loss). Excludes ``qualified_dividends``.
    qualified_dividends
        Qualified dividends (§1(h)(11)), dollars ≥ 0, taxed at 0/15/20%.
    st_gains, lt_gains
        The year's *net* realized short-term and long-term gain (+) or loss (−), dollars,
        before carryforwards (e.g. from :mod:`rebal.tax.lots`); netting against each other,
        against carryovers and the §1211(b) limit happen here.
    st_carryforward, lt_carryforward
        Capital loss carryovers into the year, dollars ≥ 0 (positive = loss).
    investment_income
        The part of ``ordinary_income`` that is net investment income for NIIT (taxable
        interest, non-qualified dividends), dollars ≥ 0.
    state_rate
        Flat state rate, fraction in [0, 1), applied to max(0, AGI).

    Returns
    -------
    TaxBreakdown
    """
    params = load_params(int(year))[filing_status]
    return tax_from_params(
        params,
        ordinary_income=ordinary_income,
        qualified_dividends=qualified_dividends,
        st_gains=st_gains,
        lt_gains=lt_gains,
        st_carryforward=st_carryforward,
        lt_carryforward=lt_carryforward,
        investment_income=investment_income,
        state_rate=state_rate,
    )


def tax_from_params(
    params: StatusParams,
    *,
    ordinary_income: float,
    qualified_dividends: float = 0.0,
    st_gains: float = 0.0,
    lt_gains: float = 0.0,
    st_carryforward: float = 0.0,
    lt_carryforward: float = 0.0,
    investment_income: float = 0.0,
    state_rate: float = 0.0,
) -> TaxBreakdown:
    """:func:`federal_tax` with the parameters already loaded (the planner's hot path)."""
    p = params
    ordinary = _finite("ordinary_income", ordinary_income)
    qdiv = _finite("qualified_dividends", qualified_dividends, nonneg=True)
    st = _finite("st_gains", st_gains)
    lt = _finite("lt_gains", lt_gains)
    nii_ordinary = _finite("investment_income", investment_income, nonneg=True)
    rate_state = _finite("state_rate", state_rate, nonneg=True)
    if rate_state >= 1.0:
        raise ConfigError(f"federal_tax.state_rate is a fraction < 1, got {rate_state}")

    std = p.standard_deduction
    netting = net_capital_gains(
        p.filing_status,
        st_gains=max(st, 0.0),
        st_losses=max(-st, 0.0),
        lt_gains=max(lt, 0.0),
        lt_losses=max(-lt, 0.0),
        st_carryforward=_finite("st_carryforward", st_carryforward, nonneg=True),
        lt_carryforward=_finite("lt_carryforward", lt_carryforward, nonneg=True),
        # Carryover worksheet line 3: taxable income before the capital-loss deduction.
        adjusted_taxable_income=ordinary + qdiv - std,
        loss_limit=p.capital_loss_limit,
    )

    agi = ordinary + qdiv + netting.gain_in_agi
    taxable = max(0.0, agi - std)  # §63(a), (c)

    # Qualified Dividends and Capital Gain Tax Worksheet, §1(h)(1); line numbers of the
    # Schedule D Tax Worksheet with no 25%/28% gain (identical results).
    pref_all = qdiv + netting.net_capital_gain  # line 10
    ordinary_ti = max(0.0, taxable - pref_all)  # line 14 (= line 18 here)
    top0 = min(p.ltcg_zero_top, taxable)  # line 15
    at0 = top0 - min(ordinary_ti, top0)  # line 19: §1(h)(1)(B)
    pref = min(taxable, pref_all)  # line 21
    room15 = max(0.0, min(p.ltcg_fifteen_top, taxable) - (ordinary_ti + at0))  # lines 25-27
    at15 = min(max(0.0, pref - at0), room15)  # line 28: §1(h)(1)(C)
    at20 = pref - (at0 + at15)  # line 31: §1(h)(1)(D)
    ordinary_tax = p.ordinary_tax(ordinary_ti)  # line 42
    pref_tax = p.ltcg_rates[0] * at0 + p.ltcg_rates[1] * at15 + p.ltcg_rates[2] * at20
    # Tax-Calculator sums the worksheet in this order; keep it for cent-exact agreement.
    worksheet_tax = p.ltcg_rates[1] * at15 + p.ltcg_rates[2] * at20 + ordinary_tax
    regular = min(worksheet_tax, p.ordinary_tax(taxable))  # line 45

    amt = _amt(p, agi=agi, ordinary_ti=ordinary_ti, pref_all=pref_all, regular_tax=regular)

    # §1411: NII (Form 8960 line 8/12) and MAGI above the threshold (lines 13-16).
    nii = max(0.0, nii_ordinary + qdiv + netting.gain_in_agi)
    niit = p.niit_rate * min(nii, max(0.0, agi - p.niit_threshold))

    federal = regular + amt + niit
    state = rate_state * max(0.0, agi)
    return TaxBreakdown(
        year=p.year,
        filing_status=p.filing_status,
        ordinary_income=ordinary,
        qualified_dividends=qdiv,
        investment_income=nii_ordinary,
        state_rate=rate_state,
        netting=netting,
        agi=agi,
        standard_deduction=std,
        taxable_income=taxable,
        preferential_income=pref,
        ordinary_taxable_income=ordinary_ti,
        ordinary_tax=ordinary_tax,
        pref_at_0=at0,
        pref_at_15=at15,
        pref_at_20=at20,
        preferential_tax=pref_tax,
        regular_tax=regular,
        amt=amt,
        net_investment_income=nii,
        niit=niit,
        federal_income_tax=federal,
        state_tax=state,
        total_tax=federal + state,
    )


def _amt(p: StatusParams, *, agi: float, ordinary_ti: float, pref_all: float,
         regular_tax: float) -> float:
    """Alternative minimum tax (IRC §55; Form 6251), standard-deduction filers only.

    AMTI = AGI because the standard deduction subtracted on line 1 is added back on line
    2a (§56(b)(1)(E)) and no other adjustment is modelled.
    """
    amti = agi
    if p.filing_status is FilingStatus.MFS:
        # §55(d)(4)(C) (Form 6251 line 4 instructions): MFS adds back part of the exemption
        # beyond the point where the phase-out has eliminated it. Tax-Calculator 6.8.0
        # omits this; see docs/tax.md.
        zero_at = p.amt_phaseout_start + p.amt_exemption / p.amt_phaseout_rate
        if amti > zero_at:
            amti += min(p.amt_phaseout_rate * (amti - zero_at), p.amt_exemption)
    phased = p.amt_phaseout_rate * max(0.0, amti - p.amt_phaseout_start)
    exemption = max(0.0, p.amt_exemption - phased)
    line6 = max(0.0, amti - exemption)
    r1, r2 = p.amt_rates

    def flat(x: float) -> float:  # §55(b)(1)(A)
        return r1 * x + (r2 - r1) * max(0.0, x - p.amt_rate_break)

    flat_tax = flat(line6)
    # Part III (§55(b)(3)): the regular 0/15/20 bands, measured from the regular-tax
    # ordinary taxable income (line 20 = worksheet line 14).
    line16 = min(line6, pref_all)
    line18 = flat(line6 - line16)
    line21 = max(0.0, p.ltcg_zero_top - ordinary_ti)
    line22 = min(line6, pref_all)
    line23 = min(line21, line22)
    line24 = line22 - line23
    line29 = max(0.0, p.ltcg_fifteen_top - (line21 + ordinary_ti))
    line30 = min(line24, line29)
    line33 = line22 - (line23 + line30)
    line38 = line18 + p.ltcg_rates[1] * line30 + p.ltcg_rates[2] * line33
    tentative = min(flat_tax, line38)  # line 40
    return max(0.0, tentative - regular_tax)  # line 11
