"""Raising an event: checks of the raise's texts, the dedup rule (absorb or reopen), and the new task."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tasktui.db import write_transaction
from tasktui.errors import Invalid, Refused
from tasktui.limits import (
    MAX_DEDUP_KEY,
    MAX_DESCRIPTION,
    MAX_LINK,
    MAX_PROCESS_ID,
    MAX_PROCESS_SOURCE,
    MAX_TITLE,
    check_length,
)
from tasktui.models import DONE, OPEN, Task, utcnow
from tasktui.services.context import Actor
from tasktui.services.events.definitions import get_event
from tasktui.services.people import get_group, get_user
from tasktui.services.tasks.history import history, insert_history
from tasktui.text_safety import clean_line, clean_text


@dataclass(frozen=True)
class RaiseResult:
    """The outcome of a raise: `created`, `deduplicated` or `reopened`."""

    task_id: int
    outcome: str
    occurrences: int
    event: str


@dataclass(frozen=True)
class ProcessRef:
    """A related external run given on raise."""

    process_id: str
    source: str = ""
    started_at: dt.datetime | None = None
    exit_code: int | None = None


def check_title(title: str | None) -> str:
    """The title as stored: one line (a newline is refused, as documented), other
    control characters and escape sequences cleaned away (see text_safety)."""
    title = (title or "").strip()
    if "\n" in title:
        raise Invalid(f"the title must be one line of at most {MAX_TITLE} characters")
    title = clean_line(title).strip()
    if not title:
        raise Invalid("a task needs a title")
    if len(title) > MAX_TITLE:
        raise Invalid(f"the title must be one line of at most {MAX_TITLE} characters")
    return title


def clean_task_text(description: str | None, link: str | None) -> tuple[str, str]:
    """Description and link as stored, from any raise path (CLI, batch, import, run):
    escape sequences and control characters removed, so they never reach a
    terminal; the link is one line (their sizes: `check_raise_texts`, first)."""
    return clean_text(description), clean_line(link).strip()


def check_raise_texts(description: str | None, link: str | None, dedup_key: str | None) -> None:
    """The size limits of a raise's texts (`tasktui.limits`), checked before the write
    transaction so an oversized input never holds the lock (the title: `check_title`)."""
    check_length(description, MAX_DESCRIPTION, "the description")
    check_length(link, MAX_LINK, "the link")
    check_length(dedup_key, MAX_DEDUP_KEY, "the dedup key")
    if dedup_key is not None and not dedup_key.strip():
        raise Invalid("the dedup key must not be empty")


def check_process(process: ProcessRef) -> None:
    """The limits of a related process's id and source."""
    if not process.process_id.strip():
        raise Invalid("a related process needs an id")
    check_length(process.process_id, MAX_PROCESS_ID, "a process id")
    check_length(process.source, MAX_PROCESS_SOURCE, "a process source")


def raise_task(
    actor: Actor,
    event: str,
    title: str,
    description: str = "",
    link: str = "",
    assignee: str | None = None,
    group: str | None = None,
    dedup_key: str | None = None,
    reopen: bool = False,
    processes: Iterable[ProcessRef] = (),
    attributes: Mapping[str, str] | None = None,
) -> RaiseResult:
    """Raise an event: create a task for its responsible user and group (unless the
    raiser names them), or, with a dedup key, count another occurrence of the open
    task with that key (`reopen`: also of a done one, which is reopened).

    `attributes` (key -> text) are validated and converted for the event's attribute
    set, defaults filled in (see `attribute_values.values_for_raise`); a deduplicated
    raise validates them too but keeps the values the task was created with."""
    title = check_title(title)
    check_raise_texts(description, link, dedup_key)
    description, link = clean_task_text(description, link)
    processes = list(processes)
    for process in processes:
        check_process(process)
    with write_transaction():
        ev = get_event(event)
        if ev.obsolete:
            raise Refused(f"event {ev.identifier!r} is obsolete and raises no new tasks")
        attribute_values: dict[int, str] = {}
        if ev.attribute_set_id is not None or attributes:  # else skip the import (raise stays light)
            from tasktui.services.tasks.attribute_values import values_for_raise

            attribute_values = values_for_raise(ev, attributes)
        assignee_id = get_user(assignee).id if assignee else ev.responsible_user_id
        group_id = get_group(group).id if group else ev.responsible_group_id
        now = utcnow()
        if dedup_key is not None:
            existing = _dedup_target(ev.id, dedup_key, reopen)
            if existing is not None:
                return _absorb(actor, existing, now, ev.identifier, processes)
        task = Task.create(
            created_at=now,
            title=title,
            description=description or "",
            link=link or "",
            event=ev.id,
            plugin=ev.plugin,
            assignee=assignee_id,
            group=group_id,
            dedup_key=dedup_key,
            last_seen_at=now,
            updated_at=now,
        )
        if attribute_values:
            from tasktui.services.tasks.attribute_values import store_values

            store_values(task.id, attribute_values)
        insert_history([history(task.id, actor, "created", new=title)])
        _add_processes(task.id, processes)
        from tasktui.services.mail.outbox import enqueue_for_new_task  # light: no smtplib

        enqueue_for_new_task(task, ev)  # the outbox is written with the task, or not at all
    return RaiseResult(task.id, "created", 1, ev.identifier)


def _dedup_target(event_id: int, dedup_key: str, reopen: bool) -> Task | None:
    base = (Task.event == event_id) & (Task.dedup_key == dedup_key)
    task = Task.select().where(base & (Task.status == OPEN)).order_by(Task.id.desc()).first()
    if task is None and reopen:
        task = Task.select().where(base & (Task.status == DONE)).order_by(Task.id.desc()).first()
    return task


def _absorb(actor: Actor, task: Task, now: dt.datetime, event: str, processes: Iterable[ProcessRef]) -> RaiseResult:
    occurrences = task.occurrences + 1
    changes: dict[Any, Any] = {Task.occurrences: occurrences, Task.last_seen_at: now, Task.updated_at: now}
    rows = [history(task.id, actor, "deduplicated", "occurrences", task.occurrences, occurrences)]
    outcome = "deduplicated"
    if task.status == DONE:
        changes.update({Task.status: OPEN, Task.done_at: None, Task.done_by: None})
        rows.append(history(task.id, actor, "reopened", "status", DONE, OPEN))
        outcome = "reopened"
    Task.update(changes).where(Task.id == task.id).execute()
    insert_history(rows)
    _add_processes(task.id, processes)
    return RaiseResult(task.id, outcome, occurrences, event)


def _add_processes(task_id: int, processes: Iterable[ProcessRef]) -> None:
    from tasktui.models import RelatedProcess

    for p in processes:
        check_process(p)
        RelatedProcess.create(
            task=task_id, process_id=p.process_id, source=p.source, started_at=p.started_at, exit_code=p.exit_code
        )
