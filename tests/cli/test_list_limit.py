"""`task list` never cuts its output silently: cut by the default limit, it says so on
stderr in every format; `--format ids` into a pipe (a script) lists every match, so
`task list … --format ids | task done -` acts on all of them."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def many(cli) -> int:
    assert cli("init").exit_code == 0
    lines = "".join(json.dumps({"event": "stock_diff", "title": f"task {i}"}) + "\n" for i in range(185))
    assert cli("raise", "--batch", input=lines).exit_code == 0
    return 185


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_a_list_cut_by_the_default_limit_says_so_on_stderr(cli, many, fmt):
    result = cli.run("task", "list", "--format", fmt)
    assert result.exit_code == 0
    assert result.stderr == "tasktui: 100 of 185 tasks shown; --all for every one, -n N for N\n"
    if fmt == "json":
        assert len(json.loads(result.stdout)) == 100


def test_ids_into_a_pipe_are_every_match_and_the_readme_pipe_closes_all(cli, many):
    ids = cli.run("task", "list", "--format", "ids")
    assert ids.exit_code == 0 and ids.stderr == ""
    assert len(ids.stdout.split()) == 185
    done = cli.run("task", "done", "-", input=ids.stdout)
    assert done.exit_code == 0, done.stderr
    assert cli.run("task", "list", "--count").stdout.strip() == "0"


def test_an_explicit_limit_or_all_prints_no_note(cli, many):
    cut = cli.run("task", "list", "-n", "10", "--format", "ids")
    assert len(cut.stdout.split()) == 10 and cut.stderr == ""
    every = cli.run("task", "list", "--all", "--format", "csv")
    assert len(every.stdout.splitlines()) == 186 and every.stderr == ""


def test_a_list_within_the_limit_prints_no_note(cli, many):
    few = cli.run("task", "list", "--search", "task 18", "--format", "ids")
    assert few.stderr == "" and len(few.stdout.split()) == 6  # 18, 180..184
