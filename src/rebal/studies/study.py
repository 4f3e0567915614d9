"""Study files: several policies backtested on the same data, side by side.

``rebal compare STUDY.yaml`` = :func:`load_study` + :func:`run_study`. A study
file (YAML)::

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
  aliases in :data:`COLUMN_ALIASES` (``annual_return`` = CAGR, ``volatility``,
  ``turnover``, ``rebalances`` …).
- ``tax:`` runs :func:`rebal.backtest.taxable.simulator.run_taxable_backtest` for each policy and the
  baseline (``docs/taxable_backtests.md``); each :class:`PolicyOutcome` then carries
  ``tax_result`` and ``tax_metrics`` (after-tax alpha versus the after-tax
  baseline), and ``columns`` may name :class:`rebal.backtest.taxable.results.TaxMetrics` fields
  or the aliases in :data:`TAX_COLUMN_ALIASES` (default columns gain
  :data:`DEFAULT_TAX_COLUMNS`). Substitutes are loaded with the data (the common
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

import datetime as _dt
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rebal.data.loaders import attach_aux, load_prices, load_series
from rebal.data.market import MarketData
from rebal.errors import ConfigError, DataError, InputError
from rebal.metrics import Metrics, window_return
from rebal.policy.dynamic import DynamicPolicy
from rebal.policy.kinds import PolicyKind, kind_of
from rebal.policy.policy import Policy
from rebal.policy.registry import error_text, field_path
from rebal.policy.spec import policy_from_spec
from rebal.policy.target import target_array
from rebal.backtest.results import BacktestResult
from rebal.backtest import CashFlows, CostModel, run_backtest

if TYPE_CHECKING:
    from rebal.backtest.taxable.settings import HarvestSettings, SimAccount, TaxSettings
    from rebal.backtest.taxable.results import TaxableBacktestResult, TaxMetrics

__all__ = [
    "COLUMN_ALIASES",
    "DEFAULT_COLUMNS",
    "DEFAULT_TAX_COLUMNS",
    "TAX_COLUMN_ALIASES",
    "Column",
    "Period",
    "PolicyOutcome",
    "Study",
    "StudyResult",
    "StudyTax",
    "load_study",
    "run_study",
]

AUX_MAX_STALE_DAYS = 7
"""An aux value older than this (calendar days) at a row counts as not covering it."""

COLUMN_ALIASES: Mapping[str, str] = {
    "annual_return": "cagr",
    "return": "total_return",
    "full_return": "total_return",
    "volatility": "annual_volatility",
    "vol": "annual_volatility",
    "drawdown": "max_drawdown",
    "turnover": "annual_turnover",
    "rebalances": "n_rebalances",
    "alpha": "rebalancing_alpha",
    "costs": "cost_drag_annual",
}
DEFAULT_COLUMNS = (
    "total_return", "cagr", "annual_volatility", "max_drawdown", "sharpe",
    "annual_turnover", "n_rebalances",
)
_METRIC_NAMES = tuple(Metrics.__dataclass_fields__)

TAX_COLUMN_ALIASES: Mapping[str, str] = {
    "after_tax_return": "after_tax_cagr",
    "after_tax_return_liquidated": "after_tax_cagr_liquidated",
    "after_tax_cagr_liq": "after_tax_cagr_liquidated",
    "taxes_paid_usd": "total_tax_paid_usd",
    "taxes_paid": "total_tax_paid_usd",
    "tax_paid_usd": "total_tax_paid_usd",
    "harvested_losses_usd": "harvested_loss_usd",
    "harvested_losses": "harvested_loss_usd",
    "harvests": "n_harvests",
    "tax_alpha": "after_tax_alpha",
    "after_tax_alpha_liq": "after_tax_alpha_liquidated",
    "liquidation_value": "liquidation_value_usd",
}
"""Aliases of :class:`rebal.backtest.taxable.results.TaxMetrics` columns (studies with ``tax:``)."""
DEFAULT_TAX_COLUMNS = (
    "after_tax_cagr", "after_tax_cagr_liquidated", "tax_drag", "total_tax_paid_usd",
    "after_tax_alpha_liquidated",
)
"""Added to :data:`DEFAULT_COLUMNS` when a study has ``tax:`` (and ``harvested_loss_usd``
with ``harvest:``)."""


def _tax_metric_names() -> tuple[str, ...]:
    from rebal.backtest.taxable.results import TaxMetrics

    # a dict per year is not a table cell
    return tuple(n for n in TaxMetrics.__dataclass_fields__ if n != "tax_paid_by_year")


# ----------------------------------------------------------------------- the file's schema
class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _AuxSpec(_Model):
    path: str
    column: str
    date_column: str | None = None


class _DataSpec(_Model):
    prices: str
    assets: list[str] | None = None
    risk_free: str | None = None
    start: _dt.date | None = None
    end: _dt.date | None = None
    warmup_from: _dt.date | None = None
    aux: dict[str, _AuxSpec] = {}


class _CostsSpec(_Model):
    bps: Annotated[float, Field(ge=0, le=1000)] = 0.0
    per_asset_bps: dict[str, Annotated[float, Field(ge=0, le=1000)]] = {}
    fixed_usd: Annotated[float, Field(ge=0)] = 0.0
    min_trade_usd: Annotated[float, Field(ge=0)] = 0.0


class _FlowsSpec(_Model):
    amount_usd: float = 0.0
    frequency: str | None = None
    dated: dict[str, float] = {}


class _PeriodSpec(_Model):
    start: _dt.date
    end: _dt.date


_Fraction = Annotated[float, Field(ge=0, lt=1)]


class _RatesSpec(_Model):
    kind: Literal["flat", "brackets"] = "flat"
    st: _Fraction | None = None
    lt: _Fraction | None = None
    state: _Fraction = 0.0
    filing_status: str = "single"
    ordinary_income: float | None = None
    table_year: int | Literal["nearest"] = "nearest"


class _AccountSpec(_Model):
    id: str
    type: str = "taxable"
    initial_usd: Annotated[float, Field(gt=0)]
    target: dict[str, float] | None = None


class _TaxSpec(_Model):
    rates: _RatesSpec
    lot_method: str = "hifo"
    pay_date: str = "01-01"
    dividend_yield: dict[str, Annotated[float, Field(ge=0, lt=0.5)]] = {}
    dividend_frequency: str = "quarterly"
    wash_groups: dict[str, str] = {}
    accounts: list[_AccountSpec] | None = Field(default=None, min_length=1)


class _HarvestSpec(_Model):
    substitutes: dict[str, str] = Field(min_length=1)
    min_loss_pct: _Fraction = 0.05
    min_loss_usd: Annotated[float, Field(ge=0)] = 1_000.0
    swap_back: bool = True


class _StudySpec(_Model):
    title: str
    description: str = ""
    data: _DataSpec
    target: dict[str, float]
    initial_usd: Annotated[float, Field(gt=0)] = 1_000_000.0
    costs: _CostsSpec = _CostsSpec()
    cash_flows: _FlowsSpec | None = None
    policies: dict[str, Any] = Field(min_length=1)
    periods: dict[str, _PeriodSpec] = {}
    columns: list[str] | None = None
    tax: _TaxSpec | None = None
    harvest: _HarvestSpec | None = None


# ----------------------------------------------------------------------- the study
@dataclass(frozen=True, slots=True)
class Period:
    """A named sub-period: returns from the close before ``start`` to ``end`` (inclusive)."""

    name: str
    start: np.datetime64
    end: np.datetime64


@dataclass(frozen=True, slots=True)
class Column:
    """A table column: ``label`` as written in the file, ``key`` a Metrics field or a period
    (``is_period``) or a :class:`~rebal.backtest.taxable.results.TaxMetrics` field (``is_tax``)."""

    label: str
    key: str
    is_period: bool
    is_tax: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class StudyTax:
    """The ``tax:`` and ``harvest:`` sections of a study, validated.

    Attributes
    ----------
    settings
        Rates, lot method, payment date, dividends, wash-sale groups.
    harvest
        Loss harvesting, or ``None``.
    accounts
        The simulated accounts, or ``None`` (one taxable account holding ``initial_usd``).
    market
        The study's rows with the target's assets and the harvest substitutes.
    costs
        The study's costs over ``market``'s target assets and substitutes (a substitute
        not named in ``per_asset_bps`` costs what its primary costs).
    """

    settings: TaxSettings
    harvest: HarvestSettings | None
    accounts: tuple[SimAccount, ...] | None
    market: MarketData
    costs: CostModel


@dataclass(frozen=True, slots=True, kw_only=True)
class Study:
    """A validated study, data loaded.

    Attributes
    ----------
    title, description
        Text for reports.
    path
        The study file.
    market
        The backtest rows (row 0 = the purchase), aux series attached.
    history
        Rows from ``warmup_from`` to row 0 (and on) for the triggers' estimators, or ``None``.
    target
        Asset → weight (fractions summing to 1).
    initial_usd, costs, cash_flows
        As for :func:`rebal.backtest.run_backtest`.
    policies
        ``(name, Policy)`` in file order.
    periods, columns
        Sub-periods and table columns.
    tax
        The after-tax settings (``None``: pre-tax only).
    """

    title: str
    description: str
    path: Path | None
    market: MarketData
    history: MarketData | None
    target: Mapping[str, float]
    initial_usd: float
    costs: CostModel
    cash_flows: CashFlows | None
    policies: tuple[tuple[str, Policy], ...]
    periods: tuple[Period, ...]
    columns: tuple[Column, ...]
    tax: StudyTax | None = None


def _apply_overrides(raw: dict[str, Any], overrides: Mapping[str, Any]) -> None:
    for dotted, value in overrides.items():
        keys = str(dotted).split(".")
        node = raw
        for key in keys[:-1]:
            nxt = node.get(key)
            if not isinstance(nxt, dict):
                nxt = {}
                node[key] = nxt
            node = nxt
        if isinstance(value, (str, os.PathLike)) and Path(os.fspath(value)).exists():
            value = str(Path(os.fspath(value)).resolve())
        node[keys[-1]] = value


def _resolve(base: Path, text: str) -> Path:
    p = Path(os.path.expanduser(os.path.expandvars(text)))
    return p if p.is_absolute() else base / p


def _day(d: _dt.date | None) -> np.datetime64 | None:
    return None if d is None else np.datetime64(d.isoformat(), "D")


def _check_aux_covers(file: str, series_dates: np.ndarray, dates: np.ndarray) -> None:
    """DataError naming ``file`` and the first row of ``dates`` the series does not cover."""
    pos = np.searchsorted(series_dates, dates, side="right") - 1
    known = pos >= 0
    age = np.full(dates.shape[0], np.iinfo(np.int64).max)
    age[known] = (dates[known] - series_dates[pos[known]]).astype(np.int64)
    # after the series ends nothing is known, however recent its last value
    bad = (age > AUX_MAX_STALE_DAYS) | (dates > series_dates[-1])
    if bad.any():
        first = dates[int(np.argmax(bad))]
        raise DataError(
            f"{file}: the series does not cover the backtest span {dates[0]} … {dates[-1]}: "
            f"first uncovered date {first} (series spans {series_dates[0]} … {series_dates[-1]})"
        )


def _load_data(
    spec: _DataSpec, target: Mapping[str, float], base: Path, extra: tuple[str, ...] = ()
) -> tuple[MarketData, MarketData | None]:
    """``(market, history)``; ``extra`` assets (harvest substitutes) are loaded too."""
    from rebal import datasets

    assets = list(spec.assets) if spec.assets else list(target)
    assets += [a for a in extra if a not in assets]
    start, end, warm = _day(spec.start), _day(spec.end), _day(spec.warmup_from)
    name = spec.prices.strip()
    path = _resolve(base, name)
    if name.lower() in datasets.names() and not path.exists():
        info = datasets.describe(name.lower())
        if spec.risk_free is not None and spec.risk_free != info.risk_free:
            raise ConfigError(
                f"data.risk_free: dataset {name} has risk-free {info.risk_free!r}, "
                f"got {spec.risk_free!r}"
            )
        full = datasets.load(name.lower())
        unknown = [a for a in assets if a not in full.assets]
        if unknown and unknown[0] in extra:
            raise ConfigError(
                f"harvest.substitutes: {unknown[0]!r} is not an asset of {name} "
                f"({', '.join(full.assets)})"
            )
        if unknown:
            raise ConfigError(
                f"data.assets: unknown asset {unknown[0]!r}; {name} has {', '.join(full.assets)}"
            )
        full = full.select(assets)
        if end is not None:
            full = full.between(None, end)
        rf_source: tuple[Path, str] | None = None
    else:
        if not path.is_file():
            raise InputError(
                f"no such file, and not a dataset name ({', '.join(datasets.names())})",
                file=str(path), field="data.prices",
            )
        full = load_prices(path, assets=assets, end=end)
        rf_source = None if spec.risk_free is None else (path, spec.risk_free)

    dates = full.dates
    if start is None:
        row0 = 0
    else:
        before = int(np.searchsorted(dates, start, side="left"))
        row0 = before - 1 if before > 0 else 0
        if before >= dates.shape[0]:
            raise DataError(f"data.start {start} is after the data's last row {dates[-1]}")
    first_kept = row0
    if warm is not None:
        first_kept = min(row0, int(np.searchsorted(dates, warm, side="left")))
    window = full.between(dates[first_kept], dates[-1]) if first_kept > 0 else full

    for key, aux in spec.aux.items():
        aux_path = _resolve(base, aux.path)
        if not aux_path.is_file():
            raise InputError("no such file", file=str(aux_path), field=f"data.aux.{key}.path")
        s_dates, s_values = load_series(aux_path, column=aux.column, date_column=aux.date_column)
        _check_aux_covers(str(aux_path), s_dates, window.dates)
        window = attach_aux(window, key, s_dates, s_values)

    market = window.between(dates[row0], dates[-1])
    if rf_source is not None:
        rf = _risk_free(rf_source[0], rf_source[1], market.dates, end)
        market = replace(market, risk_free=rf)
    history = window if window.dates[0] < market.dates[0] else None
    return market, history


def _risk_free(path: Path, column: str, dates: np.ndarray, end: np.datetime64 | None) -> np.ndarray:
    """Per-row T-bill returns on ``dates`` from a price column of the prices file."""
    rf = load_prices(path, assets=[column], end=end)
    pos = np.searchsorted(rf.dates, dates)
    ok = (pos < rf.n_days) & (rf.dates[np.minimum(pos, rf.n_days - 1)] == dates)
    if not ok.all():
        first = dates[int(np.argmin(ok))]
        raise DataError(
            f"{path}: risk-free column {column!r} has no price on {first} "
            f"(it spans {rf.dates[0]} … {rf.dates[-1]}); data.risk_free must cover the backtest"
        )
    level = rf.prices[pos, 0]
    out = np.zeros(dates.shape[0])
    out[1:] = level[1:] / level[:-1] - 1.0
    return out


def _columns(
    names: list[str] | None, periods: dict[str, _PeriodSpec], *, tax: bool = False,
    harvest: bool = False,
) -> tuple[Column, ...]:
    tax_names = _tax_metric_names()
    if names is None:
        names = list(DEFAULT_COLUMNS)
        if tax:
            names += [*DEFAULT_TAX_COLUMNS, *(["harvested_loss_usd"] if harvest else [])]
    out = []
    for label in names:
        if label in periods:
            out.append(Column(label=label, key=label, is_period=True))
            continue
        key = label.strip().lower().replace(" ", "_").replace("-", "_")
        key = COLUMN_ALIASES.get(key, key)
        if key in _METRIC_NAMES:
            out.append(Column(label=label, key=key, is_period=False))
            continue
        key = TAX_COLUMN_ALIASES.get(key, key)
        if key in tax_names:
            if not tax:
                raise ConfigError(f"columns: {label!r} is an after-tax metric; add a tax: "
                                  "section to the study")
            out.append(Column(label=label, key=key, is_period=False, is_tax=True))
            continue
        choices = ", ".join([*periods, *COLUMN_ALIASES, *_METRIC_NAMES,
                             *TAX_COLUMN_ALIASES, *tax_names])
        raise ConfigError(f"columns: unknown column {label!r}; choose from {choices}")
    return tuple(out)


def _pay_date(text: str) -> tuple[int, int]:
    parts = str(text).strip().split("-")
    try:
        month, day = (int(p) for p in parts)
        _dt.date(2001, month, day)
    except ValueError:
        raise ConfigError(f"tax.pay_date: expected MM-DD (e.g. 04-15), got {text!r}") from None
    return month, day


_SETTINGS_PREFIXES = {"TaxSettings.": "tax.", "FlatRates.": "tax.rates.",
                      "BracketRates.": "tax.rates.", "HarvestSettings.": "harvest.",
                      "SimAccount.": "tax.accounts: "}


def _tax_settings(spec: _StudySpec, market: MarketData, history: MarketData | None,
                  base_costs: CostModel) -> tuple[StudyTax, MarketData, MarketData | None, float]:
    """The study's :class:`StudyTax`, its pre-tax market and history (substitutes
    dropped) and its initial dollars (the accounts' sum when accounts are given)."""
    from rebal.backtest.taxable.settings import (
        BracketRates,
        FlatRates,
        HarvestSettings,
        SimAccount,
        TaxSettings,
    )
    from rebal.types import AccountType, FilingStatus, Frequency, LotMethod

    t = spec.tax
    assert t is not None
    classes = [a for a in spec.target]
    subs = dict(spec.harvest.substitutes) if spec.harvest is not None else {}
    for p, sub in subs.items():
        if p not in spec.target:
            raise ConfigError(f"harvest.substitutes.{p}: {p!r} is not a target asset "
                              f"({', '.join(classes)})")
        if sub in spec.target:
            raise ConfigError(f"harvest.substitutes.{p}: {sub!r} is itself a target asset")
    extra = [sub for sub in subs.values() if sub not in spec.target]
    pre_assets = [a for a in market.assets if a not in extra]
    tax_market = market.select([a for a in market.assets if a in spec.target] + extra)
    pre_market = market.select(pre_assets) if len(pre_assets) < market.n_assets else market
    if history is not None and len(pre_assets) < market.n_assets:
        history = history.select(pre_assets)

    r = t.rates
    status = FilingStatus.parse(r.filing_status, field="tax.rates.filing_status")
    rates: FlatRates | BracketRates
    if r.kind == "flat":
        for name in ("st", "lt"):
            if getattr(r, name) is None:
                raise ConfigError(f"tax.rates.{name}: required for flat rates "
                                  "(or give kind: brackets)")
        if r.ordinary_income is not None or r.table_year != "nearest":
            raise ConfigError("tax.rates: ordinary_income and table_year are for "
                              "kind: brackets")
        rates = FlatRates(st_rate=r.st, lt_rate=r.lt, state_rate=r.state,  # type: ignore[arg-type]
                          filing_status=status)
    else:
        if r.st is not None or r.lt is not None:
            raise ConfigError("tax.rates: st and lt are for flat rates; brackets take "
                              "filing_status, ordinary_income, state and table_year")
        rates = BracketRates(filing_status=status, ordinary_income=r.ordinary_income or 0.0,
                             state_rate=r.state,
                             table_year=None if r.table_year == "nearest" else r.table_year)
    held = set(spec.target) | set(extra)
    for a in t.dividend_yield:
        if a not in held:
            raise ConfigError(f"tax.dividend_yield.{a}: not held (assets "
                              f"{', '.join([*spec.target, *extra])})")
    settings = TaxSettings(
        rates=rates,
        lot_method=LotMethod.parse(t.lot_method, field="tax.lot_method"),
        pay_month_day=_pay_date(t.pay_date),
        dividend_yield=dict(t.dividend_yield),
        dividend_frequency=Frequency.parse(t.dividend_frequency, field="tax.dividend_frequency"),
        wash_groups=dict(t.wash_groups),
    )
    harvest = None
    if spec.harvest is not None:
        h = spec.harvest
        harvest = HarvestSettings(substitutes=subs, min_loss_pct=h.min_loss_pct,
                                  min_loss_usd=h.min_loss_usd, swap_back=h.swap_back)
    initial = spec.initial_usd
    accounts = None
    if t.accounts is not None:
        accs = []
        for i, spec_a in enumerate(t.accounts):
            where = f"tax.accounts[{i}]"
            if spec_a.target is not None:
                unknown = [k for k in spec_a.target if k not in spec.target]
                if unknown:
                    raise ConfigError(f"{where}.target: {unknown[0]!r} is not a target asset")
                total = sum(spec_a.target.values())
                if abs(total - 1.0) > 1e-9 or any(v < 0 for v in spec_a.target.values()):
                    raise ConfigError(f"{where}.target: weights must be >= 0 and sum to 1, "
                                      f"got sum {total:g}")
            kind = AccountType.parse(spec_a.type, field=f"{where}.type")
            accs.append(SimAccount(id=spec_a.id, type=kind, initial_usd=spec_a.initial_usd,
                                   target=spec_a.target))
        if len({a.id for a in accs}) != len(accs):
            raise ConfigError("tax.accounts: ids must be unique")
        if not any(a.type is AccountType.TAXABLE for a in accs):
            raise ConfigError("tax.accounts: give at least one taxable account")
        total_usd = sum(a.initial_usd for a in accs)
        if "initial_usd" in spec.model_fields_set and abs(total_usd - initial) > 1e-6:
            raise ConfigError(f"initial_usd: {initial:,.2f} but tax.accounts hold "
                              f"{total_usd:,.2f} (give one or make them agree)")
        initial = total_usd
        # the pre-tax run uses the study's target: the accounts must add up to it
        for k in spec.target:
            w = sum(a.initial_usd * (spec.target[k] if a.target is None else a.target.get(k, 0.0))
                    for a in accs) / total_usd
            if abs(w - spec.target[k]) > 1e-9:
                raise ConfigError(
                    f"tax.accounts: the accounts' targets weighted by initial_usd give {k} "
                    f"{w:.6g}, the study's target {spec.target[k]:.6g} (they must agree)")
        accounts = tuple(accs)
    # costs over the target assets and the substitutes
    bps = base_costs.cost_bps
    if isinstance(bps, Mapping):
        per = dict(spec.costs.per_asset_bps)
        cls_assets = [a for a in tax_market.assets if a in spec.target]
        per_bps = {a: float(bps[a]) for a in cls_assets}
        inverse = {sub: p for p, sub in subs.items()}
        for sub in extra:
            per_bps[sub] = per.get(sub, float(bps.get(inverse[sub], spec.costs.bps)))
        tax_bps: float | dict[str, float] = per_bps
    else:
        tax_bps = bps
    costs = CostModel(cost_bps=tax_bps, fixed_usd=base_costs.fixed_usd,
                      min_trade_usd=base_costs.min_trade_usd)
    study_tax = StudyTax(settings=settings, harvest=harvest, accounts=accounts,
                         market=tax_market, costs=costs)
    return study_tax, pre_market, history, initial


def load_study(
    path: str | os.PathLike[str], *, overrides: Mapping[str, Any] | None = None
) -> Study:
    """Read, validate and load the data of a study file.

    Parameters
    ----------
    path
        The YAML file.
    overrides
        Dotted keys replacing the file's values (``{"data.prices": "prices.csv"}``).

    Raises
    ------
    InputError
        Unreadable YAML or a bad field (naming the file and the field path).
    ConfigError
        A bad policy, target or column (one line naming the field).
    DataError
        Data that cannot support the study (an aux file not covering the span …).
    """
    import yaml

    file = Path(path)
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read the study file: {exc.strerror}", file=str(file)) from None
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML: {exc}", file=str(file)) from None
    if not isinstance(raw, dict):
        raise InputError("a study file must be a mapping (title, data, target, policies …)",
                         file=str(file))
    return study_from_dict(raw, base_dir=file.parent, file=str(file), overrides=overrides)


def study_from_dict(
    raw: Mapping[str, Any],
    *,
    base_dir: str | os.PathLike[str] = ".",
    file: str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Study:
    """A :class:`Study` from an already parsed mapping (see :func:`load_study`)."""
    import copy

    data = copy.deepcopy(dict(raw))
    if overrides:
        _apply_overrides(data, overrides)
    try:
        spec = _StudySpec.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        row = field_path(err["loc"]).lstrip(".")
        raise InputError(error_text(err), file=file, row=row) from None

    where = f"{file}: " if file else ""
    try:
        if spec.harvest is not None and spec.tax is None:
            raise ConfigError("harvest: needs a tax: section (rates …)")
        extra = tuple(spec.harvest.substitutes.values()) if spec.harvest is not None else ()
        market, history = _load_data(spec.data, spec.target, Path(base_dir), extra)
        costs_bps: float | dict[str, float] = spec.costs.bps
        if spec.costs.per_asset_bps:
            unknown = [a for a in spec.costs.per_asset_bps if a not in market.assets]
            if unknown:
                raise ConfigError(f"costs.per_asset_bps: unknown asset {unknown[0]!r}")
            costs_bps = {a: spec.costs.per_asset_bps.get(a, spec.costs.bps) for a in market.assets}
        costs = CostModel(cost_bps=costs_bps, fixed_usd=spec.costs.fixed_usd,
                          min_trade_usd=spec.costs.min_trade_usd)
        study_tax = None
        initial_usd = spec.initial_usd
        if spec.tax is not None:
            try:
                study_tax, market, history, initial_usd = _tax_settings(spec, market, history,
                                                                        costs)
            except ConfigError as exc:
                text = str(exc)
                for old, new in _SETTINGS_PREFIXES.items():
                    text = text.replace(old, new)
                raise ConfigError(text) from None
            if isinstance(costs.cost_bps, Mapping):
                costs = CostModel(cost_bps={a: costs.cost_bps[a] for a in market.assets},
                                  fixed_usd=costs.fixed_usd, min_trade_usd=costs.min_trade_usd)
            if spec.cash_flows is not None:
                raise ConfigError("cash_flows: not supported with tax: (taxable backtests "
                                  "have no cash flows yet)")
        flows = None
        if spec.cash_flows is not None:
            flows = CashFlows(amount_usd=spec.cash_flows.amount_usd,
                              frequency=spec.cash_flows.frequency,  # type: ignore[arg-type]
                              dated=spec.cash_flows.dated or None)
            flows.amounts(market.dates)
        policies = []
        weights = target_array(spec.target, market.assets)
        for name, entry in spec.policies.items():
            policy = policy_from_spec(entry, name=name)
            if isinstance(policy, DynamicPolicy) and history is not None:
                policy = policy.with_history(history)
            try:
                # compiling is cheap and surfaces windows longer than the data, missing
                # aux series, unknown tier assets … before any backtest runs
                compiled = policy.compile(market, weights)
                if study_tax is not None:
                    from rebal.backtest.taxable.simulator import check_taxable_policy

                    check_taxable_policy(policy, compiled, name)
            except (ConfigError, DataError) as exc:
                raise type(exc)(f'policies["{name}"]: {exc}') from None
            policies.append((name, policy))
        periods = []
        for name, p in spec.periods.items():
            lo, hi = _day(p.start), _day(p.end)
            assert lo is not None and hi is not None
            try:
                window_return(np.zeros(market.n_days - 1), market.dates, lo, hi)
            except (DataError, ConfigError) as exc:
                raise DataError(f'periods["{name}"]: {exc}') from None
            periods.append(Period(name=name, start=lo, end=hi))
        columns = _columns(spec.columns, spec.periods, tax=spec.tax is not None,
                           harvest=spec.harvest is not None)
    except (ConfigError, DataError) as exc:
        raise type(exc)(f"{where}{exc}") from None
    return Study(
        title=spec.title,
        description=spec.description,
        path=None if file is None else Path(file),
        market=market,
        history=history,
        target=dict(spec.target),
        initial_usd=initial_usd,
        costs=costs,
        cash_flows=flows,
        policies=tuple(policies),
        periods=tuple(periods),
        columns=columns,
        tax=study_tax,
    )


# ----------------------------------------------------------------------- running it
@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyOutcome:
    """One policy's backtest in a study.

    Attributes
    ----------
    name
        The policy's name in the study.
    result
        The :class:`BacktestResult`.
    metrics
        Its :class:`Metrics` versus the buy-and-hold baseline.
    periods
        Period name → compounded return over the period (fraction).
    tax_result, tax_metrics
        With a ``tax:`` section: the :class:`~rebal.backtest.taxable.results.TaxableBacktestResult`
        (its ``pre_tax`` is ``result``) and its :class:`~rebal.backtest.taxable.results.TaxMetrics`
        versus the after-tax buy-and-hold baseline; else ``None``.
    """

    name: str
    result: BacktestResult
    metrics: Metrics
    periods: Mapping[str, float]
    tax_result: TaxableBacktestResult | None = None
    tax_metrics: TaxMetrics | None = None

    def value(self, column: Column) -> float | int | None:
        """The table cell of ``column`` (fractions as fractions)."""
        if column.is_period:
            return self.periods[column.key]
        if column.is_tax:
            return None if self.tax_metrics is None else \
                getattr(self.tax_metrics, column.key)  # type: ignore[no-any-return]
        return getattr(self.metrics, column.key)  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True, kw_only=True)
class StudyResult:
    """Every policy of a study, run.

    Attributes
    ----------
    study
        The study.
    outcomes
        One per listed policy, in file order.
    baseline
        The buy-and-hold outcome (a listed one when present).
    """

    study: Study
    outcomes: tuple[PolicyOutcome, ...]
    baseline: PolicyOutcome

    @property
    def columns(self) -> tuple[Column, ...]:
        return self.study.columns

    def rows(self) -> list[dict[str, Any]]:
        """One dict per policy: ``{"policy": name, <column label>: value, …}``."""
        return [
            {"policy": o.name, **{c.label: o.value(c) for c in self.columns}}
            for o in self.outcomes
        ]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary: data span, columns, rows, and every policy's metrics."""
        m = self.study.market

        def clean(v: Any) -> Any:
            if isinstance(v, float) and v != v:
                return None
            if isinstance(v, (np.floating, np.integer)):
                return clean(v.item())
            return v

        return {
            "title": self.study.title,
            "description": self.study.description,
            "data": {
                "source": m.source,
                "assets": list(m.assets),
                "start": str(m.dates[0]),
                "end": str(m.dates[-1]),
                "rows": m.n_days,
                "aux": list(m.aux),
                "risk_free": m.risk_free is not None,
                "history_start": None if self.study.history is None
                else str(self.study.history.dates[0]),
                "notes": list(m.notes),
            },
            "target": dict(self.study.target),
            "columns": [c.label for c in self.columns],
            "baseline": self.baseline.name,
            "rows": [{k: clean(v) for k, v in r.items()} for r in self.rows()],
            "policies": [
                {
                    "name": o.name,
                    "metrics": o.metrics.to_dict(),
                    "periods": {k: clean(v) for k, v in o.periods.items()},
                    **({} if o.tax_metrics is None else
                       {"tax_metrics": {k: clean(v) for k, v in o.tax_metrics.to_dict().items()},
                        "tax_notes": list(o.tax_result.notes) if o.tax_result else []}),
                }
                for o in self.outcomes
            ],
            **({} if self.study.tax is None else {"tax": _tax_summary(self.study.tax)}),
        }


def _tax_summary(t: StudyTax) -> dict[str, Any]:
    s = t.settings
    rates = {f: getattr(s.rates, f) for f in s.rates.__dataclass_fields__}
    rates = {k: v.value if hasattr(v, "value") else v for k, v in rates.items()}
    return {
        "rates": {"kind": type(s.rates).__name__, **rates},
        "lot_method": s.lot_method.value,
        "pay_month_day": list(s.pay_month_day),
        "dividend_yield": {k: float(v) for k, v in s.dividend_yield.items()
                           if np.ndim(v) == 0},
        "harvest": None if t.harvest is None else {
            "substitutes": dict(t.harvest.substitutes),
            "min_loss_pct": t.harvest.min_loss_pct,
            "min_loss_usd": t.harvest.min_loss_usd,
            "swap_back": t.harvest.swap_back,
        },
        "accounts": None if t.accounts is None else [
            {"id": a.id, "type": a.type.value, "initial_usd": a.initial_usd,
             "target": None if a.target is None else dict(a.target)} for a in t.accounts
        ],
    }


Progress = Callable[[int, int, str], None]
"""``progress(done, total, policy_name)`` after each backtest."""


def _run_taxable(study: Study, policy: Policy, pre_tax: BacktestResult) -> TaxableBacktestResult:
    """The after-tax run of ``policy``; its ``pre_tax`` is the study's own run (same
    rows, target, costs and initial dollars, hence what ``with_pre_tax`` would give)."""
    from rebal.backtest.taxable.simulator import run_taxable_backtest

    t = study.tax
    assert t is not None
    res = run_taxable_backtest(
        t.market, study.target, policy, tax=t.settings, harvest=t.harvest,
        accounts=t.accounts, initial_usd=study.initial_usd, costs=t.costs, with_pre_tax=False,
    )
    return replace(res, pre_tax=pre_tax)


def _is_buy_and_hold(policy: Policy) -> bool:
    return kind_of(policy) is PolicyKind.BUY_AND_HOLD


def run_study(study: Study, *, progress: Progress | None = None) -> StudyResult:
    """Backtest every policy of ``study`` (and the buy-and-hold baseline).

    Parameters
    ----------
    study
        From :func:`load_study`.
    progress
        Called as ``progress(done, total, name)`` after each backtest.
    """
    listed_bh = next((n for n, p in study.policies if _is_buy_and_hold(p)), None)
    jobs: list[tuple[str, Policy]] = list(study.policies)
    if listed_bh is None:
        jobs.insert(0, ("buy-and-hold (baseline)", Policy.buy_and_hold("buy-and-hold (baseline)")))
    total = len(jobs)
    results: dict[str, BacktestResult] = {}
    taxed: dict[str, TaxableBacktestResult] = {}
    for i, (name, policy) in enumerate(jobs):
        try:
            results[name] = run_backtest(
                study.market, study.target, policy, initial_usd=study.initial_usd,
                costs=study.costs, cash_flows=study.cash_flows,
            )
            if study.tax is not None:
                taxed[name] = _run_taxable(study, policy, results[name])
        except (ConfigError, DataError) as exc:
            raise type(exc)(f'policies["{name}"]: {exc}') from None
        if progress is not None:
            progress(i + 1, total, name)
    base_name = listed_bh or jobs[0][0]
    base_result = results[base_name]

    def outcome(name: str, benchmark: BacktestResult | None) -> PolicyOutcome:
        res = results[name]
        rets = res.returns[1:]
        periods = {
            p.name: float(window_return(rets, res.dates, p.start, p.end)) for p in study.periods
        }
        tres = taxed.get(name)
        return PolicyOutcome(
            name=name, result=res, metrics=res.metrics(benchmark), periods=periods,
            tax_result=tres,
            tax_metrics=None if tres is None else tres.metrics(taxed[base_name]),
        )

    outcomes = tuple(outcome(n, base_result) for n, _ in study.policies)
    baseline = next((o for o in outcomes if o.name == base_name), None) or outcome(
        base_name, base_result
    )
    return StudyResult(study=study, outcomes=outcomes, baseline=baseline)
