"""Shared fixtures: real SQLite files in tmp_path, an acting user, CLI runners; and
a tiny runner for `async def` (Pilot) tests, so no asyncio plugin is needed."""

from __future__ import annotations

import asyncio
import inspect
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tasktui import db as dbmod
from tasktui.services.context import Actor, acting_user


def require_or_skip(condition: object, reason: str) -> None:
    """Skip the calling test unless `condition` holds: for tests that need something
    outside Python (a browser, a PostgreSQL server, Alertmanager). Under CI (the `CI`
    environment variable set) a missing requirement fails the test instead, so CI can
    never pass by skipping what it was meant to run."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"required under CI, but missing: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run `async def` tests with `asyncio.run`, each in its own event loop."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    asyncio.run(pyfuncitem.obj(**{name: pyfuncitem.funcargs[name] for name in names}))
    return True


#: Test folders whose tests that use a database run on both backends.
BOTH_BACKENDS = (
    "tasks",
    "cli",
    "transfer",
    "events",
    "attributes",
    "audit",
    "runs",
    "email",
    "db",
    "intake",
    "channels",
)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test in one of BOTH_BACKENDS that uses `db_path` (directly or through
    `database`, `actor`, `cli`) runs on SQLite and on PostgreSQL, unless it is marked
    `sqlite_only` (it looks at the SQLite file itself)."""
    if "backend" not in metafunc.fixturenames or metafunc.definition.get_closest_marker("sqlite_only"):
        return
    opted_in = metafunc.definition.get_closest_marker("both_backends") is not None
    if "snap_compare" in metafunc.fixturenames:  # a screen looks the same on both
        return
    if inspect.iscoroutinefunction(metafunc.function) and not opted_in:
        return  # a Pilot test drives a screen: the services under it run on both already
    parts = Path(str(metafunc.definition.fspath)).relative_to(Path(__file__).parent).parts
    if opted_in or (parts[0] in BOTH_BACKENDS and parts[:2] != ("db", "sqlite")):
        metafunc.parametrize("backend", ["sqlite", "postgresql"])


@pytest.fixture(autouse=True)
def steady_cursors(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a snapshot, text fields and text areas show their cursor steadily: a blinking
    one would make the capture depend on when it is taken (a flake under load)."""
    if "snap_compare" not in request.fixturenames:
        return
    from textual.widgets import Input, TextArea

    def steady(widget: Input) -> None:
        widget._cursor_visible = True

    monkeypatch.setattr(Input, "_toggle_cursor", steady)
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda self: None)  # stays as focus set it


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: the test looks at the SQLite file, runs on SQLite only")
    config.addinivalue_line("markers", "both_backends: a test outside BOTH_BACKENDS that runs on both engines too")


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL server for this test process (see tests/db/postgres_server.py),
    with a migrated template database `tpl`."""
    from tests.db.postgres_server import PostgresServer, server_binaries

    binaries = server_binaries()
    require_or_skip(binaries is not None, "PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        require_or_skip(False, "psycopg is not installed (pip install 'tasktui[postgres]')")
    assert binaries is not None
    server = PostgresServer(binaries).start()
    try:
        template = server.create_database("tpl")
        dbmod.open_database(template)
        _release_connections()
        yield server
    finally:
        _release_connections()
        server.stop()


def _release_connections() -> None:
    """Close every connection of the bound database (a PostgreSQL pool keeps them)."""
    from tasktui.models import database_proxy

    db = database_proxy.obj
    if db is not None:
        if hasattr(db, "close_all"):
            db.close_all()
        elif not db.is_closed():
            db.close()


@pytest.fixture
def backend() -> str:
    """The database engine of a test: SQLite unless the test runs on both (above)."""
    return "sqlite"


@pytest.fixture
def db_path(tmp_path: Path, backend: str, request: pytest.FixtureRequest):
    """Where the test's new database is: a file path (not created yet) on SQLite, a
    postgresql:// URL of a new, migrated database on PostgreSQL."""
    if backend == "sqlite":
        yield tmp_path / "tasks.db"
        return
    server = request.getfixturevalue("postgres_server")
    url = server.new_database(template="tpl")
    yield url
    _release_connections()
    server.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


@pytest.fixture
def database(db_path):
    """An opened, migrated database bound to the models."""
    database = dbmod.open_database(db_path)
    yield database
    database.close()


@pytest.fixture
def actor(database) -> Actor:
    """The acting user `alice` (OS login `ops`)."""
    return acting_user("alice", "ops", register=True)


@dataclass
class CliResult:
    """What a command printed and returned."""

    exit_code: int
    stdout: str
    stderr: str


class Cli:
    """Runs `tasktui --db <db_path> --register ...` in-process (CliRunner) or as a real
    subprocess. `--register`: the acting users of the tests are registered on first
    use, which tasktui does only for the OS login or when asked."""

    def __init__(self, db_path: Path | str, user: str = "alice") -> None:
        self.db_path = db_path
        self.user = user

    def __call__(self, *args: str, input: str | None = None, user: str | None = None) -> CliResult:
        from tasktui.cli import app

        runner = CliRunner()
        result = runner.invoke(
            app,
            ["--db", str(self.db_path), "--register", "--user", user or self.user, *args],
            input=input,
            catch_exceptions=False,
        )
        return CliResult(result.exit_code, result.stdout, result.stderr)

    def run(self, *args: str, input: str | None = None, env: dict | None = None, timeout: float = 60) -> CliResult:
        """A real `python -m tasktui` subprocess."""
        full_env = {**os.environ, "TASKTUI_USER": self.user, **(env or {})}
        proc = subprocess.run(
            [sys.executable, "-m", "tasktui", "--db", str(self.db_path), "--register", *args],
            input=input,
            capture_output=True,
            text=True,
            env=full_env,
            timeout=timeout,
        )
        return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli(db_path: Path | str) -> Cli:
    """Run tasktui commands against the test database."""
    return Cli(db_path)
