"""The scripted CLI in-process (CliRunner): every command of issue 3, the listing
formats and the exit codes of PRODUCT.md section 3."""

from __future__ import annotations

import csv
import io
import json

import pytest


@pytest.fixture
def world(cli):
    """Users, a group and an event; alice acts."""
    assert cli("init").exit_code == 0
    assert cli("user", "add", "bob", "--name", "Bob B", "--email", "bob@example.com").exit_code == 0
    assert cli("group", "add", "ops", "--description", "Operations").exit_code == 0
    assert cli("group", "add-member", "ops", "bob", "alice").exit_code == 0
    created = cli(
        "event",
        "create",
        "disk_full",
        "--name",
        "Disk full",
        "--name-de",
        "Platte voll",
        "--responsible-user",
        "bob",
        "--responsible-group",
        "ops",
    )
    assert created.exit_code == 0, created.stderr
    return cli


def _raise(cli, title: str, *extra: str) -> int:
    result = cli("raise", "disk_full", "--title", title, "--format", "ids", *extra)
    assert result.exit_code == 0, result.stderr
    return int(result.stdout)


def test_init_reports_the_database(cli, db_path):
    result = cli("init")
    assert result.exit_code == 0 and str(db_path) in result.stdout and "schema version" in result.stdout


def test_raise_outputs(world):
    text = world("raise", "disk_full", "--title", "sda1 at 99%")
    assert text.exit_code == 0 and text.stdout.startswith("created task ")
    data = json.loads(world("raise", "disk_full", "-t", "again", "--dedup-key", "k", "--format", "json").stdout)
    assert set(data) == {"task_id", "outcome", "occurrences", "event"} and data["outcome"] == "created"
    dup = json.loads(world("raise", "disk_full", "-t", "again", "--dedup-key", "k", "--format", "json").stdout)
    assert (dup["task_id"], dup["outcome"], dup["occurrences"]) == (data["task_id"], "deduplicated", 2)
    described = world("raise", "disk_full", "-t", "from stdin", "-d", "-", "--format", "ids", input="line1\nline2\n")
    shown = json.loads(world("task", "show", described.stdout.strip(), "--format", "json").stdout)
    assert shown["description"] == "line1\nline2\n"
    assert world("raise", "disk_full", "-t", "x", "--reopen").exit_code == 2


def test_task_list_formats(world):
    ids = [_raise(world, f"task {i}") for i in range(3)]
    table = world("task", "list")
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert lines[0].split() == [
        "ID", "CREATED_AT", "STATUS", "SEVERITY", "TITLE", "EVENT", "ASSIGNEE", "GROUP", "OCCURRENCES"
    ]  # fmt: skip
    assert len(lines) == 4 and lines[1].split()[0] == str(ids[-1])
    rows = json.loads(world("task", "list", "--format", "json").stdout)
    assert [r["id"] for r in rows] == ids[::-1]
    assert {
        "id",
        "created_at",
        "status",
        "title",
        "description",
        "event",
        "event_name",
        "assignee",
        "group",
        "link",
        "done_at",
        "occurrences",
        "last_seen_at",
        "dedup_key",
        "plugin",
    } <= set(rows[0])
    assert rows[0]["created_at"].endswith("Z") and rows[0]["assignee"] == "bob" and rows[0]["group"] == "ops"
    parsed = list(csv.DictReader(io.StringIO(world("task", "list", "--format", "csv").stdout)))
    assert [int(r["id"]) for r in parsed] == ids[::-1]
    assert list(parsed[0]) == [
        "id", "created_at", "status", "severity", "title", "event", "assignee", "group", "occurrences"
    ]  # fmt: skip
    assert world("task", "list", "--format", "ids").stdout.split() == [str(i) for i in ids[::-1]]
    assert world("task", "list", "--count").stdout.strip() == "3"
    assert world("task", "list", "--format", "ids", "--asc", "-n", "2").stdout.split() == [str(i) for i in ids[:2]]
    assert world("task", "list", "--format", "xml").exit_code == 2


