"""The multi-factor score trigger.

On a look day ``t`` the engine computes::

    score_t = w_drift · drift_factor_t + market_factor_t + w_time · time_factor_t

and rebalances when ``score_t >= threshold`` (default 100). Every factor is in
"points" where **100 is a reference state**, so with weights summing to 1 a
portfolio whose every factor sits at its reference scores exactly 100:

``drift_factor = 100 × max_i |w_i − target_i| / band``
    drift in percent of the band: 100 = the most drifted asset is at the edge of
    a ``band``-wide band (0.05 → 5 percentage points). Computed by the engine.
``vol_factor = 100 × vol_t / long-run vol_t``
    100 = volatility at its long-run average (same estimator as the
    volatility-scaled band, :class:`~rebal.policy.volatility.VolEstimator`);
    during its warm-up the ratio is taken as 1 (100 points: nothing unusual known).
``corr_factor = 100 × max(avg pairwise corr_t, 0) / corr_ref``
    100 = the average pairwise correlation of daily returns over ``corr_window``
    rows equals ``corr_ref`` (default 0.7, where the article's "aggressive"
    regime begins); negative correlation counts as 0. 0 during its warm-up.
``time_factor = 100 × rows since the last rebalance (or the purchase) / horizon_rows``
    100 = ``horizon_rows`` rows (default 252, a year of trading days) without
    rebalancing. Computed by the engine.

``market_factor = w_vol · vol_factor + w_corr · corr_factor`` uses market data
only, so the policy precomputes it (causally) and the engine adds the drift
and time terms, which depend on the portfolio. Default weights: drift 0.5,
vol 0.2, corr 0.1, time 0.2. Note the direction: high volatility *raises* the
score, so this trigger trades more eagerly in turbulent markets — the opposite
of the volatility-scaled band, which widens its band then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from rebal.checks import non_negative, positive, positive_int
from rebal.errors import ConfigError
from rebal.policy.context import Context, compiled_policy
from rebal.policy.kinds import PolicyKind
from rebal.policy.policy import SCOPE_CODE, SIZING_CODE, CompiledPolicy, parse_options
from rebal.policy.regimes import rolling_mean_correlation
from rebal.policy.schedule import period_end_mask
from rebal.policy.triggers import Rule
from rebal.policy.volatility import VolEstimator
from rebal.types import FloatArray, Frequency, Scope, Sizing

__all__ = ["SCORE_KIND", "ScoreTrigger"]

SCORE_KIND = 1
"""``CompiledPolicy.trigger_kind`` of the score trigger (0 = band/calendar)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ScoreTrigger:
    """Rebalance when the multi-factor score reaches ``threshold`` (module docstring).

    Parameters
    ----------
    band
        Absolute band (weight fraction) that scales the drift factor and
        bounds ``to="edge"`` sizing.
    w_drift, w_vol, w_corr, w_time
        Factor weights (>= 0, not all 0).
    horizon_rows
        Rows that make a time factor of 100.
    threshold
        Score at which to rebalance (points, default 100).
    vol
        Volatility estimator of the vol factor.
    corr_window
        Rows per correlation estimate; ``corr_ref`` the correlation worth 100.
    check, sizing, scope
        Look calendar (default daily) and how much to trade.
    """

    band: float = 0.05
    w_drift: float = 0.5
    w_vol: float = 0.2
    w_corr: float = 0.1
    w_time: float = 0.2
    horizon_rows: float = 252.0
    threshold: float = 100.0
    vol: VolEstimator = field(default_factory=VolEstimator)
    corr_window: int = 63
    corr_ref: float = 0.7
    check: Frequency = Frequency.DAILY
    sizing: Sizing = Sizing.TO_TARGET
    scope: Scope = Scope.ALL
    rule: ClassVar[Rule] = Rule.SCORE
    kind: ClassVar[PolicyKind] = PolicyKind.SCORE

    def __post_init__(self) -> None:
        owner = "ScoreTrigger"
        object.__setattr__(self, "band", positive(f"{owner}.band", self.band, below_one=True))
        total = 0.0
        for name in ("w_drift", "w_vol", "w_corr", "w_time"):
            value = non_negative(f"{owner}.{name}", getattr(self, name))
            object.__setattr__(self, name, value)
            total += value
        if total == 0:
            raise ConfigError(f"{owner}: the factor weights must not all be 0")
        object.__setattr__(
            self, "horizon_rows", positive(f"{owner}.horizon_rows", self.horizon_rows)
        )
        object.__setattr__(self, "threshold", positive(f"{owner}.threshold", self.threshold))
        object.__setattr__(
            self, "corr_window", positive_int(f"{owner}.corr_window", self.corr_window, minimum=2)
        )
        object.__setattr__(
            self, "corr_ref", positive(f"{owner}.corr_ref", self.corr_ref)
        )
        if self.corr_ref > 1:
            raise ConfigError(f"{owner}.corr_ref must be <= 1 (a correlation), got {self.corr_ref}")
        if not isinstance(self.vol, VolEstimator):
            raise ConfigError(f"{owner}.vol must be a VolEstimator")
        parse_options(self, owner, "check")

    @property
    def label(self) -> str:
        return f"score:threshold={self.threshold:g}"

    def market_factor(self, ctx: Context, target: FloatArray) -> FloatArray:
        """``(n_days,)`` ``w_vol · vol_factor + w_corr · corr_factor`` on the backtest rows."""
        out = np.zeros(ctx.market.n_days)
        if self.w_vol > 0:
            ratio = self.vol.series(ctx.market, target).ratio
            out += self.w_vol * 100.0 * np.where(np.isnan(ratio), 1.0, ratio)
        if self.w_corr > 0:
            available = ctx.market.n_days - 1
            if self.corr_window > available:
                raise ConfigError(
                    f"ScoreTrigger.corr_window must be at most the {available} returns of the "
                    f"data (history included), got {self.corr_window}"
                )
            held = np.flatnonzero(np.asarray(target) > 0)
            corr = rolling_mean_correlation(ctx.market.returns()[:, held], self.corr_window)
            corr = np.where(np.isnan(corr), 0.0, np.maximum(corr, 0.0))
            out += self.w_corr * 100.0 * corr / self.corr_ref
        return ctx.tail(out)

    def compile(self, ctx: Context, target: FloatArray, *, name: str) -> CompiledPolicy:
        mf = self.market_factor(ctx, target)
        return compiled_policy(
            name=name,
            check=period_end_mask(ctx.dates, self.check),  # type: ignore[arg-type]
            band=np.full((1, target.shape[0]), self.band),
            sizing=SIZING_CODE[self.sizing],  # type: ignore[index]
            scope=SCOPE_CODE[self.scope],  # type: ignore[index]
            rule=int(Rule.SCORE),
            trigger_kind=SCORE_KIND,
            score_weights=(self.w_drift, self.w_time),
            score_horizon_rows=float(self.horizon_rows),
            score_threshold=float(self.threshold),
            market_factor=mf,
            regime=mf,
            regime_label="market factor (vol + corr points)",
        )
