"""Dedup: an open task of the same event and key absorbs a new raise (occurrence
count, last-seen time, history); a done one does not, unless `--reopen`. Through the
service and through the command line (table and JSON)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tasktui.models import Task, TaskHistory
from tasktui.services.events.definitions import create_event
from tasktui.services.tasks.detail import task_detail
from tasktui.services.tasks.raising import ProcessRef, raise_task
from tasktui.services.tasks.transitions import mark_done


@pytest.fixture
def shop(actor):
    create_event("import_failed", "Import failed", responsible_user="alice")
    create_event("export_failed", "Export failed", responsible_user="alice")
    return actor


def _history(task_id: int) -> list[tuple]:
    rows = TaskHistory.select().where(TaskHistory.task == task_id).order_by(TaskHistory.id)
    return [(h.action, h.field, h.old, h.new, h.actor.login, h.os_login) for h in rows]


def test_open_task_absorbs_raises_with_its_key(shop):
    first = raise_task(shop, "import_failed", "Order 1 failed", dedup_key="order-1")
    assert (first.outcome, first.occurrences) == ("created", 1)
    long_ago = dt.datetime(2020, 1, 1)
    Task.update({Task.last_seen_at: long_ago, Task.updated_at: long_ago}).where(Task.id == first.task_id).execute()
    again = raise_task(
        shop, "import_failed", "Order 1 failed again", "new text", dedup_key="order-1",
        processes=[ProcessRef("run-2", "cron", None, 1)],
    )  # fmt: skip
    assert (again.task_id, again.outcome, again.occurrences, again.event) == (
        first.task_id,
        "deduplicated",
        2,
        "import_failed",
    )
    task = Task.get_by_id(first.task_id)
    assert task.occurrences == 2 and task.last_seen_at > long_ago and task.updated_at > long_ago
    assert (task.title, task.description) == ("Order 1 failed", "")  # the first raise's content stays
    assert Task.select().count() == 1
    assert _history(first.task_id) == [
        ("created", None, None, "Order 1 failed", "alice", "ops"),
        ("deduplicated", "occurrences", "1", "2", "alice", "ops"),
    ]
    assert [p.process_id for p in task_detail(first.task_id).processes] == ["run-2"]


def test_key_is_per_event_and_no_key_never_deduplicates(shop):
    a = raise_task(shop, "import_failed", "t", dedup_key="k")
    b = raise_task(shop, "export_failed", "t", dedup_key="k")
    c = raise_task(shop, "import_failed", "t", dedup_key="other")
    d = raise_task(shop, "import_failed", "t")
    e = raise_task(shop, "import_failed", "t")
    assert len({a.task_id, b.task_id, c.task_id, d.task_id, e.task_id}) == 5
    assert {r.outcome for r in (a, b, c, d, e)} == {"created"}


def test_done_task_does_not_absorb_unless_reopen(shop):
    first = raise_task(shop, "import_failed", "t", dedup_key="k")
    mark_done(shop, [first.task_id])
    fresh = raise_task(shop, "import_failed", "t", dedup_key="k")
    assert fresh.outcome == "created" and fresh.task_id != first.task_id
    assert Task.get_by_id(first.task_id).occurrences == 1  # untouched
    mark_done(shop, [fresh.task_id])
    reopened = raise_task(shop, "import_failed", "t", dedup_key="k", reopen=True)
    assert (reopened.task_id, reopened.outcome, reopened.occurrences) == (
        fresh.task_id,
        "reopened",
        2,
    )  # the latest done
    task = Task.get_by_id(fresh.task_id)
    assert (task.status, task.done_at, task.done_by_id) == ("open", None, None)
    assert _history(fresh.task_id)[-2:] == [
        ("deduplicated", "occurrences", "1", "2", "alice", "ops"),
        ("reopened", "status", "done", "open", "alice", "ops"),
    ]
    # with an open task there, --reopen simply counts on it
    again = raise_task(shop, "import_failed", "t", dedup_key="k", reopen=True)
    assert (again.task_id, again.outcome, again.occurrences) == (fresh.task_id, "deduplicated", 3)
    # --reopen with nothing to reopen creates
    new = raise_task(shop, "import_failed", "t", dedup_key="never-seen", reopen=True)
    assert new.outcome == "created"


@pytest.fixture
def ready(cli):
    assert cli("event", "create", "disk_full", "--name", "Disk full").exit_code == 0
    return cli


def test_cli_says_created_deduplicated_or_reopened_in_table_and_json(ready):
    created = ready("raise", "disk_full", "-t", "sda full", "--dedup-key", "sda")
    assert created.stdout.strip() == "created task 1 (disk_full, occurrences: 1)"
    dup = ready("raise", "disk_full", "-t", "sda full", "--dedup-key", "sda", "--format", "json")
    assert json.loads(dup.stdout) == {"task_id": 1, "outcome": "deduplicated", "occurrences": 2, "event": "disk_full"}
    assert ready("task", "done", "1").exit_code == 0
    new = ready("raise", "disk_full", "-t", "sda full", "--dedup-key", "sda", "--format", "json")
    assert json.loads(new.stdout)["outcome"] == "created" and json.loads(new.stdout)["task_id"] == 2
    assert ready("task", "done", "2").exit_code == 0
    reopened = ready("raise", "disk_full", "-t", "sda full", "--dedup-key", "sda", "--reopen")
    assert reopened.stdout.strip() == "reopened task 2 (disk_full, occurrences: 2)"
    as_json = json.loads(ready("raise", "disk_full", "-t", "x", "--dedup-key", "sda", "--reopen", "-f", "json").stdout)
    assert as_json == {"task_id": 2, "outcome": "deduplicated", "occurrences": 3, "event": "disk_full"}
    listed = {t["id"]: t for t in json.loads(ready("task", "list", "--status", "all", "-f", "json").stdout)}
    assert (listed[1]["status"], listed[1]["occurrences"]) == ("done", 2)
    assert (listed[2]["status"], listed[2]["occurrences"], listed[2]["dedup_key"]) == ("open", 3, "sda")
    assert ready("raise", "disk_full", "-t", "x", "--reopen").exit_code == 2  # --reopen needs a key


def test_a_done_task_is_not_reopened_while_another_holds_its_key(shop):
    """One open task per event and dedup key, also for `task reopen`: the done task
    is skipped with the reason, until the open one is done too; of two done tasks
    with one key only the first is reopened."""
    from tasktui.services.tasks.transitions import DEDUP_KEY_TAKEN, reopen

    old = raise_task(shop, "import_failed", "Order 1 failed", dedup_key="order-1").task_id
    mark_done(shop, [old])
    new = raise_task(shop, "import_failed", "Order 1 failed again", dedup_key="order-1").task_id
    other = raise_task(shop, "export_failed", "Export failed", dedup_key="order-1").task_id  # another event
    mark_done(shop, [other])
    result = reopen(shop, [old, other])
    assert result.changed == [other]
    assert result.skipped == {DEDUP_KEY_TAKEN: [old]}
    assert Task.get_by_id(old).status == "done"
    mark_done(shop, [new])
    result = reopen(shop, [new, old])
    assert (result.changed, result.skipped) == ([new], {DEDUP_KEY_TAKEN: [old]})
    assert Task.select().where((Task.status == "open") & (Task.dedup_key == "order-1")).count() == 2  # one per event
