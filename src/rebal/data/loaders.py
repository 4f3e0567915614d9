"""Load market data from CSV or Parquet files into :class:`MarketData`.

File formats
------------
* **CSV** (``.csv``, ``.txt``, also gzip-compressed ``.csv.gz``), UTF-8, one
  header row; blank lines are skipped. **Parquet** (``.parquet``, ``.pq``) via
  pyarrow.
* **Wide** layout: a date column plus one column per asset.
  **Long** layout: three columns — date, asset (named ``asset``, ``symbol`` or
  ``ticker``) and the value. ``layout="auto"`` picks long when such an asset
  column exists.
* Dates are ISO 8601 (``YYYY-MM-DD``; a time of day and UTC offset after it
  are ignored) or Parquet date/timestamp columns. The date column is the one
  named ``date_column`` or else the first named ``date``, ``datetime``,
  ``timestamp``, ``time`` or ``day`` (any case).
* Values are total-return **prices** (any positive level) or simple
  **returns** as fractions per row (``-0.05`` = −5 %). Empty cells and
  ``NaN``/``NA``/``null`` are missing.

Rules
-----
* Dates parse and strictly increase (per asset in the long layout); no
  duplicates; prices > 0; returns > −1; every value is a finite number.
* A value may be missing only before an asset's first value. All assets are
  then aligned to the common span (the rows before the latest-starting asset's
  first value are dropped) and :attr:`MarketData.notes` says so.
* Errors are :class:`~rebal.errors.InputError` naming the file, the row
  (CSV: the 1-based physical line, header = line 1; Parquet: ``row k``, the
  1-based data row) and the column.
* A returns file becomes a price index equal to 1 on the first row of the
  common span; the returns on that row are not used (they were earned before
  the first close the portfolio can hold).
"""

from __future__ import annotations

import csv
import gzip
import os
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import overload

import numpy as np
import numpy.typing as npt

from rebal.data.align import check_covers, common_span_start, infer_periods_per_year, past_values_on
from rebal.data.market import MarketData
from rebal.data.validate import (
    RowId,
    check_increasing,
    check_no_gap_after_start,
    check_prices_positive,
    check_returns_above_minus_one,
    parse_dates,
    parse_numbers,
)
from rebal.errors import ConfigError, DataError, InputError
from rebal.types import DateArray, FloatArray, ParseEnum

__all__ = [
    "AuxFill",
    "Layout",
    "ValueKind",
    "attach_aux",
    "load_prices",
    "load_series",
]

_DATE_NAMES = ("date", "datetime", "timestamp", "time", "day")
_ASSET_NAMES = ("asset", "symbol", "ticker")
_PARQUET_SUFFIXES = (".parquet", ".pq")


class ValueKind(ParseEnum):
    """What the value cells of a market-data file hold."""

    PRICES = "prices"  # total-return price levels, > 0
    RETURNS = "returns"  # simple returns per row, fractions


class Layout(ParseEnum):
    """How a market-data file is laid out."""

    AUTO = "auto"
    WIDE = "wide"  # date + one column per asset
    LONG = "long"  # (date, asset, value) rows


class AuxFill(ParseEnum):
    """How an external series is aligned to the market's rows."""

    FFILL = "ffill"  # the latest value dated on or before the row (past only)
    NONE = "none"  # only values dated on the row itself; NaN elsewhere


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class _Table:
    """A file's columns before interpretation."""

    file: str
    columns: tuple[str, ...]
    cells: dict[str, npt.NDArray[np.generic]]
    row_ids: list[RowId]
    header_row: int | None  # 1 for CSV (line of the header), None for Parquet


def _read_table(path: str | os.PathLike[str], sep: str | None = None) -> _Table:
    file = str(path)
    p = Path(path)
    if p.is_dir():
        raise InputError("is a directory, not a prices file", file=file)
    if not p.is_file():
        raise InputError("no such file", file=file)
    if p.suffix.lower() in _PARQUET_SUFFIXES:
        return _read_parquet(p, file)
    return _read_csv(p, file, _separator(sep))


def _separator(sep: str | None) -> str:
    """The CSV separator named by ``sep`` (``None`` → ``,``; ``tab`` → a tab)."""
    if sep is None:
        return ","
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "space": " ", "pipe": "|"}
    out = named.get(sep.strip().lower(), sep)
    if len(out) != 1 or out in "\"\r\n" or out.isalnum() or out == ".":
        raise ConfigError(f"--sep: {sep!r} is not a separator (one character such as ';', "
                          "or tab)")
    return out


