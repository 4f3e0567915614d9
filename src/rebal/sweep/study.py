"""A sweep study: a study file with a ``sweep:`` section (``rebal sweep STUDY.yaml``).

The file is an ordinary study (data, target, costs, cash flows — see
:mod:`rebal.studies`) plus ``sweep:`` (:mod:`rebal.sweep.grid`). Its ``policies:``
(optional here; default buy-and-hold) are the **baselines**: they run with the
grid and are marked on the charts. Buy-and-hold is always run; every alpha is
``CAGR − CAGR of buy-and-hold`` on the same rows (fraction per year).
"""

from __future__ import annotations

import copy
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rebal.errors import ConfigError, InputError
from rebal.executor import Executor
from rebal.policy.policy import Policy
from rebal.studies.load import Study, study_from_dict
from rebal.studies.run import is_buy_and_hold
from rebal.studies.spec import apply_overrides, read_study_file
from rebal.sweep.grid import GridPoint, SweepSpec, parse_sweep
from rebal.sweep.runner import Job, SweepStats, run_configs
from rebal.sweep.walkforward import WalkForward, criterion_values, walk_forward

__all__ = ["SweepResult", "SweepStudy", "load_sweep", "run_sweep", "sweep_from_dict"]

TABLE_METRICS = (
    "cagr",
    "annual_volatility",
    "max_drawdown",
    "sharpe",
    "annual_turnover",
    "n_rebalances",
    "alpha",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepStudy:
    """A loaded sweep study: the study (data, baselines) and its validated grid."""

    study: Study
    spec: SweepSpec
    points: tuple[GridPoint, ...]


def sweep_from_dict(
    raw: Mapping[str, Any],
    *,
    base_dir: str | os.PathLike[str] = ".",
    file: str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> SweepStudy:
    """A :class:`SweepStudy` from a parsed mapping (see :func:`load_sweep`)."""
    data = copy.deepcopy(dict(raw))
    if overrides:  # before the split, so --set reaches the sweep: section too
        apply_overrides(data, overrides)
    where = f"{file}: " if file else ""
    if "sweep" not in data:
        raise InputError("a sweep study needs a sweep: section (policy and axes)", file=file)
    sweep_raw = data.pop("sweep")
    data.setdefault("policies", {"Buy and hold": "buy-and-hold"})
    study = study_from_dict(data, base_dir=base_dir, file=file)
    try:
        spec = parse_sweep(sweep_raw)
        points = tuple(spec.grid.points(study.costs))
    except ConfigError as exc:
        raise ConfigError(f"{where}{exc}") from None
    return SweepStudy(study=study, spec=spec, points=points)


def load_sweep(
    path: str | os.PathLike[str], *, overrides: Mapping[str, Any] | None = None
) -> SweepStudy:
    """Read and validate a sweep study file (errors name the file and the field)."""
    file = Path(path)
    raw = read_study_file(file)
    return sweep_from_dict(raw, base_dir=file.parent, file=str(file), overrides=overrides)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class SweepResult:
    """Every grid point and baseline, run.

    Attributes
    ----------
    sweep
        The loaded study.
    stats
        Grid points first (grid order), then the baselines (study order), then
        buy-and-hold if it is not a listed baseline: ``(1, K)`` arrays.
    baseline_names
        Names of the baselines (columns ``len(points) …`` of ``stats``).
    bh_index
        Column of buy-and-hold.
    best
        Grid index of the best point by the criterion.
    seconds, backtests_per_second
        Wall time of the grid's kernel run and its throughput.
    walk
        The walk-forward result, if asked.
    bootstrap
        Paired bootstrap of the best point, the baselines and buy-and-hold, if asked.
    """

    sweep: SweepStudy
    stats: SweepStats
    baseline_names: tuple[str, ...]
    bh_index: int
    best: int
    seconds: float
    backtests_per_second: float
    walk: WalkForward | None = None
    bootstrap: Any = None

    @property
    def n_points(self) -> int:
        return len(self.sweep.points)

    def metric(self, name: str) -> np.ndarray:
        """``(K,)`` values of a table metric (``alpha`` vs buy-and-hold) for every column."""
        if name == "alpha":
            return self.stats.cagr[0] - self.stats.cagr[0, self.bh_index]
        return self.stats.get(name)[0]

    def rows(self) -> list[dict[str, Any]]:
        """One dict per grid point: its axis values and :data:`TABLE_METRICS`."""
        cols = {m: self.metric(m) for m in TABLE_METRICS}
        return [
            {**p.params, **{m: float(cols[m][i]) for m in TABLE_METRICS}}
            for i, p in enumerate(self.sweep.points)
        ]

    def baseline_rows(self) -> list[dict[str, Any]]:
        cols = {m: self.metric(m) for m in TABLE_METRICS}
        k = self.n_points
        return [
            {"policy": n, **{m: float(cols[m][k + i]) for m in TABLE_METRICS}}
            for i, n in enumerate(self.baseline_names)
        ]

    def to_dict(self) -> dict[str, Any]:
        st = self.sweep.study
        m = st.market
        out: dict[str, Any] = {
            "title": st.title,
            "data": {
                "start": str(m.dates[0]),
                "end": str(m.dates[-1]),
                "rows": m.n_days,
                "assets": list(m.assets),
            },
            "target": dict(st.target),
            "axes": {a.name: list(a.values) for a in self.sweep.spec.grid.axes},
            "criterion": self.sweep.spec.criterion.value,
            "n_configurations": self.n_points,
            "seconds": self.seconds,
            "backtests_per_second": self.backtests_per_second,
            "best": {"index": self.best, "params": dict(self.sweep.points[self.best].params)},
            "rows": self.rows(),
            "baselines": self.baseline_rows(),
        }
        if self.walk is not None:
            out["walk_forward"] = self.walk.to_dict()
        if self.bootstrap is not None:
            out["bootstrap"] = self.bootstrap
        return out


Progress = Callable[[int, int], None]


def run_sweep(
    sweep: SweepStudy,
    *,
    progress: Progress | None = None,
    n_threads: int | None = None,
    executor: Executor | None = None,
) -> SweepResult:
    """Run the grid and the baselines (and the walk-forward and bootstrap if asked).

    ``progress(done, total)`` is called after each chunk of configurations; the grid's
    kernel parts run on ``executor`` (default: ``n_threads`` threads, see
    :func:`rebal.sweep.runner.run_configs`).
    """
    study = sweep.study
    points = sweep.points
    baselines: list[tuple[str, Policy]] = list(study.policies)
    bh_name = next((n for n, p in baselines if is_buy_and_hold(p)), None)
    if bh_name is None:
        bh_name = "buy-and-hold"
        baselines.append((bh_name, Policy.buy_and_hold(bh_name)))
    jobs = [Job(policy=p.policy, costs=p.costs) for p in points]
    jobs += [Job(policy=p, costs=study.costs) for _, p in baselines]
    # chunks of configurations so the progress bar moves; each chunk is many blocks
    chunk = max(256, len(jobs) // 20)
    parts: list[SweepStats] = []
    t0 = time.perf_counter()
    for a in range(0, len(jobs), chunk):
        parts.append(
            run_configs(
                study.market,
                dict(study.target),
                jobs[a : a + chunk],
                initial_usd=study.initial_usd,
                cash_flows=study.cash_flows,
                history=study.history,
                n_threads=n_threads,
                executor=executor,
            )
        )
        if progress is not None:
            progress(min(a + chunk, len(jobs)), len(jobs))
    seconds = time.perf_counter() - t0
    stats = _concat(parts)
    names = tuple(n for n, _ in baselines)
    bh_index = len(points) + names.index(bh_name)
    crit = criterion_values(
        _slice(stats, len(points)),
        sweep.spec.criterion,
        stats.cagr[0, bh_index],
        stats.sharpe[0, bh_index],
    )
    best = int(np.argmax(crit))
    walk = None
    spec = sweep.spec
    if spec.train_years is not None and spec.test_years is not None:
        walk = walk_forward(
            study.market,
            dict(study.target),
            points,
            criterion=spec.criterion,
            train_years=spec.train_years,
            test_years=spec.test_years,
            initial_usd=study.initial_usd,
            history=study.history,
        )
    boot = None
    if spec.bootstrap_samples > 0:
        from rebal.sweep.uncertainty import bootstrap_policies, fields_dict

        best_name = f"best: {points[best].label}"
        pols = [(best_name, points[best].policy), *baselines]
        res = bootstrap_policies(
            study.market,
            study.target,
            pols,
            costs=points[best].costs,
            initial_usd=study.initial_usd,
            cash_flows=study.cash_flows,
            n_samples=spec.bootstrap_samples,
            seed=spec.bootstrap_seed,
            block=spec.bootstrap_block,
            history=study.history,
            n_threads=n_threads,
            executor=executor,
        )
        boot = {
            **res.to_dict(baseline=bh_name),
            "best_vs_baselines": {
                n: {
                    m: fields_dict(res.difference(best_name, n, m))
                    for m in ("cagr", "annual_volatility", "max_drawdown", "sharpe")
                }
                for n, _ in baselines
            },
        }
    return SweepResult(
        sweep=sweep,
        stats=stats,
        baseline_names=names,
        bh_index=bh_index,
        best=best,
        seconds=seconds,
        backtests_per_second=len(jobs) / seconds if seconds > 0 else float("nan"),
        walk=walk,
        bootstrap=boot,
    )


def _concat(parts: list[SweepStats]) -> SweepStats:
    if len(parts) == 1:
        return parts[0]
    kw = {
        f: np.concatenate([getattr(p, f) for p in parts], axis=1)
        for f in SweepStats.__dataclass_fields__
        if f != "values"
    }
    return SweepStats(**kw, values=None)


def _slice(stats: SweepStats, k: int) -> SweepStats:
    kw = {f: getattr(stats, f)[:, :k] for f in SweepStats.__dataclass_fields__ if f != "values"}
    return SweepStats(**kw, values=None)
