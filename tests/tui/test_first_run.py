"""The first run: the TUI started on a database that does not exist yet creates it
whole, as `init` does (the acting user and the shipped event catalogue), and the
example command of its empty screen works as printed."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

from tasktui.tui.screens.tasks import EMPTY_TEXT, EXAMPLE_RAISE
from tests.tui.test_terminal_gone import _exit_code_within, _read_until, _start_tui


def test_the_tui_creates_the_database_with_the_catalogue_and_its_example_works(tmp_path: Path) -> None:
    db_path = tmp_path / "new.db"
    proc, master = _start_tui(db_path, controlling=False)
    try:
        _read_until(master, b"No tasks yet")
        os.write(master, b"q")
        assert _exit_code_within(proc, 10, master) == 0
    finally:
        os.close(master)
    assert EXAMPLE_RAISE in EMPTY_TEXT
    argv = shlex.split(EXAMPLE_RAISE)
    assert argv[0] == "tasktui"
    env = {**os.environ, "TASKTUI_USER": "alice"}
    raised = subprocess.run(
        [sys.executable, "-m", "tasktui", "--db", str(db_path), *argv[1:]],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert raised.returncode == 0, raised.stderr
    listed = subprocess.run(
        [sys.executable, "-m", "tasktui", "--db", str(db_path), "task", "list", "--format", "ids"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert listed.stdout.split() == ["1"], listed.stderr
