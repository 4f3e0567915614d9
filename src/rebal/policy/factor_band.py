"""The factor-band trigger: rebalance when the portfolio's style drifts out of its band.

On a look day ``t`` (``check`` calendar) the trigger estimates every held asset's
factor loadings by rolling OLS over the ``window`` rows ending at ``t``
(:func:`rebal.factors.rolling_loadings`; the factor model is ``factors``, every
factor column of the table by default) and computes the style drift of each banded
factor, ``d_k = Σ_i (w_i − w*_i) β_ik`` (:mod:`rebal.factors.bands`). When some
``|d_k|`` exceeds its half-width the portfolio is rebalanced to its target weights,
which brings every drift back to 0.

The weights ``w`` it watches are those the portfolio reaches from its last
rebalance (or the purchase) by price moves alone: ``w_t ∝ w*_i · P_i,t / P_i,r``.
That is a function of prices and of the trigger's own earlier decisions, so the
trigger compiles — causally, row ``t`` reads rows ``<= t`` only — into look days on
which the engine trades to target (the engine's band is "no band", negative). It is
exact for the engine's weights when trades reach the target (proportional costs are
charged pro rata); with cash flows, fixed or minimum trade sizes the engine's
weights can differ slightly from the watched ones, and the trigger still watches
price drift only.

Before a full window of returns exists (history rows count) no loadings exist and
the trigger does not fire; the logged regime is ``max_k |d_k| / half-width_k``
(1 = at the edge of the band; NaN on rows without a look or without loadings).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from rebal.checks import as_number, positive_int
from rebal.data.french import FactorReturns
from rebal.errors import ConfigError
from rebal.factors import FactorBands, factor_returns_for, rolling_loadings
from rebal.policy.context import Context, compiled_policy
from rebal.policy.kinds import PolicyKind
from rebal.policy.policy import CompiledPolicy
from rebal.policy.schedule import period_end_mask
from rebal.policy.triggers import Rule
from rebal.types import FloatArray, Frequency

__all__ = ["FactorBandTrigger", "factor_band_path"]


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class FactorBandTrigger:
    """Rebalance to target when a factor's style drift leaves its band (module docstring).

    Parameters
    ----------
    table
        The factor returns (a French-library table, same frequency as the prices), or
        ``None`` with ``loadings``.
    loadings
        Loadings stated per asset instead of estimated: ``{asset: {factor: loading}}``,
        constant over time (every held asset, every banded factor); ``None`` = estimate.
    bands
        The banded factors and their half-widths (loading units).
    factors
        The regression's factors (default: every factor column of ``table``); must
        include every banded factor.
    window
        Rows per regression.
    check
        The look calendar (default monthly).
    """

    table: FactorReturns | None
    bands: FactorBands
    loadings: Mapping[str, Mapping[str, float]] | None = None
    factors: tuple[str, ...] | None = None
    window: int = 36
    check: Frequency = Frequency.MONTHLY
    rule: ClassVar[Rule] = Rule.FACTOR_BAND
    kind: ClassVar[PolicyKind] = PolicyKind.FACTOR_BAND

    def __post_init__(self) -> None:
        if not isinstance(self.bands, FactorBands):
            raise ConfigError("FactorBandTrigger.bands must be FactorBands")
        if (self.table is None) == (self.loadings is None):
            raise ConfigError("FactorBandTrigger: give a factor file or stated loadings "
                              "(one of them)")
        if self.loadings is not None:
            stated: dict[str, dict[str, float]] = {}
            for asset, row in self.loadings.items():
                stated[asset] = {}
                for f in self.bands.factors:
                    if f not in row:
                        raise ConfigError(f"loadings.{asset}.{f} is required (a banded factor)")
                    stated[asset][f] = as_number(f"loadings.{asset}.{f}", row[f])
            object.__setattr__(self, "loadings", stated)
            object.__setattr__(self, "factors", self.bands.factors)
            object.__setattr__(self, "check", Frequency.parse(self.check, field="check"))
            return
        if not isinstance(self.table, FactorReturns):
            raise ConfigError("FactorBandTrigger.table must be FactorReturns (read_french)")
        model = self.table.names if self.factors is None else tuple(self.factors)
        for name in (*model, *self.bands.factors):
            self.table.column(name)  # InputError naming the file and the column
        missing = [f for f in self.bands.factors if f not in model]
        if missing:
            raise ConfigError(
                f"FactorBandTrigger: banded factors {missing} are not in the regression's "
                f"factors {list(model)}"
            )
        object.__setattr__(self, "factors", model)
        object.__setattr__(self, "window",
                           positive_int("FactorBandTrigger.window", self.window, minimum=2))
        object.__setattr__(self, "check", Frequency.parse(self.check, field="check"))

    @property
    def label(self) -> str:
        if self.loadings is not None:
            return f"factor-band:{self.bands.label},stated loadings"
        return f"factor-band:{self.bands.label},window={self.window}"

    def compile(self, ctx: Context, target: FloatArray, *, name: str) -> CompiledPolicy:
        fire, ratio = factor_band_path(self, ctx, target)
        return compiled_policy(
            name=name,
            check=fire,
            band=np.full((1, target.shape[0]), -1.0),
            sizing=0,
            scope=0,
            rule=int(Rule.FACTOR_BAND),
            regime=ratio,
            regime_label="factor drift / band (max over factors)",
        )


def factor_band_path(
    trigger: FactorBandTrigger, ctx: Context, target: FloatArray
) -> tuple[np.ndarray, FloatArray]:
    """The rows where ``trigger`` fires and the drift ratio on each look row.

    Returns
    -------
    (fire, ratio)
        ``(n_days,)`` bool on the backtest rows (never row 0), and ``(n_days,)``
        ``max_k |d_k| / half-width_k`` on look rows with loadings (NaN elsewhere).
    """
    target = np.asarray(target, dtype=np.float64)
    market = ctx.market
    n = ctx.n_days
    look = period_end_mask(ctx.dates, trigger.check)  # type: ignore[arg-type]
    look[0] = False
    rows = np.flatnonzero(look) + ctx.start
    held = np.flatnonzero(target > 0)
    if trigger.loadings is not None:
        missing = [market.assets[i] for i in held if market.assets[i] not in trigger.loadings]
        if missing:
            raise ConfigError(f"loadings: no stated loadings for the held assets {missing}")
        stated = np.array([[trigger.loadings[market.assets[i]][f] for f in trigger.bands.factors]
                           for i in held])
        beta_all = np.broadcast_to(stated, (market.n_days, *stated.shape))
        cols = list(range(len(trigger.bands.factors)))
    else:
        assert trigger.table is not None
        factors, excess, names = factor_returns_for(market, trigger.table, trigger.factors)
        beta_all = rolling_loadings(
            excess[:, held], factors, trigger.window,
            assets=tuple(market.assets[i] for i in held), names=names, rows=rows,
            source=trigger.table.source,
        ).beta
        cols = [names.index(f) for f in trigger.bands.factors]
    growth = market.prices[ctx.start :, held]
    w_star = target[held]
    fire = np.zeros(n, dtype=bool)
    ratio = np.full(n, np.nan)
    anchor = 0  # row of the last rebalance (the purchase at first)
    for t in np.flatnonzero(look):
        beta = beta_all[ctx.start + t][:, cols]  # (n_held, n_banded)
        if not np.isfinite(beta).all():
            continue
        w = w_star * growth[t] / growth[anchor]
        w = w / w.sum()
        drift = (w - w_star) @ beta
        width = trigger.bands.widths(w_star @ beta)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(width > 0, np.abs(drift) / width,
                         np.where(np.abs(drift) > 0, np.inf, 0.0))
        ratio[t] = float(r.max())
        if (np.abs(drift) > width).any():
            fire[t] = True
            anchor = int(t)
    return fire, ratio
