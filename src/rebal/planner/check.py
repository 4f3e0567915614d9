"""Monitoring: is a household inside its bands today, and is action needed?

``check(h)`` is what ``rebal check H.yaml`` runs from cron: drift of every class against
its band, decided by the policy (:func:`rebal.policy.decide` on the household's
:func:`~rebal.household.views.band_state`: breach when strictly beyond the half-width,
:mod:`rebal.policy.breach`), the state of each tier, and whether action is needed —
a class outside its band, a pending withdrawal the accounts' cash cannot cover, or
money waiting to be invested (pending contributions or cash above the reserves worth
more than ``cash_threshold`` of the portfolio). Exit status: 0 = nothing to do,
10 = action needed.
"""

from __future__ import annotations

from dataclasses import dataclass

from rebal.alternatives.exposure import ExposureView
from rebal.household.currency import (
    CurrencyExposure,
    ForeignTaxHolding,
    currency_exposure,
    foreign_tax_holdings,
    region_exposure,
)
from rebal.household.model import Household
from rebal.household.views import (
    band_state,
    drift,
    investable_value_usd,
    private_views,
    tier_groups,
)
from rebal.tax.records import Record
from rebal.types import Sizing

__all__ = ["ACTION_EXIT_CODE", "CheckResult", "ClassCheck", "PrivateCheck", "TierCheck",
           "check", "private_checks"]

ACTION_EXIT_CODE = 10
_SIZING_TEXT = {Sizing.TO_TARGET: "to target", Sizing.TO_EDGE: "to band edge",
                Sizing.HALFWAY: "halfway"}


@dataclass(frozen=True, slots=True, kw_only=True)
class ClassCheck(Record):
    """One class against its band (weights are fractions of the investable value).

    ``band_use`` = |drift| ÷ half-width (1.0 = on the edge); ``state`` is ``"inside"``
    or ``"breached"``.
    """

    asset_class: str
    tier: str
    value_usd: float
    weight: float
    target: float
    drift: float
    half_width: float
    lower: float
    upper: float
    band_use: float
    breached: bool
    state: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TierCheck(Record):
    """A tier's classes and trigger state: breached if any of its classes is."""

    tier: str
    classes: tuple[str, ...]
    max_band_use: float
    breached: bool
    sizing: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PrivateCheck(Record):
    """A class held by private funds, under the three exposure views side by side
    (:func:`rebal.household.views.private_views`).

    ``private_*_usd`` are the funds' exposure (reported NAV; NAV + unfunded commitment;
    NAV rolled forward by the funds' proxies), ``public_usd`` the class's public holdings
    (e.g. its liquid substitute), ``weight_*`` the class weight under each view (the
    unfunded commitment is not in the denominator), ``view`` the household's view (the one
    drift and the plan use).
    """

    asset_class: str
    view: str
    target: float
    lower: float
    upper: float
    public_usd: float
    private_nav_usd: float
    private_nav_plus_unfunded_usd: float
    private_proxy_rolled_usd: float
    weight_nav: float
    weight_nav_plus_unfunded: float
    weight_proxy_rolled: float


