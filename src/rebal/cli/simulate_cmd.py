"""``rebal simulate``: the tax-aware planner and its baselines run over history."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rebal.cli.options import ExecutorOption, SchedulerOption, WorkersOption


def register(app: typer.Typer) -> None:
    app.command(
        "simulate",
        help=(
            "Run a household through history: the tax-aware planner beside naive pro-rata "
            "rebalancing, a per-account calendar and buy-and-hold, on the same prices and "
            "flows; after-tax results and the tax alpha with a bootstrap interval.\n\n"
            "Example: rebal simulate examples/households/article_client_sim_default.yaml "
            "--prices default --every quarter"
        ),
    )(simulate_cmd)


def simulate_cmd(
    household: Annotated[Path, typer.Argument(help="Simulation file: a household file with a 'simulation:' section (docs/simulate.md).")],
    prices: Annotated[str, typer.Option(help="'default', a dataset name or a price file.")] = "default",
    start: Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD); default: the file's.")] = None,
    end: Annotated[str | None, typer.Option(help="Last day (YYYY-MM-DD); default: the file's.")] = None,
    every: Annotated[str, typer.Option(help="Decisions every month, quarter or year.")] = "month",
    strategies: Annotated[str, typer.Option(help="Comma-separated: planner,naive,per-account-calendar,buy-and-hold.")] = "planner,naive,per-account-calendar,buy-and-hold",
    contribution: Annotated[float, typer.Option(help="New money per flow period, dollars (negative: a withdrawal).")] = 0.0,
    contribution_account: Annotated[str | None, typer.Option(help="Account receiving it; default: the first taxable account.")] = None,
    flow_frequency: Annotated[str, typer.Option(help="month, quarter or year.")] = "month",
    bootstrap: Annotated[int, typer.Option(help="Resamples for the tax-alpha interval (0: none).")] = 1000,
    report: Annotated[Path | None, typer.Option(help="Write a self-contained HTML report here.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
    executor: ExecutorOption = None,
    scheduler: SchedulerOption = None,
    workers: WorkersOption = None,
) -> None:
    from rebal.cli import console
    from rebal.cli.options import parse_executor
    from rebal.reports.simulation import (
        comparison_table,
        metrics_table,
        tax_alpha_line,
        years_table,
    )
    from rebal.services.simulate import SimulateRequest
    from rebal.services.simulate import simulate as run

    answer = run(SimulateRequest(
        household=str(household), prices=prices, start=start, end=end, every=every,
        strategies=strategies, contribution_usd=contribution,
        contribution_account=contribution_account, flow_frequency=flow_frequency,
        bootstrap=bootstrap, report=None if report is None else str(report),
        executor=parse_executor(executor, scheduler, workers)))
    if json_out:
        console.print_json(answer.to_dict())
        return
    r = answer.result
    console.out.print(f"[bold]{r.household}[/]: {r.start} to {r.end}, decisions every {r.every}")
    t = comparison_table(r)
    console.table("Strategies", t.header, t.rows)
    m = metrics_table(r)
    console.table("The article's metrics", m.header, m.rows)
    for s in r.strategies:
        if s.strategy in ("planner", "naive"):
            y = years_table(r, s.strategy)
            console.table(f"{s.strategy}: year by year", y.header, y.rows)
    line = tax_alpha_line(r)
    if line:
        console.out.print(line)
    for note in (*t.notes, *m.notes, *r.notes):
        console.out.print(f"[dim]note: {note}[/]")
    if answer.report is not None:
        console.out.print(f"report: {answer.report}")
