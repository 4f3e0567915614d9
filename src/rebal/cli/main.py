"""Entry point of the ``rebal`` command.

Each command's body lives in its own module and is imported only when that
command runs, so ``rebal --help`` starts without loading numpy, pandas or numba.
Every :class:`rebal.errors.RebalError` becomes one red line and exit status 2.
"""

from __future__ import annotations

import sys

import typer

from rebal.cli import backtest_cmd, compare_cmd, demo_cmd, plan_cmd, sweep_cmd, tax_cmd
from rebal.cli.exit_codes import EXIT_INTERRUPTED, exit_codes_epilog

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
backtest_cmd.register(app)
compare_cmd.register(app)
sweep_cmd.register(app)
plan_cmd.register(app)
demo_cmd.register(app)
tax_cmd.register(app)

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

    try:
        app(args=argv, standalone_mode=True)
    except RebalError as exc:
        from rebal.cli.console import fail

        fail(str(exc))
    except FileNotFoundError as exc:
        from rebal.cli.console import fail

        fail(f"{exc.filename}: no such file")
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(EXIT_INTERRUPTED) from None


if __name__ == "__main__":
    main()
