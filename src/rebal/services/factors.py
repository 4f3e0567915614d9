"""Service ``factors``: each asset's rolling factor loadings, and a portfolio's exposures
over time against factor bands (``rebal factors``, ``docs/factors.md``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rebal.errors import ConfigError
from rebal.types import DateArray, FloatArray

__all__ = ["FactorsRequest", "FactorsRun", "factors", "fetch_french_file"]


@dataclass(frozen=True, slots=True, kw_only=True)
class FactorsRequest:
    """What to estimate, as plain data.

    Attributes
    ----------
    factors
        A French-library file (``.csv`` or ``.zip``, as downloaded) or a shipped factor
        file's name (``us_ff3_monthly``, ``us_ff3_mom_monthly``).
    prices
        ``"default"``, a dataset name (``us_monthly`` for monthly factors) or a prices file.
    target
        Asset → weight (fractions summing to 1); ``None`` = equal weights of every asset.
    table
        ``"daily"``/``"monthly"``/``"annual"`` table of the file; ``None`` = its first.
    use
        The regression's factors (default every factor column of the table).
    window
        Rows per regression (36 = three years of months).
    bands
        Factor → band half-width in loading units (``{"HML": 0.10}``); ``None`` = none.
    policy
        The rebalancing policy whose portfolio's drift is shown (a short form such as
        ``"band:abs=0.05"`` or ``"factor-band:file=…"``; costless backtest); default
        ``"buy-and-hold"`` (the drift of a never-rebalanced portfolio).
    start, end
        ``YYYY-MM-DD`` bounds of the price rows.
    """

    factors: str
    prices: str = "default"
    target: Mapping[str, float] | None = None
    table: str | None = None
    use: tuple[str, ...] | None = None
    window: int = 36
    bands: Mapping[str, float] | None = None
    policy: str = "buy-and-hold"
    start: str | None = None
    end: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)  # arrays: identity
class FactorsRun:
    """Loadings of each asset and a portfolio's exposures over time.

    Attributes
    ----------
    dates
        ``(n_days,)`` the price rows.
    assets, names
        Assets and factors.
    window
        Rows per regression.
    beta, se, r2
        ``(n_days, n_assets, n_factors)`` loadings and standard errors, ``(n_days, n_assets)``
        R² (NaN before a full window).
    target
        ``(n_assets,)`` the target weights (fractions).
    weights
        ``(n_days, n_assets)`` the weights of the portfolio run by ``policy`` from the
        first row (buy-and-hold: the drift a never-rebalanced portfolio would have).
    exposure_target, exposure_held
        ``(n_days, n_factors)`` exposures (value-weighted loadings) of the target weights
        and of ``weights``.
    bands
        Factor → half-width (loading units) of the style drift
        ``exposure_held − exposure_target``.
    factor_source, price_source
        Where the factors and the prices came from.
    """

    dates: DateArray
    assets: tuple[str, ...]
    names: tuple[str, ...]
    window: int
    beta: FloatArray
    se: FloatArray
    r2: FloatArray
    target: FloatArray
    weights: FloatArray
    exposure_target: FloatArray
    exposure_held: FloatArray
    bands: Mapping[str, float] = field(default_factory=dict)
    policy: str = "buy-and-hold"
    rebalance_days: tuple[int, ...] = ()
    factor_source: str = ""
    price_source: str = ""

    @property
    def last_row(self) -> int:
        """The last row with loadings for every asset (``-1`` when none has them)."""
        ok = np.flatnonzero(np.isfinite(self.beta).all(axis=(1, 2)))
        return int(ok[-1]) if ok.size else -1

    @property
    def drift(self) -> FloatArray:
        """``(n_days, n_factors)`` style drift of the policy's weights (loading units)."""
        return self.exposure_held - self.exposure_target

    def breaches(self) -> dict[str, int]:
        """Factor → number of rows on which its drift is beyond its band."""
        d = self.drift
        return {f: int((np.abs(d[:, self.names.index(f)]) > w).sum())
                for f, w in self.bands.items()}

    def to_dict(self) -> dict[str, Any]:
        """``rebal factors --json``: loadings at the last row with loadings (fractions,
        loading units), and the exposures there."""
        t = self.last_row
        if t < 0:
            raise ConfigError("no row has loadings for every asset (window longer than the "
                              "common history?)")
        return {
            "date": str(self.dates[t]),
            "window_rows": self.window,
            "factors": list(self.names),
            "loadings": {
                a: {"beta": {n: float(self.beta[t, i, k]) for k, n in enumerate(self.names)},
                    "se": {n: float(self.se[t, i, k]) for k, n in enumerate(self.names)},
                    "r2": float(self.r2[t, i])}
                for i, a in enumerate(self.assets)
            },
            "target": {a: float(w) for a, w in zip(self.assets, self.target, strict=True)},
            "exposure_target": {n: float(self.exposure_target[t, k])
                                for k, n in enumerate(self.names)},
            "policy": self.policy,
            "rebalances": len(self.rebalance_days),
            "exposure_portfolio": {n: float(self.exposure_held[t, k])
                                   for k, n in enumerate(self.names)},
            "bands": dict(self.bands),
            "rows_beyond_band": self.breaches(),
            "data": {"factors": self.factor_source, "prices": self.price_source},
        }


