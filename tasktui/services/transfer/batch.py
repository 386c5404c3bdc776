"""Batch raise (`tasktui raise --batch`): many raises from JSON lines, all or nothing.

The rule: every line is checked first — its JSON and keys, then against the database
(the event exists and is active, assignee and group exist, attribute values fit the
event's attribute set, title and link are valid). If any line is bad, every bad line
is reported with its line number and NOTHING is raised (`BatchRejected`, exit code
2). Otherwise all lines are raised in ONE write transaction, in line order, each
with exactly the outcome a `raise_task` call per line would have had — a dedup key
also matches tasks created or reopened by earlier lines of the same batch.

One line is one JSON object (blank lines are skipped):

    {"event": "order_import_failed", "title": "Order 1234 failed",        required
     "description": "...", "link": "https://...",                          text
     "assignee": "anna", "group": "warehouse",                             names
     "dedup_key": "order-1234", "reopen": false,                           dedup
     "attributes": {"qty": 3, "checked": true, "note": "x"},               key: text, number, boolean or null
     "process": {"id": "run-17", "source": "cron", "started_at": "2024-05-01T10:00:00Z", "exit_code": 3}}

`process` may also be a list of such objects (only `id` is required). Unknown keys are
bad lines, so a typo never passes silently.

Speed: events, users and groups are looked up once per batch, open dedup targets in
bulk, and new tasks, history, attribute values and process records are written with
multi-row inserts — 100,000 lines take seconds, not minutes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import peewee as pw

from tasktui.db import write_transaction
from tasktui.errors import Invalid, TaskTuiError
from tasktui.models import DONE, OPEN, EmailSettings, Event, RelatedProcess, Task, TaskAttribute, TaskHistory, utcnow
from tasktui.services.context import Actor
from tasktui.services.events.definitions import get_event
from tasktui.services.people import get_group, get_user
from tasktui.services.tasks.bulk_insert import CHUNK, cached_lookup, insert_chunks, insert_tasks
from tasktui.services.tasks.history import history
from tasktui.services.tasks.raising import (
    ProcessRef,
    RaiseResult,
    check_process,
    check_raise_texts,
    clean_task_text,
)
from tasktui.services.tasks.raising import (
    check_title as check_title,
)

KEYS = ("event", "title", "description", "link", "assignee", "group", "dedup_key", "reopen", "attributes", "process")


@dataclass(frozen=True)
class BatchItem:
    """One checked line of a batch: the arguments of one raise."""

    line: int
    event: str
    title: str
    description: str = ""
    link: str = ""
    assignee: str | None = None
    group: str | None = None
    dedup_key: str | None = None
    reopen: bool = False
    attributes: Mapping[str, str] = field(default_factory=dict)
    processes: tuple[ProcessRef, ...] = ()


@dataclass(frozen=True)
class LineError:
    """Why one line of a batch is bad."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class BatchRejected(Invalid):
    """Some lines of a batch are bad, so nothing was raised. `errors` lists them all."""

    def __init__(self, errors: Sequence[LineError]) -> None:
        self.errors = sorted(errors, key=lambda e: e.line)
        count = len(self.errors)
        super().__init__(f"{count} bad line{'s' if count != 1 else ''} in the batch: nothing was raised")


@dataclass(frozen=True)
class BatchResult(RaiseResult):
    """The outcome of one line: `created`, `deduplicated` or `reopened`, and the task."""

    line: int = 0


# --------------------------------------------------------------------------- parsing


def _text(data: dict, key: str, default: str | None) -> str | None:
    value = data.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise Invalid(f"{key!r} must be a string, not {type(value).__name__}")
    return value


