"""``rebal serve``: the local web app (``docs/web.md``). FastAPI and uvicorn are imported
only when the command runs."""

from __future__ import annotations

import ipaddress
import os
from typing import Annotated

import typer

__all__ = ["is_loopback", "register", "serve_cmd"]


def register(app: typer.Typer) -> None:
    app.command("serve", help=(
        "Serve the web app: households, plans (approve, orders, fills), imports, and a JSON "
        "API (OpenAPI schema at /openapi.json).\n\nExample: rebal serve --port 8765"))(serve_cmd)


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve_cmd(
    host: Annotated[str, typer.Option(help="Address to listen on; a non-loopback one needs --token.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8765,
    db: Annotated[str | None, typer.Option("--db", help="Store URL or SQLite file (default: $REBAL_DB, else rebal.db in the user's data directory).")] = None,
    token: Annotated[str | None, typer.Option(help="Require this token on every request (default: $REBAL_TOKEN); open the app as /?token=… once.")] = None,
    studies: Annotated[str | None, typer.Option(help="Directory of study files for the Studies page (default: examples/studies here, if present).")] = None,
) -> None:
    from rebal.errors import ConfigError

    token = token or os.environ.get("REBAL_TOKEN") or None
    if not is_loopback(host) and token is None:
        raise ConfigError(f"--host {host}: not a loopback address; set --token or "
                          "REBAL_TOKEN so that every request needs it")
    if token is not None and len(token) < 16:
        raise ConfigError("--token: at least 16 characters")
    import importlib.util

    missing = [m for m in ("fastapi", "jinja2", "uvicorn", "multipart")
               if importlib.util.find_spec(m) is None]
    if missing:
        raise ConfigError(f"rebal serve needs the web extra ({', '.join(missing)} missing): "
                          "pip install 'rebal[web]'")
    from rebal.services.store import open_store
    from rebal.web import create_app, run

    with open_store(db, create=True):  # the schema checked (created if empty) first
        pass
    app = create_app(db, token=token, studies=studies)
    typer.echo(f"rebal web app on http://{host}:{port}/ (Ctrl-C to stop)")
    run(app, host=host, port=port)