def factors(request: FactorsRequest) -> FactorsRun:
    """Run :class:`FactorsRequest`: read the factors and prices, regress, weigh."""
    from rebal.data.french import read_french
    from rebal.datasets import resolve_factor_file
    from rebal.factors import factor_returns_for, portfolio_exposure, rolling_loadings
    from rebal.services.backtest import load_prices

    table = read_french(resolve_factor_file(request.factors), table=request.table)
    market = load_prices(request.prices)
    if request.start or request.end:
        market = market.between(request.start, request.end)
    if request.target is None:
        target = {a: 1.0 / market.n_assets for a in market.assets}
    else:
        target = dict(request.target)
        unknown = [a for a in target if a not in market.assets]
        if unknown:
            raise ConfigError(f"--target names assets the prices lack: {', '.join(unknown)} "
                              f"(assets: {', '.join(market.assets)})")
        total = sum(target.values())
        if abs(total - 1) > 1e-9 or min(target.values()) < 0:
            raise ConfigError(f"--target weights must be >= 0 and sum to 1, got {total:g}")
        market = market.select([a for a in market.assets if a in target])
    w = np.array([target[a] for a in market.assets])
    f, excess, names = factor_returns_for(market, table, request.use)
    bands = dict(request.bands or {})
    for name, width in bands.items():
        if name not in names:
            raise ConfigError(f"--bands names {name!r}, not a factor of the regression "
                              f"({', '.join(names)})")
        if not width > 0:
            raise ConfigError(f"--bands {name} must be > 0, got {width}")
    L = rolling_loadings(excess, f, request.window, assets=market.assets, names=names,
                         source=table.source)
    from rebal.backtest import run_backtest
    from rebal.policy import parse_policy

    result = run_backtest(market, target, parse_policy(request.policy))
    held = result.weights
    return FactorsRun(
        dates=market.dates, assets=market.assets, names=names, window=L.window, beta=L.beta,
        se=L.se, r2=L.r2, target=w, weights=held,
        exposure_target=portfolio_exposure(w, L.beta),
        exposure_held=portfolio_exposure(held, L.beta), bands=bands,
        policy=str(result.policy_name),
        rebalance_days=tuple(int(d) for d in result.rebalance_days),
        factor_source=table.source, price_source=market.source,
    )


def fetch_french_file(name: str, *, cache: str | None = None, refresh: bool = False) -> str:
    """Download a French-library file into the cache (``rebal data fetch french NAME``);
    the cached path. See :func:`rebal.data.french.fetch_french`."""
    from rebal.data.french import fetch_french

    return str(fetch_french(name, cache=cache, refresh=refresh))
