"""Foreign-exchange rates: read a table of daily rates and convert between currencies.

A table holds, per day, units of each currency per one unit of its **anchor** currency
(the ECB's reference rates: per euro). Any cross rate goes through the anchor:
``units of base per unit of ccy = (base per anchor) / (ccy per anchor)``. The shipped
table (``rebal.datasets.load_fx()``) is the ECB's euro reference rates since 1999
(``datasets/files/PROVENANCE.md``); users load their own files, in the same layout, with
:func:`read_fx`.

Layout: a ``Date`` column (``YYYY-MM-DD``) and one column per currency, named by its ISO
code (``USD``) or ``USD_per_EUR``; an empty cell or ``N/A`` is "no rate that day". Days
need not be consecutive: a rate holds until the next quote, for at most
``max_gap_days`` calendar days (a long weekend, a holiday) — a longer gap is an error
naming the file and column, not a silent stale rate.
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rebal.errors import ConfigError, InputError
from rebal.types import FloatArray

__all__ = ["MAX_GAP_DAYS", "FxTable", "read_fx"]

MAX_GAP_DAYS = 5
"""Most calendar days a quote is carried forward to a day without one."""


@dataclass(frozen=True, slots=True, eq=False)
class FxTable:
    """Daily rates: ``rates[t, k]`` units of ``currencies[k]`` per unit of ``anchor``.

    Attributes
    ----------
    dates
        ``(n_days,)`` ``datetime64[D]``, strictly increasing.
    currencies
        ISO codes of the columns.
    rates
        ``(n_days, n_currencies)`` positive rates; NaN = no quote that day.
    anchor
        The currency every rate is quoted against (``EUR`` for the ECB's table).
    source
        Where the table came from (named in errors).
    """

    dates: np.ndarray
    currencies: tuple[str, ...]
    rates: FloatArray
    anchor: str
    source: str

    def _column(self, ccy: str, flag: str) -> FloatArray:
        if ccy == self.anchor:
            return np.ones(self.dates.shape[0])
        if ccy not in self.currencies:
            raise ConfigError(f"{flag}: no FX rates for {ccy!r} in {self.source} (it has "
                              f"{self.anchor}, {', '.join(self.currencies)})")
        return self.rates[:, self.currencies.index(ccy)]

    def rate(self, ccy: str, base: str, dates: np.ndarray, *,
             max_gap_days: int = MAX_GAP_DAYS, flag: str = "currency") -> FloatArray:
        """Units of ``base`` per unit of ``ccy`` on each of ``dates`` (the latest quote on
        or before each day, both currencies quoted that same day).

        Raises
        ------
        ConfigError
            A currency the table lacks (naming it and the ones there are).
        InputError
            A day before the first quote, or more than ``max_gap_days`` after the last
            one (naming the file, the currency and the day).
        """
        days = np.asarray(dates, dtype="datetime64[D]")
        if ccy == base:
            return np.ones(days.shape[0])
        num = self._column(base, flag)
        den = self._column(ccy, flag)
        ok = np.isfinite(num) & np.isfinite(den)
        quoted = self.dates[ok]
        cross = (num / den)[ok]
        pos = np.searchsorted(quoted, days, side="right") - 1
        if days.size and pos.min() < 0:
            first = days[int(np.argmin(pos))]
            raise InputError(f"no {ccy}/{base} rate on or before {first} (quotes start "
                             f"{quoted[0] if quoted.size else 'nowhere'})",
                             file=self.source, field=ccy)
        gap = (days - quoted[pos]).astype(np.int64)
        if gap.size and gap.max() > max_gap_days:
            k = int(np.argmax(gap))
            raise InputError(f"no {ccy}/{base} rate within {max_gap_days} days before "
                             f"{days[k]} (the last is {quoted[pos[k]]})",
                             file=self.source, field=ccy)
        return cross[pos]


def read_fx(path: str | Path, *, anchor: str = "EUR") -> FxTable:
    """Read a table of daily rates (module docstring) from a CSV file (``.gz`` too).

    Raises
    ------
    InputError
        No ``Date`` column, a bad date or an unsorted/duplicated one, a rate that is not a
        positive number: one line naming the file, the line and the column.
    """
    name = str(path)
    raw = Path(path).read_bytes()
    if name.endswith(".gz"):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise InputError(f"not a readable gzip file ({exc})", file=name) from None
    reader = csv.reader(io.StringIO(raw.decode("utf-8-sig")))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InputError("empty file", file=name) from None
    if not header or header[0].lower() != "date":
        raise InputError("the first column must be Date", file=name, row=1, field=header[0]
                         if header else None)
    codes = tuple(h.split("_per_")[0].upper() for h in header[1:])
    dates: list[np.datetime64] = []
    values: list[list[float]] = []
    for line, row in enumerate(reader, start=2):
        if not row or not "".join(row).strip():
            continue
        try:
            day = np.datetime64(row[0].strip(), "D")
        except ValueError:
            raise InputError(f"not a date: {row[0][:40]!r}", file=name, row=line,
                             field="Date") from None
        if dates and day <= dates[-1]:
            raise InputError(f"dates must increase ({day} after {dates[-1]})", file=name,
                             row=line, field="Date")
        out = []
        for k, code in enumerate(codes):
            cell = row[k + 1].strip() if k + 1 < len(row) else ""
            if cell in ("", "N/A"):
                out.append(np.nan)
                continue
            try:
                v = float(cell)
            except ValueError:
                v = -1.0
            if not (np.isfinite(v) and v > 0):
                raise InputError(f"a rate must be a positive number, got {cell[:40]!r}",
                                 file=name, row=line, field=header[k + 1])
            out.append(v)
        dates.append(day)
        values.append(out)
    if not dates:
        raise InputError("no rows", file=name)
    return FxTable(dates=np.array(dates, dtype="datetime64[D]"), currencies=codes,
                   rates=np.array(values, dtype=np.float64).reshape(len(dates), len(codes)),
                   anchor=anchor.upper(), source=name)
