"""Read a trade history (CSV) and the household's tax-lot settings (YAML).

Trade history CSV
-----------------
One header line, then one trade per line, in date order (line 1 is the header, so the
first trade is line 2; errors name the file, the line and the column).

============  ========  ===============================================================
column        required  meaning
============  ========  ===============================================================
date          yes       trade date, ``YYYY-MM-DD`` (or ``MM/DD/YYYY``); not decreasing
account       yes       account id
account_type  [1]       ``taxable``, ``traditional`` (IRA/401(k)/403(b)), ``roth``, ``hsa``
owner         no        ``self`` (default) or ``spouse``
symbol        yes       security symbol
side          yes       ``buy``, ``sell``, or ``reinvest`` (also ``drip``: a reinvested
                        dividend, a purchase for the wash-sale rule)
quantity      yes       shares, > 0 (fractional allowed; the side says the direction)
price         [2]       dollars per share, > 0, before fees
amount        [2]       gross dollars (quantity × price), > 0, before fees
lot_id        no        buy: the id of the lot it opens; sell: lot(s) to relieve by
                        specific identification, separated by ``;``
fees          no        dollars >= 0; added to a buy's basis, subtracted from a sale's
                        proceeds
method        no        relief method of this sale: fifo, lifo, hifo, hcltf, tax_min,
                        specific (default: the account's)
============  ========  ===============================================================

[1] Required unless the accounts are given separately (household file); when both are
given they must agree. [2] One of ``price`` or ``amount`` (both: they must agree to the
cent).

Errors (all :class:`rebal.errors.InputError` with file, line and field): unparsable or
decreasing date, non-positive quantity or price, unknown side, missing price, unknown
account (when accounts are declared), conflicting account type; with ``check_holdings``
(default) also a sale of more shares than held and a lot sold twice.

Household tax settings (YAML)
-----------------------------
::

    accounts:
      - {id: brokerage, type: taxable, owner: self, lot_method: hifo,
         average_cost: [VFIAX]}
      - {id: ira, type: traditional}
    wash_sale:
      groups: {sp500: [SPY, VOO, IVV]}
      replacement_before_sold_lot: true
      replacement_already_sold: true
      lots_sold_together_replace: false
      basis_reported_to_irs: true
    lot_selection_rates: {short_term: 0.32, long_term: 0.15}

Other top-level keys (filing status, income … read by other modules) are ignored here.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast

from rebal.errors import ConfigError, InputError, RebalError
from rebal.tax.lots import Account, Trade, WashSaleSettings
from rebal.tax.records import Record
from rebal.types import AccountType, LotMethod, Owner, Side

__all__ = [
    "TRADE_COLUMNS",
    "TaxHousehold",
    "TradeHistory",
    "load_tax_household",
    "load_trades",
    "parse_tax_household",
]

TRADE_COLUMNS = (
    "date", "account", "account_type", "owner", "symbol", "side", "quantity", "price",
    "amount", "lot_id", "fees", "method",
)
_REQUIRED = ("date", "account", "symbol", "side", "quantity")
_SIDES = {"buy": (Side.BUY, False), "sell": (Side.SELL, False),
          "reinvest": (Side.BUY, True), "drip": (Side.BUY, True)}


@dataclass(frozen=True, slots=True, kw_only=True)
class TradeHistory(Record):
    """Trades read from a file, with the accounts they use."""

    source: str
    trades: tuple[Trade, ...]
    accounts: tuple[Account, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class TaxHousehold(Record):
    """The tax-lot settings of a household: accounts, wash-sale settings and the marginal
    rates used by ``LotMethod.TAX_MIN`` (fractions, ``None`` if not given)."""

    accounts: tuple[Account, ...]
    settings: WashSaleSettings
    st_rate: float | None = None
    lt_rate: float | None = None


def _parse_date(text: str) -> date:
    for fmt in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


def _parse_number(text: str) -> float:
    """``"1,234.50"``, ``"$12"`` → float. A comma is read only as a thousands separator
    (followed by exactly three digits, in groups): ``"10,5"`` is refused, not read as 105
    (a decimal comma)."""
    plain = text.replace("$", "").strip()
    if "," in plain:
        if not _GROUPED.match(plain):
            raise ValueError(f"{text} (a comma is read only between groups of three digits; "
                             "write decimals with a point: 10.5)")
        plain = plain.replace(",", "")
    value = float(plain)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def load_trades(
    path: str | Path,
    *,
    accounts: Iterable[Account] | None = None,
    check_holdings: bool = True,
) -> TradeHistory:
    """Read a trade-history CSV (columns in the module docstring).

    Parameters
    ----------
    path
        The CSV file.
    accounts
        The household's declared accounts; every ``account`` must be one of them.
        ``None``: accounts are built from the ``account_type``/``owner`` columns.
    check_holdings
        Replay the trades (FIFO where the method needs rates) to report a sale of more
        shares than held, or of a lot already sold, at its line.

    Raises
    ------
    InputError
        Naming the file, the 1-based line (header = line 1) and the column.
    """
    name = str(path)
    declared = {a.id: a for a in accounts} if accounts is not None else None
    try:
        handle = open(path, newline="", encoding="utf-8-sig")  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"cannot read trade history: {exc.strerror}", file=name) from None
    with handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise InputError("the file is empty", file=name, row=1)
        cols = [h.strip().lower() for h in header]
        for c in cols:
            if c and c not in TRADE_COLUMNS:
                raise InputError(
                    f"unknown column {c!r}; columns are {', '.join(TRADE_COLUMNS)}",
                    file=name, row=1, field=c,
                )
        for c in _REQUIRED:
            if c not in cols:
                raise InputError(f"missing column {c!r}", file=name, row=1, field=c)
        if "price" not in cols and "amount" not in cols:
            raise InputError("need a 'price' or an 'amount' column", file=name, row=1,
                             field="price")
        if declared is None and "account_type" not in cols:
            raise InputError(
                "need an 'account_type' column when no accounts are declared",
                file=name, row=1, field="account_type",
            )
        trades: list[Trade] = []
        found: dict[str, Account] = {}
        last: date | None = None
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            rec = {c: (row[i].strip() if i < len(row) else "") for i, c in enumerate(cols)}
            trade, account = _parse_row(rec, name, line, declared, found)
            if last is not None and trade.date < last:
                raise InputError(
                    f"date {trade.date} is before the previous trade's date {last} "
                    "(trades must be in date order)",
                    file=name, row=line, field="date",
                )
            last = trade.date
            if account is not None:
                found[account.id] = account
            trades.append(trade)
    accts = tuple(declared.values()) if declared is not None else tuple(found.values())
    if check_holdings and trades:
        _check_holdings(trades, accts)
    return TradeHistory(source=name, trades=tuple(trades), accounts=accts)


def _parse_row(
    rec: Mapping[str, str],
    name: str,
    line: int,
    declared: Mapping[str, Account] | None,
    found: Mapping[str, Account],
) -> tuple[Trade, Account | None]:
    def fail(message: str, field: str) -> InputError:
        return InputError(message, file=name, row=line, field=field)

    for c in _REQUIRED:
        if not rec.get(c):
            raise fail(f"{c} is empty", c)
    try:
        day = _parse_date(rec["date"])
    except ValueError:
        raise fail(f"cannot parse date {rec['date']!r} (use YYYY-MM-DD)", "date") from None
    side_text = rec["side"].lower()
    if side_text not in _SIDES:
        raise fail(f"unknown side {rec['side']!r}; use buy, sell or reinvest", "side")
    side, reinvested = _SIDES[side_text]

    def number(field: str) -> float | None:
        text = rec.get(field, "")
        if not text:
            return None
        try:
            return _parse_number(text)
        except ValueError as exc:
            why = str(exc).partition(" (")[2]
            raise fail(f"{field} {text!r} is not a number" + (f" ({why}" if why else ""),
                       field) from None

    quantity = number("quantity")
    assert quantity is not None
    if quantity <= 0:
        raise fail(f"quantity must be > 0 (the side gives the direction), got {quantity:g}",
                   "quantity")
    price, amount = number("price"), number("amount")
    if price is None and amount is None:
        raise fail("missing price (give price or amount)", "price")
    if price is not None and price <= 0:
        raise fail(f"price must be > 0, got {price:g}", "price")
    if amount is not None and amount <= 0:
        raise fail(f"amount must be > 0, got {amount:g}", "amount")
    if price is None:
        assert amount is not None
        price = amount / quantity
    elif amount is not None and abs(amount - price * quantity) > 0.005 + 1e-9 * amount:
        raise fail(
            f"amount {amount:g} disagrees with quantity × price = {price * quantity:g}",
            "amount",
        )
    fees = number("fees") or 0.0
    if fees < 0:
        raise fail(f"fees must be >= 0, got {fees:g}", "fees")
    method: LotMethod | None = None
    if rec.get("method"):
        try:
            method = cast(LotMethod, LotMethod.parse(rec["method"], field="method"))
        except ConfigError as exc:
            raise fail(str(exc), "method") from None
        if method is LotMethod.AVERAGE:
            raise fail("average basis is an account election (household file), "
                       "not a per-sale method", "method")

    account_id = rec["account"]
    account: Account | None = None
    type_text, owner_text = rec.get("account_type", ""), rec.get("owner", "")
    try:
        acct_type = (
            cast(AccountType, AccountType.parse(type_text, field="account_type"))
            if type_text else None
        )
        owner = cast(Owner, Owner.parse(owner_text, field="owner")) if owner_text else None
    except ConfigError as exc:
        field = "owner" if "owner" in str(exc) else "account_type"
        raise fail(str(exc), field) from None
    if declared is not None:
        known = declared.get(account_id)
        if known is None:
            raise fail(
                f"unknown account {account_id!r}; declared: {', '.join(sorted(declared))}",
                "account",
            )
        if acct_type is not None and acct_type is not known.type:
            raise fail(f"account {account_id!r} is declared {known.type.value}, the file says "
                       f"{acct_type.value}", "account_type")
        if owner is not None and owner is not known.owner:
            raise fail(f"account {account_id!r} is declared owner {known.owner.value}, the "
                       f"file says {owner.value}", "owner")
    else:
        if acct_type is None:
            raise fail("account_type is empty", "account_type")
        prev = found.get(account_id)
        if prev is not None and (prev.type is not acct_type or
                                 (owner is not None and prev.owner is not owner)):
            raise fail(f"account {account_id!r} was {prev.type.value}/{prev.owner.value} on an "
                       "earlier line", "account_type")
        account = prev or Account(id=account_id, type=acct_type, owner=owner or Owner.SELF)

    lot_id = rec.get("lot_id", "")
    lot_ids: tuple[str, ...] = ()
    if side is Side.SELL and lot_id:
        lot_ids = tuple(x.strip() for x in lot_id.split(";") if x.strip())
    try:
        trade = Trade(
            date=day, account=account_id, symbol=rec["symbol"], side=side, quantity=quantity,
            price_usd=price, fees=fees, lot_id=(lot_id or None) if side is Side.BUY else None,
            lot_ids=lot_ids, method=method, reinvested=reinvested, source_file=name,
            source_line=line,
        )
    except ConfigError as exc:
        raise fail(str(exc), "quantity") from None
    return trade, account


def _check_holdings(trades: list[Trade], accounts: tuple[Account, ...]) -> None:
    from rebal.tax.ledger import Ledger

    # TAX_MIN needs rates only to order lots; zero rates order FIFO, enough to check
    # quantities and lot ids.
    ledger = Ledger(accounts, st_rate=0.0, lt_rate=0.0)
    for trade in trades:
        ledger.apply(trade)


# ------------------------------------------------------------------ household settings


def _fail(source: str | None, where: str, message: str, field: str | None = None) -> InputError:
    return InputError(message, file=source, row=where, field=field)


def _flag(block: Mapping[str, Any], key: str, default: bool, source: str | None,
          where: str) -> bool:
    value = block.get(key, default)
    if not isinstance(value, bool):
        raise _fail(source, f"{where}.{key}", f"must be true or false, got {value!r}", key)
    return value


def parse_tax_household(data: Mapping[str, Any], *, source: str | None = None) -> TaxHousehold:
    """Validate the tax-lot sections (``accounts``, ``wash_sale``, ``lot_selection_rates``)
    of an already-parsed household mapping; other keys are ignored."""
    if not isinstance(data, Mapping):
        raise _fail(source, "(top)", "the household file must be a mapping")
    raw_accounts = data.get("accounts")
    if not isinstance(raw_accounts, list) or not raw_accounts:
        raise _fail(source, "accounts", "must be a non-empty list of accounts", "accounts")
    accounts: list[Account] = []
    seen: set[str] = set()
    allowed = {"id", "type", "owner", "lot_method", "average_cost"}
    for i, item in enumerate(raw_accounts):
        where = f"accounts[{i}]"
        if not isinstance(item, Mapping):
            raise _fail(source, where, "must be a mapping")
        for key in item:
            if key not in allowed:
                raise _fail(source, f"{where}.{key}",
                            f"unknown key; use {', '.join(sorted(allowed))}", str(key))
        acc_id = item.get("id")
        if not isinstance(acc_id, str) or not acc_id:
            raise _fail(source, f"{where}.id", "must be a non-empty string", "id")
        if acc_id in seen:
            raise _fail(source, f"{where}.id", f"duplicate account id {acc_id!r}", "id")
        seen.add(acc_id)
        avg = item.get("average_cost", [])
        if not isinstance(avg, list) or not all(isinstance(s, str) for s in avg):
            raise _fail(source, f"{where}.average_cost", "must be a list of symbols",
                        "average_cost")
        try:
            accounts.append(
                Account(
                    id=acc_id,
                    type=cast(AccountType, AccountType.parse(str(item.get("type", "taxable")),
                                                             field="type")),
                    owner=cast(Owner, Owner.parse(str(item.get("owner", "self")), field="owner")),
                    lot_method=cast(LotMethod, LotMethod.parse(str(item.get("lot_method", "fifo")),
                                                               field="lot_method")),
                    average_cost_symbols=frozenset(avg),
                )
            )
        except RebalError as exc:
            text = str(exc)
            field = next((k for k in ("type", "owner", "lot_method") if text.startswith(k)),
                         None)
            raise _fail(source, where, text, field) from None
    wash = data.get("wash_sale", {}) or {}
    if not isinstance(wash, Mapping):
        raise _fail(source, "wash_sale", "must be a mapping")
    flags = ("replacement_before_sold_lot", "replacement_already_sold",
             "lots_sold_together_replace", "basis_reported_to_irs")
    for key in wash:
        if key not in (*flags, "groups"):
            raise _fail(source, f"wash_sale.{key}", "unknown key", str(key))
    groups = wash.get("groups", {}) or {}
    if not isinstance(groups, Mapping) or not all(
        isinstance(v, list) and all(isinstance(s, str) for s in v) for v in groups.values()
    ):
        raise _fail(source, "wash_sale.groups", "must map a group name to a list of symbols",
                    "groups")
    defaults = WashSaleSettings()
    try:
        settings = WashSaleSettings.from_groups(
            {str(k): v for k, v in groups.items()},
            **{k: _flag(wash, k, getattr(defaults, k), source, "wash_sale") for k in flags},
        )
    except ConfigError as exc:
        raise _fail(source, "wash_sale.groups", str(exc), "groups") from None
    rates = data.get("lot_selection_rates")
    st_rate = lt_rate = None
    if rates is not None:
        if not isinstance(rates, Mapping) or set(rates) - {"short_term", "long_term"}:
            raise _fail(source, "lot_selection_rates",
                        "must be {short_term: fraction, long_term: fraction}")
        values = []
        for key in ("short_term", "long_term"):
            v = rates.get(key)
            if not isinstance(v, int | float) or isinstance(v, bool) or not 0 <= v <= 1:
                raise _fail(source, f"lot_selection_rates.{key}",
                            f"must be a fraction in [0, 1], got {v!r}", key)
            values.append(float(v))
        st_rate, lt_rate = values
    return TaxHousehold(accounts=tuple(accounts), settings=settings, st_rate=st_rate,
                        lt_rate=lt_rate)


def load_tax_household(path: str | Path) -> TaxHousehold:
    """Read the household YAML file and validate its tax-lot sections."""
    from rebal.data.yamlfile import parse_yaml

    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise InputError(f"cannot read household file: {reason}", file=name) from None
    data = parse_yaml(text, file=name)
    return parse_tax_household(data, source=name)
