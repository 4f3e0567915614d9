"""Study files: several policies backtested on the same data, side by side.

``rebal compare STUDY.yaml`` = :func:`rebal.studies.load.load_study` +
:func:`rebal.studies.run.run_study`. One module per job:

- :mod:`rebal.studies.spec`: the file's schema (pydantic, serialisable, no data);
- :mod:`rebal.studies.load`: the file read and its data loaded (:class:`Study`);
- :mod:`rebal.studies.taxes`: the ``tax:`` and ``harvest:`` sections translated;
- :mod:`rebal.studies.columns`: table columns and their aliases;
- :mod:`rebal.studies.run`: the run loop (each policy a job of an executor);
- :mod:`rebal.studies.result`: :class:`StudyResult`, :class:`PolicyOutcome`, JSON.

A study file (YAML)::

    title: 2020 case study (60/40)
    data:
      prices: ../../../shared/data/etf_adjclose_daily_1993_2025.csv  # or a dataset: us_daily
      assets: [SPY, AGG]          # default: the target's assets
      risk_free: BIL              # column of T-bill prices (datasets: their own)
      start: 2020-01-01
      end: 2020-12-31
      warmup_from: 2004-01-01     # optional: history for the triggers' estimators
      aux:
        VIX: {path: ../../../shared/data/vix_daily_cboe_1990_2026.csv, column: Close}
    target: {SPY: 0.6, AGG: 0.4}
    initial_usd: 1000000
    costs: {bps: 5, per_asset_bps: {AGG: 3}, fixed_usd: 0, min_trade_usd: 0}
    cash_flows: {amount_usd: 1000, frequency: monthly, dated: {"2020-06-30": -5000}}
    policies:                     # ordered: name -> short form or structured spec
      Buy and hold: buy-and-hold
      Monthly: monthly
      5% threshold: band:abs=0.05
      Dynamic: {kind: vol_band, base_band: 0.05, floor: 0.02, cap: 0.12}
    periods:
      Q1 2020: {start: 2020-01-01, end: 2020-03-31}
    columns: [Q1 2020, total_return, annual_volatility]
    tax:                          # optional: every policy also run after tax
      rates: {st: 0.35, lt: 0.15, state: 0.05}   # flat (fractions), or:
      # rates: {kind: brackets, filing_status: mfj, ordinary_income: 150000,
      #         state: 0.05, table_year: nearest}  # or a year with a parameter file
      lot_method: hifo            # fifo, lifo, hifo, hcltf, tax_min
      pay_date: 01-01             # MM-DD of the next year: year Y's bill is paid then
      dividend_yield: {SPY: 0.018}          # optional, per asset (fraction a year)
      dividend_frequency: quarterly
      wash_groups: {SPY: sp500, VOO: sp500} # optional
      accounts:                   # optional (default: one taxable account, initial_usd)
        - {id: brokerage, type: taxable, initial_usd: 600000, target: {SPY: 1.0}}
        - {id: ira, type: traditional, initial_usd: 400000, target: {SPY: 0.1, AGG: 0.9}}
    harvest:                      # optional, needs tax:
      substitutes: {SPY: VTI, AGG: IEF}     # assets of the data (loaded even if not listed)
      min_loss_pct: 0.05
      min_loss_usd: 1000
      swap_back: true

Conventions
-----------
- Paths are relative to the study file (``${VAR}`` and ``~`` are expanded).
- **Row 0** (the purchase) is the last row dated *before* ``start`` when the data
  has one, so every trading day from ``start`` to ``end`` contributes a return
  (2020-01-01 … 2020-12-31 is the whole of 2020); otherwise the first row.
- ``warmup_from``: rows from this date up to row 0 are history for the
  state-dependent triggers (trailing vol, correlation, long-run averages); they
  are never traded. Without it the estimators warm up inside the backtest.
- An aux series must span every row from the warm-up start to ``end`` (its
  first date on or before the first row, its last on or after the last) with no
  gap longer than 7 calendar days (holidays are carried forward, past values
  only); otherwise :class:`DataError` names the file and the first uncovered date.
- The buy-and-hold baseline is always computed (the listed buy-and-hold policy
  when there is one); every policy's metrics are relative to it.
- ``columns``: period names, :class:`rebal.metrics.Metrics` field names, or the
  aliases in :data:`rebal.studies.columns.COLUMN_ALIASES`
  (``annual_return`` = CAGR, ``volatility``,
  ``turnover``, ``rebalances`` …).
- ``tax:`` runs :func:`rebal.backtest.taxable.simulator.run_taxable_backtest` for each
  policy and the
  baseline (``docs/taxable_backtests.md``); each :class:`PolicyOutcome` then carries
  ``tax_result`` and ``tax_metrics`` (after-tax alpha versus the after-tax
  baseline), and ``columns`` may name :class:`rebal.backtest.taxable.results.TaxMetrics` fields
  or the aliases in :data:`rebal.studies.columns.TAX_COLUMN_ALIASES` (default columns
  gain :data:`rebal.studies.columns.DEFAULT_TAX_COLUMNS`). Substitutes are loaded with the
  data (the common
  span of all columns is used) but the pre-tax runs hold the target's assets only.
  With ``tax.accounts`` the accounts' initial dollars are the study's
  ``initial_usd`` and their targets, weighted by those dollars, must equal the
  study's target (the pre-tax run's). Policies must be band or calendar rules with
  one group; ``cash_flows`` cannot be combined with ``tax:`` yet.
- ``load_study(path, overrides={"data.prices": "/other/prices.csv"})`` replaces
  dotted keys before validation (paths in overrides are relative to the working
  directory).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rebal.studies.load import Study, load_study, study_from_dict
    from rebal.studies.result import PolicyOutcome, StudyResult
    from rebal.studies.run import run_study

__all__ = ["PolicyOutcome", "Study", "StudyResult", "load_study", "run_study", "study_from_dict"]

_HOMES = {
    "Study": "rebal.studies.load",
    "load_study": "rebal.studies.load",
    "study_from_dict": "rebal.studies.load",
    "PolicyOutcome": "rebal.studies.result",
    "StudyResult": "rebal.studies.result",
    "run_study": "rebal.studies.run",
}


def __getattr__(name: str) -> Any:
    # lazy: importing the package (for its docstring, or a submodule) loads no data code
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'rebal.studies' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(home), name)
