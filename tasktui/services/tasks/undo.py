"""Undo of a change set (`tasktui undo`, `z` in the TUI), and the list of them.

Undo writes every task of a change set back to its values before the action — status,
done at / by, assignee, group, attribute values, whatever fields the action recorded
(`change_sets`) — in one transaction, with a history entry per shown field, and
records itself as a change set: undoing that undo redoes the action.

A task whose values are no longer what the action left (someone changed it since) is
skipped, never overwritten, and reported with who changed it last (from its history).
A task the action created (an import) is deleted again — unless someone changed or
commented on it since — and a redo inserts it again with the same id.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import peewee as pw

from tasktui.db import retrying
from tasktui.db.bulk_rows import insert_rows
from tasktui.errors import NotFound, Refused
from tasktui.lazy_typing import TYPE_CHECKING
from tasktui.models import AttributeDef, ChangeSet, ChangeSetTask, Comment, Task, TaskAttribute, TaskHistory, User
from tasktui.services.context import Actor
from tasktui.services.tasks.bulk_insert import CHUNK
from tasktui.services.tasks.change_sets import (
    ALL_ATTRIBUTES,
    ATTR_PREFIX,
    NameCache,
    column_value,
    current_values,
    dumps,
    history_name,
    loads,
    raw_rows,
    render,
    tuples_of,
    write_change_set,
)
from tasktui.services.tasks.history import history, insert_history

if TYPE_CHECKING:
    from tasktui.services.tasks.change_sets import Values

#: Why a task of a change set was not undone.
GONE = "no longer exists"


@dataclass(frozen=True)
class ChangeSetInfo:
    """A change set as `undo --list` shows it."""

    id: int
    at: dt.datetime
    login: str
    action: str
    label: str
    tasks: int
    undoes: int | None
    undone_by: int | None

    @property
    def state(self) -> str:
        """`in force`, or which undo reverted it."""
        return "in force" if self.undone_by is None else f"undone by #{self.undone_by}"


@dataclass
class UndoResult:
    """What an undo did: the change set it reverted, the one it recorded (None when
    nothing could be reverted), the tasks reverted and those skipped per reason."""

    undone: int
    label: str
    change_set_id: int | None = None
    reverted: list[int] = field(default_factory=list)
    skipped: dict[str, list[int]] = field(default_factory=dict)

    @property
    def skipped_count(self) -> int:
        """How many tasks were skipped, whatever the reason."""
        return sum(len(ids) for ids in self.skipped.values())

    def summary(self) -> str:
        """One line: what was undone, how many tasks, who changed the skipped ones."""
        text = f"undo of #{self.undone} ({self.label}): {len(self.reverted):,} reverted"
        if self.skipped:
            reasons = "; ".join(f"{len(ids):,} {reason}" for reason, ids in self.skipped.items())
            text += f", {self.skipped_count:,} skipped ({reasons})"
        return text


def _info(row: ChangeSet, login: str) -> ChangeSetInfo:
    return ChangeSetInfo(
        row.id, row.created_at, login, row.action, row.label, row.task_count, row.undoes_id, row.undone_by_id
    )


def list_change_sets(actor: Actor, limit: int = 20) -> list[ChangeSetInfo]:
    """The acting user's change sets, newest first."""
    query = (
        ChangeSet.select(ChangeSet, User.login)
        .join(User, on=(ChangeSet.user == User.id))
        .where(ChangeSet.user == actor.user_id)
        .order_by(ChangeSet.id.desc())
        .limit(limit)
    )
    return [_info(row, row.user.login) for row in query]


def last_change_set(actor: Actor) -> ChangeSetInfo | None:
    """The acting user's latest change set still in force (what `undo` reverts)."""
    row = (
        ChangeSet.select()
        .where((ChangeSet.user == actor.user_id) & ChangeSet.undone_by.is_null())
        .order_by(ChangeSet.id.desc())
        .first()
    )
    return _info(row, actor.login) if row else None