def attribute_text(key: str, value: Any) -> str:
    """A typed JSON attribute value (as `task list --format json` writes it) as the
    text a raise validates: booleans true/false, numbers as written, null as blank."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise Invalid(f"attribute {key!r} must be a string, number, boolean or null, not {type(value).__name__}")


def _process(value: Any) -> ProcessRef:
    if not isinstance(value, dict):
        raise Invalid("'process' must be an object (or a list of objects) with an 'id'")
    unknown = sorted(set(value) - {"id", "source", "started_at", "exit_code"})
    if unknown:
        raise Invalid(f"unknown process key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}")
    pid = value.get("id")
    if isinstance(pid, bool) or not isinstance(pid, (str, int)) or not str(pid).strip():
        raise Invalid("a process needs an 'id' (string or number)")
    source = value.get("source") or ""
    if not isinstance(source, str):
        raise Invalid("process 'source' must be a string")
    code = value.get("exit_code")
    if code is not None and (isinstance(code, bool) or not isinstance(code, int) or abs(code) >= 2**63):
        raise Invalid("process 'exit_code' must be an integer")
    started = value.get("started_at")
    started_at = None
    if started is not None:
        try:
            parsed = dt.datetime.fromisoformat(str(started).replace("Z", "+00:00"))
        except ValueError:
            raise Invalid(f"process 'started_at' {started!r} is not an ISO 8601 date and time") from None
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
        started_at = parsed
    process = ProcessRef(str(pid), source, started_at, code)
    check_process(process)
    return process


def parse_line(line: int, text: str) -> BatchItem:
    """Check one JSON line (no database needed); Invalid says what is wrong."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise Invalid(f"not valid JSON ({e.msg} at column {e.colno})") from None
    except ValueError:  # an integer of more than 4,300 digits (sys.get_int_max_str_digits)
        raise Invalid("not valid JSON (a number too long to read)") from None
    except RecursionError:
        raise Invalid("not valid JSON (nested too deeply)") from None
    if not isinstance(data, dict):
        raise Invalid("a line must be a JSON object")
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise Invalid(
            f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} (known: {', '.join(KEYS)})"
        )
    event = _text(data, "event", None)
    if not event:
        raise Invalid("'event' is required")
    if data.get("title") is None:
        raise Invalid("'title' is required")
    title = check_title(_text(data, "title", ""))
    link = _text(data, "link", "") or ""
    description = _text(data, "description", "") or ""
    dedup_key = _text(data, "dedup_key", None)
    check_raise_texts(description, link, dedup_key)
    description, link = clean_task_text(description, link)
    reopen = data.get("reopen", False)
    if not isinstance(reopen, bool):
        raise Invalid("'reopen' must be true or false")
    if reopen and dedup_key is None:
        raise Invalid("'reopen' needs a 'dedup_key'")
    attributes = data.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise Invalid("'attributes' must be an object of key: value")
    processes = data.get("process") or []
    processes = processes if isinstance(processes, list) else [processes]
    return BatchItem(
        line=line,
        event=event,
        title=title,
        description=description,
        link=link,
        assignee=_text(data, "assignee", None) or None,
        group=_text(data, "group", None) or None,
        dedup_key=dedup_key,
        reopen=reopen,
        attributes={str(k): attribute_text(str(k), v) for k, v in attributes.items()},
        processes=tuple(_process(p) for p in processes),
    )


def parse_lines(lines: Iterable[str]) -> tuple[list[BatchItem], list[LineError]]:
    """The good items and the bad lines (numbered from 1) of a batch; blank lines are skipped."""
    items: list[BatchItem] = []
    errors: list[LineError] = []
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            items.append(parse_line(number, text))
        except TaskTuiError as e:
            errors.append(LineError(number, str(e)))
    return items, errors


# --------------------------------------------------------------------------- checking


@dataclass
class _Resolved:
    """Database lookups of a batch, each done once."""

    events: dict[str, Event] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)
    group_ids: dict[str, int] = field(default_factory=dict)
    values: dict[int, dict[int, str]] = field(default_factory=dict)  # line -> attribute id -> value


