"""`tasktui undo [--list] [CHANGE_ID]`, `tasktui preview [N]` and the question bulk
commands ask on a terminal above the threshold (issue 18.1 and 18.2)."""

from __future__ import annotations

import json

import pytest

from tasktui.cli import bulk_run


@pytest.fixture
def world(cli):
    assert cli("init").exit_code == 0
    assert cli("user", "add", "bob").exit_code == 0
    assert cli("event", "create", "disk_full", "--name", "Disk full", "--responsible-user", "bob").exit_code == 0
    return cli


def _raise(cli, n: int) -> list[int]:
    ids = []
    for i in range(n):
        result = cli("raise", "disk_full", "--title", f"disk {i}", "--format", "ids")
        assert result.exit_code == 0, result.stderr
        ids.append(int(result.stdout))
    return ids


def _status(cli, ids: list[int]) -> list[str]:
    return [json.loads(cli("task", "show", str(i), "--format", "json").stdout)["status"] for i in ids]


def test_undo_reverts_the_last_bulk_action_and_undo_again_redoes_it(world):
    ids = _raise(world, 3)
    assert world("task", "done", *map(str, ids)).exit_code == 0
    undone = world("undo")
    assert undone.exit_code == 0, undone.stderr
    assert undone.stdout.strip().startswith("undo of #1 (mark done): 3 reverted")
    assert _status(world, ids) == ["open"] * 3
    redone = world("undo", "--format", "json")
    assert json.loads(redone.stdout)["undone"] == 2 and _status(world, ids) == ["done"] * 3
    listed = json.loads(world("undo", "--list", "--format", "json").stdout)
    assert [(c["id"], c["action"], c["state"]) for c in listed] == [
        (3, "undo", "in force"),
        (2, "undo", "undone by #3"),
        (1, "done", "undone by #2"),
    ]
    table = world("undo", "--list").stdout
    assert "mark done" in table and "undone by #2" in table


def test_undo_of_a_named_change_set_skips_what_someone_changed_since(world):
    ids = _raise(world, 2)
    world("task", "assign", *map(str, ids))  # change set 1: to alice
    assert world("task", "assign", str(ids[0]), "--to", "bob", user="bob").exit_code == 0
    result = world("undo", "1")
    assert result.exit_code == 1
    assert "1 reverted, 1 skipped (1 changed since by bob)" in result.stdout
    assert f"1 changed since by bob (#{ids[0]})" in result.stderr
    shown = [json.loads(world("task", "show", str(i), "--format", "json").stdout)["assignee"] for i in ids]
    assert shown == ["bob", "bob"]  # bob's own change stays; the other went back to bob (the event's)


def test_undo_errors_are_one_line_with_exit_codes(world):
    assert world("undo").exit_code == 3  # nothing to undo
    ids = _raise(world, 1)
    world("task", "done", str(ids[0]))
    other = world("undo", "1", user="bob")
    assert other.exit_code == 1 and "alice's" in other.stderr
    assert world("undo", "nope").exit_code == 2
    assert world("undo", "--list", user="bob").stdout.strip() == "no change sets of bob"


def test_preview_threshold_is_remembered_per_user(world):
    assert world("preview").stdout.strip() == "preview threshold for alice: 50 tasks"
    assert world("preview", "2").stdout.strip() == "preview threshold for alice: 2 tasks"
    assert world("preview").stdout.strip().endswith(": 2 tasks")
    assert world("preview", user="bob").stdout.strip().endswith(": 50 tasks")
    assert world("preview", "-1").exit_code == 2


def test_on_a_terminal_a_bulk_action_above_the_threshold_asks_first(world, monkeypatch):
    ids = _raise(world, 3)
    world("task", "done", str(ids[0]))
    world("preview", "2")
    monkeypatch.setattr(bulk_run, "stdin_is_terminal", lambda: True)
    refused = world("task", "done", *map(str, ids), input="n\n")
    assert refused.exit_code == 1 and "nothing changed" in refused.stderr
    assert "Mark 3 tasks done? 2 open · 1 already done —" in refused.stdout
    assert _status(world, ids) == ["done", "open", "open"]
    agreed = world("task", "done", *map(str, ids), "--ok-if-done", input="y\n")
    assert agreed.exit_code == 0 and "mark done: 2 changed" in agreed.stdout
    ended = world("task", "reopen", *map(str, ids), input="")  # Ctrl+D at the question: a "no"
    assert ended.exit_code == 1 and ended.stderr.splitlines()[-1] == "tasktui: error: nothing changed", ended.stderr
    assert _status(world, ids) == ["done", "done", "done"]
    world("preview", "0")
    one = world("task", "reopen", str(ids[0]), input="n\n")
    assert "Reopen 1 task? 1 done · 0 already open —" in one.stdout
    world("preview", "2")
    world("task", "reopen", *map(str, ids[1:]))
    # --yes does not ask; two tasks (not above the threshold) do not either
    assert "?" not in world("task", "reopen", *map(str, ids[1:])).stdout
    yes = world("task", "assign", *map(str, ids), "--to", "alice", "--yes")
    assert yes.exit_code == 0 and "?" not in yes.stdout
    unassign = world("task", "unassign", *map(str, ids), input="y\n")
    assert "Unassign 3 tasks? 3 assigned · 0 not assigned —" in unassign.stdout


def test_off_a_terminal_a_bulk_command_never_asks(world):
    ids = _raise(world, 3)
    world("preview", "0")
    piped = world.run("task", "done", "-", input="\n".join(map(str, ids)) + "\n")
    assert piped.exit_code == 0, piped.stderr
    assert "?" not in piped.stdout and "mark done: 3 changed" in piped.stdout
    closed = world.run("task", "reopen", *map(str, ids), input="")
    assert closed.exit_code == 0 and "?" not in closed.stdout


def test_ack_and_snooze_from_the_cli_are_undone_by_undo(world):
    ids = _raise(world, 2)
    assert world("task", "ack", *map(str, ids)).exit_code == 0
    assert world("task", "snooze", *map(str, ids), "--until", "2h").exit_code == 0
    shown = [json.loads(world("task", "show", str(i), "--format", "json").stdout) for i in ids]
    assert all(s["acknowledged_by"] == "alice" and s["snoozed_until"] for s in shown)
    snoozed = world("undo")
    assert snoozed.exit_code == 0, snoozed.stderr
    assert snoozed.stdout.strip().startswith("undo of #2 (snooze until ")
    acked = world("undo", "1")  # a plain `undo` now would redo the snooze
    assert acked.stdout.strip().startswith("undo of #1 (acknowledge): 2 reverted")
    shown = [json.loads(world("task", "show", str(i), "--format", "json").stdout) for i in ids]
    assert [(s["acknowledged_by"], s["snoozed_until"]) for s in shown] == [(None, None)] * 2
