"""``rebal factors`` (loadings and exposures) and ``rebal data fetch french NAME``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    app.command(
        "factors",
        help=(
            "Factor loadings of each asset (rolling OLS on Fama-French factors, with standard "
            "errors and R²) and the portfolio's exposures and style drift against bands.\n\n"
            "Example: rebal factors --factors F-F_Research_Data_Factors.CSV --prices us_monthly "
            "--target US_MKT=0.6,CORP_AAA=0.4 --bands HML=0.1"
        ),
    )(factors)
    data = typer.Typer(help="Data files: download factor returns into the cache.",
                       no_args_is_help=True)
    data.command(
        "fetch",
        help=(
            "Download a file of Kenneth French's data library into the cache and print its "
            "path. SOURCE is 'french'; NAME the library's file name without _CSV.zip.\n\n"
            "Example: rebal data fetch french F-F_Research_Data_5_Factors_2x3"
        ),
    )(fetch)
    app.add_typer(data, name="data")


def _parse_bands(text: str) -> dict[str, float]:
    from rebal.errors import ConfigError

    out: dict[str, float] = {}
    for token in filter(None, (t.strip() for t in text.split(","))):
        name, eq, value = token.partition("=")
        try:
            width = float(value)
        except ValueError:
            width = float("nan")
        if not eq or not name.strip() or not width > 0:
            raise ConfigError(f"--bands: bad item {token!r}; write FACTOR=WIDTH,… with widths "
                              "> 0 in loading units (HML=0.1)")
        out[name.strip()] = width
    return out


def factors(
    factors: Annotated[str, typer.Option("--factors", help="A Kenneth French data-library file (.csv or .zip, as downloaded; see 'rebal data fetch french'), or a shipped one: us_ff3_monthly (1926-2018), us_ff3_mom_monthly (with momentum, 1949-2017).")],
    prices: Annotated[str, typer.Option(help="'default', a dataset name (us_monthly for monthly factors), or a CSV/Parquet file of prices.")] = "default",
    target: Annotated[str | None, typer.Option(help="Portfolio weights ASSET=WEIGHT,... (fractions summing to 1). Default: equal weights of every asset.")] = None,
    table: Annotated[str | None, typer.Option(help="Table of the file: daily, monthly or annual (default: its first).")] = None,
    use: Annotated[str | None, typer.Option(help="Factors of the regression, e.g. Mkt-RF,SMB,HML (default: every factor column).")] = None,
    window: Annotated[int, typer.Option(help="Rows per regression (36 = three years of months).")] = 36,
    bands: Annotated[str | None, typer.Option(help="Style-drift bands FACTOR=WIDTH,... in loading units (HML=0.1: 'style drift exceeds 10 %').")] = None,
    policy: Annotated[str, typer.Option(help="The policy whose portfolio's drift is shown (costless backtest), e.g. band:abs=0.05 or factor-band:file=us_ff3_monthly,on=HML,band=0.1.")] = "buy-and-hold",
    start: Annotated[str | None, typer.Option(help="First date (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option(help="Last date (YYYY-MM-DD).")] = None,
    report: Annotated[Path | None, typer.Option(help="Write the HTML report (loadings, exposures, drift against bands) here.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")] = False,
) -> None:
    from rebal.cli import console
    from rebal.cli.options import parse_target
    from rebal.errors import ConfigError
    from rebal.services.factors import FactorsRequest
    from rebal.services.factors import factors as run

    if report is not None and not report.parent.exists():
        raise ConfigError(f"--report {report}: folder {report.parent} does not exist")
    request = FactorsRequest(
        factors=factors, prices=prices, target=None if target is None else parse_target(target),
        table=table, use=None if use is None else tuple(u.strip() for u in use.split(",")),
        window=window, bands=None if bands is None else _parse_bands(bands), policy=policy,
        start=start, end=end,
    )
    answer = run(request)
    summary = answer.to_dict()
    if report is not None:
        from rebal.reports.factors import factors_report

        factors_report(answer, report)
    if json_out:
        if report is not None:
            summary["report"] = str(report)
        console.print_json(summary)
        return
    from rebal.reports.factors import loadings_table

    t = answer.last_row
    console.out.print(f"[bold]factor loadings[/] on {answer.dates[t]} — window {answer.window} "
                      f"rows, factors {answer.factor_source}")
    lt = loadings_table(answer)
    console.table(None, lt.header, lt.rows)
    for note in lt.notes:
        console.out.print(note)
    if answer.bands:
        from rebal.reports.factors import drift_table

        dt = drift_table(answer)
        console.table(None, dt.header, dt.rows)
        for note in dt.notes:
            console.out.print(note)
        drift = answer.drift[t]
        for name, width in answer.bands.items():
            k = answer.names.index(name)
            n = answer.breaches()[name]
            console.out.print(
                f"{name}: drift under {answer.policy} {drift[k]:+.3f} (band ±{width:g}); "
                f"beyond the band on {n} of {len(answer.dates)} rows "
                f"({len(answer.rebalance_days)} rebalances)")
    if report is not None:
        console.out.print(f"report: {report.resolve()}")


def fetch(
    source: Annotated[str, typer.Argument(help="Where from: 'french' (Kenneth French's data library).")],
    name: Annotated[str, typer.Argument(help="The library's file name without _CSV.zip, e.g. F-F_Research_Data_Factors.")],
    cache: Annotated[Path | None, typer.Option(help="Cache folder (default $REBAL_CACHE/french or ~/.cache/rebal/french).")] = None,
    refresh: Annotated[bool, typer.Option("--refresh", help="Download again even when cached.")] = False,
) -> None:
    from rebal.cli import console
    from rebal.errors import ConfigError
    from rebal.services.factors import fetch_french_file

    if source.strip().lower() != "french":
        raise ConfigError(f"data fetch: unknown source {source!r}; the one source is 'french'")
    path = fetch_french_file(name, cache=None if cache is None else str(cache), refresh=refresh)
    console.out.print(path)
