"""The policy's decision on one day: look? act? which assets are beyond their band?
to what weights?

:func:`decide` answers from a :class:`PolicyState` — the day's row of a policy (its
half-widths, look and action flags, sizing and scope per group, the score's inputs)
plus the current weights — the way the backtest engine does at a close (see
:mod:`rebal.policy.policy` and ``docs/conventions.md``):

1. A group *looks* on its look days; a look that finds the trigger firing sets the
   group's pending flag.
2. On an action day (the look day itself when the group has no action calendar)
   with the flag set, the trigger is evaluated again on the current weights and the
   group rebalances if it still fires; the flag is cleared.
3. The band trigger fires when one of the group's assets is beyond its band
   (:func:`rebal.policy.breach.breach_rule`, the one breach rule); the score trigger
   when ``w_drift·100·max_i |w_i − target_i| / band_i + market factor +
   w_time·100·rows since the last rebalance / horizon ≥ threshold``.
4. A firing group moves its sized assets (all, or the breached ones) to target, to
   the band edge or halfway, the others absorbing the residual in proportion to
   their weights (:func:`sized_weights`).

Groups are evaluated in order, each on the weights the previous groups left —
here the desired weights themselves (the trades are assumed to reach them, as they
do in a costless backtest). The same function serves ``rebal check`` and the
planner's bands, so a band means one thing in a backtest, a check and a plan.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rebal.errors import ConfigError
from rebal.policy.breach import breached_mask
from rebal.policy.policy import SCOPE_CODE, SIZING_CODE, CompiledPolicy
from rebal.types import BoolArray, FloatArray, IntArray, Scope, Sizing

__all__ = [
    "Decision",
    "PolicyState",
    "ScoreInputs",
    "band_box",
    "decide",
    "project_to_band_box",
    "sized_weights",
    "state_from_compiled",
]

_SIZING_OF = {code: sizing for sizing, code in SIZING_CODE.items()}
_SCOPE_OF = {code: scope for scope, code in SCOPE_CODE.items()}


@dataclass(frozen=True, slots=True, kw_only=True)
class ScoreInputs:
    """The multi-factor score's inputs on the day (see :class:`CompiledPolicy`).

    Attributes
    ----------
    w_drift, w_time
        Weights of the drift and time factors.
    horizon_rows
        Rows after which the time factor reaches 100.
    threshold
        The score fires when ``score >= threshold``.
    market_factor
        The day's precomputed market part of the score (volatility, correlation).
    rows_since_rebalance
        Rows since the last rebalance (since row 0 before the first).
    """

    w_drift: float = 1.0
    w_time: float = 0.0
    horizon_rows: float = 252.0
    threshold: float = 100.0
    market_factor: float = 0.0
    rows_since_rebalance: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)  # arrays: identity
class PolicyState:
    """What :func:`decide` needs to know on one day.

    Attributes
    ----------
    weights
        ``(n_assets,)`` current weights (fractions of the portfolio).
    target_weights
        ``(n_assets,)`` target weights (fractions summing to 1).
    half_widths
        ``(n_assets,)`` band half-widths in force (weight fractions); negative =
        "no band: act on every look day" (a calendar).
    group
        ``(n_assets,)`` group (tier) of each asset, ``0 … n_groups - 1``; ``None`` =
        one group.
    look
        Per group (or one flag for all): is today a look day?
    act
        Per group: is today an action day? ``None`` = act on look days.
    pending
        Per group: a breach seen on an earlier look day, not yet acted on.
    sizing, scope
        Per group (or one for all): how far sized assets move, and which are sized.
    score
        The score trigger's inputs, or ``None`` for the band/calendar trigger.
    """

    weights: FloatArray
    target_weights: FloatArray
    half_widths: FloatArray
    group: IntArray | None = None
    look: bool | tuple[bool, ...] = True
    act: bool | tuple[bool, ...] | None = None
    pending: bool | tuple[bool, ...] = False
    sizing: Sizing | tuple[Sizing, ...] = Sizing.TO_TARGET
    scope: Scope | tuple[Scope, ...] = Scope.ALL
    score: ScoreInputs | None = None

    def __post_init__(self) -> None:
        sa = object.__setattr__
        w = np.asarray(self.weights, dtype=np.float64)
        t = np.asarray(self.target_weights, dtype=np.float64)
        hw = np.broadcast_to(np.asarray(self.half_widths, dtype=np.float64), t.shape)
        if w.ndim != 1 or w.shape != t.shape:
            raise ConfigError(
                f"PolicyState: weights {w.shape} and target_weights {t.shape} must be "
                "(n_assets,) alike"
            )
        if np.isnan(hw).any():
            raise ConfigError("PolicyState.half_widths must not contain NaN")
        n = w.shape[0]
        if self.group is None:
            group = np.zeros(n, dtype=np.int64)
        else:
            group = np.asarray(self.group, dtype=np.int64)
            if group.shape != (n,) or (n and group.min() < 0):
                raise ConfigError(f"PolicyState.group must be ({n},) ints >= 0, got {group!r}")
        n_groups = int(group.max()) + 1 if n else 1

        def per_group(name: str, value: object, parse: object = None) -> tuple:
            items = value if isinstance(value, (tuple, list)) else (value,) * n_groups
            if len(items) != n_groups:
                raise ConfigError(
                    f"PolicyState.{name} must have one entry per group ({n_groups}), "
                    f"got {len(items)}"
                )
            if parse is not None:
                return tuple(parse.parse(v, field=f"PolicyState.{name}") for v in items)  # type: ignore[attr-defined]
            return tuple(bool(v) for v in items)

        sa(self, "weights", w)
        sa(self, "target_weights", t)
        sa(self, "half_widths", np.ascontiguousarray(hw))
        sa(self, "group", group)
        sa(self, "look", per_group("look", self.look))
        sa(self, "act", None if self.act is None else per_group("act", self.act))
        sa(self, "pending", per_group("pending", self.pending))
        sa(self, "sizing", per_group("sizing", self.sizing, Sizing))
        sa(self, "scope", per_group("scope", self.scope, Scope))
        if self.score is not None:
            if n_groups != 1:
                raise ConfigError(f"PolicyState: the score trigger takes one group, got {n_groups}")
            if not (hw > 0).all():
                raise ConfigError("PolicyState.half_widths must be > 0 for the score trigger")

    @property
    def n_groups(self) -> int:
        return len(self.look)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)  # arrays: identity
class Decision:
    """The policy's answer for one day.

    Attributes
    ----------
    look
        True when some group looks today.
    act
        True when some group rebalances today.
    acting_groups
        The groups that rebalance, in order.
    breached
        ``(n_assets,)`` True for an asset beyond its band (or with no band) on the
        state's weights (before today's trades), among the groups evaluated today
        (looking, or acting on a pending breach); all False when none is.
    desired_weights
        ``(n_assets,)`` weights after today's rebalances (fractions); the current
        weights when nothing acts.
    pending
        Per group: the pending flags carried to the next day.
    score
        The score on a look day of the score trigger, else ``None``.
    """

    look: bool
    act: bool
    acting_groups: tuple[int, ...]
    breached: BoolArray
    desired_weights: FloatArray
    pending: tuple[bool, ...]
    score: float | None = None

    @property
    def n_breached(self) -> int:
        """The number of assets beyond their band."""
        return int(self.breached.sum())


def band_box(target_weights: FloatArray, half_widths: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``(lo, hi)``: each asset's band clipped to ``[0, 1]`` (weight fractions); a
    negative half-width counts as 0 (the band is the target itself)."""
    t = np.asarray(target_weights, dtype=np.float64)
    hw = np.maximum(np.asarray(half_widths, dtype=np.float64), 0.0)
    return np.maximum(t - hw, 0.0), np.minimum(t + hw, 1.0)


