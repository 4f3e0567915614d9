"""The result of a backtest: :class:`BacktestResult`.

Units: dollars for values, holdings, trades, flows and costs; fractions for
weights and returns. Row ``t`` of every ``(n_days, …)`` array is the state after
the trades at the close of ``dates[t]``; row 0 is the initial purchase.

Returns are time-weighted: ``r_t = (V_t - flow_t) / V_{t-1} - 1`` where ``V_t``
is the value after the close's trades (costs are a loss, flows are not);
``r_0 = 0``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import numpy.typing as npt

from rebal.data.market import MarketData
from rebal.types import BoolArray, DateArray, FloatArray, IntArray

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BacktestResult", "RebalanceLog", "TradeReason", "TradeTable"]


class TradeReason(IntEnum):
    """Why a trade was made."""

    REBALANCE = 1
    FLOW = 2


_T = TypeVar("_T")


def _packed_instance(cls: type[_T], packed: tuple[Any, ...]) -> _T:
    """An instance of the column dataclass ``cls`` holding only the kernel's packed
    buffers ``(ints, floats, i0, f0, cap, n)``; its columns are cut on first access
    (:func:`_cut_column`)."""
    obj = object.__new__(cls)
    object.__setattr__(obj, "_packed", packed)
    return obj


def _cut_column(obj: Any, name: str, int_names: tuple[str, ...],
                float_names: tuple[str, ...]) -> Any:
    """Column ``name`` of ``obj``, set (with all its columns) from the kernel's packed
    buffers ``(ints, floats, i0, f0, cap, n)`` on first access: the k-th name of each
    list is the ``n`` entries from ``i0 + k·cap`` of ``ints`` (or ``f0 + k·cap`` of
    ``floats``), as views (the buffers are read-only). ``AttributeError`` for any other
    name, or when ``obj`` was built from arrays."""
    packed = object.__getattribute__(obj, "_packed")
    if packed is None or (name not in int_names and name not in float_names):
        raise AttributeError(name)
    ints, floats, i0, f0, cap, n = packed
    for k, col in enumerate(int_names):
        object.__setattr__(obj, col, ints[i0 + k * cap:i0 + k * cap + n])
    for k, col in enumerate(float_names):
        object.__setattr__(obj, col, floats[f0 + k * cap:f0 + k * cap + n])
    return object.__getattribute__(obj, name)


_REASON_TEXT = np.array(["", *(r.name.lower() for r in TradeReason)])
_REBALANCE_CODE = np.int64(TradeReason.REBALANCE)  # a numpy scalar: no enum conversion per call


def _frozen(a: np.ndarray) -> np.ndarray:
    """A read-only view (the caller's array itself stays writeable: freezing it would
    also change the type numba sees when it is passed to a kernel again)."""
    if not (isinstance(a, np.ndarray) and a.flags.c_contiguous):
        a = np.ascontiguousarray(a)
    if a.flags.writeable:
        a = a.view()
        a.flags.writeable = False
    return a


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)  # arrays: identity
class TradeTable:
    """Every trade, in time order (columns as arrays of equal length).

    Attributes
    ----------
    day
        Row index of the trade's close (int64).
    asset
        Column index into ``BacktestResult.assets`` (int64).
    value_usd
        Signed dollars traded (+ buy, - sell).
    cost_usd
        Dollars paid for the trade.
    reason_code
        :class:`TradeReason` codes (int64); ``reason`` gives them as text.
    """

    day: IntArray
    asset: IntArray
    value_usd: FloatArray
    cost_usd: FloatArray
    reason_code: IntArray
    # the kernel's packed buffers until a column is first read (see _from_kernel)
    _packed: tuple[Any, ...] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("day", "asset", "value_usd", "cost_usd", "reason_code"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    @classmethod
    def _from_kernel(
        cls, ints: IntArray, floats: FloatArray, i0: int, f0: int, cap: int, n: int
    ) -> TradeTable:
        """From the kernel's packed, read-only buffers: rows day, asset, reason of
        ``ints`` from ``i0`` and value, cost of ``floats`` from ``f0``, ``cap`` apart,
        ``n`` entries each. The columns (frozen contiguous views, so no checks) are
        cut on first access: many results are only ever summarised."""
        return _packed_instance(cls, (ints, floats, i0, f0, cap, n))

    def __getattr__(self, name: str) -> Any:
        # only reached for an unset slot: the columns of a table from the kernel
        return _cut_column(self, name, ("day", "asset", "reason_code"), ("value_usd", "cost_usd"))

    def __len__(self) -> int:
        return int(self.day.shape[0])

    @property
    def reason(self) -> npt.NDArray[np.str_]:
        """``"rebalance"`` / ``"flow"`` per trade (lower-case :class:`TradeReason` names)."""
        return _REASON_TEXT[self.reason_code]

    @property
    def is_rebalance(self) -> BoolArray:
        """True for each rebalance trade (``reason == "rebalance"``, read from the codes:
        :func:`~rebal.metrics.compute_metrics` uses it instead of formatting reasons)."""
        return np.equal(self.reason_code, _REBALANCE_CODE)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)  # arrays: identity
class RebalanceLog:
    """One entry per rebalance (initial purchase and flow-only trades excluded).

    A row on which several groups (tiers) rebalance has one entry per group, in
    group order.

    Attributes
    ----------
    day
        Row index (int64).
    rule
        :class:`rebal.policy.Rule` code of the rule that fired (int64).
    asset
        Column of the asset furthest beyond its band (the most drifted asset
        for a calendar rule; the largest drift in % of its band for the score),
        among the assets of the group that fired, before trading.
    drift
        That asset's ``|w - target|`` (weight fraction) before trading.
    band
        The half-width in force for that asset (NaN for a calendar rule).
    n_breached
        Assets of the group outside their band (all of them for a calendar rule).
    group
        The group (tier) that fired (int64; 0 without tiers).
    score
        The score that fired (NaN unless the policy is a score trigger).
    regime
        The policy's logged state on that row (``CompiledPolicy.regime``; NaN
        when the policy logs none).
    """

    day: IntArray
    rule: IntArray
    asset: IntArray
    drift: FloatArray
    band: FloatArray
    n_breached: IntArray
    group: IntArray | None = None
    score: FloatArray | None = None
    regime: FloatArray | None = None
    # the kernel's packed buffers until a column is first read (see _from_kernel)
    _packed: tuple[Any, ...] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        n = np.shape(self.day)[0]
        if self.group is None:
            object.__setattr__(self, "group", np.zeros(n, dtype=np.int64))
        for name in ("score", "regime"):
            if getattr(self, name) is None:
                object.__setattr__(self, name, np.full(n, np.nan))
        for name in _LOG_FIELDS:
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    @classmethod
    def _from_kernel(
        cls, ints: IntArray, floats: FloatArray, i0: int, f0: int, cap: int, n: int
    ) -> RebalanceLog:
        """From the kernel's packed, read-only buffers: rows day, rule, group, asset,
        n_breached of ``ints`` from ``i0`` and drift, band, score, regime of ``floats``
        from ``f0``, ``cap`` apart, ``n`` entries each. The columns (frozen views, no
        checks) are cut on first access."""
        return _packed_instance(cls, (ints, floats, i0, f0, cap, n))

    def __getattr__(self, name: str) -> Any:
        # only reached for an unset slot: the columns of a log from the kernel
        return _cut_column(self, name, ("day", "rule", "group", "asset", "n_breached"),
                           ("drift", "band", "score", "regime"))

    def __len__(self) -> int:
        return int(self.day.shape[0])


_LOG_FIELDS = ("day", "rule", "asset", "drift", "band", "n_breached", "group", "score", "regime")


def _rule_name(code: int) -> str:
    from rebal.policy.triggers import Rule

    try:
        return Rule(int(code)).name.lower()
    except ValueError:
        return str(int(code))


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)  # arrays: identity
class BacktestResult:
    """What a policy did on a market.

    Attributes
    ----------
    policy_name
        The policy's name.
    dates
        ``(n_days,)`` dates.
    assets
        Asset names (columns of the arrays below).
    target
        ``(n_assets,)`` target weights.
    initial_usd
        Dollars invested at the first close.
    values
        ``(n_days,)`` portfolio value after each close's trades (dollars).
    returns
        ``(n_days,)`` time-weighted simple returns (row 0 = 0; a property computed
        from ``values`` and ``flows_usd`` on first use, then cached).
    share_days
        ``(k,)`` rows (row 0 first, increasing) after whose trades ``shares`` was set.
    shares
        ``(k, n_assets)`` units of each asset's price index (``market.prices``)
        held from that row's close until the next trade: holdings are
        piecewise-constant in shares between trades.
    weights
        ``(n_days, n_assets)`` weights after each close's trades (a property:
        ``holdings_usd / values``, computed on first use, then cached).
    holdings_usd
        ``(n_days, n_assets)`` dollars held after each close's trades (a
        property: ``shares × prices`` on the share path, computed on first use,
        then cached).
    flows_usd
        ``(n_days,)`` cash flow at each close (+ in, - out).
    costs_usd
        ``(n_days,)`` trading costs paid at each close.
    trades
        Every trade (:class:`TradeTable`).
    rebalances
        Every rebalance and the rule that fired (:class:`RebalanceLog`).
    market
        The market the backtest ran on (its ``prices`` value the shares;
        risk-free series for metrics).
    score
        ``(n_days,)`` the score trigger's score on every look day (NaN on the
        other rows), or ``None`` when the policy has no score.
    regime
        ``(n_days,)`` the state the policy logs (VIX level, regime index …), or
        ``None``.
    regime_label
        What ``regime`` is ("" when there is none).
    """

    policy_name: str
    dates: DateArray
    assets: tuple[str, ...]
    target: FloatArray
    initial_usd: float
    values: FloatArray
    share_days: IntArray
    shares: FloatArray
    flows_usd: FloatArray
    costs_usd: FloatArray
    trades: TradeTable
    rebalances: RebalanceLog
    market: MarketData = field(repr=False, compare=False)
    score: FloatArray | None = None
    regime: FloatArray | None = None
    regime_label: str = ""
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("dates", "target", "values", "share_days", "shares",
                     "flows_usd", "costs_usd", "score", "regime"):
            a = getattr(self, name)
            if a is not None:
                object.__setattr__(self, name, _frozen(a))

    @classmethod
    def _from_engine(cls, **fields: Any) -> BacktestResult:
        """The engine's constructor: every field given, every array already read-only
        and contiguous (the engine's own or a frozen view), so no checks."""
        self = object.__new__(cls)
        sa = object.__setattr__
        for name, value in fields.items():
            sa(self, name, value)
        sa(self, "_cache", {})
        return self

    # ------------------------------------------------------------ views
    @property
    def n_days(self) -> int:
        return int(self.dates.shape[0])

    @property
    def returns(self) -> FloatArray:
        """``(n_days,)`` time-weighted simple returns, row 0 = 0 (computed on first use,
        then cached)."""
        r = self._cache.get("returns")
        if r is None:
            # (V_t - flow_t) / V_{t-1} - 1, each step written in place (no temporaries)
            v = self.values
            r = np.empty_like(v)
            r[0] = 0.0
            body = r[1:]
            np.subtract(v[1:], self.flows_usd[1:], out=body)
            np.divide(body, v[:-1], out=body)
            np.subtract(body, 1.0, out=body)
            r.flags.writeable = False
            self._cache["returns"] = r
        return r

    @property
    def holdings_usd(self) -> FloatArray:
        """``(n_days, n_assets)`` dollars held after each close's trades (cached)."""
        h = self._cache.get("holdings_usd")
        if h is None:
            rows = np.searchsorted(self.share_days, np.arange(self.n_days), "right") - 1
            h = _frozen(self.shares[rows] * self.market.prices)
            self._cache["holdings_usd"] = h
        return h

    @property
    def weights(self) -> FloatArray:
        """``(n_days, n_assets)`` weights (fractions) after each close's trades (cached)."""
        w = self._cache.get("weights")
        if w is None:
            w = _frozen(self.holdings_usd / self.values[:, None])
            self._cache["weights"] = w
        return w

    @property
    def weights_share_path(self) -> tuple[IntArray, FloatArray, FloatArray] | None:
        """``(share_days, shares, prices)``, from which :attr:`weights` derive with
        :attr:`values` (row ``t``: ``shares[k] * prices[t] / values[t]``, ``k`` the last
        share row at or before ``t``), while :attr:`weights` are not formed yet; ``None``
        once they are (cached: read them). :func:`rebal.metrics.compute_metrics` reads
        it so that summarising a result does not form two ``(n_days, n_assets)`` arrays."""
        if "weights" in self._cache:
            return None
        return self.share_days, self.shares, self.market.prices

    @property
    def final_value(self) -> float:
        """Portfolio value after the last close (dollars)."""
        return float(self.values[-1])

    @property
    def rebalance_days(self) -> IntArray:
        """Row indices of the rebalances (the initial purchase excluded)."""
        return self.rebalances.day

    @property
    def rebalance_dates(self) -> DateArray:
        return self.dates[self.rebalances.day]

    @property
    def n_rebalances(self) -> int:
        """Rebalances after the initial purchase (flow-only trades not counted)."""
        return len(self.rebalances)

    @property
    def total_costs_usd(self) -> float:
        return float(self.costs_usd.sum())

    @property
    def risk_free(self) -> FloatArray | None:
        """``(n_days,)`` risk-free simple return per row, or ``None`` when the data has none."""
        return self.market.risk_free

    @property
    def periods_per_year(self) -> float:
        """Rows per year of the data (252 daily, 12 monthly)."""
        return float(self.market.periods_per_year)

    def metrics(self, benchmark: BacktestResult | None = None) -> Any:
        """The metrics of this result (optionally versus ``benchmark``), cached.

        Delegates to :func:`rebal.metrics.compute_metrics` (with the benchmark's own
        cached :meth:`metrics` as the baseline).
        """
        # keyed by the benchmark object itself (held in the cache, compared by identity):
        # a bare id() could be reused by another object once the benchmark is collected
        pairs: list[tuple[BacktestResult | None, Any]] = self._cache.setdefault("metrics", [])
        for held, value in pairs:
            if held is benchmark:
                return value
        from rebal import metrics as _metrics

        # the benchmark's own metrics from its cache (compute_metrics takes them as the
        # baseline): the CLI asks for both, so buy-and-hold is computed once, not twice
        base = benchmark.metrics() if isinstance(benchmark, BacktestResult) else benchmark
        value = _metrics.compute_metrics(self, base)
        pairs.append((benchmark, value))
        return value

    # ------------------------------------------------------------ export
    def to_frame(self) -> pd.DataFrame:
        """Daily table: value, return, flow, cost, then one ``w:<asset>`` column per asset."""
        import pandas as pd

        data: dict[str, Any] = {
            "value_usd": self.values,
            "return": self.returns,
            "flow_usd": self.flows_usd,
            "cost_usd": self.costs_usd,
        }
        for j, name in enumerate(self.assets):
            data[f"w:{name}"] = self.weights[:, j]
        return pd.DataFrame(data, index=pd.DatetimeIndex(self.dates, name="date"))

    def trades_frame(self) -> pd.DataFrame:
        """One row per trade: date, asset, value_usd, cost_usd, reason."""
        import pandas as pd

        tr = self.trades
        return pd.DataFrame(
            {
                "date": pd.DatetimeIndex(self.dates[tr.day]),
                "asset": [self.assets[i] for i in tr.asset],
                "value_usd": tr.value_usd,
                "cost_usd": tr.cost_usd,
                "reason": tr.reason,
            }
        )

    def rebalances_frame(self) -> pd.DataFrame:
        """One row per rebalance: date, rule, group, asset, drift, band, n_breached,
        score, regime."""
        import pandas as pd

        rb = self.rebalances
        return pd.DataFrame(
            {
                "date": pd.DatetimeIndex(self.dates[rb.day]),
                "rule": [_rule_name(r) for r in rb.rule],
                "group": rb.group,
                "asset": [self.assets[i] for i in rb.asset],
                "drift": rb.drift,
                "band": rb.band,
                "n_breached": rb.n_breached,
                "score": rb.score,
                "regime": rb.regime,
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable summary with every series (NaN -> None)."""

        def clean(a: np.ndarray) -> list[Any]:
            return [None if isinstance(v, float) and v != v else v for v in a.tolist()]

        return {
            "policy": self.policy_name,
            "assets": list(self.assets),
            "target": self.target.tolist(),
            "initial_usd": float(self.initial_usd),
            "final_value": self.final_value,
            "n_rebalances": self.n_rebalances,
            "total_costs_usd": self.total_costs_usd,
            "dates": [str(d) for d in self.dates],
            "values": self.values.tolist(),
            "returns": self.returns.tolist(),
            "weights": self.weights.tolist(),
            "flows_usd": self.flows_usd.tolist(),
            "costs_usd": self.costs_usd.tolist(),
            "trades": {
                "date": [str(self.dates[d]) for d in self.trades.day],
                "asset": [self.assets[i] for i in self.trades.asset],
                "value_usd": self.trades.value_usd.tolist(),
                "cost_usd": self.trades.cost_usd.tolist(),
                "reason": self.trades.reason.tolist(),
            },
            "rebalances": {
                "date": [str(self.dates[d]) for d in self.rebalances.day],
                "rule": [_rule_name(r) for r in self.rebalances.rule],
                "group": np.asarray(self.rebalances.group).tolist(),
                "asset": [self.assets[i] for i in self.rebalances.asset],
                "drift": clean(self.rebalances.drift),
                "band": clean(self.rebalances.band),
                "n_breached": self.rebalances.n_breached.tolist(),
                "score": clean(np.asarray(self.rebalances.score)),
                "regime": clean(np.asarray(self.rebalances.regime)),
            },
            "score": None if self.score is None else clean(self.score),
            "regime": None if self.regime is None else clean(self.regime),
            "regime_label": self.regime_label,
        }
