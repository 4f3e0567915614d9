"""Service ``compare``: every policy of a study file side by side, optionally with
paired-bootstrap intervals on each alpha and an HTML report."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rebal.errors import ConfigError
from rebal.executor import ExecutorSpec
from rebal.studies.load import Study
from rebal.studies.result import StudyResult

if TYPE_CHECKING:
    from rebal.executor import Executor
    from rebal.sweep.uncertainty import AlphaInterval

__all__ = ["CompareRequest", "CompareRun", "Study", "StudyResult", "compare", "compare_study"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CompareRequest:
    """What to compare, as plain data.

    Attributes
    ----------
    study
        Path of the study file (YAML).
    overrides
        Dotted keys replacing the file's values (``{"data.prices": "prices.csv"}``).
    bootstrap_samples, seed
        Paired stationary-bootstrap resamples for each alpha's interval (0: none) and
        their seed.
    report
        Where to write the HTML report (``None``: no report).
    executor
        Where the policies and the bootstrap's chunks of resamples run (``None``:
        serially here); every executor gives the same numbers.
    """

    study: str
    overrides: Mapping[str, str] = field(default_factory=dict)
    bootstrap_samples: int = 0
    seed: int = 0
    report: str | None = None
    executor: ExecutorSpec | None = None


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class CompareRun:
    """A study run, its alpha intervals (when asked) and the report written (if any)."""

    result: StudyResult
    intervals: Mapping[str, AlphaInterval] | None = None
    bootstrap_samples: int = 0
    seed: int = 0
    report: Path | None = None

    @property
    def intervals_title(self) -> str:
        """Title of the alpha-interval table (the CLI's and the report's)."""
        from rebal.reports.tables import alpha_interval_title

        return alpha_interval_title(self.result.baseline.name, self.bootstrap_samples, self.seed)

    def to_dict(self) -> dict[str, Any]:
        """``rebal compare --json``: the study's summary, plus ``bootstrap_alpha`` and
        ``bootstrap`` when intervals were asked (fractions)."""
        out = self.result.to_dict()
        if self.intervals is not None:
            from rebal.sweep.uncertainty import alpha_intervals_json

            out["bootstrap_alpha"] = alpha_intervals_json(self.intervals)
            out["bootstrap"] = {"n_samples": self.bootstrap_samples, "seed": self.seed}
        return out


def compare_study(
    study: Study,
    *,
    bootstrap_samples: int = 0,
    seed: int = 0,
    report: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    executor: Executor | None = None,
) -> CompareRun:
    """Run a loaded study (see :func:`compare` for the options)."""
    from rebal.services.outputs import check_outputs
    from rebal.studies.run import run_study

    check_outputs({"--report": report})
    step = None if progress is None else (lambda done, total, _name: progress(done, total))
    result = short_study(run_study(study, progress=step, executor=executor))
    # the intervals once, for the table, the JSON and the report alike
    intervals = None
    if bootstrap_samples > 0:
        from rebal.sweep.uncertainty import bootstrap_alpha

        intervals = bootstrap_alpha(result, n_samples=bootstrap_samples, seed=seed,
                                    executor=executor)
    run = CompareRun(result=result, intervals=intervals, bootstrap_samples=bootstrap_samples,
                     seed=seed)
    if report is not None:
        from rebal.reports import compare_report_from_study

        options: dict[str, Any] = {}
        if intervals is not None:
            options = {"alpha_intervals": intervals, "alpha_intervals_title": run.intervals_title}
        path = compare_report_from_study(result, report, **options)
        run = CompareRun(result=result, intervals=intervals,
                         bootstrap_samples=bootstrap_samples, seed=seed, report=path)
    return run


def short_study(result: StudyResult) -> StudyResult:
    """``result`` with no per-year rates when its data spans less than a year (as
    :func:`rebal.services.backtest.short_span` does for ``rebal backtest``), and a note
    in the market's notes saying so."""
    from dataclasses import replace

    from rebal.services.backtest import blank_annualised

    m = result.study.market
    years = result.baseline.metrics.years
    if years >= 1.0:
        return result
    note = (f"the data spans {m.n_days} rows ({m.dates[0]} … {m.dates[-1]}, {years:.2f} "
            "years): per-year rates (annual return, volatility, Sharpe, turnover, alpha …) "
            "are undefined for less than a year (shown as —)")
    study = replace(result.study, market=replace(m, notes=(*m.notes, note)))
    outcomes = tuple(replace(o, metrics=blank_annualised(o.metrics)) for o in result.outcomes)
    base = next((o for o in outcomes if o.name == result.baseline.name),
                replace(result.baseline, metrics=blank_annualised(result.baseline.metrics)))
    return replace(result, study=study, outcomes=outcomes, baseline=base)


def compare(
    request: CompareRequest,
    *,
    progress: Callable[[int, int], None] | None = None,
    executor: Executor | None = None,
) -> CompareRun:
    """Load the study file of ``request``, run every policy (and buy-and-hold), add the
    bootstrap intervals and write the report when asked.

    Parameters
    ----------
    request
        The study and options.
    progress
        ``progress(done, total)`` after each backtest.
    executor
        Where the policies and the resamples run (default: ``request.executor``, else
        serially in this process).
    """
    from rebal.services.outputs import check_outputs
    from rebal.studies.load import load_study

    from rebal.executor import open_executor

    check_outputs({"--report": request.report})
    if request.bootstrap_samples < 0 or 0 < request.bootstrap_samples < 20:
        raise ConfigError(f"--bootstrap must be 0 (no intervals) or at least 20 (a 90% "
                          f"interval leaves 1 resample in 20 out at each end), got "
                          f"{request.bootstrap_samples}")
    study = load_study(request.study, overrides=dict(request.overrides))
    if executor is not None or request.executor is None:
        return compare_study(study, bootstrap_samples=request.bootstrap_samples,
                             seed=request.seed, report=request.report, progress=progress,
                             executor=executor)
    with open_executor(request.executor, preload=("rebal.backtest.kernels",
                                                  "rebal.sweep.kernel")) as ex:
        return compare_study(study, bootstrap_samples=request.bootstrap_samples,
                             seed=request.seed, report=request.report, progress=progress,
                             executor=ex)
