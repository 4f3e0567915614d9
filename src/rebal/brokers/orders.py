"""Order files for a broker's desk: rebal's generic order CSV (with specific-lot
instructions for sales) and Interactive Brokers' BasketTrader CSV.

Both writers check everything first and write atomically (a temporary file in the same
directory, then a rename): a failed write leaves no partial file.
"""

from __future__ import annotations

import csv
import io
import math
import os
import tempfile
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

from rebal.brokers.records import LotInstruction, OrderLine, OrderType
from rebal.errors import ConfigError
from rebal.types import ParseEnum, Side

__all__ = [
    "GENERIC_ORDER_COLUMNS",
    "IBKR_BASKET_COLUMNS",
    "OrderFileFormat",
    "OrdersWritten",
    "orders_from_trades",
    "render_orders",
    "write_orders",
]

GENERIC_ORDER_COLUMNS = (
    "account", "symbol", "side", "quantity", "order_type", "limit_price", "time_in_force",
    "lot_method", "lot_id", "lot_open_date", "lot_quantity", "lot_cost_per_share",
    "est_price", "reference",
)
IBKR_BASKET_COLUMNS = ("Action", "Quantity", "Symbol", "SecType", "Exchange", "Currency",
                       "TimeInForce", "OrderType", "LmtPrice")

#: The tolerance, shares, within which a sale's lot quantities must add up to its quantity.
LOT_SUM_TOL = 1e-6


class OrderFileFormat(ParseEnum):
    GENERIC = "generic"
    IBKR_BASKET = "ibkr_basket"  # parse() also takes "ibkr-basket"


@dataclass(frozen=True, slots=True)
class OrdersWritten:
    """What a writer wrote: the path, the number of orders, and what the file could not
    carry (said to the user beside the file)."""

    path: Path | None
    orders: int
    notes: tuple[str, ...] = ()


class _ReliefLike(Protocol):
    lot_id: str
    quantity: float
    acquired: date | None
    cost_basis_usd: float | None


class TradeLike(Protocol):
    """What :func:`orders_from_trades` reads from a planned trade (the planner's
    ``PlannedTrade`` has these fields; so may a stored plan's row)."""

    account: str
    symbol: str
    side: Side
    shares: float
    price_usd: float

    @property
    def lots(self) -> Sequence[_ReliefLike]: ...


def orders_from_trades(trades: Iterable[TradeLike], *,
                       account_numbers: dict[str, str] | None = None,
                       unknown_lot_ids: Collection[str] = ()) -> tuple[OrderLine, ...]:
    """Market orders for planned trades; each sale names the lots it relieves, with open
    date, quantity and cost per share (``cost_basis_usd / quantity`` of the relief).

    ``account_numbers`` maps rebal's account ids to the broker's account numbers (the desk
    needs those); ids without an entry are written as they are. A sale that relieves any
    lot of ``unknown_lot_ids`` (lots built from a position, ``HeldLot.date_known`` False:
    the broker has no such lot) names no lots and is flagged ``lots_unknown``.
    """
    unknown = frozenset(unknown_lot_ids)
    out: list[OrderLine] = []
    for t in trades:
        side = Side.parse(t.side)
        lots: tuple[LotInstruction, ...] = ()
        if side is Side.SELL and any(r.lot_id in unknown for r in t.lots):
            account = (account_numbers or {}).get(t.account, t.account)
            out.append(OrderLine(account=account, symbol=t.symbol, side=side,
                                 quantity=t.shares, est_price_usd=t.price_usd,
                                 lots_unknown=True))
            continue
        if side is Side.SELL:
            lots = tuple(
                LotInstruction(
                    lot_id=r.lot_id, quantity=r.quantity, acquired=r.acquired,
                    cost_per_share_usd=None if r.cost_basis_usd is None or not r.quantity
                    else r.cost_basis_usd / r.quantity,
                )
                for r in t.lots
            )
        account = (account_numbers or {}).get(t.account, t.account)
        out.append(OrderLine(account=account, symbol=t.symbol, side=side, quantity=t.shares,
                             est_price_usd=t.price_usd, lots=lots))
    return tuple(out)


def _qty(x: float) -> str:
    """Shares without float noise: up to 6 decimals, trailing zeros dropped."""
    text = f"{x:.6f}".rstrip("0").rstrip(".")
    return text or "0"


def _money(x: float | None, places: int = 4) -> str:
    if x is None:
        return ""
    return f"{x:.{places}f}".rstrip("0").rstrip(".") if places > 2 else f"{x:.{places}f}"


