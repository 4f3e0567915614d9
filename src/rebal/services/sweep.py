"""Service ``sweep``: every point of a study file's ``sweep:`` grid (with the walk-forward
and bootstrap sections when given), and its HTML report."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rebal.executor import ExecutorSpec, parallel_width
from rebal.sweep.study import TABLE_METRICS, SweepResult, SweepStudy

__all__ = ["TABLE_METRICS", "SweepRequest", "SweepResult", "SweepRun", "SweepStudy", "sweep",
           "sweep_study"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepRequest:
    """What to sweep, as plain data.

    Attributes
    ----------
    study
        Path of the study file with a ``sweep:`` section.
    overrides
        Dotted keys replacing the file's values.
    n_threads
        Worker threads of the kernel (``None``: every available CPU).
    executor
        Where the kernel's blocks of configurations and resamples run (``None``:
        ``n_threads`` threads); every executor gives the same numbers bit for bit.
    report
        Where to write the HTML report (``None``: no report).
    """

    study: str
    overrides: Mapping[str, str] = field(default_factory=dict)
    n_threads: int | None = None
    executor: ExecutorSpec | None = None
    report: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class SweepRun:
    """The sweep's result and the report written (if any)."""

    result: SweepResult
    report: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        """``rebal sweep --json`` (fractions)."""
        return self.result.to_dict()


def sweep_study(
    loaded: SweepStudy,
    *,
    n_threads: int | None = None,
    executor: ExecutorSpec | None = None,
    report: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SweepRun:
    """Run a loaded sweep study (see :func:`sweep`)."""
    from rebal.executor import ThreadExecutor, open_executor
    from rebal.services.outputs import check_outputs
    from rebal.sweep.study import run_sweep

    check_outputs({"--report": report})
    with open_executor(executor, ThreadExecutor(n_threads),
                       preload=("rebal.sweep.kernel",)) as ex:
        # how many kernel parts run at once: the threads, or the executor's workers
        width = n_threads if executor is None else parallel_width(executor, ex)
        result = run_sweep(loaded, progress=progress, n_threads=width, executor=ex)
    path = None
    if report is not None:
        from rebal.reports.sweep import sweep_report

        path = sweep_report(result, report)
    return SweepRun(result=result, report=path)


def sweep(
    request: SweepRequest, *, progress: Callable[[int, int], None] | None = None
) -> SweepRun:
    """Load the sweep study of ``request``, run the grid and the baselines (and the
    walk-forward and bootstrap when the file asks), and write the report when asked.

    ``progress(done, total)`` is called as configurations finish.
    """
    from rebal.services.outputs import check_outputs
    from rebal.sweep.study import load_sweep

    check_outputs({"--report": request.report})
    loaded = load_sweep(request.study, overrides=dict(request.overrides))
    return sweep_study(loaded, n_threads=request.n_threads, executor=request.executor,
                       report=request.report, progress=progress)
