"""The hedge as its own decision: per foreign currency a hedge-ratio target and a band.

A :class:`HedgeSpec` says, for each foreign-currency exposure of a portfolio, what
fraction of it to hedge with one-month forwards (the target hedge ratio, in [0, 1]),
how far the actual ratio may drift before the forwards are resized (the band, an
absolute fraction), how often the forwards roll (monthly) and what each FX conversion
costs. It is separate from the asset allocation: the allocation's policy trades the
securities; the overlay (:func:`rebal.currency.overlay.run_overlay`) only sizes the
forwards against what the portfolio holds.

Exposure (look-through)
    ``exposures`` maps each security to its currency mix: ``{"EFA": {"EUR": 0.45,
    "JPY": 0.30, "GBP": 0.25}}`` for a fund (weights in [0, 1] summing to at most 1; the
    rest is in the base currency), or ``{"DAX": {"EUR": 1.0}}`` for a security quoted in
    one currency (:meth:`HedgeSpec.from_currencies` builds these). The exposure to
    currency ``c`` on a day is ``E_c = Σ_i value_i × w_ic`` (base currency).

Dynamic hedge ratio (:class:`DynamicHedge`)
    ``h_t = clip(h × vol_t / long-run vol_t, floor, cap)`` with ``vol_t`` the trailing
    realized volatility of the currency's daily FX returns (base per unit of foreign)
    and its causal long-run average — the very estimator and scaling rule of the
    volatility-scaled band (:class:`rebal.policy.volatility.VolEstimator`,
    :func:`rebal.policy.volatility.vol_scaled`): more hedging when currency risk is
    above its norm, less when below; ``h`` during the warm-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from rebal.checks import non_negative
from rebal.currency.convert import check_code
from rebal.data.market import MarketData
from rebal.errors import ConfigError
from rebal.policy.volatility import LongRun, VolEstimator, VolSource, vol_scaled
from rebal.types import FloatArray, Frequency

__all__ = ["DynamicHedge", "HedgeSpec", "hedge_ratio"]


def hedge_ratio(name: str, value: object) -> float:
    """A hedge ratio: a number in [0, 1], else a one-line ConfigError naming ``name``."""
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number in [0, 1], got {value!r}") from None
    if not (np.isfinite(x) and 0.0 <= x <= 1.0):
        raise ConfigError(f"{name} must be in [0, 1] (a hedge ratio), got {value!r}")
    return x


@dataclass(frozen=True, slots=True, kw_only=True)
class DynamicHedge:
    """Scale the hedge ratio by FX volatility (see the module docstring).

    Parameters
    ----------
    floor, cap
        Bounds of the scaled ratio, ``0 <= floor <= cap <= 1``; the target ratio must lie
        between them.
    window_rows
        Realized-vol window in rows (21 = one month of trading days).
    long_run
        ``"expanding"`` (all rows so far, after ``long_run_rows`` of warm-up) or
        ``"trailing"`` (the last ``long_run_rows`` rows).
    long_run_rows
        Warm-up or window of the long-run average, rows (252 = one year).
    """

    floor: float = 0.0
    cap: float = 1.0
    window_rows: int = 21
    long_run: LongRun | str = LongRun.EXPANDING
    long_run_rows: int = 252

    def __post_init__(self) -> None:
        floor = hedge_ratio("hedge.dynamic.floor", self.floor)
        cap = hedge_ratio("hedge.dynamic.cap", self.cap)
        if floor > cap:
            raise ConfigError(f"hedge.dynamic: need floor <= cap, got {floor:g} > {cap:g}")
        object.__setattr__(self, "floor", floor)
        object.__setattr__(self, "cap", cap)
        object.__setattr__(self, "long_run",
                           LongRun.parse(self.long_run, field="hedge.dynamic.long_run"))
        self.estimator("EUR")  # validates the windows with the estimator's own messages

    def estimator(self, currency: str) -> VolEstimator:
        """The vol estimator of one currency's FX series (an asset named ``currency``)."""
        return VolEstimator(source=VolSource.ASSET, asset=currency, window_rows=self.window_rows,
                            long_run=LongRun.parse(self.long_run),
                            long_run_rows=self.long_run_rows)

    def ratios(self, base_ratio: float, dates: np.ndarray, currency: str, spot: FloatArray,
               periods_per_year: float) -> FloatArray:
        """``(n_days,)`` the scaled hedge ratio from the spot rate ``spot`` (base per unit
        of ``currency``); row ``t`` uses rates of rows ``<= t`` only."""
        if not self.floor <= base_ratio <= self.cap:
            raise ConfigError(f"hedge.ratio for {currency} ({base_ratio:g}) must lie between "
                              f"hedge.dynamic.floor {self.floor:g} and cap {self.cap:g}")
        market = MarketData(dates=dates, assets=(currency,),
                            prices=np.asarray(spot, dtype=np.float64)[:, None],
                            periods_per_year=periods_per_year, source="fx")
        vs = self.estimator(currency).series(market, np.ones(1))
        return vol_scaled(base_ratio, vs.ratio, self.floor, self.cap)


