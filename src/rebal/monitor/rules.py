"""The monitor's rules on one household: :func:`evaluate`.

Every rule reuses the definition the rest of rebal uses — drift and breach from
:func:`rebal.planner.check.check` (the policy's own breach test), losses from
:func:`rebal.household.views.lot_gains`, the harvest thresholds of the household
(:meth:`rebal.tax.harvest.HarvestSettings.worth_harvesting`), wash-sale state from the
planner's guard (the tax engine's ledger over the household's lots and recent trades),
and the 0 % long-term room from :func:`rebal.tax.marginal.zero_rate_lt_room`.

Rules (severity in brackets):

- ``band_breach`` [action]: a class outside its band;
- ``band_near`` [info]: a class inside but using ``near_band_use`` or more of its band;
- ``cash_to_invest`` [action]: cash above the reserves plus pending contributions above
  ``cash_threshold`` of the investable value; ``cash_short`` [action]: an account's cash
  does not cover its pending withdrawal or reserve;
- ``harvest`` [action]: a taxable lot whose loss passes the household's harvest
  thresholds, not held for step-up, that can be sold today without a wash sale and
  whose fund has a substitute that can be bought today;
- ``harvest_blocked`` [info]: the same loss, but the fund is not tradable, or a purchase
  in the last 30 days (in any counted account) would wash it (the message names the
  purchase and the first safe day), or no substitute can be bought today;
- ``swap_back`` [info]: a taxable sale in the last 31 days whose wash-sale window ends
  within ``swap_back_days``: from that day the fund sold can be bought back;
- ``zero_ltcg_room`` [info]: from ``zero_room_from_month`` on, long-term gains that would
  be taxed at 0 % federally are left unrealized while taxable lots hold such gains;
- ``call_reserve_short`` [action], ``nav_stale`` [info], ``denominator_effect`` [info]:
  private funds (:mod:`rebal.monitor.private`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from rebal.household.model import Household
from rebal.household.views import lot_gains
from rebal.monitor.alerts import Alert, AlertKind, MonitorResult, Severity
from rebal.monitor.private import PrivateLook, private_alerts, private_look
from rebal.planner.check import check
from rebal.planner.guard import build_guard
from rebal.tax.marginal import zero_rate_lt_room
from rebal.types import AccountType, Side, Term

__all__ = ["MonitorSettings", "evaluate"]

WASH_WINDOW_DAYS = 30
"""Days on each side of a loss sale in which a purchase washes it (§1091)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MonitorSettings:
    """Thresholds of the rules.

    Attributes
    ----------
    cash_threshold
        Cash and contributions to invest above this fraction of the investable value
        need action (0.01 = 1 %).
    near_band_use
        A class using this share of its band or more (|drift| ÷ half-width) is "near".
    swap_back_days
        Say so this many days before a wash-sale window ends.
    zero_room_from_month
        Month (1–12) from which unused 0 % long-term room is reported (10 = Q4).
    zero_room_min_usd
        Smallest room worth a line, dollars.
    nav_stale_days
        A private fund's NAV older than this many days is stale (190: a quarter's report
        plus its usual lag, with room).
    """

    cash_threshold: float = 0.01
    near_band_use: float = 0.8
    swap_back_days: int = 7
    zero_room_from_month: int = 10
    zero_room_min_usd: float = 1000.0
    nav_stale_days: int = 190


