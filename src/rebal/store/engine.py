"""Opening a store: its URL, the engine, and the schema version (Alembic).

The URL is ``--db`` if given, else ``$REBAL_DB``, else a SQLite file in the user's
data directory (``platformdirs.user_data_dir("rebal")/rebal.db``). A plain path
means a SQLite file. SQLite runs in WAL mode with foreign keys on and a 30 s busy
timeout; every write transaction starts with ``BEGIN IMMEDIATE`` so two writers
queue instead of failing half-way.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from rebal.store.errors import StoreError

__all__ = [
    "BUSY_TIMEOUT_S",
    "SchemaStatus",
    "default_url",
    "init_schema",
    "make_engine",
    "mask_url",
    "resolve_url",
    "schema_status",
    "upgrade_schema",
]

BUSY_TIMEOUT_S = 30.0
"""How long a SQLite writer waits for another writer to finish, seconds."""

_MIGRATIONS = "rebal.store:migrations"


def default_url() -> str:
    """The default store: ``sqlite:///<user data dir>/rebal/rebal.db``."""
    import platformdirs

    return "sqlite:///" + str(Path(platformdirs.user_data_dir("rebal")) / "rebal.db")


def resolve_url(url: str | None = None) -> str:
    """``url``, else ``$REBAL_DB``, else :func:`default_url`; a plain path is a SQLite file."""
    chosen = url or os.environ.get("REBAL_DB") or default_url()
    if "://" not in chosen:
        chosen = "sqlite:///" + str(Path(chosen).expanduser().resolve())
    return chosen


def mask_url(url: str) -> str:
    """The URL with any password replaced by ``***`` (for messages)."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL we can parse: show it as given
        return url


def make_engine(url: str) -> sa.Engine:
    """An engine for ``url`` (see the module docstring for SQLite's settings).

    Raises
    ------
    StoreError
        When the URL is malformed, names an unknown driver, or the SQLite
        file's directory cannot be created.
    """
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        raise StoreError(f"--db/REBAL_DB: not a database URL: {url!r}") from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            try:
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"{database}: cannot create the store's directory: "
                                 f"{exc.strerror or exc}") from None
        try:
            engine = sa.create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_S})
        except Exception as exc:
            raise StoreError(f"{mask_url(url)}: {exc}") from None
        _sqlite_settings(engine)
        return engine
    try:
        return sa.create_engine(parsed, pool_pre_ping=True)
    except Exception as exc:  # unknown dialect or missing driver
        raise StoreError(f"{mask_url(url)}: cannot open the store: {exc}") from None


def _sqlite_settings(engine: sa.Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # let SQLAlchemy, not the driver, begin transactions (so BEGIN IMMEDIATE works)
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")  # = BUSY_TIMEOUT_S; no SQL is formatted
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


# -- schema version ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    """Where a store's schema stands.

    Attributes
    ----------
    url
        The store (password masked).
    current
        The store's Alembic revision (``None``: not initialised).
    head
        The newest revision this rebal knows.
    known
        ``False`` when ``current`` is a revision this rebal does not know (a newer rebal
        wrote the store).
    """

    url: str
    current: str | None
    head: str
    known: bool

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "current": self.current, "head": self.head,
                "known": self.known, "up_to_date": self.up_to_date}


def _alembic_config(conn: sa.Connection | None = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", _MIGRATIONS)
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


def _script() -> Any:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config())


def _current_revision(engine: sa.Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except sa.exc.OperationalError as exc:
        raise StoreError(f"{mask_url(str(engine.url))}: cannot open the store: "
                         f"{exc.orig}") from None


def schema_status(engine: sa.Engine) -> SchemaStatus:
    """The store's revision against this rebal's newest."""
    script = _script()
    head = script.get_current_head()
    current = _current_revision(engine)
    known = current is None or current in {r.revision for r in script.walk_revisions()}
    return SchemaStatus(url=mask_url(str(engine.url)), current=current, head=head, known=known)


def _refuse_newer(status: SchemaStatus) -> None:
    if not status.known:
        raise StoreError(
            f"{status.url}: the store's schema is at revision {status.current}, newer than this "
            f"rebal knows (newest: {status.head}); upgrade rebal to use this store"
        )


def upgrade_schema(engine: sa.Engine) -> SchemaStatus:
    """Bring the schema to the newest revision (creating it in an empty store)."""
    from alembic import command

    status = schema_status(engine)
    _refuse_newer(status)
    if not status.up_to_date:
        with engine.begin() as conn:
            command.upgrade(_alembic_config(conn), "head")
    return schema_status(engine)


def init_schema(engine: sa.Engine) -> SchemaStatus:
    """Create the schema in an empty store; an initialised store is left as it is
    (refused if newer than this rebal)."""
    return upgrade_schema(engine)


def require_current(engine: sa.Engine, *, create: bool = True) -> SchemaStatus:
    """Check the store can be used: an empty store is initialised when ``create``;
    an older schema must be upgraded first (``rebal db upgrade``); a newer one is refused."""
    status = schema_status(engine)
    _refuse_newer(status)
    if status.current is None:
        if not create:
            raise StoreError(f"{status.url}: the store is not initialised; run `rebal db init`")
        return upgrade_schema(engine)
    if not status.up_to_date:
        raise StoreError(
            f"{status.url}: the store's schema is at revision {status.current}, older than this "
            f"rebal's {status.head}; run `rebal db upgrade` (back the file up first)"
        )
    return status
