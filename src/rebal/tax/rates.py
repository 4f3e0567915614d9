"""Federal tax parameters by year and filing status, loaded from ``tax/params/<year>.json``.

One JSON file per tax year holds the ordinary brackets, standard deduction, LTCG 0/15/20
thresholds, NIIT rate and thresholds, the capital-loss limit and the AMT amounts for every
filing status, with its sources inside the file. Adding a tax year means adding a file;
nothing in the code changes.

All amounts are dollars of taxable income (or of AMTI / MAGI where stated); rates are
fractions (0.22, not 22).
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from rebal.errors import ConfigError, InputError
from rebal.types import FilingStatus

__all__ = [
    "StatusParams",
    "TaxYearParams",
    "adjusted_params",
    "available_years",
    "extra_years",
    "load_params",
    "status_params",
]

#: Years served by :func:`load_params` without a file while :func:`extra_years` is active
#: (inflation-adjusted copies of a file's year, for simulations over history).
_EXTRA: dict[int, TaxYearParams] = {}

_STATUS_KEYS: tuple[str, ...] = tuple(s.value for s in FilingStatus)


@dataclass(frozen=True, slots=True)
class StatusParams:
    """The parameters of one tax year for one filing status.

    Attributes
    ----------
    year, filing_status
        Which return these apply to.
    ordinary_rates
        The seven ordinary rates, fractions, lowest first (IRC §1(j)(2)).
    ordinary_upper_bounds
        Upper end (dollars of taxable income) of each of the first six brackets; the last
        rate applies above the sixth bound.
    standard_deduction
        Basic standard deduction, dollars (IRC §63(c); no age/blind additions).
    ltcg_rates
        (0.0, 0.15, 0.20) (IRC §1(h)(1)).
    ltcg_zero_top, ltcg_fifteen_top
        Top of taxable income taxed at 0% and at 15% ("maximum zero rate amount",
        "maximum 15-percent rate amount", §1(j)(5)).
    niit_rate, niit_threshold
        IRC §1411: rate (0.038) and MAGI threshold, dollars.
    capital_loss_limit
        IRC §1211(b): net capital loss deductible against other income, dollars.
    amt_rates
        (0.26, 0.28) (§55(b)(1)(A)).
    amt_rate_break
        AMT taxable excess above which 28% applies, dollars.
    amt_exemption, amt_phaseout_start, amt_phaseout_rate
        §55(d): exemption, the AMTI where it starts to phase out, and the phase-out
        rate (fraction of AMTI above the start).
    source_file
        Path of the JSON file the values came from.
    """

    year: int
    filing_status: FilingStatus
    ordinary_rates: tuple[float, ...]
    ordinary_upper_bounds: tuple[float, ...]
    standard_deduction: float
    ltcg_rates: tuple[float, float, float]
    ltcg_zero_top: float
    ltcg_fifteen_top: float
    niit_rate: float
    niit_threshold: float
    capital_loss_limit: float
    amt_rates: tuple[float, float]
    amt_rate_break: float
    amt_exemption: float
    amt_phaseout_start: float
    amt_phaseout_rate: float
    source_file: str

    def ordinary_tax(self, taxable_income_usd: float) -> float:
        """Tax on ``taxable_income_usd`` from the rate schedule (exact formula, no Tax Table).

        IRC §1(j)(2) schedules X, Y-1, Y-2, Z; QSS uses Y-1 (§1(a)). Non-positive income
        gives 0.
        """
        if taxable_income_usd <= 0.0:
            return 0.0
        tax = 0.0
        lower = 0.0
        # Same summation order as Tax-Calculator's SchXYZ so the oracle matches to the cent.
        for rate, upper in zip(self.ordinary_rates, self.ordinary_upper_bounds, strict=False):
            if taxable_income_usd <= upper:
                return tax + rate * (taxable_income_usd - lower)
            tax += rate * (upper - lower)
            lower = upper
        return tax + self.ordinary_rates[-1] * (taxable_income_usd - lower)

    def ordinary_marginal_rate(self, taxable_income_usd: float) -> float:
        """Rate that applies to the next dollar above ``taxable_income_usd`` (fraction)."""
        for rate, upper in zip(self.ordinary_rates, self.ordinary_upper_bounds, strict=False):
            if taxable_income_usd < upper:
                return rate
        return self.ordinary_rates[-1]


@dataclass(frozen=True, slots=True)
class TaxYearParams:
    """All filing statuses of one tax year, plus the source notes of its file."""

    year: int
    by_status: dict[FilingStatus, StatusParams]
    sources: tuple[str, ...]
    source_file: str

    def __getitem__(self, status: FilingStatus | str) -> StatusParams:
        return self.by_status[FilingStatus(FilingStatus.parse(status, field="filing_status"))]


def _params_dir() -> Path:
    return Path(str(resources.files("rebal.tax") / "params"))


def available_years(directory: Path | str | None = None) -> tuple[int, ...]:
    """Tax years that have a parameter file, ascending."""
    folder = Path(directory) if directory is not None else _params_dir()
    years = []
    for path in folder.glob("*.json"):
        if path.stem.isdigit():
            years.append(int(path.stem))
    return tuple(sorted(years))


def load_params(year: int, directory: Path | str | None = None) -> TaxYearParams:
    """Load and validate the parameters of tax ``year``.

    Parameters
    ----------
    year
        Tax year, e.g. 2025.
    directory
        Folder of ``<year>.json`` files; default: the files shipped in ``rebal/tax/params``.

    Raises
    ------
    ConfigError
        No file for ``year``; the message lists the available years.
    InputError
        The file is malformed; names the file and the field.
    """
    if directory is None and int(year) in _EXTRA:
        return _EXTRA[int(year)]
    folder = str(Path(directory)) if directory is not None else None
    return _load_cached(int(year), folder)


def adjusted_params(year: int, inflation: float) -> TaxYearParams:
    """Parameters for a ``year`` without a file: the nearest file's year, its indexed
    dollar amounts moved by ``inflation`` a year.

    Indexed (IRC §1(f), §63(c)(4), §1(j)(5)(C), §55(d)(4)): the ordinary bracket bounds, the
    standard deduction, the 0 %/15 % LTCG tops, the AMT rate break, exemption and phase-out
    start — each × ``(1 + inflation) ** (year − base)``. Not indexed by statute, so kept:
    the NIIT thresholds (§1411(b)) and the $3,000 capital-loss limit (§1211(b)). Rates are
    the file's (the law of that year, not of ``year``: a stated approximation).

    Parameters
    ----------
    year
        The tax year wanted.
    inflation
        Yearly rate, a fraction (0.025 = 2.5 %), > −1.
    """
    if not (inflation > -1.0 and math.isfinite(inflation)):
        raise ConfigError(f"inflation must be a finite fraction > -1, got {inflation!r}")
    years = available_years()
    if not years:
        raise ConfigError("no tax parameter files are installed")
    base = min(years, key=lambda y: (abs(y - int(year)), y))
    src = load_params(base)
    k = (1.0 + inflation) ** (int(year) - base)
    by_status = {
        status: replace(
            p, year=int(year),
            ordinary_upper_bounds=tuple(b * k for b in p.ordinary_upper_bounds),
            standard_deduction=p.standard_deduction * k,
            ltcg_zero_top=p.ltcg_zero_top * k, ltcg_fifteen_top=p.ltcg_fifteen_top * k,
            amt_rate_break=p.amt_rate_break * k, amt_exemption=p.amt_exemption * k,
            amt_phaseout_start=p.amt_phaseout_start * k,
            source_file=f"{p.source_file} (indexed amounts x {k:.6f} for {int(year)})",
        )
        for status, p in src.by_status.items()
    }
    return TaxYearParams(year=int(year), by_status=by_status, sources=src.sources,
                         source_file=by_status[next(iter(by_status))].source_file)


@contextmanager
def extra_years(years: Iterator[int] | tuple[int, ...] | list[int], inflation: float,
                ) -> Iterator[tuple[int, ...]]:
    """Within the block, :func:`load_params` (and so every tax computation) serves each of
    ``years`` that has no file by :func:`adjusted_params`; yields the years added.

    Process-wide while active (not for concurrent use with different rates in threads).
    """
    have = set(available_years())
    added = tuple(sorted({int(y) for y in years} - have - set(_EXTRA)))
    for y in added:
        _EXTRA[y] = adjusted_params(y, inflation)
    try:
        yield added
    finally:
        for y in added:
            _EXTRA.pop(y, None)


def status_params(year: int, filing_status: FilingStatus | str) -> StatusParams:
    """Shortcut: ``load_params(year)[filing_status]``."""
    return load_params(year)[filing_status]


@lru_cache(maxsize=64)
def _load_cached(year: int, folder: str | None) -> TaxYearParams:
    base = Path(folder) if folder is not None else _params_dir()
    path = base / f"{year}.json"
    if not path.is_file():
        years = ", ".join(str(y) for y in available_years(base)) or "none"
        raise ConfigError(
            f"tax year {year} has no parameter file ({path.name} in {base}); "
            f"available years: {years}"
        )
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", file=str(path), row=exc.lineno) from exc
    return _parse(raw, year, str(path))


class _Reader:
    """Fetches and validates values from the raw JSON, naming the field on failure."""

    def __init__(self, raw: Any, file: str) -> None:
        self.raw = raw
        self.file = file

    def fail(self, field: str, message: str) -> InputError:
        return InputError(message, file=self.file, field=field)

    def get(self, *keys: str) -> Any:
        node = self.raw
        for i, key in enumerate(keys):
            if not isinstance(node, dict) or key not in node:
                raise self.fail(".".join(keys[: i + 1]), "missing")
            node = node[key]
        return node

    def number(self, *keys: str, lo: float = 0.0, hi: float = math.inf) -> float:
        value = self.get(*keys)
        field = ".".join(keys)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(field, f"must be a number, got {value!r}")
        value = float(value)
        if not (lo <= value <= hi) or not math.isfinite(value):
            raise self.fail(field, f"must be in [{lo}, {hi}], got {value}")
        return value

    def numbers(self, *keys: str, length: int, increasing: bool, lo: float = 0.0,
                hi: float = math.inf) -> tuple[float, ...]:
        value = self.get(*keys)
        field = ".".join(keys)
        if not isinstance(value, list) or len(value) != length:
            raise self.fail(field, f"must be a list of {length} numbers, got {value!r}")
        out = []
        for i, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, int | float):
                raise self.fail(f"{field}[{i}]", f"must be a number, got {item!r}")
            if not (lo <= float(item) <= hi):
                raise self.fail(f"{field}[{i}]", f"must be in [{lo}, {hi}], got {item}")
            out.append(float(item))
        if increasing and any(b <= a for a, b in itertools.pairwise(out)):
            raise self.fail(field, f"must be strictly increasing, got {out}")
        return tuple(out)


def _parse(raw: Any, year: int, file: str) -> TaxYearParams:
    r = _Reader(raw, file)
    if not isinstance(raw, dict):
        raise r.fail("(top level)", "must be a JSON object")
    file_year = r.number("year", lo=1913, hi=3000)
    if int(file_year) != year:
        raise r.fail("year", f"file is named for {year} but says {int(file_year)}")
    sources = r.get("sources")
    if not isinstance(sources, list) or not sources or not all(isinstance(s, str) for s in sources):
        raise r.fail("sources", "must be a non-empty list of strings (where the numbers come from)")
    ord_rates = r.numbers("ordinary_brackets", "rates", length=7, increasing=True, hi=1.0)
    ltcg_rates = r.numbers("ltcg", "rates", length=3, increasing=True, hi=1.0)
    amt_rates = r.numbers("amt", "rates", length=2, increasing=True, hi=1.0)
    niit_rate = r.number("niit", "rate", hi=1.0)
    amt_prt = r.number("amt", "phaseout_rate", hi=1.0)
    by_status: dict[FilingStatus, StatusParams] = {}
    for key in _STATUS_KEYS:
        cg = r.numbers("ltcg", "thresholds", key, length=2, increasing=True)
        by_status[FilingStatus(key)] = StatusParams(
            year=year,
            filing_status=FilingStatus(key),
            ordinary_rates=ord_rates,
            ordinary_upper_bounds=r.numbers(
                "ordinary_brackets", "upper_bounds", key, length=6, increasing=True, lo=1.0
            ),
            standard_deduction=r.number("standard_deduction", key),
            ltcg_rates=(ltcg_rates[0], ltcg_rates[1], ltcg_rates[2]),
            ltcg_zero_top=cg[0],
            ltcg_fifteen_top=cg[1],
            niit_rate=niit_rate,
            niit_threshold=r.number("niit", "thresholds", key),
            capital_loss_limit=r.number("capital_loss_limit", key),
            amt_rates=(amt_rates[0], amt_rates[1]),
            amt_rate_break=r.number("amt", "rate_break", key),
            amt_exemption=r.number("amt", "exemption", key),
            amt_phaseout_start=r.number("amt", "phaseout_start", key),
            amt_phaseout_rate=amt_prt,
            source_file=file,
        )
    return TaxYearParams(year=year, by_status=by_status, sources=tuple(sources), source_file=file)
