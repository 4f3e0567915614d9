"""Reading a broker CSV as it is downloaded: preamble lines, one header row, data rows,
then footers.

A file is read whole into (line number, cells) pairs (:func:`read_csv_lines`); a table is
found by its header row (:func:`find_table`: the first row holding every required column,
matched case-insensitively); its data rows run to the first blank row or footer row; every
non-blank row after that must be a footer (one text cell: a disclaimer, "Date downloaded
…") or another table the caller asks for — anything else is an error, so that a stray
blank line never silently drops holdings.

Every error is an :class:`rebal.errors.InputError` naming the file, the 1-based line and
the column as the file spells it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rebal.brokers.numbers import parse_amount, parse_date
from rebal.brokers.records import TxnType
from rebal.errors import InputError

__all__ = ["Line", "Row", "Table", "check_trailer", "classify", "find_table", "norm",
           "read_csv_lines"]

Line = tuple[int, list[str]]


def norm(name: str) -> str:
    """A column name as matched: lower case, inner spaces collapsed, quotes stripped."""
    return " ".join(name.strip().strip('"').strip().lower().split())


def read_csv_lines(path: str | Path, *, text: str | None = None) -> list[Line]:
    """Every record of the CSV file with the line it starts on (1-based).

    Raises
    ------
    InputError
        The file cannot be read, is not UTF-8 (or cp1252) text, or is not CSV.
    """
    name = str(path)
    if text is None:
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read the file: {exc.strerror}", file=name) from None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="strict") if _is_cp1252(raw) else ""
            if not text:
                raise InputError("the file is not text (UTF-8)", file=name) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    out: list[Line] = []
    start = 1
    try:
        for cells in reader:
            out.append((start, [c.strip() for c in cells]))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(f"not a CSV file: {exc}", file=name, row=start) from None
    return out


def _is_cp1252(raw: bytes) -> bool:
    try:
        raw.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def blank(cells: Sequence[str]) -> bool:
    return not any(cells)  # cells are stripped strings: "" is false


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: cells by normalized column name, and where it came from."""

    source: str
    line: int
    cells: dict[str, str]
    names: dict[str, str]  # normalized -> as the file spells it

    def fail(self, message: str, column: str | None = None) -> InputError:
        """An InputError at this row (``column`` normalized or as spelled)."""
        field = self.names.get(column, column) if column is not None else None
        return InputError(message, file=self.source, row=self.line, field=field)

    def has(self, column: str) -> bool:
        return column in self.cells

    def text(self, column: str, *, required: bool = False) -> str:
        """The cell's text (``""`` if the column is absent or the value missing)."""
        value = self.cells.get(column, "")
        if value.lower() in ("--", "n/a"):
            value = ""
        if required and not value:
            raise self.fail(f"{self.names.get(column, column)} is empty", column)
        return value

    def number(self, column: str, *, required: bool = False) -> float | None:
        """The cell as a number (``$``, ``,``, parentheses, ``--`` handled)."""
        raw = self.cells.get(column, "")
        try:
            value = parse_amount(raw)
        except ValueError:
            raise self.fail(f"{raw!r} is not a number", column) from None
        if value is None and required:
            raise self.fail(f"{self.names.get(column, column)} is empty", column)
        return value

    def positive(self, column: str, *, required: bool = True) -> float | None:
        """A number that must be > 0 when present."""
        value = self.number(column, required=required)
        if value is not None and value <= 0:
            raise self.fail(f"must be > 0, got {self.cells.get(column, '')!r}", column)
        return value

    def date(self, column: str, *, required: bool = False) -> date | None:
        raw = self.cells.get(column, "")
        try:
            value = parse_date(raw)
        except ValueError:
            raise self.fail(f"{raw!r} is not a date (MM/DD/YYYY or YYYY-MM-DD)",
                            column) from None
        if value is None and required:
            raise self.fail(f"{self.names.get(column, column)} is empty", column)
        return value


