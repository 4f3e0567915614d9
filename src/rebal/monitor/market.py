"""The monitor's market rule: is today an action day for this household under a policy
that reads market data (volatility-scaled bands, VIX band table, adaptive frequency,
correlation regime, multi-factor score)?

The household's classes are given price columns (``classes → columns``; by default a
column named like the class). The policy is compiled on those columns' history up to
the household's date — as a backtest compiles it, so a band means what it means there —
and :func:`rebal.policy.decide` answers on the household's current class weights for
that last row: a ``policy_action`` alert [action] when a group rebalances today (its
classes and the day's bands named); nothing on other days.

A calendar knows that a row ends its month (quarter, …) only from the next row's date.
The monitor adds one row after the household's date, on the next weekday, with the last
prices repeated: so a household dated on the last weekday of a month is on an action day
of a monthly policy. (An exchange holiday on that weekday is not known here: a period
whose last trading day falls before a holiday weekday is seen one trading day late.)
Every estimator reads rows up to the household's date only, as in a backtest. A policy
that needs its own data on every row (a factor file, for ``factor-band``) and has none for
the added row is decided on the real rows only.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from rebal.data.french import FactorReturns
from rebal.data.market import MarketData
from rebal.errors import ConfigError, DataError, RebalError
from rebal.household.model import Household
from rebal.household.views import class_weights
from rebal.monitor.alerts import Alert, AlertKind, Severity
from rebal.policy.decide import decide, state_from_compiled
from rebal.policy.policy import Policy

__all__ = ["STALE_DAYS", "class_market", "factor_alerts", "policy_alerts"]

STALE_DAYS = 5
"""Most calendar days between the last price and the household's date (a long weekend)."""


def class_market(h: Household, market: MarketData,
                 columns: Mapping[str, str] | None = None) -> MarketData:
    """The history of ``h``'s classes (target order) up to ``h.as_of``.

    Raises
    ------
    ConfigError
        A class with no column (naming the flag, the class and the columns there are).
    DataError
        Fewer than two rows on or before the household's date, or prices that end more
        than :data:`STALE_DAYS` before it.
    """
    columns = dict(columns or {})
    names = []
    for t in h.targets:
        col = columns.get(t.asset_class, t.asset_class)
        if col not in market.assets:
            raise ConfigError(
                f"--class-prices: no price column for class {t.asset_class!r} (looked for "
                f"{col!r}; the prices have {', '.join(market.assets[:12])}); map it with "
                f"--class-prices {t.asset_class}=COLUMN")
        names.append(col)
    # one column per class, named by the class (two classes may follow one column)
    picked = MarketData(
        dates=market.dates, assets=tuple(t.asset_class for t in h.targets),
        prices=market.prices[:, [market.asset_index(c) for c in names]],
        risk_free=market.risk_free, periods_per_year=market.periods_per_year,
        aux=market.aux, source=market.source, notes=market.notes)
    day = np.datetime64(h.as_of, "D")
    if picked.dates[0] > day:
        raise DataError(f"the prices start {picked.dates[0]}, after the household's date "
                        f"{h.as_of}")
    kept = picked.between(None, day)
    if (day - kept.dates[-1]).astype(int) > STALE_DAYS:
        raise DataError(f"the prices end {kept.dates[-1]}, more than {STALE_DAYS} days before "
                        f"the household's date {h.as_of}: the market rule needs prices up to "
                        "that day")
    return kept