def _check(items: Sequence[BatchItem]) -> tuple[_Resolved, list[LineError]]:
    from tasktui.errors import Refused

    resolved = _Resolved()
    events: dict[str, Any] = {}
    users: dict[str, Any] = {}
    groups: dict[str, Any] = {}
    values_cache: dict[tuple, Any] = {}
    errors: list[LineError] = []
    for item in items:
        try:
            ev = cached_lookup(events, item.event, get_event)
            if ev.obsolete:
                raise Refused(f"event {ev.identifier!r} is obsolete and raises no new tasks")
            resolved.events[item.event] = ev
            if item.assignee:
                resolved.user_ids[item.assignee] = cached_lookup(users, item.assignee, get_user).id
            if item.group:
                resolved.group_ids[item.group] = cached_lookup(groups, item.group, get_group).id
            if ev.attribute_set_id is not None or item.attributes:
                key = (ev.id, tuple(sorted(item.attributes.items())))
                # cached_lookup calls the lambda at once, in this iteration: ev and item are current
                resolved.values[item.line] = cached_lookup(values_cache, key, lambda _k: _values(ev, item.attributes))  # noqa: B023
        except TaskTuiError as e:
            errors.append(LineError(item.line, str(e)))
    return resolved, errors


def _values(event: Event, attributes: Mapping[str, str]) -> dict[int, str]:
    from tasktui.services.tasks.attribute_values import values_for_raise

    return values_for_raise(event, attributes)


# --------------------------------------------------------------------------- raising


@dataclass
class _Target:
    """A task lines of the batch count occurrences on: in the database (`task_id`)
    or created by an earlier line (`slot`, its index among the new tasks)."""

    occurrences: int
    task_id: int | None = None
    slot: int | None = None
    reopened: bool = False
    touched: bool = False


def _dedup_targets(items: Sequence[BatchItem], resolved: _Resolved) -> tuple[dict, dict]:
    """The latest open and (where a line may reopen) the latest done task per
    (event id, dedup key) of the batch, fetched in bulk."""
    keys: dict[int, set[str]] = {}
    for item in items:
        if item.dedup_key is not None:
            keys.setdefault(resolved.events[item.event].id, set()).add(item.dedup_key)
    latest: dict[tuple[int, str, str], int] = {}
    for event_id, event_keys in keys.items():
        ordered = sorted(event_keys)
        for start in range(0, len(ordered), CHUNK):
            query = (
                Task.select(Task.dedup_key, Task.status, pw.fn.MAX(Task.id))
                .where((Task.event == event_id) & Task.dedup_key.in_(ordered[start : start + CHUNK]))
                .group_by(Task.dedup_key, Task.status)
                .tuples()
            )
            for key, status, task_id in query:
                latest[(event_id, key, status)] = task_id
    occurrences: dict[int, int] = {}
    ids = list(latest.values())
    for start in range(0, len(ids), CHUNK):
        for task_id, count in (
            Task.select(Task.id, Task.occurrences).where(Task.id.in_(ids[start : start + CHUNK])).tuples()
        ):
            occurrences[task_id] = count
    open_targets = {(e, k): _Target(occurrences[i], task_id=i) for (e, k, s), i in latest.items() if s == OPEN}
    done_targets = {(e, k): _Target(occurrences[i], task_id=i) for (e, k, s), i in latest.items() if s == DONE}
    return open_targets, done_targets


def raise_batch(actor: Actor, items: Sequence[BatchItem], bad_lines: Sequence[LineError] = ()) -> list[BatchResult]:
    """Check every item against the database, then raise them all in one write
    transaction (see the module docstring for the rule). `bad_lines` are lines that
    already failed parsing: they are reported together with the others and nothing
    is raised. Returns one result per item, in line order."""
    with write_transaction():
        resolved, errors = _check(items)
        if errors or bad_lines:
            raise BatchRejected([*bad_lines, *errors])
        if not items:
            return []
        return _apply(actor, items, resolved)


