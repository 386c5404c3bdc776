"""The figures of the intake's `GET /metrics`, in the Prometheus text format, and the
database check of `GET /healthz`.

So Prometheus can alert on the backlog itself: open tasks by event, the age of the
oldest open task, raises and resolves per intake source (counters kept in the
database, so they survive restarts and add up over several intake processes), and
the outbox backlog by state. Severity is not a task field yet (issue 17), so open
tasks carry no severity label.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

import peewee as pw

from tasktui.models import OPEN, Event, IntakeSource, OutboxMessage, Task, utcnow

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _label(value: str) -> str:
    """A label value escaped as the text format wants (backslash, quote, newline)."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _family(name: str, kind: str, help_text: str, samples: Iterable[tuple[str, float]]) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    lines += [f"{name}{labels} {value:g}" for labels, value in samples]
    return lines


def database_answers() -> bool:
    """True when the database answers a query on a fresh connection (for /healthz:
    a connection kept open could answer from its cache after the database is gone)."""
    from tasktui.db.worker_unit import worker_unit

    with worker_unit():
        Task.select(Task.id).limit(1).execute()
    return True


def metrics_text() -> str:
    """Every figure, as one Prometheus text exposition."""
    open_by_event = (
        Task.select(Event.identifier, pw.fn.COUNT(Task.id))
        .join(Event, on=(Task.event == Event.id))
        .where(Task.status == OPEN)
        .group_by(Event.identifier)
        .order_by(Event.identifier)
        .tuples()
    )
    rows = cast("Iterable[tuple[str, int]]", open_by_event)
    oldest_id = Task.select(pw.fn.MIN(Task.id)).where(Task.status == OPEN).scalar()
    oldest = Task.get_or_none(Task.id == oldest_id) if oldest_id is not None else None
    age = max(0.0, (utcnow() - oldest.created_at).total_seconds()) if oldest is not None else 0.0
    sources = list(IntakeSource.select(IntakeSource.name, IntakeSource.raises, IntakeSource.resolves))
    outbox_query = (
        OutboxMessage.select(OutboxMessage.state, pw.fn.COUNT(OutboxMessage.id)).group_by(OutboxMessage.state).tuples()
    )
    outbox = dict(cast("Iterable[tuple[str, int]]", outbox_query))
    lines: list[str] = []
    lines += _family(
        "tasktui_open_tasks", "gauge", "Open tasks by event.",
        ((f'{{event="{_label(identifier)}"}}', count) for identifier, count in rows),
    )  # fmt: skip
    lines += _family(
        "tasktui_oldest_open_task_age_seconds", "gauge", "Age of the oldest open task (0 without one).", [("", age)]
    )
    lines += _family(
        "tasktui_intake_raises_total", "counter", "Raises through the intake that created or counted a task, per source.",
        ((f'{{source="{_label(s.name)}"}}', s.raises) for s in sources),
    )  # fmt: skip
    lines += _family(
        "tasktui_intake_resolves_total", "counter", "Resolves through the intake, per source.",
        ((f'{{source="{_label(s.name)}"}}', s.resolves) for s in sources),
    )  # fmt: skip
    lines += _family(
        "tasktui_outbox_backlog", "gauge", "Notifications waiting to be delivered (pending or being sent).",
        [("", outbox.get("pending", 0) + outbox.get("sending", 0))],
    )  # fmt: skip
    lines += _family(
        "tasktui_outbox_messages", "gauge", "Outbox messages by state.",
        ((f'{{state="{_label(state)}"}}', count) for state, count in sorted(outbox.items())),
    )  # fmt: skip
    return "\n".join(lines) + "\n"