def evaluate(household: Household, settings: MonitorSettings | None = None, *,
             previous: Household | PrivateLook | None = None) -> MonitorResult:
    """Every rule on ``household`` as of its ``as_of`` day (module docstring).

    ``previous`` is the household at an earlier look (or the :class:`PrivateLook` the last
    evaluation kept), if known: the denominator-effect rule compares the private funds'
    NAV and the class weight with it. The result carries this look
    (``MonitorResult.private_look``) for the next run.

    Returns
    -------
    MonitorResult
        The alerts in rule order (bands, cash, harvests, swap-backs, 0 % room).
    """
    s = settings or MonitorSettings()
    h = household
    name = h.name
    verdict = check(h, cash_threshold=s.cash_threshold)
    alerts: list[Alert] = []

    for c in verdict.classes:
        figures = {"weight": c.weight, "target": c.target, "lower": c.lower,
                   "upper": c.upper, "band_use": c.band_use}
        if c.breached:
            side = "above" if c.weight > c.upper else "below"
            alerts.append(Alert(
                household=name, kind=AlertKind.BAND_BREACH, severity=Severity.ACTION,
                key=f"band_breach:{c.asset_class}",
                message=(f"{c.asset_class} is {side} its band: {100 * c.weight:.2f}% vs "
                         f"{100 * c.lower:.2f}%–{100 * c.upper:.2f}% (target "
                         f"{100 * c.target:.2f}%)"),
                figures=figures))
        elif c.band_use >= s.near_band_use:
            alerts.append(Alert(
                household=name, kind=AlertKind.BAND_NEAR, severity=Severity.INFO,
                key=f"band_near:{c.asset_class}",
                message=(f"{c.asset_class} uses {100 * c.band_use:.0f}% of its band: "
                         f"{100 * c.weight:.2f}% vs {100 * c.lower:.2f}%–"
                         f"{100 * c.upper:.2f}%"),
                figures=figures))

    for a in h.accounts:
        if a.cash_usd + a.pending_flow_usd < a.min_cash_usd - 0.005:
            alerts.append(Alert(
                household=name, kind=AlertKind.CASH_SHORT, severity=Severity.ACTION,
                key=f"cash_short:{a.id}",
                message=(f"account {a.id}: cash ${a.cash_usd:,.2f} does not cover the "
                         f"pending flow ${a.pending_flow_usd:,.2f} and reserve "
                         f"${a.min_cash_usd:,.2f}"),
                figures={"cash_usd": a.cash_usd, "pending_flow_usd": a.pending_flow_usd,
                         "min_cash_usd": a.min_cash_usd}))
    to_invest = (max(0.0, verdict.uninvested_usd)
                 + sum(max(0.0, a.pending_flow_usd) for a in h.accounts))
    if verdict.investable_usd > 0 and to_invest > s.cash_threshold * verdict.investable_usd:
        alerts.append(Alert(
            household=name, kind=AlertKind.CASH_TO_INVEST, severity=Severity.ACTION,
            key="cash_to_invest",
            message=(f"${to_invest:,.2f} of cash and pending contributions to invest "
                     f"({100 * to_invest / verdict.investable_usd:.2f}% of the portfolio)"),
            figures={"to_invest_usd": to_invest, "investable_usd": verdict.investable_usd}))

    alerts += _harvest_alerts(h)
    alerts += _swap_back_alerts(h, s)
    alerts += _zero_room_alerts(h, s)
    alerts += private_alerts(h, nav_stale_days=s.nav_stale_days, previous=previous)
    look = private_look(h)
    return MonitorResult(household=name, as_of=h.as_of.isoformat(), alerts=tuple(alerts),
                         check=verdict, private_look=None if look is None else look.to_dict())


