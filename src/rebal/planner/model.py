"""Build the planner's optimization problem (one MILP) from a household and settings.

Decision variables (shares unless stated)
-----------------------------------------
- ``sell[a, s]`` / ``buy[a, s]``: shares of security ``s`` sold / bought in account ``a``
  (integer where the account needs whole shares; semi-continuous — 0 or at least the
  minimum trade — when a minimum trade size is set);
- ``lot[l]``: shares relieved from taxable lot ``l`` (``sell[a, s] = Σ lot[l]``), so lots,
  their gains and their terms are chosen by the optimizer (specific identification);
  tax-advantaged positions have no lot variables (nothing is realized there);
- class deviation pieces (dollars): inside the band in three pieces of growing weight
  (so new money goes to the largest gaps first), an optional slack piece, and the part
  outside the band;
- tax (dollars): net ST/LT gains split into signed parts with one binary each, the
  ordinary (ST) and preferential (LT) amounts after netting (IRC §1(h), §1222), the net
  loss, and the segments of the tax engine's exact schedules (LP segments when convex,
  order binaries otherwise);
- one binary per wash-sale group that has both sellable loss lots and possible buys.

All amounts are in dollars at today's prices; the objective is dollars (tax + cost +
penalties). Weights use ``W = investable value + pending flows − trading costs``, the
investable value after the plan, so band constraints are exact linear constraints.

Tax model (an estimate; the plan's tax is recomputed exactly by the tax engine)
-------------------------------------------------------------------------------
Let ``S``/``L`` be the plan's net short/long-term gain (signed) and ``S⁺, S⁻, L⁺, L⁻``
their parts (binaries keep only one of each pair positive). Netting (Schedule D):
ordinary gain ``= max(0, S⁺ − L⁻)``, preferential gain ``= max(0, L⁺ − S⁻)``, net loss
``= max(0, −(S + L))``. Tax ≈ ``ST_sched(ordinary) + LT_sched(preferential) −
loss_benefit(net loss)``, each an exact piecewise-linear curve from
:func:`rebal.tax.gain_tax_schedule` evaluated on the household's profile (so LT gains
first fill the 0 % room, NIIT, AMT, state tax, existing losses and carryforwards are in
the curves). What is approximated: the interaction of ST and LT gains in the same year
(ST gains stacking LT gains into a higher band), which the two separate curves omit.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

import numpy as np

from rebal.household.model import ClassTarget, HeldLot, Household
from rebal.household.views import class_values, investable_value_usd
from rebal.planner.alternatives import add_reserve_rows, free_substitute_sales, reserve_need
from rebal.planner.currency import add_fx_conversions, foreign_tax_lost_rate
from rebal.planner.guard import PlanGuard
from rebal.planner.settings import PlanMode, PlanSettings
from rebal.policy.tiers import TIER_PRESETS
from rebal.tax.harvest import worth_harvesting
from rebal.tax.holding import is_long_term
from rebal.tax.marginal import (
    GainTaxSchedule,
    TaxProfile,
    gain_tax_schedule,
    zero_rate_lt_room,
)
from rebal.types import FloatArray, Sizing, Term

__all__ = ["LAZY_MIN_LOTS", "MAX_EXACT_INTEGERS", "BucketKey", "ChunkVar", "LotFact", "LotVar",
           "PositionVar", "Problem", "SparseMatrix", "build_problem", "carryforward_use_rates",
           "lot_buckets", "taxable_lot_facts"]

T = TypeVar("T")

# scipy.optimize.milp integrality codes.
_CONT, _INT, _SEMI, _SEMI_INT = 0, 1, 2, 3
_HARD_BAND_TOL = 0.0  # weight units: the band edge itself is inside (strict breach rule)
_TURNOVER_PENALTY = 1e-6  # per dollar traded: breaks ties against pointless trades
MAX_EXACT_INTEGERS = 8
"""Most whole-share order variables solved as integers; more are rounded afterwards.

