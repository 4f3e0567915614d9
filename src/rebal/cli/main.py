"""Entry point of the ``rebal`` command.

Each command's body lives in its own module and is imported only when that
command runs, so ``rebal --help`` starts without loading numpy, pandas or numba.
Every :class:`rebal.errors.RebalError` becomes one red line and exit status 2.
"""

from __future__ import annotations

import sys

import typer

from rebal.cli.exits import exit_codes_epilog
from rebal.cli import (
    alts_cmd,
    backtest_cmd,
    batch_cmd,
    compare_cmd,
    demo_cmd,
    factors_cmd,
    monitor_cmd,
    plan_cmd,
    serve_cmd,
    simulate_cmd,
    store_cmd,
    sweep_cmd,
    tax_cmd,
)

app = typer.Typer(
    name="rebal",
    help=(
        "Measure rebalancing policies on real data, with costs and taxes, and plan "
        "tax-aware rebalances.\n\n"
        "Example: rebal backtest --target US_MKT=0.6,UST_INT=0.4 --policy band:abs=0.05"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)


@app.callback()
def _options(
    wide: bool = typer.Option(False, "--wide", help="Tables show every column, however wide (by default columns that do not fit the terminal are left out and named)."),
) -> None:
    """Options before the command: ``rebal --wide plan …``."""
    from rebal.cli import console

    console.WIDE["on"] = wide


backtest_cmd.register(app)
compare_cmd.register(app)
sweep_cmd.register(app)
plan_cmd.register(app)
demo_cmd.register(app)
tax_cmd.register(app)
factors_cmd.register(app)
monitor_cmd.register(app)
simulate_cmd.register(app)
store_cmd.register(app)
batch_cmd.register(app)
serve_cmd.register(app)
alts_cmd.register(app)

for _info in app.registered_commands:
    _name = _info.name or getattr(_info.callback, "__name__", "")
    _info.epilog = _info.epilog or exit_codes_epilog(_name)
for _group in app.registered_groups:
    if _group.typer_instance is not None:
        for _info in _group.typer_instance.registered_commands:
            _info.epilog = _info.epilog or exit_codes_epilog(_info.name or "")


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; bad input ends in one line on stderr, never a traceback."""
    from rebal.errors import RebalError

    args = store_cmd.route(list(sys.argv[1:] if argv is None else argv))
    if "--wide" in args[1:]:  # also after the command: rebal plan H.yaml --wide
        args.remove("--wide")
        args.insert(0, "--wide")
    try:
        app(args=args, standalone_mode=True)
    except RebalError as exc:
        from rebal.cli.console import fail

        fail(str(exc))
    except FileNotFoundError as exc:
        from rebal.cli.console import fail

        fail(f"{exc.filename}: no such file")
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
