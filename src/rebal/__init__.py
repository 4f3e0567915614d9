"""rebal: measure rebalancing policies honestly, and plan tax-aware rebalances.

The public API is re-exported lazily so that ``import rebal`` (and the CLI's
``--help``) stays fast: numba and pandas load only when first needed.
"""

from __future__ import annotations

__version__ = "0.1.0"
