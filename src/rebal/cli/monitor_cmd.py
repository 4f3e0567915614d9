"""``rebal monitor``: every household through the monitor's rules (for cron)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from rebal.cli.options import ExecutorOption, SchedulerOption, WorkersOption
from rebal.cli.store_cmd import DbOption

if TYPE_CHECKING:
    from rebal.services.monitor import MonitorRun


def register(app: typer.Typer) -> None:
    app.command(
        "monitor",
        help=(
            "Check households for what needs attention today: classes outside (or near) "
            "their bands, cash to invest, losses worth harvesting (and those a wash sale "
            "blocks), wash-sale windows ending, unused 0% long-term-gain room.\n\n"
            "Without files: the store's households (or those named by --household); alerts "
            "are kept there across runs (first seen, last seen, resolved), only new ones are "
            "posted, and households unchanged since the last run are not evaluated again "
            "unless --all.\n\n"
            "Exit status: 0 = nothing to do, 10 = action needed, 2 = a household could not "
            "be read or the notification failed.\n\n"
            "Example: rebal monitor --notify http://127.0.0.1:9000/hook (the store), or "
            "rebal monitor examples/households/*.yaml"
        ),
    )(monitor_cmd)


def monitor_cmd(
    households: Annotated[list[Path] | None, typer.Argument(help="Household YAML/JSON files (default: the store's households).")] = None,
    db: DbOption = None,
    household: Annotated[list[str] | None, typer.Option("--household", help="Only this stored household (repeat for more).")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Evaluate every stored household, changed or not.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    notify: Annotated[str | None, typer.Option(help="POST the new alerts as JSON to this URL.")] = None,
    policy: Annotated[str | None, typer.Option(help="Also ask this policy whether today is an action day, from market data: vol-band:base=0.05, monthly, a VIX table … (docs/policies.md).")] = None,
    prices: Annotated[str | None, typer.Option(help="Market data for --policy: default, a dataset or a price file (CSV/Parquet).")] = None,
    class_prices: Annotated[str | None, typer.Option(help="Price column of each class for --policy and --factors: CLASS=COLUMN,… (default: the class's own name).")] = None,
    factors: Annotated[str | None, typer.Option(help="Also style drift: a Ken French factor file (or a shipped one, e.g. us_ff3_monthly) to regress the classes' returns on (docs/factors.md).")] = None,
    factor_bands: Annotated[str | None, typer.Option(help="Bands for --factors: FACTOR=WIDTH,… in loading units (HML=0.1: 'style drift exceeds 10 %').")] = None,
    factor_window: Annotated[int, typer.Option(help="Rows per regression for --factors.")] = 252,
    nav_stale_days: Annotated[int, typer.Option(help="A private fund's NAV older than this many days is reported stale (docs/household.md).")] = 190,
    executor: ExecutorOption = None,
    scheduler: SchedulerOption = None,
    workers: WorkersOption = None,
) -> None:
    from rebal.cli import console
    from rebal.cli.options import parse_executor
    from rebal.services.monitor import MonitorRequest, monitor

    from rebal.errors import ConfigError

    if households and (household or db or all_):
        raise ConfigError("give household files, or --db/--household/--all for the store, "
                          "not both")
    mapping: dict[str, str] = {}
    for part in (class_prices or "").split(","):
        if part.strip():
            cls, sep, col = part.partition("=")
            if not sep or not cls.strip() or not col.strip():
                raise ConfigError(f"--class-prices: expected CLASS=COLUMN, got {part.strip()!r}")
            mapping[cls.strip()] = col.strip()
    fbands: dict[str, float] = {}
    for part in (factor_bands or "").split(","):
        if part.strip():
            name, sep, width = part.partition("=")
            try:
                fbands[name.strip()] = float(width)
            except ValueError:
                raise ConfigError(f"--factor-bands: expected FACTOR=WIDTH, got {part.strip()!r}") from None
            if not sep or not name.strip():
                raise ConfigError(f"--factor-bands: expected FACTOR=WIDTH, got {part.strip()!r}")
    request = MonitorRequest(households=tuple(str(p) for p in households or ()),
                             names=tuple(household or ()), db=db, all_=all_, notify=notify,
                             executor=parse_executor(executor, scheduler, workers),
                             policy=policy, prices=prices, class_prices=mapping,
                             factors=factors, factor_bands=fbands, factor_window=factor_window,
                             nav_stale_days=nav_stale_days)
    run = monitor(request)
    if json_out:
        console.print_json(run.to_dict())
    else:
        show(run)
    if run.notify_error:
        console.err.print(f"[red]error:[/] {run.notify_error}")
    raise typer.Exit(run.exit_code)


def show(run: MonitorRun) -> None:
    """One block per household: its alerts, action first."""
    from rebal.cli import console

    for name, o in zip(run.names, run.outcomes, strict=True):
        if not o.ok or o.value is None:
            console.out.print(f"[red]failed[/]: {o.error}")
            continue
        v = o.value
        state = "[bold red]action needed[/]" if v["action_needed"] else "[green]nothing to do[/]"
        where = "" if name == v["household"] else f"{name}, "
        console.out.print(f"[bold]{v['household']}[/] ({where}as of {v['as_of']}): {state}")
        for a in sorted(v["alerts"], key=lambda a: a["severity"] != "action"):
            mark = "[red]![/]" if a["severity"] == "action" else "[dim]·[/]"
            console.out.print(f"  {mark} {a['message']}")
    n_act = sum(1 for o in run.outcomes if o.ok and o.value and o.value["action_needed"])
    line = f"{len(run.names)} households evaluated: {n_act} need action, {run.n_failed} failed"
    if run.unchanged:
        line += f"; {len(run.unchanged)} unchanged since the last run (not evaluated)"
    if run.open_action is not None:
        line += (f"; {len(run.new_alerts)} new alerts, {run.resolved} resolved, "
                 f"{run.open_action} open needing action")
    if run.notified:
        line += f"; {run.notified} alerts posted"
    console.out.print(line)
