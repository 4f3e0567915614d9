"""Terminal output shared by the CLI commands: one-line errors, JSON, rich tables."""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress


def _width() -> int | None:
    """The terminal's width: ``COLUMNS`` when set (also when piped), the terminal's own on
    a terminal, else 160 (piped output is not squeezed to 80 columns)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) >= 40:
        return int(columns)
    return None if sys.stdout.isatty() else 160


def __getattr__(name: str) -> Any:
    """``out`` / ``err``: the rich consoles of stdout and stderr, made on first use (rich
    takes ~0.03 s to import, which a ``--json`` run does not need)."""
    from rich.console import Console

    if name == "out":
        made = Console(highlight=False, soft_wrap=True, width=_width())
    elif name == "err":
        made = Console(stderr=True, highlight=False, soft_wrap=True)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = made  # later reads find the module attribute itself
    return made


def _out() -> Console:
    """The module's ``out`` console (made on first use)."""
    made = globals().get("out")
    return __getattr__("out") if made is None else made


def _err() -> Console:
    """The module's ``err`` console (made on first use)."""
    made = globals().get("err")
    return __getattr__("err") if made is None else made

WIDE = {"on": False}
"""``rebal --wide``: tables show every column, however wide (the terminal may wrap them)."""


def fail(message: str, code: int = 2) -> None:
    """Print ``error: message`` in red on stderr and exit with ``code``."""
    _err().print(f"[bold red]error:[/] {message}", markup=True)
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
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_err(),
        transient=True,
    )


@contextmanager
def progress(total: int, description: str, *, quiet: bool = False) -> Iterator[Callable[[], None]]:
    """A rich progress bar on stderr; yields ``advance()``. Silent when ``quiet``
    or when stderr is not a terminal."""
    if quiet or not _err().is_terminal or total <= 1:
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
    if quiet or not _err().is_terminal:
        yield lambda done, total: None
        return
    first_run_note()
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


def first_run_note() -> None:
    """On a terminal, say so when the engine will compile first (numba, a few seconds on
    the first run only), rather than a progress bar frozen at 0."""
    from rebal.services.backtest import engine_needs_compiling

    if _err().is_terminal and engine_needs_compiling():
        _err().print("[dim]compiling the backtest engine (first run only) …[/]")


def run_study(
    run: Callable[..., Any], request: Any, show: Callable[[Any], None], *, json_out: bool, quiet: bool,
    warn: Callable[[Any], None] | None = None,
) -> None:
    """Run a study service (``compare``, ``sweep``) with a progress bar, then print its
    answer: JSON (``--json``), or its tables through ``show`` (unless ``--quiet``), and
    ``warn``'s notes on stderr (also with ``--quiet``), then where the report went (not
    with ``--json``)."""
    with progress_steps("backtests", quiet=quiet or json_out) as step:
        answer = run(request, progress=step)
    if json_out:
        print_json(answer.to_dict())
    elif not quiet:
        show(answer)
    if warn is not None and not json_out:
        warn(answer)
    if answer.report is not None and not json_out:
        _out().print(f"report: {answer.report}")


def is_figure(text: str) -> bool:
    """Whether a cell is a figure (right-aligned): ``$1,234.50``, ``-3.2%``, ``0.55``,
    ``1,105.178``, ``—`` or empty."""
    t = text.strip()
    if t in ("", "—", "n/a"):
        return True
    t = t.lstrip("-+").lstrip("$").replace(",", "").rstrip("%")
    return t.replace(".", "", 1).isdigit()


def weight(x: float) -> str:
    """A portfolio weight as percent: whole percents without decimals (``60%``), others
    with one (``0.5%``, ``12.5%``), so a weight under 1 % never reads as 0 % or 1 %."""
    pctv = 100.0 * x
    return f"{pctv:.0f}%" if abs(pctv - round(pctv)) < 1e-9 else f"{pctv:.1f}%"


DROP_FIRST = ("Rebalances", "Costs/yr", "Turnover/yr", "Turnover", "Volatility",
              "Band before", "Band after", "Before $", "After $", "Cash reserve",
              "Pending flow", "Source")
"""Columns left out first when a table does not fit (then from the right): the
secondary figures, so the headline ones (return, drawdown, Sharpe, alpha) stay."""

_PROSE = 32
"""A column whose longest cell is longer than this is prose (reasons, lots): it wraps."""


def _need(columns: Sequence[str], rows: Sequence[Sequence[str]], i: int) -> tuple[int, int, bool]:
    """Column ``i``'s narrowest width (figures whole, header words whole, prose 16), its
    natural width (nothing wrapped) and whether it is prose."""
    cells = [str(r[i]) for r in rows if i < len(r)]
    longest = max((len(c) for c in cells), default=0)
    header = str(columns[i])
    header_word = max((len(w) for w in header.split()), default=0)
    if longest > _PROSE:
        return max(16, header_word), max(longest, len(header)), True
    return max(longest, header_word), max(longest, len(header)), False


