"""US tax engine: lots, holding periods, wash sales, gains netting, brackets, marginal tax.

Two halves: lots, holding periods, lot relief and wash sales (``lots``, ``holding``,
``relief``, ``washsale``, ``ledger``, ``history``), and gains netting, brackets and
marginal tax (``rates``, ``netting``, ``federal``, ``marginal``). Both the planner and
taxable backtests use this package; nothing here knows about either.
"""

from __future__ import annotations

from rebal.tax.federal import TaxBreakdown, federal_tax, tax_from_params
from rebal.tax.guard import wash_sale_guard
from rebal.tax.history import TaxHousehold, TradeHistory, load_tax_household, load_trades
from rebal.tax.holding import first_long_term_date, holding_term, is_long_term
from rebal.tax.ledger import AuditResult, Disposition, Form8949Line, Ledger, YearTotals, audit
from rebal.tax.lots import Account, Lot, Trade, WashSaleSettings
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
from rebal.tax.relief import LotPick, select_lots
from rebal.tax.washsale import GuardResult, buy_would_wash, sale_would_be_washed

__all__ = [
    "Account",
    "AuditResult",
    "CapitalNetting",
    "Disposition",
    "ExtraTax",
    "Form8949Line",
    "GainTaxSchedule",
    "GuardResult",
    "Ledger",
    "Lot",
    "LotPick",
    "MarginalRates",
    "StatusParams",
    "TaxBreakdown",
    "TaxHousehold",
    "TaxProfile",
    "TaxSegment",
    "TaxYearParams",
    "Trade",
    "TradeHistory",
    "WashSaleSettings",
    "YearTotals",
    "audit",
    "available_years",
    "buy_would_wash",
    "extra_tax",
    "extra_tax_detail",
    "federal_tax",
    "first_long_term_date",
    "gain_tax_schedule",
    "holding_term",
    "is_long_term",
    "load_params",
    "load_tax_household",
    "load_trades",
    "lt_gain_tax_schedule",
    "marginal_rates",
    "net_capital_gains",
    "profile_tax",
    "sale_would_be_washed",
    "select_lots",
    "status_params",
    "statutory_loss_limit",
    "tax_from_params",
    "wash_sale_guard",
    "zero_rate_lt_room",
]
