"""Read factor returns from Kenneth R. French's data library, as users download them.

The library's files (``F-F_Research_Data_Factors.CSV``, ``…_5_Factors_2x3_daily.CSV``,
``F-F_Momentum_Factor.CSV``, the developed and emerging-market files …) are read as
they come:

- a ``.zip`` holding one CSV, or the CSV itself (``.csv``/``.txt``, any case);
- a free-text preamble (and a copyright line at the end) that is skipped;
- one or more **tables** stacked in one file, each a header row (``,Mkt-RF,SMB,…``;
  the first cell empty or ``Date``) followed by rows whose first cell is a date:
  ``YYYYMMDD`` (daily), ``YYYYMM`` (monthly), ``YYYY`` (annual) — the monthly file
  holds the monthly table and then the annual one; ISO dates (``1963-07``,
  ``1926-07-01``) are accepted too;
- values in **percent** (``2.96`` = 2.96 %); ``-99.99`` and ``-999`` mean missing
  (NaN). :class:`FactorReturns` holds **fractions** (0.0296).

A monthly row is dated the last day of its month, an annual row 31 December, so
that they meet month-end and year-end prices (:func:`align_factors`).

Errors are :class:`~rebal.errors.InputError` naming the file, the 1-based line
and the column.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rebal.errors import InputError
from rebal.types import DateArray, FloatArray

__all__ = [
    "FACTOR_NAMES",
    "FRENCH_LIBRARY",
    "FactorReturns",
    "align_factors",
    "cache_dir",
    "fetch_french",
    "frequency_of",
    "read_french",
]

FRENCH_LIBRARY = "https://mba.tuck.dartmouth.edu/pages/faculty/ken.french/data_library.html"
"""The library's index page (where each file's ``NAME_CSV.zip`` link is listed)."""
_FTP = "https://mba.tuck.dartmouth.edu/pages/faculty/ken.french/ftp/"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

FACTOR_NAMES = ("Mkt-RF", "SMB", "HML", "RMW", "CMA", "Mom")
"""The factor columns rebal knows, in the library's spelling (``Mom`` = momentum;
``WML`` and ``UMD`` are read as ``Mom``). ``RF`` is the risk-free rate, not a factor."""

_ALIASES = {"WML": "Mom", "UMD": "Mom", "MOM": "Mom", "MKT-RF": "Mkt-RF", "MKT_RF": "Mkt-RF"}
_MISSING = (-99.99, -999.0)
_FREQ_OF_LEN = {8: "daily", 6: "monthly", 4: "annual"}
_ISO = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


@dataclass(frozen=True, slots=True, eq=False)  # arrays: identity
class FactorReturns:
    """One table of factor returns.

    Attributes
    ----------
    dates
        ``(n,)`` ``datetime64[D]``, strictly increasing (month/year ends for monthly/annual).
    names
        The factor columns (``RF`` excluded), in file order.
    returns
        ``(n, n_factors)`` simple returns per row, **fractions** (NaN = missing).
    rf
        ``(n,)`` the risk-free return per row (fraction), or ``None`` without an ``RF`` column.
    frequency
        ``"daily"``, ``"monthly"`` or ``"annual"``.
    source
        The file's path as given.
    lines
        ``(n,)`` the 1-based line of each row in the file (for error messages).
    """

    dates: DateArray
    names: tuple[str, ...]
    returns: FloatArray
    rf: FloatArray | None
    frequency: str
    source: str
    lines: np.ndarray

    @property
    def n(self) -> int:
        return int(self.dates.shape[0])

    def column(self, name: str) -> FloatArray:
        """``(n,)`` one factor's returns (fractions); :class:`InputError` naming it if absent."""
        if name not in self.names:
            raise InputError(
                f"no factor column {name!r} (the file has {', '.join(self.names)})",
                file=self.source, field=name,
            )
        return self.returns[:, self.names.index(name)]

    def select(self, names: tuple[str, ...]) -> FactorReturns:
        """The same table with only ``names`` (in that order); names a missing column."""
        cols = [self.column(n) for n in names]
        return FactorReturns(
            dates=self.dates, names=tuple(names), returns=np.column_stack(cols) if cols
            else np.empty((self.n, 0)), rf=self.rf, frequency=self.frequency,
            source=self.source, lines=self.lines,
        )