def _check_header(columns: Sequence[str], file: str, header_row: int | None) -> None:
    seen: set[str] = set()
    for j, name in enumerate(columns):
        if not name:
            raise InputError(f"column {j + 1} has no name", file=file, row=header_row)
        if name in seen:
            raise InputError("duplicate column name", file=file, row=header_row, field=name)
        seen.add(name)


def _read_csv(path: Path, file: str, sep: str = ",") -> _Table:
    is_gz = path.suffix.lower() == ".gz"
    header: list[str] | None = None
    header_line = 1
    rows: list[list[str]] = []
    row_ids: list[RowId] = []
    try:
        with (
            gzip.open(path, "rt", encoding="utf-8-sig", newline="")
            if is_gz
            else open(path, encoding="utf-8-sig", newline="")
        ) as fh:
            reader = csv.reader(fh, delimiter=sep)
            for record in reader:
                if not "".join(record).strip():  # no cells, or only blank ones
                    continue
                if header is None:
                    header = [cell.strip() for cell in record]
                    header_line = reader.line_num
                    continue
                if len(record) != len(header):
                    raise InputError(
                        f"expected {len(header)} fields like the header, got {len(record)}",
                        file=file,
                        row=reader.line_num,
                    )
                rows.append(record)
                row_ids.append(reader.line_num)
    except UnicodeDecodeError:
        raise InputError("not a UTF-8 text file (CSV expected)", file=file) from None
    except (csv.Error, OSError, EOFError, zlib.error) as exc:
        what = "gzip-compressed CSV (the file is damaged or not gzip)" if is_gz else "CSV"
        raise InputError(f"cannot read as {what}: {exc}", file=file) from None
    if header is None:
        raise InputError("the file is empty", file=file)
    if len(header) == 1:
        for other, name in ((";", "';'"), ("\t", "tab"), ("|", "'|'")):
            if other != sep and other in header[0]:
                raise InputError(
                    f"the header is one column holding {name}: the columns seem separated by "
                    f"{name}; say so with --sep {name} (data.sep in a study file)",
                    file=file, row=header_line)
    _check_header(header, file, header_line)
    if not rows:
        raise InputError("no data rows after the header", file=file, row=header_line + 1)
    columns = list(zip(*rows, strict=True))
    cells = {name: np.array(col, dtype=object) for name, col in zip(header, columns, strict=True)}
    return _Table(file, tuple(header), cells, row_ids, header_line)


def _read_parquet(path: Path, file: str) -> _Table:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - pyarrow is a declared extra
        raise InputError("reading Parquet needs pyarrow (pip install pyarrow)", file=file) from None
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"cannot read as Parquet: {exc}", file=file) from None
    names = [str(n) for n in table.column_names]
    _check_header(names, file, None)
    if table.num_rows == 0:
        raise InputError("no data rows", file=file)
    cells: dict[str, npt.NDArray[np.generic]] = {}
    for name, column in zip(names, table.columns, strict=True):
        kind = column.type
        if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
            cells[name] = column.cast(pa.timestamp("us")).to_numpy(zero_copy_only=False)
        elif pa.types.is_integer(kind) or pa.types.is_floating(kind):
            cells[name] = column.cast(pa.float64()).to_numpy(zero_copy_only=False)
        else:
            cells[name] = np.array(column.to_pylist(), dtype=object)
    row_ids: list[RowId] = [f"row {i + 1}" for i in range(table.num_rows)]
    return _Table(file, tuple(names), cells, row_ids, None)


def _require_column(table: _Table, column: str, what: str) -> None:
    """InputError ``"missing {what} {column!r}; the columns are …"`` unless ``table`` has it."""
    if column not in table.columns:
        raise InputError(
            f"missing {what} {column!r}; the columns are {', '.join(table.columns)}",
            file=table.file,
            row=table.header_row,
            field=column,
        )


def _date_column(table: _Table, date_column: str | None) -> str:
    if date_column is not None:
        _require_column(table, date_column, "date column")
        return date_column
    for name in table.columns:
        if name.strip().lower() in _DATE_NAMES:
            return name
    raise InputError(
        "missing date column: no column is named date, datetime, timestamp, time or day; "
        "name it with --date-column (data.date_column in a study file; the columns are "
        f"{', '.join(table.columns)})",
        file=table.file,
        row=table.header_row,
    )


