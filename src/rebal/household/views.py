"""Derived views of a household: values, weights, drift, unrealized gains.

Pure functions of a :class:`~rebal.household.model.Household` (nothing is
cached on it). Conventions, used identically by the planner and ``rebal check``:

- Market value = quantity × ``price_usd`` (dollars).
- Multi-class securities are split by their look-through fractions.
- Private funds (``Household.private_funds``) count toward their class with the
  exposure of the household's ``exposure_view`` (:func:`private_exposures`): reported
  NAV, NAV + unfunded commitment ("phantom allocation") or NAV rolled forward by
  the fund's public proxy; their NAV (rolled under the proxy view) is part of the
  investable value, the unfunded commitment is not (that money is still held in
  cash or securities, so under ``nav_plus_unfunded`` the class weights sum to
  more than 1 by the unfunded share). Per-account values hold no private funds.
- Weights are fractions of the **investable value** = holdings + private NAV +
  cash − the accounts' minimum cash reserves. Reserves are money that must stay cash, so
  they are not part of the portfolio being allocated; cash above the reserves
  is uninvested and shows as :func:`uninvested_cash_usd`, so class weights plus
  the uninvested-cash weight sum to 1. Pending contributions/withdrawals are
  not in today's values.
- A class breaches its band when ``|weight − target| > half_width + 1e-12``
  (strictly beyond): the policy decides it. :func:`band_state` states the
  household's targets as a policy (classes grouped by tier, each tier sized as its
  preset in :data:`rebal.policy.TIER_PRESETS`) and :func:`drift` reads
  :func:`rebal.policy.decide`'s breached classes, so a band means the same thing
  in a backtest, ``rebal check`` and the planner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from rebal.alternatives.exposure import ExposureView, fund_exposure
from rebal.household.model import HeldLot, Household, TierName
from rebal.policy.decide import PolicyState, decide
from rebal.policy.tiers import TIER_PRESETS
from rebal.tax.holding import first_long_term_date, is_long_term
from rebal.types import AccountType, Sizing, Term

__all__ = [
    "AccountValue",
    "ClassDrift",
    "LotGain",
    "PrivateClassView",
    "PrivateExposure",
    "account_values",
    "band_state",
    "class_values",
    "class_weights",
    "drift",
    "holdings_value_usd",
    "investable_value_usd",
    "is_long_term",
    "long_term_from",
    "lot_gains",
    "lot_value_usd",
    "needs_rebalance",
    "private_class_values",
    "private_exposures",
    "private_value_usd",
    "private_views",
    "security_values",
    "tier_groups",
    "total_value_usd",
    "uninvested_cash_usd",
]


# The holding period is the tax engine's (IRC §1222, calendar arithmetic): one
# implementation for the planner, the monitor and the tax audit.
long_term_from = first_long_term_date


# -- values -------------------------------------------------------------------


def lot_value_usd(h: Household, lot: HeldLot) -> float:
    """Market value of ``lot`` on ``h.as_of``, dollars."""
    return lot.quantity * h.security(lot.symbol).price_usd


def _prices(h: Household) -> dict[str, float]:
    return {s.symbol: s.price_usd for s in h.securities}


def security_values(h: Household, account_id: str | None = None) -> dict[str, float]:
    """``{symbol: market value in dollars}`` for every listed security (0 if not
    held), over the household or one account."""
    prices = _prices(h)
    out = dict.fromkeys(prices, 0.0)
    for lot in h.lots:
        if account_id is None or lot.account == account_id:
            out[lot.symbol] += lot.quantity * prices[lot.symbol]
    return out


def holdings_value_usd(h: Household, account_id: str | None = None) -> float:
    """Market value of all securities held (no cash), dollars."""
    return sum(security_values(h, account_id).values())


def total_value_usd(h: Household) -> float:
    """Household total: securities + all cash, dollars."""
    return holdings_value_usd(h) + sum(a.cash_usd for a in h.accounts)


def investable_value_usd(h: Household, view: ExposureView | None = None) -> float:
    """Securities + private funds' NAV (:func:`private_value_usd` under ``view``, default
    the household's) + cash − minimum cash reserves, dollars: the weights' denominator."""
    return (total_value_usd(h) - sum(a.min_cash_usd for a in h.accounts)
            + private_value_usd(h, view))


def uninvested_cash_usd(h: Household) -> float:
    """Cash above the reserves (negative when reserves are not met), dollars."""
    return sum(a.cash_usd - a.min_cash_usd for a in h.accounts)


def class_values(h: Household, account_id: str | None = None,
                 view: ExposureView | None = None) -> dict[str, float]:
    """``{asset_class: dollars}`` with look-through applied, for every target
    class in target order (0 where nothing is held), over the household or one
    account. Cash is not a class. Over the household, private funds add their
    exposure under ``view`` (default the household's ``exposure_view``)."""
    out = {t.asset_class: 0.0 for t in h.targets}
    if account_id is None:
        for cls, value in private_class_values(h, view).items():
            out[cls] += value
    mixes = {s.symbol: s.look_through for s in h.securities}
    for symbol, value in security_values(h, account_id).items():
        if value:
            for cls, frac in mixes[symbol]:
                out[cls] += value * frac
    return out


def class_weights(h: Household, view: ExposureView | None = None) -> dict[str, float]:
    """``{asset_class: weight}``: class value ÷ investable value (fractions), private
    funds counted under ``view`` (default the household's).

    All zero when the investable value is not positive (nothing to allocate yet).
    """
    denominator = investable_value_usd(h, view)
    values = class_values(h, view=view)
    if denominator <= 0:
        return dict.fromkeys(values, 0.0)
    return {cls: value / denominator for cls, value in values.items()}


# -- private funds ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PrivateExposure:
    """One private fund's exposure under each view, on ``as_of`` (dollars).

    Attributes
    ----------
    fund, asset_class
        The fund's id and class.
    nav_usd
        Reported NAV (0 when the fund reports none yet), as of ``nav_as_of``.
    unfunded_usd
        Commitment not yet called.
    proxy
        The public proxy's symbol, or None.
    proxy_growth
        The proxy's price return from ``nav_as_of`` to ``as_of`` (0.05 = +5 %), or None
        when the fund has no proxy, no proxy price on its NAV date, or no NAV.
    rolled_nav_usd
        NAV × (1 + proxy_growth); the reported NAV when ``proxy_growth`` is None.
    """

    fund: str
    asset_class: str
    nav_usd: float
    unfunded_usd: float
    proxy: str | None
    proxy_growth: float | None
    rolled_nav_usd: float

    def exposure_usd(self, view: ExposureView) -> float:
        """What counts toward the class under ``view``."""
        if view is ExposureView.NAV:
            return self.nav_usd
        if view is ExposureView.NAV_PLUS_UNFUNDED:
            return self.nav_usd + self.unfunded_usd
        return self.rolled_nav_usd

    def wealth_usd(self, view: ExposureView) -> float:
        """What counts in the investable value under ``view``: the NAV (rolled under the
        proxy view); never the unfunded commitment."""
        return self.rolled_nav_usd if view is ExposureView.PROXY_ROLLED else self.nav_usd


def private_exposures(h: Household) -> tuple[PrivateExposure, ...]:
    """Every private fund's exposure under the three views, in file order.

    The NAV and NAV + unfunded figures are :func:`rebal.alternatives.exposure.fund_exposure`
    of the fund; the rolled NAV uses the proxy's price growth from the fund's
    ``nav_as_of`` (``Household.proxy_marks``) to ``as_of`` (the security's ``price_usd``).
    """
    prices = _prices(h)
    out = []
    for f in h.private_funds:
        nav = fund_exposure(f, ExposureView.NAV)
        growth: float | None = None
        mark = h.proxy_mark(f.id)
        if f.proxy is not None and mark is not None and f.nav_usd:
            growth = prices[f.proxy] / mark - 1.0
        rolled = (nav if growth is None
                  else fund_exposure(f, ExposureView.PROXY_ROLLED, proxy_growth=growth))
        out.append(PrivateExposure(
            fund=f.id, asset_class=f.asset_class, nav_usd=nav,
            unfunded_usd=fund_exposure(f, ExposureView.NAV_PLUS_UNFUNDED) - nav,
            proxy=f.proxy, proxy_growth=growth, rolled_nav_usd=rolled))
    return tuple(out)


def private_class_values(h: Household, view: ExposureView | None = None) -> dict[str, float]:
    """``{asset_class: dollars}`` of private-fund exposure under ``view`` (default the
    household's), only classes that private funds hold."""
    v = h.exposure_view if view is None else view
    out: dict[str, float] = {}
    for e in private_exposures(h):
        out[e.asset_class] = out.get(e.asset_class, 0.0) + e.exposure_usd(v)
    return out


def private_value_usd(h: Household, view: ExposureView | None = None) -> float:
    """The private funds' part of the investable value under ``view`` (default the
    household's), dollars: NAV, rolled NAV under the proxy view."""
    v = h.exposure_view if view is None else view
    return sum(e.wealth_usd(v) for e in private_exposures(h))


@dataclass(frozen=True, slots=True)
class PrivateClassView:
    """A class held by private funds, its weight under each exposure view side by side.

    Attributes
    ----------
    asset_class
        The class.
    target
        Its target weight.
    private_usd
        ``{view: private exposure in dollars}``.
    public_usd
        The class's holdings in public securities (e.g. its liquid substitute), dollars.
    weight
        ``{view: class weight}``: (public + private exposure) ÷ investable value under
        that view.
    selected
        The household's view (the one drift, the plan and the monitor use).
    """

    asset_class: str
    target: float
    private_usd: dict[ExposureView, float]
    public_usd: float
    weight: dict[ExposureView, float]
    selected: ExposureView


def private_views(h: Household) -> tuple[PrivateClassView, ...]:
    """Each class held by private funds under the three exposure views, target order."""
    classes = {e.asset_class for e in private_exposures(h)}
    if not classes:
        return ()
    public = class_values(h, account_id=None, view=ExposureView.NAV)
    nav_part = private_class_values(h, ExposureView.NAV)
    out = []
    for t in h.targets:
        c = t.asset_class
        if c not in classes:
            continue
        pub = public[c] - nav_part.get(c, 0.0)
        priv = {v: private_class_values(h, v).get(c, 0.0) for v in ExposureView}
        weight = {}
        for v in ExposureView:
            denominator = investable_value_usd(h, v)
            weight[v] = (pub + priv[v]) / denominator if denominator > 0 else 0.0
        out.append(PrivateClassView(asset_class=c, target=t.weight, private_usd=priv,
                                    public_usd=pub, weight=weight, selected=h.exposure_view))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class AccountValue:
    """An account's totals on ``as_of`` (dollars)."""

    account: str
    type: AccountType
    holdings_usd: float
    cash_usd: float
    min_cash_usd: float
    pending_flow_usd: float

    @property
    def total_usd(self) -> float:
        """Holdings + cash."""
        return self.holdings_usd + self.cash_usd


def account_values(h: Household) -> dict[str, AccountValue]:
    """``{account id: AccountValue}`` in file order."""
    return {
        a.id: AccountValue(
            account=a.id,
            type=a.type,
            holdings_usd=holdings_value_usd(h, a.id),
            cash_usd=a.cash_usd,
            min_cash_usd=a.min_cash_usd,
            pending_flow_usd=a.pending_flow_usd,
        )
        for a in h.accounts
    }


# -- drift ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClassDrift:
    """One class's position against its target and band.

    Attributes
    ----------
    asset_class, tier
        The class and its tier.
    value_usd
        Look-through market value, dollars.
    weight, target
        Current and target weight (fractions of the investable value).
    drift
        ``weight − target`` (fraction; + = overweight).
    half_width
        Band half-width in weight units.
    breached
        True when strictly outside ``[target − half_width, target + half_width]``.
    """

    asset_class: str
    tier: TierName
    value_usd: float
    weight: float
    target: float
    drift: float
    half_width: float
    breached: bool

    @property
    def lower(self) -> float:
        return self.target - self.half_width

    @property
    def upper(self) -> float:
        return self.target + self.half_width


def tier_groups(h: Household) -> tuple[str, ...]:
    """The names of the tiers holding a target class, in the order of the policy's
    presets (:data:`rebal.policy.TIER_PRESETS`: core, satellite, tactical): group ``g``
    of :func:`band_state` is tier ``tier_groups(h)[g]``."""
    used = {t.tier.value for t in h.targets}
    return tuple(name for name in TIER_PRESETS if name in used)


def band_state(h: Household, weights: dict[str, float] | None = None) -> PolicyState:
    """The household's targets and bands as a policy on a look-and-act day.

    Parameters
    ----------
    h
        The household: each class's target weight and band half-width
        (:attr:`~rebal.household.model.ClassTarget.half_width`).
    weights
        ``{asset_class: weight}`` (fractions); default :func:`class_weights`.

    Classes are grouped by tier (:func:`tier_groups`); each tier is sized as its
    preset (core to target, satellite and tactical to the band edge) and sizes
    all its classes when one breaches.
    """
    now = class_weights(h) if weights is None else weights
    tiers = tier_groups(h)
    gid = {name: g for g, name in enumerate(tiers)}
    return PolicyState(
        weights=np.array([now[t.asset_class] for t in h.targets]),
        target_weights=np.array([t.weight for t in h.targets]),
        half_widths=np.array([t.half_width for t in h.targets]),
        group=np.array([gid[t.tier.value] for t in h.targets], dtype=np.int64),
        sizing=tuple(TIER_PRESETS[name].sizing for name in tiers) or Sizing.TO_TARGET,
    )


def drift(h: Household) -> tuple[ClassDrift, ...]:
    """Drift of every target class, in target order (breach by :func:`rebal.policy.decide`)."""
    values = class_values(h)
    weights = class_weights(h)
    if not h.targets:
        return ()
    breached = decide(band_state(h, weights)).breached
    return tuple(
        ClassDrift(
            asset_class=t.asset_class,
            tier=t.tier,
            value_usd=values[t.asset_class],
            weight=weights[t.asset_class],
            target=t.weight,
            drift=weights[t.asset_class] - t.weight,
            half_width=t.half_width,
            breached=bool(breached[i]),
        )
        for i, t in enumerate(h.targets)
    )


def needs_rebalance(h: Household) -> bool:
    """True when any class is outside its band."""
    return any(d.breached for d in drift(h))


# -- unrealized gains -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LotGain:
    """A lot's unrealized gain if sold on ``as_of`` at ``price_usd``.

    Attributes
    ----------
    lot_id, account, symbol, quantity
        The lot.
    value_usd, cost_basis_usd, gain_usd
        Market value, total basis and ``value − basis`` (negative = loss), dollars.
    term
        ST or LT for a sale on ``as_of``.
    long_term_from
        First date a sale would be long-term.
    """

    lot_id: str
    account: str
    symbol: str
    quantity: float
    value_usd: float
    cost_basis_usd: float
    gain_usd: float
    term: Term
    long_term_from: date

    @property
    def gain_frac(self) -> float:
        """Gain as a fraction of basis (``inf`` for a zero-basis gain)."""
        if self.cost_basis_usd == 0:
            return 0.0 if self.gain_usd == 0 else float("inf")
        return self.gain_usd / self.cost_basis_usd


def lot_gains(h: Household, *, taxable_only: bool = True) -> tuple[LotGain, ...]:
    """Unrealized gain and term of every lot with a known basis and date.

    Parameters
    ----------
    taxable_only
        True (default): only lots in taxable accounts, where gains are taxed.
    """
    prices = _prices(h)
    kinds = {a.id: a.type for a in h.accounts}
    out = []
    for lot in h.lots:
        start = lot.holding_period_start
        if lot.cost_basis_usd is None or start is None:
            continue
        if taxable_only and kinds[lot.account] is not AccountType.TAXABLE:
            continue
        value = lot.quantity * prices[lot.symbol]
        lt_from = long_term_from(start)
        out.append(
            LotGain(
                lot_id=lot.id,
                account=lot.account,
                symbol=lot.symbol,
                quantity=lot.quantity,
                value_usd=value,
                cost_basis_usd=lot.cost_basis_usd,
                gain_usd=value - lot.cost_basis_usd,
                term=Term.LONG if h.as_of >= lt_from else Term.SHORT,
                long_term_from=lt_from,
            )
        )
    return tuple(out)
