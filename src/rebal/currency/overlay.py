"""The hedging overlay: one-month forwards over a portfolio's foreign exposures.

For each foreign currency ``c`` (rows ``t``; ``S_t`` base per unit of ``c``;
``E_t`` the exposure in base, :class:`~rebal.currency.hedge.HedgeSpec`; ``h_t`` the target
ratio) the overlay holds one forward selling ``N`` units of ``c`` at the contract rate
``K`` (the spot when it was opened). Every row, in this order:

1. the hedge account (cash in base) earns the row's risk-free return ``rf_t``;
   with short-rate series the open forward accrues carry
   ``N × K × (rB_t − rc_t)`` (per-row base and foreign short-rate returns), otherwise
   carry is zero and the result says ``hedge carry: not modelled (no rate series)``;
2. on a roll day (``spec.roll``, default the last row of each month) the forward is
   settled: ``P&L = −N × (S_t − K) + carry`` — over a month
   ``−h × notional × (FX return over the month)`` — goes into the hedge account, less
   ``cost_bps`` on its absolute value, and a new forward is opened at ``K = S_t``;
3. on a check day (``spec.check``, default daily) and on roll days, if the actual ratio
   ``a_t = N × S_t / E_t`` is more than ``band`` away from ``h_t`` the forward is resized
   to ``N = h_t × E_t / S_t`` (between rolls, the open forward is first settled as in 2),
   paying ``cost_bps`` on the notional traded ``|ΔN| × S_t``; on row 0 the forward is
   opened at the target; with no exposure (``E_t <= 0``) an open forward is closed.

Between rolls the notional is fixed while the exposure moves, so the actual ratio
drifts. The hedge account is not invested in the allocation (the hedge is its own
decision): the hedged portfolio is worth ``portfolio + account + unrealized P&L`` of the
open forwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from rebal.currency.hedge import HedgeSpec
from rebal.errors import ConfigError, DataError
from rebal.policy.schedule import period_end_mask
from rebal.types import BoolArray, FloatArray

if TYPE_CHECKING:
    from rebal.data.fx import FxTable
    from rebal.data.market import MarketData


class Holdings(Protocol):
    """What the overlay reads of a backtest (a ``rebal.backtest.BacktestResult``; the
    overlay sits beside the engine and does not import it)."""

    @property
    def market(self) -> MarketData: ...
    @property
    def assets(self) -> tuple[str, ...]: ...
    @property
    def holdings_usd(self) -> FloatArray: ...

__all__ = ["NO_CARRY", "HedgeResult", "hedge_overlay", "run_overlay"]

NO_CARRY = "hedge carry: not modelled (no rate series)"
"""What the result says when no short-rate series were given."""

_TOL = 1e-12


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class HedgeResult:
    """The overlay over a portfolio's rows (values in the base currency).

    Attributes
    ----------
    dates
        ``(n_days,)``.
    currencies
        The hedged foreign currencies (columns of the 2-d arrays).
    portfolio
        ``(n_days,)`` value of the portfolio without the hedge.
    account
        ``(n_days,)`` hedge account: settled P&L, less costs, with interest.
    unrealized
        ``(n_days,)`` mark-to-market P&L of the open forwards (carry included).
    exposure, target, actual, notional
        ``(n_days, n_currencies)``: exposure (base), target ratio, actual ratio after the
        row's decisions, open notional at the day's spot ``N × S_t`` (base).
    settled, costs, traded, rolled
        ``(n_days,)``: P&L settled, costs paid, notional traded ``Σ|ΔN| × S_t``, notional
        rolled ``Σ N × S_t`` on roll days (base).
    resized
        ``(n_days, n_currencies)`` bool: the forward was resized that row (row 0: opened).
    periods_per_year
        Rows per year (for annual figures).
    carry_modelled
        Whether short-rate series gave the carry.
    notes
        What was and was not modelled (``NO_CARRY`` …).
    """

    dates: np.ndarray
    currencies: tuple[str, ...]
    portfolio: FloatArray
    account: FloatArray
    unrealized: FloatArray
    exposure: FloatArray
    target: FloatArray
    actual: FloatArray
    notional: FloatArray
    settled: FloatArray
    costs: FloatArray
    traded: FloatArray
    rolled: FloatArray
    resized: BoolArray
    periods_per_year: float
    carry_modelled: bool
    notes: tuple[str, ...] = field(default=())

    @property
    def total(self) -> FloatArray:
        """``(n_days,)`` the hedged portfolio: portfolio + account + unrealized (base)."""
        return self.portfolio + self.account + self.unrealized

    @property
    def years(self) -> float:
        return (self.dates.shape[0] - 1) / self.periods_per_year

    @property
    def total_costs(self) -> float:
        """All conversion costs of the hedge (base)."""
        return float(self.costs.sum())

    @property
    def annual_turnover(self) -> float:
        """Notional traded per year (resizes and the opening; rolls excluded) as a
        fraction of the average hedged value."""
        return float(self.traded.sum() / self.total.mean() / max(self.years, 1e-12))

    @property
    def annual_rolled(self) -> float:
        """Notional rolled per year as a fraction of the average hedged value."""
        return float(self.rolled.sum() / self.total.mean() / max(self.years, 1e-12))

    @property
    def n_resizes(self) -> int:
        """Resizes after the opening (row 0 excluded), summed over currencies."""
        return int(self.resized[1:].sum())

    def returns(self, flows: FloatArray | None = None) -> FloatArray:
        """``(n_days - 1,)`` time-weighted returns of the hedged portfolio (rows 1…),
        ``flows`` (base, per row) being external cash added at the close."""
        total = self.total
        f = np.zeros_like(total) if flows is None else np.asarray(flows, dtype=np.float64)
        return (total[1:] - f[1:]) / total[:-1] - 1.0

    def summary(self, flows: FloatArray | None = None) -> dict[str, Any]:
        """The hedged portfolio's figures (fractions; money in the base currency)."""
        from rebal.metrics import annual_volatility, cagr, max_drawdown_depth

        r = self.returns(flows)
        return {
            "currencies": list(self.currencies),
            "final_value": float(self.total[-1]),
            "cagr": float(cagr(r, self.periods_per_year)),
            "annual_volatility": float(annual_volatility(r, self.periods_per_year)),
            "max_drawdown": float(max_drawdown_depth(r)),
            "hedge_costs": self.total_costs,
            "annual_turnover": self.annual_turnover,
            "annual_rolled": self.annual_rolled,
            "n_resizes": self.n_resizes,
            "account_final": float(self.account[-1]),
            "account_share_mean": float(np.mean(self.account / self.total)),
            "mean_hedge_ratio": [float(x) for x in self.actual.mean(axis=0)],
            "notes": list(self.notes),
        }


