"""The executor seam of the services: re-exported from :mod:`rebal.executor`.

The protocol and its local implementations live at the bottom of the package's
layers (so ``studies`` and ``sweep`` can accept one); services choose which one runs.
"""

from __future__ import annotations

from rebal.executor import *  # noqa: F403  (a re-export: the names of rebal.executor)
from rebal.executor import __all__ as __all__
