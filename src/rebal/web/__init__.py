"""rebal's local web app (``rebal serve``, ``docs/web.md``): FastAPI, Jinja2 templates and
htmx (vendored in ``static/``), over the same services as the CLI.

Importing this package imports nothing heavy; :func:`create_app` imports FastAPI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["create_app", "run"]


def create_app(db: str | None, **options: Any) -> FastAPI:
    """The web app over the store at ``db`` (:func:`rebal.web.app.create_app`)."""
    from rebal.web.app import create_app as create

    return create(db, **options)


def run(app: FastAPI, *, host: str, port: int) -> None:
    """Serve ``app`` with uvicorn until interrupted (no access log: the app logs method,
    path and status itself, never a query string); then remove its temporary directory."""
    import logging
    import shutil

    import uvicorn

    log = logging.getLogger("rebal.web")
    if not log.handlers:  # one line per request on stderr: time, method, path, status
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    try:
        uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning")
    finally:  # uploads in flight and study reports live in the app's temporary directory
        shutil.rmtree(app.state.work, ignore_errors=True)
