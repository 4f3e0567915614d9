"""Reports: metrics tables (shared with the CLI), plotly charts, self-contained HTML.

Only this package imports plotly, and only when a chart or an HTML report is
built: ``from rebal.reports.tables import metrics_table`` (what the CLI uses)
loads no plotting code.

Public API (re-exported lazily)::

    compare_report(results, path, *, metrics=None, baseline=None, meta=None, ...) -> Path
    compare_report_html(results, ...) -> str
    compare_report_from_study(study_result, path) -> Path
    plan_report(plan, path, *, schedule=None, title=None) -> Path
    plan_report_html(plan, ...) -> str
    ReportMeta, SubPeriod, meta_from_results(results, *, title, costs, notes)
    metrics_table(entries, columns=COMPARE_COLUMNS, *, baseline) -> StringTable
    metrics_rows(entries, columns=COMPARE_COLUMNS) -> list[tuple[str, ...]]
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "compare_report": "rebal.reports.html",
    "compare_report_html": "rebal.reports.html",
    "compare_report_from_study": "rebal.reports.html",
    "plan_report": "rebal.reports.html",
    "plan_report_html": "rebal.reports.html",
    "household_history_html": "rebal.reports.html",
    "plotly_js": "rebal.reports.html",
    "ReportMeta": "rebal.reports.meta",
    "SubPeriod": "rebal.reports.meta",
    "DEFAULT_EPISODES": "rebal.reports.meta",
    "meta_from_results": "rebal.reports.meta",
    "COMPARE_COLUMNS": "rebal.reports.tables",
    "DETAIL_COLUMNS": "rebal.reports.tables",
    "StringTable": "rebal.reports.tables",
    "metrics_header": "rebal.reports.tables",
    "metrics_rows": "rebal.reports.tables",
    "metrics_table": "rebal.reports.tables",
    "yearly_table": "rebal.reports.tables",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'rebal.reports' has no attribute {name!r}")
    return getattr(import_module(module), name)