def undo(actor: Actor, change_set_id: int | None = None) -> UndoResult:
    """Revert the change set `change_set_id` (default: the acting user's latest one in
    force) in one transaction. Refused for another user's change set and for one
    undone already (undo its undo to redo it)."""

    def work() -> UndoResult:
        target = _target(actor, change_set_id)
        result = UndoResult(target.id, target.label)
        items: list[tuple[int, str | None, str | None]] = raw_rows(
            ChangeSetTask.select(ChangeSetTask.task_id, ChangeSetTask.before, ChangeSetTask.after)
            .where(ChangeSetTask.change_set == target.id)
            .order_by(ChangeSetTask.task_id)
        )
        # a change set's items mostly share a few distinct texts: each is read once
        parsed = _Parsed()
        ids = [task_id for task_id, _, _ in items]
        fields = _fields(parsed, items)
        now = current_values(ids, fields)
        conflicts: dict[int, str] = {}
        plan: list[tuple[int, str | None, str | None]] = []  # task id, what it becomes, what it is now
        restored: dict[tuple[str | None, str | None], str | None] = {}  # (before, after) -> what it is now
        for task_id, before, after in items:
            expected = parsed(after)
            current = now[task_id]
            if current is None and expected is not None:
                conflicts[task_id] = GONE
            elif not _same(current, expected, parsed.snapshot(after)):
                conflicts[task_id] = ""
            else:
                key = (before, after)
                text = restored.get(key, _UNKNOWN)
                if text is _UNKNOWN:
                    shape = parsed(before) or expected
                    text = dumps(_restricted(current, shape))
                    if _determined(shape, expected):
                        restored[key] = text
                plan.append((task_id, before, text))  # type: ignore[arg-type]
        deletions = [task_id for task_id, before, _ in plan if before is None]
        busy = _touched_since(deletions, target.history_mark, target.created_at)
        for task_id, login in busy.items():
            conflicts[task_id] = f"changed since by {login}"
        plan = [p for p in plan if p[0] not in busy]
        _name_conflicts(conflicts, target, result)
        _apply(actor, plan, target.id)
        result.reverted = [task_id for task_id, _, _ in plan]
        rows = {task_id: (current, before) for task_id, before, current in plan}
        if rows:
            result.change_set_id = write_change_set(
                actor, "undo", f"undo of #{target.id} ({target.label})", rows, undoes=target.id
            )
            ChangeSet.update(undone_by=result.change_set_id).where(ChangeSet.id == target.id).execute()
        return result

    return retrying(work)


def _target(actor: Actor, change_set_id: int | None) -> ChangeSet:
    if change_set_id is None:
        row = (
            ChangeSet.select()
            .where((ChangeSet.user == actor.user_id) & ChangeSet.undone_by.is_null())
            .order_by(ChangeSet.id.desc())
            .first()
        )
        if row is None:
            raise NotFound(f"nothing to undo: {actor.login} has no bulk action in force")
        return row
    row = ChangeSet.get_or_none(ChangeSet.id == change_set_id)
    if row is None:
        raise NotFound(f"unknown change set {change_set_id}")
    if row.user_id != actor.user_id:
        owner = User.get_by_id(row.user_id).login
        raise Refused(f"change set {change_set_id} is {owner}'s: only they can undo it")
    if row.undone_by_id is not None:
        raise Refused(
            f"change set {change_set_id} was undone by #{row.undone_by_id} already (undo #{row.undone_by_id} to redo it)"
        )
    return row


class _Parsed:
    """Stored values read once per distinct text (the values are shared: never
    changed in place)."""

    def __init__(self) -> None:
        self._values: dict[str | None, Values] = {None: None}
        self._snapshots: dict[str | None, bool] = {}

    def __call__(self, text: str | None) -> Values:
        try:
            return self._values[text]
        except KeyError:
            values = self._values[text] = loads(text)
            return values

    def snapshot(self, text: str | None) -> bool:
        """Whether the stored values `text` are a whole task (an import's)."""
        try:
            return self._snapshots[text]
        except KeyError:
            values = self(text)
            flag = self._snapshots[text] = values is not None and _is_snapshot(list(values))
            return flag