def _dates(table: _Table, column: str, row_ids: Sequence[RowId] | None = None) -> DateArray:
    cells = table.cells[column]
    ids = table.row_ids if row_ids is None else row_ids
    if cells.dtype.kind == "M":
        nat = np.flatnonzero(np.isnat(cells))
        if nat.size:
            raise InputError("missing date", file=table.file, row=ids[int(nat[0])], field=column)
        return cells.astype("datetime64[D]")
    return parse_dates(list(cells), file=table.file, row_ids=ids, field=column)


# --------------------------------------------------------------------------- layouts


class _PickedIds(Sequence[RowId]):
    """``[ids[i] or "" for i in rows]`` as a lazy sequence (read only to name a bad row)."""

    __slots__ = ("_ids", "_rows")

    def __init__(self, ids: Sequence[RowId | None], rows: npt.NDArray[np.intp]) -> None:
        self._ids = ids
        self._rows = rows

    def __len__(self) -> int:
        return int(self._rows.shape[0])

    @overload
    def __getitem__(self, i: int) -> RowId: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[RowId]: ...
    def __getitem__(self, i: int | slice) -> RowId | Sequence[RowId]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        return self._ids[int(self._rows[i])] or ""


@dataclass(frozen=True, slots=True)
class _Grid:
    """Dates × columns of values, NaN where missing, with each cell's row label."""

    dates: DateArray
    names: tuple[str, ...]
    values: dict[str, FloatArray]
    row_ids: dict[str, list[RowId | None]]


def _wide_grid(table: _Table, date_col: str, wanted: Sequence[str]) -> _Grid:
    dates = _dates(table, date_col)
    check_increasing(dates, file=table.file, row_ids=table.row_ids, field=date_col)
    values = {
        name: parse_numbers(table.cells[name], file=table.file, row_ids=table.row_ids, field=name)
        for name in wanted
    }
    ids: list[RowId | None] = list(table.row_ids)
    return _Grid(dates, tuple(wanted), values, dict.fromkeys(wanted, ids))


def _long_columns(table: _Table, date_col: str) -> tuple[str, str]:
    others = [c for c in table.columns if c != date_col]
    asset_cols = [c for c in others if c.strip().lower() in _ASSET_NAMES]
    if not asset_cols:
        raise InputError(
            "long layout needs an asset column named asset, symbol or ticker",
            file=table.file,
            row=table.header_row,
        )
    asset_col = asset_cols[0]
    value_cols = [c for c in others if c != asset_col]
    if len(value_cols) != 1:
        raise InputError(
            f"long layout needs exactly one value column besides {date_col!r} and "
            f"{asset_col!r}, got {', '.join(value_cols) or 'none'}",
            file=table.file,
            row=table.header_row,
        )
    return asset_col, value_cols[0]


def _long_names(table: _Table, asset_col: str) -> list[str]:
    names: dict[str, None] = {}
    for i, cell in enumerate(table.cells[asset_col]):
        name = "" if cell is None else str(cell).strip()
        if not name:
            raise InputError(
                "missing asset name", file=table.file, row=table.row_ids[i], field=asset_col
            )
        names.setdefault(name, None)
    return list(names)


def _long_grid(
    table: _Table, date_col: str, asset_col: str, value_col: str, wanted: Sequence[str]
) -> _Grid:
    dates = _dates(table, date_col)
    symbols = np.array([str(c).strip() for c in table.cells[asset_col]], dtype=object)
    raw = table.cells[value_col]
    all_dates = np.unique(dates)
    values: dict[str, FloatArray] = {}
    ids: dict[str, list[RowId | None]] = {}
    for name in wanted:
        rows = np.flatnonzero(symbols == name)
        row_ids = [table.row_ids[int(i)] for i in rows]
        asset_dates = dates[rows]
        check_increasing(asset_dates, file=table.file, row_ids=row_ids, field=date_col)
        parsed = parse_numbers(raw[rows], file=table.file, row_ids=row_ids, field=value_col)
        column = np.full(all_dates.shape[0], np.nan)
        cell_ids: list[RowId | None] = [None] * all_dates.shape[0]
        pos = np.searchsorted(all_dates, asset_dates)
        column[pos] = parsed
        for p, rid in zip(pos, row_ids, strict=True):
            cell_ids[int(p)] = rid
        values[name] = column
        ids[name] = cell_ids
    return _Grid(all_dates, tuple(wanted), values, ids)


