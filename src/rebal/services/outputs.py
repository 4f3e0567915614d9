"""Pre-flight of the files a command will write (``--report``, ``--orders``, ``--out``).

Every output path is checked before any work or any write, so a bad second path never
leaves the first file written (``rebal plan --orders o.csv --report DIR`` used to write
``o.csv`` and then fail on ``DIR``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from rebal.errors import ConfigError

__all__ = ["check_output_dir", "check_outputs"]


def _check_folder(flag: str, given: str, folder: Path) -> None:
    if not folder.exists():
        raise ConfigError(f"{flag} {given}: the folder {folder} does not exist")
    if not folder.is_dir():
        raise ConfigError(f"{flag} {given}: {folder} is a file, not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(f"{flag} {given}: cannot write in the folder {folder}")


def check_outputs(paths: Mapping[str, str | os.PathLike[str] | None]) -> None:
    """Check each output file a command will write, keyed by its flag
    (``{"--orders": "o.csv", "--report": "r.html"}``; ``None`` = not asked).

    Raises
    ------
    ConfigError
        Naming the flag: the path is a folder, its folder is missing or not writable,
        the file exists but cannot be overwritten, or two flags name the same file.
    """
    seen: dict[Path, str] = {}
    for flag, value in paths.items():
        if value is None:
            continue
        given = os.fspath(value)
        path = Path(given)
        if not given.strip():
            raise ConfigError(f"{flag}: empty path")
        if path.is_dir():
            raise ConfigError(f"{flag} {given}: is a folder; give a file name in it, e.g. "
                              f"{path / ('report.html' if 'report' in flag else 'orders.csv')}")
        if path.exists() and not os.access(path, os.W_OK):
            raise ConfigError(f"{flag} {given}: the file exists and cannot be overwritten")
        _check_folder(flag, given, path.resolve().parent)
        key = path.resolve()
        if key in seen:
            raise ConfigError(f"{flag} and {seen[key]} name the same file {given}")
        seen[key] = flag


def check_output_dir(flag: str, value: str | os.PathLike[str]) -> Path:
    """The folder ``--out`` names, checked before any work: it may not exist yet (it is
    then created, with its parents, when written) but must not be a file.

    Raises
    ------
    ConfigError
        Naming the flag: the path (or one of its parents) is a file, or the nearest
        existing parent cannot be written.
    """
    given = os.fspath(value)
    path = Path(given)
    if not given.strip():
        raise ConfigError(f"{flag}: empty path")
    existing = path
    while not existing.exists():
        existing = existing.parent if existing.parent != existing else existing
        if existing == existing.parent:
            break
    if existing.exists() and not existing.is_dir():
        what = "is a file" if existing == path else f"is inside {existing}, a file"
        raise ConfigError(f"{flag} {given}: {what}; give a folder")
    if existing.exists() and not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(f"{flag} {given}: cannot write in {existing}")
    return path
