"""Fixtures for the broker-file tests: the sample files under ``fixtures/`` (small files
written in each broker's layout) and a writer for ad-hoc files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def fixture() -> Callable[[str], Path]:
    """The path of a sample file by name."""

    def get(name: str) -> Path:
        path = FIXTURES / name
        assert path.exists(), path
        return path

    return get


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write ``text`` to ``tmp_path / name`` and return the path."""

    def put(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return put
