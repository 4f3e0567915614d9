"""Terminal output shared by the CLI commands: one-line errors, JSON, rich tables."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

# Piped output gets a wide virtual terminal so tables are not squeezed to 80 columns.
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 2) -> None:
    """Print ``error: message`` in red on stderr and exit with ``code``."""
    err.print(f"[bold red]error:[/] {message}", markup=True)
    raise SystemExit(code)


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if hasattr(obj, "value"):  # enums
        return obj.value
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def _clean(obj: Any) -> Any:
    """Replace NaN/inf (not valid JSON) with None, recursively."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    return obj


def print_json(payload: Any) -> None:
    """Write ``payload`` as one JSON document on stdout (NaN → null)."""
    text = json.dumps(payload, default=_json_default)
    sys.stdout.write(json.dumps(_clean(json.loads(text)), indent=2) + "\n")


def pct(x: float | None, digits: int = 2) -> str:
    """A fraction as a percent string; '—' for missing values."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "—"
    return f"{100.0 * x:.{digits}f}%"


def num(x: float | None, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "—"
    return f"{x:,.{digits}f}"


def usd(x: float | None) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "—"
    return f"-${-x:,.2f}" if x < 0 else f"${x:,.2f}"


def _bar() -> Progress:
    """The rich progress bar of every command (stderr, gone when done)."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


@contextmanager
def progress(total: int, description: str, *, quiet: bool = False) -> Iterator[Callable[[], None]]:
    """A rich progress bar on stderr; yields ``advance()``. Silent when ``quiet``
    or when stderr is not a terminal."""
    if quiet or not err.is_terminal or total <= 1:
        yield lambda: None
        return
    bar = _bar()
    with bar:
        task = bar.add_task(description, total=total)
        yield lambda: bar.advance(task)


@contextmanager
def progress_steps(description: str, *, quiet: bool = False) -> Iterator[Callable[[int, int], None]]:
    """Like :func:`progress` for a total known only once the work starts: yields
    ``update(done, total)`` (a service's progress callback)."""
    if quiet or not err.is_terminal:
        yield lambda done, total: None
        return
    state: dict[str, Any] = {}
    bar = _bar()

    def update(done: int, total: int) -> None:
        if total <= 1:
            return
        if "task" not in state:
            bar.start()
            state["task"] = bar.add_task(description, total=total)
        bar.update(state["task"], completed=done, total=total)

    try:
        yield update
    finally:
        if "task" in state:
            bar.stop()


def run_study(
    run: Callable[..., Any], request: Any, show: Callable[[Any], None], *, json_out: bool, quiet: bool
) -> None:
    """Run a study service (``compare``, ``sweep``) with a progress bar, then print its
    answer: JSON (``--json``), or its tables through ``show`` (unless ``--quiet``),
    then where the report went (not with ``--json``)."""
    with progress_steps("backtests", quiet=quiet or json_out) as step:
        answer = run(request, progress=step)
    if json_out:
        print_json(answer.to_dict())
    elif not quiet:
        show(answer)
    if answer.report is not None and not json_out:
        out.print(f"report: {answer.report}")


def table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[str]], *, justify_first: str = "left") -> None:
    """Print a rich table: the first column left-aligned, the rest right-aligned; columns
    of long text (reasons, lots) wrap and are left-aligned, the others never wrap."""
    from rich.table import Table

    t = Table(title=title, title_justify="left", header_style="bold")
    for i, name in enumerate(columns):
        longest = max((len(str(r[i])) for r in rows if i < len(r)), default=0)
        prose = longest > 32
        t.add_column(
            name,
            justify="left" if i == 0 or prose else "right",
            no_wrap=not prose,
            overflow="fold",
            ratio=1 if prose else None,
        )
    for row in rows:
        t.add_row(*row)
    out.print(t)
