"""Alembic environment of the store: runs on the connection rebal hands over
(``config.attributes["connection"]``); there is no alembic.ini."""

from __future__ import annotations

from alembic import context

from rebal.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - rebal always passes its connection
    raise RuntimeError("rebal's store migrations run through `rebal db upgrade`")
context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
