"""Writing raises: one writer applies a plan (`raise_plan`) in chunks, inside the
caller's write transaction.

What for: a single `tasktui raise`, a batch of 100,000 lines and an import write the
same rows — new tasks, their attribute values, history entries, related processes
and outbox messages — so they are written here once, with multi-row inserts (one
INSERT per row would make a big batch take minutes). Rows that name a task created by
the same plan get its id after the tasks are inserted (`TaskRef.slot`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import field

from tasktui.lazy_typing import TYPE_CHECKING
from tasktui.models import (
    OPEN,
    EmailSettings,
    Event,
    NotifyChannel,
    RelatedProcess,
    Task,
    TaskAttribute,
    TaskHistory,
    utcnow,
)
from tasktui.records import Record
from tasktui.services.context import Actor
from tasktui.services.severity import name_of
from tasktui.services.tasks.bulk_insert import BULK_FROM, insert_chunks, insert_tasks
from tasktui.services.tasks.history import history
from tasktui.services.tasks.raise_plan import (
    ABSORB,
    NEW,
    REFUSED,
    REOPEN,
    REPEAT,
    PlannedRaise,
    ProcessRef,
    RaiseRequest,
)
from tasktui.services.tasks.status_changes import TRANSITIONS

if TYPE_CHECKING:
    from typing import Any

#: What a raise reports for each kind of plan (`repeated`: a resend of an episode the
#: task counted already, see `raise_plan`).
OUTCOMES = {NEW: "created", ABSORB: "deduplicated", REOPEN: "reopened", REPEAT: "repeated"}


class RaiseResult(Record):
    """The outcome of a raise: `created`, `deduplicated`, `reopened` or `repeated`."""

    task_id: int
    outcome: str
    occurrences: int
    event: str


class TaskRef(Record):
    """A task rows refer to: one in the database (`task_id`) or the new task at
    index `slot` of the rows being inserted."""

    task_id: int | None = None
    slot: int | None = None

    def resolve(self, new_ids: list[int]) -> int:
        """The task's id, once the new rows are inserted (`new_ids` in row order)."""
        if self.task_id is not None:
            return self.task_id
        if self.slot is None:
            raise ValueError("a task reference needs a task id or a slot")
        return new_ids[self.slot]


class PendingRows(Record, frozen=False):
    """Everything one write inserts: new task rows, and the rows that refer to a task."""

    tasks: list[dict] = field(default_factory=list)
    history: list[tuple[TaskRef, dict]] = field(default_factory=list)
    values: list[tuple[TaskRef, dict[int, str]]] = field(default_factory=list)
    processes: list[tuple[TaskRef, ProcessRef]] = field(default_factory=list)


def write_rows(pending: PendingRows) -> list[int]:
    """Insert the new tasks (ids in row order), then their history, attribute values
    and related processes, CHUNK rows per statement; the new ids."""
    new_ids = insert_tasks(pending.tasks)

    def task_id(ref: TaskRef) -> int:
        return ref.resolve(new_ids)

    insert_chunks(TaskHistory, [{**row, "task": task_id(ref)} for ref, row in pending.history])
    insert_chunks(
        TaskAttribute,
        [
            {"task": task_id(ref), "attribute": a, "value": v}
            for ref, values in pending.values
            for a, v in values.items()
        ],
    )
    insert_chunks(
        RelatedProcess,
        [
            {
                "task": task_id(ref),
                "process_id": p.process_id,
                "source": p.source,
                "started_at": p.started_at,
                "exit_code": p.exit_code,
            }
            for ref, p in pending.processes
        ],
    )
    return new_ids


def apply_plan(actor: Actor, plan: Sequence[PlannedRaise], requests: Sequence[RaiseRequest]) -> list[RaiseResult]:
    """Write a plan without refusals (the caller refuses first), one result per
    request in order: new tasks, occurrences and last seen of absorbing tasks
    (reopened ones by the table's transition), history, values, processes, outbox."""
    if any(p.kind == REFUSED for p in plan):
        raise ValueError("a plan with refused requests cannot be applied")
    now = utcnow()
    pending = PendingRows()
    slots: dict[int, int] = {}  # index of a `new` request -> its slot among the new rows
    new_events: list[Event] = []
    refs: list[TaskRef] = []
    for index, (planned, request) in enumerate(zip(plan, requests)):
        ev = planned.planned_event
        if planned.kind == NEW:
            slots[index] = len(pending.tasks)
            ref = TaskRef(slot=slots[index])
            pending.tasks.append(_new_row(request, planned, now))
            new_events.append(ev)
            pending.history.append((ref, history(0, actor, "created", new=request.title)))
            if planned.values:
                pending.values.append((ref, planned.values))
        else:
            ref = (
                TaskRef(task_id=planned.task_id)
                if planned.task_id is not None
                else TaskRef(slot=slots[planned.first_index])
            )
            if planned.kind != REPEAT:
                pending.history.append(
                    (ref, history(0, actor, "deduplicated", "occurrences", planned.previous, planned.occurrences))
                )
            if planned.kind == REOPEN:
                reopen = TRANSITIONS["reopen"]
                row = history(0, actor, reopen.history_action, "status", reopen.from_status, reopen.to_status)
                pending.history.append((ref, row))
            if planned.severity != planned.severity_before:
                old, new = name_of(planned.severity_before), name_of(planned.severity)
                pending.history.append((ref, history(0, actor, "severity", "severity", old, new)))
            if planned.wakes:
                pending.history.append(
                    (
                        ref,
                        history(
                            0, actor, "woke", "snoozed_until", "snoozed", "a raise of " + name_of(planned.severity)
                        ),
                    )
                )
            if ref.slot is not None:  # a new task of this plan: its row carries the final count
                pending.tasks[ref.slot]["occurrences"] = planned.occurrences
                pending.tasks[ref.slot]["severity"] = planned.severity
                if request.episode is not None:
                    pending.tasks[ref.slot]["episode"] = request.episode
        pending.processes.extend((ref, p) for p in request.processes)
        refs.append(ref)
    _update_absorbing(plan, requests, now, actor)
    new_ids = write_rows(pending)
    _enqueue_notifications(pending.tasks, new_ids, new_events)
    return [
        RaiseResult(
            ref.resolve(new_ids),
            OUTCOMES[planned.kind],
            planned.occurrences,
            planned.planned_event.identifier,
        )
        for ref, planned in zip(refs, plan)
    ]