#: Not known yet (a value that None cannot stand for).
_UNKNOWN = object()


def _fields(parsed: _Parsed, items: Iterable[tuple[int, str | None, str | None]]) -> list[str]:
    """Every field the items record (a change set's items mostly share one shape)."""
    seen: dict[str, None] = {}
    shapes: set[tuple[str, ...]] = set()
    texts: set[str | None] = set()
    for _, before, after in items:
        texts.add(before)
        texts.add(after)
    for text in texts:
        values = parsed(text)
        if values is not None:
            shape = tuple(values)
            if shape not in shapes:
                shapes.add(shape)
                seen.update(dict.fromkeys(shape))
    fields = list(seen)
    if any(f.startswith(ATTR_PREFIX) for f in fields) and _is_snapshot(fields):
        fields.append(ALL_ATTRIBUTES)
    return fields


def _is_snapshot(fields: list[str]) -> bool:
    """Whether the items are whole tasks (an import's): their attributes are all of them."""
    return "title" in fields and "event" in fields


def _same(current: Values, expected: Values, snapshot: bool) -> bool:
    """Whether a task still has the values the action left: every recorded field
    equal (for a whole-task snapshot, also no attribute the snapshot did not have)."""
    if current is None or expected is None:
        return current is None and expected is None
    if any(current.get(k) != v for k, v in expected.items()):
        return False
    if snapshot:
        return not any(k.startswith(ATTR_PREFIX) and k not in expected and v is not None for k, v in current.items())
    return True


def _restricted(values: Values, shape: Values) -> Values:
    """`values` with only the fields `shape` records (all of them for a snapshot)."""
    if values is None or shape is None or _is_snapshot(list(shape)):
        return values
    return {k: values.get(k) for k in shape}


def _determined(shape: Values, expected: Values) -> bool:
    """Whether `_restricted(current, shape)` of a task found `_same` as `expected` is
    the same for every such task: `shape` records only fields `expected` fixes."""
    if shape is None or expected is None or _is_snapshot(list(shape)):
        return False
    return all(k in expected for k in shape)


def _touched_since(ids: list[int], mark: int, since: dt.datetime) -> dict[int, str]:
    """Tasks among `ids` with history after `mark` or a comment since `since`
    (deleting them, the undo of an import, would lose someone's work), with who did
    it last."""
    touched: dict[int, str] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for model, who, when in (
            (TaskHistory, TaskHistory.actor, TaskHistory.id),
            (Comment, Comment.author, Comment.id),
        ):
            condition = model.task.in_(chunk)
            condition &= (TaskHistory.id > mark) if model is TaskHistory else (Comment.at >= since)
            query = model.select(model.task, User.login).join(User, on=(who == User.id)).where(condition).order_by(when)
            touched.update(dict(tuples_of(query)))
    return touched


def _name_conflicts(conflicts: dict[int, str], target: ChangeSet, result: UndoResult) -> None:
    """Sort the skipped tasks by reason, naming who changed each last."""
    changed = [task_id for task_id, reason in conflicts.items() if not reason]
    who = _touched_since(changed, target.history_mark, target.created_at) if changed else {}
    for task_id, reason in sorted(conflicts.items()):
        if not reason:
            login = who.get(task_id)
            reason = f"changed since by {login}" if login else "changed since"
        result.skipped.setdefault(reason, []).append(task_id)


