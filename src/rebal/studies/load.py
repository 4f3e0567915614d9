"""A study file read and its data loaded: :func:`load_study` → :class:`Study`.

The file format and its conventions: :mod:`rebal.studies` (the package docstring).
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from rebal.backtest import CashFlows, CostModel
from rebal.currency import DynamicHedge, HedgeSpec
from rebal.data.fx import FxTable
from rebal.data.loaders import attach_aux, load_prices, load_series
from rebal.data.market import MarketData
from rebal.errors import ConfigError, DataError, InputError
from rebal.metrics import window_return
from rebal.policy.dynamic import DynamicPolicy
from rebal.policy.policy import Policy
from rebal.policy.spec import policy_from_spec
from rebal.policy.target import target_array
from rebal.studies.columns import Column, parse_columns
from rebal.studies.spec import DataSpec, StudySpec, parse_study_spec, read_study_file
from rebal.studies.taxes import SETTINGS_PREFIXES, StudyTax, tax_settings

__all__ = ["AUX_MAX_STALE_DAYS", "Period", "Study", "load_study", "study_from_dict",
           "study_from_spec"]

AUX_MAX_STALE_DAYS = 7
"""An aux value older than this (calendar days) at a row counts as not covering it."""


def as_day(d: _dt.date | None) -> np.datetime64 | None:
    """A date as ``datetime64[D]`` (``None`` stays ``None``)."""
    return None if d is None else np.datetime64(d.isoformat(), "D")


@dataclass(frozen=True, slots=True)
class Period:
    """A named sub-period: returns from the close before ``start`` to ``end`` (inclusive)."""

    name: str
    start: np.datetime64
    end: np.datetime64


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
    hedge
        The hedge overlay run over every policy (``None``: no ``hedge:``).
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
    hedge: StudyHedge | None = None


@dataclass(frozen=True, slots=True)
class StudyHedge:
    """A study's ``hedge:``: the spec, the FX table it reads and the carry's rate series."""

    spec: HedgeSpec
    fx: FxTable
    short_rates: Mapping[str, np.ndarray] | None


def _resolve(base: Path, text: str) -> Path:
    p = Path(os.path.expanduser(os.path.expandvars(text)))
    return p if p.is_absolute() else base / p


def _factor_file_near(entry: Any, base: Path) -> Any:
    """A ``factor_band`` policy's relative ``file`` read beside the study file, like the
    data paths (a shipped factor file's name stays a name)."""
    from rebal.datasets import FACTOR_FILES

    def near(text: str) -> str:
        if text.strip().lower() in FACTOR_FILES:
            return text
        return str(_resolve(base, text))

    if isinstance(entry, Mapping) and str(entry.get("kind", "")).replace("-", "_") == \
            "factor_band" and isinstance(entry.get("file"), str):
        return {**entry, "file": near(entry["file"])}
    if isinstance(entry, str) and entry.strip().lower().replace("-", "_").startswith(
            "factor_band:"):
        head, _, rest = entry.partition(":")
        tokens = [
            f"file={near(t.split('=', 1)[1].strip())}" if t.strip().lower().startswith("file=")
            else t for t in rest.split(",")
        ]
        return f"{head}:{','.join(tokens)}"
    return entry


def check_aux_covers(file: str, series_dates: np.ndarray, dates: np.ndarray) -> None:
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


def load_data(
    spec: DataSpec, target: Mapping[str, float], base: Path, extra: tuple[str, ...] = ()
) -> tuple[MarketData, MarketData | None]:
    """``(market, history)``; ``extra`` assets (harvest substitutes) are loaded too."""
    from rebal import datasets

    assets = list(spec.assets) if spec.assets else list(target)
    assets += [a for a in extra if a not in assets]
    start, end, warm = as_day(spec.start), as_day(spec.end), as_day(spec.warmup_from)
    if start is not None and end is not None and end < start:
        raise ConfigError(f"data.end {end} is before data.start {start}")
    name = spec.prices.strip()
    path = _resolve(base, name)
    if name.lower() in datasets.names() and not path.exists():
        info = datasets.describe(name.lower())
        if spec.risk_free is not None and spec.risk_free != info.risk_free:
            raise ConfigError(
                f"data.risk_free: dataset {name} has risk-free {info.risk_free!r}, "
                f"got {spec.risk_free!r}"
            )
        if _file_options(spec):
            raise ConfigError(f"data.{', data.'.join(_file_options(spec))}: only for a prices "
                              f"file, not the dataset {name}")
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
        full = load_prices(path, assets=assets, end=end, **_file_options(spec))
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
        check_aux_covers(str(aux_path), s_dates, window.dates)
        window = attach_aux(window, key, s_dates, s_values)

    market = window.between(dates[row0], dates[-1])
    clipped = []
    if start is not None and start < dates[0]:
        clipped.append(f"data.start {start} is before the data's first row; the study starts "
                       f"on {dates[0]}")
    if end is not None and end > dates[-1]:
        clipped.append(f"data.end {end} is after the data's last row; the study ends on "
                       f"{dates[-1]}")
    if clipped:
        market = replace(market, notes=(*market.notes, *clipped))
    if rf_source is not None:
        rf = _risk_free(rf_source[0], rf_source[1], market.dates, end, _file_options(spec))
        market = replace(market, risk_free=rf)
    history = window if window.dates[0] < market.dates[0] else None
    return market, history


def in_base_currency(spec: DataSpec, market: MarketData, history: MarketData | None,
                     base: Path) -> tuple[MarketData, MarketData | None]:
    """``market`` (and the warm-up ``history``) with ``data.currencies`` converted to
    ``data.base_currency`` at the daily rates of ``data.fx`` (a file relative to the study;
    default the shipped ECB table)."""
    if not spec.currencies:
        if spec.fx is not None:
            raise ConfigError("data.fx: needs data.currencies (no column is in another "
                              "currency)")
        return market, history
    from rebal.currency import to_base

    fx = _fx_table(spec, base)
    def convert(m: MarketData) -> MarketData:
        return to_base(m, spec.currencies, fx, base=spec.base_currency, field="data.currencies")

    return convert(market), None if history is None else convert(history)


def _fx_table(spec: DataSpec, base: Path) -> FxTable:
    """``data.fx`` (a file relative to the study) or the shipped ECB table."""
    from rebal.data.fx import read_fx
    from rebal.datasets import load_fx

    if spec.fx is None or spec.fx.strip().lower() == "default":
        return load_fx()
    path = _resolve(base, spec.fx)
    if not path.is_file():
        raise InputError("no such file", file=str(path), field="data.fx")
    return read_fx(path)


def study_hedge(spec: StudySpec, market: MarketData, base: Path) -> StudyHedge:
    """The ``hedge:`` section built: each held column's currency (``data.currencies``) and
    the funds' look-through mixes (``hedge.exposures``), the FX table, the rates."""
    h = spec.hedge
    assert h is not None
    unknown = [a for a in h.exposures if a not in spec.target]
    if unknown:
        raise ConfigError(f"hedge.exposures: {unknown[0]!r} is not in the target "
                          f"({', '.join(spec.target)})")
    mix: dict[str, Mapping[str, float]] = {a: {c: 1.0} for a, c in spec.data.currencies.items()
                                           if a in spec.target}
    mix.update(h.exposures)
    dyn = None
    if h.dynamic is not None:
        d = h.dynamic
        dyn = DynamicHedge(floor=d.floor, cap=d.cap, window_rows=d.window, long_run=d.long_run,
                           long_run_rows=d.long_run_window)
    hedge = HedgeSpec(exposures=mix, ratio=h.ratio, band=h.band, base=spec.data.base_currency,
                      roll=h.roll, check=h.check, dynamic=dyn,
                      cost_bps=spec.costs.fx_bps if h.cost_bps is None else h.cost_bps)
    if not hedge.currencies:
        raise ConfigError("hedge: no holding is in a foreign currency (name them in "
                          "data.currencies or hedge.exposures)")
    short = None
    if h.rates is not None:
        from rebal.currency.rates import short_rate_returns

        path = _resolve(base, h.rates)
        if not path.is_file():
            raise InputError("no such file", file=str(path), field="hedge.rates")
        short = short_rate_returns(path, (hedge.base, *hedge.currencies), market.dates)
    fx = _fx_table(spec.data, base)
    for c in hedge.currencies:  # every rate there on every row, before any backtest
        fx.rate(c, hedge.base, market.dates, flag=f"hedge {c}")
    return StudyHedge(spec=hedge, fx=fx, short_rates=short)


def _file_options(spec: DataSpec) -> dict[str, str]:
    """``data.kind``/``sep``/``date_column`` when set (the loader's options)."""
    options = {"kind": spec.kind, "sep": spec.sep, "date_column": spec.date_column}
    return {k: v for k, v in options.items() if v is not None and (k, v) != ("kind", "prices")}


def _risk_free(path: Path, column: str, dates: np.ndarray, end: np.datetime64 | None,
               options: Mapping[str, str] | None = None) -> np.ndarray:
    """Per-row T-bill returns on ``dates`` from a price column of the prices file."""
    rf = load_prices(path, assets=[column], end=end, **dict(options or {}))
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
    file = Path(path)
    raw = read_study_file(file)
    return study_from_dict(raw, base_dir=file.parent, file=str(file), overrides=overrides)


def study_from_dict(
    raw: Mapping[str, Any],
    *,
    base_dir: str | os.PathLike[str] = ".",
    file: str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Study:
    """A :class:`Study` from an already parsed mapping (see :func:`load_study`)."""
    spec = parse_study_spec(raw, file=file, overrides=overrides)
    return study_from_spec(spec, base_dir=base_dir, file=file)


def study_from_spec(
    spec: StudySpec, *, base_dir: str | os.PathLike[str] = ".", file: str | None = None
) -> Study:
    """A :class:`Study` from a validated :class:`StudySpec`: its data loaded (paths relative
    to ``base_dir``), its policies compiled once to surface errors before any backtest."""
    where = f"{file}: " if file else ""
    try:
        if spec.harvest is not None and spec.tax is None:
            raise ConfigError("harvest: needs a tax: section (rates …)")
        extra = tuple(spec.harvest.substitutes.values()) if spec.harvest is not None else ()
        market, history = load_data(spec.data, spec.target, Path(base_dir), extra)
        market, history = in_base_currency(spec.data, market, history, Path(base_dir))
        costs_bps: float | dict[str, float] = spec.costs.bps
        if spec.costs.per_asset_bps:
            unknown = [a for a in spec.costs.per_asset_bps if a not in market.assets]
            if unknown:
                raise ConfigError(f"costs.per_asset_bps: unknown asset {unknown[0]!r}")
            costs_bps = {a: spec.costs.per_asset_bps.get(a, spec.costs.bps) for a in market.assets}
        if spec.costs.fx_bps and spec.data.currencies:
            from rebal.currency import conversion_cost_bps

            per = (costs_bps if isinstance(costs_bps, dict)
                   else {a: spec.costs.bps for a in market.assets})
            fx_extra = conversion_cost_bps(market.assets, 0.0, spec.data.currencies,
                                           base=spec.data.base_currency,
                                           fx_cost_bps=spec.costs.fx_bps)
            costs_bps = {a: per[a] + fx_extra[a] for a in market.assets}
        costs = CostModel(cost_bps=costs_bps, fixed_usd=spec.costs.fixed_usd,
                          min_trade_usd=spec.costs.min_trade_usd)
        study_tax = None
        initial_usd = spec.initial_usd
        if spec.tax is not None:
            try:
                study_tax, market, history, initial_usd = tax_settings(spec, market, history,
                                                                        costs)
            except ConfigError as exc:
                text = str(exc)
                for old, new in SETTINGS_PREFIXES.items():
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
            policy = policy_from_spec(_factor_file_near(entry, Path(base_dir)), name=name)
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
            lo, hi = as_day(p.start), as_day(p.end)
            assert lo is not None and hi is not None
            try:
                window_return(np.zeros(market.n_days - 1), market.dates, lo, hi)
            except (DataError, ConfigError) as exc:
                raise DataError(f'periods["{name}"]: {exc}') from None
            periods.append(Period(name=name, start=lo, end=hi))
        columns = parse_columns(spec.columns, tuple(spec.periods), tax=spec.tax is not None,
                           harvest=spec.harvest is not None, hedge=spec.hedge is not None)
        if spec.costs.fx_bps and not spec.data.currencies and spec.hedge is None:
            raise ConfigError("costs.fx_bps: needs data.currencies or hedge: (no column is in "
                              "another currency and nothing is hedged)")
        hedge = None if spec.hedge is None else study_hedge(spec, market, Path(base_dir))
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
        hedge=hedge,
    )