# --------------------------------------------------------------------------- public API


def _as_day(value: str | np.datetime64 | None, name: str) -> np.datetime64 | None:
    if value is None:
        return None
    try:
        return np.datetime64(str(value), "D")
    except ValueError:
        raise ConfigError(f"{name} must be a date YYYY-MM-DD, got {value!r}") from None


def load_prices(
    path: str | os.PathLike[str],
    *,
    kind: str | ValueKind = "prices",
    layout: str | Layout = "auto",
    date_column: str | None = None,
    assets: Sequence[str] | None = None,
    risk_free: str | None = None,
    start: str | np.datetime64 | None = None,
    end: str | np.datetime64 | None = None,
    periods_per_year: float | None = None,
    sep: str | None = None,
) -> MarketData:
    """Load total-return prices (or returns) from a CSV or Parquet file.

    Parameters
    ----------
    path
        The file (see the module docstring for formats).
    kind
        ``"prices"``: values are total-return price levels; ``"returns"``:
        simple returns per row, fractions.
    layout
        ``"wide"``, ``"long"`` or ``"auto"``.
    date_column
        Name of the date column; default: the first named like a date.
    assets
        Assets to keep, in this order; default: every asset in the file
        (including the ``risk_free`` column).
    risk_free
        Column (wide) or asset (long) holding a T-bill total-return price
        index (``kind="prices"``) or per-row T-bill returns
        (``kind="returns"``); its per-row returns become
        :attr:`MarketData.risk_free`.
    start, end
        Keep rows with ``start <= date <= end`` (applied after the whole file
        has been validated, before alignment).
    periods_per_year
        Rows per year; default: inferred from the median spacing of the dates
        (252 daily, 52 weekly, 12 monthly, 4 quarterly, 1 annual).
    sep
        CSV column separator (one character, or ``"tab"``); default ``","``.

    Returns
    -------
    MarketData
        Price indices on the common span; for ``kind="returns"`` each index is
        1 on the first row.

    Raises
    ------
    InputError
        Bad file content, naming file, row and column.
    DataError
        Fewer than two rows left, or an undeterminable frequency.
    ConfigError
        A bad option value.
    """
    value_kind = ValueKind.parse(kind, field="kind")
    file_layout = Layout.parse(layout, field="layout")
    if periods_per_year is not None and not periods_per_year > 0:
        raise ConfigError(f"periods_per_year must be > 0, got {periods_per_year}")
    lo, hi = _as_day(start, "start"), _as_day(end, "end")
    table = _read_table(path, sep)
    date_col = _date_column(table, date_column)

    if file_layout is Layout.AUTO:
        has_asset_col = any(
            c.strip().lower() in _ASSET_NAMES for c in table.columns if c != date_col
        )
        file_layout = Layout.LONG if has_asset_col else Layout.WIDE
    if file_layout is Layout.LONG:
        asset_col, value_col = _long_columns(table, date_col)
        available = _long_names(table, asset_col)
    else:
        available = [c for c in table.columns if c != date_col]
        if not available:
            raise InputError(
                "no asset columns besides the date", file=table.file, row=table.header_row
            )

    chosen = list(available) if assets is None else [str(a) for a in assets]
    if not chosen:
        raise ConfigError("assets must name at least one asset")
    if len(set(chosen)) != len(chosen):
        raise ConfigError(f"assets lists a name twice: {chosen}")
    for name in [*chosen, *([risk_free] if risk_free is not None else [])]:
        if name not in available:
            what = "risk-free column" if name == risk_free and name not in chosen else "asset"
            raise InputError(
                f"unknown {what} {name!r}; the file has {', '.join(available)}",
                file=table.file,
                row=table.header_row,
                field=name,
            )
    wanted = list(dict.fromkeys([*chosen, *([risk_free] if risk_free is not None else [])]))

    if file_layout is Layout.LONG:
        grid = _long_grid(table, date_col, asset_col, value_col, wanted)
    else:
        grid = _wide_grid(table, date_col, wanted)

    what = "price" if value_kind is ValueKind.PRICES else "return"
    for name in wanted:
        _check_kind(grid.values[name], value_kind, file=table.file, field=name)
    for name in wanted:
        col, ids = grid.values[name], grid.row_ids[name]
        field = name if file_layout is Layout.WIDE else value_col
        present = ~np.isnan(col)
        # every present cell came from a row of the file, so its label is not None;
        # the labels are looked up only when a check names a row
        present_ids = _PickedIds(ids, np.flatnonzero(present))
        checker = (
            check_prices_positive
            if value_kind is ValueKind.PRICES
            else check_returns_above_minus_one
        )
        checker(col[present], file=table.file, row_ids=present_ids, field=field)
        check_no_gap_after_start(
            col,
            grid.dates,
            file=table.file,
            row_ids=ids,
            field=name,
            what=what,
        )

    # window, then align leading gaps within it
    keep = np.ones(grid.dates.shape[0], dtype=bool)
    if lo is not None:
        keep &= grid.dates >= lo
    if hi is not None:
        keep &= grid.dates <= hi
    dates = grid.dates[keep]
    if grid.dates.shape[0] < 2:
        raise InputError(f"the file has {grid.dates.shape[0]} data row; a backtest needs at "
                         "least 2 rows (the purchase close and one return)", file=table.file)
    if dates.shape[0] < 2:
        raise DataError(
            f"{table.file}: the window {lo or 'start'} … {hi or 'end'} holds "
            f"{dates.shape[0]} rows; the file spans {grid.dates[0]} … {grid.dates[-1]}"
        )
    matrix = np.column_stack([grid.values[name][keep] for name in wanted])
    first_rows = []
    for j, name in enumerate(wanted):
        present = ~np.isnan(matrix[:, j])
        if not present.any():
            raise DataError(
                f"{table.file}: {name} has no {what}s between {dates[0]} and {dates[-1]}"
            )
        first_rows.append(int(np.argmax(present)))
    begin, note = common_span_start(first_rows, wanted, dates)
    notes: list[str] = [] if note is None else [note]
    dates, matrix = dates[begin:], matrix[begin:]
    if dates.shape[0] < 2:
        raise DataError(
            f"{table.file}: the common span of {', '.join(wanted)} holds fewer than 2 rows"
        )

    if value_kind is ValueKind.RETURNS:
        growth = 1.0 + matrix
        growth[0] = 1.0
        matrix = np.cumprod(growth, axis=0, dtype=np.float64)
        notes.append(
            f"returns converted to price indices equal to 1 on {dates[0]}; "
            "the returns dated on that first row are not used"
        )

    notes.extend(gap_notes(dates))

    rf: FloatArray | None = None
    if risk_free is not None:
        rf_prices = matrix[:, wanted.index(risk_free)]
        rf = np.zeros(dates.shape[0])
        rf[1:] = rf_prices[1:] / rf_prices[:-1] - 1.0
    prices = matrix[:, [wanted.index(a) for a in chosen]]
    per_year = periods_per_year if periods_per_year is not None else infer_periods_per_year(dates)
    return MarketData(
        dates=dates,
        assets=tuple(chosen),
        prices=prices,
        risk_free=rf,
        periods_per_year=float(per_year),
        source=table.file,
        notes=tuple(notes),
    )