def project_to_band_box(weights: FloatArray, lo: FloatArray, hi: FloatArray) -> FloatArray:
    """The Euclidean projection of ``weights`` onto ``{lo <= v <= hi, sum(v) = 1}``.

    ``v_i = clip(w_i − mu, lo_i, hi_i)`` with the shift ``mu`` that makes the sum 1:
    the sum is piecewise linear and non-increasing in ``mu`` with breakpoints
    ``w − hi`` and ``w − lo``; the segment holding 1 is found by sorting them.
    Requires ``sum(lo) <= 1 <= sum(hi)``.
    """
    w = np.asarray(weights, dtype=np.float64)
    lo = np.asarray(lo, dtype=np.float64)
    hi = np.asarray(hi, dtype=np.float64)
    points = np.sort(np.concatenate([w - hi, w - lo]))

    def total(mu: float) -> float:
        return float(np.clip(w - mu, lo, hi).sum())

    # the last breakpoint whose sum is still >= 1, and the next one
    k = 0
    for j in range(points.shape[0]):
        if total(points[j]) >= 1.0:
            k = j
        else:
            break
    a = points[k]
    b = points[k + 1] if k + 1 < points.shape[0] else a
    mid = 0.5 * (a + b)
    free = (w - mid > lo) & (w - mid < hi)
    n_free = int(free.sum())
    if n_free == 0:
        return np.clip(w - a, lo, hi)
    clipped = np.clip(w - mid, lo, hi)
    mu = (float(w[free].sum()) + float(clipped[~free].sum()) - 1.0) / n_free
    return np.clip(w - mu, lo, hi)


