"""``rebal backtest``: one policy on one dataset, beside buy-and-hold."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    app.command(
        "backtest",
        help=(
            "Backtest one rebalancing policy, beside buy-and-hold on the same data.\n\n"
            "Example: rebal backtest --prices default --target US_MKT=0.6,UST_INT=0.4 "
            "--policy band:abs=0.05,rel=0.25 --cost-bps 5"
        ),
    )(backtest)


def backtest(
    prices: Annotated[str, typer.Option(help="'default' (shipped us_daily data), a dataset name, or a CSV/Parquet file of prices.")] = "default",
    target: Annotated[str | None, typer.Option(help="Target weights ASSET=WEIGHT,... (fractions summing to 1). Default for the shipped data: US_MKT=0.6,UST_INT=0.4.")] = None,
    policy: Annotated[str, typer.Option(help="buy-and-hold | weekly | monthly | quarterly | semiannual | annual | band:abs=0.05 | band:rel=0.25 | band:abs=0.05,rel=0.25,check=monthly,to=edge")] = "monthly",
    start: Annotated[str | None, typer.Option(help="First date (YYYY-MM-DD); the portfolio is bought at its close.")] = None,
    end: Annotated[str | None, typer.Option(help="Last date (YYYY-MM-DD).")] = None,
    initial: Annotated[float, typer.Option(help="Dollars invested at the first close.")] = 1_000_000.0,
    cost_bps: Annotated[float, typer.Option(help="Proportional trading cost, basis points of each trade.")] = 0.0,
    fixed_cost: Annotated[float, typer.Option(help="Fixed cost per trade, dollars.")] = 0.0,
    min_trade: Annotated[float, typer.Option(help="Smallest rebalance trade made, dollars.")] = 0.0,
    contribution: Annotated[float, typer.Option(help="Cash flow per period, dollars (+ contribution, - withdrawal).")] = 0.0,
    flow_frequency: Annotated[str | None, typer.Option(help="Period of --contribution: weekly, monthly (default), quarterly, semiannual, annual.")] = None,
    kind: Annotated[str, typer.Option(help="What a --prices file holds: prices (total-return levels) or returns (fractions per row).")] = "prices",
    sep: Annotated[str | None, typer.Option(help="Column separator of a --prices CSV file (default ','; e.g. ';' or 'tab').")] = None,
    date_column: Annotated[str | None, typer.Option(help="Date column of a --prices file (default: the first named date, day, time …).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object (fractions, not percent) instead of tables.")] = False,
) -> None:
    from rebal.cli import console
    from rebal.cli.options import parse_target
    from rebal.services.backtest import BacktestRequest, blank_annualised
    from rebal.services.backtest import backtest as run

    request = BacktestRequest(
        prices=prices, target=None if target is None else parse_target(target), policy=policy,
        start=start, end=end, initial_usd=initial, cost_bps=cost_bps, fixed_usd=fixed_cost,
        min_trade_usd=min_trade, contribution_usd=contribution, flow_frequency=flow_frequency,
        kind=kind, sep=sep, date_column=date_column,
    )
    if not json_out:
        console.first_run_note()
    answer = run(request)
    if json_out:
        console.print_json(answer.to_dict())
        return
    from rebal.reports.tables import metrics_table

    result, baseline, market = answer.result, answer.baseline, answer.market
    console.out.print(
        f"[bold]{result.policy_name}[/] vs buy-and-hold — {market.dates[0]} … {market.dates[-1]}, "
        f"{', '.join(f'{k} {console.weight(v)}' for k, v in answer.target.items())}, {cost_bps:g} bps"
    )
    table = metrics_table([(result.policy_name, answer.metrics),
                           ("buy-and-hold", blank_annualised(baseline.metrics(baseline)))])
    console.table(None, table.header, table.rows)
    console.out.print(
        f"final value {console.usd(result.final_value)} "
        f"(buy-and-hold {console.usd(baseline.final_value)}); "
        f"{result.n_rebalances} rebalances; costs {console.usd(result.total_costs_usd)}; "
        + (f"max drawdown {answer.metrics.max_drawdown_peak_date} → "
           f"{answer.metrics.max_drawdown_trough_date}"
           if answer.metrics.max_drawdown_peak_date is not None
           else "no drawdown (the value never fell below an earlier close)")
    )
    if answer.from_file:
        for note in market.notes:  # what loading did to the user's file (alignment …)
            console.err.print(f"[dim]note: {note}[/]")
    for note in answer.notes:  # what the run did to the request (--start clipped …)
        console.err.print(f"[dim]note: {note}[/]")