def _check_kind(values: FloatArray, kind: ValueKind, *, file: str, field: str) -> None:
    """Refuse a column that plainly holds the other kind of values.

    Read as prices, returns would make a path of wild jumps (a CAGR of thousands of
    percent); read as returns, price levels compound to astronomic wealth. A column
    "looks like returns" when every value lies in (−1, 1) and either one is ≤ 0 or the
    median change between rows exceeds 25 %; it "looks like prices" when every value is
    > 0 and the median is above 0.5 (a median return of +50 % a row)."""
    v = values[~np.isnan(values)]
    if v.size < 2:
        return
    if kind is ValueKind.PRICES:
        if not np.all(np.abs(v) < 1.0):
            return
        with np.errstate(divide="ignore", invalid="ignore"):
            change = np.abs(v[1:] / v[:-1] - 1.0)
        if np.any(v <= 0) or float(np.nanmedian(change)) > 0.25:
            raise InputError(
                "the values look like returns (fractions around 0), not price levels; if so, "
                "say --kind returns (data.kind: returns in a study file)",
                file=file, field=field)
    elif np.all(v > 0) and float(np.median(v)) > 0.5:
        raise InputError(
            f"the values look like price levels (median {float(np.median(v)):,.4g}), not "
            "returns (fractions such as 0.01 for 1 %); if so, say --kind prices "
            "(data.kind: prices in a study file)",
            file=file, field=field)


