"""Change sets: what a bulk action changed, task by task, so that it can be undone.

Every bulk action (done, reopen, assign, unassign, set group, set attribute, import,
and an undo itself) records, inside its own transaction, one `ChangeSet` with one
`ChangeSetTask` per task it changed: the values of the *fields* it changes, before and
after, as JSON objects.

How an action registers itself: it names its fields and lets a `ChangeRecorder`
snapshot them around its writes —

    recorder = ChangeRecorder(actor, "ack", "acknowledge", ("acknowledged_by", "acknowledged_at"))
    recorder.capture(ids)          # before the UPDATE: the values as they are
    ...the action's UPDATE...
    change_set_id = recorder.save()  # after it: the values as they are now

A field is any `Task` column by its field name (`status`, `done_at`, `assignee`,
`group`, a column added later such as `snoozed_until`), `attr:<key>` for one
attribute value, or `attr:*` for every attribute value of the task. Undo
(`services.tasks.undo`) writes those fields back, whatever they are; `track_field`
says how a field shows in the task history (a user's login, a group's name, or not
at all because it follows another field, as `done_at` follows `status`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence

import peewee as pw

from tasktui.db.bulk_rows import insert_rows
from tasktui.lazy_typing import TYPE_CHECKING
from tasktui.models import AttributeDef, ChangeSet, ChangeSetTask, Group, Task, TaskAttribute, TaskHistory, User
from tasktui.records import Record
from tasktui.services.context import Actor
from tasktui.services.tasks.bulk_insert import CHUNK

if TYPE_CHECKING:
    from typing import Any

    #: A task's values of some fields; None: the task does not exist.
    Values = dict[str, Any] | None

#: The prefix of attribute fields (`attr:priority`); `attr:*` means all of them.
ATTR_PREFIX = "attr:"
ALL_ATTRIBUTES = "attr:*"
#: Every column of a task (an import's snapshot: what a redo needs to insert it again).
ALL_TASK_COLUMNS: tuple[str, ...] = tuple(name for name in Task._meta.sorted_field_names if name != "id")


class TrackedField(Record):
    """How a recorded field shows in the task history: under `history_name` (None:
    not at all, it follows another field), rendered by `render` (an id to a login...)."""

    history_name: str | None
    render: str = "plain"  # plain | user | group


#: Fields with their own history rendering; any other Task column shows under its
#: own name as plain text, an attribute under its key.
TRACKED_FIELDS: dict[str, TrackedField] = {}


def track_field(name: str, history_name: str | None = "", render: str = "plain") -> None:
    """Say how the Task column `name` shows in the history of an undo ("" : under
    its own name; None: not shown). Issue 17's columns register here, e.g.
    `track_field("acknowledged_by", render="user")`."""
    TRACKED_FIELDS[name] = TrackedField(name if history_name == "" else history_name, render)


track_field("status")
track_field("assignee", render="user")
track_field("group", render="group")
track_field("done_at", None)
track_field("done_by", None)
track_field("updated_at", None)
track_field("acknowledged_by", render="user")
track_field("acknowledged_at", None)
track_field("snoozed_until")


def tuples_of(query: Any) -> list[tuple[Any, ...]]:
    """The rows of a query as tuples (typed for mypy, which reads peewee's as models)."""
    return list(query.tuples())


def history_name(field: str) -> str | None:
    """The history field a recorded field shows under (None: not shown)."""
    if field.startswith(ATTR_PREFIX):
        return field.removeprefix(ATTR_PREFIX)
    tracked = TRACKED_FIELDS.get(field)
    return tracked.history_name if tracked else field


def _plain(value: Any) -> Any:
    """A value as JSON keeps it (datetimes as ISO text)."""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def column_value(field: str, value: Any) -> Any:
    """A recorded (JSON) value as the Task column `field` takes it."""
    column = Task._meta.fields.get(field)
    if value is not None and isinstance(column, pw.DateTimeField):
        return dt.datetime.fromisoformat(value)
    return value


def dumps(values: Values) -> str | None:
    """The stored form of a task's values (None: the task does not exist)."""
    return None if values is None else json.dumps(values, sort_keys=True, separators=(",", ":"))


def loads(text: str | None) -> Values:
    """A task's values from their stored form."""
    return None if text is None else json.loads(text)


def _columns(fields: Iterable[str]) -> list[str]:
    return [f for f in fields if not f.startswith(ATTR_PREFIX)]


def raw_rows(query: Any) -> list[tuple[Any, ...]]:
    """The rows of a query as the driver returns them: no model, no conversion (for
    columns whose stored form is the value: ids, text)."""
    return list(query.execute().cursor.fetchall())


def _reader(field: pw.Field) -> Callable[[Any], Any] | None:
    """How a stored value of `field` becomes the plain form change sets keep (None:
    it is that already, an int of an integer column or a str of a text column)."""
    target = field.rel_field if isinstance(field, pw.ForeignKeyField) else field
    if isinstance(target, (pw.IntegerField, pw.AutoField, pw.CharField, pw.TextField)) and not isinstance(
        target, pw.BooleanField
    ):
        return None
    python_value = field.python_value
    return lambda value: None if value is None else _plain(python_value(value))


def current_values(ids: Sequence[int], fields: Sequence[str]) -> dict[int, Values]:
    """The values of `fields` of the tasks `ids` as stored now (None for a task that
    does not exist), in the plain form change sets keep."""
    columns = _columns(fields)
    attribute_keys = [f.removeprefix(ATTR_PREFIX) for f in fields if f.startswith(ATTR_PREFIX) and f != ALL_ATTRIBUTES]
    every_attribute = ALL_ATTRIBUTES in fields
    found: dict[int, Values] = {i: None for i in ids}
    selected = [Task.id, *(getattr(Task, c) for c in columns)]
    readers: list[tuple[int, Callable[[Any], Any]]] = []
    for i, c in enumerate(columns):
        read = _reader(getattr(Task, c))
        if read is not None:
            readers.append((i, read))
    empty_attributes = {ATTR_PREFIX + key: None for key in attribute_keys}
    definitions: dict[int, str] = {}
    if attribute_keys or every_attribute:
        query = AttributeDef.select(AttributeDef.id, AttributeDef.key)
        if not every_attribute:
            query = query.where(AttributeDef.key.in_(attribute_keys))
        definitions = dict(tuples_of(query))
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        wanted = set(chunk)
        for row in raw_rows(Task.select(*selected).where(_ids(Task.id, chunk))):
            if row[0] in wanted:
                plain = list(row[1:])
                for i, read in readers:
                    plain[i] = read(plain[i])
                values = dict(zip(columns, plain))
                if empty_attributes:
                    values.update(empty_attributes)
                found[row[0]] = values
        if definitions:
            rows = TaskAttribute.select(TaskAttribute.task, TaskAttribute.attribute, TaskAttribute.value).where(
                _ids(TaskAttribute.task, chunk) & TaskAttribute.attribute.in_(list(definitions))
            )
            for task_id, attribute_id, value in raw_rows(rows):
                task_values = found.get(task_id) if task_id in wanted else None
                if task_values is not None:
                    task_values[ATTR_PREFIX + definitions[attribute_id]] = value
    return found


def _ids(column: Any, chunk: list[int]) -> Any:
    """`column` among the sorted ids `chunk`: as a range when they are dense (binding
    500 ids costs more than reading a few rows more; the caller drops the others)."""
    if chunk[-1] - chunk[0] < 2 * len(chunk):
        return column.between(chunk[0], chunk[-1])
    return column.in_(chunk)


def history_mark() -> int:
    """The id of the latest history entry: later ones are changes made since."""
    return TaskHistory.select(pw.fn.MAX(TaskHistory.id)).scalar() or 0


def write_change_set(
    actor: Actor,
    action: str,
    label: str,
    rows: Mapping[int, tuple[str | None, str | None]],
    undoes: int | None = None,
) -> int:
    """Store a change set: `rows` is task id -> (before, after) in stored form."""
    change_set = _change_set(actor, action, label, len(rows), undoes)
    _insert_task_rows(change_set.id, rows)
    return change_set.id


def _insert_task_rows(change_set_id: int, rows: Mapping[int, tuple[str | None, str | None]]) -> None:
    insert_rows(
        ChangeSetTask,
        [
            {"change_set": change_set_id, "task_id": task_id, "before": before, "after": after}
            for task_id, (before, after) in rows.items()
        ],
    )


def _change_set(actor: Actor, action: str, label: str, task_count: int, undoes: int | None = None) -> ChangeSet:
    return ChangeSet.create(
        user=actor.user_id,
        os_login=actor.os_login,
        action=action,
        label=label[:255],
        task_count=task_count,
        history_mark=history_mark(),
        undoes=undoes,
    )


def save_created(
    actor: Actor, action: str, label: str, fields: Sequence[str], count: int, id_chunks: Iterable[Sequence[int]]
) -> int:
    """Store the change set of an action that created `count` tasks, whose ids come
    in chunks (ascending): the rows a `ChangeRecorder` that `capture_new`d them would
    save (before: none; after: `fields` as stored now), a chunk at a time, so that a
    million new tasks are never held at once (`tasktui import`)."""
    change_set = _change_set(actor, action, label, count)
    for ids in id_chunks:
        after = current_values(ids, fields)
        _insert_task_rows(change_set.id, {i: (None, dumps(after[i])) for i in ids})
    return change_set.id


class ChangeRecorder:
    """Records one action's change set: `capture` the fields of the tasks it will
    change before its writes, `save` after them (in the same transaction)."""

    def __init__(self, actor: Actor, action: str, label: str, fields: Sequence[str]) -> None:
        self.actor, self.action, self.label, self.fields = actor, action, label, tuple(fields)
        self._before: dict[int, Values] = {}

    def capture(self, ids: Sequence[int]) -> None:
        """Snapshot the fields of `ids` as they are now (before the action writes)."""
        self._before.update(current_values(list(ids), self.fields))

    def capture_new(self, ids: Sequence[int]) -> None:
        """Tasks the action created: before it, they did not exist."""
        self._before.update({i: None for i in ids})

    def save(self) -> int | None:
        """Store the change set of the captured tasks whose values changed (None when
        none did: nothing to undo)."""
        after = current_values(list(self._before), self.fields)
        rows: dict[int, tuple[str | None, str | None]] = {}
        texts: dict[tuple[Any, ...], str | None] = {}  # the stored form of each distinct set of values

        def stored(values: Values) -> str | None:
            if values is None:
                return None
            key = tuple((k, type(v), v) for k, v in values.items())  # 1 and True are equal keys
            try:
                return texts[key]
            except KeyError:
                text = texts[key] = dumps(values)
                return text
            except TypeError:  # a value that is no dict key
                return dumps(values)

        for task_id, before in self._before.items():
            if before != after[task_id]:
                rows[task_id] = (stored(before), stored(after[task_id]))
        if not rows:
            return None
        return write_change_set(self.actor, self.action, self.label, rows)


def render(field: str, value: Any, names: Callable[[str, Any], str | None]) -> str | None:
    """A recorded value as the history shows it (a login for a user id...)."""
    tracked = TRACKED_FIELDS.get(field)
    if tracked is not None and tracked.render in ("user", "group") and value is not None:
        return names(tracked.render, value)
    return None if value is None else str(value)


class NameCache:
    """Logins and group names by id, looked up once each (for history rendering)."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, Any], str | None] = {}

    def __call__(self, kind: str, value: Any) -> str | None:
        key = (kind, value)
        if key not in self._known:
            if kind == "user":
                row = User.get_or_none(User.id == value)
                self._known[key] = row.login if row else str(value)
            else:
                group = Group.get_or_none(Group.id == value)
                self._known[key] = group.name if group else str(value)
        return self._known[key]
