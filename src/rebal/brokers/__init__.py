"""Broker files in and out: positions, lots and transactions as brokers export them, order
files for their desks, fills, and a reconciliation of what the files say.

Layer: beside ``rebal.planner`` and ``rebal.studies``; imports only the household and tax
types below it (it never imports the planner or the store). The store and ``rebal import``
(``rebal.services``) are built on this API. The layouts are in ``docs/imports.md``.

API
---
Reading (``fmt``: a :class:`BrokerFormat` or its text — ``generic``, ``fidelity``,
``schwab``, ``vanguard``, ``etrade``, ``ibkr-flex``)::

    read_positions(path, fmt) -> PositionsFile      # .positions, .cash_usd, .statement_date,
                                                    # .accounts, .for_account(n), .to_lots()
    read_lots(path, fmt) -> LotsFile                # .lots (ImportedLot), .closed (ClosedLot)
    read_transactions(path, fmt) -> TransactionsFile  # .transactions, .trades(account)
    read_fills(path, fmt="generic", account="") -> tuple[Fill, ...]
    fills_from_transactions(transactions_file, account="") -> tuple[Fill, ...]

Every malformed row raises :class:`rebal.errors.InputError` naming the file, the line and
the column; an unknown format a :class:`rebal.errors.ConfigError`. Nothing is written.

Records (frozen dataclasses; dollars, shares, trade dates) and their domain mapping:

- :class:`Position` — one holding (``is_cash`` for sweep/money-market cash).
- :class:`ImportedLot` → :meth:`ImportedLot.to_held_lot` gives the household's
  :class:`rebal.household.model.HeldLot`. ``date_known=False`` marks a lot built from a
  position without lots (Fidelity, Schwab positions, Vanguard, E*TRADE, IBKR summary rows):
  one lot per position at the average cost, treated as acquired on the statement date
  (:data:`UNKNOWN_DATE_NOTE`; ``docs/imports.md``).
- :class:`Transaction` (:class:`TxnType`: buy, sell, reinvest, dividend, interest, fee,
  transfer_in/out, split; ``amount_usd`` signed cash) → :meth:`Transaction.to_trade`
  gives the tax engine's :class:`rebal.tax.lots.Trade` for buys, sells and reinvestments.
- :class:`Fill` → :meth:`Fill.to_trade` (a sale names its lots for specific
  identification) for the tax ledger.
- :class:`ClosedLot` — a realized lot (Fidelity closed positions).

Order files::

    orders_from_trades(planned_trades, account_numbers=None, unknown_lot_ids=())
        -> tuple[OrderLine, ...]   # a sale of unknown-date lots names no lot
    write_orders(orders, path, "generic" | "ibkr-basket") -> OrdersWritten  # .notes
    render_orders(orders, fmt) -> (text, notes)

The generic CSV spells out the lots of every sale (id, open date, quantity, cost per
share); IBKR's BasketTrader cannot, and :attr:`OrdersWritten.notes` says so.

Reconciliation::

    reconcile(positions=…, lots=…, transactions=…, opening_lots=…,
              opening_cash_usd=…, closing_cash_usd=…) -> Reconciliation  # .issues, .ok

Numbers: :func:`parse_amount` (``$``, ``,``, parentheses, ``--``), :func:`parse_date`,
:func:`mask_account_number` (``"****1234"``, for every output).
"""

from __future__ import annotations

from rebal.brokers.numbers import mask_account_number, parse_amount, parse_date
from rebal.brokers.orders import (
    OrderFileFormat,
    OrdersWritten,
    orders_from_trades,
    render_orders,
    write_orders,
)
from rebal.brokers.read import (
    fills_from_transactions,
    read_fills,
    read_lots,
    read_positions,
    read_transactions,
)
from rebal.brokers.reconcile import (
    IssueKind,
    Reconciliation,
    ReconIssue,
    reconcile,
    reconcile_lots,
    reconcile_transactions,
)
from rebal.brokers.records import (
    UNKNOWN_DATE_NOTE,
    BrokerFormat,
    ClosedLot,
    FileKind,
    Fill,
    ImportedLot,
    LotInstruction,
    LotsFile,
    OrderLine,
    OrderType,
    Position,
    PositionsFile,
    Transaction,
    TransactionsFile,
    TxnType,
)

__all__ = [
    "UNKNOWN_DATE_NOTE",
    "BrokerFormat",
    "ClosedLot",
    "FileKind",
    "Fill",
    "ImportedLot",
    "IssueKind",
    "LotInstruction",
    "LotsFile",
    "OrderFileFormat",
    "OrderLine",
    "OrderType",
    "OrdersWritten",
    "Position",
    "PositionsFile",
    "ReconIssue",
    "Reconciliation",
    "Transaction",
    "TransactionsFile",
    "TxnType",
    "fills_from_transactions",
    "mask_account_number",
    "orders_from_trades",
    "parse_amount",
    "parse_date",
    "read_fills",
    "read_lots",
    "read_positions",
    "read_transactions",
    "reconcile",
    "reconcile_lots",
    "reconcile_transactions",
    "render_orders",
    "write_orders",
]
