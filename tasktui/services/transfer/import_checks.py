"""The database checks of `tasktui import` (rules: `tasktui.services.transfer.importing`).

Run inside the import's write transaction, so what they find is what the import
writes against: references resolved by name, attribute values validated for the
target's attribute sets, records already in the target found, dedup keys that would
end up on two open tasks refused. Each check lists every problem it finds (in file
order) before refusing, so one run shows everything to fix in the file.

Flat memory: the records come from the import's spool (`import_spool`) a chunk at a
time; what is kept across chunks is the names looked up (events, users, groups),
the problems, and for the "already there" check only the target tasks matched at
the last second of the previous chunk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby

from tasktui.errors import Invalid, NotFound, TaskTuiError
from tasktui.models import OPEN, AttributeDef, Event, Task
from tasktui.services.people import get_group, get_user
from tasktui.services.tasks.bulk_insert import cached_lookup
from tasktui.services.tasks.raise_plan import latest_dedup_tasks
from tasktui.services.transfer.import_records import ImportRecord, ImportRejected, Problem, record_label
from tasktui.services.transfer.import_spool import ImportSpool


@dataclass
class Resolved:
    """The target's rows the records name, each looked up once."""

    events: dict[str, Event] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)
    group_ids: dict[str, int] = field(default_factory=dict)
    #: unknown assignees and groups left empty (only with unassign_unknown)
    dropped: dict[str, set[str]] = field(
        default_factory=lambda: {"assignee": set(), "group": set(), "acknowledged_by": set()}
    )
    #: attribute set id -> its attributes by key (looked up once each)
    sets: dict = field(default_factory=dict)

    def values(self, r: ImportRecord) -> dict[int, str]:
        """The canonical attribute values of a record whose check passed."""
        return _values(self.events[r.event], r.attributes, self.sets)


def event_by_identifier(identifier: str) -> Event:
    """The event with this identifier, or NotFound. Never by numeric id: ids differ
    between databases, identifiers do not."""
    event = Event.get_or_none(Event.identifier == identifier)
    if event is None:
        raise NotFound(f"unknown event {identifier!r}")
    return event


def _set_attributes(attribute_set_id: int | None) -> dict[str, AttributeDef]:
    from tasktui.services.attributes.sets import set_attributes

    return {d.key: d for d in set_attributes(attribute_set_id)} if attribute_set_id is not None else {}


def _values(ev: Event, given: Mapping[str, str], sets: dict) -> dict[int, str]:
    """The canonical values of one record: each attribute in the event's set, each
    value valid for its type. No defaults, no required check (see the rules)."""
    if not given:
        return {}
    from tasktui.services.attributes.checks import choices_of
    from tasktui.services.attributes.types import canonicalise

    defs = cached_lookup(sets, ev.attribute_set_id, _set_attributes)
    values: dict[int, str] = {}
    for key, raw in given.items():
        defn = defs.get(key)
        if defn is None:
            if not defs:
                raise Invalid(f"attribute {key!r}: event {ev.identifier!r} has no attribute set in this database")
            known = ", ".join(sorted(defs))
            raise Invalid(
                f"attribute {key!r} is not in the attribute set of event {ev.identifier!r} in this database "
                f"(its attributes: {known})"
            )
        values[defn.id] = canonicalise(key, defn.type, raw, choices_of(defn))
    return values


