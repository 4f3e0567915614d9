"""Tables of a :class:`~rebal.planner.result.TradePlan` as formatted strings.

Shared by the plan report and the CLI (``rebal plan``), so both print the same
figures. Read by attribute only (no planner import), so this module loads fast.
"""

from __future__ import annotations

from typing import Any

from rebal.reports.tables import Kind, StringTable, format_value

__all__ = [
    "account_table",
    "class_table",
    "comparison_lines",
    "conversion_table",
    "currency_table",
    "do_not_buy_table",
    "foreign_tax_lines",
    "foreign_tax_table",
    "not_done_table",
    "private_line_table",
    "private_view_table",
    "steps_table",
    "tax_table",
    "trade_table",
]


def _pct(x: Any, digits: int = 2) -> str:
    return format_value(x, Kind.PCT, digits)


def _usd(x: Any, digits: int = 2) -> str:
    return format_value(x, Kind.USD, digits)


def _text(x: Any) -> str:
    value = getattr(x, "value", x)
    return "" if value is None else str(value)


def _shares(x: float) -> str:
    return f"{x:,.4f}".rstrip("0").rstrip(".")


def class_table(plan: Any) -> StringTable:
    """Household allocation by class: target, band, before, after, and whether inside."""
    rows = []
    base = getattr(plan, "base_currency", "USD")
    per = getattr(plan, "usd_per_base", 1.0)
    for c in plan.classes:
        rows.append((
            c.asset_class, c.tier, _pct(c.target), f"{_pct(c.lower)} – {_pct(c.upper)}",
            _usd(c.value_before_usd, 0), _pct(c.weight_before),
            "outside" if c.breached_before else "inside",
            _usd(c.value_after_usd, 0), _pct(c.weight_after),
            "outside" if c.breached_after else "inside",
        ) + (() if base == "USD" else (_money(c.value_after_usd / per, base),)))
    return StringTable(
        header=("Class", "Tier", "Target", "Band", "Before $", "Before", "Band before",
                "After $", "After", "Band after")
        + (() if base == "USD" else (f"After {base}",)),
        rows=tuple(rows),
    )


def _money(x: Any, ccy: str, digits: int = 0) -> str:
    return _usd(x, digits) if ccy == "USD" else f"{x:,.{digits}f} {ccy}"


def currency_table(result: Any) -> StringTable:
    """The holdings' currency exposure (a check, or a plan's after the plan): each
    currency with its region, value in dollars and in the base currency, and weight; then
    the regions' totals."""
    base = getattr(result, "base_currency", "USD")
    rows = []
    regions: dict[str, list[float]] = {}
    for c in result.currencies:
        rows.append((c.currency, c.region, _usd(c.value_usd, 0), _money(c.value_base, base),
                     _pct(c.weight, 1)))
        tot = regions.setdefault(c.region, [0.0, 0.0, 0.0])
        tot[0] += c.value_usd
        tot[1] += c.value_base
        tot[2] += c.weight
    for g in ("us", "developed", "emerging", "other"):
        if g in regions:
            v_usd, v_base, w = regions[g]
            rows.append((f"all {g}", g, _usd(v_usd, 0), _money(v_base, base), _pct(w, 1)))
    return StringTable(header=("Currency", "Region", "Value $", f"Value {base}", "Weight"),
                       rows=tuple(rows))


def foreign_tax_table(result: Any) -> StringTable:
    """A year's foreign tax on each holding with it (a check): value × yield × share, and
    whether the account can credit it."""
    rows = tuple(
        (f.account, f.account_type, f.symbol, _usd(f.value_usd, 0), _pct(f.yield_frac),
         f"{_pct(f.share, 1)} ({f.basis})", _usd(f.tax_usd),
         "creditable" if f.creditable else "lost (no credit outside taxable accounts)")
        for f in result.foreign_tax)
    return StringTable(header=("Account", "Type", "Symbol", "Value $", "Yield",
                               "Foreign tax share", "Foreign tax a year", "Credit"), rows=rows)


def foreign_tax_lines(result: Any) -> tuple[str, ...]:
    """The totals under :func:`foreign_tax_table` (nothing when no holding has any)."""
    if not result.foreign_tax:
        return ()
    credit = sum(f.tax_usd for f in result.foreign_tax if f.creditable)
    lost = sum(f.tax_usd for f in result.foreign_tax if not f.creditable)
    return (f"foreign tax a year: {_usd(credit)} creditable in taxable accounts; "
            f"{_usd(lost)} lost in tax-advantaged accounts",)


