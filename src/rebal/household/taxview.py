"""The tax engine's view of a household: its accounts and wash-sale settings.

One household file serves the planner and ``rebal tax audit``; this is the single
place where the household model is translated into :mod:`rebal.tax` objects.
"""

from __future__ import annotations

from rebal.household.model import Household
from rebal.tax.history import TaxHousehold
from rebal.tax.lots import Account, WashSaleSettings

__all__ = ["tax_accounts", "tax_household", "wash_sale_settings"]


def tax_accounts(household: Household) -> tuple[Account, ...]:
    """Every account (the household's accounts are the tax engine's accounts)."""
    return household.accounts


def wash_sale_settings(household: Household) -> WashSaleSettings:
    """Substantially-identical groups from the securities' ``wash_group`` (a symbol
    not listed is its own group), with the tax engine's conservative defaults."""
    return WashSaleSettings(groups={s.symbol: s.wash_group for s in household.securities})


def tax_household(household: Household) -> TaxHousehold:
    """Accounts and wash-sale settings for :func:`rebal.tax.ledger.audit`."""
    return TaxHousehold(accounts=tax_accounts(household), settings=wash_sale_settings(household))