def _apply(actor: Actor, plan: list[tuple[int, str | None, str | None]], undone: int) -> None:
    """Write the planned values: tasks with the same target values in one UPDATE per
    chunk; deletions and re-insertions of whole tasks; one history entry per task and
    shown field."""
    deletions = [task_id for task_id, before, _ in plan if before is None]
    for start in range(0, len(deletions), CHUNK):
        Task.delete().where(Task.id.in_(deletions[start : start + CHUNK])).execute()
    groups: dict[tuple[str, str | None], list[int]] = defaultdict(list)
    for task_id, before, current in plan:
        if before is not None:
            groups[(before, current)].append(task_id)
    attribute_ids: dict[str, int] = {}
    names = NameCache()
    history_rows: list[dict] = []
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    for (before, current), ids in groups.items():
        target, present = loads(before), loads(current)
        assert target is not None
        if present is None:
            _insert(ids[0], target, attribute_ids)
            history_rows.append(history(ids[0], actor, "undo", "task", "deleted", f"restored (undo of #{undone})"))
            continue
        columns = {
            getattr(Task, name): column_value(name, value)
            for name, value in target.items()
            if not name.startswith(ATTR_PREFIX) and present.get(name) != value
        }
        if columns:
            columns.setdefault(Task.updated_at, now)
            for start in range(0, len(ids), CHUNK):
                Task.update(columns).where(Task.id.in_(ids[start : start + CHUNK])).execute()
        attributes = {
            name.removeprefix(ATTR_PREFIX): value
            for name, value in target.items()
            if name.startswith(ATTR_PREFIX) and present.get(name) != value
        }
        if attributes:
            _write_attributes(ids, attributes, attribute_ids)
        shown = [
            (history_name(name), render(name, present.get(name), names), render(name, value, names))
            for name, value in target.items()
            if present.get(name) != value and history_name(name)
        ]
        entries = [history(ids[0], actor, "undo", name, old, new) for name, old, new in shown]
        history_rows.extend({**entry, "task": i} for i in ids for entry in entries)
    insert_history(history_rows)


def _attribute_id(key: str, known: dict[str, int]) -> int:
    if key not in known:
        known[key] = AttributeDef.get(AttributeDef.key == key).id
    return known[key]


def _write_attributes(ids: list[int], values: dict[str, str | None], known: dict[str, int]) -> None:
    for key, value in values.items():
        attribute = _attribute_id(key, known)
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            where = TaskAttribute.task.in_(chunk) & (TaskAttribute.attribute == attribute)
            TaskAttribute.delete().where(where).execute()
            if value is not None:
                insert_rows(TaskAttribute, [{"task": i, "attribute": attribute, "value": value} for i in chunk])


def _insert(task_id: int, values: dict, known: dict[str, int]) -> None:
    """Insert a whole task again (the redo of an undone import), with its id."""
    row: dict[pw.Field, object] = {Task.id: task_id}
    for name, value in values.items():
        if not name.startswith(ATTR_PREFIX):
            row[getattr(Task, name)] = column_value(name, value)
    Task.insert(row).execute()
    attributes = {
        k.removeprefix(ATTR_PREFIX): v for k, v in values.items() if k.startswith(ATTR_PREFIX) and v is not None
    }
    if attributes:
        TaskAttribute.insert_many(
            [{"task": task_id, "attribute": _attribute_id(k, known), "value": v} for k, v in attributes.items()]
        ).execute()


def change_set_detail(actor: Actor, change_set_id: int) -> dict:
    """One change set with its tasks' before and after values (for `undo --show`)."""
    row = ChangeSet.get_or_none(ChangeSet.id == change_set_id)
    if row is None or row.user_id != actor.user_id:
        raise NotFound(f"unknown change set {change_set_id}")
    items = ChangeSetTask.select().where(ChangeSetTask.change_set == row.id).order_by(ChangeSetTask.task_id)
    return {
        **_info(row, actor.login).__dict__,
        "tasks": [
            {"task": i.task_id, "before": json.loads(i.before or "null"), "after": json.loads(i.after or "null")}
            for i in items
        ],
    }
