"""``rebal plan`` and ``rebal check``: a household's tax-aware trades, and its drift."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rebal.services.plan import Schedule, TradePlan


def register(app: typer.Typer) -> None:
    app.command(
        "plan",
        help=(
            "The trades that bring a household back to target at the least tax, each with its "
            "reason, lots and tax, beside a naive pro-rata FIFO rebalance.\n\n"
            "Example: rebal plan examples/households/article_client.yaml --orders orders.csv"
        ),
    )(plan_cmd)
    app.command(
        "check",
        help=(
            "Drift of each asset class and tier against its band. Exit status 0 = within "
            "bands, 10 = action needed (for cron).\n\n"
            "Example: rebal check examples/households/diy_small.yaml"
        ),
    )(check_cmd)


def plan_cmd(
    household: Annotated[Path, typer.Argument(help="Household YAML/JSON file (see docs/household.md).")],
    orders: Annotated[Path | None, typer.Option(help="Write broker-ready orders (CSV) here.")] = None,
    report: Annotated[Path | None, typer.Option(help="Write a self-contained HTML report here.")] = None,
    tax_budget: Annotated[float | None, typer.Option(help="At most this much extra tax this year, dollars.")] = None,
    tax_free_only: Annotated[bool, typer.Option("--tax-free-only", help="Only trades that add no tax.")] = False,
    full_rebalance: Annotated[bool, typer.Option("--full-rebalance", help="Every class inside its band, whatever the tax.")] = False,
    min_trade: Annotated[float, typer.Option(help="Smallest order, dollars (or one share where whole shares are traded); an account's min_trade_usd wins.")] = 100.0,
    tidy: Annotated[bool, typer.Option("--tidy", help="Also trade to move classes inside their band closer to target.")] = False,
    carryforward_value: Annotated[float, typer.Option(help="Value of a dollar of loss carried to later years, in the objective and the naive comparison.")] = 0.05,
    months: Annotated[int, typer.Option(help="Also plan a schedule over this many months that closes the gap with new money first.")] = 0,
    monthly_contribution: Annotated[float, typer.Option(help="New money per month for --months, dollars.")] = 0.0,
    time_limit: Annotated[float, typer.Option(help="Solver time limit per solve, seconds; reaching it prints a warning and exits 3.")] = 10.0,
    json_out: Annotated[bool, typer.Option("--json", help="Print the whole plan as JSON.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the summary lines.")] = False,
    base: Annotated[str | None, typer.Option(help="Show values in this currency (e.g. EUR); tax stays in USD. Default: the file's base_currency.")] = None,
    fx: Annotated[Path | None, typer.Option(help="FX table (CSV: Date and one column per currency, per EUR) instead of the file's fx_file or the shipped ECB rates.")] = None,
) -> None:
    from rebal.cli import console
    from rebal.errors import ConfigError
    from rebal.services.plan import PlanRequest
    from rebal.services.plan import plan as run

    chosen = [m for m, on in (("tax_budget", tax_budget is not None),
                              ("tax_free", tax_free_only),
                              ("full_rebalance", full_rebalance)) if on]
    if len(chosen) > 1:
        raise ConfigError("choose at most one of --tax-budget, --tax-free-only, --full-rebalance")
    if months and months < 1:
        raise ConfigError(f"--months must be >= 1, got {months}")
    request = PlanRequest(
        household=str(household), mode=chosen[0] if chosen else "balanced",
        tax_budget_usd=tax_budget, min_trade_usd=min_trade, tidy=tidy,
        carryforward_value=carryforward_value, time_limit_s=time_limit, months=months,
        monthly_contribution_usd=monthly_contribution,
        orders=None if orders is None else str(orders),
        report=None if report is None else str(report),
        base=base, fx=None if fx is None else str(fx),
    )
    with console.progress(months, "scheduling", quiet=quiet or json_out or not months):
        answer = run(request)
    if json_out:
        console.print_json(answer.to_dict())
    else:
        print_plan(answer.plan, quiet=quiet)
        if answer.schedule is not None:
            print_schedule(answer.schedule, quiet=quiet)
        for path, what in ((orders, "orders"), (report, "report")):
            if path is not None:
                console.out.print(f"{what}: {path}")
    if answer.hit_time_limit:
        from rebal.cli.exits import EXIT_TIME_LIMIT

        console.err.print(
            f"[yellow]warning:[/] the solver stopped at its {time_limit:g} s time limit: the "
            f"plan is feasible but may not be optimal (exit status {EXIT_TIME_LIMIT}; "
            "raise --time-limit)", markup=True)
        raise typer.Exit(EXIT_TIME_LIMIT)


def print_plan(result: TradePlan, *, quiet: bool = False) -> None:
    """Tables of a plan: trades, allocation, tax beside the naive plan, do-not-buy list."""
    from rebal.cli import console
    from rebal.reports import plan_tables

    console.out.print(f"[bold]Plan for {result.household}[/] as of {result.as_of}")
    if not quiet and getattr(result, "private_views", ()):
        t = plan_tables.private_view_table(result.private_views)
        console.table("Private classes by exposure view, before the plan (* = used)",
                      t.header, t.rows)
    if not quiet:
        for make, title in ((plan_tables.steps_table, "Steps"),
                            (plan_tables.trade_table, "Trades"),
                            (plan_tables.class_table, "Allocation by class"),
                            (plan_tables.private_line_table,
                             "Private classes: funds and liquid substitute"),
                            (plan_tables.account_table, "Accounts"),
                            (plan_tables.tax_table, "Tax"),
                            (plan_tables.do_not_buy_table, "Do not buy (wash-sale windows)"),
                            (plan_tables.not_done_table, "Not done, and why"),
                            (plan_tables.conversion_table, "FX conversions (netted)")):
            t = make(result)
            if t.rows and make is plan_tables.trade_table:  # one line a trade, reason below
                console.item_table(title, t.header, t.rows, group="Step",
                                   below=("Lots", "Reason"))
            elif t.rows:
                console.table(title, t.header, t.rows)
    if not quiet and _foreign(result):
        t = plan_tables.currency_table(result)
        console.table("Currency exposure of the holdings after the plan", t.header, t.rows)
    for line in plan_tables.comparison_lines(result):
        console.out.print(line)
    console.out.print("every class inside its band after the plan" if result.in_bands_after
                      else "[yellow]some classes remain outside their band[/]")
    for note in result.notes:
        console.out.print(f"[dim]note: {note}[/]")


def print_schedule(sched: Schedule, *, quiet: bool = False) -> None:
    """Month by month: new money, trades, tax, and tax now versus scheduled."""
    from rebal.cli import console

    if not quiet:
        console.table(
            f"Schedule: {len(sched.months)} months, {console.usd(sched.monthly_contribution_usd)} "
            f"a month into {sched.account}",
            ["Month", "Date", "New money", "Trades", "Tax", "In bands"],
            [[str(m.month), str(m.date), console.usd(m.contribution_usd), str(len(m.plan.trades)),
              console.usd(m.plan.tax.total_usd), "yes" if m.plan.in_bands_after else "no"]
             for m in sched.months],
        )
    console.out.print(
        f"tax if rebalanced now: {console.usd(sched.tax_now_usd)}; scheduled: "
        f"{console.usd(sched.tax_scheduled_usd)}; saving {console.usd(sched.saving_usd)}; "
        + ("in bands at the end" if sched.in_bands_at_end else "still outside a band at the end")
    )
    for note in sched.notes:
        console.out.print(f"[dim]note: {note}[/]")


def _foreign(result: object) -> bool:
    """True when the result has a non-dollar exposure or base: the currency table shows."""
    return (getattr(result, "base_currency", "USD") != "USD"
            or any(c.currency != "USD" for c in getattr(result, "currencies", ())))


def check_cmd(
    household: Annotated[Path, typer.Argument(help="Household YAML/JSON file.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    base: Annotated[str | None, typer.Option(help="Show values in this currency (e.g. EUR). Default: the file's base_currency.")] = None,
    fx: Annotated[Path | None, typer.Option(help="FX table (CSV: Date and one column per currency, per EUR) instead of the file's fx_file or the shipped ECB rates.")] = None,
) -> None:
    from rebal.cli import console
    from rebal.reports import plan_tables
    from rebal.services.check import CheckRequest, check

    result = check(CheckRequest(household=str(household), base=base,
                                fx=None if fx is None else str(fx)))
    if json_out:
        console.print_json(result.to_dict())
    else:
        base = result.base_currency
        in_base = ([] if base == "USD" else [f"Value {base}"])
        console.table(
            f"{result.household} — drift as of {result.as_of}",
            ["Class", "Tier", "Target", "Now", "Drift", "Band", "Status", *in_base],
            [[c.asset_class, str(getattr(c.tier, "value", c.tier)), console.pct(c.target),
              console.pct(c.weight), console.pct(c.drift), f"±{console.pct(c.half_width)}",
              "[red]outside[/]" if c.breached else "ok",
              *([] if base == "USD" else [f"{c.value_usd / result.usd_per_base:,.0f} {base}"])]
             for c in result.classes],
        )
        if _foreign(result):
            t = plan_tables.currency_table(result)
            console.table(f"Currency exposure of the holdings (values in USD and "
                          f"{result.base_currency})", t.header, t.rows)
            if result.base_currency != "USD":
                console.out.print(
                    f"values in {result.base_currency} at {result.usd_per_base:.6g} USD per "
                    f"{result.base_currency} ({result.fx_source}); base currency is a view: "
                    "tax is computed in US dollars")
        if result.foreign_tax:
            t = plan_tables.foreign_tax_table(result)
            console.table("Foreign tax on dividends (a year)", t.header, t.rows)
            for line in plan_tables.foreign_tax_lines(result):
                console.out.print(line)
        if result.private:
            from rebal.reports import plan_tables

            t = plan_tables.private_view_table(result.private)
            console.table("Private classes by exposure view (* = used)", t.header, t.rows)
        for reason in result.reasons:
            console.out.print(f"- {reason}")
        console.out.print("[bold red]action needed[/]" if result.action_needed
                          else "[green]within bands[/]")
    raise typer.Exit(result.exit_code)
