"""Private funds in the plan: the capital-call reserve, the liquid substitute, and what
the plan says about both.

- **Capital-call reserve** (``Household.call_reserve``): after the plan, the cash above
  the accounts' reserves plus the value of the named liquid proxy, in the accounts that
  pay the funds' calls, must be at least ``coverage ×`` the calls projected for the next
  ``months`` months (:func:`rebal.alternatives.exposure.projected_calls`, the
  Takahashi–Alexander model). The calls projected for the next 30 days must be in
  *cash*: when they are not, the plan raises it, and the proxy's sales carry no tidy cost
  (:func:`rebal.planner.model.tidy_cost_per_usd`) and no tax worth speaking of, so it is
  sold first. Both rows have a slack at :data:`RESERVE_SHORT_WEIGHT` per dollar (far
  above a band's outside weight): a reserve the holdings cannot meet is reported short,
  not made infeasible.
- **Liquid substitute** (``ClassTarget.liquid_substitute``): a public security of the
  private class itself, so the planner holds the class's target shortfall
  (target − private exposure) in it like any other holding; the plan shows the private
  exposure and the substitute on two lines (:class:`PrivateLine`).
- **Distributions**: a private fund is not tradable, so the plan never buys it; cash a
  fund has paid out is cash above the reserve, invested in underweight classes in
  step 1 like any new money (a note says so for the accounts funds pay into).

Units: dollars (``*_usd``), fractions (weights).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from rebal.alternatives.exposure import projected_calls
from rebal.household.model import Household
from rebal.household.views import private_class_values, private_value_usd
from rebal.planner.outcome import Order, Outcome
from rebal.planner.result import PlannedTrade, PrivateLine
from rebal.types import Side

__all__ = [
    "CALL_DUE_DAYS",
    "RESERVE_SHORT_WEIGHT",
    "ReserveNeed",
    "ReserveStatus",
    "add_reserve_rows",
    "annotate_trades",
    "free_substitute_sales",
    "private_lines",
    "private_notes",
    "reserve_need",
    "reserve_status",
]

CALL_DUE_DAYS = 30
"""A call projected within this many days (the next month) is *due*: it needs cash."""

RESERVE_SHORT_WEIGHT = 10.0
"""Objective dollars per dollar the reserve is short (a band's outside weight is 1)."""


@dataclass(frozen=True, slots=True)
class ReserveNeed:
    """What the capital-call reserve asks of the plan.

    Attributes
    ----------
    months, coverage, proxy
        The household's ``call_reserve``.
    accounts
        Accounts that pay the calls (the funds' ``account``; every account when no fund
        names one): only their cash and proxy count.
    calls_due_usd
        Calls projected for the next month (:data:`CALL_DUE_DAYS`), all funds.
    calls_horizon_usd
        Calls projected for the next ``months`` months, all funds.
    """

    months: int
    coverage: float
    proxy: str | None
    accounts: tuple[str, ...]
    calls_due_usd: float
    calls_horizon_usd: float

    @property
    def cash_needed_usd(self) -> float:
        """Cash (above the accounts' reserves) the due calls need: coverage × due calls."""
        return self.coverage * self.calls_due_usd

    @property
    def reserve_needed_usd(self) -> float:
        """Cash + proxy needed: coverage × the calls of the horizon."""
        return self.coverage * self.calls_horizon_usd


def reserve_need(h: Household) -> ReserveNeed | None:
    """The reserve the household's ``call_reserve`` asks for, or None when it has none
    (or no private funds)."""
    r = h.call_reserve
    if r is None or not h.private_funds:
        return None
    named = tuple(dict.fromkeys(f.account for f in h.private_funds if f.account))
    return ReserveNeed(
        months=r.months, coverage=r.coverage, proxy=r.proxy,
        accounts=named or tuple(a.id for a in h.accounts),
        calls_due_usd=sum(projected_calls(f, h.as_of, 1) for f in h.private_funds),
        calls_horizon_usd=sum(projected_calls(f, h.as_of, r.months)
                              for f in h.private_funds),
    )


class _Rows(Protocol):
    """The part of the planner's problem builder this module uses."""

    c: list[float]

    def var(self, lb: float = 0.0, ub: float = math.inf, cost: float = 0.0,
            kind: int = 0) -> int: ...

    def row(self, terms: list[tuple[int, float]], lo: float, hi: float,
            name: str = "") -> int: ...


class _Pos(Protocol):
    """A tradable position of the problem (:class:`rebal.planner.model.PositionVar`)."""

    account: str
    symbol: str
    price_usd: float
    whole_shares: bool
    held: float
    sell_col: int | None
    buy_col: int | None


def add_reserve_rows(b: _Rows, need: ReserveNeed, idle_cols: dict[str, int],
                     positions: Sequence[_Pos], tidy_per_usd: float) -> None:
    """Add the reserve's two rows to the problem (module docstring).

    Parameters
    ----------
    b
        The problem builder.
    idle_cols
        ``{account: column of its cash above the reserve after the plan}`` (dollars).
    positions
        The problem's tradable positions (account, symbol, price, shares held, columns).
    tidy_per_usd
        The tidy cost per dollar sold; taken off the proxy's sales when a call is due.
    """
    cash = [(idle_cols[a], 1.0) for a in need.accounts if a in idle_cols]
    # whole-share orders are rounded after solving (buys down, sales to the nearest share):
    # keep one share of the dearest such fund in the paying accounts above the need
    margin = max((p.price_usd for p in positions
                  if p.whole_shares and p.account in need.accounts), default=0.0)
    if need.cash_needed_usd > 0:
        short = b.var(0.0, math.inf, RESERVE_SHORT_WEIGHT)
        b.row([*cash, (short, 1.0)], need.cash_needed_usd + margin, math.inf, "call_cash")
    terms = list(cash)
    held = 0.0
    for p in positions:
        if p.symbol != need.proxy or p.account not in need.accounts:
            continue
        held += p.held * p.price_usd
        if p.buy_col is not None:
            terms.append((p.buy_col, p.price_usd))
        if p.sell_col is not None:
            terms.append((p.sell_col, -p.price_usd))
            if need.cash_needed_usd > 0:
                b.c[p.sell_col] -= tidy_per_usd * p.price_usd  # sold first for a due call
    if need.reserve_needed_usd > 0:
        short = b.var(0.0, math.inf, RESERVE_SHORT_WEIGHT)
        b.row([*terms, (short, 1.0)], need.reserve_needed_usd + margin - held, math.inf,
              "call_reserve")


def free_substitute_sales(b: _Rows, h: Household, positions: Sequence[_Pos],
                          tidy_per_usd: float, w_after: float) -> None:
    """Take the tidy cost off the sales of a liquid substitute that holds more than its
    share (target × ``w_after`` − the funds' exposure, dollars): the funds have called
    capital since it was bought, and the class shifts from the substitute to the funds
    even inside its band. Sales are still weighed against their tax and trading cost."""
    private = private_class_values(h)
    for t in h.targets:
        sub = t.liquid_substitute
        if sub is None or t.asset_class not in private:
            continue
        share = max(0.0, t.weight * w_after - private[t.asset_class])
        mine = [p for p in positions if p.symbol == sub]
        if sum(p.held * p.price_usd for p in mine) <= share + 0.5:
            continue
        for p in mine:
            if p.sell_col is not None:
                b.c[p.sell_col] -= tidy_per_usd * p.price_usd


@dataclass(frozen=True, slots=True)
class ReserveStatus:
    """The reserve before and after the plan (dollars, in the paying accounts)."""

    need: ReserveNeed
    cash_before_usd: float
    cash_after_usd: float
    proxy_before_usd: float
    proxy_after_usd: float

    @property
    def held_after_usd(self) -> float:
        return self.cash_after_usd + self.proxy_after_usd

    @property
    def cash_short_usd(self) -> float:
        return max(0.0, self.need.cash_needed_usd - self.cash_after_usd)

    @property
    def reserve_short_usd(self) -> float:
        return max(0.0, self.need.reserve_needed_usd - self.held_after_usd)


def _proxy_usd(h: Household, need: ReserveNeed, orders: Sequence[Order]) -> tuple[float, float]:
    if need.proxy is None:
        return 0.0, 0.0
    price = h.security(need.proxy).price_usd
    before = sum(lot.quantity for lot in h.lots
                 if lot.symbol == need.proxy and lot.account in need.accounts) * price
    after = before + sum((1.0 if o.side is Side.BUY else -1.0) * o.shares * price
                         for o in orders
                         if o.symbol == need.proxy and o.account in need.accounts)
    return before, after


def reserve_status(h: Household, need: ReserveNeed, orders: Sequence[Order],
                   outcome: Outcome) -> ReserveStatus:
    """Cash above the reserves and proxy value in the paying accounts, before and after."""
    accounts = {a.account: a for a in outcome.accounts}
    before = after = 0.0
    for a_id in need.accounts:
        a = accounts[a_id]
        before += a.cash_before_usd - a.min_cash_usd
        after += a.cash_after_usd - a.min_cash_usd
    p0, p1 = _proxy_usd(h, need, orders)
    return ReserveStatus(need=need, cash_before_usd=before, cash_after_usd=after,
                         proxy_before_usd=p0, proxy_after_usd=p1)


def _investable_after(h: Household, outcome: Outcome) -> float:
    return (sum(a.holdings_after_usd + a.cash_after_usd - a.min_cash_usd
                for a in outcome.accounts) + private_value_usd(h))


def private_lines(h: Household, orders: Sequence[Order], outcome: Outcome,
                  ) -> tuple[PrivateLine, ...]:
    """One :class:`PrivateLine` per class private funds hold, in target order."""
    private = private_class_values(h)
    if not private:
        return ()
    w_after = _investable_after(h, outcome)
    out = []
    for t in h.targets:
        c = t.asset_class
        if c not in private:
            continue
        sub = t.liquid_substitute
        before = after = 0.0
        if sub is not None:
            price = h.security(sub).price_usd
            before = sum(lot.quantity for lot in h.lots if lot.symbol == sub) * price
            after = before + sum((1.0 if o.side is Side.BUY else -1.0) * o.shares * price
                                 for o in orders if o.symbol == sub)
        out.append(PrivateLine(asset_class=c, view=h.exposure_view.value,
                               target_usd=t.weight * w_after, private_usd=private[c],
                               substitute=sub, substitute_before_usd=before,
                               substitute_after_usd=after))
    return tuple(out)


def _usd(x: float) -> str:
    return f"${x:,.0f}"


def private_notes(h: Household, status: ReserveStatus | None,
                  lines: Sequence[PrivateLine]) -> list[str]:
    """The plan's notes on private funds: the reserve (met or short, with its sums), each
    private class's two lines, and where distributions go."""
    notes: list[str] = []
    for ln in lines:
        text = (f"{ln.asset_class}: private funds {_usd(ln.private_usd)} ({ln.view} view) "
                f"of a {_usd(ln.target_usd)} target")
        if ln.substitute is not None:
            text += (f"; target − private funds = {_usd(ln.shortfall_usd)} for liquid "
                     f"substitute {ln.substitute}, which holds "
                     f"{_usd(ln.substitute_before_usd)} before and "
                     f"{_usd(ln.substitute_after_usd)} after the plan")
        notes.append(text)
    if status is not None:
        n = status.need
        where = ", ".join(n.accounts)
        held = f"cash above reserves {_usd(status.cash_after_usd)}"
        if n.proxy is not None:
            held += f" + {n.proxy} {_usd(status.proxy_after_usd)}"
        verdict = ("covers it" if status.reserve_short_usd < 0.5
                   else f"falls short by {_usd(status.reserve_short_usd)}")
        notes.append(
            f"capital-call reserve: calls projected for the next {n.months} months "
            f"{_usd(n.calls_horizon_usd)} × coverage {n.coverage:g} = "
            f"{_usd(n.reserve_needed_usd)}; after the plan {where} holds {held} = "
            f"{_usd(status.held_after_usd)}, which {verdict}")
        if n.cash_needed_usd > 0:
            verdict = ("covers them" if status.cash_short_usd < 0.5
                       else f"falls short by {_usd(status.cash_short_usd)}")
            notes.append(
                f"capital calls projected in the next {CALL_DUE_DAYS} days: "
                f"{_usd(n.calls_due_usd)} × coverage {n.coverage:g} = "
                f"{_usd(n.cash_needed_usd)} in cash; cash above reserves after the plan "
                f"{_usd(status.cash_after_usd)} {verdict}")
    paying = sorted({f.account for f in h.private_funds if f.account})
    if paying:
        notes.append(
            f"distributions from private funds arrive as cash in {', '.join(paying)}: the "
            "plan invests that cash as new money (step 1, underweight classes first) and "
            "never buys a private fund (new commitments are a separate decision)")
    return notes


def annotate_trades(h: Household, trades: Sequence[PlannedTrade],
                    status: ReserveStatus | None, lines: Sequence[PrivateLine],
                    ) -> tuple[PlannedTrade, ...]:
    """Add to the reasons of trades in a liquid substitute or the reserve proxy what they
    do for the private funds (each claim from the numbers beside it)."""
    subs = {ln.substitute: ln for ln in lines if ln.substitute is not None}
    out = []
    for t in trades:
        extra = ""
        ln = subs.get(t.symbol)
        if ln is not None:
            extra = (f" {t.symbol} is {ln.asset_class}'s liquid substitute: target "
                     f"{_usd(ln.target_usd)} − private funds {_usd(ln.private_usd)} = "
                     f"{_usd(ln.shortfall_usd)} is its share until capital is called; it "
                     f"holds {_usd(ln.substitute_after_usd)} after the plan.")
            if t.side is Side.SELL and ln.substitute_before_usd > ln.shortfall_usd + 0.5:
                extra += (f" It held {_usd(ln.substitute_before_usd)}, more than its share: "
                          f"the funds' calls shift {ln.asset_class} from the substitute to "
                          "the funds.")
        if (status is not None and t.symbol == status.need.proxy and t.side is Side.SELL
                and t.account in status.need.accounts
                and status.cash_before_usd < status.need.cash_needed_usd - 0.5):
            extra += (f" {t.symbol} holds the capital-call reserve and is sold first: calls "
                      f"of {_usd(status.need.calls_due_usd)} are projected in the next "
                      f"{CALL_DUE_DAYS} days and cash above reserves was "
                      f"{_usd(status.cash_before_usd)}.")
        out.append(replace(t, reason=t.reason + extra) if extra else t)
    return tuple(out)