def sized_weights(
    weights: FloatArray,
    target_weights: FloatArray,
    half_widths: FloatArray,
    sizing: Sizing,
    sized: BoolArray,
) -> FloatArray:
    """Post-rebalance weights when the ``sized`` assets move under ``sizing``.

    A sized asset goes to its target (``TO_TARGET``), to the nearest point of its
    band ``[lo, hi]`` (``TO_EDGE``) or halfway between the two (``HALFWAY``); the
    others absorb the residual weight in proportion to their current weights. When
    every asset is sized, or the absorbers cannot absorb (no weight, or the sized
    points take more than the whole portfolio), the joint solution: the target, or
    the projection of the weights onto the band box (:func:`project_to_band_box`),
    halved toward the target for ``HALFWAY``.

    Parameters
    ----------
    weights, target_weights, half_widths
        ``(n_assets,)`` fractions (negative half-width = no band).
    sizing
        How far to move.
    sized
        ``(n_assets,)`` bool: the assets moved.
    """
    w = np.asarray(weights, dtype=np.float64)
    t = np.asarray(target_weights, dtype=np.float64)
    sized = np.asarray(sized, dtype=np.bool_)
    lo, hi = band_box(t, half_widths)
    if not sized.all():
        if sizing is Sizing.TO_TARGET:
            points = t
        else:
            edge = np.minimum(np.maximum(w, lo), hi)
            points = edge if sizing is Sizing.TO_EDGE else 0.5 * (t + edge)
        out = np.where(sized, points, w)
        resid = 1.0 - float(points[sized].sum())
        rest = float(w[~sized].sum())
        if rest > 0.0 and resid >= 0.0:
            out[~sized] = w[~sized] * (resid / rest)
            return out
    if sizing is Sizing.TO_TARGET:
        return t.copy()
    joint = project_to_band_box(w, lo, hi)
    return joint if sizing is Sizing.TO_EDGE else 0.5 * (t + joint)


