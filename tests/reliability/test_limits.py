"""Input limits (tasktui/limits.py): an oversized input — `/dev/zero` on stdin or as
a file, a huge description, manifest, batch line or import record — is refused in
seconds with one line and exit code 2, before anything is written; stdin and files
are read only up to the limit. Real processes, real SQLite files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tasktui import limits
from tests.reliability.helpers import dump_tables

TASKTUI = [sys.executable, "-m", "tasktui"]
#: An oversized input must be refused well within this (it ran for minutes before).
QUICK = 20


@pytest.fixture
def ready(cli, db_path):
    """A database with the event `plain` and one task (id 1)."""
    assert cli("event", "create", "plain", "--name", "Plain", "--responsible-user", "alice").exit_code == 0
    assert cli("raise", "plain", "--title", "first").exit_code == 0
    return cli


def _run(db_path: Path, *args: str, stdin=None, input: bytes | None = None, timeout: float = QUICK):
    env = {**os.environ, "TASKTUI_USER": "alice"}
    return subprocess.run(
        [*TASKTUI, "--db", str(db_path), *args], stdin=stdin, input=input, capture_output=True, env=env, timeout=timeout
    )


def _refused(result, text: str) -> None:
    stderr = result.stderr.decode()
    assert result.returncode == 2, stderr
    assert stderr.count("\n") == 1 and stderr.startswith("tasktui: error: "), stderr
    assert text in stderr, stderr


def _batch_refused(result, text: str) -> None:
    """A refused batch: one line per bad line, then the summary (cli/batch.py)."""
    lines = result.stderr.decode().splitlines()
    assert result.returncode == 2, lines
    assert lines[1:] == ["tasktui: error: 1 bad line in the batch: nothing was raised"], lines
    assert lines[0].startswith("tasktui: error: line 1: ") and text in lines[0], lines


ZERO_ON_STDIN = {
    "description": (["raise", "plain", "--title", "x", "--description", "-"], "at most 65,536 characters"),
    "comment": (["task", "comment", "1", "-"], "at most 20,000 characters"),
    "batch": (["raise", "--batch"], "line 1 is larger than the limit of 1,048,576 bytes"),
    "ids": (["task", "done", "-"], "line 1 is larger than the limit"),
}


@pytest.mark.parametrize("case", list(ZERO_ON_STDIN))
def test_dev_zero_on_stdin_is_refused_at_once(ready, db_path, case):
    args, text = ZERO_ON_STDIN[case]
    before = dump_tables(db_path)
    started = time.monotonic()
    with open("/dev/zero", "rb") as zero:
        result = _run(db_path, *args, stdin=zero)
    assert time.monotonic() - started < QUICK
    _refused(result, text)
    assert dump_tables(db_path) == before


@pytest.mark.parametrize("command", [["import"], ["event", "register"]])
def test_dev_zero_as_a_file_is_refused_at_once(ready, db_path, command):
    before = dump_tables(db_path)
    _refused(_run(db_path, *command, "/dev/zero"), "")
    assert dump_tables(db_path) == before


def test_a_description_at_the_limit_is_stored_whole_one_more_character_is_refused(ready, db_path, cli):
    text = ("é" * 99 + "\n") * (limits.MAX_DESCRIPTION // 100) + "x" * (limits.MAX_DESCRIPTION % 100)
    assert len(text) == limits.MAX_DESCRIPTION
    stored = _run(db_path, "raise", "plain", "-t", "big", "-d", "-", "-f", "ids", input=text.encode())
    assert stored.returncode == 0, stored.stderr
    shown = json.loads(cli("task", "show", stored.stdout.decode().strip(), "-f", "json").stdout)
    assert shown["description"] == text
    before = dump_tables(db_path)
    _refused(_run(db_path, "raise", "plain", "-t", "big", "-d", "-", input=(text + "y").encode()), "it has 65,537")
    batch_line = json.dumps({"event": "plain", "title": "t", "description": text + "y"})
    _batch_refused(
        _run(db_path, "raise", "--batch", input=batch_line.encode()), "the description must be at most 65,536"
    )
    assert dump_tables(db_path) == before


def test_a_raise_succeeds_while_another_stores_a_big_description(ready, db_path):
    """The write lock is held for a moment, not for minutes: both raises go through."""
    env = {**os.environ, "TASKTUI_USER": "alice"}
    big = subprocess.Popen(
        [*TASKTUI, "--db", str(db_path), "raise", "plain", "-t", "big", "-d", "-"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    small = subprocess.Popen(
        [*TASKTUI, "--db", str(db_path), "raise", "plain", "-t", "small"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    _, big_err = big.communicate(("x" * 120 + "\n").join([""] * 500).encode()[: limits.MAX_DESCRIPTION], timeout=60)
    _, small_err = small.communicate(timeout=60)
    assert (big.returncode, small.returncode) == (0, 0), (big_err, small_err)


LONG_OPTIONS = {
    "link": (["--title", "t", "--link", "l" * (limits.MAX_LINK + 1)], "the link must be at most 2,000 characters"),
    "dedup key": (
        ["--title", "t", "--dedup-key", "k" * (limits.MAX_DEDUP_KEY + 1)],
        "the dedup key must be at most 200",
    ),
    "process id": (
        ["--title", "t", "--process", "p" * (limits.MAX_PROCESS_ID + 1)],
        "a process id must be at most 200",
    ),
    "process source": (
        ["--title", "t", "--process", "p", "--process-source", "s" * (limits.MAX_PROCESS_SOURCE + 1)],
        "a process source must be at most 200",
    ),
}


@pytest.mark.parametrize("case", list(LONG_OPTIONS))
def test_raise_options_over_their_limit_are_refused(ready, db_path, case):
    options, text = LONG_OPTIONS[case]
    before = dump_tables(db_path)
    result = ready("raise", "plain", *options)
    assert result.exit_code == 2 and text in result.stderr, result.stderr
    assert dump_tables(db_path) == before


def test_people_texts_over_their_limit_are_refused(ready, db_path):
    before = dump_tables(db_path)
    name = "n" * (limits.MAX_DISPLAY_NAME + 1)
    for args in (["user", "add", "bob", "--name", name], ["user", "edit", "alice", "--name", name]):
        result = ready(*args)
        assert result.exit_code == 2 and "a display name must be at most 200 characters" in result.stderr, result.stderr
    group = ready("group", "add", "ops", "--description", "d" * (limits.MAX_GROUP_DESCRIPTION + 1))
    assert group.exit_code == 2 and "a group description must be at most 2,000" in group.stderr, group.stderr
    assert dump_tables(db_path) == before


def test_a_search_text_over_its_limit_is_refused_at_once(ready):
    """A 100,000-character search ran for minutes in the text index."""
    result = ready.run("task", "list", "-q", "x" * 100_000, timeout=QUICK)
    assert result.exit_code == 2, result.stderr
    assert result.stderr == "tasktui: error: the search text must be at most 200 characters (it has 100,000)\n"
    assert ready.run("task", "list", "-q", "f" * limits.MAX_SEARCH).exit_code == 0


def test_a_batch_of_too_many_lines_or_a_deep_line_is_refused(ready, db_path):
    before = dump_tables(db_path)
    line = json.dumps({"event": "plain", "title": "t"}) + "\n"
    _refused(
        _run(db_path, "raise", "--batch", input=(line * (limits.MAX_BATCH_LINES + 1)).encode()),
        f"more than {limits.MAX_BATCH_LINES:,} lines",
    )
    deep = '{"event": "plain", "title": "t", "attributes": {"a": ' + "[" * 100_000 + "]" * 100_000 + "}}\n"
    _batch_refused(_run(db_path, "raise", "--batch", input=deep.encode()), "not valid JSON (nested too deeply)")
    long_number = '{"event": "plain", "title": "t", "attributes": {"a": ' + "9" * 5000 + "}}\n"
    _batch_refused(_run(db_path, "raise", "--batch", input=long_number.encode()), "not valid JSON (a number too long")
    assert dump_tables(db_path) == before


def test_a_big_or_deeply_nested_manifest_is_refused(ready, db_path, tmp_path):
    before = dump_tables(db_path)
    big = tmp_path / "big.toml"
    with big.open("w") as f:
        f.write('plugin = "Big"\n[[event]]\nidentifier = "big_one"\nname.en = "Big"\n')
        f.write(("# " + "x" * 1000 + "\n") * 50_000)  # 50 MB
    _refused(_run(db_path, "event", "register", str(big)), "the manifest is larger than 1 MiB")
    deep = tmp_path / "deep.toml"
    deep.write_text('plugin = "Deep"\nnested = ' + "[" * 50_000 + "]" * 50_000 + "\n")
    _refused(_run(db_path, "event", "register", str(deep)), "TOML nested too deeply")
    assert dump_tables(db_path) == before


def _record(**fields) -> dict:
    return {
        "id": 7,
        "event": "plain",
        "title": "imported",
        "status": "open",
        "created_at": "2026-01-02T03:04:05Z",
        **fields,
    }


def test_an_import_file_is_read_record_by_record_each_bounded(ready, db_path, tmp_path):
    before = dump_tables(db_path)
    huge = tmp_path / "huge.json"
    huge.write_text(json.dumps([_record(), _record(description="d" * limits.MAX_IMPORT_RECORD)]))
    _refused(_run(db_path, "import", str(huge)), "huge.json: record 2 is larger than the limit of 1,048,576 characters")
    deep = tmp_path / "deep.json"
    deep.write_text("[" + json.dumps(_record())[:-1] + ', "attributes": ' + "[" * 100_000 + "]" * 100_000 + "}]")
    _refused(_run(db_path, "import", str(deep)), "deep.json: record 1 is nested too deeply")
    blank = tmp_path / "blank.json"
    blank.write_text("[" + " " * (limits.MAX_IMPORT_RECORD + 1) + "]")
    _refused(_run(db_path, "import", str(blank)), "white space in a row")
    assert dump_tables(db_path) == before
    many = tmp_path / "many.json"
    many.write_text(json.dumps([_record(id=i, title=f"t {i}", description="x" * 2000) for i in range(300)], indent=1))
    result = _run(db_path, "import", str(many), "-f", "json", timeout=60)
    assert result.returncode == 0, result.stderr
    assert [r["old_id"] for r in json.loads(result.stdout)] == list(range(300))


def test_run_keeps_the_tail_of_the_output_that_fits(ready, db_path, cli):
    """A long command line and 50 long lines of output exceed the description limit:
    the task keeps the command, the result and the last lines, within the limit."""
    script = "for i in $(seq 1 60); do printf 'line %s %0990d\\n' $i 0; done; exit 3"
    argument = "a" * 60_000
    result = _run(db_path, "run", "--event", "plain", "--", "sh", "-c", script, "sh", argument, timeout=60)
    assert result.returncode == 3, result.stderr
    tasks = json.loads(cli("task", "list", "-f", "json").stdout)
    shown = json.loads(cli("task", "show", str(tasks[0]["id"]), "-f", "json").stdout)
    description = shown["description"]
    assert len(description) <= limits.MAX_DESCRIPTION
    assert description.startswith("Command: sh -c") and "Result: exit code 3" in description
    assert description.rstrip().endswith("line 60 " + "0" * 990)


def test_the_readme_table_gives_every_limit_of_limits_py():
    """The README's "Input limits" table and tasktui/limits.py must not drift apart."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Input limits", 1)[1].split("\n## ", 1)[0]
    rows = {line.split("|")[1].strip(): line.split("|")[2] for line in table.splitlines() if line.startswith("| ")}
    expected = {
        "task title (one line)": [limits.MAX_TITLE],
        "task description (`-d`, `-d -` on stdin, batch, import)": [limits.MAX_DESCRIPTION],
        "link": [limits.MAX_LINK],
        "comment (`task comment`, also `-` on stdin)": [limits.MAX_COMMENT],
        "dedup key": [limits.MAX_DEDUP_KEY],
        "attribute value (text, and any value before it is parsed)": [limits.MAX_ATTRIBUTE_TEXT],
        "related process id, process source": [limits.MAX_PROCESS_ID, limits.MAX_PROCESS_SOURCE],
        "search text (`task list -q`, the tasks screen)": [limits.MAX_SEARCH],
        "event identifier / event name / plugin name": [limits.MAX_IDENTIFIER, limits.MAX_NAME, limits.MAX_PLUGIN],
        "attribute label, set name, choice / choices per attribute": [limits.MAX_LABEL, limits.MAX_CHOICES],
        "user display name / group description (logins and group names: 64)": [
            limits.MAX_DISPLAY_NAME, limits.MAX_GROUP_DESCRIPTION],
        "task ids on stdin (`task done -` …)": [limits.MAX_STDIN_IDS],
        "`--position` of attributes and attribute groups": [limits.MAX_POSITION],
        "`db backup --pages` / `--pause-ms`, `notify --interval`": [
            limits.MAX_BACKUP_PAGES, limits.MAX_BACKUP_PAUSE_MS, limits.MAX_NOTIFY_INTERVAL],
    }  # fmt: skip
    for row, values in expected.items():
        for value in values:
            assert f"{value:,}" in rows[row], (row, value)
    sizes = {"one `raise --batch` line / lines per batch": [limits.MAX_BATCH_LINE, limits.MAX_BATCH_LINES],
             "a plugin manifest (`event register`)": [limits.MAX_MANIFEST],
             "one record of an import file (the file is read record by record)": [limits.MAX_IMPORT_RECORD]}  # fmt: skip
    for row, values in sizes.items():
        for value in values:
            assert limits.format_bytes(value) in rows[row] or f"{value:,}" in rows[row], (row, value)
