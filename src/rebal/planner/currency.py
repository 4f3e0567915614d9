"""Currency in the plan: FX conversions netted per account and currency, and the foreign
tax credit in asset location (issue 21; ``docs/households.md``, "Currency").

Cash is in US dollars and so is the tax engine: a trade in a security that trades in
another currency converts dollars into that currency (a buy) or back (a sale). The
conversions of one account in one currency on the plan date are **netted** — buying
€10,000 of one fund and selling €4,000 of another converts only €6,000 — and the
account's FX cost (``fx_cost_bps``, a fraction of the amount converted) applies to the
net. In the MILP one variable per (account, currency) is at least ``|net|`` (two rows),
and the cost is paid from the account's cash like a trading cost; after solving, each
net's cost is shared among the orders on the net's side, pro rata by value, so each
order's ``cost_usd`` and the cash after the plan include it. Accounts do not share
currency: a broker converts within an account, so nets are per account.

Foreign tax: a fund's foreign tax (``foreign_tax``: yield × share of the dividends) or a
foreign company's treaty withholding is a credit against US tax only in a taxable account
(IRC §901; Form 1116, or directly on Schedule 3 when all of it is at most $300, $600
married filing jointly, §904(j)). In an IRA, 401(k), Roth or HSA it is simply lost. The
asset-location term therefore charges one year of that tax, ``value × yield × share``,
per dollar held in a tax-advantaged account (a buy there pays it, a sale there saves it):
other things equal, international funds go to taxable accounts.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from rebal.household.currency import CurrencyExposure, currency_exposure
from rebal.household.model import Household, Security
from rebal.tax.lots import Account
from rebal.tax.records import Record
from rebal.types import Side


class Order(Protocol):
    """What this module reads of an order (:class:`rebal.planner.outcome.Order`)."""

    @property
    def account(self) -> str: ...
    @property
    def symbol(self) -> str: ...
    @property
    def side(self) -> Side: ...
    @property
    def shares(self) -> float: ...

__all__ = ["Conversion", "add_fx_conversions", "conversions", "currency_notes",
           "exposure_after", "foreign_tax_lost_rate", "foreign_tax_reason", "foreign_tax_usd",
           "fx_cost_shares"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Conversion(Record):
    """The plan's net conversion of one account's dollars into one currency.

    Attributes
    ----------
    account, currency
        Where, and the currency converted to or from US dollars.
    bought_usd, sold_usd
        Dollars of the plan's buys / sales in this currency in this account.
    net_usd
        ``bought_usd − sold_usd``: > 0 converts dollars into ``currency``, < 0 converts
        ``currency`` back into dollars.
    net_local
        ``|net_usd|`` in ``currency`` at the household's rate.
    cost_usd
        FX cost: the account's rate × ``|net_usd|``.
    saved_usd
        What netting saves against converting every trade alone:
        rate × (``bought_usd + sold_usd − |net_usd|``).
    """

    account: str
    currency: str
    bought_usd: float
    sold_usd: float
    net_usd: float
    net_local: float
    cost_usd: float
    saved_usd: float


def foreign_tax_usd(security: Security, value_usd: float) -> float:
    """One year's foreign tax on ``value_usd`` of ``security``, dollars:
    value × yield × share (:attr:`ForeignTax.annual_rate`; 0 without ``foreign_tax``)."""
    ft = security.foreign_tax
    return 0.0 if ft is None else value_usd * ft.annual_rate


def foreign_tax_lost_rate(account: Account, security: Security) -> float:
    """Foreign tax lost per dollar of ``security`` held in ``account`` per year: its
    ``yield × share`` in a tax-advantaged account (no credit there), 0 in a taxable one."""
    if account.taxable or security.foreign_tax is None:
        return 0.0
    return security.foreign_tax.annual_rate


def _flows(h: Household, orders: Iterable[Order],
           ) -> dict[tuple[str, str], list[tuple[int, float]]]:
    """``(account, currency) -> [(order index, signed dollars: + buy, − sale)]``."""
    sec = {s.symbol: s for s in h.securities}
    out: dict[tuple[str, str], list[tuple[int, float]]] = defaultdict(list)
    for k, o in enumerate(orders):
        s = sec[o.symbol]
        if s.currency == "USD":
            continue
        sign = 1.0 if o.side is Side.BUY else -1.0
        out[(o.account, s.currency)].append((k, sign * o.shares * s.price_usd))
    return out


def conversions(h: Household, orders: Iterable[Order]) -> tuple[Conversion, ...]:
    """The net conversions of ``orders`` per account and currency (in account order,
    then currency)."""
    rank = {a.id: i for i, a in enumerate(h.accounts)}
    out = []
    for (a_id, ccy), flows in sorted(_flows(h, orders).items(),
                                     key=lambda kv: (rank[kv[0][0]], kv[0][1])):
        bought = sum(v for _, v in flows if v > 0)
        sold = -sum(v for _, v in flows if v < 0)
        net = bought - sold
        rate = h.fx_cost_rate(a_id)
        out.append(Conversion(account=a_id, currency=ccy, bought_usd=bought, sold_usd=sold,
                              net_usd=net, net_local=abs(net) / h.usd_per(ccy),
                              cost_usd=rate * abs(net),
                              saved_usd=rate * (bought + sold - abs(net))))
    return tuple(out)


def fx_cost_shares(h: Household, orders: Iterable[Order]) -> dict[int, float]:
    """``order index -> FX cost`` (dollars): each net conversion's cost shared among the
    orders on the net's side (buys when net > 0, sales when < 0), pro rata by value."""
    out: dict[int, float] = {}
    for (a_id, _), flows in _flows(h, orders).items():
        net = sum(v for _, v in flows)
        rate = h.fx_cost_rate(a_id)
        if rate <= 0 or net == 0:
            continue
        side = [(k, abs(v)) for k, v in flows if v * net > 0]
        total = sum(v for _, v in side)
        for k, v in side:
            out[k] = out.get(k, 0.0) + rate * abs(net) * v / total
    return out


