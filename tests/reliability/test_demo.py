"""`tasktui demo` is all or nothing and shows its progress on a terminal; real
subprocesses on a real SQLite file (failures injected with SQLite triggers)."""

from __future__ import annotations

import os
import pty
import sqlite3
import subprocess
import sys

import pytest

from tests.reliability.helpers import dump_tables


def test_a_demo_of_one_task(cli, db_path):
    result = cli.run("demo", "-n", "1")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "demo data loaded: 1 task, 10 events, 8 users, 4 groups"
    assert result.stderr == ""  # not a terminal: no progress bar
    con = sqlite3.connect(db_path)
    try:
        assert con.execute("SELECT count(*) FROM task").fetchone() == (1,)
    finally:
        con.close()


@pytest.mark.parametrize(
    ("table", "when"),
    [
        pytest.param("task", "(SELECT count(*) FROM task) >= 5", id="at-the-sixth-task"),
        pytest.param("task_dependency", "1", id="at-the-last-step"),
    ],
)
def test_a_demo_that_fails_leaves_nothing_behind(cli, actor, db_path, table, when):
    """The write fails half-way (a trigger stands in for a full disk): nothing of the
    demo is left, not the people nor the events; once the cause is gone it loads whole."""
    con = sqlite3.connect(db_path)
    con.execute(
        f"CREATE TRIGGER fail_demo BEFORE INSERT ON {table} WHEN {when} "
        "BEGIN SELECT RAISE(ABORT, 'disk quota exceeded'); END"
    )
    con.commit()
    con.close()
    before = dump_tables(db_path)
    result = cli.run("demo", "-n", "20")
    assert result.exit_code == 4, result.stderr
    assert "disk quota exceeded" in result.stderr and result.stderr.count("\n") == 1
    assert result.stdout == ""
    assert dump_tables(db_path) == before
    con = sqlite3.connect(db_path)
    con.execute("DROP TRIGGER fail_demo")
    con.commit()
    con.close()
    result = cli.run("demo", "-n", "20")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("demo data loaded: 20 tasks, 10 events, 8 users, 4 groups")


def test_the_demo_shows_a_progress_bar_on_a_terminal(db_path):
    """With stderr on a terminal (a pseudo-terminal here) a bar counts the tasks."""
    controller, terminal = pty.openpty()
    env = {**os.environ, "TASKTUI_USER": "alice", "TERM": "xterm-256color", "COLUMNS": "100"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tasktui", "--db", str(db_path), "--register", "demo", "-n", "40"],
        stdout=subprocess.PIPE,
        stderr=terminal,
        env=env,
    )
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closed: the process is done with it
            break
        if not chunk:
            break
        shown += chunk
    os.close(controller)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0
    assert out.decode().startswith("demo data loaded: 40 tasks")
    assert b"demo" in shown and b"/41" in shown, shown[-500:]
