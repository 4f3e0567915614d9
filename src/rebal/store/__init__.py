"""The store: households, lots, transactions, prices, plans and what was done, in
SQLite (default) or PostgreSQL (``--db URL`` / ``REBAL_DB``). Tables: ``docs/store.md``.

Only this package imports SQLAlchemy and Alembic; the services use it, the CLI reaches
it only through them. Every write is one transaction: it happens wholly or not at all.

=====================  ===========================================================
module                 what
=====================  ===========================================================
``schema``             the tables (SQLAlchemy Core ``metadata``)
``engine``             URL (``--db``, ``$REBAL_DB``, platformdirs default), engine
                       (SQLite: WAL, foreign keys, ``BEGIN IMMEDIATE``), schema
                       version (Alembic: init, upgrade, status, newer refused)
``households``         households in and out of the tables (canonical file form),
                       lots, transactions, cash, drift checks, list with status
``plans``              stored plans and their status machine
``imports``            import bookkeeping (idempotency by file hash) and prices
=====================  ===========================================================

Usage::

    from rebal.store import Store
    store = Store.open(url)            # initialises an empty store
    with store.write() as conn:        # one transaction
        households.save_household(conn, household.to_dict())
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from rebal.store.errors import StoreError

if TYPE_CHECKING:
    import sqlalchemy as sa

    from rebal.store.engine import SchemaStatus

__all__ = ["Store", "StoreError"]


class Store:
    """An open store: its URL and engine, and transactions on it.

    Use :meth:`open` (checks the schema) rather than the constructor.
    """

    def __init__(self, url: str | None = None) -> None:
        from rebal.store.engine import make_engine, resolve_url

        self.url = resolve_url(url)
        self.engine: sa.Engine = make_engine(self.url)

    @classmethod
    def open(cls, url: str | None = None, *, create: bool = True) -> Store:
        """Open the store at ``url`` (``None``: ``$REBAL_DB`` or the default file).

        An empty store gets the schema when ``create``; an older schema must be
        upgraded (``rebal db upgrade``) and a newer one is refused, naming the versions.
        """
        from rebal.store.engine import require_current

        store = cls(url)
        require_current(store.engine, create=create)
        return store

    def status(self) -> SchemaStatus:
        """The schema's revision against this rebal's newest."""
        from rebal.store.engine import schema_status

        return schema_status(self.engine)

    @property
    def display_url(self) -> str:
        """The URL with any password masked."""
        from rebal.store.engine import mask_url

        return mask_url(self.url)

    @contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """One write transaction (SQLite: ``BEGIN IMMEDIATE``; waits up to 30 s for
        another writer, then fails with a clear message); rolled back on any error."""
        import sqlalchemy as sa

        try:
            with self.engine.begin() as conn:
                yield conn
        except sa.exc.OperationalError as exc:
            text = str(exc.orig)
            if "locked" in text or "busy" in text:
                raise StoreError(f"{self.display_url}: the store is busy (another rebal is "
                                 f"writing to it); try again") from None
            raise StoreError(f"{self.display_url}: {text}") from None

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        """A read-only connection (rolled back at the end)."""
        with self.engine.connect() as conn:
            yield conn

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
