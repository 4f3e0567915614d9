"""``rebal tax``: realized-gains audit of a trade history, and tax estimates."""

from __future__ import annotations

from typing import Annotated

import typer

tax_app = typer.Typer(
    help="US federal tax: audit a trade history (lots, wash sales, Form 8949) or estimate a year's tax.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(tax_app, name="tax")


@tax_app.command(
    "estimate",
    help=(
        "Federal (and flat state) tax for given income and realized gains, exact-formula method.\n\n"
        "Example: rebal tax estimate --year 2025 --status single --income 60000 --lt 30000"
    ),
)
def estimate(
    year: Annotated[int, typer.Option(help="Tax year (2024, 2025, 2026).")] = 2025,
    status: Annotated[str, typer.Option(help="Filing status: single, mfj, mfs, hoh, qss.")] = "single",
    income: Annotated[float, typer.Option(help="Ordinary income before the standard deduction (wages, interest), dollars.")] = 0.0,
    qualified_dividends: Annotated[float, typer.Option(help="Qualified dividends, dollars.")] = 0.0,
    st: Annotated[float, typer.Option(help="Net short-term capital gain (negative = loss), dollars.")] = 0.0,
    lt: Annotated[float, typer.Option(help="Net long-term capital gain (negative = loss), dollars.")] = 0.0,
    st_carryforward: Annotated[float, typer.Option(help="Short-term loss carried in, dollars (positive).")] = 0.0,
    lt_carryforward: Annotated[float, typer.Option(help="Long-term loss carried in, dollars (positive).")] = 0.0,
    investment_income: Annotated[float, typer.Option(help="Part of --income that is investment income for NIIT (interest), dollars.")] = 0.0,
    state_rate: Annotated[float, typer.Option(help="Flat state rate as a fraction (0.05 = 5%).")] = 0.0,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    from rebal.cli import console
    from rebal.tax import federal_tax
    from rebal.types import FilingStatus

    breakdown = federal_tax(
        year,
        FilingStatus.parse(status, field="--status"),
        ordinary_income=income,
        qualified_dividends=qualified_dividends,
        st_gains=st,
        lt_gains=lt,
        st_carryforward=st_carryforward,
        lt_carryforward=lt_carryforward,
        investment_income=investment_income,
        state_rate=state_rate,
    )
    if json_out:
        console.print_json(breakdown.to_dict())
    else:
        console.out.print(breakdown.to_text())


