"""The acting user: OS login by default, `--user` / `TASKTUI_USER` override; only the
OS login is registered on first use (another login with `register`); history records
the acting user and the OS login."""

from __future__ import annotations

import getpass
import json

import pytest

from tasktui import config
from tasktui.errors import Invalid
from tasktui.models import User
from tasktui.services.context import acting_user


def test_first_use_registers_the_user_once(database):
    assert not User.select().where(User.login == "erin").exists()
    first = acting_user("erin", "root", register=True)
    again = acting_user("erin", "someone")
    assert first.user_id == again.user_id and again.os_login == "someone"
    assert User.get(User.login == "erin").display_name == "erin"
    assert User.select().where(User.login == "erin").count() == 1


@pytest.mark.parametrize("login", ["", "  ", "two words", "tab\tbed", "x" * 65])
def test_bad_logins_are_invalid(database, login):
    with pytest.raises(Invalid):
        acting_user(login, "root")


def test_resolve_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.delenv("TASKTUI_USER", raising=False)
    monkeypatch.delenv("TASKTUI_DB", raising=False)
    monkeypatch.delenv("TASKTUI_LANG", raising=False)
    os_login = config.os_login()
    assert os_login == getpass.getuser()
    db = str(tmp_path / "t.db")
    assert config.resolve(db).login == os_login
    monkeypatch.setenv("TASKTUI_USER", "from_env")
    assert config.resolve(db).login == "from_env"
    settings = config.resolve(db, user="from_flag")
    assert (settings.login, settings.os_login) == ("from_flag", os_login)
    monkeypatch.setenv("TASKTUI_DB", str(tmp_path / "env.db"))
    assert config.resolve().db_path == tmp_path / "env.db"
    assert config.resolve(db).db_path == tmp_path / "t.db"


def test_config_file_is_read(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    for var in ("TASKTUI_USER", "TASKTUI_DB", "TASKTUI_LANG"):
        monkeypatch.delenv(var, raising=False)
    (tmp_path / "tasktui").mkdir()
    (tmp_path / "tasktui" / "config.toml").write_text(f'db = "{tmp_path}/f.db"\nuser = "filed"\nlang = "de"\n')
    s = config.resolve()
    assert (s.db_path, s.login, s.lang) == (tmp_path / "f.db", "filed", "de")
    (tmp_path / "tasktui" / "config.toml").write_text("db = [unclosed")
    with pytest.raises(Invalid, match="config.toml"):
        config.resolve()


def test_subprocess_history_has_acting_user_and_os_login(cli):
    """Real processes: without an override the OS login acts; TASKTUI_USER and --user
    override it (the `cli` fixture passes --register, which registers them)."""
    os_login = getpass.getuser()
    env_plain = {"TASKTUI_USER": ""}
    assert cli.run("event", "create", "stock_diff", "--name", "Stock", env=env_plain).exit_code == 0
    created = cli.run("raise", "stock_diff", "--title", "t", "--format", "ids", env=env_plain)
    assert created.exit_code == 0, created.stderr
    task_id = created.stdout.strip()
    done = cli.run("task", "done", task_id, env={"TASKTUI_USER": "nightly_bot"})
    assert done.exit_code == 0, done.stderr
    reopened = cli.run("--user", "frank", "task", "reopen", task_id, env={"TASKTUI_USER": "nightly_bot"})
    assert reopened.exit_code == 0, reopened.stderr
    shown = cli.run("task", "show", task_id, "--format", "json")
    history = [(h["action"], h["actor"], h["os_login"]) for h in json.loads(shown.stdout)["history"]]
    assert history == [
        ("created", os_login, os_login),
        ("done", "nightly_bot", os_login),
        ("reopened", "frank", os_login),
    ]
    users = json.loads(cli.run("user", "list", "--format", "json").stdout)
    assert {os_login, "nightly_bot", "frank", "alice"} <= {u["login"] for u in users}
