"""Which lots a sale relieves (Treas. Reg. §1.1012-1(c), (e)).

FIFO is the legal default when shares are not adequately identified (§1.1012-1(c)(1)).
LIFO, HIFO, HCLTF and TAX_MIN are *standing orders of specific identification*
(§1.1012-1(c)(2)-(3), (c)(8)), not separate legal methods. AVERAGE is the average-basis
method, allowed only for RIC (fund) shares and dividend-reinvestment-plan shares for which
it was elected per account (§1.1012-1(e)).

Every function here is pure: it reads lots and returns picks; the ledger applies them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from rebal.errors import RebalError
from rebal.tax.holding import is_long_term
from rebal.tax.records import Record
from rebal.types import LotMethod

__all__ = [
    "QTY_EPS",
    "LotLike",
    "LotPick",
    "ReliefError",
    "average_basis_per_share",
    "order_lots",
    "select_lots",
]

#: Shares below this (relative to the quantity traded, floor 1e-9) count as zero: guards the
#: float sums of fractional shares.
QTY_EPS = 1e-9


class ReliefError(RebalError, ValueError):
    """A sale cannot be relieved as asked; ``field`` names the trade field at fault."""

    def __init__(self, message: str, *, field: str) -> None:
        self.message = message
        self.field = field
        super().__init__(message)


class LotLike(Protocol):
    """What relief reads from a lot (``rebal.tax.lots.Lot`` satisfies it)."""

    @property
    def id(self) -> str: ...
    @property
    def quantity(self) -> float: ...
    @property
    def basis_usd(self) -> float: ...
    @property
    def acquired(self) -> date: ...
    @property
    def holding_start(self) -> date: ...


@dataclass(frozen=True, slots=True)
class LotPick(Record):
    """``quantity`` shares taken from ``lots[index]`` (id ``lot_id``)."""

    index: int
    lot_id: str
    quantity: float


def _eps(quantity: float) -> float:
    return QTY_EPS * max(1.0, abs(quantity))


def average_basis_per_share(lots: Sequence[LotLike]) -> float:
    """Average basis per share over ``lots`` (single-category method, §1.1012-1(e)(7)),
    dollars per share."""
    shares = sum(lot.quantity for lot in lots)
    if shares <= 0:
        raise ReliefError("no shares to average", field="quantity")
    return sum(lot.basis_usd for lot in lots) / shares


_TIE = 1e-12
"""Relative difference under which two bases per share are one (float noise)."""


def _snapped(values: list[float]) -> list[float]:
    """``values`` with each run of values within :data:`_TIE` (relative) of the run's
    smallest replaced by it: two lots bought the same day at the same price (a rebalance
    and a swap-back) have one basis per share, but computed from different quantities
    their floats can differ in the last bit, and that noise must not decide which lot goes
    first — ties go FIFO, as documented."""
    out = list(values)
    rep = 0.0
    first = True
    for i in sorted(range(len(values)), key=values.__getitem__):
        v = values[i]
        if first or v - rep > _TIE * max(abs(rep), abs(v)):
            rep = v
            first = False
        out[i] = rep
    return out


def _hifo(per_share: list[float]) -> list[int]:
    """HIFO order of lots with bases per share ``per_share`` (dollars per share, lots in
    FIFO order): highest first, ties FIFO. The same as sorting on :func:`_snapped`
    values, in one sort: runs of ascending values within :data:`_TIE` of the run's
    smallest are one value, the runs are taken from the top, each run FIFO."""
    runs: list[list[int]] = []
    run: list[int] = []
    rep = 0.0
    for i in sorted(range(len(per_share)), key=per_share.__getitem__):
        v = per_share[i]
        # ascending, so v >= rep: max(|rep|, |v|) is v unless rep < 0
        if run and v - rep <= _TIE * (v if rep >= 0.0 else max(-rep, abs(v))):
            run.append(i)
        else:
            if run:
                runs.append(run)
            run, rep = [i], v
    if run:
        runs.append(run)
    out: list[int] = []
    for run in reversed(runs):
        if len(run) > 1:
            run.sort()
        out.extend(run)
    return out


def order_lots(
    lots: Sequence[LotLike],
    method: LotMethod,
    *,
    sale_date: date,
    price_usd: float | None = None,
    st_rate: float | None = None,
    lt_rate: float | None = None,
) -> list[int]:
    """Indices of ``lots`` in the order ``method`` relieves them.

    ``lots`` must be given in acquisition order (FIFO order); every method breaks ties
    FIFO, so results are deterministic.

    - FIFO: acquisition order. AVERAGE also relieves shares FIFO: the basis is the average,
      but the holding period of the shares sold is the earliest acquired's
      (§1.1012-1(e)(7)(ii): shares sold are deemed the earliest acquired).
    - LIFO: latest acquisition first.
    - HIFO: highest basis per share first.
    - HCLTF: lots long term on ``sale_date`` first, highest basis per share first; then
      short-term lots, highest basis per share first.
    - TAX_MIN: ascending tax per share ``(price − basis per share) × rate(term)`` with
      ``rate = st_rate`` for short-term and ``lt_rate`` for long-term lots. Each share's
      tax is independent of the others' (at fixed marginal rates), so taking shares in
      ascending order of their own tax minimises the total for any quantity (exchange
      argument). Consequences: every loss share (negative tax) comes before every gain
      share; among losses, the largest tax saving first, so with ``st_rate >= lt_rate`` a
      short-term loss comes before a long-term loss of the same dollars per share; among
      gains, long-term gains tend to come first because their rate is lower. The rates are
      the household's marginal rates (fractions), e.g. from ``rebal.tax.marginal``;
      netting and bracket edges are not modelled here.
    - SPECIFIC: not an ordering (see ``select_lots``).
    """
    if method is LotMethod.HIFO:
        return _hifo([lot.basis_usd / lot.quantity for lot in lots])
    n = len(lots)
    fifo = list(range(n))
    if method in (LotMethod.FIFO, LotMethod.AVERAGE):
        return fifo
    if method is LotMethod.LIFO:
        return fifo[::-1]
    per_share = _snapped([lot.basis_usd / lot.quantity for lot in lots])
    if method is LotMethod.HCLTF:
        return sorted(
            fifo,
            key=lambda i: (not is_long_term(lots[i].holding_start, sale_date), -per_share[i]),
        )
    if method is LotMethod.TAX_MIN:
        if price_usd is None or st_rate is None or lt_rate is None:
            raise ReliefError(
                "TAX_MIN relief needs the sale price and the short- and long-term "
                "marginal rates",
                field="method",
            )
        for name, rate in (("st_rate", st_rate), ("lt_rate", lt_rate)):
            if not 0.0 <= rate <= 1.0:
                raise ReliefError(f"{name} must be a fraction in [0, 1], got {rate}", field=name)

        def tax_per_share(i: int) -> float:
            rate = lt_rate if is_long_term(lots[i].holding_start, sale_date) else st_rate
            return (price_usd - per_share[i]) * rate

        return sorted(fifo, key=tax_per_share)
    raise ReliefError(f"{method.value} is not an ordering method", field="method")


def _named_order(lots: Sequence[LotLike], lot_ids: Sequence[str]) -> list[int]:
    """Indices of ``lots`` named by ``lot_ids``: for each name in the order named, the
    lots called ``name`` or ``name.<…>`` not taken by an earlier name, FIFO.

    One pass over the lots: a lot goes to the first-named of its id and the prefixes of
    its id that end before a ``"."``; the same as testing every name against every lot."""
    pos: dict[str, int] = {}
    for k, name in enumerate(lot_ids):
        pos.setdefault(name, k)
    buckets: list[list[int]] = [[] for _ in lot_ids]
    for i, lot in enumerate(lots):
        lid = lot.id
        k = pos.get(lid)
        if "." in lid:
            parts = lid.split(".")
            for m in range(1, len(parts)):
                kk = pos.get(".".join(parts[:m]))
                if kk is not None and (k is None or kk < k):
                    k = kk
        if k is not None:
            buckets[k].append(i)
    order: list[int] = []
    for name, bucket in zip(lot_ids, buckets, strict=True):
        if not bucket:
            raise ReliefError(f"lot {name!r} is not held", field="lot_id")
        order.extend(bucket)
    return order


def select_lots(
    lots: Sequence[LotLike],
    quantity: float,
    method: LotMethod,
    *,
    sale_date: date,
    price_usd: float | None = None,
    st_rate: float | None = None,
    lt_rate: float | None = None,
    lot_ids: Sequence[str] = (),
) -> tuple[LotPick, ...]:
    """Choose which shares of ``lots`` a sale of ``quantity`` shares relieves.

    Parameters
    ----------
    lots
        Open lots of one security in one account, in acquisition (FIFO) order.
    quantity
        Shares sold, > 0.
    method
        Relief method (see ``order_lots``). For ``SPECIFIC`` the lots named in ``lot_ids``
        are relieved in the order named; a name also matches pieces split from that lot
        (ids ``"<name>.<n>"``), taken FIFO.
    lot_ids
        Lot ids for ``SPECIFIC``.

    Returns
    -------
    Picks in relief order; their quantities sum to ``quantity``.

    Raises
    ------
    ReliefError
        Selling more than held (field ``quantity``); for SPECIFIC an unknown or empty list
        of lot ids, or named lots holding fewer shares than sold (field ``lot_id``).
    """
    eps = _eps(quantity)
    held = sum([lot.quantity for lot in lots])
    if quantity > held + eps:
        raise ReliefError(
            f"sells {quantity:g} shares but only {held:g} are held", field="quantity"
        )
    if method is LotMethod.SPECIFIC:
        if not lot_ids:
            raise ReliefError("specific identification needs lot ids", field="lot_id")
        order = _named_order(lots, lot_ids)
        named = sum(lots[i].quantity for i in order)
        if quantity > named + eps:
            raise ReliefError(
                f"sells {quantity:g} shares but lot(s) {', '.join(lot_ids)} hold only "
                f"{named:g}",
                field="lot_id",
            )
    else:
        order = order_lots(
            lots, method, sale_date=sale_date, price_usd=price_usd, st_rate=st_rate,
            lt_rate=lt_rate,
        )
    picks: list[LotPick] = []
    left = quantity
    for i in order:
        if left <= eps:
            break
        take = min(lots[i].quantity, left)
        if lots[i].quantity - take <= eps:
            take = lots[i].quantity
        picks.append(LotPick(index=i, lot_id=lots[i].id, quantity=take))
        left -= take
    return tuple(picks)
