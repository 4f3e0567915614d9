"""``rebal compare``: several named policies on one dataset, as the article's table."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rebal.studies.result import StudyResult


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


def parse_overrides(items: list[str] | None) -> dict[str, str]:
    """``["data.prices=x.csv"]`` → ``{"data.prices": "x.csv"}``."""
    from rebal.errors import ConfigError

    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set: expected KEY=VALUE (e.g. data.prices=prices.csv), got {item!r}")
        out[key.strip()] = value.strip()
    return out


def compare(
    study_file: Annotated[Path, typer.Argument(help="Study YAML file (see docs/policies.md and examples/studies/).")],
    report: Annotated[Path | None, typer.Option(help="Also write a self-contained HTML report here.")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a study field: KEY=VALUE (dotted keys).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the results as one JSON object (fractions, not percent).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no table (use with --report or --json).")] = False,
    bootstrap: Annotated[int, typer.Option(help="Also show each policy's alpha with a 90% interval from N paired stationary-bootstrap resamples (docs/sweeps.md).")] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap resamples.")] = 0,
) -> None:
    from rebal.cli import console
    from rebal.studies import load_study, run_study

    study = load_study(study_file, overrides=parse_overrides(set_))
    n_jobs = len(study.policies) + 1
    with console.progress(n_jobs, "backtests", quiet=quiet or json_out) as advance:
        result = run_study(study, progress=lambda done, total, name: advance())
    # the intervals once, for the table, the JSON and the report alike
    intervals = None
    if bootstrap > 0:
        from rebal.sweep.uncertainty import bootstrap_alpha

        intervals = bootstrap_alpha(result, n_samples=bootstrap, seed=seed)
    if json_out:
        out = result.to_dict()
        if intervals is not None:
            from rebal.sweep.uncertainty import alpha_intervals_json

            out["bootstrap_alpha"] = alpha_intervals_json(intervals)
            out["bootstrap"] = {"n_samples": bootstrap, "seed": seed}
        console.print_json(out)
    elif not quiet:
        print_study(result)
        if intervals is not None:
            from rebal.cli.sweep_cmd import print_bootstrap_alpha

            print_bootstrap_alpha(intervals, result.baseline.name, bootstrap, seed)
    if report is not None:
        from rebal.reports import compare_report_from_study

        options = {}
        if intervals is not None:
            from rebal.sweep.uncertainty import alpha_interval_title

            options = {
                "alpha_intervals": intervals,
                "alpha_intervals_title": alpha_interval_title(
                    result.baseline.name, bootstrap, seed
                ),
            }
        path = compare_report_from_study(result, report, **options)
        if not json_out:
            console.out.print(f"report: {path}")


def print_study(result: StudyResult) -> None:
    """The study's table: one row per policy, the study's columns."""
    from rebal.cli import console
    from rebal.reports.tables import study_table

    study = result.study
    m = study.market
    console.out.print(f"[bold]{study.title}[/]")
    console.out.print(
        f"{m.dates[0]} … {m.dates[-1]} ({m.n_days:,} rows); target "
        + ", ".join(f"{k} {v:.0%}" for k, v in study.target.items())
        + f"; alpha is versus {result.baseline.name}"
    )
    table = study_table(result)
    console.table(None, table.header, table.rows)
    for note in (*table.notes, "Trades at the close; costs paid from the portfolio."):
        console.out.print(f"[dim]{note}[/]")
