"""Shared constants of the store tests (a uniquely named module: several test folders
have a ``conftest``)."""

from __future__ import annotations

from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "households"
