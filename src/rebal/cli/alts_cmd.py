"""``rebal alts project FILE`` (private funds: exposure views and projected cash flows)
and ``rebal alts pacing`` (commitments that reach and hold a private allocation)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    alts = typer.Typer(help="Illiquid alternatives: private funds' exposures, projected "
                       "capital calls and distributions, commitment pacing.",
                       no_args_is_help=True)
    alts.command(
        "project",
        help=(
            "Each private fund's exposure (NAV; NAV + unfunded; NAV rolled by its proxy) and "
            "its projected calls, distributions and NAV by the Takahashi–Alexander model.\n\n"
            "Example: rebal alts project examples/alternatives/funds.yaml --as-of 2025-06-30"
        ),
    )(project)
    alts.command(
        "pacing",
        help=(
            "How much to commit to new private funds each year to reach and hold a target "
            "private weight, given the liquid portfolio's expected growth.\n\n"
            "Example: rebal alts pacing --target 0.15 --liquid 1000000 --growth 0.06 "
            "--start-year 2026"
        ),
    )(pacing)
    app.add_typer(alts, name="alts")


def project(
    file: Annotated[Path, typer.Argument(help="Funds file (YAML; docs/alternatives.md).")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Valuation date YYYY-MM-DD (default: the file's as_of, else today).")] = None,
    years: Annotated[float, typer.Option(help="Projection horizon in years.")] = 10.0,
    prices: Annotated[str | None, typer.Option(help="Prices holding each fund's proxy ('default', a dataset name, or a CSV/Parquet file) to roll NAVs forward; an unknown proxy is an error.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")] = False,
) -> None:
    from rebal.cli import console
    from rebal.services.alternatives import ProjectRequest, alts_project

    run = alts_project(ProjectRequest(file=str(file), as_of=as_of, years=years, prices=prices))
    if json_out:
        console.print_json(run.to_dict())
        return
    console.out.print(f"[bold]private funds[/] in {run.file}, valued {run.valuation}")
    windows = sorted({m for f in run.funds for m in f.calls_next_usd})
    header = ["fund", "class", "commitment", "unfunded", "NAV", "NAV as of", "NAV+unfunded",
              "proxy-rolled", *[f"calls {m} mo" for m in windows]]
    rows = [
        [f.id, f.asset_class, console.usd(f.commitment_usd), console.usd(f.unfunded_usd),
         console.usd(f.exposure_nav_usd),
         "—" if f.nav_as_of is None else f"{f.nav_as_of} ({f.nav_age_days} d)",
         console.usd(f.exposure_nav_plus_unfunded_usd),
         "—" if f.exposure_proxy_rolled_usd is None else console.usd(f.exposure_proxy_rolled_usd),
         *[console.usd(f.calls_next_usd.get(m)) for m in windows]]
        for f in run.funds
    ]
    console.table("exposure views and projected calls (USD)", header, rows)
    for f in run.funds:
        console.out.print(f"{f.id}: model {f.model}; proxy-rolled: {f.proxy_note}")
    console.table(
        "projected cash flows of all funds (USD)",
        ["year to", "calls", "distributions", "NAV at end", "unfunded at end"],
        [[str(run.year_ends[k]), console.usd(run.calls_usd[k]),
          console.usd(run.distributions_usd[k]), console.usd(run.nav_usd[k]),
          console.usd(run.unfunded_usd[k])] for k in range(len(run.year_ends))],
    )
    for note in run.notes:
        console.out.print(note)


def pacing(
    target: Annotated[float, typer.Option(help="Target private weight of the whole portfolio (fraction, e.g. 0.15).")],
    liquid: Annotated[float, typer.Option(help="The liquid portfolio now (USD).")],
    growth: Annotated[float, typer.Option(help="Expected annual return of the liquid portfolio (fraction).")] = 0.06,
    start_year: Annotated[int | None, typer.Option("--start-year", help="First year planned (default: this year).")] = None,
    years: Annotated[int, typer.Option(help="Years to plan.")] = 10,
    model: Annotated[str, typer.Option(help="Model preset of new commitments: buyout, venture or real_estate.")] = "buyout",
    funds: Annotated[Path | None, typer.Option(help="Funds already held (the funds file of 'rebal alts project').")] = None,
    lookahead: Annotated[int, typer.Option(help="Each year's commitment aims at the weight at the end of this many years (1 = the same year).")] = 3,
    contribution: Annotated[float, typer.Option(help="Net money added to the liquid portfolio each year (USD; negative = spending).")] = 0.0,
    max_commitment: Annotated[float | None, typer.Option("--max-commitment", help="Cap on each year's commitment (USD).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")] = False,
) -> None:
    from rebal.cli import console
    from rebal.services.alternatives import PacingRequest, alts_pacing

    run = alts_pacing(PacingRequest(
        target_weight=target, liquid_usd=liquid, liquid_growth=growth, start_year=start_year,
        years=years, model=model, funds_file=None if funds is None else str(funds),
        lookahead_years=lookahead, contribution_usd=contribution,
        max_commitment_usd=max_commitment))
    if json_out:
        console.print_json(run.to_dict())
        return
    plan = run.plan
    console.out.print(f"[bold]commitment pacing[/]: target {plan.target_weight:.1%} private, "
                      f"liquid growth {plan.liquid_growth:.1%}/yr, model {run.request.model}, "
                      f"look-ahead {plan.lookahead_years} yr")
    console.table(
        "commitments and the simulated portfolio at each year's end (USD)",
        ["year", "commit", "calls", "distributions", "private NAV", "unfunded", "liquid",
         "private weight", "why"],
        [[str(y.year), console.usd(y.commitment_usd), console.usd(y.calls_usd),
          console.usd(y.distributions_usd), console.usd(y.private_nav_usd),
          console.usd(y.unfunded_usd), console.usd(y.liquid_usd), console.pct(y.private_weight, 1),
          y.why] for y in plan.years],
    )
    for note in plan.notes:
        console.out.print(note)
