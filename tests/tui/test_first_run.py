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


def test_without_a_terminal_the_tui_is_one_error_line_and_creates_nothing(tmp_path: Path) -> None:
    """From cron, a pipe or `< /dev/null` the app would end at once with a traceback:
    one line says what to do instead, exit 2, and no database is created."""
    db_path = tmp_path / "new.db"
    env = {**os.environ, "TASKTUI_USER": "alice"}
    env.pop("TEXTUAL_DRIVER", None)
    master, slave = os.openpty()
    try:
        for stdin, stderr, name in ((subprocess.DEVNULL, slave, "stdin"), (slave, subprocess.PIPE, "stderr")):
            result = subprocess.run(
                [sys.executable, "-m", "tasktui", "--db", str(db_path)],
                stdin=stdin,
                stdout=subprocess.PIPE,
                stderr=stderr,
                env=env,
                timeout=60,
            )
            assert result.returncode == 2, name
            if stderr is subprocess.PIPE:
                assert result.stderr.decode().splitlines() == [
                    "tasktui: error: the TUI needs a terminal and stderr is not one: run it in a terminal, "
                    "or give a command (e.g. 'tasktui task list'; see 'tasktui --help')"
                ]
            assert result.stdout == b""
        os.set_blocking(master, False)
        drawn = os.read(master, 65536).decode()
        assert "the TUI needs a terminal and stdin is not one" in drawn and "Traceback" not in drawn
        assert "\x1b[?1049h" not in drawn  # the screen was never switched
    finally:
        os.close(master)
        os.close(slave)
    assert not db_path.exists()
