"""The store's commands: ``rebal db``, ``rebal household``, ``rebal plan --household``,
``rebal plan approve`` and ``rebal orders`` (``docs/store.md``).

``rebal plan`` with ``--household`` and ``rebal plan approve ID`` are routed here by
:func:`route` before typer parses them (the ``plan`` command itself takes a file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DbOption = Annotated[str | None, typer.Option(
    "--db", help="Store URL or SQLite file (default: $REBAL_DB, else rebal.db in the user's data directory).")]

db_app = typer.Typer(help="The store's schema: create, upgrade, show its version.",
                     no_args_is_help=True)
import_app = typer.Typer(help="Broker files into the store: positions, lots, transactions (docs/imports.md).",
                         no_args_is_help=True)
prices_app = typer.Typer(help="Closing prices into the store (valuation uses the latest).",
                         no_args_is_help=True)
fills_app = typer.Typer(help="Executions of a stored plan: lots through the tax ledger, plan executed or partial.",
                        no_args_is_help=True)
household_app = typer.Typer(help="Households in the store: add a file, export one, list them with their drift status.",
                            no_args_is_help=True)


def register(app: typer.Typer) -> None:
    # ``rebal plan`` (cli/plan_cmd.py) takes a file; say there how to plan a stored one
    for command in app.registered_commands:
        if command.name == "plan" and command.help:
            command.help += ("\n\nA stored household: rebal plan --household NAME [--save] "
                             "[--db URL]; then rebal plan approve ID (docs/store.md).")
    app.add_typer(db_app, name="db")
    app.add_typer(household_app, name="household")
    app.add_typer(import_app, name="import")
    app.add_typer(prices_app, name="prices")
    app.add_typer(fills_app, name="fills")
    app.command("orders", help=(
        "Write the order file of an approved stored plan (sales name their lots) and mark "
        "the plan sent.\n\nExample: rebal orders 3 --format generic --out orders.csv"))(orders_cmd)
    app.command("history", help=(
        "A stored household's value over time (snapshots), the money moved in and out, "
        "and its time- and money-weighted returns.\n\nExample: rebal history 'DIY investor (single)'"))(history_cmd)
    app.command("attribution", help=(
        "What each executed plan earned against not trading: rebalancing return, tax saved "
        "against the naive plan, costs.\n\nExample: rebal attribution 'DIY investor (single)' --since 2025-01-01"))(attribution_cmd)
    app.command("plan-approve", hidden=True)(approve_cmd)
    app.command("plan-stored", hidden=True)(plan_stored_cmd)


def route(argv: list[str]) -> list[str]:
    """``plan approve ID`` → ``plan-approve ID``; ``plan … --household NAME …`` →
    ``plan-stored …`` (other arguments unchanged)."""
    if argv[:2] == ["plan", "approve"]:
        return ["plan-approve", *argv[2:]]
    if argv[:1] == ["plan"] and "--all" in argv[1:]:
        return ["plan-all", *argv[1:]]
    if argv[:1] == ["plan"] and any(a == "--household" or a.startswith("--household=")
                                    for a in argv[1:]):
        return ["plan-stored", *argv[1:]]
    return argv


# -- rebal db ---------------------------------------------------------------------


def _print_status(status: object, json_out: bool) -> None:
    from rebal.cli import console

    d = status.to_dict()  # type: ignore[attr-defined]
    if json_out:
        console.print_json(d)
        return
    console.out.print(f"store: {d['url']}")
    console.out.print(f"schema: {d['current'] or 'not initialised'} (this rebal: {d['head']})"
                      + ("; up to date" if d["up_to_date"] else ""))


@db_app.command("init", help="Create the store's tables (an initialised store is left as it is).")
def db_init_cmd(db: DbOption = None,
                json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    from rebal.services.store import db_init

    _print_status(db_init(db), json_out)


@db_app.command("upgrade", help="Bring the store's schema to this rebal's version (back the file up first).")
def db_upgrade_cmd(db: DbOption = None,
                   json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    from rebal.services.store import db_upgrade

    _print_status(db_upgrade(db), json_out)


@db_app.command("status", help="The store's URL and schema version against this rebal's.")
def db_status_cmd(db: DbOption = None,
                  json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    from rebal.services.store import db_status

    _print_status(db_status(db), json_out)


# -- rebal household ------------------------------------------------------------


@household_app.command("add", help="Validate a household file and store it.\n\nExample: rebal household add examples/households/diy_small.yaml")
def household_add_cmd(
    file: Annotated[Path, typer.Argument(help="Household YAML/JSON file (docs/household.md).")],
    replace: Annotated[bool, typer.Option("--replace", help="Update a stored household of the same name (targets get a new dated version; history stays).")] = False,
    db: DbOption = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    from rebal.cli import console
    from rebal.services.store import add_household

    added = add_household(str(file), db, replace=replace)
    if json_out:
        console.print_json(added.to_dict())
        return
    verb = "updated" if added.replaced else "added"
    console.out.print(f"{verb} household {added.name!r} (id {added.household_id}): "
                      f"{added.accounts} accounts, {added.lots} lots; "
                      + ("action needed" if added.check["action_needed"] else "within bands"))


@household_app.command("export", help="Print a stored household as a household YAML file.\n\nExample: rebal household export 'DIY investor (single)' > h.yaml")
def household_export_cmd(
    name: Annotated[str, typer.Argument(help="The household's name.")],
    db: DbOption = None,
) -> None:
    import sys

    from rebal.services.store import export_household

    sys.stdout.write(export_household(name, db))


@household_app.command("list", help="Stored households with their latest drift status.")
def household_list_cmd(
    db: DbOption = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    from rebal.cli import console
    from rebal.services.store import list_households

    rows = list_households(db)
    if json_out:
        console.print_json(rows)
        return
    if not rows:
        console.out.print("no household in the store (rebal household add FILE)")
        return
    console.table("Households", ["Name", "As of", "Status", "Largest drift", "Checked (UTC)"],
                  [[r["name"], r["as_of"], r["status"], console.pct(r["max_abs_drift"]),
                    r["checked_at"] or "—"] for r in rows])


# -- plans and orders -------------------------------------------------------------


def plan_stored_cmd(
    household: Annotated[str, typer.Option("--household", help="Name of a stored household.")],
    save: Annotated[bool, typer.Option("--save", help="Store the plan as proposed (then: rebal plan approve ID).")] = False,
    orders: Annotated[Path | None, typer.Option(help="Write broker-ready orders (CSV) here.")] = None,
    report: Annotated[Path | None, typer.Option(help="Write a self-contained HTML report here.")] = None,
    tax_budget: Annotated[float | None, typer.Option(help="At most this much extra tax this year, dollars.")] = None,
    tax_free_only: Annotated[bool, typer.Option("--tax-free-only", help="Only trades that add no tax.")] = False,
    full_rebalance: Annotated[bool, typer.Option("--full-rebalance", help="Every class inside its band, whatever the tax.")] = False,
    min_trade: Annotated[float | None, typer.Option(help="Smallest order, dollars (default: rebal plan's).")] = None,
    time_limit: Annotated[float | None, typer.Option(help="Solver time limit per solve, seconds (default: rebal plan's).")] = None,
    tidy: Annotated[bool, typer.Option("--tidy", help="Also trade to move classes inside their band closer to target.")] = False,
    carryforward_value: Annotated[float | None, typer.Option(help="Value of a dollar of loss carried to later years (default: rebal plan's).")] = None,
    db: DbOption = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the whole plan as JSON.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the summary lines.")] = False,
) -> None:
    from rebal.cli import console
    from rebal.cli.plan_cmd import print_plan
    from rebal.errors import ConfigError
    from rebal.services.store import plan_stored

    chosen = [m for m, on in (("tax_budget", tax_budget is not None),
                              ("tax_free", tax_free_only),
                              ("full_rebalance", full_rebalance)) if on]
    if len(chosen) > 1:
        raise ConfigError("choose at most one of --tax-budget, --tax-free-only, --full-rebalance")
    options = {k: v for k, v in (("min_trade_usd", min_trade), ("time_limit_s", time_limit),
                                 ("tax_budget_usd", tax_budget),
                                 ("carryforward_value", carryforward_value)) if v is not None}
    if tidy:
        options["tidy"] = True
    answer = plan_stored(household, db, save=save, mode=chosen[0] if chosen else "balanced",
                         orders=None if orders is None else str(orders),
                         report=None if report is None else str(report), **options)
    if json_out:
        console.print_json(answer.to_dict())
        return
    print_plan(answer.run.plan, quiet=quiet)
    for path, what in ((orders, "orders"), (report, "report")):
        if path is not None:
            console.out.print(f"{what}: {path}")
    if answer.plan_id is not None:
        console.out.print(f"saved as plan {answer.plan_id} (proposed); approve it with: "
                          f"rebal plan approve {answer.plan_id}")


def approve_cmd(
    plan_id: Annotated[int, typer.Argument(help="The stored plan's id.")],
    by: Annotated[str | None, typer.Option(help="Who approves (default: the login name).")] = None,
    db: DbOption = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    from rebal.cli import console
    from rebal.services.store import approve_plan

    done = approve_plan(plan_id, db, by=by)
    if json_out:
        console.print_json(done)
        return
    console.out.print(f"plan {plan_id} ({done['household']}) approved by {done['by']}; "
                      f"write its orders with: rebal orders {plan_id} --out FILE")


def orders_cmd(
    plan_id: Annotated[int, typer.Argument(help="The stored plan's id (approved).")],
    fmt: Annotated[str, typer.Option("--format", help="generic (specific lots named) or ibkr-basket.")] = "generic",
    out: Annotated[Path | None, typer.Option(help="Where to write (default: plan-ID-orders.csv).")] = None,
    db: DbOption = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    from rebal.cli import console
    from rebal.services.store import write_orders

    done = write_orders(plan_id, db, fmt=fmt, out=None if out is None else str(out))
    if json_out:
        console.print_json(done.to_dict())
        return
    console.out.print(f"{done.orders} orders of plan {plan_id} written to {done.path} "
                      f"({done.format}); plan {plan_id} is now {done.status}")
    for note in done.notes:
        console.out.print(f"[dim]note: {note}[/]")


# -- imports ------------------------------------------------------------------------

FormatOption = Annotated[str, typer.Option("--format", help="generic, fidelity, schwab, vanguard, etrade or ibkr-flex (docs/imports.md).")]
HouseholdOption = Annotated[str, typer.Option("--household", help="Name of a stored household.")]
AccountOption = Annotated[str, typer.Option("--account", help="The household's account id.")]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Print what would change; write nothing.")]
NumberOption = Annotated[str | None, typer.Option("--account-number", help="For a file of several accounts: which one (last digits).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _import(kind: str, file: Path, fmt: str, household: str, account: str, dry_run: bool,
            number: str | None, db: str | None, json_out: bool) -> None:
    from rebal.cli import console
    from rebal.services.imports import import_file

    report = import_file(kind, fmt, str(file), household=household, account=account, db=db,
                         dry_run=dry_run, account_number=number)
    if json_out:
        console.print_json(report.to_dict())
        return
    for line in report.lines():
        console.out.print(line, markup=False)


@import_app.command("positions", help="The account's holdings as the broker states them (positions without lots become unknown-date lots at average cost).\n\nExample: rebal import positions --format fidelity Portfolio_Positions.csv --household NAME --account brokerage")
def import_positions_cmd(file: Annotated[Path, typer.Argument(help="The positions file, as downloaded.")],
                         household: HouseholdOption, account: AccountOption, fmt: FormatOption = "generic",
                         dry_run: DryRunOption = False, account_number: NumberOption = None,
                         db: DbOption = None, json_out: JsonOption = False) -> None:
    _import("positions", file, fmt, household, account, dry_run, account_number, db, json_out)


@import_app.command("lots", help="The account's open lots (they replace the stored ones).\n\nExample: rebal import lots --format schwab Lot-Details-VTI.CSV --household NAME --account brokerage")
def import_lots_cmd(file: Annotated[Path, typer.Argument(help="The lots file, as downloaded.")],
                    household: HouseholdOption, account: AccountOption, fmt: FormatOption = "generic",
                    dry_run: DryRunOption = False, db: DbOption = None,
                    json_out: JsonOption = False) -> None:
    _import("lots", file, fmt, household, account, dry_run, None, db, json_out)


@import_app.command("transactions", help="Transactions (added once; checked against the stored lots and cash).\n\nExample: rebal import transactions --format schwab transactions.csv --household NAME --account brokerage")
def import_transactions_cmd(file: Annotated[Path, typer.Argument(help="The transactions file, as downloaded.")],
                            household: HouseholdOption, account: AccountOption, fmt: FormatOption = "generic",
                            dry_run: DryRunOption = False, db: DbOption = None,
                            json_out: JsonOption = False) -> None:
    _import("transactions", file, fmt, household, account, dry_run, None, db, json_out)


@prices_app.command("import", help="Store closing prices from a CSV or Parquet file (wide or long, as the backtest loaders read).\n\nExample: rebal prices import closes.csv")
def prices_import_cmd(file: Annotated[Path, typer.Argument(help="Price file (CSV or Parquet).")],
                      total_return: Annotated[bool, typer.Option("--total-return", help="The closes are total-return (dividends reinvested).")] = False,
                      db: DbOption = None, json_out: JsonOption = False) -> None:
    from rebal.cli import console
    from rebal.services.imports import import_prices

    done = import_prices(str(file), db, total_return=total_return)
    if json_out:
        console.print_json(done.to_dict())
        return
    console.out.print(f"{done.rows} closes of {len(done.symbols)} symbols "
                      f"({done.first} to {done.last}) stored from {done.file}")


@fills_app.command("import", help="Record a plan's executions (a generic fills file, or any broker's transactions file): lots relieved as named, wash sales adjusted, cash and realized gains updated; the plan becomes executed or partially executed.\n\nExample: rebal fills import fills.csv --plan 3")
def fills_import_cmd(file: Annotated[Path, typer.Argument(help="Fills or transactions file.")],
                     plan: Annotated[int, typer.Option("--plan", help="The stored plan's id.")],
                     fmt: FormatOption = "generic",
                     account: Annotated[str, typer.Option("--account", help="Account of a transactions file that does not name it.")] = "",
                     db: DbOption = None, json_out: JsonOption = False) -> None:
    from rebal.cli import console
    from rebal.services.fills import import_fills

    done = import_fills(str(file), plan, db, fmt=fmt, account=account)
    if json_out:
        console.print_json(done.to_dict())
        return
    if done.already_imported:
        console.out.print(f"{file}: already recorded for plan {plan}; nothing added")
        return
    console.out.print(f"{done.fills} fills recorded for plan {plan} ({done.household}); "
                      f"plan {plan} is now {done.status.replace('_', ' ')}")
    console.out.print(f"realized: short term {console.usd(done.realized_st_usd)}, long term "
                      f"{console.usd(done.realized_lt_usd)}; wash-sale losses disallowed "
                      f"{console.usd(done.disallowed_usd)}; fees {console.usd(done.fees_usd)}")
    for line in (*done.unfilled, *done.unplanned):
        console.out.print(f"- {line}", markup=False)
    for note in done.notes:
        console.out.print(f"note: {note}", markup=False)


def history_cmd(name: Annotated[str, typer.Argument(help="The household's name.")],
                db: DbOption = None, json_out: JsonOption = False) -> None:
    from rebal.cli import console
    from rebal.services.history import history

    result = history(name, db)
    if json_out:
        console.print_json(result.to_dict())
        return
    flows: dict[str, float] = {}
    for d, a in result.flows:
        flows[d] = flows.get(d, 0.0) + a
    console.table(f"{result.household} — value", ["Date", "Value", "Flows up to here"],
                  [[d, console.usd(v), console.usd(sum(a for fd, a in result.flows
                                                       if fd <= d))]
                   for d, v in result.values])
    console.out.print(f"time-weighted return: {console.pct(result.time_weighted)}; "
                      f"money-weighted (annual): {console.pct(result.money_weighted_annual)}")
    for note in result.notes:
        console.out.print(f"[dim]note: {note}[/]")


def attribution_cmd(name: Annotated[str, typer.Argument(help="The household's name.")],
                    since: Annotated[str | None, typer.Option(help="Only plans made on or after this date (YYYY-MM-DD).")] = None,
                    db: DbOption = None, json_out: JsonOption = False) -> None:
    import datetime as dt

    from rebal.cli import console
    from rebal.errors import ConfigError
    from rebal.services.history import attribution

    try:
        start = None if since is None else dt.date.fromisoformat(since)
    except ValueError:
        raise ConfigError(f"--since: not a date (YYYY-MM-DD): {since!r}") from None
    result = attribution(name, db, since=start)
    if json_out:
        console.print_json(result.to_dict())
        return
    d = result.to_dict()
    console.table(f"{result.household} — what the executed plans earned against not trading",
                  ["Plan", "Date", "Status", "Traded", "Rebalancing", "Tax saved", "Costs",
                   "Total", "Priced on"],
                  [[str(p.plan_id), p.as_of, p.status.replace("_", " "),
                    console.usd(p.traded_usd), console.usd(p.rebalancing_usd),
                    console.usd(p.tax_saved_usd), console.usd(p.costs_usd),
                    console.usd(p.total_usd), p.priced_on] for p in result.plans])
    console.out.print(f"total: rebalancing {console.usd(d['rebalancing_usd'])}, tax saved "
                      f"{console.usd(d['tax_saved_usd'])}, costs {console.usd(d['costs_usd'])}"
                      f"; net {console.usd(d['total_usd'])}")
    for note in result.notes:
        console.out.print(f"[dim]note: {note}[/]")