def private_checks(h: Household) -> tuple[PrivateCheck, ...]:
    """Each class held by private funds under the three exposure views (target order)."""
    out = []
    for v in private_views(h):
        t = h.target(v.asset_class)
        p, w = v.private_usd, v.weight
        out.append(PrivateCheck(
            asset_class=v.asset_class, view=v.selected.value, target=t.weight,
            lower=t.weight - t.half_width, upper=t.weight + t.half_width,
            public_usd=v.public_usd, private_nav_usd=p[ExposureView.NAV],
            private_nav_plus_unfunded_usd=p[ExposureView.NAV_PLUS_UNFUNDED],
            private_proxy_rolled_usd=p[ExposureView.PROXY_ROLLED],
            weight_nav=w[ExposureView.NAV],
            weight_nav_plus_unfunded=w[ExposureView.NAV_PLUS_UNFUNDED],
            weight_proxy_rolled=w[ExposureView.PROXY_ROLLED]))
    return tuple(out)


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckResult(Record):
    """The monitoring verdict; ``exit_code`` is 0 (within bands) or 10 (action needed).

    ``base_currency``/``usd_per_base``: the view's currency and US dollars per unit of it
    (dollar figures ÷ ``usd_per_base`` = base); ``currencies``/``regions``: the holdings'
    currency exposure; ``foreign_tax``: a year's foreign tax on each holding with it,
    creditable or lost (:mod:`rebal.household.currency`);
    ``private``: classes held by private funds under each exposure view (empty without)."""

    as_of: str
    household: str
    investable_usd: float
    classes: tuple[ClassCheck, ...]
    tiers: tuple[TierCheck, ...]
    uninvested_usd: float
    pending_flow_usd: float
    action_needed: bool
    reasons: tuple[str, ...]
    base_currency: str = "USD"
    usd_per_base: float = 1.0
    fx_source: str = ""
    currencies: tuple[CurrencyExposure, ...] = ()
    regions: tuple[CurrencyExposure, ...] = ()
    foreign_tax: tuple[ForeignTaxHolding, ...] = ()
    private: tuple[PrivateCheck, ...] = ()

    @property
    def exit_code(self) -> int:
        return ACTION_EXIT_CODE if self.action_needed else 0

    def to_dict(self) -> dict:
        out = Record.to_dict(self)
        out["exit_code"] = self.exit_code
        return out


def check(household: Household, *, cash_threshold: float = 0.01) -> CheckResult:
    """Drift, band and trigger state of ``household`` today.

    Parameters
    ----------
    cash_threshold
        Uninvested cash (above reserves, plus pending contributions) larger than this
        fraction of the investable value counts as "action needed" (0.01 = 1 %).
    """
    h = household
    rows = []
    for d in drift(h):
        use = abs(d.drift) / d.half_width if d.half_width > 0 else float("inf")
        rows.append(ClassCheck(
            asset_class=d.asset_class, tier=d.tier.value, value_usd=d.value_usd,
            weight=d.weight, target=d.target, drift=d.drift, half_width=d.half_width,
            lower=d.lower, upper=d.upper, band_use=use, breached=d.breached,
            state="breached" if d.breached else "inside",
        ))
    tiers = []
    sizing = band_state(h).sizing
    assert isinstance(sizing, tuple)
    for g, tier in enumerate(tier_groups(h)):
        mine = [r for r in rows if r.tier == tier]
        tiers.append(TierCheck(
            tier=tier, classes=tuple(r.asset_class for r in mine),
            max_band_use=max(r.band_use for r in mine), breached=any(r.breached for r in mine),
            sizing=_SIZING_TEXT[sizing[g]],
        ))
    investable = investable_value_usd(h)
    uninvested = sum(a.cash_usd - a.min_cash_usd for a in h.accounts)
    flow = sum(a.pending_flow_usd for a in h.accounts)
    reasons = [f"{r.asset_class} is outside its band: {100 * r.weight:.2f}% vs "
               f"{100 * r.lower:.2f}%–{100 * r.upper:.2f}%" for r in rows if r.breached]
    for a in h.accounts:
        if a.cash_usd + a.pending_flow_usd < a.min_cash_usd - 0.005:
            reasons.append(f"account {a.id}: cash ${a.cash_usd:,.2f} does not cover the "
                           f"withdrawal/reserve (pending {a.pending_flow_usd:,.2f}, reserve "
                           f"{a.min_cash_usd:,.2f})")
    to_invest = max(0.0, uninvested) + sum(max(0.0, a.pending_flow_usd) for a in h.accounts)
    if investable > 0 and to_invest > cash_threshold * investable:
        reasons.append(f"${to_invest:,.2f} of cash and pending contributions to invest")
    exposure = currency_exposure(h)
    return CheckResult(
        as_of=h.as_of.isoformat(), household=h.name, investable_usd=investable,
        classes=tuple(rows), tiers=tuple(tiers), uninvested_usd=uninvested,
        pending_flow_usd=flow, action_needed=bool(reasons), reasons=tuple(reasons),
        base_currency=h.base_currency, usd_per_base=h.usd_per(h.base_currency),
        fx_source=h.fx_source, currencies=exposure, regions=region_exposure(exposure),
        foreign_tax=foreign_tax_holdings(h),
        private=private_checks(h),
    )
