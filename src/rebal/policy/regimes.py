"""Regime tables: a market signal (VIX, correlation) picks a band and a look calendar.

Tables
------
A :class:`RegimeTable` is an ordered tuple of :class:`RegimeRow`, each with an
upper bound ``upto``; the last row is open-ended (``upto = inf``). Only upper
bounds are stored, so the rows tile the real line without gaps or overlaps:
with ``closed="right"`` (the default) row ``j`` covers
``upto[j-1] < x <= upto[j]``, the first row also everything below (the
article's "below 12 use the lowest row"); with ``closed="left"`` row ``j``
covers ``upto[j-1] <= x < upto[j]``.

Presets from the article, made gap-free (``closed="right"``):

=====================  =========================  ==============================
article                 gap-free rows              value
=====================  =========================  ==============================
VIX 12–15 (and < 12)    VIX <= 15                  band 3 %
VIX 16–25               15 < VIX <= 25             band 5 % (the base)
VIX 26–35               25 < VIX <= 35             band 8 %
VIX 35+                 VIX > 35                   band 12 %
=====================  =========================  ==============================

Right-closed reproduces every integer label of the article ("16–25" holds 25,
"26–35" holds 35); the article lists 35 twice ("26–35", "35+"), right-closed puts
it in 26–35. The adaptive-frequency table ("< 15 / 15–25 / 25–35 / > 35") uses
the same breakpoints and closure: VIX <= 15 → quarterly 3 %, 15 < VIX <= 25 →
monthly 4 %, 25 < VIX <= 35 → biweekly 6 %, VIX > 35 → weekly 8 % (so a VIX of
exactly 15.00 is read as "< 15"; the only label the closure bends).

The correlation table ("< 0.3 normal, 0.3–0.7 more frequent, > 0.7 aggressive,
> 0.9 daily"), our reading of the article's words as (look, band): corr <= 0.3
→ normal, quarterly 5 %; 0.3 < corr <= 0.7 → more frequent, monthly 4 %;
0.7 < corr <= 0.9 → aggressive, weekly 3 %; corr > 0.9 → daily 3 %.

Where the signal is undefined (realized-vol or correlation windows not yet
full) the table's ``default_row`` applies: the 5 % row of the VIX band table, the
monthly row of the adaptive table, the normal row of the correlation table.

Signals
-------
VIX level: the aux series (default ``"VIX"``, index points) or, where no VIX
data exists, a VIX-equivalent level ``100 × realized vol + premium`` of the
portfolio or an asset (annualised realized vol in percent; ``premium`` in VIX
points, default 0 — implied vol has historically run a few points above
realized, so 0 reads calm markets slightly calmer than VIX would).

Average pairwise correlation: the mean, over asset pairs, of the sample
correlation of daily returns over rows ``t - window + 1 … t`` (assets with a
target weight > 0). With two assets it is their correlation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from rebal.checks import positive, positive_int
from rebal.errors import ConfigError
from rebal.policy.context import Context, compiled_policy
from rebal.policy.kinds import PolicyKind
from rebal.policy.policy import SCOPE_CODE, SIZING_CODE, CompiledPolicy, parse_options
from rebal.policy.schedule import period_end_mask
from rebal.policy.triggers import Rule
from rebal.policy.volatility import VolEstimator, VolSource
from rebal.types import FloatArray, Frequency, IntArray, ParseEnum, Scope, Sizing

__all__ = [
    "ADAPTIVE_TABLE",
    "CORRELATION_TABLE",
    "VIX_BAND_TABLE",
    "AdaptiveFrequency",
    "Closed",
    "CorrelationRegime",
    "RegimeRow",
    "RegimeTable",
    "VixTableBand",
    "rolling_mean_correlation",
    "vix_level",
]


class Closed(ParseEnum):
    """Which end of a row's interval belongs to it."""

    RIGHT = "right"  # (previous upto, upto]
    LEFT = "left"  # [previous upto, upto)


