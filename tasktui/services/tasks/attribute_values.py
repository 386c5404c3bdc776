"""Custom attribute values of tasks: on raise, edited later (with history), as
typed values for JSON, grouped for the task detail, and as a task filter.

Values are stored in canonical text (see `attribute_types`), so a filter compares
canonical values through the (attribute, value) index.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import peewee as pw

from tasktui.db import write_transaction
from tasktui.errors import Invalid
from tasktui.models import AttributeDef, AttributeGroup, Event, Task, TaskAttribute, TaskHistory, utcnow
from tasktui.services.attributes.checks import choices_of
from tasktui.services.attributes.sets import set_attributes
from tasktui.services.attributes.types import canonicalise, expected, json_value
from tasktui.services.context import Actor

CHUNK = 500
UNGROUPED_LABEL = {"en": "Other", "de": "Sonstige"}


def _article(text: str) -> str:
    return text if text.split(" ", 1)[0] in ("a", "an", "one") else f"a value ({text})"


def _not_in_set(event: Event, keys: Iterable[str], allowed: Sequence[AttributeDef]) -> Invalid:
    keys = sorted(keys)
    names = ", ".join(repr(k) for k in keys)
    word = "attribute" if len(keys) == 1 else "attributes"
    if event.attribute_set_id is None:
        return Invalid(
            f"{word} {names}: event {event.identifier!r} has no attribute set, so its tasks carry no attributes"
        )
    known = ", ".join(d.key for d in allowed) or "none"
    return Invalid(f"{word} {names} not in the attribute set of event {event.identifier!r} (its attributes: {known})")


def values_for_raise(event: Event, given: Mapping[str, str] | None) -> dict[int, str]:
    """The canonical values a new task of `event` gets: the given ones validated for
    their types, defaults for the others. An attribute outside the event's set, a bad
    value or a missing required attribute is Invalid. Blank input means "no value"."""
    given = dict(given or {})
    if event.attribute_set_id is None and not given:
        return {}
    defs = set_attributes(event.attribute_set_id)
    by_key = {d.key: d for d in defs}
    unknown = [k for k in given if k not in by_key]
    if unknown:
        raise _not_in_set(event, unknown, defs)
    values: dict[int, str] = {}
    for defn in defs:
        raw = given.get(defn.key)
        if raw is not None and raw.strip():
            values[defn.id] = canonicalise(defn.key, defn.type, raw, choices_of(defn))
        elif defn.default is not None:
            values[defn.id] = defn.default
        elif defn.required:
            raise Invalid(
                f"attribute {defn.key!r} ({_article(expected(defn.type, choices_of(defn)))}) is required by "
                f"event {event.identifier!r} and has no default"
            )
    return values


def store_values(task_id: int, values: Mapping[int, str]) -> None:
    """Insert the attribute values of a new task (inside the raise's transaction)."""
    if values:
        TaskAttribute.insert_many([{"task": task_id, "attribute": a, "value": v} for a, v in values.items()]).execute()


@dataclass(frozen=True)
class AttributeChange:
    """One changed value of a task: canonical text before and after (None: no value)."""

    key: str
    old: str | None
    new: str | None


def set_task_attributes(actor: Actor, task_id: int, values: Mapping[str, str | None]) -> list[AttributeChange]:
    """Set (or with None / blank, clear) attribute values of a task in one
    transaction, validated as on raise; each change is written to the task's history.
    Unchanged values are not recorded. Returns the changes."""
    from tasktui.services.tasks.history import history, insert_history
    from tasktui.services.tasks.listing import get_task

    if not values:
        raise Invalid("no attribute values given")
    from tasktui.services.tasks.change_sets import ATTR_PREFIX, ChangeRecorder

    changes: list[AttributeChange] = []
    with write_transaction():
        task = get_task(task_id)
        recorder = ChangeRecorder(actor, "attribute", f"set {', '.join(values)}", [ATTR_PREFIX + k for k in values])
        recorder.capture([task.id])
        event = Event.get_by_id(task.event_id)
        allowed = {d.key: d for d in set_attributes(event.attribute_set_id)}
        stored = {
            row.attribute.key: row
            for row in TaskAttribute.select(TaskAttribute, AttributeDef)
            .join(AttributeDef)
            .where(TaskAttribute.task == task.id)
        }
        unknown = [k for k in values if k not in allowed and k not in stored]
        if unknown:
            raise _not_in_set(event, unknown, list(allowed.values()))
        rows = []
        for key, raw in values.items():
            defn = allowed[key] if key in allowed else stored[key].attribute
            new = canonicalise(key, defn.type, raw, choices_of(defn)) if raw is not None and raw.strip() else None
            if new is None and defn.required:
                raise Invalid(f"attribute {key!r} is required and cannot be cleared")
            old_row = stored.get(key)
            old = old_row.value if old_row else None
            if old == new:
                continue
            if new is None:
                assert old_row is not None  # else old == new, skipped above
                old_row.delete_instance()
            elif old_row is None:
                TaskAttribute.create(task=task.id, attribute=defn.id, value=new)
            else:
                TaskAttribute.update({TaskAttribute.value: new}).where(TaskAttribute.id == old_row.id).execute()
            changes.append(AttributeChange(key, old, new))
            rows.append(history(task.id, actor, "attribute", key, old, new))
        if rows:
            insert_history(rows)
            Task.update({Task.updated_at: utcnow()}).where(Task.id == task.id).execute()
            recorder.save()
    return changes


def set_task_attribute(actor: Actor, task_id: int, key: str, value: str | None) -> AttributeChange | None:
    """Set (None or blank: clear) one attribute value of a task, validated for its
    type and recorded in the history. None when the value did not change."""
    changes = set_task_attributes(actor, task_id, {key: value})
    return changes[0] if changes else None


def typed_values(task_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """{task id: {attribute key: typed value}} for JSON output (see `json_value`)."""
    result: dict[int, dict[str, Any]] = {i: {} for i in task_ids}
    ids = list(task_ids)
    for start in range(0, len(ids), CHUNK):
        query = (
            TaskAttribute.select(TaskAttribute.task, TaskAttribute.value, AttributeDef.key, AttributeDef.type)
            .join(AttributeDef)
            .where(TaskAttribute.task.in_(ids[start : start + CHUNK]))
            .order_by(AttributeDef.position, AttributeDef.key)
            .tuples()
        )
        for task_id, value, key, type_name in cast("Iterable[tuple[int, str | None, str, str]]", query):
            result[task_id][key] = json_value(type_name, value)
    return result


@dataclass(frozen=True)
class AttributeField:
    """One attribute of a task as the Attributes tab shows and edits it."""

    key: str
    label: str
    type: str
    required: bool
    choices: list[str]
    group_key: str | None
    group_label: str
    value: str | None
    in_set: bool

    @property
    def typed(self) -> Any:
        """The value as JSON carries it."""
        return json_value(self.type, self.value)


def task_attribute_fields(task_id: int, lang: str = "en") -> list[AttributeField]:
    """Every attribute of a task - those of its event's set, filled or not, and any
    stored value outside it - ordered by group (ungrouped last), then position."""
    from tasktui.services.tasks.listing import get_task

    task = get_task(task_id)
    event = Event.get_by_id(task.event_id)
    in_set = {d.id for d in set_attributes(event.attribute_set_id)}
    stored = {
        a: v
        for a, v in cast(
            "Iterable[tuple[int, str | None]]",
            TaskAttribute.select(TaskAttribute.attribute, TaskAttribute.value)
            .where(TaskAttribute.task == task.id)
            .tuples(),
        )
    }
    ids = in_set | set(stored)
    if not ids:
        return []
    defs = (
        AttributeDef.select(AttributeDef, AttributeGroup)
        .join(AttributeGroup, pw.JOIN.LEFT_OUTER)
        .where(AttributeDef.id.in_(list(ids)))
    )
    fields = []
    for d in defs:
        group = d.group if d.group_id else None
        fields.append(
            (
                (group is None, group.position if group else 0, group.key if group else "", d.position, d.key),
                AttributeField(
                    key=d.key,
                    label=d.label_de if lang == "de" and d.label_de else d.label_en,
                    type=d.type,
                    required=bool(d.required),
                    choices=choices_of(d),
                    group_key=group.key if group else None,
                    group_label=(group.label_de if lang == "de" and group.label_de else group.label_en)
                    if group
                    else UNGROUPED_LABEL.get(lang, UNGROUPED_LABEL["en"]),
                    value=stored.get(d.id),
                    in_set=d.id in in_set,
                ),
            )
        )
    return [f for _, f in sorted(fields, key=lambda pair: pair[0])]


def history_of_attributes(task_id: int) -> list[TaskHistory]:
    """The attribute changes in a task's history, oldest first."""
    return list(
        TaskHistory.select()
        .where((TaskHistory.task == task_id) & (TaskHistory.action == "attribute"))
        .order_by(TaskHistory.id)
    )
