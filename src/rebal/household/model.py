"""The validated household: immutable, complete, picklable and JSON round-trippable.

Every object here is a frozen, slotted dataclass whose collections are tuples, so
a :class:`Household` is hashable, safe to share between threads and processes,
and equal to ``household_from_dict(h.to_dict())``. Objects are built only by
:mod:`rebal.household.io` after validation; their invariants (ids unique, every
lot in a known account and of a known security, weights summing to 1, …) hold
by construction, so the planner never re-checks them.

Units: dollars (``*_usd``), fractions (``weight``, ``state_rate``,
``band_abs`` …: 0.05 = 5 %), basis points (``cost_bps``), shares (``quantity``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from rebal.alternatives.exposure import ExposureView
from rebal.alternatives.fund import PrivateFund
from rebal.policy.bands import AbsoluteBand, RelativeBand, half_widths
from rebal.policy.breach import breach_rule
from rebal.policy.tiers import TIER_PRESETS
from rebal.tax.harvest import HarvestSettings
from rebal.tax.lots import Account, Trade
from rebal.types import AccountType, FilingStatus, ParseEnum

if TYPE_CHECKING:
    from rebal.tax.marginal import TaxProfile


def _iso_or_none(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


__all__ = [
    "CallReserve",
    "ClassTarget",
    "ForeignTax",
    "HeldLot",
    "Household",
    "Security",
    "TaxFacts",
    "TierName",
    "WashSalePolicy",
]

class TierName(ParseEnum):
    """The name of a class's tier: how tightly it is held to its target (DESIGN.md,
    "Tiers").

    Only the name: the tier's band and calendars are the policy's tier spec,
    :class:`rebal.policy.tiers.Tier` (the presets :data:`rebal.policy.tiers.TIER_PRESETS`,
    keyed by these values). A household target carries its resolved band itself.
    """

    CORE = "core"
    SATELLITE = "satellite"
    TACTICAL = "tactical"

    @property
    def default_band_abs(self) -> float:
        """Default absolute band half-width, a weight fraction (0.03 = ±3 pp): the band
        of the policy's preset tier of this name."""
        return TIER_PRESETS[self.value].band


@dataclass(frozen=True, slots=True)
class TaxFacts:
    """The household's tax facts for the plan year (what the file says).

    :meth:`Household.tax_profile` turns them into the tax engine's
    :class:`rebal.tax.TaxProfile`.

    Attributes
    ----------
    filing_status
        Federal filing status.
    tax_year
        Year whose brackets apply; always ``Household.as_of.year``, and one the
        tax engine has parameters for.
    ordinary_income_usd
        Other ordinary income for the year, dollars, before the standard
        deduction (wages, interest, non-qualified dividends, IRA distributions …).
    investment_income_usd
        The part of ``ordinary_income_usd`` that is net investment income for
        the 3.8 % NIIT (interest, non-qualified dividends), dollars.
    qualified_dividends_usd
        Qualified dividends expected for the year, dollars (taxed at LTCG rates;
        always investment income).
    state_rate
        Flat state (+ local) rate on capital gains and ordinary income, a
        fraction (0.05 = 5 %).
    carryforward_st_usd, carryforward_lt_usd
        Capital-loss carryforwards into this year (§1212(b)), dollars, positive
        numbers = losses carried; each keeps its character.
    realized_st_usd, realized_lt_usd
        Net gains already realized this year before the plan, dollars, signed
        (negative = net loss so far).
    """

    filing_status: FilingStatus
    tax_year: int
    ordinary_income_usd: float = 0.0
    investment_income_usd: float = 0.0
    qualified_dividends_usd: float = 0.0
    state_rate: float = 0.0
    carryforward_st_usd: float = 0.0
    carryforward_lt_usd: float = 0.0
    realized_st_usd: float = 0.0
    realized_lt_usd: float = 0.0


@dataclass(frozen=True, slots=True)
class WashSalePolicy:
    """How the planner treats wash sales (§1091; TAX_RULES.md §1).

    Attributes
    ----------
    avoid
        True: the planner never creates a wash sale (hard constraint). False: it
        may, and counts the disallowed loss.
    include_spouse
        Purchases in the spouse's accounts count as replacements (conservative
        reading of §1091 / Pub 550 for married taxpayers).
    include_tax_advantaged
        Purchases in IRA, 401(k), Roth and HSA accounts count as replacements
        (Rev. Rul. 2008-5). Turning this off is contrary to the ruling; it exists
        only to reproduce broker reports, which ignore such purchases.
    """

    avoid: bool = True
    include_spouse: bool = True
    include_tax_advantaged: bool = True


