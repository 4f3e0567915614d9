"""Reading and writing household files (YAML or JSON, lots optionally from CSV).

``load_household(path)`` and ``household_from_dict(data)`` are the only ways
to make a :class:`~rebal.household.model.Household`; both validate everything
and raise :class:`~rebal.errors.InputError` naming the file and the path inside
it (``accounts[2].cash_usd``) or the CSV line and field. ``household_to_dict``
is the inverse: ``household_from_dict(household_to_dict(h)) == h``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from rebal.errors import InputError
from rebal.household.build import Origin, build_household
from rebal.household.messages import input_error
from rebal.household.model import Household
from rebal.household.schema import HouseholdFileIn, LotIn

__all__ = [
    "LOT_CSV_COLUMNS",
    "dump_household",
    "household_from_dict",
    "household_to_dict",
    "load_household",
    "read_lots_csv",
]

LOT_CSV_COLUMNS: tuple[str, ...] = (
    "id",
    "account",
    "symbol",
    "quantity",
    "cost_basis_usd",
    "acquired",
    "holding_start",
    "date_known",
)
"""Columns a lots CSV may have; ``account``, ``symbol`` and ``quantity`` are required."""

_REQUIRED_CSV = ("account", "symbol", "quantity")


def load_household(path: str | Path, *, lots_csv: str | Path | None = None,
                   fx_file: str | Path | None = None,
                   base_currency: str | None = None) -> Household:
    """Read and validate a household file.

    Parameters
    ----------
    path
        A ``.yaml``/``.yml`` or ``.json`` file (see ``docs/household.md``).
    lots_csv
        A lots CSV to use instead of the file's ``lots_csv`` key (e.g. today's
        broker export); relative to the current directory. Inline ``lots`` are
        kept either way.
    fx_file, base_currency
        An FX table to use instead of the file's ``fx_file`` key (or the shipped ECB
        table), and a base currency instead of its ``base_currency``
        (:func:`household_from_dict`).

    Raises
    ------
    InputError
        For an unreadable or malformed file, or any invalid value, naming the
        file and the path inside it (or the CSV line and field).
    """
    path = Path(path)
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except IsADirectoryError:
        raise InputError("cannot read household file: it is a directory", file=name) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"cannot read household file: not UTF-8 text (byte {exc.start})",
                         file=name) from None
    except OSError as exc:
        raise InputError(f"cannot read household file: {exc.strerror or exc}", file=name) from None
    data = _parse_text(text, name, json_syntax=path.suffix.lower() == ".json")
    return household_from_dict(
        data, source=name, base_dir=path.parent, lots_csv=lots_csv, fx_file=fx_file,
        base_currency=base_currency,
    )


def household_from_dict(
    data: Mapping[str, Any],
    *,
    source: str | None = None,
    base_dir: str | Path | None = None,
    lots_csv: str | Path | None = None,
    fx_file: str | Path | None = None,
    base_currency: str | None = None,
) -> Household:
    """Validate a household given as plain data (the parsed file).

    Parameters
    ----------
    data
        The file's content: a mapping with keys ``as_of``, ``household``,
        ``accounts``, ``securities``, ``targets`` and optionally ``lots``,
        ``lots_csv`` and ``recent_trades``. Dates may be ``date`` objects or
        ISO strings.
    source
        Name of the file for error messages and ``Household.source``.
    base_dir
        Directory that a relative ``lots_csv`` in ``data`` is read from;
        default: the directory of ``source`` if given, else the current one.
    lots_csv
        A lots CSV that replaces ``data["lots_csv"]`` (relative paths are taken
        from the current directory).
    fx_file
        An FX table (:func:`rebal.data.fx.read_fx` layout) that replaces the file's
        ``household.fx_file`` (relative paths from the current directory; the file's key
        is relative to ``base_dir``); neither: the shipped ECB table.
    base_currency
        Show values in this currency instead of the file's ``household.base_currency``.
    """
    if not isinstance(data, Mapping):
        raise InputError(
            f"the household must be a mapping of sections, got {type(data).__name__}", file=source
        )
    try:
        parsed = HouseholdFileIn.model_validate(dict(data))
    except ValidationError as exc:
        raise input_error(exc, file=source) from None

    extra: list[tuple[LotIn, Origin]] = []
    csv_path: Path | None = None
    if lots_csv is not None:
        csv_path = Path(lots_csv)
    elif parsed.lots_csv is not None:
        if base_dir is None:
            base_dir = Path(source).parent if source else Path.cwd()
        csv_path = Path(base_dir) / parsed.lots_csv
    if csv_path is not None:
        extra = read_lots_csv(csv_path)
    fx_path: str | None = None
    if fx_file is not None:
        fx_path = str(fx_file)
    elif parsed.household.fx_file is not None:
        if base_dir is None:
            base_dir = Path(source).parent if source else Path.cwd()
        fx_path = str(Path(base_dir) / parsed.household.fx_file)
    return build_household(parsed, file=source, extra_lots=extra, fx_file=fx_path,
                           base_currency=base_currency, fx_flag=fx_file is not None)


def read_lots_csv(path: str | Path) -> list[tuple[LotIn, Origin]]:
    """Read a lots CSV: one lot per row, columns :data:`LOT_CSV_COLUMNS`.

    Blank lines and lines starting with ``#`` are skipped; blank cells mean
    "not given". Each lot is checked on its own here (cross-references are
    checked with the household) and comes back with its file and line.
    """
    path = Path(path)
    name = str(path)
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read lots CSV: {exc.strerror or exc}", file=name) from None
    out: list[tuple[LotIn, Origin]] = []
    with handle:
        reader = csv.reader(line for line in handle)
        header: list[str] | None = None
        for cells in reader:
            line = reader.line_num
            if not cells or all(not c.strip() for c in cells) or cells[0].lstrip().startswith("#"):
                continue
            if header is None:
                header = [c.strip() for c in cells]
                for col in header:
                    if col not in LOT_CSV_COLUMNS:
                        raise InputError(
                            f"unknown column {col!r}; columns: {', '.join(LOT_CSV_COLUMNS)}",
                            file=name,
                            row=line,
                            field=col,
                        )
                if len(set(header)) != len(header):
                    raise InputError("a column name is repeated", file=name, row=line)
                missing = [c for c in _REQUIRED_CSV if c not in header]
                if missing:
                    raise InputError(
                        f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
                        file=name,
                        row=line,
                    )
                continue
            if len(cells) != len(header):
                raise InputError(
                    f"expected {len(header)} cells, found {len(cells)}", file=name, row=line
                )
            record = {col: cell.strip() for col, cell in zip(header, cells, strict=True)}
            try:
                lot = LotIn.model_validate(record)
            except ValidationError as exc:
                raise input_error(exc, file=name, row=line) from None
            out.append((lot, Origin(name, line=line)))
    if header is None:
        raise InputError("the lots CSV is empty (no header line)", file=name)
    return out


def _parse_text(text: str, name: str, *, json_syntax: bool) -> Any:
    from rebal.data.yamlfile import parse_json, parse_yaml

    if json_syntax:
        return parse_json(text, file=name)
    return parse_yaml(text, file=name)


# -- writing ----------------------------------------------------------------


def household_to_dict(h: Household) -> dict[str, Any]:
    """The canonical file form of ``h`` (:meth:`Household.to_dict`)."""
    return h.to_dict()


def dump_household(h: Household, path: str | Path) -> None:
    """Write ``h`` in canonical form as JSON (``.json``) or YAML (any other suffix)."""
    path = Path(path)
    data = household_to_dict(h)
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        return
    import yaml

    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