def _check(orders: Sequence[OrderLine]) -> None:
    for k, o in enumerate(orders, start=1):
        where = f"order {k} ({o.side.value} {o.symbol})"
        if not o.symbol or any(ch.isspace() or ch == "," for ch in o.symbol):
            raise ConfigError(f"{where}: symbol {o.symbol!r} is not a ticker")
        if not (o.quantity > 0 and math.isfinite(o.quantity)):
            raise ConfigError(f"{where}: quantity must be > 0, got {o.quantity!r}")
        if o.order_type is OrderType.LIMIT and not (
                o.limit_price_usd is not None and o.limit_price_usd > 0):
            raise ConfigError(f"{where}: a limit order needs a limit price > 0")
        if o.side is Side.BUY and (o.lots or o.lots_unknown):
            raise ConfigError(f"{where}: a purchase names no lots")
        if o.lots and o.lots_unknown:
            raise ConfigError(f"{where}: lots named and flagged unknown")
        if o.lots:
            total = sum(lot.quantity for lot in o.lots)
            if abs(total - o.quantity) > LOT_SUM_TOL * max(1.0, o.quantity):
                raise ConfigError(f"{where}: the lots' quantities add up to {_qty(total)}, "
                                  f"not the order's {_qty(o.quantity)}")
            for lot in o.lots:
                if not (lot.quantity > 0):
                    raise ConfigError(f"{where}: lot {lot.lot_id!r} quantity must be > 0")


def render_orders(orders: Sequence[OrderLine], fmt: OrderFileFormat | str, *,
                  time_in_force: str = "DAY", exchange: str = "SMART",
                  currency: str = "USD") -> tuple[str, tuple[str, ...]]:
    """The order file's text and the notes about what it cannot carry.

    Generic CSV (:data:`GENERIC_ORDER_COLUMNS`): one row per order; a sale with named
    lots has one row per lot, each repeating the order's columns (account, symbol, side,
    the order's total quantity) with ``lot_method`` ``specific`` and the lot's id, open
    date, quantity and cost per share — the instruction the desk passes on so that the
    lots the plan chose are the lots the broker relieves.

    IBKR BasketTrader (:data:`IBKR_BASKET_COLUMNS`, plus ``Account`` when the orders name
    accounts): no lot columns exist, so sales with lots produce a note saying to choose
    the lots (by the generic file) in IBKR's Tax Optimizer before the end of the trade day.
    """
    f = OrderFileFormat.parse(fmt, field="--format")
    _check(orders)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    notes: list[str] = []
    if f is OrderFileFormat.GENERIC:
        writer.writerow(GENERIC_ORDER_COLUMNS)
        for o in orders:
            base = [o.account, o.symbol, o.side.value, _qty(o.quantity), o.order_type.value,
                    _money(o.limit_price_usd), time_in_force.lower()]
            tail = [_money(o.est_price_usd), o.reference]
            if not o.lots:
                writer.writerow([*base, "", "", "", "", "", *tail])
                continue
            for lot in o.lots:
                writer.writerow([
                    *base, "specific", lot.lot_id,
                    "" if lot.acquired is None else lot.acquired.isoformat(),
                    _qty(lot.quantity), _money(lot.cost_per_share_usd), *tail,
                ])
        return buf.getvalue(), _unknown_note(orders)
    with_account = any(o.account for o in orders)
    writer.writerow([*IBKR_BASKET_COLUMNS, *(("Account",) if with_account else ())])
    lot_sales = 0
    for o in orders:
        is_limit = o.order_type is OrderType.LIMIT
        writer.writerow([
            o.side.value.upper(), _qty(o.quantity), o.symbol, "STK", exchange, currency,
            time_in_force.upper(), "LMT" if is_limit else "MKT",
            _money(o.limit_price_usd) if is_limit else "",
            *((o.account,) if with_account else ()),
        ])
        lot_sales += bool(o.lots)
    if lot_sales:
        notes.append(
            f"{lot_sales} sale(s) name specific lots, which a BasketTrader file cannot "
            "carry: choose those lots in IBKR's Tax Optimizer (Account → Tax Optimizer) "
            "before the end of the trade day, or the account's default method applies")
    return buf.getvalue(), tuple(notes) + _unknown_note(orders)


def _unknown_note(orders: Sequence[OrderLine]) -> tuple[str, ...]:
    n = sum(o.lots_unknown for o in orders)
    if not n:
        return ()
    return (f"{n} sale(s) relieve shares whose lots rebal does not know (built from a "
            "positions file at the average cost): no lot is named, so the broker's default "
            "method applies and the realized gain may differ from the plan's estimate",)


def write_orders(orders: Sequence[OrderLine], path: str | Path,
                 fmt: OrderFileFormat | str = OrderFileFormat.GENERIC,
                 **options: str) -> OrdersWritten:
    """Write the order file atomically (see :func:`render_orders`).

    Raises
    ------
    ConfigError
        A bad order (checked before anything is written) or an unwritable path.
    """
    text, notes = render_orders(orders, fmt, **options)
    out = Path(path)
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise ConfigError(f"--out {out}: the directory {parent} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=parent)
    except OSError as exc:
        raise ConfigError(f"--out {out}: cannot write there ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return OrdersWritten(path=out, orders=len(orders), notes=notes)
