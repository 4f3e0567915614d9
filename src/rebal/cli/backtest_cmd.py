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
    base: Annotated[str, typer.Option(help="Base currency (ISO code) the backtest is valued in.")] = "USD",
    currency: Annotated[list[str] | None, typer.Option(help="COLUMN=CURRENCY of a column quoted in another currency (repeatable, or comma-separated); converted to --base at daily FX rates.")] = None,
    fx: Annotated[str | None, typer.Option(help="FX rates file (Date + one column per currency, units per EUR); default: the shipped ECB table.")] = None,
    fx_cost_bps: Annotated[float, typer.Option(help="FX conversion cost, basis points: added to every trade of a foreign column and charged by the hedge.")] = 0.0,
    hedge: Annotated[str | None, typer.Option(help="Hedge ratio target in [0, 1] of every foreign currency, or per currency EUR=1,JPY=0.5 (one-month forwards rolled monthly; docs/currency.md).")] = None,
    hedge_band: Annotated[float, typer.Option(help="Band around the hedge ratio (absolute, e.g. 0.05) before the forwards are resized.")] = 0.05,
    hedge_dynamic: Annotated[bool, typer.Option(help="Scale the hedge ratio by FX volatility (the vol-band rule: 21-day vol / its long-run average).")] = False,
    exposure: Annotated[list[str] | None, typer.Option(help="COLUMN=CCY:WEIGHT,... a fund's look-through currency mix for the hedge (repeatable), e.g. EFA=EUR:0.45,JPY:0.30,GBP:0.25.")] = None,
    rates: Annotated[str | None, typer.Option(help="Short rates for the hedge's carry: Date + one column per currency (ISO code), annual percent; without it carry is not modelled (and the output says so).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object (fractions, not percent) instead of tables.")] = False,
) -> None:
    from rebal.cli import console
    from rebal.cli.options import parse_currencies, parse_exposures, parse_hedge, parse_target
    from rebal.services.backtest import BacktestRequest, blank_annualised
    from rebal.services.backtest import backtest as run

    request = BacktestRequest(
        prices=prices, target=None if target is None else parse_target(target), policy=policy,
        start=start, end=end, initial_usd=initial, cost_bps=cost_bps, fixed_usd=fixed_cost,
        min_trade_usd=min_trade, contribution_usd=contribution, flow_frequency=flow_frequency,
        kind=kind, sep=sep, date_column=date_column, base=base,
        currencies=parse_currencies(currency), fx=fx, fx_cost_bps=fx_cost_bps, hedge=parse_hedge(hedge),
        hedge_band=hedge_band, hedge_dynamic=hedge_dynamic, exposures=parse_exposures(exposure),
        rates=rates,
    )
    if not json_out:
        console.first_run_note()
    answer = run(request)
    if json_out:
        console.print_json(answer.to_dict())
        return
    from rebal.reports.tables import metrics_table

    result, baseline, market = answer.result, answer.baseline, answer.market
    code = base.strip().upper()
    money = console.usd if code == "USD" else (lambda x: f"{console.num(x)} {code}")
    console.out.print(
        f"[bold]{result.policy_name}[/] vs buy-and-hold — {market.dates[0]} … {market.dates[-1]}, "
        f"{', '.join(f'{k} {console.weight(v)}' for k, v in answer.target.items())}, {cost_bps:g} bps"
        + (f" (+{fx_cost_bps:g} bps FX conversion on foreign columns)" if fx_cost_bps else "")
    )
    table = metrics_table([(result.policy_name, answer.metrics),
                           ("buy-and-hold", blank_annualised(baseline.metrics(baseline)))])
    console.table(None, table.header, table.rows)
    console.out.print(
        f"final value {money(result.final_value)} "
        f"(buy-and-hold {money(baseline.final_value)}); "
        f"{result.n_rebalances} rebalances; costs {money(result.total_costs_usd)}; "
        + (f"max drawdown {answer.metrics.max_drawdown_peak_date} → "
           f"{answer.metrics.max_drawdown_trough_date}"
           if answer.metrics.max_drawdown_peak_date is not None
           else "no drawdown (the value never fell below an earlier close)")
    )
    if answer.hedge is not None:
        h = answer.hedge.summary(result.flows_usd)
        console.out.print(
            f"hedged ({', '.join(answer.hedge.currencies)}, target {hedge} ±{hedge_band:g}"
            f"{', vol-scaled' if hedge_dynamic else ''}): final value "
            f"{money(h['final_value'])}; annual return {console.pct(h['cagr'])}, "
            f"volatility {console.pct(h['annual_volatility'])}, max drawdown "
            f"{console.pct(h['max_drawdown'])}; hedge costs {money(h['hedge_costs'])}, "
            f"turnover {h['annual_turnover']:.2f}× a year, {h['n_resizes']} resizes"
        )
        for note in answer.hedge.notes:  # carry modelled or not, said every time
            console.out.print(f"{note}")
    if answer.from_file or any("converted to" in n for n in market.notes):
        for note in market.notes:  # what loading did to the user's file (alignment …)
            console.err.print(f"[dim]note: {note}[/]")
    for note in answer.notes:  # what the run did to the request (--start clipped …)
        console.err.print(f"[dim]note: {note}[/]")