def _new_row(request: RaiseRequest, planned: PlannedRaise, now: Any) -> dict:
    ev = planned.planned_event
    return {
        "created_at": now, "status": OPEN, "title": request.title, "description": request.description,
        "link": request.link, "event": ev.id, "plugin": ev.plugin, "assignee": planned.assignee_id,
        "group": planned.group_id, "done_at": None, "done_by": None, "dedup_key": request.dedup_key,
        "occurrences": 1, "last_seen_at": now, "updated_at": now, "episode": request.episode,
        "severity": planned.severity, "acknowledged_by": None, "acknowledged_at": None, "snoozed_until": None,
    }  # fmt: skip


def _update_absorbing(plan: Sequence[PlannedRaise], requests: Sequence[RaiseRequest], now: Any, actor: Actor) -> None:
    """One UPDATE per existing task that absorbed raises: its final count and last
    seen, the last episode it counted, and the reopen transition's fields when one
    of them reopened it."""
    added: dict[int, int] = {}
    episodes: dict[int, str] = {}
    reopened: set[int] = set()
    severities: dict[int, int] = {}
    woken: set[int] = set()
    for planned, request in zip(plan, requests):
        if planned.task_id is not None:
            if planned.severity != planned.severity_before:
                severities[planned.task_id] = planned.severity
            if planned.wakes:
                woken.add(planned.task_id)
            # a repeat (the same episode again) is seen, not counted
            added[planned.task_id] = added.get(planned.task_id, 0) + (planned.kind != REPEAT)
            if request.episode is not None and planned.kind != REPEAT:
                episodes[planned.task_id] = request.episode
            if planned.kind == REOPEN:
                reopened.add(planned.task_id)
    updates: list[tuple[int, int, dict[str, Any]]] = []
    for task_id, count in added.items():
        changes: dict[str, Any] = {"last_seen_at": now, "updated_at": now}
        if task_id in episodes:
            changes["episode"] = episodes[task_id]
        if task_id in reopened:
            changes.update(TRANSITIONS["reopen"].changes(now, actor.user_id))
        if task_id in severities:
            changes["severity"] = severities[task_id]
        if task_id in woken:  # awake again means unacknowledged too (see transitions.wake)
            changes.update(snoozed_until=None, acknowledged_by=None, acknowledged_at=None)
        updates.append((task_id, count, changes))
    if len(updates) >= BULK_FROM:
        _update_many(updates)
        return
    for task_id, count, changes in updates:
        # Counted in SQL: the row's own count plus this plan's raises.
        Task.update({Task.occurrences: Task.occurrences + count, **changes}).where(Task.id == task_id).execute()


def _update_many(updates: list[tuple[int, int, dict[str, Any]]]) -> None:
    """The updates of `_update_absorbing` for many tasks: one prepared UPDATE per set
    of changed columns, run once per task by the driver."""
    from tasktui.db.bulk_rows import update_rows

    shapes: dict[tuple[str, ...], list[list[Any]]] = {}
    for task_id, count, changes in updates:
        shapes.setdefault(tuple(changes), []).append([*changes.values(), count, task_id])
    for names, rows in shapes.items():
        update_rows(Task, names, ("occurrences",), rows)


def _enqueue_notifications(rows: list[dict], ids: list[int], events: list[Event]) -> None:
    """Write the outbox messages of the new tasks, in the tasks' transaction: email
    (without an email settings row `enqueue_for_new_task` writes nothing, so skip the
    calls) and chat/push channels (one multi-row insert; nothing without a channel)."""
    if not rows:
        return
    # exists(): get_or_none of a missing row costs an exception with its SQL text
    if EmailSettings.select(EmailSettings.id).where(EmailSettings.id == 1).exists():
        from tasktui.services.mail.outbox import enqueue_for_new_task  # light: no smtplib

        for row, task_id, ev in zip(rows, ids, events):
            enqueue_for_new_task(Task(id=task_id, **row), ev)
    if NotifyChannel.select().exists():
        from tasktui.services.mail.channels import enqueue_channel_rows  # light: no apprise, no HTTP

        enqueue_channel_rows(rows, ids, events)
