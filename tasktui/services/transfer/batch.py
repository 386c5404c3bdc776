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
     "severity": "high",                                                   critical|high|normal|low
     "attributes": {"qty": 3, "checked": true, "note": "x"},               key: text, number, boolean or null
     "process": {"id": "run-17", "source": "cron", "started_at": "2024-05-01T10:00:00Z", "exit_code": 3}}

`process` may also be a list of such objects (only `id` is required). Unknown keys are
bad lines, so a typo never passes silently.

The lines go the one raise path: `raise_plan.plan_raises` checks them all (events,
users and groups looked up once per batch, dedup targets in bulk), then
`raise_writer.apply_plan` writes new tasks, history, attribute values and process
records with multi-row inserts. `raise --batch` streams (`raise_batch_lines`): the
lines are parsed, planned and written CHUNK_LINES at a time inside the one write
transaction, which is rolled back at the end when any line was bad, so memory stays
flat from 10 to 1,000,000 lines.
"""

from __future__ import annotations

import datetime as dt
import json
import struct
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from tasktui import strict_json
from tasktui.db import deferred_search_index, retrying
from tasktui.errors import Invalid, TaskTuiError
from tasktui.records import shallow_dict
from tasktui.services.context import Actor
from tasktui.services.severity import optional_rank
from tasktui.services.tasks.raise_plan import (
    REFUSED,
    ProcessRef,
    RaiseRequest,
    check_process,
    check_raise_texts,
    check_title,
    clean_task_text,
    plan_raises,
)
from tasktui.services.tasks.raise_writer import RaiseResult, apply_plan

KEYS = (
    "event", "title", "description", "link", "assignee", "group", "dedup_key", "reopen", "attributes", "process",
    "severity",
)  # fmt: skip


class BatchItem(RaiseRequest):  # a record (Record) like its base
    """One checked line of a batch: the raise request of line `line`."""

    line: int = 0


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


class BatchResult(RaiseResult):  # a record (Record) like its base
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
        data = strict_json.loads(text)  # a key twice refused, lone surrogates replaced
    except json.JSONDecodeError as e:
        raise Invalid(f"not valid JSON ({e.msg} at column {e.colno})") from None
    except ValueError:  # an integer of more than 4,300 digits (sys.get_int_max_str_digits)
        raise Invalid("not valid JSON (a number too long to read)") from None
    except RecursionError:
        raise Invalid("not valid JSON (nested too deeply)") from None
    if not isinstance(data, dict):
        raise Invalid("a line must be a JSON object")
    return parse_object(line, data)


def parse_object(line: int, data: dict) -> BatchItem:
    """Check one decoded batch object (a line's, or the intake's generic JSON body);
    Invalid says what is wrong."""
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
    severity = data.get("severity")
    if severity is not None and not isinstance(severity, str):
        raise Invalid("'severity' must be critical, high, normal or low")
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
        severity=optional_rank(severity),
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


# --------------------------------------------------------------------------- raising


def raise_batch(actor: Actor, items: Sequence[BatchItem], bad_lines: Sequence[LineError] = ()) -> list[BatchResult]:
    """Plan every item against the database (the one raise planner), then, when no
    line is bad, apply the plan in one write transaction (see the module docstring).
    `bad_lines` are lines that already failed parsing: they are reported together
    with the others and nothing is raised. Returns one result per item, in line order."""

    def work() -> list[RaiseResult]:
        plan = plan_raises(items)
        errors = [LineError(item.line, planned.reason) for item, planned in zip(items, plan) if planned.kind == REFUSED]
        if errors or bad_lines:
            raise BatchRejected([*bad_lines, *errors])
        if not items:
            return []
        return apply_plan(actor, plan, items)

    results = retrying(work)
    return [BatchResult(**shallow_dict(r), line=item.line) for r, item in zip(results, items)]


# --------------------------------------------------------------------------- streaming

#: Lines planned and written at a time by `raise_batch_lines`: memory stays flat in
#: the size of the batch (1,000,000 lines in a few hundred MB at most).
CHUNK_LINES = 5_000

_RESULT = struct.Struct("<qqqIB")  # line, task id, occurrences, event index, outcome index
_OUTCOMES = ("created", "deduplicated", "reopened", "repeated")


class BatchResults:
    """The results of a streamed batch, one per raised line in line order, kept in a
    temporary file in a compact form (a few bytes per line), not in memory; iterate
    to read them back as `BatchResult`s."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 -- closed by close(), after printing
        self._events: dict[str, int] = {}
        self._names: list[str] = []
        self.count = 0

    def add(self, line: int, result: RaiseResult) -> None:
        index = self._events.get(result.event)
        if index is None:
            index = self._events[result.event] = len(self._names)
            self._names.append(result.event)
        self._file.write(_RESULT.pack(line, result.task_id, result.occurrences, index, _OUTCOMES.index(result.outcome)))
        self.count += 1

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[BatchResult]:
        self._file.flush()
        self._file.seek(0)
        size = _RESULT.size
        while True:
            block = self._file.read(size * 4096)
            if not block:
                return
            for line, task_id, occurrences, event, outcome in _RESULT.iter_unpack(block):
                yield BatchResult(task_id, _OUTCOMES[outcome], occurrences, self._names[event], line=line)

    def close(self) -> None:
        self._file.close()


def raise_batch_lines(actor: Actor, lines: Callable[[], Iterable[str]]) -> BatchResults:
    """`raise_batch` of the lines `lines()` gives (numbered from 1, blank ones
    skipped), streamed: CHUNK_LINES at a time are parsed, planned and written, all in
    ONE write transaction, so a later line still counts on a task an earlier chunk
    created. Every line is checked; once a line is bad nothing more is written and,
    at the end, the transaction is rolled back (nothing was raised) and every bad
    line is reported (`BatchRejected`), exactly as `raise_batch` would. `lines` is
    called again when a concurrent writer makes the transaction start over."""

    def work() -> BatchResults:
        results = BatchResults()
        errors: list[LineError] = []
        try:
            with deferred_search_index():
                _stream(actor, lines, results, errors)
            if errors:
                raise BatchRejected(errors)
        except BaseException:
            results.close()
            raise
        return results

    return retrying(work)


def _stream(actor: Actor, lines: Callable[[], Iterable[str]], results: BatchResults, errors: list[LineError]) -> None:
    """The chunks of `raise_batch_lines`: parse, plan, and write while no line is bad."""
    for chunk in _chunks(lines()):
        items: list[BatchItem] = []
        for number, text in chunk:
            try:
                items.append(parse_line(number, text))
            except TaskTuiError as e:
                errors.append(LineError(number, str(e)))
        if not items:
            continue
        plan = plan_raises(items)
        errors.extend(
            LineError(item.line, planned.reason) for item, planned in zip(items, plan) if planned.kind == REFUSED
        )
        if errors:  # nothing more is written; the rest is only checked
            continue
        for item, result in zip(items, apply_plan(actor, plan, items)):
            results.add(item.line, result)


def _chunks(lines: Iterable[str]) -> Iterator[list[tuple[int, str]]]:
    """(line number, text) of the non-blank lines, CHUNK_LINES at a time."""
    chunk: list[tuple[int, str]] = []
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        chunk.append((number, text))
        if len(chunk) >= CHUNK_LINES:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
