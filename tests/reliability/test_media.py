"""The database on troubled media: a full disk, a read-only mount, a file this user
may not read. Each gets one line naming the real cause and exit code 4; a read-only
mount still serves every reading command."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tasktui.errors import Unavailable
from tasktui.models import Task
from tests.conftest import Cli

#: Within the description limit (64 KiB), and with its text index far more than the
#: space left: varied words, so the trigram index holds many distinct entries.
BIG_DESCRIPTION = " ".join(f"w{i:05d}x{i * 7919 % 100000:05d}" for i in range(5000))[:65_000]


def _one_error_line(result, starts: str) -> None:
    assert result.exit_code == 4, (result.stdout, result.stderr)
    assert result.stderr.startswith(f"tasktui: error: {starts}"), result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr


def _listing(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def _make_database(cli: Cli) -> None:
    """A database with event `ev` and task 1 (with a comment), written by real processes."""
    assert cli.run("init").exit_code == 0
    assert cli.run("event", "create", "ev", "--name", "Ev", "--responsible-user", "alice").exit_code == 0
    assert cli.run("raise", "ev", "--title", "on the shelf").exit_code == 0
    assert cli.run("task", "comment", "1", "first look").exit_code == 0


# --------------------------------------------------------------------------- full disk


def test_a_write_on_a_full_disk_says_disk_full_not_cannot_rollback(tmpfs, tmp_path):
    """A real full file system (tmpfs): the write fails with "disk full", nothing is
    half written, reads still work, and once there is room again writes do too."""
    disk = tmpfs("2m")
    cli = Cli(disk.path / "tasks.db")
    _make_database(cli)
    filler = disk.fill(leave=96 * 1024)

    result = cli.run("raise", "ev", "--title", "too big", "--description", "-", input=BIG_DESCRIPTION)
    _one_error_line(result, f"disk full: cannot write the database {cli.db_path}")

    listed = cli.run("task", "list", "--status", "all", "--format", "json")
    assert listed.exit_code == 0, listed.stderr
    assert [t["title"] for t in json.loads(listed.stdout)] == ["on the shelf"]

    filler.unlink()
    assert cli.run("raise", "ev", "--title", "fits now").exit_code == 0
    check = cli.run("db", "check")
    assert check.exit_code == 0, check.stderr


def test_a_full_database_through_max_page_count_is_disk_full(database, actor):
    """SQLITE_FULL through the real write path without a small file system: SQLite
    refuses to grow the file past `max_page_count`, as on a full disk."""
    from tasktui.services.events.definitions import create_event
    from tasktui.services.tasks.raising import raise_task

    create_event("ev", "Ev", None, None, "alice", None, None, "en")
    pages = database.execute_sql("PRAGMA page_count").fetchone()[0]
    database.execute_sql(f"PRAGMA max_page_count = {pages + 2:d}")
    with pytest.raises(Unavailable, match="^disk full: cannot write the database .*tasks.db") as err:
        raise_task(actor, "ev", "too big", description=BIG_DESCRIPTION)
    assert err.value.exit_code == 4
    assert Task.select().count() == 0
    raise_task(actor, "ev", "small")  # the connection is still usable
    assert Task.select().count() == 1


# --------------------------------------------------------------------------- read-only mount

READING = [
    ("task", "list", "--status", "all", "--format", "json"),
    ("task", "show", "1"),
    ("event", "list"),
    ("db", "check"),
    ("--user", "bob", "task", "list"),  # bob was never registered: nothing to write for him
]
WRITING = [
    ("raise", "ev", "--title", "new"),
    ("task", "done", "1"),
    ("task", "comment", "1", "second look"),
    ("event", "create", "ev2", "--name", "Ev 2", "--responsible-user", "alice"),
]


def _check_read_only_mount(cli: Cli, tmp_path: Path, titles: list[str]) -> None:
    before = _listing(cli.db_path.parent)
    for args in READING:
        result = cli.run(*args)
        assert result.exit_code == 0, (args, result.stderr)
        assert result.stderr == "", (args, result.stderr)
    assert "on the shelf" in cli.run("task", "show", "1").stdout
    assert cli.run("db", "check").stdout.splitlines()[0] == "integrity: ok"

    exported = tmp_path / "out.json"
    assert cli.run("export", str(exported), "--status", "all").exit_code == 0
    assert sorted(t["title"] for t in json.loads(exported.read_text())) == titles
    copy = tmp_path / "copy.db"
    assert cli.run("db", "backup", str(copy)).exit_code == 0
    assert Cli(copy).run("db", "check").exit_code == 0

    for args in WRITING:
        _one_error_line(cli.run(*args), f"read-only: {cli.db_path} is on a read-only file system")
    assert _listing(cli.db_path.parent) == before


def test_a_read_only_mount_serves_reading_commands_and_refuses_writes(tmpfs, tmp_path):
    disk = tmpfs("4m")
    cli = Cli(disk.path / "tasks.db")
    _make_database(cli)
    assert sorted(p.name for p in disk.path.iterdir()) == ["tasks.db"]  # closed cleanly: no -wal
    disk.remount_read_only()
    _check_read_only_mount(cli, tmp_path, ["on the shelf"])
    migrate = Cli(disk.path / "new.db").run("init")
    _one_error_line(migrate, f"read-only: cannot create database {disk.path / 'new.db'}")


def test_a_writable_file_in_a_read_only_directory_is_read_and_writes_say_why_not(tmpfs, tmp_path):
    """A writer creates the -wal and -shm next to the file, which a read-only directory
    forbids even when the file itself is writable (a bind-mounted file): reading
    commands work, writes name the directory (not "unable to open database file")."""
    data, shelf = tmpfs("4m"), tmpfs("1m")
    cli = Cli(data.path / "tasks.db")
    _make_database(cli)
    target = shelf.path / "tasks.db"
    target.touch()
    shelf.remount_read_only()
    bound = subprocess.run(["mount", "--bind", str(cli.db_path), str(target)], capture_output=True, text=True)
    if bound.returncode != 0:
        pytest.skip(f"cannot bind-mount a file here: {bound.stderr.strip()}")
    try:
        assert os.access(target, os.W_OK) and not os.access(shelf.path, os.W_OK)
        on_shelf = Cli(target)
        for args in READING:
            result = on_shelf.run(*args)
            assert result.exit_code == 0 and result.stderr == "", (args, result.stderr)
        for args in WRITING:
            _one_error_line(on_shelf.run(*args), f"read-only: {target} is in a directory that cannot be written")
        assert sorted(p.name for p in shelf.path.iterdir()) == ["tasks.db"]
    finally:
        subprocess.run(["umount", str(target)], capture_output=True)


CRASHING_WRITER = """
import os, sys
from tasktui.db import open_database
from tasktui.services.context import acting_user
from tasktui.services.tasks.raising import raise_task
open_database(sys.argv[1])
raise_task(acting_user("alice", "ops"), "ev", "in the wal only")
print("raised", flush=True)
sys.stdin.read()
"""


def test_a_read_only_mount_with_the_wal_of_a_crashed_writer_is_read_whole(tmpfs, tmp_path):
    """A writer died, leaving -wal/-shm, then the disk was mounted read-only: reads see
    the committed task that is only in the -wal; writes are refused."""
    disk = tmpfs("4m")
    cli = Cli(disk.path / "tasks.db")
    _make_database(cli)
    writer = subprocess.Popen(
        [sys.executable, "-c", CRASHING_WRITER, str(cli.db_path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True, env={**os.environ},
    )  # fmt: skip
    assert writer.stdout.readline() == "raised\n"
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    writer.stdin.close()
    writer.stdout.close()
    assert Path(f"{cli.db_path}-wal").stat().st_size > 0
    disk.remount_read_only()
    _check_read_only_mount(cli, tmp_path, ["in the wal only", "on the shelf"])


# --------------------------------------------------------------------------- unreadable file


def _without_root_file_access() -> None:
    """preexec_fn: drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the bounding set,
    so the root process exec'd next obeys file modes like any user (the interpreter
    lives under /root, which another user could not even run)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@pytest.mark.parametrize("how", ["file mode 0600 of another user", "directory without search permission"])