GAP_DAYS = 7
"""Calendar days between rows beyond which daily data gets a note (a week: holidays and
market closures are shorter)."""


def gap_notes(dates: DateArray) -> list[str]:
    """A note when rows are further apart than usual: more than :data:`GAP_DAYS` calendar
    days, or 1.6 times the median spacing for weekly or coarser data (a missing month).

    Each such gap is one row-to-row return in the backtest, as if nothing could be
    traded in between; the note says how many there are and the longest."""
    if dates.shape[0] < 3:
        return []
    step = np.diff(dates.astype(np.int64))
    limit = max(float(GAP_DAYS), 1.6 * float(np.median(step)))
    big = np.flatnonzero(step > limit)
    if big.size == 0:
        return []
    i = int(big[np.argmax(step[big])])
    return [
        f"{big.size} gap{'s' if big.size > 1 else ''} longer than {limit:.0f} calendar days "
        f"between rows; the longest {dates[i]} → {dates[i + 1]} ({int(step[i])} days) is "
        "taken as one return, with no trading inside it"
    ]


def load_series(
    path: str | os.PathLike[str], *, column: str, date_column: str | None = None
) -> tuple[DateArray, FloatArray]:
    """Load one dated series (e.g. VIX closes) from a CSV or Parquet file.

    Rows whose value is missing are dropped; the rest must have increasing,
    unique dates and finite numeric values.

    Parameters
    ----------
    path
        A wide-layout file.
    column
        The value column.
    date_column
        The date column; default: the first named like a date.

    Returns
    -------
    dates, values
        ``(m,)`` ``datetime64[D]`` and ``(m,)`` float64, units as in the file.
    """
    table = _read_table(path)
    date_col = _date_column(table, date_column)
    _require_column(table, column, "column")
    dates = _dates(table, date_col)
    check_increasing(dates, file=table.file, row_ids=table.row_ids, field=date_col)
    values = parse_numbers(
        table.cells[column], file=table.file, row_ids=table.row_ids, field=column
    )
    present = ~np.isnan(values)
    if not present.any():
        raise InputError("the column holds no values", file=table.file, field=column)
    return dates[present], values[present]


def attach_aux(
    market: MarketData,
    name: str,
    dates: npt.ArrayLike,
    values: npt.ArrayLike,
    *,
    fill: str | AuxFill = "ffill",
) -> MarketData:
    """Return ``market`` with an external series aligned to its rows in ``aux[name]``.

    Each row gets the series value dated on that day or, with ``fill="ffill"``,
    the latest value dated before it: only past values, never a later one. A
    series value dated on a row's date is taken as known at that row's close
    (true for closing levels such as VIX closes).

    Parameters
    ----------
    market
        The market data.
    name
        Key in :attr:`MarketData.aux`, e.g. ``"VIX"``.
    dates, values
        ``(m,)`` the series' strictly increasing dates and its values.
    fill
        ``"ffill"`` (default) or ``"none"`` (NaN on rows without a same-day value).

    Raises
    ------
    DataError
        If the series starts after the market's first row, or its dates do
        not strictly increase.
    """
    how = AuxFill.parse(fill, field="fill")
    series_dates = np.asarray(dates, dtype="datetime64[D]")
    series_values = np.asarray(values, dtype=np.float64)
    if series_dates.ndim != 1 or series_values.shape != series_dates.shape:
        raise DataError(f"aux series {name!r}: dates and values must be 1-D of equal length")
    if np.any(np.diff(series_dates.astype(np.int64)) <= 0):
        raise DataError(f"aux series {name!r}: dates must strictly increase")
    check_covers(name, market.dates, series_dates)
    aligned = past_values_on(market.dates, series_dates, series_values, ffill=how is AuxFill.FFILL)
    exact = int(np.isin(market.dates, series_dates).sum())
    aux = dict(market.aux)
    aux[name] = aligned
    note = f"aux {name!r}: {exact:,} of {market.n_days:,} rows dated in the series"
    if how is AuxFill.FFILL and exact < market.n_days:
        note += f", {market.n_days - exact:,} carried forward from the previous value"
    return replace(market, aux=aux, notes=(*market.notes, note))

