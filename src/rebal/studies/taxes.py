"""A study's ``tax:`` and ``harvest:`` sections translated into the taxable simulator's
settings (rates, lot method, accounts, substitutes, costs over the substitutes)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rebal.backtest.costs import CostModel
from rebal.data.market import MarketData
from rebal.errors import ConfigError
from rebal.studies.spec import StudySpec

if TYPE_CHECKING:
    from rebal.backtest.taxable.settings import SimAccount, TaxSettings
    from rebal.tax.harvest import HarvestSettings

__all__ = ["SETTINGS_PREFIXES", "StudyTax", "pay_date", "tax_settings"]


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


def pay_date(text: str) -> tuple[int, int]:
    parts = str(text).strip().split("-")
    try:
        month, day = (int(p) for p in parts)
        _dt.date(2001, month, day)
    except ValueError:
        raise ConfigError(f"tax.pay_date: expected MM-DD (e.g. 04-15), got {text!r}") from None
    return month, day


SETTINGS_PREFIXES = {"TaxSettings.": "tax.", "FlatRates.": "tax.rates.",
                      "BracketRates.": "tax.rates.", "HarvestSettings.": "harvest.",
                      "SimAccount.": "tax.accounts: "}


def tax_settings(spec: StudySpec, market: MarketData, history: MarketData | None,
                  base_costs: CostModel) -> tuple[StudyTax, MarketData, MarketData | None, float]:
    """The study's :class:`StudyTax`, its pre-tax market and history (substitutes
    dropped) and its initial dollars (the accounts' sum when accounts are given)."""
    from rebal.backtest.taxable.settings import BracketRates, FlatRates, SimAccount, TaxSettings
    from rebal.tax.harvest import HarvestSettings
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
        pay_month_day=pay_date(t.pay_date),
        dividend_yield=dict(t.dividend_yield),
        dividend_frequency=Frequency.parse(t.dividend_frequency, field="tax.dividend_frequency"),
        wash_groups=dict(t.wash_groups),
    )
    harvest = None
    if spec.harvest is not None:
        h = spec.harvest
        harvest = HarvestSettings(substitutes=subs, min_loss_frac=h.min_loss_pct,
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


