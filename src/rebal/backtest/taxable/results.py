"""The result of a taxable backtest: :class:`TaxableBacktestResult` and its metrics.

Units: dollars for values, trades, taxes and costs; fractions for returns and
rates. Row ``t`` of every ``(n_days, …)`` array is the state after the trades at
the close of ``dates[t]``. Taxes paid are losses of the portfolio (like costs),
not flows: ``returns[t] = values[t] / values[t-1] - 1``.

After-tax figures (``docs/taxable_backtests.md``)::

    years                     = (n_days - 1) / periods_per_year
    after_tax_value           = values[-1] - owed_usd            (bills not yet paid)
    liquidation_value         = net proceeds of selling every taxable lot
                                + traditional balances × (1 - ordinary rate)
                                + Roth balances - the bills then due
    after_tax_cagr            = (after_tax_value / initial) ** (1 / years) - 1
    after_tax_cagr_liquidated = (liquidation_value / initial) ** (1 / years) - 1
    tax_drag                  = pre_tax_cagr - after_tax_cagr   (and liquidated)
    tax_efficiency            = after_tax_cagr / pre_tax_cagr   (and liquidated),
                                NaN unless pre_tax_cagr > 0
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any

import numpy as np

from rebal.backtest.results import BacktestResult
from rebal.backtest.taxable.tax import YearTax
from rebal.tax.lots import Account, Trade, WashSaleSettings
from rebal.types import DateArray, FloatArray, IntArray

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["HarvestLog", "TaxMetrics", "TaxTradeReason", "TaxTradeTable",
           "TaxableBacktestResult", "after_tax_alpha"]


class TaxTradeReason(IntEnum):
    """Why a trade of a taxable backtest was made."""

    INITIAL = 0
    REBALANCE = 1
    HARVEST_SELL = 2
    HARVEST_BUY = 3
    SWAP_BACK = 4
    TAX_PAYMENT = 5
    TAX_REFUND = 6
    DIVIDEND = 7


def _ro(a: Any, dtype: Any = np.float64) -> np.ndarray:
    out = np.array(a, dtype=dtype)
    out.flags.writeable = False
    return out


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class TaxTradeTable:
    """Every trade in time order: ``day`` row, ``account`` / ``asset`` indices, signed
    gross ``value_usd`` (+ buy), ``units`` (of the unit price index), ``cost_usd``,
    ``reason_code`` (:class:`TaxTradeReason`)."""

    day: IntArray
    account: IntArray
    asset: IntArray
    value_usd: FloatArray
    units: FloatArray
    cost_usd: FloatArray
    reason_code: IntArray

    def __len__(self) -> int:
        return int(self.day.shape[0])


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class HarvestLog:
    """One row per harvest: ``day``, ``account``, ``sold`` and ``bought`` asset
    indices, ``loss_usd`` (recognized loss, > 0, selling costs included)."""

    day: IntArray
    account: IntArray
    sold: IntArray
    bought: IntArray
    loss_usd: FloatArray

    def __len__(self) -> int:
        return int(self.day.shape[0])


@dataclass(frozen=True, slots=True, kw_only=True)
class TaxMetrics:
    """After-tax metrics (fractions per year for CAGRs; dollars for money).

    ``*_liquidated`` fields assume everything is sold at the last close and the
    embedded gains taxed (traditional balances taxed as ordinary income).
    ``after_tax_alpha*`` are versus the after-tax buy-and-hold baseline given to
    :meth:`TaxableBacktestResult.metrics` (NaN without one).
    """

    pre_tax_cagr: float
    after_tax_cagr: float
    after_tax_cagr_liquidated: float
    tax_drag: float
    tax_drag_liquidated: float
    tax_efficiency: float
    tax_efficiency_liquidated: float
    total_tax_paid_usd: float
    tax_paid_by_year: dict[int, float]
    harvested_loss_usd: float
    n_harvests: int
    final_value_usd: float
    owed_usd: float
    after_tax_value_usd: float
    liquidation_value_usd: float
    total_costs_usd: float
    after_tax_alpha: float = float("nan")
    after_tax_alpha_liquidated: float = float("nan")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            v = getattr(self, name)
            if isinstance(v, dict):
                v = {str(k): float(x) for k, x in v.items()}
            elif isinstance(v, float) and v != v:
                v = None
            out[name] = v
        return out


def _cagr(end_value: float, start_value: float, years: float) -> float:
    if end_value <= 0:
        return -1.0
    return float((end_value / start_value) ** (1.0 / years) - 1.0)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class TaxableBacktestResult:
    """What a policy did on a market after tax.

    Attributes
    ----------
    policy_name, dates
        As in :class:`rebal.backtest.results.BacktestResult`.
    classes
        Target classes (their primary assets), in market order.
    assets
        Every asset held: the classes' primaries, then the substitutes.
    asset_class
        ``(n_assets,)`` class index of each asset.
    accounts
        The simulated accounts (``rebal.tax.Account``: id, type, lot method).
    target
        ``(n_classes,)`` household target (initial-dollar-weighted account targets).
    initial_usd
        Dollars invested at the first close (all accounts).
    values
        ``(n_days,)`` household value after each close's trades and tax payments.
    returns
        ``(n_days,)`` ``values[t] / values[t-1] - 1`` (taxes and costs are losses).
    unit_prices
        ``(n_days, n_assets)`` price-return index of each asset (the total-return
        prices divided by the cumulated dividend factor; equal to the prices
        without dividends). Lots are in these units.
    unit_days, units
        ``(k,)`` rows and ``(k, n_accounts, n_assets)`` units held from that row's
        close on (row 0 first).
    taxes_paid_usd, costs_usd
        ``(n_days,)`` tax paid (negative: a saving received) and trading costs per row.
    trades, harvests
        :class:`TaxTradeTable`, :class:`HarvestLog`.
    year_taxes
        One :class:`YearTax` per calendar year of the backtest (paid or owed).
    owed_usd
        Bills not paid by the last row (the last year's at least).
    liquidation_tax_usd, liquidation_value_usd
        Tax due if everything were sold at the last close (including ``owed_usd``
        and the traditional accounts' ordinary tax), and the value left.
    trade_history, wash_settings
        The simulated trades as ``rebal.tax.Trade`` records (audit them with
        ``rebal.tax.audit(trade_history, accounts, wash_settings)``), liquidation
        excluded.
    pre_tax
        The same policy run by the tax-blind engine (:func:`rebal.backtest.run_backtest`)
        on the classes' primaries, or ``None``.
    notes
        Conventions applied that a reader should know (parameter years …).
    """

    policy_name: str
    dates: DateArray
    classes: tuple[str, ...]
    assets: tuple[str, ...]
    asset_class: IntArray
    accounts: tuple[Account, ...]
    target: FloatArray
    initial_usd: float
    values: FloatArray
    returns: FloatArray
    unit_prices: FloatArray
    unit_days: IntArray
    units: FloatArray
    taxes_paid_usd: FloatArray
    costs_usd: FloatArray
    trades: TaxTradeTable
    harvests: HarvestLog
    year_taxes: tuple[YearTax, ...]
    owed_usd: float
    liquidation_tax_usd: float
    liquidation_value_usd: float
    trade_history: tuple[Trade, ...] = field(repr=False)
    wash_settings: WashSaleSettings = field(repr=False)
    periods_per_year: float = 252.0
    pre_tax: BacktestResult | None = field(default=None, repr=False)
    notes: tuple[str, ...] = ()

    # ------------------------------------------------------------ views
    @property
    def n_days(self) -> int:
        return int(self.dates.shape[0])

    @property
    def years(self) -> float:
        return (self.n_days - 1) / self.periods_per_year

    @property
    def final_value(self) -> float:
        return float(self.values[-1])

    @property
    def after_tax_value_usd(self) -> float:
        """Final value less the bills not yet paid (dollars)."""
        return float(self.values[-1] - self.owed_usd)

    @property
    def total_tax_paid_usd(self) -> float:
        return float(self.taxes_paid_usd.sum())

    @property
    def holdings_usd(self) -> FloatArray:
        """``(n_days, n_accounts, n_assets)`` dollars after each close (computed)."""
        rows = np.searchsorted(self.unit_days, np.arange(self.n_days), "right") - 1
        return self.units[rows] * self.unit_prices[:, None, :]

    def class_weights(self) -> FloatArray:
        """``(n_days, n_classes)`` household class weights after each close."""
        h = self.holdings_usd.sum(axis=1)
        out = np.zeros((self.n_days, len(self.classes)))
        for j, k in enumerate(self.asset_class):
            out[:, k] += h[:, j]
        return out / self.values[:, None]

    def metrics(self, baseline: TaxableBacktestResult | None = None) -> TaxMetrics:
        """After-tax metrics, optionally versus an after-tax buy-and-hold ``baseline``."""
        years = self.years
        pre = float("nan")
        if self.pre_tax is not None:
            pre = _cagr(float(self.pre_tax.values[-1]), self.initial_usd, years)
        at = _cagr(self.after_tax_value_usd, self.initial_usd, years)
        liq = _cagr(self.liquidation_value_usd, self.initial_usd, years)
        by_year: dict[int, float] = {}
        for y in self.year_taxes:
            if y.paid_day >= 0:
                by_year[y.year] = y.tax_usd
        alpha = alpha_liq = float("nan")
        if baseline is not None:
            alpha = at - _cagr(baseline.after_tax_value_usd, baseline.initial_usd, baseline.years)
            alpha_liq = liq - _cagr(baseline.liquidation_value_usd, baseline.initial_usd,
                                    baseline.years)
        return TaxMetrics(
            pre_tax_cagr=pre,
            after_tax_cagr=at,
            after_tax_cagr_liquidated=liq,
            tax_drag=pre - at,
            tax_drag_liquidated=pre - liq,
            # undefined unless the pre-tax CAGR is > 0 (docs/metrics.md, "Tax efficiency")
            tax_efficiency=at / pre if pre > 0 else float("nan"),
            tax_efficiency_liquidated=liq / pre if pre > 0 else float("nan"),
            total_tax_paid_usd=self.total_tax_paid_usd,
            tax_paid_by_year=by_year,
            harvested_loss_usd=float(self.harvests.loss_usd.sum()),
            n_harvests=len(self.harvests),
            final_value_usd=self.final_value,
            owed_usd=float(self.owed_usd),
            after_tax_value_usd=self.after_tax_value_usd,
            liquidation_value_usd=float(self.liquidation_value_usd),
            total_costs_usd=float(self.costs_usd.sum()),
            after_tax_alpha=alpha,
            after_tax_alpha_liquidated=alpha_liq,
        )

    # ------------------------------------------------------------ export
    def trades_frame(self) -> pd.DataFrame:
        """One row per trade: date, account, asset, value_usd, units, cost_usd, reason."""
        import pandas as pd

        tr = self.trades
        return pd.DataFrame({
            "date": pd.DatetimeIndex(self.dates[tr.day]),
            "account": [self.accounts[a].id for a in tr.account],
            "asset": [self.assets[j] for j in tr.asset],
            "value_usd": tr.value_usd,
            "units": tr.units,
            "cost_usd": tr.cost_usd,
            "reason": [TaxTradeReason(int(r)).name.lower() for r in tr.reason_code],
        })

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable: the series, trades, harvests, yearly taxes and metrics."""
        tr, hv = self.trades, self.harvests
        return {
            "policy": self.policy_name,
            "classes": list(self.classes),
            "assets": list(self.assets),
            "accounts": [a.to_dict() for a in self.accounts],
            "target": self.target.tolist(),
            "initial_usd": float(self.initial_usd),
            "dates": [str(d) for d in self.dates],
            "values": self.values.tolist(),
            "returns": self.returns.tolist(),
            "taxes_paid_usd": self.taxes_paid_usd.tolist(),
            "costs_usd": self.costs_usd.tolist(),
            "trades": {
                "date": [str(self.dates[d]) for d in tr.day],
                "account": [self.accounts[a].id for a in tr.account],
                "asset": [self.assets[j] for j in tr.asset],
                "value_usd": tr.value_usd.tolist(),
                "units": tr.units.tolist(),
                "cost_usd": tr.cost_usd.tolist(),
                "reason": [TaxTradeReason(int(r)).name.lower() for r in tr.reason_code],
            },
            "harvests": {
                "date": [str(self.dates[d]) for d in hv.day],
                "account": [self.accounts[a].id for a in hv.account],
                "sold": [self.assets[j] for j in hv.sold],
                "bought": [self.assets[j] for j in hv.bought],
                "loss_usd": hv.loss_usd.tolist(),
            },
            "year_taxes": [y.to_dict() for y in self.year_taxes],
            "owed_usd": float(self.owed_usd),
            "liquidation_tax_usd": float(self.liquidation_tax_usd),
            "liquidation_value_usd": float(self.liquidation_value_usd),
            "metrics": self.metrics().to_dict(),
            "notes": list(self.notes),
        }


def after_tax_alpha(result: TaxableBacktestResult, baseline: TaxableBacktestResult) -> tuple[
        float, float]:
    """``(before, after liquidation)`` after-tax CAGR of ``result`` minus ``baseline``'s."""
    m = result.metrics(baseline)
    return m.after_tax_alpha, m.after_tax_alpha_liquidated
