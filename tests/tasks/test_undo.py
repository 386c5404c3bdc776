"""Undo of bulk actions (issue 18.2): every bulk action is one change set; undo
reverts the acting user's last one exactly, skips (and names) tasks changed since by
someone, is one transaction with history, and undoing the undo redoes the action.
Dry runs (the preview) change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasktui.errors import NotFound, Refused
from tasktui.models import DONE, OPEN, ChangeSet, Task, TaskAttribute, TaskHistory
from tasktui.services import people
from tasktui.services.attributes import definitions as attributes
from tasktui.services.attributes import sets as attribute_sets
from tasktui.services.context import acting_user
from tasktui.services.events import definitions as events
from tasktui.services.tasks.attribute_values import set_task_attributes, typed_values
from tasktui.services.tasks.raising import raise_task
from tasktui.services.tasks.transitions import assign, assign_group, mark_done, reopen, unassign
from tasktui.services.tasks.undo import last_change_set, list_change_sets, undo
from tasktui.services.transfer import importing


@pytest.fixture
def world(database, actor):
    people.add_user("bob")
    people.add_user("carol")
    people.add_group("warehouse")
    people.add_group("finance")
    attributes.create_attribute("qty", "Quantity", "integer")
    attribute_sets.create_attribute_set("stock_set", "Stock", ["qty"])
    events.create_event("stock_diff", "Stock", responsible_user="bob", responsible_group="warehouse",
                        attribute_set="stock_set")  # fmt: skip
    return actor


def _raise(actor, n: int, **kw) -> list[int]:
    return [raise_task(actor, "stock_diff", f"task {i}", **kw).task_id for i in range(n)]


def _row(task_id: int) -> tuple:
    t = Task.get_by_id(task_id)
    return (t.status, t.done_at, t.done_by_id, t.assignee_id, t.group_id)


def _history(task_id: int) -> list[tuple]:
    rows = TaskHistory.select().where(TaskHistory.task == task_id).order_by(TaskHistory.id)
    return [(h.action, h.field, h.old, h.new, h.actor.login) for h in rows]


def test_undo_of_mark_done_restores_each_task_and_redo_brings_back_the_same_values(world):
    ids = _raise(world, 4)
    mark_done(world, ids[:1])  # done before the bulk action: not part of it
    first_done = _row(ids[0])
    result = mark_done(world, ids)
    assert result.change_set_id is not None and sorted(result.changed) == ids[1:]
    done_rows = {i: _row(i) for i in ids}
    undone = undo(world)
    assert (undone.undone, sorted(undone.reverted), undone.skipped) == (result.change_set_id, ids[1:], {})
    assert [_row(i) for i in ids[1:]] == [(OPEN, None, None, Task.get_by_id(i).assignee_id, Task.get_by_id(i).group_id)
                                         for i in ids[1:]]  # fmt: skip
    assert _row(ids[0]) == first_done  # not in the change set: left alone
    assert _history(ids[1])[-1] == ("undo", "status", "done", "open", "alice")
    assert ChangeSet.get_by_id(result.change_set_id).undone_by_id == undone.change_set_id
    # undo of the undo: done again, with the very done time and done by of the action
    redone = undo(world)
    assert redone.undone == undone.change_set_id and sorted(redone.reverted) == ids[1:]
    assert {i: _row(i) for i in ids} == done_rows
    assert _history(ids[1])[-1] == ("undo", "status", "open", "done", "alice")


def test_undo_of_assign_gives_every_task_its_own_previous_assignee(world):
    ids = _raise(world, 3)
    assign(world, ids[1:2], "carol")
    unassign(world, ids[2:3])
    before = {i: Task.get_by_id(i).assignee_id for i in ids}
    result = assign(world, ids)  # to alice
    assert len(result.changed) == 3
    undo(world, result.change_set_id)
    assert {i: Task.get_by_id(i).assignee_id for i in ids} == before
    assert _history(ids[1])[-1] == ("undo", "assignee", "alice", "carol", "alice")
    assert _history(ids[2])[-1] == ("undo", "assignee", "alice", None, "alice")


def test_undo_of_group_and_unassign(world):
    ids = _raise(world, 2)
    grouped = assign_group(world, ids, "finance")
    undo(world, grouped.change_set_id)
    assert [Task.get_by_id(i).group.name for i in ids] == ["warehouse", "warehouse"]
    cleared = unassign(world, ids)
    undo(world, cleared.change_set_id)
    assert [Task.get_by_id(i).assignee.login for i in ids] == ["bob", "bob"]


def test_undo_of_set_attribute(world):
    (task_id,) = _raise(world, 1, attributes={"qty": "3"})
    set_task_attributes(world, task_id, {"qty": "7"})
    undo(world)
    assert typed_values([task_id])[task_id] == {"qty": 3}
    set_task_attributes(world, task_id, {"qty": None})
    undo(world)
    assert typed_values([task_id])[task_id] == {"qty": 3}
    assert _history(task_id)[-1] == ("undo", "qty", None, "3", "alice")


def test_a_task_changed_since_by_someone_else_is_skipped_and_named(world):
    ids = _raise(world, 3)
    result = mark_done(world, ids)
    bob = acting_user("bob", "ops")
    reopen(bob, ids[:1])
    assign(bob, ids[1:2], "carol")  # the assignee is not what the change set recorded: no conflict
    undone = undo(world)
    assert undone.skipped == {"changed since by bob": [ids[0]]}
    assert sorted(undone.reverted) == ids[1:]
    assert Task.get_by_id(ids[0]).status == OPEN and _history(ids[0])[-1][-1] == "bob"  # bob's reopen, untouched
    assert Task.get_by_id(ids[1]).assignee.login == "carol"  # bob's assignment stays
    assert "1 skipped (1 changed since by bob)" in undone.summary()
    assert result.change_set_id == undone.undone


def test_refusals(world):
    with pytest.raises(NotFound, match="nothing to undo"):
        undo(world)
    ids = _raise(world, 1)
    result = mark_done(world, ids)
    with pytest.raises(Refused, match="alice's"):
        undo(acting_user("bob", "ops"), result.change_set_id)
    undo(world, result.change_set_id)
    with pytest.raises(Refused, match="undone by #"):
        undo(world, result.change_set_id)
    with pytest.raises(NotFound, match="unknown change set"):
        undo(world, 9999)


def test_dry_run_changes_nothing_and_records_nothing(world):
    ids = _raise(world, 3)
    mark_done(world, ids[:1])
    count = ChangeSet.select().count()
    preview = mark_done(world, ids, dry_run=True)
    assert (sorted(preview.changed), preview.skipped, preview.change_set_id) == (
        ids[1:],
        {"already done": ids[:1]},
        None,
    )
    assert [Task.get_by_id(i).status for i in ids] == [DONE, OPEN, OPEN]
    assert ChangeSet.select().count() == count
    for dry in (assign(world, ids, "carol", dry_run=True), unassign(world, ids, dry_run=True),
                assign_group(world, ids, "finance", dry_run=True), reopen(world, ids, dry_run=True)):  # fmt: skip
        assert dry.change_set_id is None and dry.changed
    assert ChangeSet.select().count() == count
    assert [Task.get_by_id(i).assignee.login for i in ids] == ["bob"] * 3


def test_undo_is_all_or_nothing(world, monkeypatch):
    ids = _raise(world, 3)
    mark_done(world, ids)
    from tasktui.services.tasks import undo as undo_module

    def broken(rows):
        raise RuntimeError("disk gone")

    monkeypatch.setattr(undo_module, "insert_history", broken)
    with pytest.raises(RuntimeError):
        undo(world)
    assert [Task.get_by_id(i).status for i in ids] == [DONE] * 3
    assert last_change_set(world).action == "done"


def test_list_shows_the_users_change_sets_newest_first(world):
    ids = _raise(world, 2)
    mark_done(world, ids)
    assign(world, ids, "carol")
    undo(world)
    listed = list_change_sets(world)
    assert [(c.action, c.tasks) for c in listed] == [("undo", 2), ("assign", 2), ("done", 2)]
    assert listed[1].state == f"undone by #{listed[0].id}" and listed[0].state == "in force"
    assert list_change_sets(acting_user("bob", "ops")) == []


def test_undo_of_an_import_deletes_the_tasks_and_redo_brings_them_back(world, tmp_path: Path):
    import json

    record = {"id": 41, "created_at": "2024-05-01T10:00:00Z", "status": "done", "title": "imported",
              "description": "d", "plugin": None, "event": "stock_diff", "link": "", "done_at": "2024-05-02T10:00:00Z",
              "assignee": "carol", "group": None, "occurrences": 2, "last_seen_at": "2024-05-01T10:00:00Z",
              "dedup_key": None, "attributes": {"qty": 5}}  # fmt: skip
    path = tmp_path / "in.json"
    path.write_text(json.dumps([record, {**record, "id": 42, "title": "second"}]))
    result = importing.import_tasks(world, path)
    new_ids = sorted(t.new_id for t in result.tasks)
    rows = {i: Task.get_by_id(i).__data__ for i in new_ids}
    people.add_user("dave")
    from tasktui.services.tasks.detail import add_comment

    add_comment(acting_user("dave", "ops"), new_ids[1], "I am on it")
    undone = undo(world)
    assert undone.reverted == new_ids[:1] and undone.skipped == {"changed since by dave": new_ids[1:]}
    assert Task.get_or_none(Task.id == new_ids[0]) is None
    redone = undo(world)
    assert redone.reverted == new_ids[:1]
    assert Task.get_by_id(new_ids[0]).__data__ == rows[new_ids[0]]
    assert TaskAttribute.select().where(TaskAttribute.task == new_ids[0]).count() == 1
    assert typed_values(new_ids[:1]) == {new_ids[0]: {"qty": 5}}


def _triage(task_id: int) -> tuple:
    t = Task.get_by_id(task_id)
    return (t.acknowledged_by_id, t.acknowledged_at, t.snoozed_until)


def test_undo_of_acknowledge_gives_each_task_its_previous_acknowledgement(world):
    from tasktui.services.tasks.transitions import acknowledge, unacknowledge

    bob = acting_user("bob", "bob")
    ids = _raise(world, 3)
    acknowledge(bob, ids[:1])  # bob was on the first one: alice takes it over
    before = {i: _triage(i) for i in ids}
    result = acknowledge(world, ids)
    assert result.change_set_id is not None and sorted(result.changed) == ids
    assert {Task.get_by_id(i).acknowledged_by_id for i in ids} == {world.user_id}
    undone = undo(world)
    assert sorted(undone.reverted) == ids and undone.skipped == {}
    assert {i: _triage(i) for i in ids} == before
    assert _history(ids[0])[-1] == ("undo", "acknowledged_by", "alice", "bob", "alice")
    assert _history(ids[1])[-1] == ("undo", "acknowledged_by", "alice", None, "alice")
    undo(world)  # redo
    assert {Task.get_by_id(i).acknowledged_by_id for i in ids} == {world.user_id}
    cleared = unacknowledge(world, ids)
    assert cleared.change_set_id is not None and last_change_set(world).label == "unacknowledge"
    undo(world)
    assert {Task.get_by_id(i).acknowledged_by_id for i in ids} == {world.user_id}


def test_undo_of_snooze_and_unsnooze_restores_each_wake_up_time(world):
    import datetime as dt

    from tasktui.models import utcnow
    from tasktui.services.tasks.transitions import snooze, unsnooze

    ids = _raise(world, 3)
    soon = (utcnow() + dt.timedelta(hours=1)).replace(microsecond=0)
    later = soon + dt.timedelta(days=1)
    snooze(world, ids[:1], soon)
    result = snooze(world, ids, later)
    assert sorted(result.changed) == ids and result.change_set_id is not None
    undo(world)
    assert [Task.get_by_id(i).snoozed_until for i in ids] == [soon, None, None]
    undo(world)  # redo
    assert [Task.get_by_id(i).snoozed_until for i in ids] == [later] * 3
    woke = unsnooze(world, ids[1:])
    assert woke.change_set_id is not None
    undo(world)
    assert [Task.get_by_id(i).snoozed_until for i in ids] == [later] * 3


def test_toast_of_acknowledge_and_snooze_offers_undo(world):
    from tasktui.services.tasks.bulk_preview import toast_text
    from tasktui.services.tasks.transitions import acknowledge

    ids = _raise(world, 2)
    assert toast_text(acknowledge(world, ids)) == "2 acknowledged — z to undo"
    assert toast_text(acknowledge(world, ids)) == "0 acknowledged, 2 skipped (2 already acknowledged by you)"