def decide(state: PolicyState) -> Decision:
    """The policy's decision on the day described by ``state`` (module docstring)."""
    s = state
    group = s.group
    assert group is not None  # normalised in __post_init__
    look_g: tuple[bool, ...] = s.look  # type: ignore[assignment]
    act_g: tuple[bool, ...] = look_g if s.act is None else s.act  # type: ignore[assignment]
    pending = list(s.pending)  # type: ignore[arg-type]
    sizing_g: tuple[Sizing, ...] = s.sizing  # type: ignore[assignment]
    scope_g: tuple[Scope, ...] = s.scope  # type: ignore[assignment]
    t = s.target_weights
    hw = s.half_widths
    w = s.weights.copy()
    beyond_now = breached_mask(w, t, hw)  # the answer on today's weights
    breached = np.zeros(w.shape[0], dtype=np.bool_)
    acting: list[int] = []
    score_value: float | None = None
    for g in range(s.n_groups):
        look, acts = look_g[g], act_g[g]
        if not look and not (acts and pending[g]):
            continue
        mine = group == g
        breached |= beyond_now & mine
        # the trigger sees the weights the earlier groups of the day left
        beyond = beyond_now if not acting else breached_mask(w, t, hw)
        if s.score is not None:
            sc = s.score
            ratio_max = float(np.max(np.abs(w - t) / hw)) if w.shape[0] else -np.inf
            value = (sc.w_drift * (100.0 * ratio_max) + sc.market_factor
                     + sc.w_time * (100.0 * sc.rows_since_rebalance / sc.horizon_rows))
            fires = value >= sc.threshold
            if look:
                score_value = value
        else:
            beyond = beyond & mine
            fires = bool(beyond.any())
        if look and fires:
            pending[g] = True
        if not (acts and pending[g]):
            continue
        pending[g] = False
        if not fires:
            continue
        sized = mine & (beyond if scope_g[g] is Scope.BREACHED else True)
        if not sized.any():
            continue
        w = sized_weights(w, t, hw, sizing_g[g], sized)
        acting.append(g)
    return Decision(
        look=any(look_g),
        act=bool(acting),
        acting_groups=tuple(acting),
        breached=breached,
        desired_weights=w,
        pending=tuple(pending),
        score=score_value,
    )


def state_from_compiled(
    compiled: CompiledPolicy,
    row: int,
    weights: FloatArray,
    target_weights: FloatArray,
    *,
    pending: bool | tuple[bool, ...] = False,
    rows_since_rebalance: float | None = None,
) -> PolicyState:
    """The :class:`PolicyState` of ``compiled`` on ``row`` with the current ``weights``.

    Parameters
    ----------
    compiled
        The policy compiled on the market whose rows include ``row``.
    row
        The day (row index of the compiled arrays).
    weights, target_weights
        ``(n_assets,)`` fractions.
    pending
        The groups' pending flags from earlier rows.
    rows_since_rebalance
        For the score: rows since the last rebalance (default ``row``: none yet).
    """
    band = compiled.band[row if compiled.band.shape[0] > 1 else 0]
    check = compiled.kernel_check[row]
    act = None if compiled.act is None else tuple(bool(v) for v in compiled.act[row])
    score = None
    if compiled.trigger_kind == 1:
        w_drift, w_time = compiled.score_weights
        mf = compiled.market_factor
        score = ScoreInputs(
            w_drift=w_drift, w_time=w_time, horizon_rows=compiled.score_horizon_rows,
            threshold=compiled.score_threshold,
            market_factor=0.0 if mf is None else float(mf[row]),
            rows_since_rebalance=float(row if rows_since_rebalance is None
                                       else rows_since_rebalance),
        )
    return PolicyState(
        weights=weights,
        target_weights=target_weights,
        half_widths=band,
        group=compiled.group,
        look=tuple(bool(v) for v in check),
        act=act,
        pending=pending,
        sizing=tuple(_SIZING_OF[int(c)] for c in compiled.kernel_sizing),
        scope=tuple(_SCOPE_OF[int(c)] for c in compiled.kernel_scope),
        score=score,
    )
