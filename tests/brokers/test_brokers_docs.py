"""docs/imports.md shows two error messages: they are what rebal prints for those files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rebal.brokers import read_positions
from rebal.errors import InputError

DOC = Path(__file__).resolve().parents[2] / "docs" / "imports.md"
Fixture = Callable[[str], Path]


def _shown(prefix: str) -> str:
    (line,) = [x.strip() for x in DOC.read_text(encoding="utf-8").splitlines()
               if x.startswith("    " + prefix)]
    return line


def test_the_documented_messages_are_the_real_ones(fixture: Fixture, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = fixture("Portfolio_Positions_Jun-30-2025.csv").read_text(encoding="utf-8")
    Path("Portfolio_Positions.csv").write_text(text.replace(",100,$300.00,", ",1O0,$300.00,"),
                                               encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_positions("Portfolio_Positions.csv", "fidelity")
    assert str(info.value) == _shown("Portfolio_Positions.csv")

    text = fixture("schwab_positions.csv").read_text(encoding="utf-8")
    Path("schwab_positions.csv").write_text(text.replace('"$9,371.70"', '"$9,300.00"'),
                                            encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_positions("schwab_positions.csv", "schwab")
    assert str(info.value) == _shown("schwab_positions.csv")