class ImportChecker:
    """Resolves every record's event, assignee, group and attribute values in the
    target and finds the records already there, a chunk of records at a time in the
    spool's `by_key` order. `raise_problems` then refuses the file (ImportRejected,
    exit 3 when all problems are unknown names, else 2) listing every problem in file
    order."""

    def __init__(self, source: str, unassign_unknown: bool = False) -> None:
        self.source = source
        self.unassign_unknown = unassign_unknown
        self.resolved = Resolved()
        self._caches: dict[str, dict] = {"event": {}, "assignee": {}, "group": {}}
        self._problems: list[tuple[int, Problem]] = []
        #: (event id, second, target task ids matched at that second): the tasks a
        #: chunk matched at its last second, which the next chunk may meet again
        self._edge: tuple[int, dt.datetime, set[int]] | None = None

    def check(self, records: Sequence[ImportRecord]) -> list[tuple[int, int]]:
        """Check a chunk of records; (record index, target task id) of those already
        there. Each target task matches one record at most, the oldest the first."""
        known = [r for r in records if self._resolve(r)]
        return self._existing(known)

    def raise_problems(self) -> None:
        if self._problems:
            self._problems.sort(key=lambda p: p[0])  # stable: a record's problems stay in order
            raise ImportRejected(self.source, [p for _, p in self._problems])

    def _resolve(self, r: ImportRecord) -> bool:
        """Check one record's references and values; False when its event is unknown."""
        resolved, caches = self.resolved, self._caches
        try:
            ev = cached_lookup(caches["event"], r.event, event_by_identifier)
        except TaskTuiError as e:
            self._problems.append((r.index, Problem(r.label, str(e), not_found=isinstance(e, NotFound))))
            return False
        resolved.events[r.event] = ev
        for kind, name, fetch, ids in (
            ("assignee", r.assignee, get_user, resolved.user_ids),
            ("group", r.group, get_group, resolved.group_ids),
            ("acknowledged_by", r.acknowledged_by, get_user, resolved.user_ids),
        ):
            if name is None:
                continue
            try:
                ids[name] = cached_lookup(caches["group" if kind == "group" else "assignee"], name, fetch).id
            except NotFound as e:
                if self.unassign_unknown:
                    resolved.dropped[kind].add(name)
                else:
                    problem = Problem(r.label, f"{e} (--unassign-unknown leaves it empty)", not_found=True)
                    self._problems.append((r.index, problem))
        try:
            _values(ev, r.attributes, resolved.sets)
        except TaskTuiError as e:
            self._problems.append((r.index, Problem(r.label, str(e))))
        return True

    def _existing(self, records: Sequence[ImportRecord]) -> list[tuple[int, int]]:
        """The records of a chunk already in the target: one range scan per event of
        the chunk (the records come by event, then created_at)."""
        matched: list[tuple[int, int]] = []
        for identifier, group in groupby(records, key=lambda r: r.event):
            rows = list(group)
            event_id = self.resolved.events[identifier].id
            low, high = rows[0].created_at, rows[-1].created_at
            edge = self._edge
            taken = edge[2] if edge is not None and edge[0] == event_id and edge[1] == low else set()
            found = _target_tasks(event_id, low, high, {(r.created_at, r.title) for r in rows}, taken)
            at_high = set(taken) if low == high else set()
            for r in rows:
                ids = found.get((r.created_at, r.title))
                if ids:
                    task_id = ids.pop(0)
                    matched.append((r.index, task_id))
                    if r.created_at == high:
                        at_high.add(task_id)
            self._edge = (event_id, high, at_high)
        return matched


def _target_tasks(
    event_id: int, low: dt.datetime, high: dt.datetime, keys: set[tuple[dt.datetime, str]], taken: set[int]
) -> dict[tuple[dt.datetime, str], list[int]]:
    """{(created_at to the second, title): ids of the event's target tasks, oldest
    first} for `keys`, between `low` and `high` (whole seconds), except `taken`."""
    query = (
        Task.select(Task.id, Task.created_at, Task.title)
        .where(
            (Task.event == event_id)
            & (Task.created_at >= low)
            & (Task.created_at <= high.replace(microsecond=999999))  # the file has whole seconds
        )
        .order_by(Task.id)
        .tuples()
    )
    found: dict[tuple[dt.datetime, str], list[int]] = {}
    for task_id, created_at, title in query.iterator():
        if task_id in taken:
            continue
        if isinstance(created_at, str):
            created_at = dt.datetime.fromisoformat(created_at)
        key = (created_at.replace(microsecond=0), title)
        if key in keys:
            found.setdefault(key, []).append(task_id)
    return found


def refuse_existing(spool: ImportSpool, count: int) -> ImportRejected:
    """The refusal of a file whose records are partly or all already there (exit 1)."""
    problems = [
        Problem(
            record_label(idx, old_id), f"already in this database as task {task_id} (same event, created_at and title)"
        )
        for idx, old_id, task_id in spool.existing_rows()
    ]
    summary = f"{count} of {spool.count} tasks are already in this database (same event, created_at and title)"
    return ImportRejected(spool.source, problems, 1, "; --skip-existing imports only the others", summary)


def check_dedup_keys(spool: ImportSpool, resolved: Resolved) -> None:
    """Refuse (ImportRejected, exit 1) open records whose event and dedup key already
    have an open task in the target or in an earlier record: later raises would count
    on one of the two only. The target's tasks are found as the raise planner finds
    its dedup targets (`raise_plan.latest_dedup_tasks`), a chunk of keys at a time."""
    problems: list[tuple[int, Problem]] = []
    current: tuple[int, str] | None = None  # the pair of the records being read
    first = ""  # the first record of `current` (when the target has no open task of it)
    for rows in spool.open_dedup_keys():
        pairs = {(resolved.events[event].id, key) for _, _, event, key in rows}
        latest = latest_dedup_tasks(pairs)
        open_tasks = {(e, k): task_id for (e, k, status), task_id in latest.items() if status == OPEN}
        for idx, old_id, event, key in rows:
            pair = (resolved.events[event].id, key)
            label = record_label(idx, old_id)
            if pair in open_tasks:
                where = f"task {open_tasks[pair]} of this database"
            elif pair == current:
                where = first
            else:
                current, first = pair, label
                continue
            message = f"open with dedup key {key!r} of event {event!r}, like {where} (one must be done first)"
            problems.append((idx, Problem(label, message)))
    if problems:
        problems.sort(key=lambda p: p[0])
        raise ImportRejected(spool.source, [p for _, p in problems], 1)