@dataclass(frozen=True, slots=True, kw_only=True)
class HedgeSpec:
    """What to hedge and how (see the module docstring).

    Parameters
    ----------
    exposures
        Security → {currency: weight} (look-through currency mix, weights in [0, 1]
        summing to at most 1).
    ratio
        Target hedge ratio in [0, 1]: one figure for every foreign currency, or currency →
        ratio covering each of them.
    band
        Absolute band around the target (0.05: resize when the actual ratio is more than
        5 points away); 0 resizes on every check.
    base
        The base currency (ISO code).
    roll
        How often the forwards are settled and rolled (default monthly: one-month
        forwards).
    check
        How often the actual ratio is compared with the band (default daily).
    cost_bps
        FX conversion cost, basis points, on every forward traded (the change of
        notional) and on each settlement (the cash converted into the base currency).
    dynamic
        :class:`DynamicHedge` to scale the ratio by FX volatility; ``None``: static.
    """

    exposures: Mapping[str, Mapping[str, float]]
    ratio: float | Mapping[str, float] = 1.0
    band: float = 0.05
    base: str = "USD"
    roll: Frequency | str = Frequency.MONTHLY
    check: Frequency | str = Frequency.DAILY
    cost_bps: float = 0.0
    dynamic: DynamicHedge | None = None
    currencies: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        base = check_code(self.base, field="hedge.base")
        exposures: dict[str, dict[str, float]] = {}
        for asset, mix in dict(self.exposures).items():
            if not isinstance(mix, Mapping):
                raise ConfigError(f"hedge.exposures.{asset} must map currency -> weight, got "
                                  f"{mix!r}")
            row = {}
            for ccy, w in mix.items():
                code = check_code(ccy, field=f"hedge.exposures.{asset}")
                row[code] = non_negative(f"hedge.exposures.{asset}.{code}", w, upper=1.0)
            if sum(row.values()) > 1.0 + 1e-9:
                raise ConfigError(f"hedge.exposures.{asset}: currency weights sum to "
                                  f"{sum(row.values()):g} > 1")
            exposures[str(asset)] = row
        foreign = tuple(sorted({c for mix in exposures.values() for c in mix if c != base}))
        if isinstance(self.ratio, Mapping):
            ratios = {check_code(c, field="hedge.ratio"): hedge_ratio(f"hedge.ratio.{c}", v)
                      for c, v in self.ratio.items()}
            missing = [c for c in foreign if c not in ratios]
            if missing:
                raise ConfigError(f"hedge.ratio: no ratio for {', '.join(missing)} (the "
                                  f"exposures' foreign currencies are {', '.join(foreign)})")
            extra = [c for c in ratios if c not in foreign]
            if extra:
                raise ConfigError(f"hedge.ratio: {', '.join(extra)} is not a foreign currency "
                                  f"of the exposures ({', '.join(foreign) or 'none'})")
            ratio: float | dict[str, float] = ratios
        else:
            ratio = hedge_ratio("hedge.ratio", self.ratio)
        object.__setattr__(self, "base", base)
        object.__setattr__(self, "exposures", exposures)
        object.__setattr__(self, "ratio", ratio)
        object.__setattr__(self, "band", non_negative("hedge.band", self.band, upper=1.0))
        object.__setattr__(self, "roll", Frequency.parse(self.roll, field="hedge.roll"))
        object.__setattr__(self, "check", Frequency.parse(self.check, field="hedge.check"))
        object.__setattr__(self, "cost_bps",
                           non_negative("hedge.cost_bps", self.cost_bps, upper=1000.0))
        if self.dynamic is not None and not isinstance(self.dynamic, DynamicHedge):
            raise ConfigError(f"hedge.dynamic must be a DynamicHedge, got "
                              f"{type(self.dynamic).__name__}")
        object.__setattr__(self, "currencies", foreign)

    @classmethod
    def from_currencies(cls, currencies: Mapping[str, str], **options: object) -> HedgeSpec:
        """A spec whose exposures are each security's own currency (weight 1)."""
        return cls(exposures={a: {c: 1.0} for a, c in currencies.items()},
                   **options)  # type: ignore[arg-type]

    def target_ratio(self, currency: str) -> float:
        """The (static) target hedge ratio of ``currency``."""
        if isinstance(self.ratio, Mapping):
            return float(self.ratio[currency])
        return float(self.ratio)

    def weights(self, assets: tuple[str, ...]) -> FloatArray:
        """``(n_assets, n_currencies)`` look-through weights on ``assets`` (in order)."""
        unknown = [a for a in self.exposures if a not in assets]
        if unknown:
            raise ConfigError(f"hedge.exposures: unknown security {', '.join(unknown)}; the "
                              f"portfolio holds {', '.join(assets)}")
        w = np.zeros((len(assets), len(self.currencies)))
        for asset, mix in self.exposures.items():
            for ccy, weight in mix.items():
                if ccy in self.currencies:
                    w[assets.index(asset), self.currencies.index(ccy)] = weight
        return w

    def targets(self, dates: np.ndarray, spot: FloatArray,
                periods_per_year: float) -> FloatArray:
        """``(n_days, n_currencies)`` target hedge ratio per row (static, or scaled by
        FX volatility; ``spot[:, j]`` base per unit of ``currencies[j]``)."""
        n = spot.shape[0]
        out = np.empty((n, len(self.currencies)))
        for j, ccy in enumerate(self.currencies):
            h = self.target_ratio(ccy)
            if self.dynamic is None:
                out[:, j] = h
            else:
                out[:, j] = self.dynamic.ratios(h, dates, ccy, spot[:, j], periods_per_year)
        return out

    @property
    def label(self) -> str:
        if isinstance(self.ratio, Mapping):
            what = ",".join(f"{c}={v:g}" for c, v in self.ratio.items())
        else:
            what = f"{self.ratio:g}"
        dyn = " vol-scaled" if self.dynamic is not None else ""
        return f"hedge {what}{dyn} ±{self.band:g}"
