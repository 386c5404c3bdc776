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


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A path for a new database file (not created yet)."""
    return tmp_path / "tasks.db"


@pytest.fixture
def database(db_path: Path):
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

    def __init__(self, db_path: Path, user: str = "alice") -> None:
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
def cli(db_path: Path) -> Cli:
    """Run tasktui commands against the test database."""
    return Cli(db_path)
