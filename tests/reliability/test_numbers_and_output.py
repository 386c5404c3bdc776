"""Exit codes 0-4, never 70: ids are ASCII digits within SQLite's 64-bit range
everywhere (arguments, options, stdin lists), every integer option has bounds, and
output that finds the disk full is one "disk full: ..." line with exit code 4.
Real processes for exit codes, stdin and /dev/full."""

from __future__ import annotations

import json
import os
import resource
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tasktui.cli.state import parse_id
from tasktui.errors import Invalid
from tasktui.limits import MAX_INTEGER
from tests.reliability.helpers import dump_tables

TASKTUI = [sys.executable, "-m", "tasktui"]
HUGE = "99999999999999999999999"


@pytest.fixture
def ready(cli):
    """The event `plain` and three open tasks (ids 1, 2, 3)."""
    assert cli("event", "create", "plain", "--name", "Plain", "--responsible-user", "alice").exit_code == 0
    for i in range(3):
        assert cli("raise", "plain", "--title", f"task {i + 1}").exit_code == 0
    return cli


def _one_line(result, code: int, text: str = "") -> None:
    assert result.exit_code == code, (result.exit_code, result.stderr)
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("tasktui: error: "), result.stderr
    assert text in result.stderr, result.stderr


BAD_IDS = ["²", "٣", "３", HUGE, str(MAX_INTEGER + 1), "1e3", "0x10", "1.0", "#"]
ID_COMMANDS = {
    "show": lambda word: ["task", "show", word],
    "done": lambda word: ["task", "done", word],
    "comment": lambda word: ["task", "comment", word, "hello"],
    "depend on": lambda word: ["task", "depend", "1", "--on", word],
    "depend": lambda word: ["task", "depend", word, "--on", "1"],
    "set-attr": lambda word: ["task", "set-attr", word, "a=1"],
    "outbox": lambda word: ["email", "outbox", "--task", word],
    "retry": lambda word: ["email", "retry", word],
}


@pytest.mark.parametrize("command", list(ID_COMMANDS))
def test_an_id_that_is_not_ascii_digits_within_64_bits_is_a_usage_error(ready, db_path, command):
    before = dump_tables(db_path)
    for word in BAD_IDS:
        _one_line(
            ready(*ID_COMMANDS[command](word)), 2, "too large" if word.isascii() and word.isdigit() else "not a number"
        )
        assert dump_tables(db_path) == before, word


def test_ids_on_stdin_are_ascii_digits_only(ready, db_path):
    before = dump_tables(db_path)
    for text in ["1\n٣\n", f"2\n{HUGE}\n", "²\n"]:
        _one_line(ready.run("task", "done", "-", input=text), 2, "task id")
    assert dump_tables(db_path) == before  # '٣' was taken as task 3 before
    done = ready.run("task", "done", "-", input="#1\n\n 2 \n")
    assert done.exit_code == 0, done.stderr
    statuses = [t["status"] for t in json.loads(ready("task", "list", "-s", "all", "-f", "json", "--asc").stdout)]
    assert statuses == ["done", "done", "open"]


def test_invalid_utf8_on_stdin_is_a_usage_error(ready, db_path):
    env = {**os.environ, "TASKTUI_USER": "alice"}
    before = dump_tables(db_path)
    for args in (["task", "done", "-"], ["raise", "plain", "-t", "x", "-d", "-"], ["raise", "--batch"]):
        proc = subprocess.run(
            [*TASKTUI, "--db", str(db_path), *args], input=b"1\xff\n", capture_output=True, env=env, timeout=30
        )
        assert proc.returncode == 2 and proc.stderr.decode().count("\n") == 1, proc.stderr
        assert b"not valid UTF-8" in proc.stderr
    assert dump_tables(db_path) == before


@pytest.mark.parametrize(
    "args", [["task", "done", "-"], ["task", "done"], ["raise", "plain", "-t", "x", "-d", "-"], ["raise", "--batch"]]
)
def test_a_closed_stdin_is_a_usage_error(ready, db_path, args):
    """Started with `<&-`, Python has no sys.stdin at all (was AttributeError, exit 70)."""
    env = {**os.environ, "TASKTUI_USER": "alice"}
    before = dump_tables(db_path)
    proc = subprocess.run(
        [*TASKTUI, "--db", str(db_path), *args], capture_output=True, text=True, env=env, timeout=30,
        preexec_fn=lambda: os.close(0),
    )  # fmt: skip
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert "stdin is closed" in proc.stderr or "no task ids given" in proc.stderr
    assert dump_tables(db_path) == before


