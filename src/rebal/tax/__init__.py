"""US tax engine: lots, holding periods, wash sales, gains netting, brackets, marginal tax.

This file re-exports the public API of the gains-and-tax part (``rates``, ``netting``,
``federal``, ``marginal``). The lots / relief / wash-sale part (``lots``, ``relief``,
``washsale``, ``history``, ``audit``) adds its names below when merged.
"""

from __future__ import annotations

from rebal.tax.federal import TaxBreakdown, federal_tax, tax_from_params
from rebal.tax.marginal import (
    ExtraTax,
    GainTaxSchedule,
    MarginalRates,
    TaxProfile,
    TaxSegment,
    extra_tax,
    extra_tax_detail,
    gain_tax_schedule,
    lt_gain_tax_schedule,
    marginal_rates,
    profile_tax,
    zero_rate_lt_room,
)
from rebal.tax.netting import CapitalNetting, net_capital_gains, statutory_loss_limit
from rebal.tax.rates import StatusParams, TaxYearParams, available_years, load_params, status_params

# Lots / relief / wash sales (other helper): e.g.
# from rebal.tax.lots import ...
# from rebal.tax.washsale import ...

__all__ = [
    "CapitalNetting",
    "ExtraTax",
    "GainTaxSchedule",
    "MarginalRates",
    "StatusParams",
    "TaxBreakdown",
    "TaxProfile",
    "TaxSegment",
    "TaxYearParams",
    "available_years",
    "extra_tax",
    "extra_tax_detail",
    "federal_tax",
    "gain_tax_schedule",
    "load_params",
    "lt_gain_tax_schedule",
    "marginal_rates",
    "net_capital_gains",
    "profile_tax",
    "status_params",
    "statutory_loss_limit",
    "tax_from_params",
    "zero_rate_lt_room",
]