def test_task_list_filters(world):
    mine = _raise(world, "for alice", "--assignee", "alice", "--group", "ops")
    bobs = _raise(world, "for bob")
    nobody = _raise(world, "nobody's", "--assignee", "bob")
    world("task", "unassign", str(nobody))
    world("task", "unassign", "--group", str(nobody))
    ids = lambda *args: [int(x) for x in world("task", "list", "--format", "ids", *args).stdout.split()]  # noqa: E731
    assert ids("--assigned", "direct") == [mine]
    assert ids("--assigned", "groups") == [bobs, mine]
    assert ids("--assigned", "direct-or-groups") == [bobs, mine]
    assert ids("--assigned", "unassigned") == [nobody]
    assert ids("--assigned", "direct", "--for", "bob") == [bobs]
    assert ids("--assignee", "bob") == [bobs]
    assert ids("--event", "disk_full", "--group", "ops", "--search", "alice") == [mine]
    world("task", "done", str(bobs))
    assert ids() == [nobody, mine]
    assert ids("--status", "done") == [bobs]
    assert ids("--status", "all", "--sort", "title", "--asc") == [mine, bobs, nobody]
    assert world("task", "list", "--assigned", "mine").exit_code == 2
    assert world("task", "list", "--event", "nope").exit_code == 3


def test_bulk_commands_and_exit_codes(world):
    a, b = _raise(world, "a"), _raise(world, "b")
    done = world("task", "done", str(a))
    assert (done.exit_code, done.stdout.strip()) == (0, "mark done: 1 changed")
    partly = world("task", "done", str(a), str(b))
    assert partly.exit_code == 1 and "1 changed" in partly.stdout
    assert partly.stderr.count("\n") == 1 and "already done (#" in partly.stderr
    assert world("task", "reopen", str(a)).exit_code == 0
    reopen_open = world("task", "reopen", str(a), str(a))
    assert reopen_open.exit_code == 1 and reopen_open.stderr.startswith("tasktui: error: reopen: 1 task(s) refused")
    assert json.loads(world("task", "reopen", str(b), "--format", "json").stdout)["changed"] == [b]
    assigned = json.loads(world("task", "assign", str(a), str(b), "--to", "alice", "--format", "json").stdout)
    assert assigned["changed"] == [a, b] and assigned["skipped"] == {}
    assert world("task", "assign", str(a), "--group", "ops").exit_code == 1  # already in ops
    assert world("task", "unassign", str(a)).stdout.strip() == "unassign: 1 changed"
    assert world("task", "unassign", str(a), "--group").stdout.strip() == "clear group: 1 changed"
    assert world("task", "assign", str(a)).exit_code == 0  # to me
    assert world("task", "assign", str(a), "--to", "bob", "--group", "ops").exit_code == 2
    missing = world("task", "done", str(b), "4242")
    assert missing.exit_code == 3 and "unknown task 4242: nothing was changed" in missing.stderr
    assert world("task", "done", "abc").exit_code == 2
    from_stdin = world("task", "done", "-", input=f"{a}\n\n#{b}\n")
    assert (from_stdin.exit_code, from_stdin.stdout.strip()) == (0, "mark done: 2 changed")
    shown = json.loads(world("task", "show", str(a), "--format", "json").stdout)
    assert [h["action"] for h in shown["history"]][:3] == ["created", "done", "reopened"]


def test_comment_and_show(world):
    a = _raise(world, "a", "--link", "https://x/1")
    assert world("task", "comment", str(a), "looked at it").exit_code == 0
    assert world("task", "comment", str(a), "-", input="from\nstdin").exit_code == 0
    shown = json.loads(world("task", "show", str(a), "--format", "json").stdout)
    assert [c["new"] for c in shown["comments"]] == ["looked at it", "from\nstdin"]
    text = world("task", "show", str(a)).stdout
    assert "https://x/1" in text and "looked at it" in text
    assert world("task", "show", "999").exit_code == 3
    assert world("task", "comment", "999", "x").exit_code == 3


