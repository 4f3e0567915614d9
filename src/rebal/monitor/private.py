"""The monitor's rules on private funds (issue 20): :func:`private_alerts`.

- ``call_reserve_short`` [action]: capital calls are projected within the next
  :data:`rebal.planner.alternatives.CALL_DUE_DAYS` days and the reserve — cash above the
  accounts' reserves plus the named liquid proxy, in the accounts that pay the calls — is
  below what the household's ``call_reserve`` asks (coverage × the calls of its horizon;
  with no ``call_reserve``, the calls of the next 30 days). The projection is the
  planner's (:func:`rebal.planner.alternatives.reserve_need`).
- ``nav_stale`` [info]: a fund's reported NAV is older than ``nav_stale_days`` (default
  190: a quarter's report plus its usual lag, with room).
- ``denominator_effect`` [info]: a class held by private funds is outside its band (under
  the household's exposure view) and public markets, not the funds, moved it. Said when
  (a) the previous look at the household is given (:class:`PrivateLook`: what the last
  evaluation saw; ``rebal monitor`` on the store keeps it), its funds of the class report
  the same NAV on the same date, and the class weight changed — the message gives both
  weights and the rest of the portfolio before and after; or (b) without a previous look,
  the class is inside its band when its funds' NAV is rolled forward by their public
  proxies (the reported NAV is stale while the denominator is today's).

Units: dollars (``*_usd``), weights as fractions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rebal.alternatives.exposure import ExposureView, projected_calls
from rebal.household.model import Household
from rebal.household.views import (
    class_weights,
    investable_value_usd,
    private_class_values,
    private_views,
)
from rebal.monitor.alerts import Alert, AlertKind, Severity
from rebal.planner.alternatives import CALL_DUE_DAYS, ReserveNeed, reserve_need

__all__ = ["PrivateLook", "private_alerts", "private_look"]


@dataclass(frozen=True, slots=True)
class PrivateLook:
    """What one evaluation saw of a household's private classes (plain data, stored by
    the monitor between runs).

    Attributes
    ----------
    as_of
        The household's date, ISO.
    weights
        ``{class: weight}`` of each class private funds hold (the household's view).
    rest_usd
        ``{class: investable value − the class's private exposure}``, dollars.
    navs
        ``{fund id: [nav_usd, nav_as_of ISO]}`` (``None`` for a fund without a NAV).
    classes
        ``{fund id: class}``.
    """

    as_of: str
    weights: dict[str, float]
    rest_usd: dict[str, float]
    navs: dict[str, list[float | str | None]]
    classes: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {"as_of": self.as_of, "weights": dict(self.weights),
                "rest_usd": dict(self.rest_usd), "navs": {k: list(v) for k, v in
                                                          self.navs.items()},
                "classes": dict(self.classes)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PrivateLook:
        return cls(as_of=str(data["as_of"]), weights=dict(data["weights"]),
                   rest_usd=dict(data["rest_usd"]),
                   navs={k: list(v) for k, v in data["navs"].items()},
                   classes=dict(data["classes"]))


def private_look(h: Household) -> PrivateLook | None:
    """The :class:`PrivateLook` of ``h`` (None without private funds)."""
    if not h.private_funds:
        return None
    weights = class_weights(h)
    total = investable_value_usd(h)
    private = private_class_values(h)
    return PrivateLook(
        as_of=h.as_of.isoformat(),
        weights={c: weights[c] for c in private},
        rest_usd={c: total - v for c, v in private.items()},
        navs={f.id: [f.nav_usd, None if f.nav_as_of is None else f.nav_as_of.isoformat()]
              for f in h.private_funds},
        classes={f.id: f.asset_class for f in h.private_funds})


def private_alerts(h: Household, *, nav_stale_days: int,
                   previous: Household | PrivateLook | None = None) -> list[Alert]:
    """The three private-fund rules on ``h`` (module docstring), in that order;
    ``previous``: the household (or what was seen of it) at the last look."""
    if not h.private_funds:
        return []
    look = private_look(previous) if isinstance(previous, Household) else previous
    return [*_call_alerts(h), *_stale_alerts(h, nav_stale_days),
            *_denominator_alerts(h, look)]


def _need(h: Household) -> ReserveNeed:
    """The household's reserve rule, or (without one) cash for the calls due in 30 days."""
    need = reserve_need(h)
    if need is not None:
        return need
    due = sum(projected_calls(f, h.as_of, 1) for f in h.private_funds)
    named = tuple(dict.fromkeys(f.account for f in h.private_funds if f.account))
    return ReserveNeed(months=1, coverage=1.0, proxy=None,
                       accounts=named or tuple(a.id for a in h.accounts),
                       calls_due_usd=due, calls_horizon_usd=due)


def _call_alerts(h: Household) -> list[Alert]:
    need = _need(h)
    if need.calls_due_usd < 0.5:
        return []
    cash = sum(a.cash_usd - a.min_cash_usd for a in h.accounts if a.id in need.accounts)
    proxy = 0.0
    if need.proxy is not None:
        price = h.security(need.proxy).price_usd
        proxy = sum(lot.quantity for lot in h.lots
                    if lot.symbol == need.proxy and lot.account in need.accounts) * price
    held = cash + proxy
    wanted = need.reserve_needed_usd
    if held >= wanted - 0.5:
        return []
    held_text = f"cash above reserves ${cash:,.2f}"
    if need.proxy is not None:
        held_text += f" + {need.proxy} ${proxy:,.2f}"
    rule = (f"coverage {need.coverage:g} × ${need.calls_horizon_usd:,.2f} of calls projected "
            f"for the next {need.months} months" if h.call_reserve is not None
            else "the calls due")
    return [Alert(
        household=h.name, kind=AlertKind.CALL_RESERVE_SHORT, severity=Severity.ACTION,
        key="call_reserve_short",
        message=(f"capital calls of ${need.calls_due_usd:,.2f} are projected in the next "
                 f"{CALL_DUE_DAYS} days and the reserve is short by ${wanted - held:,.2f}: "
                 f"{held_text} in {', '.join(need.accounts)} vs ${wanted:,.2f} ({rule})"),
        figures={"calls_due_usd": need.calls_due_usd, "reserve_needed_usd": wanted,
                 "cash_usd": cash, "proxy_usd": proxy, "short_usd": wanted - held})]


def _stale_alerts(h: Household, limit_days: int) -> list[Alert]:
    out = []
    for f in h.private_funds:
        if f.nav_as_of is None:
            continue
        age = (h.as_of - f.nav_as_of).days
        if age > limit_days:
            out.append(Alert(
                household=h.name, kind=AlertKind.NAV_STALE, severity=Severity.INFO,
                key=f"nav_stale:{f.id}",
                message=(f"private fund {f.id}: its NAV is {age} days old (as of "
                         f"{f.nav_as_of.isoformat()}; limit {limit_days} days): its "
                         f"{f.asset_class} weight rests on an old value"),
                figures={"nav_usd": f.nav_usd, "nav_as_of": f.nav_as_of.isoformat(),
                         "age_days": age, "limit_days": limit_days}))
    return out


def _same_navs(h: Household, previous: PrivateLook, cls: str) -> bool:
    now = {f.id: [f.nav_usd, None if f.nav_as_of is None else f.nav_as_of.isoformat()]
           for f in h.private_funds if f.asset_class == cls}
    before = {k: list(v) for k, v in previous.navs.items()
              if previous.classes.get(k) == cls}
    return bool(now) and now == before


def _denominator_alerts(h: Household, previous: PrivateLook | None) -> list[Alert]:
    out = []
    weights = class_weights(h)
    for v in private_views(h):
        c = v.asset_class
        t = h.target(c)
        w = weights[c]
        if not t.breached(w):
            continue
        side = "above" if w > t.weight else "below"
        band = (f"{100 * (t.weight - t.half_width):.2f}%–"
                f"{100 * (t.weight + t.half_width):.2f}%")
        private_usd = private_class_values(h)[c]
        figures: dict[str, object] = {"weight": w, "lower": t.weight - t.half_width,
                                      "upper": t.weight + t.half_width,
                                      "private_usd": private_usd}
        if previous is not None and c in previous.weights and _same_navs(h, previous, c):
            w0 = previous.weights[c]
            if abs(w0 - w) < 1e-9:
                continue
            rest0 = previous.rest_usd[c]
            rest = investable_value_usd(h) - private_usd
            out.append(Alert(
                household=h.name, kind=AlertKind.DENOMINATOR_EFFECT, severity=Severity.INFO,
                key=f"denominator_effect:{c}",
                message=(f"{c} is {side} its band ({100 * w:.2f}% vs {band}) because public "
                         f"markets moved (the denominator effect): its private funds report "
                         f"the same NAV as on {previous.as_of}, but the rest of "
                         f"the portfolio went from ${rest0:,.2f} to ${rest:,.2f}, so its "
                         f"weight went from {100 * w0:.2f}% to {100 * w:.2f}%"),
                figures={**figures, "weight_before": w0, "rest_before_usd": rest0,
                         "rest_usd": rest, "previous_as_of": previous.as_of}))
            continue
        rolled = v.weight[ExposureView.PROXY_ROLLED]
        if (h.exposure_view is not ExposureView.PROXY_ROLLED
                and abs(rolled - w) > 1e-12 and not t.breached(rolled)):
            out.append(Alert(
                household=h.name, kind=AlertKind.DENOMINATOR_EFFECT, severity=Severity.INFO,
                key=f"denominator_effect:{c}",
                message=(f"{c} is {side} its band ({100 * w:.2f}% vs {band}) on its funds' "
                         f"reported NAV, which is not marked to today's markets (the "
                         f"denominator effect): rolled forward by their public proxies it "
                         f"would be {100 * rolled:.2f}%, inside the band"),
                figures={**figures, "weight_proxy_rolled": rolled}))
    return out