def policy_alerts(h: Household, market: MarketData, policy: Policy) -> list[Alert]:
    """The policy's decision for ``h`` on its date (module docstring).

    Parameters
    ----------
    market
        :func:`class_market` of the household (its classes, in target order).
    policy
        The policy (``rebal.policy.parse_policy``).
    """
    target = np.array([t.weight for t in h.targets])
    nxt = np.busday_offset(market.dates[-1], 1, roll="forward")
    extended = MarketData(
        dates=np.append(market.dates, nxt), assets=market.assets,
        prices=np.vstack([market.prices, market.prices[-1:]]),
        risk_free=None if market.risk_free is None else np.append(market.risk_free, 0.0),
        periods_per_year=market.periods_per_year,
        aux={k: np.append(v, v[-1:], axis=0) for k, v in market.aux.items()},
        source=market.source, notes=market.notes)
    try:
        compiled = policy.compile(extended, target)
    except RebalError:
        # a policy that needs its own data on every row (a factor file ending on the
        # household's date) has nothing for the added row: decide on the real rows only
        compiled = policy.compile(market, target)
    row = market.n_days - 1
    now = class_weights(h)
    weights = np.array([now[t.asset_class] for t in h.targets])
    decision = decide(state_from_compiled(compiled, row, weights, target))
    if not decision.act:
        return []
    band = compiled.band[row if compiled.band.shape[0] > 1 else 0]
    day = str(market.dates[row])
    parts = []
    figures: dict[str, float | str] = {"date": day}
    for i, t in enumerate(h.targets):
        if decision.breached[i] and band[i] < 0:  # no band: a calendar rebalance
            parts.append(f"{t.asset_class} {100 * weights[i]:.2f}% → target "
                         f"{100 * t.weight:.2f}%")
            figures[f"{t.asset_class}_weight"] = float(weights[i])
        elif decision.breached[i]:
            lo, hi = t.weight - band[i], t.weight + band[i]
            parts.append(f"{t.asset_class} {100 * weights[i]:.2f}% vs {100 * lo:.2f}%–"
                         f"{100 * hi:.2f}%")
            figures[f"{t.asset_class}_weight"] = float(weights[i])
            figures[f"{t.asset_class}_half_width"] = float(band[i])
    what = "; ".join(parts) if parts else "its trigger fires"
    if decision.score is not None:
        figures["score"] = float(decision.score)
        what += f" (score {decision.score:.1f})"
    return [Alert(
        household=h.name, kind=AlertKind.POLICY_ACTION, severity=Severity.ACTION,
        key=f"policy_action:{policy.name}",
        message=f"{policy.name}: {day} is an action day: {what}",
        figures=figures)]


def factor_alerts(h: Household, market: MarketData, factors: FactorReturns,
                  bands: Mapping[str, float], *, window: int = 252) -> list[Alert]:
    """Style drift of the household against factor bands (``docs/factors.md``).

    The classes' loadings are regressed on ``factors`` over the last ``window`` rows up to
    the household's date (:func:`rebal.factors.rolling_loadings`, every factor of the
    table); the drift of factor *k* is ``Σ_i (w_i − w*_i) β_ik`` (loading units,
    :func:`rebal.factors.bands.exposure_drift`) with the household's current class weights.
    A factor whose |drift| exceeds its band is a ``factor_drift`` alert [action].

    Parameters
    ----------
    market
        :func:`class_market` of the household.
    factors
        A French-library table (:func:`rebal.data.french.read_french`).
    bands
        Factor → absolute half-width in loading units (``HML=0.1``: "style drift exceeds
        10 %").
    window
        Rows per regression.
    """
    from rebal.factors.bands import exposure_drift
    from rebal.factors.loadings import factor_returns_for, rolling_loadings

    f, excess, names = factor_returns_for(market, factors)
    unknown = [k for k in bands if k not in names]
    if unknown:
        raise ConfigError(f"--factor-bands names {unknown[0]!r}, not a factor of "
                          f"{factors.source} ({', '.join(names)})")
    row = market.n_days - 1
    loadings = rolling_loadings(excess, f, window, assets=market.assets, names=names,
                                rows=np.array([row]), source=factors.source)
    beta = loadings.at(row)
    target = np.array([t.weight for t in h.targets])
    now = class_weights(h)
    weights = np.array([now[t.asset_class] for t in h.targets])
    drift = exposure_drift(weights, target, beta)
    out: list[Alert] = []
    day = str(market.dates[row])
    for k, name in enumerate(names):
        if name not in bands or not np.isfinite(drift[k]) or abs(drift[k]) <= bands[name]:
            continue
        out.append(Alert(
            household=h.name, kind=AlertKind.FACTOR_DRIFT, severity=Severity.ACTION,
            key=f"factor_drift:{name}",
            message=(f"{name} style drift {drift[k]:+.3f} is beyond its band ±{bands[name]:g} "
                     f"(loadings regressed on {loadings.window} rows up to {day})"),
            figures={"drift": float(drift[k]), "band": float(bands[name]),
                     "window": loadings.window, "date": day}))
    return out
