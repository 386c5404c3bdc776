"""Task rules: raise, dedup, bulk done / reopen / assign / unassign with counts,
refusals that change nothing, and a history entry (actor + OS login) for each change."""

from __future__ import annotations

import pytest

from tasktui.errors import Invalid, NotFound, Refused
from tasktui.models import DONE, OPEN, Task, TaskHistory
from tasktui.services import people
from tasktui.services.context import acting_user
from tasktui.services.events import definitions as events
from tasktui.services.tasks import transitions
from tasktui.services.tasks.filters import TaskFilter
from tasktui.services.tasks.listing import get_task, matching_ids
from tasktui.services.tasks.raising import raise_task
from tasktui.services.tasks.transitions import assign, assign_group, mark_done, reopen, unassign


@pytest.fixture
def setup(database, actor):
    people.add_user("bob")
    people.add_user("carol")
    people.add_group("warehouse")
    people.add_group("finance")
    events.create_event("stock_diff", "Stock", responsible_user="bob", responsible_group="warehouse")
    events.create_event("bare", "Nobody responsible")
    return actor


def _state(task_id: int) -> tuple:
    t = Task.get_by_id(task_id)
    return (t.status, t.assignee_id, t.group_id, t.done_at is not None, t.done_by_id)


def _history(task_id: int) -> list[tuple]:
    rows = TaskHistory.select().where(TaskHistory.task == task_id).order_by(TaskHistory.id)
    return [(h.action, h.field, h.old, h.new, h.actor.login, h.os_login) for h in rows]


def test_raise_takes_assignee_and_group_from_the_event(setup):
    r = raise_task(setup, "stock_diff", "count differs", "line 1\nline 2", "https://x/1")
    task = Task.get_by_id(r.task_id)
    assert (r.outcome, task.assignee.login, task.group.name, task.status, task.plugin) == (
        "created",
        "bob",
        "warehouse",
        OPEN,
        None,
    )
    assert (task.description, task.link, task.occurrences) == ("line 1\nline 2", "https://x/1", 1)
    assert _history(r.task_id) == [("created", None, None, "count differs", "alice", "ops")]


def test_raise_with_explicit_assignee_and_group(setup):
    r = raise_task(setup, "stock_diff", "t", assignee="carol", group="finance")
    task = Task.get_by_id(r.task_id)
    assert (task.assignee.login, task.group.name) == ("carol", "finance")
    bare = Task.get_by_id(raise_task(setup, "bare", "t").task_id)
    assert (bare.assignee_id, bare.group_id) == (None, None)


@pytest.mark.parametrize(
    ("kwargs", "error", "text"),
    [
        ({"event": "nope"}, NotFound, "unknown event 'nope'"),
        ({"title": "  "}, Invalid, "needs a title"),
        ({"title": "two\nlines"}, Invalid, "one line"),
        ({"assignee": "ghost"}, NotFound, "unknown user 'ghost'"),
        ({"group": "ghosts"}, NotFound, "unknown group 'ghosts'"),
        ({"dedup_key": " "}, Invalid, "dedup key"),
    ],
)
def test_raise_refusals_store_nothing(setup, kwargs, error, text):
    args = {"event": "stock_diff", "title": "t", **kwargs}
    with pytest.raises(error, match=text):
        raise_task(setup, **args)
    assert Task.select().count() == 0 and TaskHistory.select().count() == 0


def test_dedup_counts_occurrences_and_reopens_on_request(setup):
    first = raise_task(setup, "stock_diff", "t", dedup_key="k1")
    again = raise_task(setup, "stock_diff", "t", dedup_key="k1")
    assert (again.task_id, again.outcome, again.occurrences) == (first.task_id, "deduplicated", 2)
    other = raise_task(setup, "stock_diff", "t", dedup_key="k2")
    assert other.task_id != first.task_id
    mark_done(setup, [first.task_id])
    fresh = raise_task(setup, "stock_diff", "t", dedup_key="k1")
    assert fresh.outcome == "created" and fresh.task_id != first.task_id
    mark_done(setup, [fresh.task_id])
    reopened = raise_task(setup, "stock_diff", "t", dedup_key="k1", reopen=True)
    assert (reopened.task_id, reopened.outcome) == (fresh.task_id, "reopened")
    assert _state(fresh.task_id)[0] == OPEN and _state(fresh.task_id)[3] is False


def test_mark_done_and_reopen_in_bulk_with_counts(setup):
    ids = [raise_task(setup, "stock_diff", f"t{i}").task_id for i in range(4)]
    first = mark_done(setup, ids[:2])
    assert (first.changed, first.skipped) == (ids[:2], {})
    result = mark_done(setup, ids)
    assert result.changed == ids[2:] and result.skipped == {"already done": ids[:2]}
    assert result.skipped_count == 2 and result.summary() == "mark done: 2 changed, 2 skipped (2 already done)"
    assert _state(ids[0]) == (
        DONE,
        Task.get_by_id(ids[0]).assignee_id,
        Task.get_by_id(ids[0]).group_id,
        True,
        setup.user_id,
    )
    back = reopen(setup, ids[:3] + [ids[0]])  # duplicates count once
    assert back.changed == ids[:3] and back.skipped == {}
    assert _state(ids[0])[0] == OPEN and _state(ids[0])[3:] == (False, None)
    again = reopen(setup, [ids[0]])
    assert again.changed == [] and again.skipped == {"already open": [ids[0]]}
    assert _history(ids[0])[-2:] == [
        ("done", "status", "open", "done", "alice", "ops"),
        ("reopened", "status", "done", "open", "alice", "ops"),
    ]