def conversion_table(plan: Any) -> StringTable:
    """The plan's FX conversions, netted per account and currency."""
    rows = []
    for c in plan.conversions:
        direction = (f"USD → {c.currency}" if c.net_usd > 0 else
                     f"{c.currency} → USD" if c.net_usd < 0 else "none")
        rows.append((c.account, c.currency, _usd(c.bought_usd, 0), _usd(c.sold_usd, 0),
                     direction, _usd(abs(c.net_usd), 0), f"{c.net_local:,.0f} {c.currency}",
                     _usd(c.cost_usd), _usd(c.saved_usd)))
    return StringTable(header=("Account", "Currency", "Bought $", "Sold $", "Converts",
                               "Net $", "Net", "FX cost", "Saved by netting"),
                       rows=tuple(rows))


def private_view_table(rows: Any) -> StringTable:
    """Classes held by private funds: the class weight under each exposure view side by
    side (the household's view marked ``*``), with the private dollars of each view.
    ``rows``: :class:`rebal.planner.check.PrivateCheck` records."""
    out = []
    for r in rows:
        def cell(view: str, weight: float, usd: float, r: Any = r) -> str:
            mark = "*" if r.view == view else ""
            return f"{_pct(weight)}{mark} ({_usd(usd, 0)})"
        out.append((
            r.asset_class, _pct(r.target), f"{_pct(r.lower)} – {_pct(r.upper)}",
            _usd(r.public_usd, 0),
            cell("nav", r.weight_nav, r.private_nav_usd),
            cell("nav_plus_unfunded", r.weight_nav_plus_unfunded,
                 r.private_nav_plus_unfunded_usd),
            cell("proxy_rolled", r.weight_proxy_rolled, r.private_proxy_rolled_usd),
        ))
    return StringTable(
        header=("Class", "Target", "Band", "Public $", "NAV", "NAV + unfunded",
                "Proxy-rolled NAV"),
        rows=tuple(out),
    )


def private_line_table(plan: Any) -> StringTable:
    """After the plan, each class held by private funds on two lines: the private funds'
    exposure (not traded) and its liquid substitute (traded to hold the shortfall)."""
    rows = []
    for ln in getattr(plan, "private", ()):
        rows.append((ln.asset_class, f"private funds ({ln.view})", _usd(ln.target_usd, 0),
                     _usd(ln.private_usd, 0), _usd(ln.private_usd, 0)))
        if ln.substitute is not None:
            rows.append((ln.asset_class, f"liquid substitute {ln.substitute} (target − funds)",
                         _usd(ln.shortfall_usd, 0), _usd(ln.substitute_before_usd, 0),
                         _usd(ln.substitute_after_usd, 0)))
    return StringTable(header=("Class", "Line", "Target $", "Before $", "After $"),
                       rows=tuple(rows))


def account_table(plan: Any) -> StringTable:
    """Per account: type, cash before/after (with the reserve), holdings before/after."""
    rows = []
    for a in plan.accounts:
        rows.append((
            a.account, _text(a.type), _usd(a.cash_before_usd, 0), _usd(a.cash_after_usd, 0),
            _usd(a.min_cash_usd, 0), _usd(a.pending_flow_usd, 0),
            _usd(a.holdings_before_usd, 0), _usd(a.holdings_after_usd, 0),
        ))
    return StringTable(
        header=("Account", "Type", "Cash before", "Cash after", "Cash reserve", "Pending flow",
                "Holdings before", "Holdings after"),
        rows=tuple(rows),
    )


def _lots_text(trade: Any) -> str:
    parts = []
    for lot in trade.lots:
        bits = [f"{lot.lot_id}: {_shares(lot.quantity)} sh"]
        if lot.acquired is not None:
            bits.append(f"bought {lot.acquired.isoformat()}")
        if lot.gain_usd is not None:
            term = f" {_text(lot.term).upper()[:1]}T" if lot.term is not None else ""
            bits.append(f"gain {_usd(lot.gain_usd, 0)}{term}")
        parts.append(", ".join(bits))
    return "; ".join(parts)


def trade_table(plan: Any) -> StringTable:
    """One row per order: step, account, symbol, side, shares, dollars, gain, tax, lots, reason."""
    rows = []
    for t in plan.trades:
        step = getattr(t.step, "label", str(t.step))
        rows.append((
            f"{int(t.step)}. {step}", t.account, t.symbol, _text(t.side), _shares(t.shares),
            _usd(t.value_usd, 0), _usd(t.gain_usd, 0) if t.lots else "",
            _usd(t.est_tax_usd, 0) if t.lots else "", _lots_text(t), t.reason,
        ))
    return StringTable(
        header=("Step", "Account", "Symbol", "Side", "Shares", "Value", "Gain", "Est. tax",
                "Lots", "Reason"),
        rows=tuple(rows),
    )