BAD_NUMBERS = [
    (["task", "list", "-n", HUGE], "--limit"),
    (["raise", "plain", "-t", "x", "--process", "p", "--exit-code", HUGE], "--exit-code"),
    (["raise", "plain", "-t", "x", "--process", "p", "--exit-code", "-" + HUGE], "--exit-code"),
    (["raise", "plain", "-t", "x", "--process", "p", "--exit-code", "٣"], "--exit-code"),
    (["email", "outbox", "--limit", HUGE], "--limit"),
    (["email", "outbox", "--limit", "-1"], "--limit"),
    (["notify", "--limit", HUGE], "--limit"),
    (["notify", "--loop", "--interval", "nan"], "--interval"),
    (["notify", "--loop", "--interval", "1e309"], "--interval"),
    (["attribute", "add", "qty", "--label", "Q", "--type", "integer", "--position", HUGE], "--position"),
    (["attribute", "group", "add", "main", "--label", "Main", "--position", "-1"], "--position"),
    (["db", "backup", "backup.db", "--pages", HUGE], "--pages"),
    (["db", "backup", "backup.db", "--pause-ms", HUGE], "--pause-ms"),
]


@pytest.mark.parametrize("args, option", BAD_NUMBERS, ids=[" ".join(a[:2]) + " " + o for a, o in BAD_NUMBERS])
def test_integer_options_out_of_range_are_usage_errors(ready, db_path, tmp_path, args, option):
    before = dump_tables(db_path)
    args = [str(tmp_path / a) if a == "backup.db" else a for a in args]
    _one_line(ready.run(*args, timeout=30), 2, option)
    assert dump_tables(db_path) == before
    assert not (tmp_path / "backup.db").exists()


@given(st.text(max_size=30))
def test_parse_id_takes_ascii_digits_within_64_bits_only(word):
    stripped = word.strip()
    digits = stripped[1:] if stripped.startswith("#") else stripped
    valid = digits != "" and all(c in "0123456789" for c in digits) and int(digits) <= MAX_INTEGER
    try:
        parsed = parse_id(word)
    except Invalid as e:
        assert not valid, (word, str(e))
        assert "\n" not in str(e)
    else:
        assert valid and parsed == int(digits), word


@given(st.integers(min_value=0, max_value=MAX_INTEGER * 4))
def test_parse_id_round_trips_every_64_bit_id(number):
    if number <= MAX_INTEGER:
        assert parse_id(str(number)) == parse_id(f"#{number}") == number
    else:
        with pytest.raises(Invalid, match="too large"):
            parse_id(str(number))


# ------------------------------------------------------------------ output on a full disk


def _to_dev_full(db_path: Path, *args: str, stderr_full: bool = False) -> subprocess.CompletedProcess:
    env = {**os.environ, "TASKTUI_USER": "alice"}
    with open("/dev/full", "w") as full:
        return subprocess.run(
            [*TASKTUI, "--db", str(db_path), *args], stdout=full, stderr=full if stderr_full else subprocess.PIPE,
            env=env, text=True, timeout=30,
        )  # fmt: skip


@pytest.mark.parametrize(
    "args", [["task", "list"], ["task", "show", "1", "-f", "json"], ["--help"], ["raise", "--help"]]
)
def test_output_to_a_full_disk_is_exit_4_disk_full(ready, db_path, args):
    result = _to_dev_full(db_path, *args)
    assert result.returncode == 4, result.stderr
    assert result.stderr == "tasktui: error: disk full: cannot write the output (No space left on device)\n"


def test_a_full_disk_for_stdout_and_stderr_still_exits_4(ready, db_path):
    assert _to_dev_full(db_path, "task", "list", stderr_full=True).returncode == 4


def test_an_export_that_finds_no_room_is_exit_4_and_leaves_no_file(ready, db_path, tmp_path):
    """The export file hits a file size limit (RLIMIT_FSIZE: the kernel says 'File too
    large', like a full disk says 'No space left'): one line, exit 4, no file left."""
    lines = "".join(
        json.dumps({"event": "plain", "title": f"t{i}", "description": "x" * 10_000}) + "\n" for i in range(40)
    )
    assert ready.run("raise", "--batch", input=lines).exit_code == 0
    out = tmp_path / "out"
    out.mkdir()
    env = {**os.environ, "TASKTUI_USER": "alice"}

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, resource.RLIM_INFINITY))

    proc = subprocess.run(
        [*TASKTUI, "--db", str(db_path), "export", str(out / "tasks.json"), "--status", "all"],
        capture_output=True, text=True, env=env, preexec_fn=small_files, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 4, proc.stderr
    assert proc.stderr == f"tasktui: error: disk full: cannot write {out / 'tasks.json'} (File too large)\n"
    assert list(out.iterdir()) == []


def test_backup_with_force_never_replaces_something_that_is_not_a_file(ready, db_path, tmp_path):
    """As root, `db backup /dev/full --force` replaced the device with a regular file."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = ready.run("db", "backup", str(fifo), "--force")
    _one_line(result, 2, "is not a regular file")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
