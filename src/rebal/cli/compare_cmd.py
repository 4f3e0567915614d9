"""``rebal compare``: several named policies on one dataset, as the article's table."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rebal.cli.options import ExecutorOption, ReportOption, SchedulerOption, WorkersOption

if TYPE_CHECKING:
    from rebal.services.compare import CompareRun, StudyResult


def register(app: typer.Typer) -> None:
    app.command(
        "compare",
        help=(
            "Backtest every policy of a study file side by side (plus buy-and-hold).\n\n"
            "Example: rebal compare examples/studies/default_core.yaml --report out.html\n\n"
            "Override any field of the file with --set, e.g. "
            "--set data.prices=my_prices.csv --set data.start=2010-01-01"
        ),
    )(compare)


def compare(
    study_file: Annotated[Path, typer.Argument(help="Study YAML file (see docs/policies.md and examples/studies/).")],
    report: ReportOption = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a study field: KEY=VALUE (dotted keys).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the results as one JSON object (fractions, not percent).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no table (use with --report or --json).")] = False,
    bootstrap: Annotated[int, typer.Option(help="Also show each policy's alpha with a 90% interval from N paired stationary-bootstrap resamples (docs/sweeps.md).")] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap resamples.")] = 0,
    executor: ExecutorOption = None,
    scheduler: SchedulerOption = None,
    workers: WorkersOption = None,
) -> None:
    from rebal.cli import console
    from rebal.cli.options import parse_executor, parse_overrides
    from rebal.services.compare import CompareRequest
    from rebal.services.compare import compare as run

    request = CompareRequest(study=str(study_file), overrides=parse_overrides(set_),
                             bootstrap_samples=bootstrap, seed=seed,
                             report=None if report is None else str(report),
                             executor=parse_executor(executor, scheduler, workers))
    console.run_study(run, request, show_compare, json_out=json_out, quiet=quiet,
                      warn=lambda answer: print_span_notes(answer.result))


def show_compare(answer: CompareRun) -> None:
    """The study's table, then the bootstrap alphas when they were asked."""
    print_study(answer.result)
    if answer.intervals is not None:
        print_bootstrap_alpha(answer)


def print_study(result: StudyResult) -> None:
    """The study's table: one row per policy, the study's columns."""
    from rebal.cli import console
    from rebal.reports.tables import study_table

    study = result.study
    m = study.market
    console.out.print(f"[bold]{study.title}[/]")
    console.out.print(
        f"{m.dates[0]} … {m.dates[-1]} ({m.n_days:,} rows); target "
        + ", ".join(f"{k} {console.weight(v)}" for k, v in study.target.items())
        + f"; alpha is versus {result.baseline.name}"
    )
    table = study_table(result)
    console.table(None, table.header, table.rows)
    for note in (*table.notes, "Trades at the close; costs paid from the portfolio."):
        console.out.print(f"[dim]{note}[/]")



def print_span_notes(result: StudyResult) -> None:
    """On stderr, what the study's span did (data.start before the data, less than a
    year of rows …); printed with ``--quiet`` too."""
    from rebal.cli import console

    for note in result.study.market.notes:
        if note.startswith(("data.start ", "data.end ", "the data spans ")):
            console.err.print(f"[dim]note: {note}[/]")


def print_bootstrap_alpha(answer: CompareRun) -> None:
    """For ``rebal compare --bootstrap N``: each policy's alpha versus the baseline with its
    90 % paired-bootstrap interval and P(alpha > 0) (computed once by the compare service,
    also given to the report and ``--json``)."""
    from rebal.cli import console
    from rebal.reports.tables import ALPHA_INTERVAL_HEADER, alpha_interval_cells

    intervals: Mapping[str, Any] = answer.intervals or {}
    console.table(
        answer.intervals_title,
        list(ALPHA_INTERVAL_HEADER),
        [list(alpha_interval_cells(a)) for a in intervals.values()],
    )
