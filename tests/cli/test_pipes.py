"""Pipes: commands that take task ids read them from stdin, in real shell pipelines
(`tasktui task list --event X --format ids | tasktui task done -`)."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys

import pytest

TASKTUI = f"{shlex.quote(sys.executable)} -m tasktui"
BASH = shutil.which("bash")


@pytest.fixture
def shell(cli, db_path):
    """Run a bash pipeline (with pipefail) against the test database."""
    assert cli("event", "create", "disk_full", "--name", "Disk full").exit_code == 0
    assert cli("event", "create", "cpu_hot", "--name", "CPU hot").exit_code == 0
    assert cli("user", "add", "bob").exit_code == 0
    for i in range(3):
        assert cli("raise", "disk_full", "-t", f"disk {i}").exit_code == 0
    for i in range(2):
        assert cli("raise", "cpu_hot", "-t", f"cpu {i}").exit_code == 0
    env = {**os.environ, "TASKTUI_DB": str(db_path), "TASKTUI_USER": "alice"}

    def run(pipeline: str) -> subprocess.CompletedProcess:
        script = "set -o pipefail; " + pipeline.replace("tasktui ", TASKTUI + " ")
        return subprocess.run([BASH, "-c", script], capture_output=True, text=True, env=env, timeout=60)

    return run


def _tasks(cli, event: str) -> list[dict]:
    return json.loads(cli("task", "list", "--event", event, "--status", "all", "-f", "json").stdout)


@pytest.mark.skipif(BASH is None, reason="needs bash")
def test_done_reopen_assign_unassign_take_ids_from_a_pipe(shell, cli):
    done = shell("tasktui task list --event disk_full --format ids | tasktui task done -")
    assert (done.returncode, done.stdout.strip()) == (0, "mark done: 3 changed"), done.stderr
    assert {t["status"] for t in _tasks(cli, "disk_full")} == {"done"}
    assert {t["status"] for t in _tasks(cli, "cpu_hot")} == {"open"}  # only the listed ids

    reopened = shell("tasktui task list --event disk_full --status done --format ids | tasktui task reopen -")
    assert (reopened.returncode, reopened.stdout.strip()) == (0, "reopen: 3 changed"), reopened.stderr
    assert {t["status"] for t in _tasks(cli, "disk_full")} == {"open"}

    assigned = shell("tasktui task list --event cpu_hot --format ids | tasktui task assign - --to bob")
    assert (assigned.returncode, assigned.stdout.strip()) == (0, "assign to bob: 2 changed"), assigned.stderr
    assert {t["assignee"] for t in _tasks(cli, "cpu_hot")} == {"bob"}
    assert {t["assignee"] for t in _tasks(cli, "disk_full")} == {None}

    unassigned = shell("tasktui task list --assignee bob --format ids | tasktui task unassign -")
    assert (unassigned.returncode, unassigned.stdout.strip()) == (0, "unassign: 2 changed"), unassigned.stderr
    assert {t["assignee"] for t in _tasks(cli, "cpu_hot")} == {None}


@pytest.mark.skipif(BASH is None, reason="needs bash")
def test_pipe_edge_cases(shell, cli):
    # nothing listed: nothing to do is a usage error (exit 2), not a silent success
    empty = shell("tasktui task list --event disk_full --status done --format ids | tasktui task done -")
    assert empty.returncode == 2 and "no task ids given" in empty.stderr
    # a line that is not an id refuses the whole input: nothing changes
    junk = shell("printf '1\\nfoo\\n2\\n' | tasktui task done -")
    assert junk.returncode == 2 and "task id 'foo' is not a number" in junk.stderr
    assert {t["status"] for t in _tasks(cli, "disk_full")} == {"open"}
    # ids already done are reported (exit 1) while the others change, in one transaction
    assert shell("echo 1 | tasktui task done -").returncode == 0
    mixed = shell("tasktui task list --event disk_full --status all --format ids | tasktui task done -")
    assert mixed.returncode == 1 and mixed.stdout.strip() == "mark done: 2 changed, 1 skipped (1 already done)"
    # without '-', ids come from stdin too when it is not a terminal
    implicit = shell("tasktui task list --event cpu_hot --format ids | tasktui task assign")
    assert implicit.returncode == 0 and implicit.stdout.strip() == "assign to alice: 2 changed"
