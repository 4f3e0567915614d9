"""The planner's output: a frozen, JSON-serialisable :class:`TradePlan`.

Units: dollars (``*_usd``), shares, fractions for weights. Every record has
``to_dict()`` returning plain JSON types (ISO dates, enum values as strings/ints).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from rebal.household.currency import CurrencyExposure
from rebal.planner.check import PrivateCheck
from rebal.planner.currency import Conversion
from rebal.planner.settings import SolveStatus, Step
from rebal.tax.records import Record, record_dict
from rebal.types import AccountType, ParseEnum, Side, Term

__all__ = [
    "AccountAllocation",
    "ClassAllocation",
    "DoNotBuyEntry",
    "LotRelief",
    "NotDone",
    "NotDoneKind",
    "PlannedTrade",
    "PrivateLine",
    "SolveStats",
    "StepSummary",
    "TaxSummary",
    "TradePlan",
    "write_orders_csv",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class LotRelief(Record):
    """Shares of one lot relieved by a sale (taxable accounts: with gain and term)."""

    lot_id: str
    quantity: float
    proceeds_usd: float
    cost_basis_usd: float | None
    gain_usd: float | None
    term: Term | None
    acquired: date | None
    est_tax_usd: float


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedTrade(Record):
    """One order.

    Attributes
    ----------
    account, account_type, symbol, side
        Where and what.
    shares
        Quantity, > 0 (whole where the account needs it).
    price_usd, value_usd, cost_usd
        Price used, shares × price (dollars, unrounded) and estimated trading cost.
    step
        The article's step (:class:`Step`).
    reason
        One sentence.
    lots
        Lots relieved (sales), in the order chosen.
    gain_usd, est_tax_usd
        Realized gain (taxable sales; 0 otherwise) and its estimated tax at the plan's
        marginal rates (the plan's exact total is in :class:`TaxSummary`).
    """

    account: str
    account_type: AccountType
    symbol: str
    side: Side
    shares: float
    price_usd: float
    value_usd: float
    cost_usd: float
    step: Step
    reason: str
    lots: tuple[LotRelief, ...] = ()
    gain_usd: float = 0.0
    est_tax_usd: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class ClassAllocation(Record):
    """A class's household weight before and after the plan, against target and band."""

    asset_class: str
    tier: str
    target: float
    lower: float
    upper: float
    value_before_usd: float
    weight_before: float
    value_after_usd: float
    weight_after: float
    breached_before: bool
    breached_after: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountAllocation(Record):
    """One account before and after: cash and ``(class, dollars)`` pairs."""

    account: str
    type: AccountType
    cash_before_usd: float
    cash_after_usd: float
    min_cash_usd: float
    pending_flow_usd: float
    holdings_before_usd: float
    holdings_after_usd: float
    classes_before_usd: tuple[tuple[str, float], ...]
    classes_after_usd: tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class TaxSummary(Record):
    """Tax of the plan's realized gains this year, by the tax engine (dollars).

    ``total_usd`` = ``federal_usd`` (income tax incl. AMT) + ``niit_usd`` + ``state_usd``,
    all as extra over the household's tax without the plan. ``model_estimate_usd`` is
    the optimizer's linear estimate (it may differ where the ST/LT interaction or a
    non-linear part of the tax is approximated). ``carryforward_left_usd`` is the capital
    loss carried to next year with the plan (§1212(b)); ``carryforward_change_usd`` its
    change against no plan (negative = carryover used up this year).
    """

    st_gains_usd: float
    st_losses_usd: float
    lt_gains_usd: float
    lt_losses_usd: float
    losses_harvested_usd: float
    federal_usd: float
    niit_usd: float
    state_usd: float
    total_usd: float
    model_estimate_usd: float | None
    zero_rate_room_usd: float
    zero_rate_room_used_usd: float
    carryforward_change_usd: float
    carryforward_left_usd: float = 0.0

    @property
    def net_st_usd(self) -> float:
        return self.st_gains_usd - self.st_losses_usd

    @property
    def net_lt_usd(self) -> float:
        return self.lt_gains_usd - self.lt_losses_usd

    def to_dict(self) -> dict[str, Any]:
        return record_dict(self, last=("net_st_usd", "net_lt_usd"))


@dataclass(frozen=True, slots=True, kw_only=True)
class DoNotBuyEntry(Record):
    """Do not buy any of ``symbols`` (wash-sale ``group``) in any account through
    ``until``: it would wash the loss sale(s) named in ``reason``."""

    group: str
    symbols: tuple[str, ...]
    until: date
    first_safe_date: date
    planned: bool
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StepSummary(Record):
    """One of the five steps: its trades' count and dollars (0 trades = "none")."""

    step: int
    label: str
    n_trades: int
    sold_usd: float
    bought_usd: float


class NotDoneKind(ParseEnum):
    """What a plan left undone (and says why): see :class:`NotDone`."""

    LOSS_NOT_HARVESTED = "loss_not_harvested"
    LOSSES_BELOW_THRESHOLD = "losses_below_threshold"
    CLASS_OUT_OF_BAND = "class_out_of_band"
    ZERO_RATE_ROOM_UNUSED = "zero_rate_room_unused"


@dataclass(frozen=True, slots=True, kw_only=True)
class NotDone(Record):
    """Something a user would expect the plan to do that it does not, with why.

    Attributes
    ----------
    kind
        :class:`NotDoneKind`.
    subject
        What: a lot id, a class, ``"0% LTCG room"``.
    amount_usd
        The dollars at stake (the loss, the class's distance to its band, the room left).
    reason
        One sentence: the rule, holding or constraint responsible (wash-sale window with
        the purchase that blocks it and the first safe date, threshold, step-up, …).
    """

    kind: NotDoneKind
    subject: str
    amount_usd: float
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SolveStats(Record):
    """Size of the optimization and how it went (empty for the naive plan)."""

    n_variables: int = 0
    n_integer: int = 0
    n_constraints: int = 0
    build_seconds: float = 0.0
    solve_seconds: float = 0.0
    total_seconds: float = 0.0
    status: SolveStatus = SolveStatus.NOT_RUN
    objective: float | None = None
    n_solves: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class PrivateLine(Record):
    """A class held by private funds, after the plan: its two lines.

    Attributes
    ----------
    asset_class, view
        The class and the exposure view counted.
    target_usd
        Target weight × the investable value after the plan.
    private_usd
        The private funds' exposure under ``view`` (the plan does not trade it).
    substitute
        The liquid substitute's symbol, or None.
    substitute_before_usd, substitute_after_usd
        Its holdings before and after the plan.
    """

    asset_class: str
    view: str
    target_usd: float
    private_usd: float
    substitute: str | None
    substitute_before_usd: float
    substitute_after_usd: float

    @property
    def shortfall_usd(self) -> float:
        """Target − private exposure, never below 0: what the substitute is to hold."""
        return max(0.0, self.target_usd - self.private_usd)

    def to_dict(self) -> dict[str, Any]:
        return record_dict(self, last=("shortfall_usd",))


@dataclass(frozen=True, slots=True, kw_only=True)
class TradePlan(Record):
    """What to trade, where, why, and what it costs in tax.

    Attributes
    ----------
    as_of, household
        Plan date and the household's display name.
    method
        ``"optimized"`` or ``"naive"``.
    settings
        The settings used (``PlanSettings.to_dict()``; empty for the naive plan).
    trades
        Orders, sales first, grouped by step.
    classes
        Household allocation by class before/after, against targets and bands.
    accounts
        Per-account cash and class dollars before/after.
    tax
        The tax summary (exact, by the tax engine).
    do_not_buy
        Wash-sale do-not-buy list after the plan (recent and planned loss sales).
    naive
        The naive plan beside it (``None`` for the naive plan itself or when not asked).
    stats
        Problem size and times.
    notes
        Anything the user should know (approximations, relaxed settings …).
    not_done
        What the plan did not do that a user would expect, and why (:class:`NotDone`).
    conversions
        FX conversions, netted per account and currency
        (:class:`rebal.planner.currency.Conversion`; none for an all-dollar plan).
    base_currency, usd_per_base
        The household's base currency (a view) and US dollars per unit of it on the plan
        date; dollar figures divide by ``usd_per_base`` to show in the base.
    currencies
        The holdings' currency exposure after the plan
        (:func:`rebal.household.currency.currency_exposure`).
    private
        Classes held by private funds: private exposure and liquid substitute
        (:class:`PrivateLine`; empty without private funds).
    private_views
        The same classes before the plan under the three exposure views
        (:class:`rebal.planner.check.PrivateCheck`).
    """

    as_of: date
    household: str
    method: str
    settings: dict[str, Any]
    trades: tuple[PlannedTrade, ...]
    classes: tuple[ClassAllocation, ...]
    accounts: tuple[AccountAllocation, ...]
    tax: TaxSummary
    do_not_buy: tuple[DoNotBuyEntry, ...] = ()
    naive: TradePlan | None = None
    stats: SolveStats = field(default_factory=SolveStats)
    notes: tuple[str, ...] = ()
    not_done: tuple[NotDone, ...] = ()
    conversions: tuple[Conversion, ...] = ()
    base_currency: str = "USD"
    usd_per_base: float = 1.0
    currencies: tuple[CurrencyExposure, ...] = ()
    private: tuple[PrivateLine, ...] = ()
    private_views: tuple[PrivateCheck, ...] = ()

    @property
    def saving_usd(self) -> float | None:
        """Naive tax − plan tax this year (dollars), when the naive plan is attached."""
        return None if self.naive is None else self.naive.tax.total_usd - self.tax.total_usd

    @property
    def carryforward_value(self) -> float:
        """Dollars per dollar of loss carried to next year used in the comparison
        (the settings' ``carryforward_value``; 0.05 when not set)."""
        return float(self.settings.get("carryforward_value", 0.05))

    @property
    def saving_with_carryforward_usd(self) -> float | None:
        """Naive − plan of (this year's tax − ``carryforward_value`` × loss carried to next
        year), dollars: the saving counting the carryforward each plan leaves."""
        if self.naive is None:
            return None
        v = self.carryforward_value
        mine = self.tax.total_usd - v * self.tax.carryforward_left_usd
        theirs = self.naive.tax.total_usd - v * self.naive.tax.carryforward_left_usd
        return theirs - mine

    @property
    def steps(self) -> tuple[StepSummary, ...]:
        """The five steps in order, each with its trades' count and dollars."""
        out = []
        for step in Step:
            mine = [t for t in self.trades if t.step is step]
            out.append(StepSummary(
                step=int(step), label=step.label, n_trades=len(mine),
                sold_usd=sum(t.value_usd for t in mine if t.side is Side.SELL),
                bought_usd=sum(t.value_usd for t in mine if t.side is Side.BUY)))
        return tuple(out)

    @property
    def in_bands_after(self) -> bool:
        return not any(c.breached_after for c in self.classes)

    def to_dict(self) -> dict[str, Any]:
        return record_dict(self, last=("saving_usd", "saving_with_carryforward_usd",
                                       "carryforward_value", "in_bands_after", "steps"))


ORDER_COLUMNS = (
    "account", "symbol", "side", "quantity", "order_type", "est_price_usd", "est_value_usd",
    "lot_ids", "lot_quantities", "step", "reason",
)


def write_orders_csv(plan: TradePlan, path: str | Path) -> Path:
    """Write broker-ready orders (one line per order, specific lots named) to ``path``.

    Columns: ``account, symbol, side, quantity, order_type (market), est_price_usd,
    est_value_usd, lot_ids (';'-separated, sales only), lot_quantities, step, reason``.
    """
    out = Path(path)
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(ORDER_COLUMNS)
        for t in plan.trades:
            writer.writerow([
                t.account, t.symbol, t.side.value, f"{t.shares:.6f}".rstrip("0").rstrip("."),
                "market", f"{t.price_usd:.4f}", f"{t.value_usd:.2f}",
                ";".join(r.lot_id for r in t.lots),
                ";".join(f"{r.quantity:.6f}".rstrip("0").rstrip(".") for r in t.lots),
                int(t.step), t.reason,
            ])
    return out
