"""The validated household (accounts, securities, lots, targets) and its file format.

Its accounts and recent trades are the tax engine's :class:`rebal.tax.Account` and
:class:`rebal.tax.Trade` (one model; the file keys are mapped in ``build``/``to_dict``).

``load_household(path)`` reads a YAML/JSON household file (lots optionally from
CSV) into an immutable :class:`Household`, the single input of the planner and
``rebal check``; :mod:`rebal.household.views` derives values, weights, drift and
unrealized gains from it. See ``docs/household.md``.
"""

from rebal.household.io import (
    LOT_CSV_COLUMNS,
    dump_household,
    household_from_dict,
    household_to_dict,
    load_household,
    read_lots_csv,
)
from rebal.household.model import (
    ClassTarget,
    HeldLot,
    Household,
    Security,
    TaxFacts,
    TierName,
    WashSalePolicy,
)

__all__ = [
    "LOT_CSV_COLUMNS",
    "ClassTarget",
    "HeldLot",
    "Household",
    "Security",
    "TaxFacts",
    "TierName",
    "WashSalePolicy",
    "dump_household",
    "household_from_dict",
    "household_to_dict",
    "load_household",
    "read_lots_csv",
]
