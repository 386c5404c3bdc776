"""One task in full: fields, attributes, dependencies, processes, history, comments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import field

import peewee as pw

from tasktui.db import write_transaction
from tasktui.errors import Invalid, NotFound, Refused
from tasktui.lazy_typing import cast
from tasktui.limits import MAX_COMMENT
from tasktui.models import (
    MANUAL_PLUGIN_LABEL,
    AttributeDef,
    AttributeGroup,
    Comment,
    Event,
    Group,
    RelatedProcess,
    Task,
    TaskAttribute,
    TaskDependency,
    TaskHistory,
    User,
    utcnow,
)
from tasktui.records import Record
from tasktui.services.context import Actor
from tasktui.services.severity import name_of as severity_name
from tasktui.services.tasks.history import history, insert_history
from tasktui.services.tasks.listing import get_task
from tasktui.text_safety import clean_text


class TaskRef(Record):
    """A short reference to another task (for the dependency lists)."""

    id: int
    title: str
    status: str


class AttributeValue(Record):
    """A custom attribute of a task, with its display group."""

    key: str
    label: str
    type: str
    value: str | None
    group: str | None


class ProcessInfo(Record):
    """A related external run."""

    process_id: str
    source: str
    started_at: dt.datetime | None
    exit_code: int | None


class HistoryEntry(Record):
    """One line of a task's history (or a comment, when `action` is "comment")."""

    at: dt.datetime
    actor: str
    os_login: str
    action: str
    field: str | None
    old: str | None
    new: str | None


class TaskDetail(Record):
    """Every field of a task, and its related lists."""

    id: int
    created_at: dt.datetime
    status: str
    title: str
    description: str
    link: str
    event: str
    event_name: str
    plugin: str | None
    assignee: str | None
    group: str | None
    done_at: dt.datetime | None
    done_by: str | None
    dedup_key: str | None
    occurrences: int
    last_seen_at: dt.datetime
    #: Triage (see `listing.TaskRow`): severity name, who is on it and since when, and
    #: until when it sleeps (None once that passed: it woke).
    severity: str = "normal"
    acknowledged_by: str | None = None
    acknowledged_at: dt.datetime | None = None
    snoozed_until: dt.datetime | None = None
    attributes: list[AttributeValue] = field(default_factory=list)
    depends_on: list[TaskRef] = field(default_factory=list)
    blocks: list[TaskRef] = field(default_factory=list)
    processes: list[ProcessInfo] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    comments: list[HistoryEntry] = field(default_factory=list)

    @property
    def plugin_label(self) -> str:
        """The plugin, or "Manually created" (as the event shows it)."""
        return self.plugin or MANUAL_PLUGIN_LABEL


def _login(user_id: int | None) -> str | None:
    return User.get_by_id(user_id).login if user_id else None


def task_detail(task_id: int, lang: str = "en") -> TaskDetail:
    """Everything about one task."""
    task = get_task(task_id)
    event = Event.get_by_id(task.event_id)
    group = Group.get_by_id(task.group_id) if task.group_id else None
    attrs = [
        AttributeValue(
            key=row.attribute.key,
            label=(row.attribute.label_de if lang == "de" and row.attribute.label_de else row.attribute.label_en),
            type=row.attribute.type,
            value=row.value,
            group=(cast(AttributeGroup, row.attribute.group).label_en if row.attribute.group_id else None),
        )
        for row in TaskAttribute.select(TaskAttribute, AttributeDef, AttributeGroup)
        .join(AttributeDef)
        .join(AttributeGroup, join_type=pw.JOIN.LEFT_OUTER)
        .where(TaskAttribute.task == task.id)
        .order_by(AttributeDef.position, AttributeDef.key)
    ]
    depends_on = [
        TaskRef(t.id, t.title, t.status)
        for t in Task.select(Task.id, Task.title, Task.status)
        .join(TaskDependency, on=(TaskDependency.depends_on == Task.id))
        .where(TaskDependency.task == task.id)
        .order_by(Task.id)
    ]
    blocks = [
        TaskRef(t.id, t.title, t.status)
        for t in Task.select(Task.id, Task.title, Task.status)
        .join(TaskDependency, on=(TaskDependency.task == Task.id))
        .where(TaskDependency.depends_on == task.id)
        .order_by(Task.id)
    ]
    processes = [
        ProcessInfo(p.process_id, p.source, p.started_at, p.exit_code)
        for p in RelatedProcess.select().where(RelatedProcess.task == task.id).order_by(RelatedProcess.id)
    ]
    entries = [
        HistoryEntry(h.at, h.actor.login, h.os_login, h.action, h.field, h.old, h.new)
        for h in TaskHistory.select(TaskHistory, User)
        .join(User)
        .where(TaskHistory.task == task.id)
        .order_by(TaskHistory.id)
    ]
    now = utcnow()
    until = task.snoozed_until
    woke = until is not None and until <= now
    if until is not None and woke:  # awake by the clock; `transitions.wake_due` writes this entry for good
        from tasktui.services.triage_clock import iso_text

        entries.append(HistoryEntry(until, "tasktui", "", "woke", "snoozed_until",
                                    iso_text(task.snoozed_until), None))  # fmt: skip
    comments = [
        HistoryEntry(c.at, c.author.login, c.os_login, "comment", None, None, c.body)
        for c in Comment.select(Comment, User).join(User).where(Comment.task == task.id).order_by(Comment.id)
    ]
    return TaskDetail(
        id=task.id,
        created_at=task.created_at,
        status=task.status,
        title=task.title,
        description=task.description,
        link=task.link,
        event=event.identifier,
        event_name=event.name(lang),
        plugin=task.plugin,
        assignee=_login(task.assignee_id),
        group=group.name if group else None,
        done_at=task.done_at,
        done_by=_login(task.done_by_id),
        dedup_key=task.dedup_key,
        occurrences=task.occurrences,
        last_seen_at=task.last_seen_at,
        severity=severity_name(task.severity),
        acknowledged_by=None if woke else _login(task.acknowledged_by_id),
        acknowledged_at=None if woke else task.acknowledged_at,
        snoozed_until=None if woke else task.snoozed_until,
        attributes=attrs,
        depends_on=depends_on,
        blocks=blocks,
        processes=processes,
        history=entries,
        comments=comments,
    )