_TAX_ROWS = (
    ("Short-term gains", "st_gains_usd"),
    ("Short-term losses", "st_losses_usd"),
    ("Long-term gains", "lt_gains_usd"),
    ("Long-term losses", "lt_losses_usd"),
    ("Losses harvested", "losses_harvested_usd"),
    ("0% LTCG room", "zero_rate_room_usd"),
    ("0% room used", "zero_rate_room_used_usd"),
    ("Federal income tax", "federal_usd"),
    ("NIIT (3.8%)", "niit_usd"),
    ("State tax", "state_usd"),
    ("Total tax", "total_usd"),
    ("Loss carried to next year", "carryforward_left_usd"),
)


def tax_table(plan: Any) -> StringTable:
    """The plan's tax summary beside the naive plan's (and the difference), in dollars."""
    naive = getattr(plan, "naive", None)
    rows: list[tuple[str, ...]] = []
    for label, field in _TAX_ROWS:
        mine = getattr(plan.tax, field)
        if naive is None:
            rows.append((label, _usd(mine)))
        else:
            theirs = getattr(naive.tax, field)
            rows.append((label, _usd(mine), _usd(theirs), _usd(theirs - mine)))
    trades: tuple[str, ...] = (str(len(plan.trades)),)
    if naive is not None:
        trades = (*trades, str(len(naive.trades)), "")
    rows.append(("Trades", *trades))
    header = ("", "This plan") if naive is None else ("", "This plan", "Naive plan",
                                                      "Naive − plan")
    return StringTable(header=header, rows=tuple(rows))


def do_not_buy_table(plan: Any) -> StringTable:
    """Wash-sale do-not-buy list: group, symbols, through which date, why."""
    rows = []
    for e in plan.do_not_buy:
        rows.append((
            e.group, ", ".join(e.symbols), e.until.isoformat(), e.first_safe_date.isoformat(),
            "planned sale" if e.planned else "recent sale", e.reason,
        ))
    return StringTable(
        header=("Group", "Symbols", "Do not buy through", "First safe date", "Source", "Why"),
        rows=tuple(rows),
    )


def steps_table(plan: Any) -> StringTable:
    """The five steps in order, each with its trades' count and dollars ("none" when empty)."""
    rows = []
    for st in plan.steps:
        if st.n_trades:
            rows.append((f"{st.step}. {st.label}", str(st.n_trades), _usd(st.sold_usd, 0),
                         _usd(st.bought_usd, 0)))
        else:
            rows.append((f"{st.step}. {st.label}", "none", "", ""))
    return StringTable(header=("Step", "Trades", "Sold", "Bought"), rows=tuple(rows))


def not_done_table(plan: Any) -> StringTable:
    """What the plan did not do that a user would expect, and why."""
    rows = []
    for n in plan.not_done:
        kind = _text(n.kind).replace("_", " ")
        # a gap under half a cent is not "$0.00" (the reason beside it says "less than $0.01")
        amount = "< $0.01" if 0 < n.amount_usd < 0.005 else _usd(n.amount_usd)
        rows.append((kind, n.subject, amount, n.reason))
    return StringTable(header=("What", "Subject", "Amount", "Why"), rows=tuple(rows))


def comparison_lines(plan: Any) -> tuple[str, ...]:
    """The plan against the naive one: this year's tax, the loss each carries to next
    year, and one total valuing a carried dollar at ``plan.carryforward_value``."""
    tax = plan.tax
    naive = getattr(plan, "naive", None)
    if naive is None:
        return (f"estimated tax of this plan: {_usd(tax.total_usd)}; loss carried to next "
                f"year: {_usd(tax.carryforward_left_usd)}",)
    v = plan.carryforward_value
    mine = tax.total_usd - v * tax.carryforward_left_usd
    theirs = naive.tax.total_usd - v * naive.tax.carryforward_left_usd
    return (
        f"tax this year: this plan {_usd(tax.total_usd)}; naive pro-rata FIFO rebalance "
        f"{_usd(naive.tax.total_usd)}; saving {_usd(plan.saving_usd)}",
        f"loss carried to next year: this plan {_usd(tax.carryforward_left_usd)}; naive "
        f"{_usd(naive.tax.carryforward_left_usd)}",
        f"total at ${v:g} per carried dollar (tax − {v:g} × carried loss): this plan "
        f"{_usd(mine)}; naive {_usd(theirs)}; saving {_usd(theirs - mine)}",
    )
