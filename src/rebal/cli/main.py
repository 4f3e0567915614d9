"""Entry point of the ``rebal`` command.

Each command's body lives in its own module and is imported only when that
command runs, so ``rebal --help`` starts without loading numpy, pandas or numba.
Every :class:`rebal.errors.RebalError` becomes one red line and exit status 2.

OpenBLAS (numpy's BLAS) starts its worker threads when numpy is imported, and each
spins for 2^28 cycles (about 0.1 s) waiting for work before it sleeps: 0.03–0.05 s of
CPU in every command that imports numpy, taken from the main thread on a busy machine.
:func:`main` sets ``OPENBLAS_THREAD_TIMEOUT=4`` (2^4 cycles) unless the user set it:
the same threads, splitting BLAS work the same way (the same results), asleep sooner.
"""

from __future__ import annotations

import os
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


def _new_app() -> typer.Typer:
    """An empty ``rebal`` app (name, help and settings; no commands yet)."""
    return typer.Typer(
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


app = _new_app()


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


def _app_for(args: list[str]) -> typer.Typer:
    """The app with only the command (or group) that ``args`` names, else the whole app.

    On every run typer builds the click command of each registered command — its
    signature, type hints, help — before it parses anything: about 0.08 s CPU for the
    whole app, 0.01 s for one command. The one-command app has the same callback
    (``--wide``), settings and command objects, so that command parses, helps and fails
    alike; a name that is not a command (a typo, ``--help``) gets the whole app.
    """
    name = next((a for a in args if not a.startswith("-")), None)
    commands = [c for c in app.registered_commands
                if (c.name or getattr(c.callback, "__name__", "")) == name]
    groups = [g for g in app.registered_groups if g.name == name]
    if name is None or len(commands) + len(groups) != 1:
        return app
    one = _new_app()
    one.registered_callback = app.registered_callback
    one.registered_commands = commands
    one.registered_groups = groups
    return one


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; bad input ends in one line on stderr, never a traceback."""
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")  # before numpy (module docstring)
    from rebal.errors import RebalError

    args = store_cmd.route(list(sys.argv[1:] if argv is None else argv))
    if "--wide" in args[1:]:  # also after the command: rebal plan H.yaml --wide
        args.remove("--wide")
        args.insert(0, "--wide")
    try:
        _app_for(args)(args=args, standalone_mode=True)
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
