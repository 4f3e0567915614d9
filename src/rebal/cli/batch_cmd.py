"""``rebal plan --all``: every stored household planned as a batch, on any executor, and
each plan stored (``docs/scale.md``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from rebal.cli.options import ExecutorOption, SchedulerOption, WorkersOption
from rebal.cli.store_cmd import DbOption

if TYPE_CHECKING:
    from rebal.services.batch import BatchPlanRun


def register(app: typer.Typer) -> None:
    # reached as ``rebal plan --all`` (store_cmd.route)
    app.command("plan-all", hidden=True, help=(
        "Plan every stored household (or those named by --household) as one batch and "
        "store each plan as proposed; a household that fails fails alone.\n\n"
        "Exit status: 0 = every household planned, 2 = some failed (listed).\n\n"
        "Example: rebal plan --all --executor dask --workers 2"))(plan_all_cmd)


def plan_all_cmd(
    all_: Annotated[bool, typer.Option("--all", help="Every stored household.")] = True,
    db: DbOption = None,
    household: Annotated[list[str] | None, typer.Option("--household", help="Only this household (repeat for more).")] = None,
    save: Annotated[bool, typer.Option("--save/--no-save", help="Store each plan as proposed (default).")] = True,
    min_trade: Annotated[float, typer.Option(help="Smallest order, dollars.")] = 0.0,
    executor: ExecutorOption = None,
    scheduler: SchedulerOption = None,
    workers: WorkersOption = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the batch summary as JSON.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no table.")] = False,
) -> None:
    from rebal.cli import console
    from rebal.cli.options import parse_executor
    from rebal.services.batch import plan_all

    spec = parse_executor(executor, scheduler, workers)
    with console.progress_steps("households", quiet=quiet or json_out) as step:
        run = plan_all(db, names=tuple(household or ()), save=save, min_trade_usd=min_trade,
                       executor=spec, progress=step)
    if json_out:
        console.print_json(run.to_dict())
    elif not quiet:
        show(run)
    raise typer.Exit(2 if run.n_failed else 0)


def show(run: BatchPlanRun) -> None:
    """A line per household, then the counts."""
    from rebal.cli import console

    rows = []
    for job in run.to_dict()["jobs"]:
        if job["status"] == "ok":
            rows.append([job["household"], "planned", f"{job['n_trades']:,}",
                         console.usd(job["tax_usd"]), console.usd(job["saving_usd"] or 0.0),
                         "yes" if job["in_bands_after"] else "no",
                         str(job.get("plan_id", "—"))])
        else:
            rows.append([job["household"], "[red]failed[/]", "", "", "", "", job["error"]])
    console.table(None, ["Household", "Status", "Trades", "Tax", "Saving vs naive",
                         "In bands", "Plan id / error"], rows)
    console.out.print(f"{run.n_ok} planned, {run.n_failed} failed, on {run.executor} in "
                      f"{run.seconds:,.1f} s" + (f"; {len(run.saved)} plans stored"
                                                if run.saved else ""))