def fit_columns(columns: Sequence[str], rows: Sequence[Sequence[str]], width: int | None
                ) -> tuple[list[int], list[str]]:
    """Which columns of a table fit ``width`` characters without cutting a number.

    A column of figures needs its longest cell whole (its header may wrap at spaces); a
    column of prose needs 16 characters (it wraps). Columns are dropped (:data:`DROP_FIRST`,
    then from the right; the first never) until the rest fit. Returns the kept column
    indices and the names of the dropped ones (empty when ``width`` is ``None`` or
    everything fits)."""
    kept = list(range(len(columns)))
    if width is None:
        return kept, []
    order = [i for name in DROP_FIRST for i in kept if i > 0 and columns[i] == name]
    order += [i for i in reversed(kept) if i > 0 and i not in order]
    # rich's default box: one border per column plus one, and a space either side of a cell
    while len(kept) > 1 and sum(_need(columns, rows, i)[0] + 3 for i in kept) + 1 > width:
        kept.remove(order.pop(0))
    return kept, [str(columns[i]) for i in range(len(columns)) if i not in kept]


def column_widths(columns: Sequence[str], rows: Sequence[Sequence[str]], kept: Sequence[int],
                  width: int) -> dict[int, int]:
    """Widths of the kept columns within ``width``: each its narrowest, then the spare
    characters to the figure columns (left to right) up to their natural width, the rest
    to the prose columns."""
    need = {i: _need(columns, rows, i) for i in kept}
    widths = {i: need[i][0] for i in kept}
    spare = width - (sum(widths.values()) + 3 * len(kept) + 1)
    for i in kept:
        if not need[i][2] and spare > 0:
            extra = min(spare, need[i][1] - widths[i])
            widths[i] += extra
            spare -= extra
    prose = [i for i in kept if need[i][2]]
    for k, i in enumerate(prose):
        extra = min(spare // (len(prose) - k), need[i][1] - widths[i]) if spare > 0 else 0
        widths[i] += extra
        spare -= extra
    return widths


def table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[str]], *, justify_first: str = "left") -> None:
    """Print a rich table: the first column left-aligned, figures right-aligned, text
    left-aligned; prose columns (reasons, lots) and headers wrap, figures are never cut.
    Columns that do not fit the terminal are left out and named below the table
    (``rebal --wide`` shows them all)."""
    from rich.table import Table

    width = None if WIDE["on"] else (_out().width or 160)
    kept, dropped = fit_columns(columns, rows, width)
    widths = None if width is None else column_widths(columns, rows, kept, width)
    t = Table(title=title, title_justify="left", header_style="bold")
    for i in kept:
        cells = [str(r[i]) for r in rows if i < len(r)]
        prose = _need(columns, rows, i)[2]
        t.add_column(
            columns[i],
            justify="left" if i == 0 or prose or not all(is_figure(c) for c in cells)
            else "right",
            no_wrap=False,
            overflow="fold",
            width=None if widths is None else widths[i],
        )
    for row in rows:
        t.add_row(*(row[i] if i < len(row) else "" for i in kept))
    if width is None:
        from rich.console import Console

        Console(file=_out().file, highlight=False, width=100_000).print(t, crop=False)
    else:
        _out().print(t, soft_wrap=False)  # soft wrap would let the table overflow the width
    if dropped:
        _out().print(f"[dim]not shown at {width} columns: {', '.join(dropped)} "
                  "(rebal --wide … shows every column)[/]")


def item_table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[str]], *,
               group: str | None = None, below: Sequence[str] = ()) -> None:
    """A compact table: one line per row with the short columns aligned, each ``below``
    column (reasons, lots) on its own wrapped line under the row, and a ``group`` column
    (the plan's step) printed once as a heading when it changes. No cell is cut: the
    figures' columns are as wide as their longest cell; the text under a row wraps at
    the terminal's width."""
    import textwrap

    from rich.text import Text

    width = 100_000 if WIDE["on"] else (_out().width or 160)
    g = columns.index(group) if group in columns else None
    under = [columns.index(c) for c in below if c in columns]
    line_cols = [i for i in range(len(columns)) if i != g and i not in under]
    kept, dropped = fit_columns([columns[i] for i in line_cols],
                                [[r[i] for i in line_cols] for r in rows], width + 2)
    line_cols = [line_cols[k] for k in kept]
    widths = {i: max([len(str(columns[i]))] + [len(str(r[i])) for r in rows]) for i in line_cols}
    numeric = {i: all(is_figure(str(r[i])) for r in rows) for i in line_cols}

    def line(cells: Sequence[str]) -> str:
        parts = [(str(c).rjust(widths[i]) if numeric[i] else str(c).ljust(widths[i]))
                 for i, c in zip(line_cols, cells, strict=True)]
        return ("  " + "  ".join(parts)).rstrip()

    if title:
        _out().print(Text(title, style="bold"))
    _out().print(Text(line([columns[i] for i in line_cols]), style="bold"))
    current = None
    for row in rows:
        if g is not None and row[g] != current:
            current = row[g]
            _out().print(Text(f"{columns[g]} {current}", style="italic"))
        _out().print(Text(line([row[i] for i in line_cols]), style=""))
        for j in under:
            text = str(row[j]).strip()
            if not text:
                continue
            label = "" if columns[j] == "Reason" else f"{columns[j].lower()}: "
            for piece in textwrap.wrap(label + text, width=max(width - 6, 30),
                                       break_long_words=False, break_on_hyphens=False):
                _out().print(Text("      " + piece, style="dim"), soft_wrap=True)
    if dropped:
        _out().print(f"[dim]not shown at {_out().width} columns: {', '.join(dropped)} "
                  "(rebal --wide … shows every column)[/]")
