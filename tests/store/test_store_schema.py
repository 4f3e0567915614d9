"""The store's schema: created by the migrations exactly as ``schema.py`` declares it,
versions reported, a newer store refused, SQLite's settings in force."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from rebal.store import Store, StoreError
from rebal.store.schema import metadata


def test_init_creates_every_declared_table_and_reports_the_version(store_url: str) -> None:
    store = Store(store_url)
    assert store.status().current is None
    status = Store.open(store_url).status()
    assert status.current == status.head == "0004"
    assert status.up_to_date and status.known
    tables = set(sa.inspect(store.engine).get_table_names())
    assert tables == set(metadata.tables) | {"alembic_version"}
    # the migration and the declared tables agree (no drift between them)
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
    store.close()


def test_a_newer_store_is_refused_naming_both_versions(store_url: str) -> None:
    Store.open(store_url).close()
    engine = sa.create_engine(store_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = :v"), {"v": "0099"})
    engine.dispose()
    with pytest.raises(StoreError, match=r"revision 0099, newer than this rebal knows "
                                         r"\(newest: 0004\)"):
        Store.open(store_url)


def test_an_uninitialised_store_is_not_created_by_read_commands(sqlite_url: str) -> None:
    with pytest.raises(StoreError, match="not initialised; run `rebal db init`"):
        Store.open(sqlite_url, create=False)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_url: str) -> None:
    store = Store.open(sqlite_url)
    with store.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    # a lot of an account that does not exist is refused by the foreign key
    from rebal.store import schema as t

    with pytest.raises(sa.exc.IntegrityError), store.engine.begin() as conn:
        conn.execute(t.lots.insert().values(account_id=999, lot_key="x", symbol="X",
                                            quantity=1.0, unknown_acquired=False, position=0))
    store.close()


def test_cli_db_commands(cli, tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    code, out, _ = cli("db", "status", "--db", db)
    assert code == 0 and "not initialised" in out
    code, out, _ = cli("db", "init", "--db", db)
    assert code == 0 and "0004 (this rebal: 0004); up to date" in out
    code, out, _ = cli("db", "upgrade", "--db", db, "--json")
    assert code == 0 and '"current": "0004"' in out


def test_cli_bad_url_is_one_line_exit_2(cli) -> None:
    code, _out, err = cli("db", "status", "--db", "nosuchdriver://x/y")
    assert code == 2 and "Traceback" not in err and err.count("\n") == 1


def test_rebal_db_env_variable_is_the_default(cli, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REBAL_DB", str(tmp_path / "env.db"))
    code, out, _ = cli("db", "init")
    assert code == 0 and str(tmp_path / "env.db") in out
    assert (tmp_path / "env.db").exists()


def test_default_url_is_in_the_user_data_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    from rebal.store.engine import resolve_url

    monkeypatch.delenv("REBAL_DB", raising=False)
    assert resolve_url(None) == "sqlite:///" + str(
        Path(platformdirs.user_data_dir("rebal")) / "rebal.db")


def test_upgrade_from_0001_keeps_alerts_and_adds_the_monitor_columns(store_url: str) -> None:
    """A store made by the first schema is upgraded in place (``rebal db upgrade``)."""
    import datetime as dt

    from alembic import command

    from rebal.store.engine import _alembic_config, upgrade_schema

    store = Store(store_url)
    with store.engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "0001")
        conn.execute(sa.text("INSERT INTO households (name, as_of, settings, created_at, "
                             "updated_at) VALUES ('h', '2025-06-30', '{}', :t, :t)"),
                     {"t": dt.datetime(2025, 6, 30)})
        conn.execute(sa.text("INSERT INTO alerts (household_id, created_at, kind, severity, "
                             "message) VALUES (1, :t, 'band_breach', 'action', 'old')"),
                     {"t": dt.datetime(2025, 6, 30)})
    assert store.status().current == "0001"
    assert upgrade_schema(store.engine).current == "0004"
    with store.engine.connect() as conn:
        row = conn.execute(sa.text("SELECT message, key, last_seen_at FROM alerts")).one()
        assert tuple(row) == ("old", "", None)
        assert conn.execute(sa.text("SELECT count(*) FROM monitor_state")).scalar() == 0
    store.close()


def test_no_sql_is_built_by_string_formatting() -> None:
    """Every statement of the store is SQLAlchemy Core or a constant string: no f-string,
    ``%`` or ``.format`` reaches ``execute``/``exec_driver_sql``/``text``."""
    import ast

    src = Path(__file__).resolve().parents[2] / "src" / "rebal"
    found = []
    for path in sorted([*src.joinpath("store").rglob("*.py"),
                        *src.joinpath("services").glob("*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name not in ("execute", "exec_driver_sql", "text", "executescript"):
                continue
            arg = node.args[0]
            formatted = isinstance(arg, ast.JoinedStr) or (
                isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Mod | ast.Add)) or (
                isinstance(arg, ast.Call) and getattr(arg.func, "attr", "") == "format")
            if formatted:
                found.append(f"{path.name}:{node.lineno}")
    assert found == []
    # the scan finds what it looks for (so that an empty list means something)
    probe = ast.parse('conn.execute(f"DELETE FROM x WHERE id={i}")')
    call = probe.body[0].value
    assert isinstance(call.args[0], ast.JoinedStr)