def hedge_overlay(dates: np.ndarray, assets: tuple[str, ...], holdings: FloatArray,
                  spot: FloatArray, spec: HedgeSpec, *, risk_free: FloatArray | None = None,
                  short_rates: Mapping[str, FloatArray] | None = None,
                  periods_per_year: float = 252.0) -> HedgeResult:
    """Run the overlay (module docstring) on arrays.

    Parameters
    ----------
    dates
        ``(n_days,)`` ``datetime64[D]``.
    assets
        Names of the columns of ``holdings``.
    holdings
        ``(n_days, n_assets)`` value held in each security after each close (base).
    spot
        ``(n_days, n_currencies)`` base per unit of ``spec.currencies[j]``.
    spec
        The hedge.
    risk_free
        ``(n_days,)`` per-row simple return of cash in base (the account's interest);
        ``None``: zero.
    short_rates
        Currency code → ``(n_days,)`` per-row simple short-rate returns, for the base and
        every hedged currency (then carry is modelled); ``None`` or incomplete: no carry.
    periods_per_year
        Rows per year (dynamic ratio's vol; annual figures).
    """
    dates = np.asarray(dates, dtype="datetime64[D]")
    h_val = np.asarray(holdings, dtype=np.float64)
    s = np.asarray(spot, dtype=np.float64)
    n, k = dates.shape[0], len(spec.currencies)
    if h_val.shape != (n, len(assets)):
        raise ConfigError(f"holdings must have shape ({n}, {len(assets)}), got {h_val.shape}")
    if s.shape != (n, k):
        raise ConfigError(f"spot must have shape ({n}, {k}), got {s.shape}")
    if not (np.isfinite(s).all() and (s > 0).all()):
        raise DataError("spot rates must be finite and > 0 on every row")
    rf = np.zeros(n) if risk_free is None else np.asarray(risk_free, dtype=np.float64)
    if rf.shape != (n,):
        raise ConfigError(f"risk_free must have shape ({n},), got {rf.shape}")
    notes = []
    rates = dict(short_rates or {})
    need = (spec.base, *spec.currencies)
    missing = [c for c in need if c not in rates]
    carry = k > 0 and not missing
    if carry:
        diff = np.column_stack([np.asarray(rates[spec.base], dtype=np.float64)
                                - np.asarray(rates[c], dtype=np.float64)
                                for c in spec.currencies])
        notes.append("hedge carry: modelled from the short-rate series "
                     + ", ".join(need))
    else:
        diff = np.zeros((n, k))
        notes.append(NO_CARRY if not rates
                     else f"hedge carry: not modelled (no rate series for {', '.join(missing)})")
    exposure = h_val @ spec.weights(assets)
    target = spec.targets(dates, s, periods_per_year)
    roll = period_end_mask(dates, spec.roll)  # type: ignore[arg-type]
    check = period_end_mask(dates, spec.check) | roll  # type: ignore[arg-type]
    bps = spec.cost_bps / 1e4

    account = np.zeros(n)
    unreal = np.zeros(n)
    actual = np.zeros((n, k))
    notional = np.zeros((n, k))
    settled = np.zeros(n)
    costs = np.zeros(n)
    traded = np.zeros(n)
    rolled = np.zeros(n)
    resized = np.zeros((n, k), dtype=np.bool_)
    units = np.zeros(k)  # N: foreign units sold forward
    rate = s[0].copy()  # K: contract rate
    accrued = np.zeros(k)  # carry accrued on the open forward
    cash = 0.0
    for t in range(n):
        if t > 0:
            cash *= 1.0 + rf[t]
        for j in range(k):
            if t > 0:
                accrued[j] += units[j] * rate[j] * diff[t, j]
            pnl = -units[j] * (s[t, j] - rate[j]) + accrued[j]
            e = exposure[t, j]
            if e > 0:
                now = units[j] * s[t, j] / e
                out = t == 0 or (check[t] and abs(now - target[t, j]) > spec.band + _TOL)
            else:  # nothing to hedge: close an open forward, else nothing to do
                out = t == 0 or (check[t] and units[j] != 0)
            if t > 0 and (roll[t] or out):
                cash += pnl
                fee = bps * abs(pnl)
                cash -= fee
                costs[t] += fee
                settled[t] += pnl
                if roll[t]:
                    rolled[t] += units[j] * s[t, j]
                rate[j] = s[t, j]
                accrued[j] = 0.0
            if out:
                new = target[t, j] * e / s[t, j] if e > 0 else 0.0
                size = abs(new - units[j]) * s[t, j]
                fee = bps * size
                cash -= fee
                costs[t] += fee
                traded[t] += size
                units[j] = new
                rate[j] = s[t, j]
                resized[t, j] = True
            notional[t, j] = units[j] * s[t, j]
            actual[t, j] = notional[t, j] / e if e > 0 else 0.0
            unreal[t] += -units[j] * (s[t, j] - rate[j]) + accrued[j]
        account[t] = cash
    return HedgeResult(dates=dates, currencies=spec.currencies, portfolio=h_val.sum(axis=1),
                       account=account, unrealized=unreal, exposure=exposure, target=target,
                       actual=actual, notional=notional, settled=settled, costs=costs,
                       traded=traded, rolled=rolled, resized=resized,
                       periods_per_year=periods_per_year, carry_modelled=carry,
                       notes=tuple(notes))


def run_overlay(result: Holdings, spec: HedgeSpec, fx: FxTable, *,
                short_rates: Mapping[str, FloatArray] | None = None) -> HedgeResult:
    """The overlay over a backtest's holdings (in ``spec.base``), the spot rates from
    ``fx`` on the backtest's rows, the account earning the market's risk-free return."""
    market = result.market
    spot = np.column_stack([fx.rate(c, spec.base, market.dates, flag=f"hedge {c}")
                            for c in spec.currencies]) if spec.currencies else np.ones(
        (market.n_days, 0))
    return hedge_overlay(market.dates, result.assets, result.holdings_usd, spot, spec,
                         risk_free=market.risk_free, short_rates=short_rates,
                         periods_per_year=market.periods_per_year)
