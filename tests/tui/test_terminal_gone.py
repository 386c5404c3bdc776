"""The TUI in a real pseudo-terminal: when its terminal goes away (the pty is closed,
SIGHUP arrives, or SIGHUP is ignored as under `nohup`), the process ends within a
second or two instead of polling a dead terminal for ever; after a crash it exits
non-zero."""

from __future__ import annotations

import fcntl
import os
import select
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from tasktui.tui.terminal_driver import HANGUP_EXIT_CODE, TERMINAL_LOST_EXIT_CODE

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux terminal driver")


def _start_tui(db_path: Path, *, controlling: bool, ignore_hangup: bool = False) -> tuple[subprocess.Popen, int]:
    """`python -m tasktui` on a new pty (80x24), as a terminal would start it."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, b"\x18\x00\x50\x00\x00\x00\x00\x00")  # 24 rows, 80 columns

    def child_setup() -> None:
        if ignore_hangup:
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
        if controlling:
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    env = {**os.environ, "TERM": "xterm-256color", "TASKTUI_USER": "alice", "COLUMNS": "80", "LINES": "24"}
    env.pop("TEXTUAL_DRIVER", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tasktui", "--db", str(db_path)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
        preexec_fn=child_setup,
        close_fds=True,
    )
    os.close(slave)
    return proc, master


def _read_until(master: int, needle: bytes, timeout: float = 30) -> bytes:
    """What the app drew, until `needle` shows up (the first screen is up)."""
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                seen += os.read(master, 65536)
            except OSError:
                break
    assert needle in seen, f"the TUI did not draw {needle!r}: {seen[-400:]!r}"
    return seen


def _drain(master: int, seconds: float) -> None:
    """Keep reading the terminal (so the app's writes never block) for a while."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                os.read(master, 65536)
            except OSError:
                return


def _exit_code_within(proc: subprocess.Popen, seconds: float, master: int | None = None) -> int:
    """The exit code, if the process ends within `seconds`. With the terminal still open
    (`master`), what the app writes is read meanwhile, as a terminal would: an unread
    pty fills up and the app's last writes (restoring the screen) would block its exit."""
    if master is not None:
        started = time.monotonic()
        while proc.poll() is None and time.monotonic() - started < seconds:
            _drain(master, 0.2)
    try:
        return proc.wait(timeout=0 if master is not None else seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail(f"the TUI was still running {seconds} s after it was told to end")


@pytest.fixture
def initialised_db(cli, db_path: Path) -> Path:
    assert cli("init").exit_code == 0
    return db_path


@pytest.mark.parametrize("controlling", [False, True], ids=["plain-pty", "controlling-tty"])
def test_closing_the_terminal_ends_the_tui(initialised_db: Path, controlling: bool) -> None:
    proc, master = _start_tui(initialised_db, controlling=controlling)
    _read_until(master, b"Quit")
    os.close(master)  # the terminal is gone: a killed tmux pane, a dropped SSH connection
    code = _exit_code_within(proc, 5)
    assert code in (TERMINAL_LOST_EXIT_CODE, HANGUP_EXIT_CODE)


def test_the_tui_ends_when_sighup_was_ignored_as_under_nohup(initialised_db: Path) -> None:
    proc, master = _start_tui(initialised_db, controlling=True, ignore_hangup=True)
    _read_until(master, b"Quit")
    os.close(master)
    assert _exit_code_within(proc, 5) in (TERMINAL_LOST_EXIT_CODE, HANGUP_EXIT_CODE)


def test_sighup_ends_the_tui_with_exit_code_129(initialised_db: Path) -> None:
    proc, master = _start_tui(initialised_db, controlling=False)
    try:
        _read_until(master, b"Quit")
        proc.send_signal(signal.SIGHUP)
        assert _exit_code_within(proc, 5, master) == HANGUP_EXIT_CODE == 129
    finally:
        os.close(master)


def test_quitting_normally_exits_0(initialised_db: Path) -> None:
    proc, master = _start_tui(initialised_db, controlling=False)
    try:
        _read_until(master, b"Quit")
        os.write(master, b"q")
        assert _exit_code_within(proc, 5, master) == 0
    finally:
        os.close(master)


CRASHING_TUI = """
import sys
import tasktui.tui.app as app_module

def crash(self):
    raise RuntimeError("a bug in a screen")

app_module.TaskTuiApp.on_mount = crash
sys.argv = ["tasktui", "--db", sys.argv[1]]
from tasktui.cli import main
main()
"""


def test_a_crash_in_the_tui_exits_non_zero(initialised_db: Path) -> None:
    master, slave = os.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "TASKTUI_USER": "alice"}
    env.pop("TEXTUAL_DRIVER", None)
    proc = subprocess.Popen(
        [sys.executable, "-c", CRASHING_TUI, str(initialised_db)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
        close_fds=True,
    )
    os.close(slave)
    try:
        assert _exit_code_within(proc, 20, master) == 1
    finally:
        os.close(master)