@dataclass(frozen=True, slots=True)
class ForeignTax:
    """Foreign tax on a security's dividends (docs/households.md, "Currency").

    Attributes
    ----------
    yield_frac
        Dividend yield, a fraction of value per year (0.03 = 3 %).
    share
        Foreign tax paid as a fraction of those dividends, in [0, 1] (a fund's foreign tax
        over its dividends; for a direct holding, the treaty withholding rate).
    basis
        Where ``share`` came from: ``"file"``, ``"preset developed_ex_us"`` or
        ``"treaty DE"`` (shown beside the numbers).
    """

    yield_frac: float
    share: float
    basis: str = "file"

    @property
    def annual_rate(self) -> float:
        """Foreign tax per dollar held per year, a fraction: ``yield_frac × share``."""
        return self.yield_frac * self.share


@dataclass(frozen=True, slots=True)
class Security:
    """A fund or stock the household holds or may buy.

    Attributes
    ----------
    symbol
        Unique ticker.
    price_usd
        Price per share on ``as_of``, dollars, > 0.
    look_through
        ``((asset_class, fraction), …)``: the class exposure of one dollar of
        the security, fractions > 0 summing to 1 (within 1e-9), in file order.
        A single-class security has one pair with fraction 1.0.
    wash_group
        Its group of substantially identical securities (default: the symbol).
    substitutes
        Symbols to buy when harvesting a loss, each a known security of another
        wash-sale group, in order of preference.
    tradable
        False for illiquid holdings the plan must leave untouched.
    cost_bps
        Estimated trading cost, basis points of the traded value.
    expense_ratio
        Annual expense ratio, a fraction (0.0003 = 0.03 %), if known.
    name
        Display name.
    currency
        ISO code of the currency the security trades in (default ``USD``).
    price_local
        Price per share in ``currency`` (``None`` for a USD security); ``price_usd`` is
        it times the household's rate for the currency on ``as_of``.
    currency_mix
        ``((ISO code, fraction), …)``: the currencies one dollar of the security is
        exposed to (a fund's look-through), fractions summing to 1; empty = all in
        ``currency``.
    foreign_tax
        Foreign tax on its dividends (:class:`ForeignTax`), if any.
    country
        ISO two-letter country of a directly held foreign company (its treaty rate
        sets ``foreign_tax.share``), if any.
    """

    symbol: str
    price_usd: float
    look_through: tuple[tuple[str, float], ...]
    wash_group: str
    substitutes: tuple[str, ...] = ()
    tradable: bool = True
    cost_bps: float = 0.0
    expense_ratio: float | None = None
    name: str = ""
    currency: str = "USD"
    price_local: float | None = None
    currency_mix: tuple[tuple[str, float], ...] = ()
    foreign_tax: ForeignTax | None = None
    country: str | None = None

    def currency_fractions(self) -> dict[str, float]:
        """``{ISO code: fraction}`` of the security's currency exposure (a fresh dict)."""
        return dict(self.currency_mix) if self.currency_mix else {self.currency: 1.0}

    @property
    def asset_class(self) -> str | None:
        """The single asset class, or ``None`` for a multi-class (look-through) fund."""
        return self.look_through[0][0] if len(self.look_through) == 1 else None

    def class_fractions(self) -> dict[str, float]:
        """``{asset_class: fraction}`` (a fresh dict)."""
        return dict(self.look_through)

    def to_dict(self) -> dict[str, Any]:
        """The file form of this security (JSON types)."""
        out: dict[str, Any] = {"symbol": self.symbol, "price_usd": self.price_usd}
        if self.asset_class is not None:
            out["asset_class"] = self.asset_class
        else:
            out["look_through"] = dict(self.look_through)
        out.update(
            wash_group=self.wash_group,
            substitutes=list(self.substitutes),
            tradable=self.tradable,
            cost_bps=self.cost_bps,
            expense_ratio=self.expense_ratio,
            name=self.name,
        )
        if self.currency != "USD":
            del out["price_usd"]
            out.update(currency=self.currency, price=self.price_local)
        if self.currency_mix:
            out["currency_mix"] = dict(self.currency_mix)
        if self.foreign_tax is not None:
            ft = self.foreign_tax
            if self.country is not None:
                out["foreign_tax"] = {"yield": ft.yield_frac}
            elif ft.basis.startswith("preset "):
                out["foreign_tax"] = ft.basis.removeprefix("preset ")
            else:
                out["foreign_tax"] = {"yield": ft.yield_frac, "share": ft.share}
        if self.country is not None:
            out["country"] = self.country
        return out


