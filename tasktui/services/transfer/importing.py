"""Import tasks from a file written by `tasktui export --format json`.

What for: moving tasks between databases — from a test server to production, an old
database merged into a new one, a subset restored from an export. The file is a JSON
array of task objects with the keys of the export (`id`, `created_at`, `status`,
`title`, `description`, `plugin`, `event`, `event_name`, `link`, `done_at`,
`assignee`, `group`, `occurrences`, `last_seen_at`, `dedup_key`, `severity`,
`acknowledged_by`, `acknowledged_at`, `snoozed_until`, `attributes`).
`event`, `title`, `created_at` and `status` are required; an unknown key is an error,
so a typo never passes silently. CSV exports are refused: they carry no attribute
values and no types, so importing them would lose data without a word.

The rules:

- **New ids.** Tasks get new ids in the target, given in `created_at` order (ids
  follow creation order); the result maps each record's old id to its new id.
- **Kept as in the file:** status, created_at, done_at, last_seen_at, occurrences,
  dedup key, title, description, link, the attribute values, the severity (without
  one: the target event's), the acknowledgement (the user by login, like the
  assignee) and the snooze. Datetimes are to the
  second (as exported). `plugin` comes from the target's event (as on raise);
  `event_name` is ignored. Done by, comments, history, dependencies and related
  processes are not in an export, so they are not imported.
- **References by name.** The event by its identifier, the assignee by login, the
  group by name — exactly as in the file (an empty one stays empty; the event's
  responsible user and group are not applied). An unknown event, user or group is
  an error naming the record, unless `unassign_unknown` leaves an unknown assignee
  or group empty (recorded in the task's history). Obsolete events and inactive
  users are accepted: imported tasks are history, not new occurrences.
- **Attribute values** must belong to the attribute set of the task's event in the
  target and fit their type there; they are stored in canonical form. Missing values
  stay missing (no defaults are filled in, no required check: the task is restored
  as it was, not raised).
- **Checked first, all or nothing.** Every record is checked (shape, then the
  references), every problem is reported with the record's position and old id, and
  nothing is written (`ImportRejected`: exit code 2 for bad input, 3 when the only
  problems are unknown events, users or groups). Otherwise every task is written in
  ONE write transaction.
- **No silent doubling.** A record is *already there* when the target has a task of
  the same event with the same created_at (to the second) and title — an import of
  the same file twice, or of tasks exported from this very database. By default such
  a file is refused (exit code 1, nothing written); `skip_existing` imports only the
  other records and maps the existing ones to the tasks already there. Each existing
  task matches at most one record, so two records that are alike still need two tasks.
- **One open task per dedup key.** An open record with a dedup key is refused (exit
  code 1) when the target, or an earlier record, already has an open task of that
  event with that key: two such tasks would split the occurrence count of later raises.
- **History, no email.** Each task gets one history entry `imported` by the acting
  user (and OS login) naming the source file and the old id. No notification is
  written to the outbox: an imported task is not a new occurrence.

Flat memory: the reader checks each record for shape and keeps it in a temporary
SQLite database (`import_spool`), not in memory; the checks against the target and
the writer read the records back a chunk at a time (the writer in created_at order)
inside the one write transaction, and the mapping of every record is read back from
there too. From 10 to 1,000,000 records, memory stays the same.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tasktui.db import deferred_search_index, write_transaction
from tasktui.errors import Invalid, TaskTuiError
from tasktui.limits import MAX_IMPORT_RECORD
from tasktui.models import DONE, OPEN, Event, utcnow
from tasktui.services.context import Actor
from tasktui.services.severity import optional_rank
from tasktui.services.tasks.history import history
from tasktui.services.tasks.raise_plan import check_raise_texts, check_title, clean_task_text
from tasktui.services.tasks.raise_writer import PendingRows, TaskRef, write_rows
from tasktui.services.tasks.status_changes import INTO
from tasktui.services.transfer.export import EXPORT_FIELDS
from tasktui.services.transfer.import_records import ImportRecord, ImportRejected, Problem, record_label
from tasktui.services.transfer.import_spool import ImportSpool

if TYPE_CHECKING:
    from tasktui.services.transfer.import_checks import Resolved

#: The keys a record may have: those of a JSON export, no more (a typo is an error).
KEYS = (*EXPORT_FIELDS, "attributes")
REQUIRED = ("event", "title", "created_at", "status")
#: At most this many problems are listed; the count says how many there were.
SHOWN_PROBLEMS = 20
CSV_REFUSED = (
    "CSV exports cannot be imported: they carry no attribute values and no types. "
    "Export with --format json and import that file"
)


@dataclass(frozen=True)
class ImportedTask:
    """Where one record went: `imported` as `new_id`, or `existing` (already there as
    `new_id`, skipped)."""

    record: int
    old_id: int | None
    new_id: int
    outcome: str


@dataclass(frozen=True)
class ImportResult:
    """What an import did: `tasks` has one entry per record in file order (a list,
    or `SpooledTasks` read back from the import's spool while it is open)."""

    source: str
    tasks: Iterable[ImportedTask]
    imported: int  # how many tasks were created
    existing: int  # how many records were already there (skipped)


class SpooledTasks:
    """Where each record of a spooled import went, read from the spool on each
    iteration (so a caller can go over them twice, as a table does)."""

    def __init__(self, spool: ImportSpool) -> None:
        self._spool = spool

    def __len__(self) -> int:
        return self._spool.count

    def __iter__(self) -> Iterator[ImportedTask]:
        for idx, old_id, task_id, outcome in self._spool.outcomes():
            yield ImportedTask(idx, old_id, task_id, outcome)


# --------------------------------------------------------------------------- reading


def _datetime(key: str, value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise Invalid(f"{key!r} must be an ISO 8601 date and time (e.g. 2024-05-01T10:00:00Z)")
    if len(value) == 20 and value[-1] == "Z" and value[10] == "T":  # as the export writes it: UTC, to the second
        try:
            fast = dt.datetime.fromisoformat(value[:-1])
        except ValueError:
            fast = None  # the general path says what is wrong
        if fast is not None and fast.tzinfo is None and not fast.microsecond:
            return fast
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):
        raise Invalid(f"{key!r} {value!r} is not an ISO 8601 date and time") from None
    return parsed.replace(microsecond=0)


def _text(data: dict, key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise Invalid(f"{key!r} must be a string or null, not {type(value).__name__}")
    return value


def parse_record(index: int, data: Any) -> ImportRecord:
    """Check one task object of the file (no database needed); Invalid says what is wrong."""
    from tasktui.services.transfer.batch import attribute_text

    if not isinstance(data, dict):
        raise Invalid(f"a task must be a JSON object, not {type(data).__name__}")
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise Invalid(f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}")
    missing = [k for k in REQUIRED if data.get(k) is None]
    if missing:
        raise Invalid(f"{', '.join(map(repr, missing))} {'is' if len(missing) == 1 else 'are'} required")
    old_id = data.get("id")
    if old_id is not None and (isinstance(old_id, bool) or not isinstance(old_id, int)):
        raise Invalid("'id' must be an integer")
    status = data["status"]
    if status not in INTO:  # the statuses a transition of the table leads into
        raise Invalid(f"'status' must be 'open' or 'done', not {status!r}")
    created_at = _datetime("created_at", data["created_at"])
    done_at = _datetime("done_at", data["done_at"]) if data.get("done_at") is not None else None
    if status == DONE and done_at is None:
        raise Invalid("a done task needs 'done_at'")
    if status == OPEN and done_at is not None:
        raise Invalid("an open task has no 'done_at'")
    last_seen_at = (
        _datetime("last_seen_at", data["last_seen_at"]) if data.get("last_seen_at") is not None else created_at
    )
    if last_seen_at < created_at:
        raise Invalid("'last_seen_at' is before 'created_at'")
    occurrences = data.get("occurrences", 1)
    if isinstance(occurrences, bool) or not isinstance(occurrences, int) or not 1 <= occurrences < 2**63:
        raise Invalid("'occurrences' must be a whole number of at least 1")
    link = _text(data, "link") or ""
    description = _text(data, "description") or ""
    dedup_key = _text(data, "dedup_key")
    check_raise_texts(description, link, dedup_key)
    description, link = clean_task_text(description, link)
    attributes = data.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise Invalid("'attributes' must be an object of key: value")
    texts = {str(k): attribute_text(str(k), v) for k, v in attributes.items()}
    severity = _text(data, "severity")
    acknowledged_by = _text(data, "acknowledged_by") or None
    acknowledged_at = _datetime("acknowledged_at", data["acknowledged_at"]) if data.get("acknowledged_at") else None
    if (acknowledged_by is None) != (acknowledged_at is None):
        raise Invalid("'acknowledged_by' and 'acknowledged_at' go together")
    snoozed_until = _datetime("snoozed_until", data["snoozed_until"]) if data.get("snoozed_until") else None
    if snoozed_until is not None and status != OPEN:
        raise Invalid("only an open task can be snoozed")
    return ImportRecord(
        index=index,
        old_id=old_id,
        event=_text(data, "event") or "",
        created_at=created_at,
        status=status,
        title=check_title(_text(data, "title") or ""),
        description=description,
        link=link,
        done_at=done_at,
        assignee=_text(data, "assignee") or None,
        group=_text(data, "group") or None,
        occurrences=occurrences,
        last_seen_at=last_seen_at,
        dedup_key=dedup_key,
        attributes={k: v for k, v in texts.items() if v.strip()},
        severity=optional_rank(severity),
        acknowledged_by=acknowledged_by,
        acknowledged_at=acknowledged_at,
        snoozed_until=snoozed_until,
    )


def read_file(path: Path) -> ImportSpool:
    """Every record of an export file, checked for shape, in a spool (the caller
    closes it: `with read_file(path) as spool`); a file that is not one, or has bad
    records, is ImportRejected (exit 2) listing every bad record. The file is read
    record by record (`json_stream`), each record at most MAX_IMPORT_RECORD, so
    `/dev/zero` or a huge record is refused at once, in flat memory. The path `-` is
    stdin (named "stdin" in messages and history)."""
    path = Path(path).expanduser()
    if path.suffix.lower() == ".csv":
        raise Invalid(f"{path.name}: {CSV_REFUSED}")
    spool = ImportSpool(STDIN_NAME if str(path) == "-" else path.name)
    try:
        _read_into(path, spool)
    except BaseException:
        spool.close()
        raise
    return spool


#: How messages and history name an import read from stdin (`tasktui import -`).
STDIN_NAME = "stdin"


def _read_into(path: Path, spool: ImportSpool) -> None:
    import contextlib
    import sys

    from tasktui.json_stream import NotAnArray, NotJson, iter_json_array

    problems: list[Problem] = []
    name = spool.source
    try:
        with contextlib.nullcontext(sys.stdin.buffer) if str(path) == "-" else open(path, "rb") as stream:
            for index, item in enumerate(iter_json_array(stream, MAX_IMPORT_RECORD, name), start=1):
                try:
                    record = parse_record(index, item)
                except TaskTuiError as e:
                    problems.append(
                        Problem(record_label(index, item.get("id") if isinstance(item, dict) else None), str(e))
                    )
                    continue
                if not problems:  # once a record is bad, the rest is only checked
                    spool.add(record)
    except FileNotFoundError:
        raise Invalid(f"cannot read {path}: no such file") from None
    except OSError as e:
        raise Invalid(f"cannot read {path}: {e.strerror}") from None
    except NotJson as e:
        if e.head.lstrip().startswith("id,created_at,"):
            raise Invalid(f"{name}: {CSV_REFUSED}") from None
        raise
    except NotAnArray as e:
        raise Invalid(
            f"{name}: expected a JSON array of tasks (as 'tasktui export --format json' writes), "
            f"not a JSON {type(e.value).__name__}"
        ) from None
    if problems:
        raise ImportRejected(name, problems)
    spool.flush()


# --------------------------------------------------------------------------- importing


def import_tasks(actor: Actor, path: Path, skip_existing: bool = False, unassign_unknown: bool = False) -> ImportResult:
    """Import the export file at `path` (see the module docstring for the rules); the
    result's `tasks` is a list."""
    with read_file(path) as spool:
        result = import_spooled(actor, spool, skip_existing, unassign_unknown)
        return dataclasses.replace(result, tasks=list(result.tasks))


def import_spooled(
    actor: Actor, spool: ImportSpool, skip_existing: bool = False, unassign_unknown: bool = False
) -> ImportResult:
    """Import the checked records of a spool (`read_file`): in one write transaction,
    resolve the references, refuse duplicates and dedup clashes, write every task —
    or nothing (ImportRejected). The result's `tasks` reads the spool: use it before
    the spool is closed."""
    from tasktui.services.transfer.import_checks import ImportChecker, check_dedup_keys, refuse_existing

    source = spool.source
    with write_transaction():
        checker = ImportChecker(source, unassign_unknown)
        for chunk in spool.by_key():
            spool.mark_existing(checker.check(chunk))
        checker.raise_problems()
        existing = spool.existing_count()
        if existing and not skip_existing:
            raise refuse_existing(spool, existing)
        check_dedup_keys(spool, checker.resolved)
        now = utcnow()  # every new task's updated_at
        with deferred_search_index():  # the text index of the new tasks in bulk
            for chunk in spool.to_write():
                spool.mark_written(_write(actor, source, chunk, checker.resolved, now))
        imported = spool.written_count()
        _record_change_set(actor, source, imported, spool)
    return ImportResult(source, SpooledTasks(spool), imported, existing)


def _record_change_set(actor: Actor, source: str, count: int, spool: ImportSpool) -> None:
    """The import as one change set: undo deletes the tasks again (each with its whole
    row and attributes recorded, so that a redo brings it back)."""
    from tasktui.services.tasks.change_sets import ALL_ATTRIBUTES, ALL_TASK_COLUMNS, save_created

    if count:
        fields = (*ALL_TASK_COLUMNS, ALL_ATTRIBUTES)
        save_created(actor, "import", f"import {source}", fields, count, spool.written_ids())


def _write(
    actor: Actor, source: str, records: Sequence[ImportRecord], resolved: Resolved, now: dt.datetime
) -> list[tuple[int, int]]:
    """Insert a chunk of tasks (given in created_at order, so are their ids), their
    attribute values and their 'imported' history with the raise path's writer;
    (record index, new task id) of each. No outbox message is written."""
    pending = PendingRows()
    for slot, r in enumerate(records):
        ev: Event = resolved.events[r.event]
        pending.tasks.append(
            {
                "created_at": r.created_at, "status": r.status, "title": r.title, "description": r.description,
                "link": r.link, "event": ev.id, "plugin": ev.plugin, "assignee": resolved.user_ids.get(r.assignee) if r.assignee else None,
                "group": resolved.group_ids.get(r.group) if r.group else None, "done_at": r.done_at, "done_by": None,
                "dedup_key": r.dedup_key, "occurrences": r.occurrences, "last_seen_at": r.last_seen_at,
                "updated_at": now, "severity": r.severity if r.severity is not None else ev.severity,
                "acknowledged_by": resolved.user_ids.get(r.acknowledged_by) if r.acknowledged_by else None,
                "acknowledged_at": r.acknowledged_at if resolved.user_ids.get(r.acknowledged_by or "") else None,
                "snoozed_until": r.snoozed_until,
            }
        )  # fmt: skip
        ref = TaskRef(slot=slot)
        origin = f"{source}, task {r.old_id}" if r.old_id is not None else source
        pending.history.append((ref, history(0, actor, "imported", "source", None, origin)))
        for kind, name in (("assignee", r.assignee), ("group", r.group), ("acknowledged_by", r.acknowledged_by)):
            if name is not None and name in resolved.dropped[kind]:
                pending.history.append((ref, history(0, actor, "imported", kind, name, None)))
        pending.values.append((ref, resolved.values(r)))
    return list(zip((r.index for r in records), write_rows(pending)))
