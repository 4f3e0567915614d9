"""A multi-month plan: close the gap with new money first, sell only what the bands need.

Month ``k`` (0-based) is planned on ``as_of + k`` months with that month's contribution
(and optional dividends, as cash) in the chosen account. Each month's plan is the normal
optimization with a *glide*: a class may sit up to the dollars of contributions still
to come beyond its band before the outside-band penalty applies
(``PlanSettings.band_slack_usd``), so sales happen only when future money cannot close
the gap; the last month uses the bands as they are. The plan is then applied (lots
relieved pro rata to basis, buys opened as new lots at cost, cash updated, realized
gains added to the year, trades kept for the wash-sale guard) and the next month is
planned on the result. Prices are held at today's (no forecast).

"Now" is :func:`rebal.planner.plan` today with the same settings and today's cash only.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, timedelta

from rebal.errors import ConfigError
from rebal.household.model import HeldLot, Household, TaxFacts
from rebal.planner.plan import plan
from rebal.planner.result import TradePlan
from rebal.planner.settings import PlanSettings
from rebal.tax.lots import Trade
from rebal.tax.rates import available_years
from rebal.tax.records import Record
from rebal.types import Side

__all__ = ["MonthPlan", "Schedule", "apply_plan", "roll_tax_year", "schedule"]


@dataclass(frozen=True, slots=True, kw_only=True)
class MonthPlan(Record):
    """One month of a schedule: its date, the new money and the plan."""

    month: int
    date: date
    contribution_usd: float
    plan: TradePlan


@dataclass(frozen=True, slots=True, kw_only=True)
class Schedule(Record):
    """A month-by-month plan beside "rebalance now".

    ``tax_scheduled_usd`` is the sum of the months' exact extra tax (each month measured
    against the household's year so far); ``tax_now_usd`` the tax of rebalancing today.
    """

    account: str
    monthly_contribution_usd: float
    monthly_dividends_usd: float
    months: tuple[MonthPlan, ...]
    now: TradePlan
    tax_now_usd: float
    tax_scheduled_usd: float
    in_bands_at_end: bool
    notes: tuple[str, ...] = ()

    @property
    def saving_usd(self) -> float:
        return self.tax_now_usd - self.tax_scheduled_usd


def _add_months(d: date, k: int) -> date:
    y, m = divmod(d.month - 1 + k, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def apply_plan(h: Household, p: TradePlan, *, tag: str) -> Household:
    """The household after executing ``p`` on ``h.as_of`` (pending flows consumed).

    Sold lots lose shares and basis pro rata; each buy opens a lot ``{account}:{symbol}:{tag}``
    with basis = value + cost (taxable accounts) acquired on ``as_of``.
    """
    taken: dict[str, float] = {}
    for t in p.trades:
        if t.side is Side.SELL:
            if t.lots:
                for r in t.lots:
                    taken[r.lot_id] = taken.get(r.lot_id, 0.0) + r.quantity
            else:  # tax-advantaged position: relieve its lots in file order
                left = t.shares
                for lot in h.lots:
                    if lot.account == t.account and lot.symbol == t.symbol and left > 1e-12:
                        q = min(left, lot.quantity - taken.get(lot.id, 0.0))
                        taken[lot.id] = taken.get(lot.id, 0.0) + q
                        left -= q
    lots: list[HeldLot] = []
    for lot in h.lots:
        q = lot.quantity - taken.get(lot.id, 0.0)
        if q <= 1e-9:
            continue
        frac = q / lot.quantity
        basis = None if lot.cost_basis_usd is None else lot.cost_basis_usd * frac
        lots.append(replace(lot, quantity=q, cost_basis_usd=basis))
    taxable = {a.id for a in h.accounts if a.taxable}
    for n, t in enumerate(t for t in p.trades if t.side is Side.BUY):
        lots.append(HeldLot(
            id=f"{t.account}:{t.symbol}:{tag}.{n + 1}", account=t.account, symbol=t.symbol,
            quantity=t.shares,
            cost_basis_usd=(t.value_usd + t.cost_usd) if t.account in taxable else None,
            acquired=h.as_of if t.account in taxable else None,
        ))
    cash = {a.account: a.cash_after_usd for a in p.accounts}
    accounts = tuple(replace(a, cash_usd=max(0.0, round(cash[a.id], 6)), pending_flow_usd=0.0)
                     for a in h.accounts)
    tax = replace(h.tax, realized_st_usd=h.tax.realized_st_usd + p.tax.net_st_usd,
                  realized_lt_usd=h.tax.realized_lt_usd + p.tax.net_lt_usd)
    trades = h.recent_trades + tuple(
        Trade(date=h.as_of, account=t.account, symbol=t.symbol, side=t.side,
              quantity=t.shares, price_usd=t.price_usd) for t in p.trades)
    return replace(h, lots=tuple(lots), accounts=accounts, tax=tax, recent_trades=trades)


def roll_tax_year(h: Household, year: int) -> TaxFacts:
    """``h``'s tax facts for ``year`` once its tax year closes: nothing realized yet, and
    the loss carried out of the closing year (the tax engine's Schedule D netting and
    $3,000 limit, each carryforward keeping its character, §1212(b)) carried in."""
    from rebal.tax.marginal import profile_tax

    netting = profile_tax(h.tax_profile()).netting
    return replace(h.tax, tax_year=year, realized_st_usd=0.0, realized_lt_usd=0.0,
                   carryforward_st_usd=netting.st_carryforward_out,
                   carryforward_lt_usd=netting.lt_carryforward_out)


def _move_to(h: Household, when: date) -> Household:
    tax: TaxFacts = h.tax
    if when.year != h.as_of.year:
        # A new tax year: nothing realized yet; the closing year's loss carryforward rolls in.
        tax = roll_tax_year(h, when.year)
    keep = tuple(t for t in h.recent_trades if t.date >= when - timedelta(days=61))
    return replace(h, as_of=when, tax=tax, recent_trades=keep)


def schedule(
    household: Household,
    months: int,
    monthly_contribution_usd: float,
    *,
    account: str | None = None,
    monthly_dividends_usd: float = 0.0,
    settings: PlanSettings | None = None,
) -> Schedule:
    """Plan ``months`` months of contributions (see the module docstring).

    Parameters
    ----------
    months
        Number of monthly plans, ≥ 1 (the first is today).
    monthly_contribution_usd
        New money each month, dollars ≥ 0, into ``account``.
    account
        The account receiving it; default: the first account with a pending
        contribution, else the first taxable account, else the first account.
    monthly_dividends_usd
        Dividends paid as cash each month into the same account, dollars ≥ 0.
    settings
        Plan settings (``band_slack_usd`` is set per month; ``compare_naive`` off).
    """
    h = household
    if not isinstance(months, int) or months < 1:
        raise ConfigError(f"schedule.months must be an integer >= 1, got {months!r}")
    for name, v in (("monthly_contribution_usd", monthly_contribution_usd),
                    ("monthly_dividends_usd", monthly_dividends_usd)):
        if not (v >= 0 and v < float("inf")):
            raise ConfigError(f"schedule.{name} must be a finite amount >= 0, got {v!r}")
    ids = [a.id for a in h.accounts]
    if account is None:
        account = next((a.id for a in h.accounts if a.pending_flow_usd > 0),
                       next((a.id for a in h.accounts if a.taxable), ids[0]))
    elif account not in ids:
        raise ConfigError(f"schedule.account: unknown account {account!r}; accounts are "
                          f"{', '.join(ids)}")
    base = settings or PlanSettings()
    now = plan(h, replace(base, compare_naive=False))
    per_month = monthly_contribution_usd + monthly_dividends_usd
    plans: list[MonthPlan] = []
    notes: list[str] = []
    current = h
    years = set(available_years())
    for k in range(months):
        when = _add_months(h.as_of, k)
        if k > 0:
            if when.year not in years:
                notes.append(f"stopped after {k} months: no tax parameters for {when.year}")
                break
            current = _move_to(current, when)
        accounts = tuple(
            replace(a, pending_flow_usd=a.pending_flow_usd + per_month) if a.id == account else a
            for a in current.accounts)
        current = replace(current, accounts=accounts)
        slack = per_month * (months - 1 - k)
        p = plan(current, replace(base, compare_naive=False, band_slack_usd=slack))
        plans.append(MonthPlan(month=k + 1, date=when, contribution_usd=per_month, plan=p))
        current = apply_plan(current, p, tag=f"m{k + 1}")
    scheduled = sum(m.plan.tax.total_usd for m in plans)
    return Schedule(
        account=account, monthly_contribution_usd=monthly_contribution_usd,
        monthly_dividends_usd=monthly_dividends_usd, months=tuple(plans), now=now,
        tax_now_usd=now.tax.total_usd, tax_scheduled_usd=scheduled,
        in_bands_at_end=bool(plans) and plans[-1].plan.in_bands_after, notes=tuple(notes),
    )