def test_event_commands(world):
    rows = json.loads(world("event", "list", "--format", "json").stdout)
    ours = next(r for r in rows if r["identifier"] == "disk_full")
    assert (ours["responsible_user"], ours["responsible_group"], ours["state"], ours["plugin"]) == (
        "bob",
        "ops",
        "Active",
        "Manually created",
    )
    assert world("event", "list", "--format", "ids", "-q", "disk_full").stdout.split() == [str(ours["id"])]
    assert world("event", "list", "-q", "disk_full", "--format", "csv").stdout.splitlines()[0] == (
        "id,identifier,name,plugin,responsible_user,responsible_group,state"
    )
    assert "Platte voll" in world("--lang", "de", "event", "show", "disk_full").stdout
    edited = json.loads(
        world(
            "event", "edit", "disk_full", "--name", "Disk is full", "--responsible-user", "", "--format", "json"
        ).stdout
    )
    assert (edited["name_en"], edited["responsible_user"]) == ("Disk is full", None)
    _raise(world, "t")
    shown = json.loads(world("event", "show", "disk_full", "--format", "json").stdout)
    assert (shown["task_count"], shown["open_count"]) == (1, 1) and shown["last_raised"].endswith("Z")
    assert "open count         1" in world("event", "show", "disk_full").stdout
    listed = json.loads(world("event", "list", "--format", "json").stdout)
    assert not {"task_count", "open_count", "last_raised"} & set(listed[0])  # counted by show only
    for args in (("show", "disk_full"), ("create", "new_event", "--name", "N"), ("edit", "disk_full", "--name", "N")):
        refused = world("event", *args, "--format", "csv")
        assert refused.exit_code == 2 and "unknown format 'csv': use table or json" in refused.stderr
    assert world("event", "show", "new_event").exit_code == 3  # nothing was created
    assert world("event", "delete", "disk_full", "--yes").exit_code == 1
    assert world("event", "obsolete", "disk_full").stdout.strip() == "event disk_full is now obsolete"
    assert world("raise", "disk_full", "-t", "x").exit_code == 1
    assert world("event", "obsolete", "disk_full", "--undo").exit_code == 0
    assert world("event", "create", "tmp_event", "--name", "Tmp").exit_code == 0
    assert world("event", "delete", "tmp_event", "-y").stdout.strip() == "deleted event tmp_event"
    assert world("event", "delete", "tmp_event2", "-y").exit_code == 3
    declined = world("event", "create", "keep_me", "--name", "K")
    assert declined.exit_code == 0 and world("event", "delete", "keep_me", input="n\n").exit_code == 1
    assert world("event", "show", "keep_me").exit_code == 0
    bad = world("event", "create", "bad__id", "--name", "x")
    assert bad.exit_code == 2 and "must not contain a double underscore" in bad.stderr
    assert world("event", "create", "keep_me", "--name", "x").exit_code == 1


def test_user_and_group_commands(world):
    users = json.loads(world("user", "list", "--format", "json").stdout)
    bob = next(u for u in users if u["login"] == "bob")
    assert (bob["display_name"], bob["email"], bob["groups"], bob["active"]) == (
        "Bob B",
        "bob@example.com",
        ["ops"],
        True,
    )
    assert world("user", "edit", "bob", "--inactive", "--email", "").exit_code == 0
    bob = next(u for u in json.loads(world("user", "list", "--format", "json").stdout) if u["login"] == "bob")
    assert (bob["active"], bob["email"]) == (False, None)
    assert world("user", "add", "bob").exit_code == 1
    assert world("user", "add", "x y").exit_code == 2
    assert world("user", "add", "zed", "--email", "nope").exit_code == 2
    assert world("user", "edit", "ghost", "--name", "G").exit_code == 3
    assert world("user", "list", "--format", "ids").stdout.split() == [str(u["id"]) for u in users]
    groups = json.loads(world("group", "list", "--format", "json").stdout)
    assert groups[0]["name"] == "ops" and groups[0]["members"] == ["alice", "bob"]
    assert world("group", "remove-member", "ops", "bob").exit_code == 0
    assert world("group", "remove-member", "ops", "bob").exit_code == 1
    assert world("group", "add-member", "ops", "ghost").exit_code == 3
    assert world("group", "add", "ops").exit_code == 1
    assert world("group", "add", "bad name").exit_code == 2
    assert world("group", "list", "--format", "csv").stdout.splitlines()[1] == "1,ops,Operations,alice"


def test_errors_are_one_line(world):
    for args, code in [
        (("task", "show", "999"), 3),
        (("raise", "nope", "-t", "x"), 3),
        (("event", "create", "9lives", "--name", "x"), 2),
        (("task", "reopen", str(_raise(world, "open one"))), 1),
    ]:
        result = world(*args)
        assert result.exit_code == code, (args, result)
        assert result.stderr.startswith("tasktui: error: ") and result.stderr.count("\n") == 1, result.stderr
        assert "Traceback" not in result.stderr


def test_task_show_names_a_hand_made_events_plugin_as_the_event_does(world):
    assert world("event", "create", "hand_made", "--name", "Hand made").exit_code == 0
    task_id = world("raise", "hand_made", "-t", "t", "-f", "ids").stdout.strip()
    assert "plugin             Manually created" in world("event", "show", "hand_made").stdout
    shown = world("task", "show", task_id).stdout
    assert [line for line in shown.splitlines() if line.startswith("plugin ")] == ["plugin           Manually created"]
    assert json.loads(world("task", "show", task_id, "-f", "json").stdout)["plugin"] is None
