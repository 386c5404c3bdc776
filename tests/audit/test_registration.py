"""Who may act (point 9): only the OS login is registered on first use, and `init`
registers the acting user it runs as; any other unknown `--user` / `TASKTUI_USER` is
exit 3 naming `tasktui user add` unless `--register` is given — a typo or a
look-alike login (`аnna`, Cyrillic а) never creates a user. Assignees follow suit."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tasktui.cli import app


@pytest.fixture
def run(db_path: Path, tmp_path: Path, monkeypatch):
    """`tasktui --db DB ARGS...` in-process, without the fixture's --register."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("TASKTUI_USER", raising=False)

    def invoke(*args: str, env: dict[str, str] | None = None):
        return CliRunner().invoke(app, ["--db", str(db_path), *args], env=env, catch_exceptions=False)

    return invoke


def logins(run) -> list[str]:
    result = run("user", "list", "--format", "json")
    assert result.exit_code == 0, result.stderr
    return sorted(u["login"] for u in json.loads(result.stdout))


def test_init_registers_the_acting_user_and_an_unknown_user_is_exit_3(run):
    assert run("--user", "alice", "init").exit_code == 0
    assert "alice" in logins(run)
    typo = run("--user", "alcie", "event", "list")
    assert typo.exit_code == 3
    assert typo.stderr == (
        "tasktui: error: unknown user 'alcie': add it with 'tasktui user add alcie' or pass --register\n"
    )
    env = run("event", "list", env={"TASKTUI_USER": "nightly_bot"})
    assert env.exit_code == 3 and "'tasktui user add nightly_bot'" in env.stderr
    assert "alcie" not in logins(run) and "nightly_bot" not in logins(run)


def test_a_look_alike_login_is_shown_escaped_and_not_created(run):
    run("--user", "anna", "init")
    look_alike = "\u0430nna"  # Cyrillic а
    result = run("--user", look_alike, "task", "list")
    assert result.exit_code == 3
    assert result.stderr.count("\n") == 1
    assert "unknown user '\\u0430nna'" in result.stderr and look_alike not in result.stderr
    assert "tasktui user add $'\\u0430nna'" in result.stderr and "--register" in result.stderr
    assert logins(run) == sorted({"anna", getpass.getuser()})


def test_register_option_registers_and_audits_it(run):
    run("init")
    assert run("--user", "nightly_bot", "--register", "event", "list").exit_code == 0
    assert run("--user", "nightly_bot", "event", "list").exit_code == 0  # known now
    audit = json.loads(run("audit", "--entity", "user", "--format", "json").stdout)
    assert (audit[0]["key"], audit[0]["action"], audit[0]["actor"], audit[0]["new"]) == (
        "nightly_bot",
        "register",
        "nightly_bot",
        "--register",
    )
    assert audit[0]["os_login"] == getpass.getuser()


def test_the_os_login_is_registered_on_first_use(run):
    os_login = getpass.getuser()
    result = run("event", "list")  # a database that init never saw
    assert result.exit_code == 0, result.stderr
    assert logins(run) == [os_login]
    audit = json.loads(run("audit", "--format", "json").stdout)
    assert [(a["key"], a["action"], a["new"]) for a in audit] == [(os_login, "register", "first use")]


def test_the_tui_follows_the_same_rule(run, monkeypatch):
    """`tasktui --user ghost` with no command would start the TUI: it stops first
    (in a terminal: the runner has none, which the TUI would say first)."""
    from tasktui.cli import tui_command

    monkeypatch.setattr(tui_command, "check_terminal", lambda: None)
    run("init")
    result = run("--user", "ghost")
    assert result.exit_code == 3 and "unknown user 'ghost'" in result.stderr
    assert "ghost" not in logins(run)


def test_an_unknown_assignee_is_exit_3_naming_user_add(run):
    run("init")
    run("event", "create", "job_failed", "--name", "Job failed")
    raised = run("raise", "job_failed", "--title", "x", "--assignee", "bobb")
    assert raised.exit_code == 3
    assert raised.stderr == "tasktui: error: unknown user 'bobb': add it with 'tasktui user add bobb'\n"
    task = run("raise", "job_failed", "--title", "y", "--format", "ids").stdout.strip()
    assigned = run("task", "assign", task, "--to", "bobb")
    assert assigned.exit_code == 3 and "'tasktui user add bobb'" in assigned.stderr
    assert "bobb" not in logins(run)


def test_an_unknown_login_never_reaches_the_terminal_raw(run):
    """An assignee is not checked like a login: a control sequence in it is escaped."""
    run("init")
    run("event", "create", "job_failed", "--name", "Job failed")
    result = run("raise", "job_failed", "--title", "x", "--assignee", "bob\x1b[31m")
    assert result.exit_code == 3
    assert "\x1b" not in result.stderr and "unknown user 'bob\\x1b[31m'" in result.stderr
    assert "tasktui user add $'bob\\x1b[31m'" in result.stderr
