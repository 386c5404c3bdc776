"""The triage clock: whether a task sleeps, is awake or is acknowledged at a moment,
and writing the wake-ups that are due (issue 17).

Snooze is computed from the clock at query time: a task whose `snoozed_until` has
passed is awake, and no longer acknowledged, whether or not anything wrote its
wake-up yet. `wake_due` writes them (snooze and acknowledgement cleared, a "woke"
history entry dated when the snooze ended): the triage actions call it first, and
`notify` on every run. It sits below the service packages (tasks, mail) so both use
the one definition.
"""

from __future__ import annotations

import datetime as dt

import peewee as pw

from tasktui.lazy_typing import cast
from tasktui.models import Task, TaskHistory, utcnow
from tasktui.services.context import Actor


def snoozed_now(now: dt.datetime | None = None) -> pw.Expression:
    """A task sleeping at `now` (default: this moment)."""
    return Task.snoozed_until > (now or utcnow())


def awake_now(now: dt.datetime | None = None) -> pw.Expression:
    """A task not sleeping at `now` (never snoozed, or its snooze ran out)."""
    return Task.snoozed_until.is_null() | (Task.snoozed_until <= (now or utcnow()))


def acknowledged_now(now: dt.datetime | None = None) -> pw.Expression:
    """A task acknowledged at `now`: an acknowledgement ends when its snooze ran out."""
    return Task.acknowledged_at.is_null(False) & (Task.snoozed_until.is_null() | snoozed_now(now))


def wake_due(actor: Actor, now: dt.datetime | None = None) -> list[int]:
    """Inside a write transaction: the tasks whose snooze ran out by `now` are awake
    (snooze and acknowledgement cleared) with a "woke" history entry dated when the
    snooze ended; their ids."""
    now = now or utcnow()
    query = Task.select(Task.id, Task.snoozed_until).where(Task.snoozed_until <= now).order_by(Task.id).tuples()
    due = cast("list[tuple[int, dt.datetime]]", list(query))  # .tuples(): peewee's stubs yield models
    if not due:
        return []
    ids = [task_id for task_id, _ in due]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        Task.update({Task.snoozed_until: None, Task.acknowledged_by: None, Task.acknowledged_at: None}).where(
            Task.id.in_(chunk)
        ).execute()
    rows = [{"task": task_id, "at": until, "actor": actor.user_id, "os_login": actor.os_login, "action": "woke",
             "field": "snoozed_until", "old": iso_text(until), "new": None} for task_id, until in due]  # fmt: skip
    for start in range(0, len(rows), 500):
        TaskHistory.insert_many(rows[start : start + 500]).execute()
    return ids


def iso_text(when: dt.datetime | None) -> str | None:
    """A stored time as it is written in history entries (ISO 8601 UTC)."""
    return None if when is None else when.replace(microsecond=0).isoformat() + "Z"