class _Builder(Protocol):
    def var(self, lb: float = ..., ub: float = ..., cost: float = ..., kind: int = ...,
            ) -> int: ...

    def row(self, terms: list[tuple[int, float]], lo: float, hi: float, name: str = ...,
            ) -> int: ...


class _Position(Protocol):
    @property
    def account(self) -> str: ...
    @property
    def symbol(self) -> str: ...
    @property
    def price_usd(self) -> float: ...
    @property
    def sell_col(self) -> int | None: ...
    @property
    def buy_col(self) -> int | None: ...


def add_fx_conversions(b: _Builder, h: Household, positions: Iterable[_Position],
                       cash_terms: dict[str, list[tuple[int, float]]],
                       cost_terms: list[tuple[int, float]]) -> int:
    """Add the netted FX conversions to the MILP (module docstring): per (account,
    currency) with a cost, ``u ≥ |Σ buys − Σ sales|`` in dollars, ``rate × u`` in the
    objective, paid from the account's cash and counted as a trading cost. Returns the
    number of conversion variables."""
    sec = {s.symbol: s for s in h.securities}
    groups: dict[tuple[str, str], list[tuple[int, float]]] = defaultdict(list)
    for pos in positions:
        s = sec[pos.symbol]
        if s.currency == "USD" or h.fx_cost_rate(pos.account) <= 0:
            continue
        terms = groups[(pos.account, s.currency)]
        if pos.buy_col is not None:
            terms.append((pos.buy_col, pos.price_usd))
        if pos.sell_col is not None:
            terms.append((pos.sell_col, -pos.price_usd))
    for (a_id, ccy), terms in sorted(groups.items()):
        rate = h.fx_cost_rate(a_id)
        u = b.var(0.0, math.inf, rate)
        b.row([*terms, (u, -1.0)], -math.inf, 0.0, f"fx_net_up:{a_id}:{ccy}")
        b.row([*terms, (u, 1.0)], 0.0, math.inf, f"fx_net_down:{a_id}:{ccy}")
        cash_terms.setdefault(a_id, []).append((u, -rate))
        cost_terms.append((u, rate))
    return len(groups)


def foreign_tax_reason(h: Household, account_id: str, symbol: str, side: Side,
                       value_usd: float) -> str:
    """A sentence for the reason of an order in a security with foreign tax (``""``
    without): one year's foreign tax on the order's value, ``value × yield × share``, and
    whether the account can credit it. Only what the numbers and the law say: in a taxable
    account the tax is creditable; in a tax-advantaged one it is lost."""
    s = h.security(symbol)
    ft = s.foreign_tax
    if ft is None:
        return ""
    a = h.account(account_id)
    tax = foreign_tax_usd(s, value_usd)
    figure = (f"${value_usd:,.0f} × {100 * ft.yield_frac:.2f}% yield × "
              f"{100 * ft.share:.1f}% foreign tax ({ft.basis}) = ${tax:,.2f} a year")
    if a.taxable:
        if side is Side.BUY:
            return (f" Foreign tax credit: held in this taxable account its foreign tax, "
                    f"{figure}, is creditable against US tax; in an IRA it would be lost.")
        return ""
    if side is Side.BUY:
        return (f" Its foreign tax, {figure}, is lost in this {a.type.value} account "
                "(creditable only in a taxable account).")
    return (f" Selling it here stops its foreign tax, {figure}, from being lost in this "
            f"{a.type.value} account (creditable only in a taxable account).")


def currency_notes(h: Household, convs: Iterable[Conversion]) -> list[str]:
    """The plan's notes on currency: the rates used, the base-currency view, and the FX
    conversions' netting (nothing for an all-dollar household)."""
    out = []
    foreign = sorted({s.currency for s in h.securities if s.currency != "USD"})
    if foreign:
        rates = ", ".join(f"{c} {h.usd_per(c):.6g}" for c in foreign)
        out.append(f"prices in {', '.join(foreign)} converted to US dollars at {rates} USD "
                   f"per unit ({h.fx_source}); cash, trades and tax are in US dollars")
    if h.base_currency != "USD":
        out.append(f"base currency {h.base_currency} is a view: values are shown in "
                   f"{h.base_currency} at {h.usd_per(h.base_currency):.6g} USD per "
                   f"{h.base_currency}; the US tax engine works in US dollars, so every tax "
                   "figure is in USD")
    convs = list(convs)
    if convs:
        saved = sum(c.saved_usd for c in convs)
        out.append(f"FX conversions netted per account and currency on {h.as_of.isoformat()}: "
                   f"{len(convs)} net conversion(s), cost ${sum(c.cost_usd for c in convs):,.2f}"
                   + (f", ${saved:,.2f} less than converting each trade alone"
                      if saved > 0.005 else ""))
    elif foreign and h.fx_cost_bps == 0 and not h.account_fx_cost_bps:
        out.append("FX conversion cost is 0 bps (set fx_cost_bps in the household file)")
    return out


def exposure_after(h: Household, orders: Iterable[Order]) -> tuple[CurrencyExposure, ...]:
    """The holdings' currency exposure after ``orders`` (at ``as_of`` prices)."""
    price = {s.symbol: s.price_usd for s in h.securities}
    changes: dict[str, float] = defaultdict(float)
    for o in orders:
        changes[o.symbol] += (1.0 if o.side is Side.BUY else -1.0) * o.shares * price[o.symbol]
    return currency_exposure(h, changes)