Small: with more share counts as integers branch-and-bound took 0.3–3 s on the example
households (17–28 such variables; one hit the time limit), for at most one share per
order; solved continuous and rounded (buys down, sales to the nearest share, band edges
kept by a rounding margin) the same plans take 0.01–0.05 s. Households with a few
positions stay exact."""
_NEW_POSITION_PENALTY = 1e-7  # per dollar bought of a fund the account does not hold
_IDLE_CASH_WEIGHT = 2.5  # × inside_weight, per dollar of cash above the reserves
_TARGET_TOLERANCE = 0.1  # of the band's half-width: a class sized to target aims there
_ONE_WAY = True
MAX_ORDER_BINARIES = 120
"""Most orders modelled exactly as 0-or-at-least-the-minimum (one binary each)."""
_ORDER_COST_USD = 0.5  # objective dollars per order (with a minimum trade): fewer orders
_TIDY_MARGIN = 0.001  # per dollar sold, on top of the most a sale can gain inside the bands
LAZY_MIN_LOTS = 5_000
"""From this many taxable lots on, the planner solves the lazy model (``build_problem``'s
``exact``) and refines it until no chunk is sold in part; smaller households solve the
exact model directly (their plans are unchanged by the lazy model's existence)."""
_FLAT_GAIN = 1e-9  # dollars per share: lots whose gains per share differ less are alike


def tidy_cost_per_usd(settings: PlanSettings) -> float:
    """Objective cost per dollar sold when tidying is off (``settings.tidy`` False).

    A sale and the buy it pays for can lower two classes' inside-band deviations by a
    dollar each, at most ``3 × inside_weight`` apiece (the heaviest inside piece, also the
    schedule's slack piece): a cost above ``6 × inside_weight`` per dollar sold makes every
    sale whose only effect is to move in-band classes closer to target a loss, so sales
    happen only for a breached band, cash needs, a harvested loss or a 0 % gain. Zero with
    ``tidy``.
    """
    return 0.0 if settings.tidy else 6.0 * settings.inside_weight + _TIDY_MARGIN


def sized_half_width(t: ClassTarget, weight_before: float) -> float:
    """Half-width (weight fraction) the plan aims inside for target ``t``: a class
    breached before the plan is sized as its tier is in backtests
    (:data:`rebal.policy.tiers.TIER_PRESETS`: core back to target, satellite and tactical
    to the band edge; "target" is within a tenth of the band, :data:`_TARGET_TOLERANCE`);
    a class inside its band keeps its band."""
    hw = float(t.half_width)
    if not t.breached(weight_before):
        return hw
    sizing = TIER_PRESETS[t.tier.value].sizing
    if sizing is Sizing.TO_TARGET:
        # "at target" = within a tenth of the band: closer would pay at the outside-band
        # weight for dollars of whole-share rounding, calling for extra small orders
        return hw * _TARGET_TOLERANCE
    if sizing is Sizing.HALFWAY:
        return hw / 2.0
    return hw


@dataclass(frozen=True, slots=True)
class PositionVar:
    """A (account, security) pair the plan may trade."""

    account: str
    symbol: str
    price_usd: float
    cost_rate: float
    whole_shares: bool
    held: float
    sell_col: int | None
    buy_col: int | None
    lot_ids: tuple[str, ...] = ()
    min_buy_shares: float = 0.0
    min_sell_shares: float = 0.0


@dataclass(frozen=True, slots=True)
class LotVar:
    """A taxable lot that may be sold."""

    lot: HeldLot
    col: int
    gain_per_share_usd: float
    term: Term
    harvestable: bool
    loss_net_of_cost: bool = False  # proceeds net of the selling cost below basis (§1091)


BucketKey = tuple[str, str, Term, bool, bool, bool]
"""(account, symbol, term, free of the tidy cost, a §1091 loss, a loss not worth
harvesting): lots of one bucket differ only in their gain per share."""


@dataclass(frozen=True, slots=True)
class LotFact:
    """What the model needs of one taxable lot (computed once per plan).

    ``ub`` is the shares that may be sold (0 when held for a step-up at a gain, when a
    recent purchase would wash its loss, or when its date is unknown and it is at a loss).
    """

    lot: HeldLot
    gain_per_share_usd: float
    term: Term
    ub: float
    harvestable: bool
    net_loss: bool  # proceeds net of the selling cost below basis (§1091)
    free: bool  # a reason to sell by itself: no tidy cost
    unknown_loss: bool


_CHUNK_TOL = 1e-7
"""Shares on a chunk's column at or below which it counts as unsold (solver noise)."""


@dataclass(frozen=True, slots=True)
class ChunkVar:
    """Lazy model: lots ``start:stop`` of a bucket (sorted by gain per share), more than
    one, modelled together by the parallelogram of their (shares, gain) — a column at
    the lowest gain per share (``lo_col``, at most ``lo_ub`` shares) and one at the
    highest (``hi_col``, at most ``hi_ub``; −1 when all gains per share are equal and
    ``lo_col`` alone carries them at their common gain). Exact when unsold or sold whole.
    """

    bucket: BucketKey
    start: int
    stop: int
    lots: tuple[LotFact, ...]
    lo_col: int
    hi_col: int
    lo_ub: float
    hi_ub: float

    def used(self, x: FloatArray) -> float:
        """Shares of the chunk sold at ``x``."""
        return float(x[self.lo_col]) + (float(x[self.hi_col]) if self.hi_col >= 0 else 0.0)

    def exact_at(self, x: FloatArray, tol: float = _CHUNK_TOL) -> bool:
        """True when ``x`` sells none of the chunk, all of it, or (equal gains per share)
        any part of it: then the lots realize exactly the modelled gain."""
        if self.hi_col < 0:
            return True
        lo, hi = float(x[self.lo_col]), float(x[self.hi_col])
        if lo <= tol and hi <= tol:
            return True
        return lo >= self.lo_ub - tol and hi >= self.hi_ub - tol


def taxable_lot_facts(h: Household, settings: PlanSettings, guard: PlanGuard,
                      ) -> dict[tuple[str, str], tuple[LotFact, ...]]:
    """:class:`LotFact` of every lot of a tradable security in a taxable account, by
    (account, symbol), in the household's lot order."""
    taxable = {a.id for a in h.accounts if a.taxable}
    harvest_on = h.harvest.enabled if settings.harvest is None else settings.harvest
    min_loss_usd, min_loss_frac = h.harvest.min_loss_usd, h.harvest.min_loss_frac
    zero_on = (h.realize_zero_bracket_gains if settings.realize_zero_bracket_gains is None
               else settings.realize_zero_bracket_gains)
    zero_room = zero_rate_lt_room(h.tax_profile()) if zero_on else 0.0
    zero_free = bool(zero_on and zero_room > 0)  # a long-term gain is free of the tidy cost
    step_up = bool(h.hold_for_step_up)
    as_of = h.as_of
    # What depends on the security alone, once per security rather than per lot (a loop
    # over 50,000 lots): price, price net of the selling cost, and whether a recent
    # purchase of its group may wash a loss (else the wash check is skipped).
    per_symbol = {
        s.symbol: (s.price_usd, s.price_usd * (1.0 - s.cost_bps / 1e4),
                   h.wash_sale.avoid and guard.has_replacements(s.symbol))
        for s in h.securities if s.tradable}
    out: dict[tuple[str, str], list[LotFact]] = defaultdict(list)
    term_since: dict[date, Term] = {}
    for lot in h.lots:
        if lot.account not in taxable or lot.symbol not in per_symbol:
            continue
        price, net_price, may_wash = per_symbol[lot.symbol]
        quantity = lot.quantity
        basis = lot.cost_basis_usd or 0.0
        gain_ps = price - basis / quantity
        start = lot.holding_period_start or as_of
        term = term_since.get(start)
        if term is None:
            term = term_since[start] = Term.LONG if is_long_term(start, as_of) else Term.SHORT
        ub = quantity
        if gain_ps > 0 and step_up and h.held_for_step_up(lot):
            ub = 0.0  # held for a basis step-up: never sold at a gain
        # (only a loss can be worth harvesting: the test is skipped for gains)
        harvestable = harvest_on and gain_ps < 0 and worth_harvesting(
            -gain_ps * quantity, basis, min_loss_usd, min_loss_frac)
        # A sale is a loss for §1091 when its proceeds net of the selling cost are below
        # the basis: a lot sold at its basis price loses the cost, and is washed too.
        net_loss = net_price * quantity < basis
        if net_loss and may_wash and guard.loss_sale_check(lot, net_price).washed:
            ub = 0.0  # a recent purchase of the group would wash this loss (§1091(a))
        unknown_loss = net_loss and not lot.date_known
        if unknown_loss:
            # built from a position at its average cost (docs/imports.md): the loss's
            # amount and term are unknown, so it is never realized (conservative)
            ub = 0.0
        # A harvestable loss, or a long-term gain the 0 % room can take, is a reason to
        # sell by itself: no tidy cost on those shares.
        free = (harvestable and gain_ps < 0) or (
            zero_free and gain_ps > 0 and term is Term.LONG)
        out[(lot.account, lot.symbol)].append(LotFact(
            lot=lot, gain_per_share_usd=gain_ps, term=term, ub=ub, harvestable=harvestable,
            net_loss=net_loss, free=free, unknown_loss=unknown_loss))
    return {k: tuple(v) for k, v in out.items()}


def lot_buckets(facts: tuple[LotFact, ...],
                ) -> dict[tuple[Term, bool, bool, bool], list[LotFact]]:
    """Sellable lots (``ub > 0``) of one position grouped by what, besides the gain per
    share, decides their objective and rows; each group sorted by gain per share (then
    lot order). Key: (term, free, §1091 loss, loss not worth harvesting)."""
    out: dict[tuple[Term, bool, bool, bool], list[tuple[float, int, LotFact]]] = defaultdict(list)
    for i, f in enumerate(facts):
        if f.ub > 0:
            g = f.gain_per_share_usd
            out[(f.term, f.free, f.net_loss, g < 0 and not f.harvestable)].append((g, i, f))
    # (gain, index, fact) tuples sort by gain, then index (unique: the fact is never
    # compared), as the key (gain, index) would, without a key call per lot
    return {k: [f for _, _, f in sorted(v)]
            for k, v in sorted(out.items(), key=lambda kv: (kv[0][0].value, *kv[0][1:]))}



@dataclass(frozen=True, slots=True)
class SparseMatrix:
    """A constraint matrix in compressed columns (what HiGHS takes), duplicates summed.

    Built with numpy alone: importing ``scipy.sparse`` for this cost ~0.35 s of every
    ``rebal plan`` (a third of its start-up)."""

    shape: tuple[int, int]
    start: np.ndarray  # (n_cols + 1,) int32
    index: np.ndarray  # (nnz,) int32 row of each value
    value: FloatArray  # (nnz,)

    @classmethod
    def from_triplets(cls, rows: list[int], cols: list[int], vals: list[float],
                      shape: tuple[int, int]) -> SparseMatrix:
        m, n = shape
        r = np.asarray(rows, dtype=np.int64)
        c = np.asarray(cols, dtype=np.int64)
        v = np.asarray(vals, dtype=np.float64)
        keys = c * max(m, 1) + r
        order = np.argsort(keys, kind="stable")
        keys, v = keys[order], v[order]
        uniq, first = np.unique(keys, return_index=True)
        summed = np.add.reduceat(v, first) if v.size else v
        col_of = uniq // max(m, 1)
        start = np.searchsorted(col_of, np.arange(n + 1)).astype(np.int32)
        return cls(shape=(m, n), start=start, index=(uniq % max(m, 1)).astype(np.int32),
                   value=summed.astype(np.float64))

    def toarray(self) -> FloatArray:
        """The dense matrix (tests and debugging)."""
        out = np.zeros(self.shape)
        for j in range(self.shape[1]):
            lo, hi = self.start[j], self.start[j + 1]
            out[self.index[lo:hi], j] += self.value[lo:hi]
        return out


@dataclass(frozen=True, slots=True)
class Problem:
    """``minimize c @ x  s.t.  row_lo <= A x <= row_hi,  lb <= x <= ub``, some x integer.

    Besides the arrays it keeps the maps the decoder needs.
    """

    c: FloatArray
    a_matrix: SparseMatrix
    row_lo: FloatArray
    row_hi: FloatArray
    lb: FloatArray
    ub: FloatArray
    integrality: np.ndarray
    positions: tuple[PositionVar, ...]
    lots: tuple[LotVar, ...]
    tax_cols: tuple[int, ...]
    tax_coefs: tuple[float, ...]
    investable_after_usd: float
    notes: tuple[str, ...] = ()
    wash_groups: tuple[str, ...] = ()
    row_names: tuple[str, ...] = field(default=(), repr=False)
    min_trade_after: bool = False
    chunks: tuple[ChunkVar, ...] = ()

    def idle_lots(self, positions: set[tuple[str, str]] | None = None,
                  ) -> tuple[LotFact, ...]:
        """Lazy model: the lots inside chunks (no column of their own), of the given
        (account, symbol) positions only when given."""
        return tuple(f for ch in self.chunks
                     if positions is None or (ch.bucket[0], ch.bucket[1]) in positions
                     for f in ch.lots)

    def inexact_chunks(self, x: FloatArray) -> list[ChunkVar]:
        """Lazy model: the chunks ``x`` sells in part (their lots' gain is not known)."""
        return [ch for ch in self.chunks if not ch.exact_at(x)]

    def chunk_lot_shares(self, x: FloatArray, positions: set[tuple[str, str]] | None = None,
                         ) -> dict[str, float]:
        """Lazy model: shares sold of each lot inside a chunk at ``x`` (all chunks exact):
        whole lots of a chunk sold whole; a flat chunk's shares in lot order. Of the
        given (account, symbol) positions only when given."""
        out: dict[str, float] = {}
        for ch in self.chunks:
            if positions is not None and (ch.bucket[0], ch.bucket[1]) not in positions:
                continue
            left = ch.used(x)
            # sold whole, or not at all: the test exact_at uses (a sale within its
            # tolerance of zero is none, not the whole chunk)
            full = ch.hi_col >= 0 and not (float(x[ch.lo_col]) <= _CHUNK_TOL
                                           and float(x[ch.hi_col]) <= _CHUNK_TOL)
            for f in ch.lots:
                take = f.ub if full else min(f.ub, max(left, 0.0))
                out[f.lot.id] = take
                left -= take
        return out

    @property
    def n_variables(self) -> int:
        return int(self.c.size)

    @property
    def n_integer(self) -> int:
        return int(np.count_nonzero(self.integrality))

    @property
    def n_constraints(self) -> int:
        return int(self.a_matrix.shape[0])

    def tax_estimate(self, x: FloatArray) -> float:
        """The linear model's extra-tax estimate at ``x`` (dollars)."""
        return float(sum(c * x[j] for j, c in zip(self.tax_cols, self.tax_coefs, strict=True)))


class _Builder:
    """Collects columns and rows (COO) for the problem."""

    def __init__(self) -> None:
        self.c: list[float] = []
        self.lb: list[float] = []
        self.ub: list[float] = []
        self.kind: list[int] = []
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []
        self.lo: list[float] = []
        self.hi: list[float] = []
        self.names: list[str] = []

    def copy(self) -> _Builder:
        """An independent copy (the lists copied)."""
        out = _Builder()
        for name in ("c", "lb", "ub", "kind", "rows", "cols", "vals", "lo", "hi", "names"):
            setattr(out, name, list(getattr(self, name)))
        return out

    def var(self, lb: float = 0.0, ub: float = math.inf, cost: float = 0.0,
            kind: int = _CONT) -> int:
        self.c.append(cost)
        self.lb.append(lb)
        self.ub.append(ub)
        self.kind.append(kind)
        return len(self.c) - 1

    def row(self, terms: dict[int, float] | list[tuple[int, float]], lo: float, hi: float,
            name: str = "") -> int:
        r = len(self.lo)
        items = list(terms.items()) if isinstance(terms, dict) else terms
        if items:
            cols, vals = zip(*items, strict=True)
            if 0.0 in vals:  # zeros dropped (rare: filtered only when present)
                nz = [(j, v) for j, v in items if v != 0.0]
                cols, vals = zip(*nz, strict=True) if nz else ((), ())
            self.rows.extend([r] * len(cols))
            self.cols.extend(cols)
            self.vals.extend(map(float, vals))
        self.lo.append(lo)
        self.hi.append(hi)
        self.names.append(name)
        return r

    def row_terms(self, terms: tuple[list[int], list[float]], extra: list[tuple[int, float]],
                  lo: float, hi: float, name: str = "") -> int:
        """:meth:`row` of ``terms`` (columns, values — from :func:`_split_terms`, no zero)
        followed by ``extra`` (nonzero): the same entries, without re-splitting ``terms``."""
        r = len(self.lo)
        cols, vals = terms
        n = len(cols) + len(extra)
        self.rows.extend([r] * n)
        self.cols.extend(cols)
        self.vals.extend(vals)
        for j, v in extra:
            self.cols.append(j)
            self.vals.append(float(v))
        self.lo.append(lo)
        self.hi.append(hi)
        self.names.append(name)
        return r


_Segment = tuple[tuple[tuple[int, ...], ...], int, list[float], list[float], list["LotVar"],
                 list["ChunkVar"], list[tuple[int, float]], list[int]]
"""A position's lot columns in a lazy round: (its buckets' cuts, first column, costs,
upper bounds, lot variables, chunks, the ``lots`` row's terms, columns not free)."""


def _replay_segment(b: _Builder, seg: _Segment, segments: dict[tuple[str, str], _Segment],
                    key: tuple[str, str], lot_vars: list[LotVar], chunks: list[ChunkVar],
                    lot_var_cache: dict[tuple[str, int, float], LotVar],
                    ) -> tuple[list[tuple[int, float]], list[int]]:
    """Append the lot columns ``seg`` recorded to ``b`` (and its lot variables and chunks
    to ``lot_vars`` and ``chunks``), moved to start at the next column; returns the
    ``lots`` row's terms and the columns not free. ``segments[key]`` is updated to the
    moved columns."""
    cut_sig, start, costs, ubs, lvs, chs, terms, paid = seg
    base = len(b.c)
    n = len(costs)
    b.c.extend(costs)
    b.lb.extend([0.0] * n)
    b.ub.extend(ubs)
    b.kind.extend([_CONT] * n)
    shift = base - start
    if shift:
        terms = [terms[0], *((j + shift, v) for j, v in terms[1:])]
        paid = [j + shift for j in paid]
        moved = []
        for lv in lvs:
            k = (lv.lot.id, lv.col + shift, lv.gain_per_share_usd)
            new = lot_var_cache.get(k)
            if new is None:
                new = lot_var_cache[k] = LotVar(
                    lot=lv.lot, col=lv.col + shift, gain_per_share_usd=lv.gain_per_share_usd,
                    term=lv.term, harvestable=lv.harvestable,
                    loss_net_of_cost=lv.loss_net_of_cost)
            moved.append(new)
        lvs = moved
        chs = [ChunkVar(c.bucket, c.start, c.stop, c.lots, c.lo_col + shift,
                        c.hi_col + shift if c.hi_col >= 0 else -1, c.lo_ub, c.hi_ub)
               for c in chs]
        segments[key] = (cut_sig, base, costs, ubs, lvs, chs, terms, paid)
    lot_vars.extend(lvs)
    chunks.extend(chs)
    return terms, paid


def _seq_sum(a: FloatArray) -> float:
    """Sum of ``a`` added left to right, as the loop it replaced did (numpy's pairwise
    ``sum`` rounds differently): the model's bounds stay the same to the bit, and so does
    the solver's path, which is sensitive to them."""
    return float(np.cumsum(a)[-1]) if a.size else 0.0


def _split_terms(terms: list[tuple[int, float]]) -> tuple[list[int], list[float]]:
    """(columns, values as floats) of ``terms``, zeros dropped as :meth:`_Builder.row` does."""
    nz = [(j, v) for j, v in terms if v != 0.0]
    return [j for j, _ in nz], [float(v) for _, v in nz]


def _add_schedule(b: _Builder, schedule: GainTaxSchedule, total_col: int, *, sign: float,
                  extra_rate: float = 0.0, floor_rate: float = 0.0,
                  extra_rates: list[float] | None = None,
                  ) -> tuple[list[int], list[float]]:
    """Segments of ``schedule`` summing to ``total_col``.

    ``sign`` = +1 for a cost (gain tax), −1 for a benefit (loss saving). Fill order is
    automatic when the curve is convex (cost) / concave (benefit); otherwise order
    binaries force segment k to be full before k+1 starts (SOS2-like).
    ``extra_rates``: objective-only rates per segment of positive width (the value of
    carryforward a gain uses up, :func:`carryforward_use_rates`).
    Returns the (cols, tax coefficients) of the estimate.
    """
    segs = [s for s in schedule.segments if s.width_usd > 0]
    cols: list[int] = []
    coefs: list[float] = []
    rates = []
    for k, s in enumerate(segs):
        rate = s.rate
        obj_rate = max(rate, floor_rate) + extra_rate + (extra_rates[k] if extra_rates else 0.0)
        j = b.var(0.0, s.width_usd, sign * obj_rate)
        cols.append(j)
        coefs.append(sign * rate)
        rates.append(sign * obj_rate)
    b.row([(j, 1.0) for j in cols] + [(total_col, -1.0)], 0.0, 0.0, "schedule")
    # Minimizing: the LP fills cheapest segments first; the order is right iff the
    # objective rates never fall along the curve.
    ordered = all(r2 >= r1 - 1e-12 for r1, r2 in itertools.pairwise(rates))
    if not ordered:
        for k in range(len(cols) - 1):
            y = b.var(0.0, 1.0, 0.0, _INT)
            b.row([(cols[k], 1.0), (y, -segs[k].width_usd)], 0.0, math.inf, "fill_k")
            b.row([(cols[k + 1], 1.0), (y, -segs[k + 1].width_usd)], -math.inf, 0.0, "fill_k1")
    return cols, coefs


def _semi_to_binary(b: _Builder) -> dict[int, int]:
    """Write every semi-continuous order (0 or between its minimum and its bound) with an
    explicit binary ``y``: ``min·y ≤ x ≤ bound·y``. The binary carries a cost of
    :data:`_ORDER_COST_USD` per order in the objective, so of two equally good plans the
    one with fewer orders wins (no buy split over two funds of a class for nothing)."""
    base = {_SEMI: _CONT, _SEMI_INT: _INT}
    binary: dict[int, int] = {}
    for j in range(len(b.c)):
        kind = b.kind[j]
        if kind not in base:
            continue
        lo, hi = b.lb[j], b.ub[j]
        b.kind[j] = base[kind]
        b.lb[j] = 0.0
        y = b.var(0.0, 1.0, _ORDER_COST_USD, _INT)
        b.row([(j, 1.0), (y, -lo)], 0.0, math.inf, "min_trade")
        b.row([(j, 1.0), (y, -hi)], -math.inf, 0.0, "max_trade")
        binary[j] = y
    return binary


def carryforward_use_rates(profile: TaxProfile, schedule: GainTaxSchedule, value: float,
                           ) -> list[float] | None:
    """Objective dollars per dollar of gain for the loss carryforward a gain uses up, per
    segment of ``schedule`` of positive width: ``value`` × (carryforward to next year at
    the segment's start − at its end) ÷ its width, from the tax engine
    (:func:`rebal.tax.marginal.extra_tax_detail`). A gain offset by a carryover costs no
    tax this year but leaves less loss for later years, which the objective prices at
    ``value`` per dollar as it prices a loss carried (the loss schedule's floor). ``None``
    when there is no carryover into the year or ``value`` is 0."""
    from rebal.tax.marginal import extra_tax_detail

    if value <= 0 or profile.st_carryforward + profile.lt_carryforward <= 0:
        return None
    short = schedule.term is Term.SHORT

    def carried(x: float) -> float:
        d = extra_tax_detail(profile, st=x) if short else extra_tax_detail(profile, lt=x)
        return d.carryforward_after

    out = []
    for seg in schedule.segments:
        if seg.width_usd > 0:
            used = carried(seg.start_usd) - carried(seg.start_usd + seg.width_usd)
            out.append(value * max(0.0, used) / seg.width_usd)
    return out


def _loss_schedule(profile: TaxProfile, max_loss: float) -> GainTaxSchedule:
    """Tax saved by x dollars of net loss, as a schedule in x (rates = savings per dollar).

    Built from the gain schedule of the profile shifted by −max_loss: saving(x) =
    tax(0) − tax(−x) = G(max_loss) − G(max_loss − x) with G the ST-gain curve from there.
    """
    shifted = profile.with_realized(st=-max_loss)
    g = gain_tax_schedule(shifted, Term.SHORT, max_loss)
    from rebal.tax.marginal import TaxSegment

    segs = []
    for s in reversed(g.segments):
        start = max_loss - (s.start_usd + s.width_usd)
        segs.append(TaxSegment(start, s.width_usd, s.rate))
    return GainTaxSchedule(term=Term.SHORT, max_gain_usd=max_loss, segments=tuple(segs))


def _candidate_buys(h: Household, held: dict[tuple[str, str], float]) -> dict[str, set[str]]:
    """Securities each account may buy: all tradable ones for small households; else
    those held in the account, their substitutes, and one default per class."""
    tradable = [s for s in h.securities if s.tradable]
    out: dict[str, set[str]] = {}
    if len(tradable) <= 60:
        return {a.id: {s.symbol for s in tradable} for a in h.accounts}
    defaults: dict[str, str] = {}
    for s in tradable:
        cls = s.asset_class
        if cls is not None and cls not in defaults:
            defaults[cls] = s.symbol
    subs = {s.symbol: s.substitutes for s in h.securities}
    ok = {s.symbol for s in tradable}
    for a in h.accounts:
        mine = {sym for (acc, sym) in held if acc == a.id and sym in ok}
        extra = {x for sym in mine for x in subs[sym] if x in ok}
        out[a.id] = mine | extra | set(defaults.values())
    return out


def build_problem(
    h: Household,
    settings: PlanSettings,
    guard: PlanGuard,
    *,
    tax_cap_usd: float | None = None,
    hard_bands: bool | None = None,
    integer_shares: bool | None = None,
    lot_facts: Mapping[tuple[str, str], tuple[LotFact, ...]] | None = None,
    exact: Mapping[BucketKey, tuple[int, ...]] | None = None,
    lot_groups: Mapping[tuple[str, str], Mapping[tuple[Term, bool, bool, bool], list[LotFact]]]
    | None = None,
    memo: dict | None = None,
) -> Problem:
    """The MILP for ``h`` (see the module docstring).

    Parameters
    ----------
    tax_cap_usd
        Hard cap on the model's extra-tax estimate (dollars); ``None`` = none.
    hard_bands
        Every class inside its band after the plan; default from ``settings.mode``.
    integer_shares
        Whole-share orders as integer variables (exact). ``False``: continuous shares,
        rounded afterwards by the caller. ``None``: exact when there are at most
        :data:`MAX_EXACT_INTEGERS` such variables (branch-and-bound on thousands of share
        counts is slow and gains at most one share per position).
    lot_facts, lot_groups
        :func:`taxable_lot_facts` of ``h`` and ``settings``, and :func:`lot_buckets` of
        each position's, when already computed.
    memo
        A dict kept between builds of one household and settings (the lazy model's
        rounds): what does not depend on the chunks is computed once.
    exact
        ``None``: one column per taxable lot (the exact model). Otherwise the *lazy*
        model, a relaxation of it: each bucket of interchangeable lots
        (:func:`lot_buckets`, sorted by gain per share) is cut into chunks at the given
        indices (none: one chunk); a chunk of one lot is its column, a chunk of more is
        two columns (:class:`ChunkVar`) whose (shares, gain) span the parallelogram
        around every partial sale of its lots. A lot's objective and rows are affine in
        its gain per share within a bucket, so every sale of the lots is a point of the
        lazy model with the same objective: its optimum is at most the exact one's. A
        solution that sells each chunk wholly or not at all is a solution of the exact
        model with the same objective, hence optimal for it too
        (:func:`rebal.planner.plan` refines the chunks sold in part until none is).
    """
    if hard_bands is None:
        hard_bands = settings.mode is PlanMode.FULL_REBALANCE
    b = _Builder()
    notes: list[str] = []
    sec = {s.symbol: s for s in h.securities}
    acct = {a.id: a for a in h.accounts}
    memo = {} if memo is None else memo

    def once(key: object, fn: Callable[[], T]) -> T:
        if key not in memo:
            memo[key] = fn()
        return memo[key]  # type: ignore[no-any-return]

    profile = once("profile", h.tax_profile)
    zero_on = (h.realize_zero_bracket_gains if settings.realize_zero_bracket_gains is None
               else settings.realize_zero_bracket_gains)

    lots_by_pos: dict[tuple[str, str], list[HeldLot]] = defaultdict(list)
    held: dict[tuple[str, str], float] = defaultdict(float)

    def by_position() -> tuple[dict, dict]:
        for lot in h.lots:
            lots_by_pos[(lot.account, lot.symbol)].append(lot)
            held[(lot.account, lot.symbol)] += lot.quantity
        return lots_by_pos, held

    lots_by_pos, held = once("by_position", by_position)
    w0 = once("w0", lambda: investable_value_usd(h))
    flows = sum(a.pending_flow_usd for a in h.accounts)
    w_after = w0 + flows
    buys_ok = once("buys_ok", lambda: _candidate_buys(h, held))

    # ---------------------------------------------------------------- positions
    positions: list[PositionVar] = []
    lot_vars: list[LotVar] = []
    cash_terms: dict[str, list[tuple[int, float]]] = defaultdict(list)
    delta_terms: dict[str, list[tuple[int, float]]] = defaultdict(list)  # class → $ change
    cost_terms: list[tuple[int, float]] = []  # dollars of trading cost
    tidy = tidy_cost_per_usd(settings)
    # The position columns and rows do not depend on the lazy model's chunks nor on the
    # tax cap: built once per household and settings, copied in later rounds.
    saved = memo.get("positions")
    if saved is None:
        loc_rank: dict[tuple[str, str], int] = {}
        if settings.use_location:
            for t in h.targets:
                if t.location:
                    for a in h.accounts:
                        r = t.location.index(a.type) if a.type in t.location else len(t.location)
                        loc_rank[(t.asset_class, a.id)] = r
        buy_cap = max(w_after, 0.0) + sum(a.cash_usd for a in h.accounts) + 1.0

        def kind_and_lb(min_trade: float, whole: bool, price: float, ub: float, *, sell: bool,
                        ) -> tuple[int, float]:
            """Variable kind and lower bound of an order: 0 or at least ``min_trade`` dollars
            (whole shares: at least one share); a sale may always empty a smaller position."""
            if min_trade > 0:
                lo = min_trade / price
                # whole shares: at least one; fractions: rounded up to the 1e-6 share the
                # orders are rounded to, so a buy rounded down stays at the minimum
                lo = math.ceil(lo - 1e-9) if whole else math.ceil(lo * 1e6 - 1e-6) / 1e6
                if lo > ub:
                    if not sell:
                        return (-1, 0.0)  # cannot buy at the minimum size
                    lo = ub
                return (_SEMI_INT if whole else _SEMI, lo)
            return (_INT if whole else _CONT, 0.0)

        acct_pos = {a.id: i for i, a in enumerate(h.accounts)}
        sec_pos = {s.symbol: i for i, s in enumerate(h.securities)}
        keys = sorted(set(held) | {(a, s) for a, syms in buys_ok.items() for s in syms},
                      key=lambda k: (acct_pos[k[0]], sec_pos[k[1]]))
        for key in keys:
            a_id, symbol = key
            s = sec[symbol]
            a = acct[a_id]
            if not s.tradable:
                continue
            price = s.price_usd
            rate = s.cost_bps / 1e4
            whole = a.whole_shares
            qty = held.get(key, 0.0)
            sell_col = buy_col = None
            min_buy = min_sell = 0.0
            lot_ids: tuple[str, ...] = ()
            loc_cost = sum(loc_rank.get((c, a_id), 0) * f for c, f in s.look_through)
            loc_cost *= settings.location_weight * price
            if settings.use_location:  # foreign tax is creditable only in taxable accounts
                loc_cost += foreign_tax_lost_rate(a, s) * price
            min_trade = settings.min_trade_usd if a.min_trade_usd is None else a.min_trade_usd
            if qty > 0:
                ub = math.floor(qty + 1e-9) if whole else qty
                kind, lo = kind_and_lb(min_trade, whole, price, ub, sell=True)
                min_sell = lo
                if kind >= 0 and ub > 0:
                    sell_col = b.var(lo, ub, (rate + _TURNOVER_PENALTY + tidy) * price - loc_cost,
                                     kind)
            if symbol in buys_ok.get(a_id, ()) and not once(
                    ("blocked", symbol, a_id),
                    lambda symbol=symbol, a_id=a_id: guard.buy_blocked(symbol, a_id)):
                ub = buy_cap / price
                ub = math.floor(ub) if whole else ub
                kind, lo = kind_and_lb(min_trade, whole, price, ub, sell=False)
                if kind >= 0:
                    min_buy = lo
                    # Ties go to funds the account already holds (fewer new positions).
                    new_fund = 0.0 if qty > 0 else _NEW_POSITION_PENALTY
                    buy_col = b.var(lo, ub, (rate + _TURNOVER_PENALTY + new_fund) * price + loc_cost,
                                    kind)
            if sell_col is None and buy_col is None:
                continue
            if sell_col is not None:
                cash_terms[a_id].append((sell_col, price * (1 - rate)))
                cost_terms.append((sell_col, price * rate))
                for c, f in s.look_through:
                    delta_terms[c].append((sell_col, -price * f))
                if a.taxable:
                    lot_ids = once(("lot_ids", key),
                                   lambda key=key: tuple(lot.id for lot in lots_by_pos[key]))
            if buy_col is not None:
                cash_terms[a_id].append((buy_col, -price * (1 + rate)))
                cost_terms.append((buy_col, price * rate))
                for c, f in s.look_through:
                    delta_terms[c].append((buy_col, price * f))
            positions.append(PositionVar(
                account=a_id, symbol=symbol, price_usd=price, cost_rate=rate, whole_shares=whole,
                held=qty, sell_col=sell_col, buy_col=buy_col, lot_ids=lot_ids,
                min_buy_shares=min_buy, min_sell_shares=min_sell,
            ))

        # FX conversions netted per account and currency (rebal.planner.currency)
        add_fx_conversions(b, h, positions, cash_terms, cost_terms)
        memo["positions"] = (b.copy(), list(positions),
                             {k: list(v) for k, v in cash_terms.items()},
                             {k: list(v) for k, v in delta_terms.items()}, list(cost_terms))
    else:
        b = saved[0].copy()
        positions = list(saved[1])
        cash_terms.update((k, list(v)) for k, v in saved[2].items())
        delta_terms.update((k, list(v)) for k, v in saved[3].items())
        cost_terms = list(saved[4])

    share_cols = [j for pos in positions for j in (pos.sell_col, pos.buy_col)
                  if j is not None and pos.whole_shares]
    if integer_shares is None:
        integer_shares = len(share_cols) <= MAX_EXACT_INTEGERS
    # Rounding continuous share counts moves a class by up to one share per order: keep
    # that much inside the band edges (capped at half the band).
    # Fractional orders are rounded to 1e-6 share (buys down), also kept inside.
    round_margin: dict[str, float] = defaultdict(float)
    for pos in positions:
        step = (1.0 if not integer_shares else 0.0) if pos.whole_shares else 1e-6
        for c, f in sec[pos.symbol].look_through:
            round_margin[c] += step * pos.price_usd * f

    # ---------------------------------------------------------------- taxable lots
    facts = lot_facts if lot_facts is not None else taxable_lot_facts(h, settings, guard)
    paid_lot_cols: dict[tuple[str, str], list[int]] = {}  # a position's lots, not free
    lot_rows: list[tuple[int, list[tuple[int, float]]]] = []
    chunks: list[ChunkVar] = []
    sold_facts: list[LotFact] = []  # every lot of a position that may be sold
    lot_var_cache: dict[tuple[str, int, float], LotVar] = once("lot_vars", dict)
    b_c, b_lb, b_ub, b_kind = b.c, b.lb, b.ub, b.kind  # (b.var inlined: ~6,000 lot columns)
    segments: dict[tuple[str, str], _Segment] = once("segments", dict)
    for pos in positions:
        if pos.sell_col is None or not pos.lot_ids:
            continue
        terms = [(pos.sell_col, 1.0)]
        pos_facts = facts[(pos.account, pos.symbol)]
        sold_facts.extend(pos_facts)
        paid = paid_lot_cols[(pos.account, pos.symbol)] = []

        def add_col(f: LotFact, ub: float, gain_ps: float, lot_list: list[LotVar],
                    terms: list[tuple[int, float]] = terms, paid: list[int] = paid,
                    free_cost: float = -tidy * pos.price_usd) -> int:
            col = len(b_c)
            if f.free:
                b_c.append(free_cost)
            else:
                b_c.append(0.0)
                paid.append(col)
            b_lb.append(0.0)
            b_ub.append(ub)
            b_kind.append(_CONT)
            terms.append((col, -1.0))
            key = (f.lot.id, col, gain_ps)  # the lazy rounds rebuild many columns unchanged
            lv = lot_var_cache.get(key)
            if lv is None:
                lv = lot_var_cache[key] = LotVar(
                    lot=f.lot, col=col, gain_per_share_usd=gain_ps, term=f.term,
                    harvestable=f.harvestable, loss_net_of_cost=f.net_loss)
            lot_list.append(lv)
            return col

        if exact is None:  # every lot a column (the exact model)
            for f in pos_facts:
                add_col(f, f.ub, f.gain_per_share_usd, lot_vars)
        else:
            groups = (lot_groups[(pos.account, pos.symbol)] if lot_groups is not None
                      else lot_buckets(pos_facts))
            # A position whose buckets have the cuts of an earlier round gets that round's
            # columns again (shifted when the columns before it changed).
            cut_sig = tuple(exact.get((pos.account, pos.symbol, *key), ()) for key in groups)
            seg = segments.get((pos.account, pos.symbol))
            if seg is not None and seg[0] == cut_sig:
                terms, paid = _replay_segment(b, seg, segments, (pos.account, pos.symbol),
                                              lot_vars, chunks, lot_var_cache)
                paid_lot_cols[(pos.account, pos.symbol)] = paid
                lot_rows.append((pos.sell_col, terms))
                continue
            start_col, start_lv, start_ch = len(b_c), len(lot_vars), len(chunks)
            for key, bucket in groups.items():
                bkey: BucketKey = (pos.account, pos.symbol, *key)
                cuts = [0, *exact.get(bkey, ()), len(bucket)]
                for lo, hi in itertools.pairwise(cuts):
                    part = bucket[lo:hi]
                    if len(part) == 1:
                        add_col(part[0], part[0].ub, part[0].gain_per_share_usd, lot_vars)
                        continue
                    cum_q, cum_g = once(("cum", bkey), lambda bucket=bucket: (
                        np.cumsum([0.0] + [f.ub for f in bucket]),
                        np.cumsum([0.0] + [f.ub * f.gain_per_share_usd for f in bucket])))
                    q = float(cum_q[hi] - cum_q[lo])
                    g_full = float(cum_g[hi] - cum_g[lo])
                    g_lo, g_hi = part[0].gain_per_share_usd, part[-1].gain_per_share_usd
                    if g_hi - g_lo <= _FLAT_GAIN:  # one gain per share: one column
                        col = add_col(part[0], q, g_full / q, lot_vars)
                        chunks.append(ChunkVar(bkey, lo, hi, part, col, -1, q, 0.0))
                    else:
                        # The parallelogram: the lo end (gain g_lo) up to A shares, the hi
                        # end (g_hi) up to B, A + B = q and g_lo·A + g_hi·B = the chunk's gain.
                        ub_hi = (g_full - g_lo * q) / (g_hi - g_lo)
                        ub_hi = min(max(ub_hi, 0.0), q)
                        ub_lo = q - ub_hi
                        c_lo = add_col(part[0], ub_lo, g_lo, lot_vars)
                        c_hi = add_col(part[0], ub_hi, g_hi, lot_vars)
                        chunks.append(ChunkVar(bkey, lo, hi, part, c_lo, c_hi, ub_lo, ub_hi))
            segments[(pos.account, pos.symbol)] = (
                cut_sig, start_col, b_c[start_col:], b_ub[start_col:], lot_vars[start_lv:],
                chunks[start_ch:], terms, paid)
        lot_rows.append((pos.sell_col, terms))
    unknown_losses = once(("unknown_losses", len(sold_facts)), lambda: [
        f"{f.lot.symbol} in {f.lot.account}" for f in sold_facts if f.unknown_loss])
    for _, terms in lot_rows:
        b.row(terms, 0.0, 0.0, "lots")
    unknown = once("unknown", lambda: [lot for lot in h.lots if not lot.date_known])
    if unknown:
        notes.append(
            f"{len(unknown)} lot(s) have an unknown acquisition date (built from broker "
            "positions at their average cost): each is treated as bought on "
            f"{h.as_of.isoformat()} — a gain on it is short term, and it counts as a purchase "
            "in its wash-sale group's window"
            + (f"; not sold at a loss: {', '.join(dict.fromkeys(unknown_losses))}"
               if unknown_losses else "")
            + ". Import the broker's lots to lift this.")

    # ---------------------------------------------------------------- cash
    # Cash left above the reserve is uninvested: a small penalty (between the 2nd and 3rd
    # inside-band piece) invests it unless that would push a class deep into its band.
    idle_cols: dict[str, int] = {}
    for a in h.accounts:
        have = a.cash_usd + a.pending_flow_usd - a.min_cash_usd
        idle = idle_cols[a.id] = b.var(0.0, math.inf, settings.inside_weight * _IDLE_CASH_WEIGHT)
        b.row([*cash_terms.get(a.id, []), (idle, -1.0)], -have, -have, f"cash:{a.id}")
    need = reserve_need(h)  # private funds' capital-call reserve (planner/alternatives.py)
    if need is not None:
        add_reserve_rows(b, need, idle_cols, positions, tidy)
    if h.private_funds:  # a liquid substitute above its share is sold without tidy cost
        free_substitute_sales(b, h, positions, tidy, w_after)

    # ---------------------------------------------------------------- allocation
    values0 = once("values0", lambda: class_values(h))
    for t in h.targets:
        c = t.asset_class
        dev0 = values0[c] - t.weight * w_after
        # the class's own terms do not change between the lazy rounds: split once
        fixed = once(("dev_terms", c, t.weight), lambda c=c, t=t: _split_terms(
            list(delta_terms.get(c, [])) + [(j, t.weight * v) for j, v in cost_terms]))
        terms: list[tuple[int, float]] = []
        hw_aim = sized_half_width(t, values0[c] / w0 if w0 > 0 else t.weight)
        width = hw_aim * max(w_after, 0.0)
        margin = min(round_margin[c], width / 2.0)
        width -= margin
        pieces = [(width / 3.0, settings.inside_weight * k) for k in (1, 2, 3)]
        if settings.band_slack_usd > 0:
            pieces.append((settings.band_slack_usd, settings.inside_weight * 3))
        for sign in (1.0, -1.0):
            for wdt, wt in pieces:
                j = b.var(0.0, wdt, wt)
                terms.append((j, -sign))
            j = b.var(0.0, math.inf, settings.outside_weight)
            terms.append((j, -sign))
        b.row_terms(fixed, terms, -dev0, -dev0, f"dev:{c}")
        if hard_bands:
            hw = max(t.half_width - _HARD_BAND_TOL - margin / max(w_after, 1e-9), 0.0)
            up, lo = t.weight + hw, t.weight - hw
            for w_, lo_, hi_, name in ((up, -math.inf, up * w_after - values0[c], "band_hi"),
                                       (lo, lo * w_after - values0[c], math.inf, "band_lo")):
                band = once(("band_terms", c, w_), lambda c=c, w_=w_: _split_terms(
                    list(delta_terms.get(c, [])) + [(j, w_ * v) for j, v in cost_terms]))
                b.row_terms(band, [], lo_, hi_, f"{name}:{c}")

    # ---------------------------------------------------------------- tax
    zero_room = zero_rate_lt_room(profile) if zero_on else 0.0
    tax_cols: list[int] = []
    tax_coefs: list[float] = []
    if lot_vars:
        st = [(lv.col, lv.gain_per_share_usd) for lv in lot_vars if lv.term is Term.SHORT]
        lt = [(lv.col, lv.gain_per_share_usd) for lv in lot_vars if lv.term is Term.LONG]
        # Bounds from the lots themselves (a tail column's range is wider than its lots')
        def lot_sums() -> tuple[float, float, float, float, float]:
            g = np.fromiter((f.gain_per_share_usd for f in sold_facts), np.float64,
                            len(sold_facts))
            u = np.fromiter((f.ub for f in sold_facts), np.float64, len(sold_facts))
            short = np.fromiter((f.term is Term.SHORT for f in sold_facts), bool,
                                len(sold_facts))
            g_st, u_st, g_lt, u_lt = g[short], u[short], g[~short], u[~short]
            return (_seq_sum(np.abs(g_st) * u_st) + 1.0,
                    _seq_sum(np.abs(g_lt) * u_lt) + 1.0,
                    _seq_sum(np.where(g_st > 0, g_st, 0.0) * u_st) + 1.0,
                    _seq_sum(np.where(g_lt > 0, g_lt, 0.0) * u_lt) + 1.0,
                    _seq_sum(np.concatenate([np.where(g_st < 0, -g_st, 0.0) * u_st,
                                             np.where(g_lt < 0, -g_lt, 0.0) * u_lt])) + 1.0)

        m_st, m_lt, g_st, g_lt, loss_max = once(("lot_sums", len(sold_facts)), lot_sums)

        def signed(pairs: list[tuple[int, float]], m: float) -> tuple[int, int]:
            pos_ = b.var(0.0, m)
            neg_ = b.var(0.0, m)
            z = b.var(0.0, 1.0, 0.0, _INT)
            b.row([(pos_, 1.0), (neg_, -1.0)] + [(j, -g) for j, g in pairs], 0.0, 0.0, "net")
            b.row([(pos_, 1.0), (z, -m)], -math.inf, 0.0, "net+")
            b.row([(neg_, 1.0), (z, m)], -math.inf, m, "net-")
            return pos_, neg_

        sp_, sn_ = signed(st, m_st)
        lp_, ln_ = signed(lt, m_lt)
        ordinary = b.var(0.0, g_st)
        pref = b.var(0.0, g_lt)
        net_loss = b.var(0.0, loss_max)
        z_total = b.var(0.0, 1.0, 0.0, _INT)
        b.row([(ordinary, 1.0), (sp_, -1.0), (ln_, 1.0)], 0.0, math.inf, "ordinary")
        b.row([(pref, 1.0), (lp_, -1.0), (sn_, 1.0)], 0.0, math.inf, "preferential")
        b.row([(ordinary, 1.0), (pref, 1.0), (net_loss, -1.0), (sp_, -1.0), (sn_, 1.0),
               (lp_, -1.0), (ln_, 1.0)], 0.0, 0.0, "netting")
        big = g_st + g_lt + loss_max
        b.row([(ordinary, 1.0), (pref, 1.0), (z_total, -big)], -math.inf, 0.0, "gain_side")
        b.row([(net_loss, 1.0), (z_total, big)], -math.inf, big, "loss_side")
        st_sched = once(("st", g_st), lambda: gain_tax_schedule(profile, Term.SHORT, g_st))
        lt_sched = once(("lt", g_lt), lambda: gain_tax_schedule(profile, Term.LONG, g_lt))
        loss_sched = once(("loss", loss_max), lambda: _loss_schedule(profile, loss_max))
        cf_value = settings.carryforward_value
        for sched, col, sign, floor, used in (
            (st_sched, ordinary, 1.0, 0.0, once(("cf_st", g_st), lambda: carryforward_use_rates(
                profile, st_sched, cf_value))),
            (lt_sched, pref, 1.0, 0.0, once(("cf_lt", g_lt), lambda: carryforward_use_rates(
                profile, lt_sched, cf_value))),
            (loss_sched, net_loss, -1.0, cf_value, None),
        ):
            cs, cf = _add_schedule(b, sched, col, sign=sign, floor_rate=floor, extra_rates=used)
            tax_cols += cs
            tax_coefs += cf
        if not (st_sched.is_convex and lt_sched.is_convex):
            notes.append("the tax curve is not convex here (existing losses, AMT or the "
                         "worksheet minimum): modelled with order binaries")
        # Losses not worth harvesting for their own sake: neutralize their tax benefit in
        # the objective so they are sold only when the allocation needs it.
        top_rate = max([s.rate for s in loss_sched.segments] + [settings.carryforward_value])
        for lv in lot_vars:
            if lv.gain_per_share_usd < 0 and not lv.harvestable:
                b.c[lv.col] += -lv.gain_per_share_usd * top_rate
        if zero_on and settings.zero_bracket_value > 0:
            room = zero_room
            if room > 0:
                zr = b.var(0.0, room, -settings.zero_bracket_value)
                b.row([(zr, 1.0), (pref, -1.0)], -math.inf, 0.0, "zero_room")
        if tax_cap_usd is not None:
            b.row(list(zip(tax_cols, tax_coefs, strict=True)), -math.inf, tax_cap_usd, "tax_cap")

    # ---------------------------------------------------------------- no round trips
    # An account never sells and buys the same class (a swap changes nothing but the
    # fund): one binary per (account, class) lets it do one or the other. In a taxable
    # account the sales that count are those of lots with no reason of their own — a
    # harvestable loss (sold with a substitute bought) and a long-term gain the 0 % room
    # takes (sold and bought back) are exempt. Without this a minimum trade could also
    # be dodged by selling $110 and buying $100 back. Single-class funds only.
    # Rows in dollars with tight bounds: sales ≤ the value sellable, buys ≤ the most the
    # account can spend (its cash and flow above the reserve plus everything it can sell).
    groups_rt: dict[tuple[str, str], tuple[list[tuple[int, float]], list[tuple[int, float]]]]
    groups_rt = defaultdict(lambda: ([], []))
    spendable: dict[str, float] = defaultdict(float)
    for a in h.accounts:
        spendable[a.id] += max(0.0, a.cash_usd + a.pending_flow_usd - a.min_cash_usd)
    for pos in positions:
        if pos.sell_col is not None:
            spendable[pos.account] += b.ub[pos.sell_col] * pos.price_usd
        look = sec[pos.symbol].look_through
        if len(look) != 1:
            continue
        sells_rt, buys_rt = groups_rt[(pos.account, look[0][0])]
        if pos.sell_col is not None:
            if acct[pos.account].taxable and pos.lot_ids:
                sells_rt.extend((j, pos.price_usd)
                                for j in paid_lot_cols.get((pos.account, pos.symbol), []))
            else:
                sells_rt.append((pos.sell_col, pos.price_usd))
        if pos.buy_col is not None:
            buys_rt.append((pos.buy_col, pos.price_usd))
    for key_rt, (sells_rt, buys_rt) in sorted(groups_rt.items()):
        if not sells_rt or not buys_rt or not _ONE_WAY:
            continue
        m_sell = sum(b.ub[j] * price for j, price in sells_rt)
        m_buy = spendable[key_rt[0]] + 1.0
        if m_sell <= 0:
            continue
        z = b.var(0.0, 1.0, 0.0, _INT)  # 1 = this account may sell the class, 0 = buy it
        b.row([*sells_rt, (z, -m_sell)], -math.inf, 0.0,
              f"one_way_sell:{key_rt[0]}:{key_rt[1]}")
        b.row([*buys_rt, (z, m_buy)], -math.inf, m_buy,
              f"one_way_buy:{key_rt[0]}:{key_rt[1]}")

    # ---------------------------------------------------------------- wash sales
    groups: list[str] = []
    if h.wash_sale.avoid:
        loss_by_group: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for lv in lot_vars:
            # a loss for §1091 net of the selling cost: a lot sold at its basis price is one
            if lv.loss_net_of_cost and b.ub[lv.col] > 0:
                loss_by_group[once(("group", lv.lot.symbol),
                                   lambda lv=lv: h.wash_group(lv.lot.symbol))].append(
                    (lv.col, b.ub[lv.col]))
        buys_by_group: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for pos in positions:
            if pos.buy_col is not None and pos.account in guard.counted_accounts:
                group = once(("group", pos.symbol), lambda pos=pos: h.wash_group(pos.symbol))
                buys_by_group[group].append((pos.buy_col, b.ub[pos.buy_col]))
        for g in sorted(loss_by_group):
            if g not in buys_by_group:
                continue
            z = b.var(0.0, 1.0, 0.0, _INT)  # 1 = this group may be bought, 0 = loss-sold
            q = sum(u for _, u in loss_by_group[g])
            bq = sum(u for _, u in buys_by_group[g])
            b.row([*((j, 1.0) for j, _ in loss_by_group[g]), (z, q)], -math.inf, q,
                  f"wash_sell:{g}")
            b.row([*((j, 1.0) for j, _ in buys_by_group[g]), (z, -bq)], -math.inf, 0.0,
                  f"wash_buy:{g}")
            groups.append(g)

    if not integer_shares:
        relax = {_INT: _CONT, _SEMI_INT: _SEMI}
        for j in share_cols:
            b.kind[j] = relax.get(b.kind[j], b.kind[j])
        notes.append(f"whole shares: {len(share_cols)} share counts solved as continuous "
                     "and rounded (at most one share per order from the optimum)")
    semi = [j for j, k in enumerate(b.kind) if k in (_SEMI, _SEMI_INT)]
    min_trade_after = len(semi) > MAX_ORDER_BINARIES
    if min_trade_after:
        # Too many orders for one binary each (1,500 lots: 2,100 binaries hit the time
        # limit): the minimum is applied to the solution instead (plan._decode drops the
        # orders below it, and says how many).
        for j in semi:
            b.kind[j] = _CONT if b.kind[j] == _SEMI else _INT
            b.lb[j] = 0.0
        notes.append(f"minimum trade applied after solving ({len(semi):,} possible orders): "
                     "orders below it are dropped from the optimum")
    order_binary = _semi_to_binary(b)
    # One fund per class bought in an account: two funds of one class bought side by side
    # are two orders where one does (single-class funds; needs the order binaries).
    buy_groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for pos in positions:
        look = sec[pos.symbol].look_through
        if pos.buy_col is not None and pos.buy_col in order_binary and len(look) == 1:
            buy_groups[(pos.account, look[0][0])].append(order_binary[pos.buy_col])
    for (a_id, c), ys in sorted(buy_groups.items()):
        if len(ys) > 1:
            b.row([(y, 1.0) for y in ys], -math.inf, 1.0, f"one_fund:{a_id}:{c}")
    n = len(b.c)
    a_matrix = SparseMatrix.from_triplets(b.rows, b.cols, b.vals, (len(b.lo), n))
    return Problem(
        c=np.asarray(b.c, dtype=np.float64),
        a_matrix=a_matrix,
        row_lo=np.asarray(b.lo, dtype=np.float64),
        row_hi=np.asarray(b.hi, dtype=np.float64),
        lb=np.asarray(b.lb, dtype=np.float64),
        ub=np.asarray(b.ub, dtype=np.float64),
        integrality=np.asarray(b.kind, dtype=np.int64),
        positions=tuple(positions),
        lots=tuple(lot_vars),
        tax_cols=tuple(tax_cols),
        tax_coefs=tuple(tax_coefs),
        investable_after_usd=w_after,
        notes=tuple(notes),
        chunks=tuple(chunks),
        wash_groups=tuple(groups),
        row_names=tuple(b.names),
        min_trade_after=min_trade_after,
    )
