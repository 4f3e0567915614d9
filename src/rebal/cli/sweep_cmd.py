"""``rebal sweep``: a parameter grid on one dataset, walk-forward and bootstrap."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rebal.cli.options import ExecutorOption, ReportOption, SchedulerOption, WorkersOption

if TYPE_CHECKING:
    from rebal.services.sweep import SweepResult

TOP_ROWS = 15


def register(app: typer.Typer) -> None:
    app.command(
        "sweep",
        help=(
            "Backtest every point of a study file's sweep: grid (thousands of configurations "
            "a second), with walk-forward and bootstrap sections when given.\n\n"
            "Example: rebal sweep examples/studies/sweep_bands_default.yaml --report sweep.html"
        ),
    )(sweep)


def sweep(
    study_file: Annotated[Path, typer.Argument(help="Study YAML with a sweep: section (docs/sweeps.md).")],
    report: ReportOption = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a study field: KEY=VALUE.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the results as one JSON object (fractions).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no table.")] = False,
    threads: Annotated[int | None, typer.Option(help="Worker threads (default: all CPUs).")] = None,
    executor: ExecutorOption = None,
    scheduler: SchedulerOption = None,
    workers: WorkersOption = None,
) -> None:
    from rebal.cli import console
    from rebal.cli.options import parse_executor, parse_overrides
    from rebal.services.sweep import SweepRequest
    from rebal.services.sweep import sweep as run

    request = SweepRequest(study=str(study_file), overrides=parse_overrides(set_),
                           n_threads=threads, report=None if report is None else str(report),
                           executor=parse_executor(executor, scheduler, workers))
    console.run_study(run, request, lambda answer: print_sweep(answer.result),
                      json_out=json_out, quiet=quiet)


def _fmt_row(cells: dict[str, Any], keys: list[str]) -> list[str]:
    from rebal.cli.console import num, pct

    out = []
    for k in keys:
        v = cells[k]
        if k in ("cagr", "annual_volatility", "max_drawdown", "annual_turnover", "alpha"):
            out.append(pct(v))
        elif k == "sharpe":
            out.append(num(v, 3))
        elif k == "n_rebalances":
            out.append(f"{v:,.0f}")
        else:
            out.append(f"{v:g}" if isinstance(v, float) else str(v))
    return out


def print_sweep(result: SweepResult) -> None:
    """The best grid points by the criterion, the baselines, walk-forward and bootstrap."""
    import numpy as np

    from rebal.cli import console
    from rebal.reports.tables import SWEEP_HEADERS
    from rebal.services.sweep import TABLE_METRICS

    sw = result.sweep
    m = sw.study.market
    crit = sw.spec.criterion
    console.out.print(f"[bold]{sw.study.title}[/]")
    console.out.print(
        f"{m.dates[0]} … {m.dates[-1]} ({m.n_days:,} rows); {result.n_points:,} configurations "
        f"in {result.seconds:.2f} s ({result.backtests_per_second:,.0f} backtests/s); "
        f"alpha = CAGR − buy-and-hold CAGR"
    )
    rows = result.rows()
    axes = [a.name for a in sw.spec.grid.axes]
    keys = [*axes, *TABLE_METRICS]
    score = result.metric(crit.table_metric)[: result.n_points]
    order = np.argsort(-crit.sense * np.where(np.isfinite(score), score, -np.inf * crit.sense),
                       kind="stable")[:TOP_ROWS]
    headers = [*axes, *SWEEP_HEADERS]
    console.table(f"Top {len(order)} by {crit.value}", headers, [_fmt_row(rows[i], keys) for i in order])
    base_keys = ["policy", *TABLE_METRICS]
    console.table("Baselines", ["Policy", *headers[len(axes):]],
                  [_fmt_row(r, base_keys) for r in result.baseline_rows()])
    if result.walk is not None:
        w = result.walk
        console.table(
            f"Walk-forward ({w.train_years:g}y train → {w.test_years:g}y test, best by {w.criterion.value})",
            ["Test window", "Chosen", "In-sample alpha", "Out-of-sample alpha", "OOS rank"],
            [[f"{x.test_start} … {x.test_end}",
              ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in x.params.items()),
              console.pct(x.in_sample_alpha), console.pct(x.out_of_sample_alpha),
              f"{x.out_of_sample_rank}/{result.n_points}"] for x in w.windows],
        )
        console.out.print(
            f"mean alpha: in-sample {console.pct(w.mean_in_sample_alpha)}, "
            f"out-of-sample {console.pct(w.mean_out_of_sample_alpha)}"
        )
    if result.bootstrap is not None:
        from rebal.reports.tables import SWEEP_SELECTION_NOTE

        b = result.bootstrap
        rows_b = []
        for name, d in b["best_vs_baselines"].items():
            for metric, x in d.items():
                rows_b.append([name, metric, _diff(metric, x["estimate"]),
                               f"[{_diff(metric, x['low'])}, {_diff(metric, x['high'])}]",
                               f"{x['p_better']:.0%}"])
        console.table(
            f"Best point minus baseline: stationary bootstrap, {b['n_samples']} paired resamples, "
            f"mean block {b['block']:.1f} rows, seed {b['seed']}",
            ["Baseline", "Metric", "Difference", "90% interval", "P(best better)"], rows_b,
        )
        console.out.print(
            f"[dim]{SWEEP_SELECTION_NOTE}[/]"
        )


def _diff(metric: str, x: float) -> str:
    from rebal.cli.console import num, pct

    return num(x, 3) if metric == "sharpe" else pct(x)
