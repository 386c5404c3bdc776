"""`--db`, `TASKTUI_DB` and the config file take a database URL or a path: a plain
path and `sqlite:///path` / `sqlite:////abs/path` are SQLite files; an unknown scheme
is one line naming the known ones, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tasktui import config
from tasktui.db.url import DatabaseUrl, parse_database_url
from tasktui.errors import Invalid


def _tasktui(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tasktui", *args], capture_output=True, text=True, cwd=cwd, timeout=60,
        env={**os.environ, "TASKTUI_USER": "alice", **(env or {})},
    )  # fmt: skip


def test_a_plain_path_and_sqlite_urls_are_files(tmp_path):
    assert parse_database_url(str(tmp_path / "a.db")) == DatabaseUrl.for_file(tmp_path / "a.db")
    assert parse_database_url("sqlite:///rel/a.db").path == Path("rel/a.db")
    assert parse_database_url(f"sqlite:///{tmp_path}/a.db").path == tmp_path / "a.db"
    assert parse_database_url("SQLITE:////abs/a.db").path == Path("/abs/a.db")
    assert parse_database_url(tmp_path / "b.db").path == tmp_path / "b.db"
    assert str(parse_database_url("sqlite:////abs/a.db")) == "/abs/a.db"


def test_a_server_url_names_its_scheme_and_hides_the_password():
    url = parse_database_url("postgresql://ops:secret@db.example/tasks")
    assert (url.scheme, url.path, url.is_file) == ("postgresql", None, False)
    assert "secret" not in str(url) and str(url) == "postgresql://ops:***@db.example/tasks"
    with pytest.raises(Invalid, match="db backup works on an SQLite file"):
        url.file("db backup")


@pytest.mark.parametrize("text", ["sqlite://host/a.db", "sqlite://", "sqlite:///"])
def test_an_sqlite_url_without_a_file_is_invalid(text):
    with pytest.raises(Invalid, match="an SQLite URL names a file"):
        parse_database_url(text)


def test_settings_carry_the_location(tmp_path, monkeypatch):
    monkeypatch.setenv("TASKTUI_DB", f"sqlite:///{tmp_path}/env.db")
    settings = config.resolve()
    assert settings.db.path == tmp_path / "env.db" == settings.db_path
    with pytest.raises(
        Invalid,
        match=r"unknown database URL scheme 'mysql': use a file path or one of postgres://, postgresql://, sqlite://",
    ):
        config.resolve("mysql://localhost/tasks")


def test_sqlite_url_on_the_command_line_opens_the_file(tmp_path):
    proc = _tasktui("--db", "sqlite:///rel.db", "init", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "rel.db").is_file()
    assert [line for line in proc.stdout.splitlines() if line.startswith("database ready: rel.db (schema version ")]
    absolute = tmp_path / "abs.db"
    proc = _tasktui("init", cwd=tmp_path, env={"TASKTUI_DB": f"sqlite:///{absolute}"})
    assert proc.returncode == 0, proc.stderr
    assert absolute.is_file()


def test_an_unknown_scheme_is_one_line_and_exit_2(tmp_path):
    proc = _tasktui("--db", "mysql://localhost/tasks", "task", "list", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == (
        "tasktui: error: unknown database URL scheme 'mysql': use a file path or one of postgres://, postgresql://, sqlite://\n"
    )
    assert proc.stdout == "" and list(tmp_path.iterdir()) == []