def test_an_unreadable_database_is_one_line_exit_4(how):
    """As root the file belongs to `nobody` and the process runs without the
    capabilities that bypass file modes; as another user the file is mode 000."""
    root = os.geteuid() == 0
    if root:
        try:
            subprocess.run([sys.executable, "-c", "pass"], preexec_fn=_without_root_file_access, check=True, timeout=60)
        except (OSError, subprocess.SubprocessError) as e:
            pytest.skip(f"root cannot drop CAP_DAC_OVERRIDE here (prctl PR_CAPBSET_DROP needs CAP_SETPCAP): {e}")
    place = Path(tempfile.mkdtemp(prefix="tasktui-unreadable-"))
    try:
        home = place / "home"
        home.mkdir()
        data = place / "data"
        data.mkdir()
        cli = Cli(data / "tasks.db")
        assert cli.run("init").exit_code == 0
        locked = cli.db_path if how.startswith("file") else data
        if root:
            for path in (data, *data.iterdir()):
                os.chown(path, 65534, 65534)
            locked.chmod(0o600 if locked.is_file() else 0o700)
        else:
            locked.chmod(0o000)
        env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home), "XDG_DATA_HOME": str(home),
               "TASKTUI_USER": "alice"}  # fmt: skip
        for args in (("task", "list"), ("raise", "ev", "--title", "x"), ("db", "check"), ("db", "migrate")):
            proc = subprocess.run(
                [sys.executable, "-m", "tasktui", "--db", str(cli.db_path), *args], capture_output=True, text=True,
                env=env, preexec_fn=_without_root_file_access if root else None, timeout=60,
            )  # fmt: skip
            assert proc.returncode == 4, (args, proc.returncode, proc.stderr)
            assert proc.stderr == f"tasktui: error: cannot read database {cli.db_path}: Permission denied\n", args
    finally:
        for path in (place, place / "data", place / "data" / "tasks.db"):
            if path.exists():
                path.chmod(0o700)
        shutil.rmtree(place, ignore_errors=True)
