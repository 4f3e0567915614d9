"""The wash-sale guard of a plan: replay a trade history and the proposed trades through
the ledger and report what would be washed (IRC §1091; see :mod:`rebal.tax.washsale`).

Kept apart from :mod:`rebal.tax.washsale` because it runs the
:class:`rebal.tax.ledger.Ledger`, which itself runs the wash-sale matching: washsale <-
ledger <- guard, no cycle.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from rebal.errors import ConfigError
from rebal.tax.ledger import Disposition, Ledger
from rebal.tax.lots import Account, Trade, WashSaleSettings
from rebal.tax.washsale import DoNotBuy, GuardResult, LossSaleBlock, WashedSale, WashMatch
from rebal.types import Side

__all__ = ["wash_sale_guard"]


def _washed_sale(
    trade_index: int, disp: Disposition, matches: tuple[WashMatch, ...] | None = None
) -> WashedSale:
    if matches is None:
        matches = disp.wash_matches
    return WashedSale(
        trade_index=trade_index,
        disposition_id=disp.id,
        sale_date=disp.sold,
        account=disp.account,
        symbol=disp.symbol,
        lot_id=disp.lot_id,
        quantity=disp.quantity,
        loss_usd=max(0.0, -disp.gain_usd),
        disallowed_usd=sum(m.disallowed_usd for m in matches),
        permanently_disallowed_usd=sum(m.disallowed_usd for m in matches if m.permanent),
        matches=matches,
    )


def wash_sale_guard(
    history: Sequence[Trade] | Ledger,
    proposed_trades: Sequence[Trade],
    as_of: date,
    *,
    accounts: Iterable[Account] | None = None,
    settings: WashSaleSettings | None = None,
    st_rate: float | None = None,
    lt_rate: float | None = None,
) -> GuardResult:
    """Check a plan against the wash-sale rule across every account of the household.

    Parameters
    ----------
    history
        Executed trades through ``as_of`` (or a ``Ledger`` already holding them; it is
        copied, never changed). At least the last 61 days plus the lots' purchases.
    proposed_trades
        Planned trades, dated ``as_of`` or later, applied after the history in date order
        (the order given within a day).
    as_of
        Plan date.
    accounts, settings
        Required with a trade sequence; taken from the ledger otherwise.
    st_rate, lt_rate
        Marginal rates, needed only when a proposed sale uses ``LotMethod.TAX_MIN``.

    Returns
    -------
    GuardResult
        Washed proposed sales, the do-not-buy list and the loss-sale blocks, judged on the
        history plus the plan (purchases after the plan are unknown, so a loss sale with
        unmatched shares stays on the do-not-buy list until its window closes).
    """
    if isinstance(history, Ledger):
        ledger = history.copy()
    else:
        if accounts is None:
            raise ConfigError("wash_sale_guard: accounts are required with a trade history")
        ledger = Ledger(
            accounts, settings or WashSaleSettings(), st_rate=st_rate, lt_rate=lt_rate
        )
        ledger.apply_all(history)
    if st_rate is not None or lt_rate is not None:
        ledger.set_rates(st_rate=st_rate, lt_rate=lt_rate)
    if ledger.current_date is not None and ledger.current_date > as_of:
        raise ConfigError(
            f"wash_sale_guard: history runs to {ledger.current_date}, after as_of {as_of}"
        )
    ledger.flush()
    first_proposed = ledger.trade_count
    proposed_index: dict[int, int] = {}
    buy_index: dict[str, int] = {}
    for k in sorted(range(len(proposed_trades)), key=lambda j: proposed_trades[j].date):
        t = proposed_trades[k]
        if t.date < as_of:
            raise ConfigError(
                f"wash_sale_guard: proposed trade {k} is dated {t.date}, before as_of {as_of}"
            )
        proposed_index[ledger.trade_count] = k
        opened = ledger.apply(t)
        if t.side is Side.BUY:
            buy_index[opened[0]] = k
    ledger.flush()
    washed: list[WashedSale] = []
    washing: list[WashedSale] = []
    for d in ledger.dispositions():
        if d.trade_seq >= first_proposed:
            if d.disallowed_usd > 0:
                washed.append(_washed_sale(proposed_index[d.trade_seq], d))
            continue
        by_buy: dict[int, list[WashMatch]] = {}
        for m in d.wash_matches:
            if m.purchase_id in buy_index:
                by_buy.setdefault(buy_index[m.purchase_id], []).append(m)
        for k, matches in sorted(by_buy.items()):
            washing.append(_washed_sale(k, d, tuple(matches)))
    state = ledger.guard_state(as_of, proposed_from_trade=first_proposed)
    do_not_buy: list[DoNotBuy] = []
    for group, losses in sorted(state.open_losses.items()):
        if not losses:
            continue
        until = max(loss.last_washing_date for loss in losses)
        if until < as_of:
            continue
        unmatched = sum(loss.unmatched_quantity for loss in losses)
        ids = tuple(loss.disposition_id for loss in losses)
        for account in sorted(state.accounts):
            do_not_buy.append(
                DoNotBuy(group=group, account=account, until=until,
                         unmatched_quantity=unmatched, losses=ids)
            )
    blocks: list[LossSaleBlock] = []
    for group, reps in sorted(state.replacements.items()):
        live = [r for r in reps if r.last_washing_date >= as_of and r.available_quantity > 0]
        if not live:
            continue
        blocks.append(
            LossSaleBlock(
                group=group,
                until=max(r.last_washing_date for r in live),
                available_quantity=sum(r.available_quantity for r in live),
                purchases=tuple(r.purchase_id for r in live),
                permanent_risk=any(r.tax_advantaged for r in live),
            )
        )
    return GuardResult(
        as_of=as_of, washed_sales=tuple(washed), washing_buys=tuple(washing),
        do_not_buy=tuple(do_not_buy),
        loss_sale_blocks=tuple(blocks), state=state,
    )