@dataclass(frozen=True, slots=True)
class HeldLot:
    """Shares of one security in one account, bought together, as the household states
    them (the planner's input).

    Not the tax engine's :class:`rebal.tax.lots.Lot` (a ledger lot: always a basis, its
    purchase id, its wash-sale adjustments): here the basis and date may be unknown in a
    tax-advantaged account. The planner's wash-sale guard builds tax lots from these
    (:meth:`rebal.planner.guard.PlanGuard.loss_sale_check`).

    In tax-advantaged accounts a lot may be a plain position: ``cost_basis_usd``
    and ``acquired`` are then ``None`` (basis does not matter there). In taxable
    accounts both are always set.

    Attributes
    ----------
    id
        Unique id; generated as ``f"{account}:{symbol}:{n}"`` (n = 1, 2, … in
        file order per account and symbol) when the file gives none.
    account, symbol
        Keys of a known account and security.
    quantity
        Shares, > 0 (fractions allowed).
    cost_basis_usd
        Total cost basis of the lot, dollars, ≥ 0 (not per share).
    acquired
        Trade date of the purchase, ≤ ``as_of``.
    holding_start
        Start of the holding period when it differs from ``acquired`` (a
        wash-sale replacement with a tacked holding period, §1223(3)); else None.
    date_known
        False for a lot built from a broker position that gave no lots (one lot at the
        average cost, ``docs/imports.md``): ``acquired`` is then the date it is *treated*
        as bought (the statement or plan date), and the planner treats it conservatively —
        a gain on it is short term, it is never sold at a loss, and it is a purchase
        inside its group's wash-sale window.
    """

    id: str
    account: str
    symbol: str
    quantity: float
    cost_basis_usd: float | None = None
    acquired: date | None = None
    holding_start: date | None = None
    date_known: bool = True

    @property
    def holding_period_start(self) -> date | None:
        """The date the holding period counts from (tacked start if any)."""
        return self.holding_start if self.holding_start is not None else self.acquired


@dataclass(frozen=True, slots=True)
class ClassTarget:
    """One asset class's target weight and band.

    Attributes
    ----------
    asset_class
        Class name, as used in securities' look-through.
    weight
        Target weight, a fraction of the household's investable value.
    tier
        Core, satellite or tactical.
    band_abs, band_rel
        The band: absolute half-width in weight units and/or relative half-width
        as a fraction of ``weight``; at least one is set. When the file gives
        neither, ``band_abs`` is the tier default.
    location
        Preferred account types for this class, most preferred first (empty =
        no preference).
    liquid_substitute
        For a class held by private funds: the symbol of a public security that holds
        the part of the target the funds' exposure does not reach yet (its holdings
        count toward this class; ``docs/household.md``, "Private funds"); else None.
    """

    asset_class: str
    weight: float
    tier: TierName = TierName.CORE
    band_abs: AbsoluteBand | None = None
    band_rel: RelativeBand | None = None
    location: tuple[AccountType, ...] = ()
    liquid_substitute: str | None = None

    @property
    def half_width(self) -> float:
        """Band half-width in weight units: ``min(abs, rel × weight)`` of those set
        (:func:`rebal.policy.bands.half_widths`; ``inf`` when neither is set)."""
        if self.band_abs is None and self.band_rel is None:
            return math.inf
        return float(half_widths(np.array([self.weight]), self.band_abs, self.band_rel)[0])

    def breached(self, weight: float) -> bool:
        """True when ``weight`` is strictly outside the band
        (:func:`rebal.policy.breach.breach_rule`, the one breach rule)."""
        return breach_rule(float(weight), float(self.weight), self.half_width)