@dataclass(frozen=True, slots=True, kw_only=True)
class RegimeRow:
    """One row: ``x`` up to ``upto`` → ``band`` (and a look calendar ``check``).

    Parameters
    ----------
    band
        Absolute band half-width (weight fraction, 0 < band < 1).
    upto
        Upper bound of the row (signal units); ``inf`` for the last row.
    check
        Look calendar of the regime (adaptive / correlation tables), or ``None``.
    label
        Name of the regime for reports.
    """

    band: float
    upto: float = math.inf
    check: Frequency | None = None
    label: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "band", positive("RegimeRow.band", self.band, below_one=True))
        try:
            upto = float(self.upto)
        except (TypeError, ValueError):
            raise ConfigError(f"RegimeRow.upto must be a number, got {self.upto!r}") from None
        if math.isnan(upto):
            raise ConfigError("RegimeRow.upto must be a number, got nan")
        object.__setattr__(self, "upto", upto)
        if self.check is not None:
            object.__setattr__(
                self, "check", Frequency.parse(self.check, field="RegimeRow.check")
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class RegimeTable:
    """Gap-free rows over the real line (see the module docstring).

    Parameters
    ----------
    rows
        Increasing ``upto``; every row but the last finite, the last ``inf``.
    closed
        :class:`Closed` (default right: ``prev < x <= upto``).
    default_row
        Row used where the signal is undefined (warm-up).
    """

    rows: tuple[RegimeRow, ...]
    closed: Closed = Closed.RIGHT
    default_row: int = 0

    def __post_init__(self) -> None:
        rows = tuple(self.rows)
        if not rows:
            raise ConfigError("RegimeTable.rows must hold at least one row")
        for j, row in enumerate(rows):
            if not isinstance(row, RegimeRow):
                raise ConfigError(f"RegimeTable.rows[{j}] must be a RegimeRow")
        uppers = [r.upto for r in rows]
        for j in range(len(rows) - 1):
            if not math.isfinite(uppers[j]):
                raise ConfigError(
                    f"RegimeTable.rows[{j}].upto must be finite (only the last row is open)"
                )
            if uppers[j + 1] <= uppers[j]:
                raise ConfigError(
                    f"RegimeTable.rows[{j + 1}].upto must be > rows[{j}].upto = {uppers[j]:g}, "
                    f"got {uppers[j + 1]:g}"
                )
        if math.isfinite(uppers[-1]):
            raise ConfigError(
                f"RegimeTable.rows[{len(rows) - 1}] is the last row and must be open-ended "
                f"(omit upto), got upto={uppers[-1]:g}"
            )
        object.__setattr__(self, "rows", rows)
        object.__setattr__(self, "closed", Closed.parse(self.closed, field="RegimeTable.closed"))
        if not 0 <= int(self.default_row) < len(rows):
            raise ConfigError(
                f"RegimeTable.default_row must be in 0..{len(rows) - 1}, got {self.default_row}"
            )

    @property
    def bands(self) -> FloatArray:
        """``(n_rows,)`` band of each row."""
        return np.array([r.band for r in self.rows])

    def index(self, x: FloatArray) -> IntArray:
        """``(n,)`` row of each value; ``default_row`` where ``x`` is NaN."""
        x = np.asarray(x, dtype=np.float64)
        edges = np.array([r.upto for r in self.rows[:-1]])
        if self.closed is Closed.RIGHT:
            idx = np.searchsorted(edges, x, side="left").astype(np.int64)
        else:
            idx = np.searchsorted(edges, x, side="right").astype(np.int64)
        idx[np.isnan(x)] = int(self.default_row)
        return idx

    def require_checks(self, owner: str) -> None:
        for j, row in enumerate(self.rows):
            if row.check is None:
                raise ConfigError(f"{owner}.table.rows[{j}].check is required (a look calendar)")

    def describe(self) -> list[str]:
        """One line per row in words, e.g. ``"15 < x <= 25: band 5%, monthly"``."""
        out = []
        prev = -math.inf
        for row in self.rows:
            lo_op, hi_op = ("<", "<=") if self.closed is Closed.RIGHT else ("<=", "<")
            if math.isinf(prev):
                span = f"x {hi_op} {row.upto:g}"
            elif math.isinf(row.upto):
                span = f"x {'>' if lo_op == '<' else '>='} {prev:g}"
            else:
                span = f"{prev:g} {lo_op} x {hi_op} {row.upto:g}"
            extra = f", {row.check.value}" if row.check is not None else ""
            name = f" ({row.label})" if row.label else ""
            out.append(f"{span}: band {row.band:.4g}{extra}{name}")
            prev = row.upto
        return out


def _table(rows: Sequence[tuple[float, float, str | None, str]], default_row: int) -> RegimeTable:
    return RegimeTable(
        rows=tuple(
            RegimeRow(upto=u, band=b, check=None if c is None else Frequency(c), label=lab)
            for u, b, c, lab in rows
        ),
        default_row=default_row,
    )


VIX_BAND_TABLE = _table(
    [(15, 0.03, None, "calm"), (25, 0.05, None, "normal"), (35, 0.08, None, "elevated"),
     (math.inf, 0.12, None, "crisis")],
    default_row=1,
)
"""The article's VIX → band table (base 5 %)."""

ADAPTIVE_TABLE = _table(
    [(15, 0.03, "quarterly", "calm"), (25, 0.04, "monthly", "normal"),
     (35, 0.06, "biweekly", "elevated"), (math.inf, 0.08, "weekly", "crisis")],
    default_row=1,
)
"""The article's adaptive-frequency table: VIX → (look calendar, band)."""

CORRELATION_TABLE = _table(
    [(0.3, 0.05, "quarterly", "normal"), (0.7, 0.04, "monthly", "more frequent"),
     (0.9, 0.03, "weekly", "aggressive"), (math.inf, 0.03, "daily", "daily")],
    default_row=0,
)
"""Our reading of the article's correlation regimes as (look calendar, band)."""


def vix_level(signal: VolEstimator, market: Any, target: FloatArray, premium: float) -> FloatArray:
    """``(n_days,)`` VIX level (index points).

    The aux series itself, or ``100 × realized vol + premium`` for a realized source.
    """
    level = signal.level(market, target)
    if signal.source is VolSource.AUX:
        return level
    return 100.0 * level + premium


def rolling_mean_correlation(returns: FloatArray, window_rows: int) -> FloatArray:
    """Average pairwise correlation of returns over a trailing window.

    Parameters
    ----------
    returns
        ``(n_days, k)`` simple returns, k >= 2; row 0 (no return) is ignored.
    window_rows
        Returns per window (>= 2).

    Returns
    -------
    FloatArray
        ``(n_days,)``: at row ``t >= window_rows`` the mean over pairs ``i < j``
        of the sample correlation of rows ``t - window_rows + 1 … t``; NaN
        before, and where an asset's returns are constant over the window.
    """
    r = np.asarray(returns, dtype=np.float64)
    n, k = r.shape
    if k < 2:
        raise ConfigError("a correlation regime needs at least 2 assets with a target weight")
    out = np.full(n, np.nan)
    if n - 1 < window_rows:
        return out
    win = sliding_window_view(r[1:], window_rows, axis=0)  # (m, k, window)
    dev = win - win.mean(axis=2, keepdims=True)
    cov = np.einsum("mit,mjt->mij", dev, dev)
    sd = np.sqrt(np.einsum("mii->mi", cov))
    iu = np.triu_indices(k, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov[:, iu[0], iu[1]] / (sd[:, iu[0]] * sd[:, iu[1]])
    out[window_rows:] = corr.mean(axis=1)
    return out


def _calendar_stack(ctx: Context, table: RegimeTable) -> np.ndarray:
    """``(n_rows_table, n_days)`` look masks of every row's calendar."""
    return np.stack(
        [period_end_mask(ctx.dates, row.check) for row in table.rows]  # type: ignore[arg-type]
    )


def _regime_arrays(
    ctx: Context, table: RegimeTable, signal: FloatArray, n_assets: int, *, adaptive: bool
) -> tuple[np.ndarray | None, FloatArray, IntArray]:
    idx = table.index(ctx.tail(signal))
    band = table.bands[idx]
    check = None
    if adaptive:
        masks = _calendar_stack(ctx, table)
        check = masks[idx, np.arange(idx.shape[0])]
        check[0] = False
    return check, np.repeat(band[:, None], n_assets, axis=1), idx


def _regime_policy(
    policy: Any,
    ctx: Context,
    signal: FloatArray,
    target: FloatArray,
    *,
    name: str,
    check: np.ndarray | None = None,
    label: str | None = None,
) -> CompiledPolicy:
    """The compiled form of a regime-table ``policy`` read off ``signal``.

    The band (and, unless ``check`` is given, the look calendar) of each row
    comes from ``policy.table`` at ``signal``'s level; ``label`` defaults to the
    VIX signal's name.
    """
    adaptive = check is None
    look, band, _ = _regime_arrays(ctx, policy.table, signal, target.shape[0], adaptive=adaptive)
    return compiled_policy(
        name=name,
        check=look if adaptive else check,
        band=band,
        sizing=SIZING_CODE[policy.sizing],
        scope=SCOPE_CODE[policy.scope],
        rule=int(policy.rule),
        regime=ctx.tail(signal),
        regime_label=_vix_label(policy.signal) if label is None else label,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class VixTableBand:
    """Band from a VIX-regime table, looked at on a calendar (default every close).

    Parameters
    ----------
    table
        A :class:`RegimeTable` of bands (default :data:`VIX_BAND_TABLE`).
    signal
        The VIX level: ``VolEstimator(source="aux", aux="VIX")`` (default) or a
        realized-vol source read as a VIX-equivalent level.
    premium
        VIX points added to a realized-vol level (0 by default; ignored for aux).
    check, sizing, scope
        As for a band policy.
    """

    table: RegimeTable = VIX_BAND_TABLE
    signal: VolEstimator = field(default_factory=lambda: VolEstimator(source=VolSource.AUX))
    premium: float = 0.0
    check: Frequency = Frequency.DAILY
    sizing: Sizing = Sizing.TO_TARGET
    scope: Scope = Scope.ALL
    rule: ClassVar[Rule] = Rule.VIX_TABLE
    kind: ClassVar[PolicyKind] = PolicyKind.VIX_TABLE

    def __post_init__(self) -> None:
        _common(self, "VixTableBand")

    @property
    def label(self) -> str:
        return f"vix-table:{self.signal.label}"

    def compile(self, ctx: Context, target: FloatArray, *, name: str) -> CompiledPolicy:
        vix = vix_level(self.signal, ctx.market, target, self.premium)
        check = period_end_mask(ctx.dates, self.check)  # type: ignore[arg-type]
        return _regime_policy(self, ctx, vix, target, name=name, check=check)


@dataclass(frozen=True, slots=True, kw_only=True)
class AdaptiveFrequency:
    """Look calendar and band from the VIX regime in force at each row.

    Row ``t`` is a look day when the calendar of the regime in force at ``t``
    (VIX at the close of ``t``) has a period end at ``t``; the band in force is
    that regime's. Parameters as for :class:`VixTableBand` (no ``check``).
    """

    table: RegimeTable = ADAPTIVE_TABLE
    signal: VolEstimator = field(default_factory=lambda: VolEstimator(source=VolSource.AUX))
    premium: float = 0.0
    sizing: Sizing = Sizing.TO_TARGET
    scope: Scope = Scope.ALL
    rule: ClassVar[Rule] = Rule.ADAPTIVE
    kind: ClassVar[PolicyKind] = PolicyKind.ADAPTIVE

    def __post_init__(self) -> None:
        _common(self, "AdaptiveFrequency")
        self.table.require_checks("AdaptiveFrequency")

    @property
    def label(self) -> str:
        return f"adaptive:{self.signal.label}"

    def compile(self, ctx: Context, target: FloatArray, *, name: str) -> CompiledPolicy:
        vix = vix_level(self.signal, ctx.market, target, self.premium)
        return _regime_policy(self, ctx, vix, target, name=name)


@dataclass(frozen=True, slots=True, kw_only=True)
class CorrelationRegime:
    """Look calendar and band from the average pairwise correlation.

    Parameters
    ----------
    table
        Correlation → (look calendar, band) (default :data:`CORRELATION_TABLE`).
    window_rows
        Rows of daily returns per correlation estimate (default 63, a quarter).
        Longer than the data (history included) → :class:`ConfigError`.
    sizing, scope
        As for a band policy.
    """

    table: RegimeTable = CORRELATION_TABLE
    window_rows: int = 63
    sizing: Sizing = Sizing.TO_TARGET
    scope: Scope = Scope.ALL
    rule: ClassVar[Rule] = Rule.CORRELATION
    kind: ClassVar[PolicyKind] = PolicyKind.CORRELATION

    def __post_init__(self) -> None:
        owner = "CorrelationRegime"
        object.__setattr__(
            self, "window_rows", positive_int(f"{owner}.window_rows", self.window_rows, minimum=2)
        )
        if not isinstance(self.table, RegimeTable):
            raise ConfigError(f"{owner}.table must be a RegimeTable")
        self.table.require_checks(owner)
        parse_options(self, owner)

    @property
    def label(self) -> str:
        return f"correlation:window={self.window_rows}"

    def correlation(self, ctx: Context, target: FloatArray) -> FloatArray:
        """``(n_days_with_history,)`` average pairwise correlation on ``ctx.market``."""
        available = ctx.market.n_days - 1
        if self.window_rows > available:
            raise ConfigError(
                f"CorrelationRegime.window_rows must be at most the {available} returns of the "
                f"data (history included), got {self.window_rows}"
            )
        held = np.flatnonzero(np.asarray(target) > 0)
        return rolling_mean_correlation(ctx.market.returns()[:, held], self.window_rows)

    def compile(self, ctx: Context, target: FloatArray, *, name: str) -> CompiledPolicy:
        corr = self.correlation(ctx, target)
        label = f"avg pairwise correlation ({self.window_rows} rows)"
        return _regime_policy(self, ctx, corr, target, name=name, label=label)


def _vix_label(signal: VolEstimator) -> str:
    if signal.source is VolSource.AUX:
        return str(signal.aux)
    return f"VIX-equivalent (100 x {signal.label})"


def _common(obj: Any, owner: str) -> None:
    if not isinstance(obj.table, RegimeTable):
        raise ConfigError(f"{owner}.table must be a RegimeTable")
    if not isinstance(obj.signal, VolEstimator):
        raise ConfigError(f"{owner}.signal must be a VolEstimator")
    try:
        premium = float(obj.premium)
    except (TypeError, ValueError):
        raise ConfigError(f"{owner}.premium must be a number, got {obj.premium!r}") from None
    if not math.isfinite(premium):
        raise ConfigError(f"{owner}.premium must be finite, got {obj.premium!r}")
    object.__setattr__(obj, "premium", premium)
    parse_options(obj, owner, *(("check",) if hasattr(obj, "check") else ()))
