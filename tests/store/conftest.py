"""Fixtures of the store tests: a fresh store per test on SQLite and on a real
PostgreSQL server the session starts itself (initdb + pg_ctl on a temporary
directory, loopback port), stopped at the end.

The PostgreSQL runs are skipped only when the server binaries are absent, with
how to get them; any other failure to start the server fails the tests.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from store_helpers import EXAMPLES  # noqa: F401  (kept for tests that import it from here)

from rebal.cli.main import main

HOW_TO_GET_POSTGRES = (
    "PostgreSQL server binaries (initdb, pg_ctl) not found: install them "
    "(Debian/Ubuntu: apt-get install -y postgresql; .ci/run does) to run the store's "
    "tests against PostgreSQL too"
)


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    return shutil.which(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """A throwaway PostgreSQL cluster (trust auth on 127.0.0.1 only)."""

    def __init__(self) -> None:
        initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        if initdb is None or pg_ctl is None:
            pytest.skip(HOW_TO_GET_POSTGRES)
        self.pg_ctl = pg_ctl
        self.dir = Path(tempfile.mkdtemp(prefix="rebal-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        # initdb refuses to run as root: run the server as the postgres user then
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            if runuser is None:
                pytest.skip("running as root without runuser: cannot start PostgreSQL")
            self.prefix = [runuser, "-u", "postgres", "--"]
            shutil.chown(self.dir, user="postgres")
        self._run([initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres",
                   "--no-sync", "-E", "UTF8"])
        opts = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        self._run([pg_ctl, "-D", str(self.data), "-o", opts, "-l", str(self.dir / "log"),
                   "-w", "-t", "60", "start"])
        self._created = False

    def _run(self, cmd: list[str]) -> None:
        done = subprocess.run([*self.prefix, *cmd], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = self.dir / "log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(cmd)} failed: {done.stderr}{done.stdout}{tail}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A store with nothing in it: the session's one database, its schema emptied
        (cheaper than a database per test, whose files take long to delete)."""
        import sqlalchemy as sa

        url = self.url("rebal_test")
        if not self._created:
            engine = sa.create_engine(self.url(), isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.exec_driver_sql('CREATE DATABASE "rebal_test"')
            engine.dispose()
            self._created = True
        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            # end the previous tests' pooled sessions, then empty the schema
            conn.exec_driver_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 "WHERE datname = 'rebal_test' AND pid <> pg_backend_pid()")
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        engine.dispose()
        return url

    def stop(self) -> None:
        try:
            self._run([self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop"])
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the session."""
    server = PostgresServer()
    time.sleep(0)  # started with -w: ready when pg_ctl returns
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty store: a SQLite file, or a new database on the session's server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.new_database()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"


Runner = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Runner:
    """``cli("household", "list")`` → ``(exit status, stdout, stderr)``."""

    def run(*argv: str) -> tuple[int, str, str]:
        try:
            main(list(argv))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run