def test_unknown_ids_change_nothing(setup):
    ids = [raise_task(setup, "stock_diff", f"t{i}").task_id for i in range(2)]
    before = [_state(i) for i in ids], TaskHistory.select().count()
    for action in (
        lambda: mark_done(setup, ids + [999]),
        lambda: reopen(setup, [998, ids[0]]),
        lambda: assign(setup, ids + [997], "carol"),
        lambda: assign_group(setup, ids + [997], "finance"),
        lambda: unassign(setup, [996] + ids),
    ):
        with pytest.raises(NotFound, match="nothing was changed"):
            action()
    assert ([_state(i) for i in ids], TaskHistory.select().count()) == before
    with pytest.raises(Invalid, match="no task ids"):
        mark_done(setup, [])


def test_assign_reassign_unassign_and_groups(setup):
    ids = [raise_task(setup, "stock_diff", f"t{i}").task_id for i in range(3)]
    to_carol = assign(setup, ids[:2], "carol")
    assert to_carol.changed == ids[:2] and to_carol.action == "assign to carol"
    again = assign(setup, ids, "carol")
    assert again.changed == [ids[2]] and again.skipped == {"already assigned to carol": ids[:2]}
    me = assign(setup, [ids[0]])
    assert me.changed == [ids[0]] and Task.get_by_id(ids[0]).assignee_id == setup.user_id
    assert _history(ids[0])[-2:] == [
        ("assigned", "assignee", "bob", "carol", "alice", "ops"),
        ("assigned", "assignee", "carol", "alice", "alice", "ops"),
    ]
    off = unassign(setup, ids)
    assert off.changed == ids and all(_state(i)[1] is None for i in ids)
    none_left = unassign(setup, ids[:1])
    assert none_left.changed == [] and none_left.skipped == {"not assigned": ids[:1]}
    grouped = assign_group(setup, ids, "finance")
    assert grouped.changed == ids and _history(ids[1])[-1][:4] == ("group", "group", "warehouse", "finance")
    cleared = assign_group(setup, ids + ids[:1], None)
    assert cleared.changed == ids and all(_state(i)[2] is None for i in ids)
    assert assign_group(setup, ids, None).skipped == {"have no group": ids}


def test_assign_refuses_inactive_and_unknown_users(setup):
    task_id = raise_task(setup, "stock_diff", "t").task_id
    people.edit_user("carol", active=False)
    with pytest.raises(Refused, match="inactive"):
        assign(setup, [task_id], "carol")
    with pytest.raises(NotFound, match="unknown user"):
        assign(setup, [task_id], "ghost")
    with pytest.raises(NotFound, match="unknown group"):
        assign_group(setup, [task_id], "ghosts")
    assert _state(task_id)[1] == people.get_user("bob").id


def test_history_records_the_acting_user_and_os_login(setup):
    other = acting_user("dave", "root", register=True)
    task_id = raise_task(other, "stock_diff", "t").task_id
    mark_done(setup, [task_id])
    assert [(h[0], h[4], h[5]) for h in _history(task_id)] == [("created", "dave", "root"), ("done", "alice", "ops")]
    assert Task.get_by_id(task_id).done_by.login == "alice"


def test_bulk_is_atomic_when_history_fails(setup, monkeypatch):
    ids = [raise_task(setup, "stock_diff", f"t{i}").task_id for i in range(3)]

    def broken(rows):
        raise RuntimeError("disk full")

    monkeypatch.setattr(transitions, "insert_history", broken)
    with pytest.raises(RuntimeError):
        mark_done(setup, ids)
    assert all(_state(i)[0] == OPEN for i in ids)


def test_matching_ids_and_get_task(setup):
    ids = [raise_task(setup, "stock_diff", f"t{i}").task_id for i in range(3)]
    mark_done(setup, ids[:1])
    assert matching_ids(TaskFilter()) == sorted(ids[1:], reverse=True)
    assert get_task(ids[0]).title == "t0"
    with pytest.raises(NotFound, match="unknown task 12345"):
        get_task(12345)


def test_dependency_candidates_by_id_and_by_words(actor):
    """The task picker's search: the task of a typed id first, then the newest tasks
    containing the text; never the task itself; at most `limit`."""
    from tasktui.services.events.definitions import create_event
    from tasktui.services.tasks.detail import dependency_candidates
    from tasktui.services.tasks.raising import raise_task

    create_event("sync_failed", "Sync failed", responsible_user="alice")
    ids = [raise_task(actor, "sync_failed", f"Sync of shop {n} failed").task_id for n in range(1, 5)]
    assert dependency_candidates(ids[0], "shop 3") == [(ids[2], f"#{ids[2]} Sync of shop 3 failed · open")]
    assert [i for i, _ in dependency_candidates(ids[0], "sync")] == [ids[3], ids[2], ids[1]]
    assert [i for i, _ in dependency_candidates(ids[3], str(ids[1]))][:1] == [ids[1]]
    assert dependency_candidates(ids[0], str(ids[0])) == []  # never itself (no title holds the digits)
    assert len(dependency_candidates(ids[0], "sync", limit=2)) == 2