def add_comment(actor: Actor, task_id: int, body: str) -> HistoryEntry:
    """Add a comment to a task."""
    body = clean_text(body).strip()
    if not body:
        raise Invalid("a comment must not be empty")
    if len(body) > MAX_COMMENT:
        raise Invalid(f"a comment must be at most {MAX_COMMENT} characters")
    with write_transaction():
        task = get_task(task_id)
        comment = Comment.create(task=task.id, author=actor.user_id, os_login=actor.os_login, body=body)
        Task.update({Task.updated_at: utcnow()}).where(Task.id == task.id).execute()
    return HistoryEntry(comment.at, actor.login, actor.os_login, "comment", None, None, body)


def _reaches(start: int, target: int) -> bool:
    """True when `start` depends, directly or through others, on `target`."""
    seen = {start}
    frontier = [start]
    while frontier:
        nxt = [
            row[0]
            for row in cast(
                "Iterable[tuple[int]]",
                TaskDependency.select(TaskDependency.depends_on).where(TaskDependency.task.in_(frontier)).tuples(),
            )
        ]
        if target in nxt:
            return True
        frontier = [i for i in nxt if i not in seen]
        seen.update(frontier)
    return False


def add_dependency(actor: Actor, task_id: int, depends_on_id: int) -> None:
    """Make `task_id` wait on `depends_on_id`; refuses self-dependencies and cycles."""
    if task_id == depends_on_id:
        raise Refused(f"task {task_id} cannot depend on itself")
    with write_transaction():
        get_task(task_id)
        get_task(depends_on_id)
        exists = TaskDependency.select().where(
            (TaskDependency.task == task_id) & (TaskDependency.depends_on == depends_on_id)
        )
        if exists.exists():
            raise Refused(f"task {task_id} already depends on task {depends_on_id}")
        if _reaches(depends_on_id, task_id):
            raise Refused(f"task {depends_on_id} already depends on task {task_id}: that would make a cycle")
        TaskDependency.create(task=task_id, depends_on=depends_on_id)
        insert_history([history(task_id, actor, "dependency added", "depends on", None, f"#{depends_on_id}")])


def remove_dependency(actor: Actor, task_id: int, depends_on_id: int) -> None:
    """Remove a dependency; refused when it does not exist."""
    with write_transaction():
        deleted = (
            TaskDependency.delete()
            .where((TaskDependency.task == task_id) & (TaskDependency.depends_on == depends_on_id))
            .execute()
        )
        if not deleted:
            get_task(task_id)
            raise NotFound(f"task {task_id} does not depend on task {depends_on_id}")
        insert_history([history(task_id, actor, "dependency removed", "depends on", f"#{depends_on_id}", None)])


#: How many tasks `dependency_candidates` offers at most.
CANDIDATES = 10


def dependency_candidates(task_id: int, text: str, limit: int = CANDIDATES) -> list[tuple[int, str]]:
    """Tasks `task_id` could depend on, for a picker: the task whose id `text` is
    (if any), then the newest tasks containing `text` (title, description, link or
    attribute values), open or done; never `task_id` itself. (id, "#id title · status")."""
    from tasktui.services.tasks.filters import TaskFilter
    from tasktui.services.tasks.listing import list_tasks

    text = text.strip().lstrip("#")
    found: dict[int, tuple[str, str]] = {}
    if text.isascii() and text.isdigit() and int(text) != task_id:
        exact = Task.get_or_none(Task.id == int(text))
        if exact is not None:
            found[exact.id] = (exact.title, exact.status)
    if text:
        for row in list_tasks(TaskFilter(assignee_mode="all", status="all", text=text), limit=limit + 1):
            if row.id != task_id and len(found) < limit:
                found.setdefault(row.id, (row.title, row.status))
    return [(i, f"#{i} {title} · {status}") for i, (title, status) in found.items()]