@dataclass(frozen=True, slots=True)
class Table:
    """A table found in a file: its header line, data rows, and the lines around it."""

    source: str
    header_line: int
    columns: tuple[str, ...]  # normalized, in file order ("" for a trailing comma)
    rows: tuple[Row, ...]
    before: tuple[Line, ...]  # preamble (lines before the header)
    after: tuple[Line, ...]  # everything after the data rows
    end_index: int  # index into the file's lines just past the data rows


def find_table(
    lines: Sequence[Line],
    source: str,
    required: Iterable[str],
    *,
    what: str,
    start: int = 0,
    footer: Callable[[list[str]], bool] | None = None,
) -> Table:
    """The table whose header row holds every ``required`` column (normalized names).

    Data rows run from the header to the first blank row or the first row ``footer``
    accepts. A data row with more non-empty cells than the header has columns is an
    error (the file is misaligned).

    Raises
    ------
    InputError
        No such header (naming the columns and ``what`` the file should be).
    """
    need = [norm(c) for c in required]
    for i in range(start, len(lines)):
        cells = lines[i][1]
        names = [norm(c) for c in cells]
        if all(n in names for n in need):
            return _table(lines, i, source, names, cells, footer)
    raise InputError(
        f"no header row with the columns {', '.join(need)}: is this {what}?",
        file=source, row=lines[start][0] if start < len(lines) else 1,
    )


def _table(lines: Sequence[Line], i: int, source: str, names: list[str], spelled: list[str],
           footer: Callable[[list[str]], bool] | None) -> Table:
    header_line = lines[i][0]
    seen: set[str] = set()
    for n in names:
        if n and n in seen:
            raise InputError(f"column {n!r} appears twice", file=source, row=header_line,
                             field=n)
        seen.add(n)
    width = max((k + 1 for k, n in enumerate(names) if n), default=0)
    name_map = {n: s.strip().strip('"') for n, s in zip(names, spelled, strict=True) if n}
    rows: list[Row] = []
    pairs = [(k, n) for k, n in enumerate(names) if n]
    j = i + 1
    while j < len(lines):
        line, cells = lines[j]
        if not any(cells) or (footer is not None and footer(cells)):
            break
        if len(cells) > width and any(cells[width:]):
            extra = next(c for c in cells[width:] if c)
            raise InputError(
                f"{len(cells)} cells where the header at line {header_line} has {width} "
                f"columns (extra {extra!r})", file=source, row=line)
        if len(cells) >= width:
            cells_by_name = {n: cells[k] for k, n in pairs}
        else:
            cells_by_name = {n: (cells[k] if k < len(cells) else "") for k, n in pairs}
        rows.append(Row(source, line, cells_by_name, name_map))
        j += 1
    return Table(source, header_line, tuple(names), tuple(rows), tuple(lines[:i]),
                 tuple(lines[j:]), j)


def check_trailer(lines: Iterable[Line], source: str, *,
                  allow: Callable[[list[str]], bool] | None = None) -> None:
    """Every line after a table is blank, a footer of one text cell (a disclaimer, a
    download date) or one ``allow`` accepts; else an InputError at that line (data after
    the end of the table would otherwise be lost silently)."""
    for line, cells in lines:
        filled = [c for c in cells if c]
        if not filled or len(filled) == 1 or (allow is not None and allow(cells)):
            continue
        raise InputError(
            "a row after the end of the table (a blank line or total row ended it); "
            "remove the blank line or the row", file=source, row=line)


def classify(row: Row, column: str, table: tuple[tuple[str, TxnType], ...],
             broker: str, *, exact: bool = False) -> TxnType:
    """The :class:`TxnType` of the row's action text (first matching entry), else an
    error naming the action."""
    text = " ".join(row.text(column, required=True).upper().split())
    for key, kind in table:
        if (text == key) if exact else text.startswith(key):
            return kind
    raise row.fail(f"unknown {broker} action {row.text(column)!r}; rebal reads "
                   "trades, dividends, interest, fees, transfers and splits", column)