def _harvest_alerts(h: Household) -> list[Alert]:
    losses = [g for g in lot_gains(h) if g.gain_usd < 0
              and h.harvest.worth_harvesting(-g.gain_usd, g.cost_basis_usd)]
    if not losses:
        return []
    guard = build_guard(h)
    prices = {sec.symbol: sec.price_usd for sec in h.securities}
    out: list[Alert] = []
    for g in losses:
        lot = h.lot(g.lot_id)
        if h.held_for_step_up(lot):
            continue
        loss = -g.gain_usd
        figures = {"loss_usd": loss, "cost_basis_usd": g.cost_basis_usd,
                   "value_usd": g.value_usd, "term": g.term.value}
        where = f"{g.symbol} lot {g.lot_id} in {g.account}"
        if not h.security(g.symbol).tradable:
            out.append(Alert(
                household=h.name, kind=AlertKind.HARVEST_BLOCKED, severity=Severity.INFO,
                key=f"harvest_blocked:{g.lot_id}",
                message=f"loss of ${loss:,.2f} on {where} not harvestable: "
                        f"{g.symbol} is not tradable",
                figures=figures))
            continue
        sale = guard.loss_sale_check(lot, prices[g.symbol])
        if sale.washed:
            first = max(r.purchase_date for r in sale.by)
            safe = first + timedelta(days=WASH_WINDOW_DAYS + 1)
            buyer = max(sale.by, key=lambda r: r.purchase_date)
            out.append(Alert(
                household=h.name, kind=AlertKind.HARVEST_BLOCKED, severity=Severity.INFO,
                key=f"harvest_blocked:{g.lot_id}",
                message=(f"loss of ${loss:,.2f} on {where} not harvestable: the purchase of "
                         f"{buyer.symbol} in {buyer.account} on {buyer.purchase_date} would "
                         f"wash it; first safe sale {safe}"),
                figures={**figures, "blocked_by": buyer.purchase_id,
                         "first_safe_date": safe.isoformat()}))
            continue
        subs = [t for t in h.security(g.symbol).substitutes
                if h.security(t).tradable and not guard.buy_blocked(t, g.account)]
        if not subs:
            out.append(Alert(
                household=h.name, kind=AlertKind.HARVEST_BLOCKED, severity=Severity.INFO,
                key=f"harvest_blocked:{g.lot_id}",
                message=(f"loss of ${loss:,.2f} on {where} not harvested: no substitute of "
                         f"{g.symbol} can be bought today"),
                figures=figures))
            continue
        out.append(Alert(
            household=h.name, kind=AlertKind.HARVEST, severity=Severity.ACTION,
            key=f"harvest:{g.lot_id}",
            message=(f"harvest ${loss:,.2f} {g.term.value}-term loss on {where}; buy "
                     f"{subs[0]} instead"),
            figures={**figures, "substitute": subs[0]}))
    return out


def _swap_back_alerts(h: Household, s: MonitorSettings) -> list[Alert]:
    taxable = {a.id for a in h.accounts if a.type is AccountType.TAXABLE}
    out: list[Alert] = []
    for t in h.recent_trades:
        if t.side is not Side.SELL or t.account not in taxable:
            continue
        ends = t.date + timedelta(days=WASH_WINDOW_DAYS)
        left = (ends - h.as_of).days
        if 0 <= left <= s.swap_back_days:
            free = ends + timedelta(days=1)
            out.append(Alert(
                household=h.name, kind=AlertKind.SWAP_BACK, severity=Severity.INFO,
                key=f"swap_back:{t.account}:{t.symbol}:{t.date.isoformat()}",
                message=(f"the wash-sale window of the sale of {t.symbol} in {t.account} on "
                         f"{t.date} ends {ends}: {t.symbol} can be bought back from {free}"),
                figures={"sold_on": t.date.isoformat(), "window_ends": ends.isoformat(),
                         "days_left": left}))
    return out


def _zero_room_alerts(h: Household, s: MonitorSettings) -> list[Alert]:
    if h.as_of.month < s.zero_room_from_month:
        return []
    lt_gains = sum(g.gain_usd for g in lot_gains(h) if g.term is Term.LONG and g.gain_usd > 0)
    if lt_gains <= 0:
        return []
    room = zero_rate_lt_room(h.tax_profile())
    usable = min(room, lt_gains)
    if usable < s.zero_room_min_usd:
        return []
    return [Alert(
        household=h.name, kind=AlertKind.ZERO_LTCG_ROOM, severity=Severity.INFO,
        key=f"zero_ltcg_room:{h.as_of.year}",
        message=(f"${room:,.2f} of long-term gains would be taxed at 0% federally in "
                 f"{h.as_of.year}; taxable lots hold ${lt_gains:,.2f} of such gains"),
        figures={"room_usd": room, "long_term_gains_usd": lt_gains, "usable_usd": usable})]
