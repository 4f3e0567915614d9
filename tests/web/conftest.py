"""Fixtures of the web app's tests: a fresh SQLite store per test and a TestClient on it
(skipped with how to get them when the web extra is not installed)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed: pip install -e '.[test]'")
pytest.importorskip("multipart", reason="python-multipart is not installed (the web extra)")

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "households"
FIXTURES = ROOT / "tests" / "brokers" / "fixtures"
H = "DIY investor (single)"


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'web.db'}"


def client_for(db: str, **options: object):  # -> TestClient
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's note about httpx versions
        from fastapi.testclient import TestClient

    from rebal.web import create_app

    c = TestClient(create_app(db, **options))
    c.headers["accept"] = "text/html"
    return c


@pytest.fixture
def client(db: str):
    from rebal.services.store import db_init

    db_init(db)  # what rebal serve does before it serves
    c = client_for(db)
    c.get("/import")  # sets the CSRF cookie
    return c


def csrf(c) -> str:
    return c.cookies.get("rebal_csrf")
