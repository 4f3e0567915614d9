"""The ``sweep:`` section of a study file: a base policy and named axes.

::

    sweep:
      policy: {kind: band, abs: 0.05, check: daily}   # a structured policy spec
      axes:                                         # the grid = every combination
        abs: {from: 0.01, to: 0.10, step: 0.01}       # policy fields (dotted for nested:
        check: [daily, weekly, monthly]               #   vol.window, weights.drift …)
        costs.bps: [0, 5, 20]                         # costs.bps / fixed_usd / min_trade_usd
      criterion: sharpe          # best configuration: sharpe | alpha | cagr | … (maximised;
                                 # annual_volatility and annual_turnover are minimised)
      walk_forward: {train_years: 5, test_years: 1}
      bootstrap: {samples: 500, seed: 1, block: null}

Axis values are a list, ``{from, to, step}`` (inclusive, rounded to 12 digits) or
``{from, to, num}``. Every grid point is validated by
:func:`rebal.policy.policy_from_spec`; an error names ``sweep.axes.<axis>`` and the point.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from rebal.backtest.costs import CostModel
from rebal.errors import ConfigError, RebalError
from rebal.policy.policy import Policy
from rebal.policy.spec import policy_from_spec
from rebal.studies.spec import set_dotted

__all__ = ["COST_AXES", "Axis", "Criterion", "Grid", "GridPoint", "SweepSpec", "parse_sweep"]

COST_AXES = {
    "costs.bps": "cost_bps",
    "costs.fixed_usd": "fixed_usd",
    "costs.min_trade_usd": "min_trade_usd",
}
class Criterion(StrEnum):
    """How the best grid point is chosen (``sweep.criterion``); see :attr:`sense`."""

    SHARPE = "sharpe"
    ALPHA = "alpha"
    CAGR = "cagr"
    TOTAL_RETURN = "total_return"
    MAX_DRAWDOWN = "max_drawdown"
    SHARPE_DIFFERENCE = "sharpe_difference"
    ANNUAL_VOLATILITY = "annual_volatility"
    ANNUAL_TURNOVER = "annual_turnover"

    @property
    def sense(self) -> int:
        """+1 maximise, −1 minimise (drawdowns are negative, so maximising picks the
        shallowest)."""
        return -1 if self in (Criterion.ANNUAL_VOLATILITY, Criterion.ANNUAL_TURNOVER) else 1

    @property
    def table_metric(self) -> str:
        """The table metric that shows it (``sharpe_difference`` is shown as ``sharpe``)."""
        return "sharpe" if self is Criterion.SHARPE_DIFFERENCE else self.value

    @classmethod
    def parse(cls, text: str | Criterion, *, field: str = "criterion") -> Criterion:
        """The criterion named by ``text``; :class:`ConfigError` naming ``field`` otherwise."""
        try:
            return cls(text)
        except ValueError:
            raise ConfigError(
                f"{field} must be one of {', '.join(c.value for c in cls)}, got {text!r}"
            ) from None


@dataclass(frozen=True, slots=True)
class Axis:
    """A named axis: a dotted field of the policy spec (or a cost) and its values."""

    name: str
    values: tuple[Any, ...]

    @property
    def is_cost(self) -> bool:
        return self.name in COST_AXES


@dataclass(frozen=True, slots=True)
class GridPoint:
    """One configuration of the grid: its axis values, policy and costs."""

    index: int
    params: Mapping[str, Any]
    policy: Policy
    costs: CostModel

    @property
    def label(self) -> str:
        return ", ".join(f"{k}={_fmt(v)}" for k, v in self.params.items())


def _fmt(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _axis_values(name: str, raw: Any) -> tuple[Any, ...]:
    where = f"sweep.axes.{name}"
    if isinstance(raw, list):
        if not raw:
            raise ConfigError(f"{where}: give at least one value")
        return tuple(raw)
    if isinstance(raw, Mapping):
        keys = set(raw)
        try:
            lo, hi = float(raw["from"]), float(raw["to"])
        except KeyError:
            raise ConfigError(f"{where}: a range needs from and to (and step or num)") from None
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: from and to must be numbers, got {raw!r}") from None
        if keys == {"from", "to", "step"}:
            step = float(raw["step"])
            if not math.isfinite(step) or step <= 0 or hi < lo:
                raise ConfigError(f"{where}: need step > 0 and to >= from, got {raw!r}")
            count = math.floor((hi - lo) / step + 1e-9) + 1
            return tuple(round(lo + i * step, 12) for i in range(count))
        if keys == {"from", "to", "num"}:
            num = int(raw["num"])
            if num < 1:
                raise ConfigError(f"{where}.num must be >= 1, got {raw['num']!r}")
            if num == 1:
                return (lo,)
            return tuple(round(lo + (hi - lo) * i / (num - 1), 12) for i in range(num))
        raise ConfigError(
            f"{where}: a range is {{from, to, step}} or {{from, to, num}}, got {raw!r}"
        )
    return (raw,)


@dataclass(frozen=True, slots=True, kw_only=True)
class Grid:
    """A base policy spec and axes; :meth:`points` is their Cartesian product."""

    policy: Mapping[str, Any]
    axes: tuple[Axis, ...]

    @property
    def size(self) -> int:
        return math.prod(len(a.values) for a in self.axes)

    def points(self, base_costs: CostModel) -> list[GridPoint]:
        """Every configuration, the last axis varying fastest (validated)."""
        out = []
        for index, combo in enumerate(itertools.product(*(a.values for a in self.axes))):
            spec = copy.deepcopy(dict(self.policy))
            cost_kw = {
                "cost_bps": base_costs.cost_bps,
                "fixed_usd": base_costs.fixed_usd,
                "min_trade_usd": base_costs.min_trade_usd,
            }
            params = {}
            for axis, value in zip(self.axes, combo, strict=True):
                params[axis.name] = value
                if axis.is_cost:
                    cost_kw[COST_AXES[axis.name]] = value
                else:
                    set_dotted(spec, axis.name, value)
            label = ", ".join(f"{k}={_fmt(v)}" for k, v in params.items())
            where = f"sweep point {index} ({label})"
            try:
                policy = policy_from_spec(spec, name=label or "policy", where=where)
                costs = CostModel(**cost_kw)  # type: ignore[arg-type]
            except RebalError as exc:
                raise ConfigError(f"{exc}" if where in str(exc) else f"{where}: {exc}") from None
            out.append(GridPoint(index=index, params=params, policy=policy, costs=costs))
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepSpec:
    """The validated ``sweep:`` section."""

    grid: Grid
    criterion: Criterion = Criterion.SHARPE
    train_years: float | None = None
    test_years: float | None = None
    bootstrap_samples: int = 0
    bootstrap_seed: int = 0
    bootstrap_block: float | None = None


MAX_POINTS = 1_000_000


def parse_sweep(raw: Any) -> SweepSpec:
    """Validate a ``sweep:`` mapping (see the module docstring)."""
    if not isinstance(raw, Mapping):
        raise ConfigError("sweep must be a mapping with policy and axes")
    unknown = set(raw) - {"policy", "axes", "criterion", "walk_forward", "bootstrap"}
    if unknown:
        raise ConfigError(
            f"sweep.{sorted(unknown)[0]} is not a known field "
            "(policy, axes, criterion, walk_forward, bootstrap)"
        )
    policy = raw.get("policy")
    if not isinstance(policy, Mapping) or "kind" not in policy:
        raise ConfigError(
            "sweep.policy must be a structured policy spec with a kind, "
            "e.g. {kind: band, abs: 0.05}"
        )
    axes_raw = raw.get("axes")
    if not isinstance(axes_raw, Mapping) or not axes_raw:
        raise ConfigError("sweep.axes must map axis names to values, e.g. {abs: [0.03, 0.05]}")
    axes = tuple(Axis(name=str(k), values=_axis_values(str(k), v)) for k, v in axes_raw.items())
    grid = Grid(policy=dict(policy), axes=axes)
    if grid.size > MAX_POINTS:
        raise ConfigError(f"sweep.axes: {grid.size:,} configurations; at most {MAX_POINTS:,}")
    criterion = Criterion.parse(str(raw.get("criterion", "sharpe")), field="sweep.criterion")
    train = test = None
    wf = raw.get("walk_forward")
    if wf is not None:
        if not isinstance(wf, Mapping) or set(wf) - {"train_years", "test_years"}:
            raise ConfigError("sweep.walk_forward must be {train_years: …, test_years: …}")
        try:
            train, test = float(wf["train_years"]), float(wf.get("test_years", 1.0))
        except (KeyError, TypeError, ValueError):
            raise ConfigError("sweep.walk_forward.train_years must be a number of years") from None
        if not (train > 0 and test > 0):
            raise ConfigError(f"sweep.walk_forward: years must be > 0, got {train}, {test}")
    samples, seed, block = 0, 0, None
    bs = raw.get("bootstrap")
    if bs is not None:
        if not isinstance(bs, Mapping) or set(bs) - {"samples", "seed", "block"}:
            raise ConfigError("sweep.bootstrap must be {samples: …, seed: …, block: …}")
        samples, seed = int(bs.get("samples", 500)), int(bs.get("seed", 0))
        block = None if bs.get("block") is None else float(bs["block"])
        if samples < 1 or (block is not None and block < 1):
            raise ConfigError(f"sweep.bootstrap: samples >= 1 and block >= 1, got {dict(bs)!r}")
    return SweepSpec(
        grid=grid,
        criterion=criterion,
        train_years=train,
        test_years=test,
        bootstrap_samples=samples,
        bootstrap_seed=seed,
        bootstrap_block=block,
    )
