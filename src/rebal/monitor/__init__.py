"""Watching households: what needs attention today, as deduplicable alerts.

- :mod:`rebal.monitor.alerts`: :class:`Alert` (kind, key, severity, message, figures)
  and :class:`MonitorResult` (one household's alerts and its band check);
- :mod:`rebal.monitor.rules`: :func:`evaluate` — the rules run on one household:
  classes outside (or near) their bands, cash and contributions to invest, a withdrawal
  the cash cannot cover, losses worth harvesting that have a substitute and no wash-sale
  block (and those that are blocked, with the first safe date), wash-sale windows about
  to end (swap back), and unused 0 % long-term-gain room late in the year.

Alerts carry a stable ``key`` (kind + what it is about), so a store can deduplicate them
across daily runs (first seen, last seen, resolved); see :mod:`rebal.services.monitor`.
"""

from rebal.monitor.alerts import Alert, AlertKind, MonitorResult, Severity
from rebal.monitor.rules import MonitorSettings, evaluate

__all__ = ["Alert", "AlertKind", "MonitorResult", "MonitorSettings", "Severity", "evaluate"]
