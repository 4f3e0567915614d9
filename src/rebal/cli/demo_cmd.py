"""``rebal demo``: the main job on the shipped data, start to finish, in under a minute."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    app.command(
        "demo",
        help=(
            "Compare the core rebalancing policies on the shipped data (60/40 US stocks/"
            "Treasuries, 1993-2017, 5 bps costs), write the HTML report, then plan the "
            "example household's tax-aware rebalance and write its report.\n\n"
            "Example: rebal demo --out rebal-demo"
        ),
    )(demo)


def demo(
    out: Annotated[Path, typer.Option(help="Folder for the reports (created if missing).")] = Path("rebal-demo"),
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only print where the reports are.")] = False,
) -> None:
    from rebal.cli import console
    from rebal.cli.compare_cmd import print_study
    from rebal.cli.plan_cmd import print_plan
    from rebal.services.demo import DemoRequest
    from rebal.services.demo import demo as run

    with console.progress_steps("backtests", quiet=quiet) as step:
        answer = run(DemoRequest(out=str(out)), progress=step)
    if not quiet:
        print_study(answer.compare.result)
        console.out.print()
        print_plan(answer.plan.plan)
    assert answer.compare.report is not None and answer.plan.report is not None
    console.out.print()
    console.out.print(f"backtest report: {answer.compare.report.resolve()}")
    console.out.print(f"plan report:     {answer.plan.report.resolve()}")
