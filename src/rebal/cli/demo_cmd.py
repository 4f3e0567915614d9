"""``rebal demo``: the main job on the shipped data, start to finish, in under a minute."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

REPO = Path(__file__).resolve().parents[3]
DEMO_STUDY = REPO / "examples" / "studies" / "default_core.yaml"
DEMO_HOUSEHOLD = REPO / "examples" / "households" / "article_client.yaml"


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
    from rebal.errors import ConfigError
    from rebal.household import load_household
    from rebal.planner import plan
    from rebal.reports import compare_report_from_study, plan_report
    from rebal.studies import load_study, run_study

    for needed in (DEMO_STUDY, DEMO_HOUSEHOLD):
        if not needed.is_file():
            raise ConfigError(f"the demo needs {needed} (run it from a source checkout of rebal)")
    out.mkdir(parents=True, exist_ok=True)

    study = load_study(DEMO_STUDY)
    with console.progress(len(study.policies) + 1, "backtests", quiet=quiet) as advance:
        result = run_study(study, progress=lambda done, total, name: advance())
    if not quiet:
        print_study(result)
    compare_path = compare_report_from_study(result, out / "compare.html")

    household = load_household(DEMO_HOUSEHOLD)
    trade_plan = plan(household)
    if not quiet:
        console.out.print()
        print_plan(trade_plan)
    plan_path = plan_report(trade_plan, out / "plan.html")

    console.out.print()
    console.out.print(f"backtest report: {compare_path.resolve()}")
    console.out.print(f"plan report:     {plan_path.resolve()}")
