"""``rebal tax``: realized-gains audit of a trade history, and tax estimates."""

from __future__ import annotations

from pathlib import Path
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
    from rebal.services.tax import EstimateRequest
    from rebal.services.tax import estimate as run

    breakdown = run(EstimateRequest(
        year=year, status=status, income=income, qualified_dividends=qualified_dividends,
        st=st, lt=lt, st_carryforward=st_carryforward, lt_carryforward=lt_carryforward,
        investment_income=investment_income, state_rate=state_rate,
    ))
    if json_out:
        console.print_json(breakdown.to_dict())
    else:
        console.out.print(breakdown.to_text())




@tax_app.command(
    "audit",
    help=(
        "Realized gains of a trade history: every sale lot by lot, ST/LT, wash sales across all "
        "accounts (IRAs included), Form 8949 lines with code W, adjusted replacement lots.\n\n"
        "Example: rebal tax audit examples/tax/trades.csv --household examples/tax/household.yaml"
    ),
)
def audit_cmd(
    trades: Annotated[Path, typer.Argument(help="Trade history CSV: date, account, symbol, side, quantity, price (see docs/tax_lots_washsales.md).")],
    household: Annotated[Path, typer.Option(help="Accounts and wash-sale groups: a tax settings file (examples/tax/household.yaml) or a full household file (examples/households/).")],
    year: Annotated[int | None, typer.Option(help="Show only sales in this tax year.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the whole audit as JSON.")] = False,
) -> None:
    from rebal.cli import console
    from rebal.services.tax import AuditRequest, audit

    result = audit(AuditRequest(trades=str(trades), household=str(household)))
    if json_out:
        console.print_json(result.to_dict())
        return
    sales = [d for d in result.dispositions if year is None or d.sold.year == year]
    if year is not None and not sales:
        years = sorted({d.sold.year for d in result.dispositions})
        console.err.print(f"[dim]note: no sales in {year}; the history's sales are in "
                          + (f"{years[0]}–{years[-1]}" if years else "no year (none sold)")
                          + "[/]")
    console.table(
        f"Sales ({len(sales)} lots relieved)",
        ["Sold", "Account", "Symbol", "Shares", "Acquired", "Term", "Proceeds", "Basis",
         "Gain/loss", "Disallowed", "Recognized", "Code"],
        [
            [str(d.sold), d.account, d.symbol, f"{d.quantity:,.4g}", str(d.acquired),
             str(d.term.value), console.usd(d.proceeds_usd), console.usd(d.basis_usd),
             console.usd(d.gain_usd), console.usd(d.disallowed_usd) if d.disallowed_usd else "",
             console.usd(d.recognized_usd),
             ("W" if d.disallowed_usd else "") + (" (perm.)" if d.permanently_disallowed_usd else "")]
            for d in sales
        ],
    )
    totals = [t for t in result.year_totals if year is None or t.year == year]
    console.table(
        "Recognized gains by year",
        ["Year", "ST gains", "ST losses", "Net ST", "LT gains", "LT losses", "Net LT",
         "Deferred (W)", "Lost for good"],
        [
            [str(t.year), console.usd(t.st_gains_usd), console.usd(t.st_losses_usd),
             console.usd(t.net_st_usd), console.usd(t.lt_gains_usd), console.usd(t.lt_losses_usd),
             console.usd(t.net_lt_usd), console.usd(t.deferred_usd),
             console.usd(t.permanently_disallowed_usd)]
            for t in totals
        ],
    )
    if result.adjusted_lots:
        console.table(
            "Open lots with wash-sale basis adjustments",
            ["Lot", "Account", "Symbol", "Shares", "Acquired", "Holding from", "Basis"],
            [
                [lot.id, lot.account, lot.symbol, f"{lot.quantity:,.4g}", str(lot.acquired),
                 str(lot.holding_start), console.usd(lot.basis_usd)]
                for lot in result.adjusted_lots
            ],
        )
    for note in result.notes:
        console.out.print(f"[yellow]note:[/] {note}")