def _read_text(path: Path, shown: str) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", file=shown) from None
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror})", file=shown) from None
    if raw[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as zf:
                members = [m for m in zf.namelist() if m.lower().endswith((".csv", ".txt"))]
                if len(members) != 1:
                    raise InputError(
                        f"the zip must hold exactly one .csv/.txt file, it holds {len(members)}",
                        file=shown,
                    )
                raw = zf.read(members[0])
        except zipfile.BadZipFile:
            raise InputError("not a readable zip archive", file=shown) from None
    return raw.decode("utf-8-sig", errors="replace")  # a BOM (Excel) is not text


def _date_of(token: str) -> tuple[str, str] | None:
    """``(ISO text, frequency)`` of a first cell (``"1926-07"``, ``"monthly"``), or ``None``
    if it is no date (string work only: the dates are converted together later)."""
    t = token.strip()
    if t.isdigit():
        n = len(t)
        if n == 8:
            return f"{t[:4]}-{t[4:6]}-{t[6:]}", "daily"
        if n == 6:
            return f"{t[:4]}-{t[4:]}", "monthly"
        if n == 4:
            return t, "annual"
        return None
    m = _ISO.match(t)
    if m:
        return t, ("daily" if m.group(3) is not None else "monthly")
    return None


def _to_dates(texts: list[str], frequency: str) -> np.ndarray:
    """Row dates: the day; a month's last day; 31 December. ``ValueError`` if one is bad."""
    if frequency == "daily":
        return np.array(texts, dtype="datetime64[D]")
    if frequency == "monthly":
        return (np.array(texts, dtype="datetime64[M]") + 1).astype("datetime64[D]") - 1
    return (np.array(texts, dtype="datetime64[Y]") + 1).astype("datetime64[D]") - 1


@dataclass
class _Table:
    header_line: int
    names: list[str]
    frequency: str | None = None
    rows: list[tuple[int, str, list[str]]] | None = None


def _tables(text: str, shown: str) -> list[_Table]:
    tables: list[_Table] = []
    current: _Table | None = None
    for lineno, line in enumerate(text.splitlines(), start=1):
        cells = line.split(",")
        if len(cells) < 2:
            current = None if current is None or current.rows else current
            continue
        first = cells[0].strip()
        if first == "" or first.lower() == "date":
            stripped = [c.strip() for c in cells[1:]]
            names = [_ALIASES.get(c.upper(), c) for c in stripped]
            if any(names):
                current = _Table(header_line=lineno, names=names, rows=[])
                tables.append(current)
            continue
        dated = _date_of(first)
        if dated is None or current is None:
            current = None
            continue
        date, freq = dated
        if current.frequency is None:
            current.frequency = freq
        elif freq != current.frequency:
            raise InputError(
                f"a {freq} date {first!r} inside a {current.frequency} table",
                file=shown, row=lineno, field="Date",
            )
        current.rows.append((lineno, date, cells[1:]))  # type: ignore[union-attr]
    return [t for t in tables if t.rows]


def read_french(path: str | Path, *, table: str | None = None) -> FactorReturns:
    """The factor returns of one table of a French-library file (module docstring).

    Parameters
    ----------
    path
        The ``.zip`` or ``.csv`` file.
    table
        ``"daily"``, ``"monthly"`` or ``"annual"``: the table of that frequency;
        ``None`` = the first table of the file (the monthly one of a monthly file).

    Raises
    ------
    InputError
        No table, no such table, a non-number (naming line and column), a row with
        the wrong number of cells, dates not increasing.
    """
    shown = str(path)
    text = _read_text(Path(path), shown)
    tables = _tables(text, shown)
    if not tables:
        raise InputError(
            "no table of factor returns found (a header row such as ',Mkt-RF,SMB,HML,RF' "
            "followed by rows dated YYYYMM, YYYYMMDD or YYYY)", file=shown,
        )
    if table is None:
        chosen = tables[0]
    else:
        if table not in ("daily", "monthly", "annual"):
            raise InputError(
                f"table must be daily, monthly or annual, got {table!r}", file=shown
            )
        found = [t for t in tables if t.frequency == table]
        if not found:
            have = ", ".join(str(t.frequency) for t in tables)
            raise InputError(f"no {table} table in the file (it has: {have})", file=shown)
        chosen = found[0]
    return _parse_table(chosen, shown)


def _parse_table(t: _Table, shown: str) -> FactorReturns:
    rows = t.rows or []
    names = t.names
    n_cols = len(names)
    values = np.empty((len(rows), n_cols))
    for i, (lineno, _date, cells) in enumerate(rows):
        if len(cells) < n_cols or any(c.strip() for c in cells[n_cols:]):
            raise InputError(
                f"expected {n_cols} values after the date (header at line {t.header_line}), "
                f"got {len([c for c in cells if c.strip()])}", file=shown, row=lineno,
            )
        try:
            values[i] = [float(c) for c in cells[:n_cols]]
        except ValueError:
            for j, cell in enumerate(cells[:n_cols]):
                try:
                    float(cell)
                except ValueError:
                    raise InputError(f"not a number: {cell.strip()!r}", file=shown, row=lineno,
                                     field=names[j]) from None
    lines = np.array([ln for ln, _, _ in rows], dtype=np.int64)
    bad = np.argwhere(~np.isfinite(values))
    if bad.size:
        i, j = (int(x) for x in bad[0])
        raise InputError(f"not a finite number: {rows[i][2][j].strip()!r}", file=shown,
                         row=int(lines[i]), field=names[j])
    missing = np.isin(values, _MISSING)
    values /= 100.0
    values[missing] = np.nan
    texts = [d for _, d, _ in rows]
    try:
        dates = _to_dates(texts, str(t.frequency))
    except ValueError:
        for i, text in enumerate(texts):
            try:
                _to_dates([text], str(t.frequency))
            except ValueError:
                raise InputError(f"not a date: {text!r}", file=shown, row=int(lines[i]),
                                 field="Date") from None
        raise
    back = np.flatnonzero(np.diff(dates) <= np.timedelta64(0, "D"))
    if back.size:
        k = int(back[0]) + 1
        raise InputError(
            f"dates must increase: {dates[k]} follows {dates[k - 1]}",
            file=shown, row=int(lines[k]), field="Date",
        )
    upper = [n.upper() for n in names]
    rf = None
    keep = list(range(n_cols))
    if "RF" in upper:
        j = upper.index("RF")
        rf = values[:, j].copy()
        keep.remove(j)
    if not keep:
        raise InputError("the table has no factor column besides RF", file=shown,
                         row=t.header_line)
    return FactorReturns(
        dates=dates, names=tuple(names[j] for j in keep), returns=values[:, keep].copy(),
        rf=rf, frequency=str(t.frequency), source=shown, lines=lines,
    )


def frequency_of(dates: DateArray) -> str:
    """``"daily"``, ``"weekly"``, ``"monthly"``, ``"quarterly"`` or ``"annual"``: the
    median spacing of ``dates`` (<= 4 days daily, <= 10 weekly, <= 45 monthly,
    <= 135 quarterly, else annual)."""
    d = np.asarray(dates, dtype="datetime64[D]")
    if d.shape[0] < 2:
        return "daily"
    gap = float(np.median(np.diff(d).astype(np.int64)))
    for limit, name in ((4, "daily"), (10, "weekly"), (45, "monthly"), (135, "quarterly")):
        if gap <= limit:
            return name
    return "annual"


def _period_key(dates: DateArray, frequency: str) -> np.ndarray:
    d = np.asarray(dates, dtype="datetime64[D]")
    if frequency == "monthly":
        return d.astype("datetime64[M]").astype(np.int64)
    if frequency == "annual":
        return d.astype("datetime64[Y]").astype(np.int64)
    return d.astype(np.int64)


def align_factors(
    factors: FactorReturns, dates: DateArray, *, prices_source: str = "the prices"
) -> tuple[FloatArray, FloatArray]:
    """The factor and risk-free returns on each row of ``dates`` (the price rows).

    Row ``t`` of the result is the factor table's row for the same day (daily), month
    (monthly) or year (annual) as ``dates[t]``. The price dates must have the table's
    frequency, and the table must cover every price row from the second on (row 0's
    return is never used); row 0 is NaN when the table starts later.

    Returns
    -------
    (returns, rf)
        ``(n_days, n_factors)`` and ``(n_days,)`` fractions per row (``rf`` = 0 when
        the table has no ``RF`` column).

    Raises
    ------
    InputError
        Naming the factor file and its ``Date`` column: a frequency mismatch, or a
        price row the table lacks.
    """
    d = np.asarray(dates, dtype="datetime64[D]")
    freq = frequency_of(d)
    if freq != factors.frequency:
        raise InputError(
            f"the factor table is {factors.frequency} but {prices_source} are {freq}; "
            f"use the {freq} file of the library (or {factors.frequency} prices)",
            file=factors.source, field="Date",
        )
    fkey = _period_key(factors.dates, freq)
    pkey = _period_key(d, freq)
    idx = np.searchsorted(fkey, pkey)
    found = (idx < fkey.shape[0]) & (fkey[np.minimum(idx, fkey.shape[0] - 1)] == pkey)
    need = np.ones(d.shape[0], dtype=bool)
    need[0] = False
    missing = np.flatnonzero(need & ~found)
    if missing.size:
        first = d[int(missing[0])]
        raise InputError(
            f"no factor row for the price date {first} ({missing.size} price rows uncovered; "
            f"the factors run {factors.dates[0]} … {factors.dates[-1]})",
            file=factors.source, field="Date",
        )
    out = np.full((d.shape[0], len(factors.names)), np.nan)
    rf = np.zeros(d.shape[0])
    ok = np.flatnonzero(found)
    out[ok] = factors.returns[idx[ok]]
    if factors.rf is not None:
        rf[ok] = factors.rf[idx[ok]]
        rf[~found] = np.nan
    return out, rf


def cache_dir(cache: str | Path | None = None) -> Path:
    """Where downloaded factor files are kept: ``cache``, else ``$REBAL_CACHE/french``,
    else ``$XDG_CACHE_HOME/rebal/french``, else ``~/.cache/rebal/french``."""
    import os

    if cache is not None:
        return Path(cache)
    if os.environ.get("REBAL_CACHE"):
        return Path(os.environ["REBAL_CACHE"]) / "french"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rebal" / "french"


def fetch_french(
    name: str, *, cache: str | Path | None = None, refresh: bool = False, timeout: float = 30.0
) -> Path:
    """Download ``NAME_CSV.zip`` from the French library into the cache; its path.

    ``name`` is the file's name in the library without ``_CSV.zip``
    (``F-F_Research_Data_Factors``, ``F-F_Research_Data_5_Factors_2x3_daily``,
    ``F-F_Momentum_Factor``, ``Developed_5_Factors``, ``Emerging_5_Factors`` …). A file
    already in the cache is not downloaded again unless ``refresh``. The download is
    read (:func:`read_french`) before it replaces anything in the cache.

    Raises
    ------
    InputError
        One line: a bad name, the network unreachable (offline) or the file unknown to
        the library, or a download that is not a factor file.
    """
    import os
    import tempfile
    import urllib.error
    import urllib.request

    stem = name.strip()
    for suffix in ("_CSV.zip", ".zip", "_CSV", ".csv", ".CSV"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
    if not _NAME.match(stem):
        raise InputError(f"not a French-library file name: {name!r} (e.g. "
                         "F-F_Research_Data_Factors)", field="NAME")
    folder = cache_dir(cache)
    dest = folder / f"{stem}_CSV.zip"
    if dest.exists() and not refresh:
        return dest
    url = f"{_FTP}{stem}_CSV.zip"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            payload = resp.read()
    except urllib.error.HTTPError as exc:
        raise InputError(
            f"the French library has no file {stem!r} (HTTP {exc.code} for {url}); see the "
            f"names on {FRENCH_LIBRARY}", field="NAME") from None
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        raise InputError(
            f"cannot download {url} (offline? {reason}); download it in a browser from "
            f"{FRENCH_LIBRARY} and pass the file's path instead", field="NAME") from None
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{stem}.", suffix=".zip", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        read_french(tmp)  # a page of HTML or a truncated file fails here, not later
        os.replace(tmp, dest)
    except InputError as exc:
        raise InputError(f"the download of {url} is not a factor file ({exc.message})",
                         field="NAME") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return dest
