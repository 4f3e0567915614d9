"""Constants and helpers of the web app's tests (a uniquely named module: several test
folders have a ``conftest``, so ``from conftest import`` would depend on collection order)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "households"
FIXTURES = ROOT / "tests" / "brokers" / "fixtures"
H = "DIY investor (single)"


def client_for(db: str, **options: object):  # -> TestClient
    """A TestClient on the web app over the store at ``db`` (HTML pages)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's note about httpx versions
        from fastapi.testclient import TestClient

    from rebal.web import create_app

    c = TestClient(create_app(db, **options))
    c.headers["accept"] = "text/html"
    return c


def csrf(c) -> str:
    """The CSRF token the app set in the client's cookie."""
    return c.cookies.get("rebal_csrf")