@dataclass(frozen=True, slots=True)
class CallReserve:
    """Money kept for the private funds' coming capital calls (a planner constraint).

    Attributes
    ----------
    months
        Horizon: the calls projected for the next ``months`` months are covered.
    coverage
        Fraction of those projected calls to keep (1.0 = all of them).
    proxy
        Symbol of a liquid security that may hold the reserve besides cash (sold first
        when a call is due); None = cash only.
    """

    months: int = 6
    coverage: float = 1.0
    proxy: str | None = None


_Item = TypeVar("_Item")


def _find(items: Iterable[_Item], key: str, value: str) -> _Item:
    """The first of ``items`` whose attribute ``key`` equals ``value`` (``KeyError`` if none)."""
    for item in items:
        if getattr(item, key) == value:
            return item
    raise KeyError(value)


@dataclass(frozen=True, slots=True)
class Household:
    """A validated household: the single input of the planner and ``rebal check``.

    Build it with :func:`rebal.household.load_household` or
    :func:`rebal.household.household_from_dict`; derived values (market values,
    weights, drift, unrealized gains) are pure functions in
    :mod:`rebal.household.views`.

    Attributes
    ----------
    name
        Display name.
    as_of
        The plan date: prices, lots and trades are as of this date.
    tax
        Tax facts.
    harvest
        Loss-harvesting thresholds (:class:`rebal.tax.harvest.HarvestSettings`;
        substitutes are named per security here).
    realize_zero_bracket_gains
        True: the plan may realize long-term gains that fit in the 0 % LTCG bracket.
    hold_for_step_up
        Lot ids or symbols never to sell at a gain (held for a basis step-up).
    wash_sale
        Wash-sale policy flags.
    accounts, securities, lots, recent_trades, targets
        In file order; ``targets`` has one entry per asset class.
    private_funds
        Private funds (commitments, calls, distributions, reported NAV), in file order;
        their exposure counts toward their class (:mod:`rebal.household.views`).
    exposure_view
        How a private fund's exposure is counted in drift and the plan: reported NAV,
        NAV + unfunded commitment, or NAV rolled forward by its public proxy.
    proxy_marks
        ``((fund id, proxy price on the fund's nav_as_of), …)``: the start price of the
        proxy roll-forward, dollars, for funds that give one.
    call_reserve
        The capital-call reserve the plan keeps, or None.
    warnings
        Non-fatal findings of validation (e.g. a target class no security holds).
    source
        Where the household came from (file path), not part of equality.
    base_currency
        The currency values are *shown* in (a view; default ``USD``). Tax is always
        computed in US dollars, the tax engine's currency.
    fx_rates_usd
        ``((ISO code, USD per unit), …)`` on ``as_of``: every rate the household uses
        (securities' currencies and the base), from the file's ``fx_rates_usd`` or the
        FX table.
    fx_cost_bps
        FX conversion cost, basis points of the net amount converted per currency and
        account on the plan date; ``account_fx_cost_bps`` overrides it per account.
    fx_source
        Where the rates came from (shown in the output), not part of equality.
    """

    name: str
    as_of: date
    tax: TaxFacts
    accounts: tuple[Account, ...]
    securities: tuple[Security, ...]
    lots: tuple[HeldLot, ...]
    targets: tuple[ClassTarget, ...]
    recent_trades: tuple[Trade, ...] = ()
    harvest: HarvestSettings = field(default_factory=HarvestSettings)
    realize_zero_bracket_gains: bool = False
    hold_for_step_up: tuple[str, ...] = ()
    wash_sale: WashSalePolicy = WashSalePolicy()
    private_funds: tuple[PrivateFund, ...] = ()
    exposure_view: ExposureView = ExposureView.NAV
    proxy_marks: tuple[tuple[str, float], ...] = ()
    call_reserve: CallReserve | None = None
    warnings: tuple[str, ...] = field(default=(), compare=False)
    source: str | None = field(default=None, compare=False)
    base_currency: str = "USD"
    fx_rates_usd: tuple[tuple[str, float], ...] = ()
    fx_cost_bps: float = 0.0
    account_fx_cost_bps: tuple[tuple[str, float], ...] = ()
    fx_source: str = field(default="", compare=False)

    # -- currency ------------------------------------------------------------
    def usd_per(self, ccy: str) -> float:
        """US dollars per unit of ``ccy`` on ``as_of`` (1 for USD; ``KeyError`` if the
        household has no rate for it)."""
        if ccy == "USD":
            return 1.0
        return dict(self.fx_rates_usd)[ccy]

    def in_base(self, usd: float) -> float:
        """``usd`` dollars in the base currency at the ``as_of`` rate."""
        return usd / self.usd_per(self.base_currency)

    def fx_cost_rate(self, account_id: str) -> float:
        """FX conversion cost of ``account_id``, a fraction of the amount converted."""
        return dict(self.account_fx_cost_bps).get(account_id, self.fx_cost_bps) / 1e4

    # -- lookups (O(n) each; build a dict once in hot loops) -----------------
    def account(self, account_id: str) -> Account:
        """The account with this id (``KeyError`` if none)."""
        return _find(self.accounts, "id", account_id)

    def security(self, symbol: str) -> Security:
        """The security with this symbol (``KeyError`` if none)."""
        return _find(self.securities, "symbol", symbol)

    def lot(self, lot_id: str) -> HeldLot:
        """The lot with this id (``KeyError`` if none)."""
        return _find(self.lots, "id", lot_id)

    def target(self, asset_class: str) -> ClassTarget:
        """The target of this class (``KeyError`` if none)."""
        return _find(self.targets, "asset_class", asset_class)

    def private_fund(self, fund_id: str) -> PrivateFund:
        """The private fund with this id (``KeyError`` if none)."""
        return _find(self.private_funds, "id", fund_id)

    def proxy_mark(self, fund_id: str) -> float | None:
        """The proxy's price on the fund's ``nav_as_of`` (dollars), if given."""
        return dict(self.proxy_marks).get(fund_id)

    def wash_group(self, symbol: str) -> str:
        """The wash-sale group of ``symbol``; an unlisted symbol is its own group."""
        for sec in self.securities:
            if sec.symbol == symbol:
                return sec.wash_group
        return symbol

    def target_weights(self) -> dict[str, float]:
        """``{asset_class: target weight}`` in file order."""
        return {t.asset_class: t.weight for t in self.targets}

    def held_for_step_up(self, lot: HeldLot) -> bool:
        """True when ``lot`` must not be sold at a gain (its id or symbol is listed)."""
        return lot.id in self.hold_for_step_up or lot.symbol in self.hold_for_step_up

    def tax_profile(self) -> TaxProfile:
        """The tax engine's :class:`rebal.tax.TaxProfile` for this household-year
        (before any planned trade)."""
        from rebal.tax.marginal import TaxProfile

        t = self.tax
        return TaxProfile(
            year=t.tax_year,
            filing_status=t.filing_status,
            ordinary_income=t.ordinary_income_usd,
            qualified_dividends=t.qualified_dividends_usd,
            investment_income=t.investment_income_usd,
            st_realized=t.realized_st_usd,
            lt_realized=t.realized_lt_usd,
            st_carryforward=t.carryforward_st_usd,
            lt_carryforward=t.carryforward_lt_usd,
            state_rate=t.state_rate,
        )

    def to_dict(self) -> dict[str, Any]:
        """The canonical file form: JSON types only, every value explicit;
        ``household_from_dict(h.to_dict()) == h``.

        Lots are all inline with their ids (no ``lots_csv``); bands are the
        resolved ones (tier defaults written out). ``Household.source`` and
        ``warnings`` are not part of the file.
        """
        h = self
        tax = h.tax
        fx_acct = dict(h.account_fx_cost_bps)
        return {
            "as_of": h.as_of.isoformat(),
            "household": {
                "name": h.name,
                "filing_status": tax.filing_status.value,
                "tax_year": tax.tax_year,
                "ordinary_income_usd": tax.ordinary_income_usd,
                "investment_income_usd": tax.investment_income_usd,
                "qualified_dividends_usd": tax.qualified_dividends_usd,
                "state_rate": tax.state_rate,
                "loss_carryforward_usd": {
                    "short_term": tax.carryforward_st_usd,
                    "long_term": tax.carryforward_lt_usd,
                },
                "realized_this_year_usd": {
                    "short_term": tax.realized_st_usd,
                    "long_term": tax.realized_lt_usd,
                },
                "harvest": {
                    "enabled": h.harvest.enabled,
                    "min_loss_usd": h.harvest.min_loss_usd,
                    "min_loss_frac": h.harvest.min_loss_frac,
                },
                "realize_zero_bracket_gains": h.realize_zero_bracket_gains,
                "hold_for_step_up": list(h.hold_for_step_up),
                "wash_sale": {
                    "avoid": h.wash_sale.avoid,
                    "include_spouse": h.wash_sale.include_spouse,
                    "include_tax_advantaged": h.wash_sale.include_tax_advantaged,
                },
                **({} if h.base_currency == "USD" else {"base_currency": h.base_currency}),
                **({"fx_rates_usd": dict(h.fx_rates_usd)} if h.fx_rates_usd else {}),
                **({"fx_cost_bps": h.fx_cost_bps} if h.fx_cost_bps else {}),
            },
            "accounts": [
                {
                    "id": a.id,
                    "type": a.type.value,
                    "name": a.name,
                    "owner": a.owner.value,
                    "cash_usd": a.cash_usd,
                    "min_cash_usd": a.min_cash_usd,
                    "pending_flow_usd": a.pending_flow_usd,
                    "whole_shares": a.whole_shares,
                    "lot_method": a.lot_method.value,
                    **({} if a.min_trade_usd is None else {"min_trade_usd": a.min_trade_usd}),
                    **({"fx_cost_bps": fx_acct[a.id]} if a.id in fx_acct else {}),
                }
                for a in h.accounts
            ],
            "securities": [s.to_dict() for s in h.securities],
            "targets": {
                "classes": {
                    t.asset_class: {
                        "weight": t.weight,
                        "tier": t.tier.value,
                        "band_abs": None if t.band_abs is None else t.band_abs.width,
                        "band_rel": None if t.band_rel is None else t.band_rel.width,
                        **({} if t.liquid_substitute is None
                           else {"liquid_substitute": t.liquid_substitute}),
                    }
                    for t in h.targets
                },
                "location": {
                    t.asset_class: [typ.value for typ in t.location]
                    for t in h.targets
                    if t.location
                },
            },
            "lots": [
                {
                    "id": lot.id,
                    "account": lot.account,
                    "symbol": lot.symbol,
                    "quantity": lot.quantity,
                    "cost_basis_usd": lot.cost_basis_usd,
                    "acquired": _iso_or_none(lot.acquired),
                    "holding_start": _iso_or_none(lot.holding_start),
                    **({} if lot.date_known else {"date_known": False}),
                }
                for lot in h.lots
            ],
            "recent_trades": [
                {
                    "date": t.date.isoformat(),
                    "account": t.account,
                    "symbol": t.symbol,
                    "side": t.side.value,
                    "quantity": t.quantity,
                    "price_usd": t.price_usd,
                }
                for t in h.recent_trades
            ],
            **self._private_dict(),
        }

    def _private_dict(self) -> dict[str, Any]:
        """The private-fund keys of the file form (none when the household has no funds,
        the default view and no reserve, so other files keep their form)."""
        from rebal.alternatives.takahashi import TA_PRESETS

        out: dict[str, Any] = {}
        if self.private_funds:
            marks = dict(self.proxy_marks)
            funds = []
            for f in self.private_funds:
                model: str | dict[str, Any] | None = next(
                    (k for k, p in TA_PRESETS.items() if p == f.model), None)
                if model is None and f.model is not None:  # the parameters themselves
                    m = f.model
                    model = {"contribution_rates": list(m.contribution_rates), "bow": m.bow,
                             "growth": m.growth, "yield_rate": m.yield_rate,
                             "life_years": m.life_years}
                funds.append({
                    "id": f.id, "name": f.name, "asset_class": f.asset_class,
                    "commitment_usd": f.commitment_usd, "vintage": f.vintage,
                    "called_usd": f.called_usd, "distributed_usd": f.distributed_usd,
                    "nav_usd": f.nav_usd, "nav_as_of": _iso_or_none(f.nav_as_of),
                    "remaining_life_years": f.remaining_life_years, "proxy": f.proxy,
                    "proxy_price_at_nav_usd": marks.get(f.id), "model": model,
                    "account": f.account,
                })
            out["private_funds"] = funds
        if self.exposure_view is not ExposureView.NAV:
            out["exposure_view"] = self.exposure_view.value
        if self.call_reserve is not None:
            r = self.call_reserve
            out["call_reserve"] = {"months": r.months, "coverage": r.coverage, "proxy": r.proxy}
        return out