def _apply(actor: Actor, items: Sequence[BatchItem], resolved: _Resolved) -> list[BatchResult]:
    now = utcnow()
    open_targets, done_targets = _dedup_targets(items, resolved)
    new_rows: list[dict] = []
    new_events: list[Event] = []
    # Rows for tables that need task ids: (target, row); a target with a slot gets its id after the insert.
    pending_history: list[tuple[_Target, dict]] = []
    pending_values: list[tuple[_Target, dict[int, str]]] = []
    pending_processes: list[tuple[_Target, ProcessRef]] = []
    outcomes: list[tuple[BatchItem, _Target, str, int]] = []
    for item in items:
        ev = resolved.events[item.event]
        pair = (ev.id, item.dedup_key)
        target = open_targets.get(pair) if item.dedup_key is not None else None
        outcome = "deduplicated"
        if target is None and item.reopen and pair in done_targets:
            target = done_targets.pop(pair)
            target.reopened, outcome = True, "reopened"
            open_targets[pair] = target
        if target is not None:
            old, target.occurrences, target.touched = target.occurrences, target.occurrences + 1, True
            pending_history.append((target, history(0, actor, "deduplicated", "occurrences", old, target.occurrences)))
            if outcome == "reopened":
                pending_history.append((target, history(0, actor, "reopened", "status", DONE, OPEN)))
        else:
            outcome = "created"
            target = _Target(1, slot=len(new_rows))
            new_rows.append(
                {
                    "created_at": now, "status": OPEN, "title": item.title, "description": item.description,
                    "link": item.link, "event": ev.id, "plugin": ev.plugin,
                    "assignee": resolved.user_ids[item.assignee] if item.assignee else ev.responsible_user_id,
                    "group": resolved.group_ids[item.group] if item.group else ev.responsible_group_id,
                    "done_at": None, "done_by": None, "dedup_key": item.dedup_key, "occurrences": 1,
                    "last_seen_at": now, "updated_at": now,
                }
            )  # fmt: skip
            new_events.append(ev)
            pending_history.append((target, history(0, actor, "created", new=item.title)))
            if resolved.values.get(item.line):
                pending_values.append((target, resolved.values[item.line]))
            if item.dedup_key is not None:
                open_targets[pair] = target
        pending_processes.extend((target, p) for p in item.processes)
        outcomes.append((item, target, outcome, target.occurrences))
    # new tasks absorbed later lines: their rows carry the final count
    for target in {id(t): t for _, t, _, _ in outcomes if t.slot is not None}.values():
        new_rows[target.slot]["occurrences"] = target.occurrences
    new_ids = insert_tasks(new_rows)

    def task_id(target: _Target) -> int:
        return target.task_id if target.task_id is not None else new_ids[target.slot]

    for target in {id(t): t for _, t, _, _ in outcomes if t.task_id is not None and t.touched}.values():
        changes: dict[Any, Any] = {Task.occurrences: target.occurrences, Task.last_seen_at: now, Task.updated_at: now}
        if target.reopened:
            changes.update({Task.status: OPEN, Task.done_at: None, Task.done_by: None})
        Task.update(changes).where(Task.id == target.task_id).execute()
    insert_chunks(TaskHistory, [{**row, "task": task_id(t)} for t, row in pending_history])
    insert_chunks(
        TaskAttribute,
        [{"task": task_id(t), "attribute": a, "value": v} for t, values in pending_values for a, v in values.items()],
    )
    insert_chunks(
        RelatedProcess,
        [
            {
                "task": task_id(t),
                "process_id": p.process_id,
                "source": p.source,
                "started_at": p.started_at,
                "exit_code": p.exit_code,
            }
            for t, p in pending_processes
        ],
    )
    _enqueue_notifications(new_rows, new_ids, new_events)
    return [
        BatchResult(task_id(t), outcome, count, item_event(resolved, i), line=i.line)
        for i, t, outcome, count in outcomes
    ]


def item_event(resolved: _Resolved, item: BatchItem) -> str:
    """The identifier of an item's event (as a single raise reports it)."""
    return resolved.events[item.event].identifier


def _enqueue_notifications(rows: list[dict], ids: list[int], events: list[Event]) -> None:
    """Write the outbox messages of the new tasks, as a single raise does. Without an
    email settings row `enqueue_for_new_task` writes nothing, so skip the calls."""
    if not rows or EmailSettings.get_or_none(EmailSettings.id == 1) is None:
        return
    from tasktui.services.mail.outbox import enqueue_for_new_task

    for row, task_id, ev in zip(rows, ids, events):
        enqueue_for_new_task(Task(id=task_id, **row), ev)
