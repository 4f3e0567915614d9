"""Fixtures of the web app's tests: a fresh SQLite store per test and a TestClient on it
(skipped with how to get them when the web extra is not installed)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed: pip install -e '.[test]'")
pytest.importorskip("multipart", reason="python-multipart is not installed (the web extra)")

from web_helpers import client_for  # noqa: E402  (after the skips)


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'web.db'}"


@pytest.fixture
def client(db: str):
    from rebal.services.store import db_init

    db_init(db)  # what rebal serve does before it serves
    c = client_for(db)
    c.get("/import")  # sets the CSRF cookie
    return c
