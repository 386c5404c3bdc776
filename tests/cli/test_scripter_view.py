"""The CLI as scripters read it (issue 16.13): conventional value names in the help,
help texts that flow, shell completion, tables that fit the terminal, the same JSON
shape of attributes in `task list` and `task show`, `run --event` checked before the
command runs, and an idempotent `task done --ok-if-done`."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from tasktui import formats
from tasktui.cli.help_text import flowing, tidy_help
from tasktui.cli.tasks import SORT_COLUMNS
from tasktui.services.tasks.listing import SORT_KEYS


def _commands(command, path=()):
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def test_every_help_names_values_conventionally():
    from tasktui.cli import app

    runner = CliRunner()
    seen = 0
    for path, _command in _commands(typer.main.get_command(app)):
        result = runner.invoke(app, [*path, "--help"], terminal_width=100)
        assert result.exit_code == 0, (path, result.output)
        python_types = re.findall(r"<(?:str|bool|int|list|float)[^>]*>|\{[A-Za-z_]+\}", result.output)
        assert not python_types, f"tasktui {' '.join(path)} --help shows {python_types}"
        seen += 1
    assert seen > 50
    listing = runner.invoke(app, ["task", "list", "--help"], terminal_width=200).output
    assert "--for  " in listing and " LOGIN " in listing and " EVENT " in listing
    assert re.search(r"--asc\s+Sort ascending", listing)  # a flag takes no value name
    root = runner.invoke(app, ["--help"], terminal_width=200).output
    assert "[en|de]" in root and "--install-completion" in root


def test_sort_help_lists_the_sort_columns():
    assert tuple(SORT_KEYS) == SORT_COLUMNS


def test_help_paragraphs_flow_and_examples_keep_their_lines():
    assert flowing("Create the database, register the user it\nruns as and the catalogue.") == (
        "Create the database, register the user it runs as and the catalogue."
    )
    assert (
        flowing("Intro.\n\n    tasktui run -- x\n    tasktui run -- y")
        == "Intro.\n\n    tasktui run -- x\n    tasktui run -- y"
    )
    from tasktui.cli import app

    command = typer.main.get_command(app)
    tidy_help(command)
    for path, sub in _commands(command):
        for paragraph in (sub.help or "").split("\n\n"):
            lines = paragraph.split("\n")
            assert len(lines) == 1 or all(line.startswith(" ") for line in lines[1:]), (path, paragraph)


def test_completion_script_is_offered_for_tasktui(tmp_path: Path):
    import subprocess

    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    # Typer names the shell from the process's ancestors (the argument after the flag
    # is not read): run it from bash, as a user's terminal does, not from whatever
    # started pytest (make under a detached job has no shell above it at all).
    shown = subprocess.run(
        ["bash", "-c", '"$0" -m tasktui --show-completion; exit $?', sys.executable],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert shown.returncode == 0 and "_TASKTUI_COMPLETE" in shown.stdout
    completed = subprocess.run(
        [sys.executable, "-m", "tasktui"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**env, "_TASKTUI_COMPLETE": "complete_bash", "COMP_WORDS": "tasktui task list --sta", "COMP_CWORD": "3"},
    )
    assert completed.stdout.split() == ["--status"]


def test_a_table_fits_the_width_cutting_the_widest_column_and_never_wrapping():
    rows = [
        {
            "id": 7,
            "title": "Order import failed for Zalando order #94607 after three retries",
            "event": "orders_import_failed",
        },
        {"id": 8, "title": "short", "event": "stock_diff"},
    ]
    text = formats.table(rows, ["id", "title", "event"], width=50)
    lines = text.split("\n")
    assert len(lines) == 3 and all(len(line) <= 50 for line in lines)
    assert lines[1].startswith("7   Order import failed") and "…" in lines[1]
    assert lines[1].endswith("orders_import_failed")  # the narrower column stays whole
    assert len(formats.table(rows, ["id", "title", "event"], width=None).split("\n")[1]) > 80  # a pipe: whole rows


def test_columns_line_up_by_terminal_cells_with_wide_and_combining_characters():
    """CJK and fullwidth characters take two cells, a combining accent none: the
    columns after them line up on a terminal, and a cut never splits the width."""
    rows = [
        {"id": 1, "title": "Live raise 实时", "event": "plain"},
        {"id": 2, "title": "Wide ＦＵＬＬＷＩＤＴＨ　ｔｉｔｌｅ", "event": "plain"},
        {"id": 3, "title": "cafe\u0301 ok", "event": "x"},
    ]
    for width in (None, 30):
        lines = formats.table(rows, ["id", "title", "event"], width=width).split("\n")
        starts = {formats.cell_width(line[: line.rindex(" ") + 1]) for line in lines}
        assert len(starts) == 1, lines  # the last column starts at the same cell on every line
        if width:
            assert all(formats.cell_width(line) <= width for line in lines) and "…" in lines[2]


@pytest.fixture
def stocked(cli):
    assert cli("init").exit_code == 0
    assert cli("attribute", "add", "qty", "--type", "integer", "--label", "Quantity").exit_code == 0
    assert cli("attribute", "set", "add", "counts", "--name", "Counts", "--attr", "qty").exit_code == 0
    created = cli("event", "create", "counted", "--name", "Counted", "--attribute-set", "counts")
    assert created.exit_code == 0, created.stderr
    return cli


def test_json_lists_are_the_standard_indented_json_of_the_rows_also_streamed():
    """`json_text` of a list (built from `streamed_json`'s pieces, which `import`
    prints one by one) is exactly `json.dumps(rows, indent=2)` made safe, for no
    row, one row and several."""
    import datetime as dt
    import json

    from tasktui.text_safety import json_safe

    when = dt.datetime(2025, 1, 2, 3, 4, 5)
    rows = [{"id": 1, "title": "Grüße \x1b[31m\u202e", "at": when, "attrs": {"k": [1, None]}}, {"id": 2, "title": ""}]
    for sample in ([], rows[:1], rows):
        expected = json_safe(
            json.dumps(
                [{**r, "at": formats.iso(r["at"])} if "at" in r else r for r in sample], indent=2, ensure_ascii=False
            )
        )
        assert formats.json_text(sample) == expected == "\n".join(formats.streamed_json(sample))


def test_task_list_and_task_show_give_attributes_one_shape(stocked):
    cli = stocked
    raised = cli("raise", "counted", "--title", "Count", "--attr", "qty=7", "-f", "ids")
    assert raised.exit_code == 0, raised.stderr
    listed = json.loads(cli("task", "list", "-f", "json").stdout)[0]
    shown = json.loads(cli("task", "show", raised.stdout.strip(), "-f", "json").stdout)
    assert listed["attributes"] == shown["attributes"] == {"qty": 7}
    assert [(a["key"], a["label"], a["type"]) for a in shown["attribute_fields"]] == [("qty", "Quantity", "integer")]


def test_the_terminal_width_is_used_by_task_list(stocked, monkeypatch):
    cli = stocked
    cli("raise", "counted", "--title", "A title long enough to be cut when the terminal is narrow, surely")
    monkeypatch.setattr(formats, "terminal_width", lambda: 60)
    lines = cli("task", "list").stdout.strip().split("\n")
    assert all(len(line) <= 60 for line in lines) and "…" in lines[1]


def test_run_refuses_an_unknown_or_obsolete_event_before_running_the_command(stocked, tmp_path: Path):
    cli = stocked
    marker = tmp_path / "ran"
    command = ["--", sys.executable, "-c", f"open({str(marker)!r}, 'w')"]
    typo = cli.run("run", "--event", "countde", *command)
    assert typo.exit_code == 3 and "unknown event 'countde'" in typo.stderr
    assert not marker.exists()
    assert cli("event", "obsolete", "counted").exit_code == 0
    obsolete = cli.run("run", "--event", "counted", *command)
    assert obsolete.exit_code == 1 and "obsolete" in obsolete.stderr and not marker.exists()
    assert cli("event", "obsolete", "counted", "--undo").exit_code == 0
    unknown_user = cli.run("run", "--event", "counted", "--assignee", "nobdy", *command)
    assert unknown_user.exit_code == 3 and not marker.exists()
    ok = cli.run("run", "--event", "counted", *command)
    assert ok.exit_code == 0 and marker.exists()


def test_done_with_ok_if_done_is_idempotent(stocked):
    cli = stocked
    first = cli("raise", "counted", "--title", "A", "-f", "ids").stdout.strip()
    second = cli("raise", "counted", "--title", "B", "-f", "ids").stdout.strip()
    assert cli("task", "done", first).exit_code == 0
    again = cli("task", "done", first, second)
    assert again.exit_code == 1 and "already done" in again.stderr
    assert cli("task", "reopen", second).exit_code == 0  # (the mixed call marked it done)
    ok = cli("task", "done", first, second, "--ok-if-done")
    assert ok.exit_code == 0, ok.stderr
    assert cli("task", "done", first, second, "--ok-if-done").exit_code == 0
    assert cli("task", "done", "999", "--ok-if-done").exit_code == 3  # unknown ids still fail
