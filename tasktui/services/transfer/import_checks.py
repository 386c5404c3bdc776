"""The database checks of `tasktui import` (rules: `tasktui.services.task_import`).

Run inside the import's write transaction, so what they find is what the import
writes against: references resolved by name, attribute values validated for the
target's attribute sets, records already in the target found, dedup keys that would
end up on two open tasks refused. Each check lists every problem it finds before
refusing, so one run shows everything to fix in the file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from tasktui.errors import Invalid, NotFound, TaskTuiError
from tasktui.models import OPEN, AttributeDef, Event, Task
from tasktui.services.people import get_group, get_user
from tasktui.services.tasks.bulk_insert import cached_lookup
from tasktui.services.tasks.raise_plan import latest_dedup_tasks
from tasktui.services.transfer.import_records import ImportRecord, ImportRejected, Problem


@dataclass
class Resolved:
    """The target's rows the records name, each looked up once."""

    events: dict[str, Event] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)
    group_ids: dict[str, int] = field(default_factory=dict)
    #: record index -> attribute id -> canonical value
    values: dict[int, dict[int, str]] = field(default_factory=dict)
    #: unknown assignees and groups left empty (only with unassign_unknown)
    dropped: dict[str, set[str]] = field(
        default_factory=lambda: {"assignee": set(), "group": set(), "acknowledged_by": set()}
    )


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


def resolve(source: str, records: Sequence[ImportRecord], unassign_unknown: bool = False) -> Resolved:
    """Resolve every record's event, assignee, group and attribute values in the
    target, or ImportRejected listing every problem (exit 3 when all of them are
    unknown names, else 2)."""
    resolved = Resolved()
    caches: dict[str, dict] = {"event": {}, "assignee": {}, "group": {}, "set": {}}
    problems: list[Problem] = []
    for r in records:
        try:
            ev = cached_lookup(caches["event"], r.event, event_by_identifier)
        except TaskTuiError as e:
            problems.append(Problem(r.label, str(e), not_found=isinstance(e, NotFound)))
            continue
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
                if unassign_unknown:
                    resolved.dropped[kind].add(name)
                else:
                    problems.append(Problem(r.label, f"{e} (--unassign-unknown leaves it empty)", not_found=True))
        try:
            resolved.values[r.index] = _values(ev, r.attributes, caches["set"])
        except TaskTuiError as e:
            problems.append(Problem(r.label, str(e)))
    if problems:
        raise ImportRejected(source, problems)
    return resolved


def _existing_tasks(records: Sequence[ImportRecord], resolved: Resolved) -> dict[tuple, list[int]]:
    """{(event id, created_at to the second, title): ids of target tasks, oldest
    first} for the keys of the records: one range scan per event."""
    wanted: dict[int, set[tuple[dt.datetime, str]]] = {}
    for r in records:
        wanted.setdefault(resolved.events[r.event].id, set()).add((r.created_at, r.title))
    found: dict[tuple, list[int]] = {}
    for event_id, keys in wanted.items():
        low = min(created for created, _ in keys)
        high = max(created for created, _ in keys).replace(microsecond=999999)  # the file has whole seconds
        query = (
            Task.select(Task.id, Task.created_at, Task.title)
            .where((Task.event == event_id) & (Task.created_at >= low) & (Task.created_at <= high))
            .order_by(Task.id)
            .tuples()
        )
        for task_id, created_at, title in query.iterator():
            if isinstance(created_at, str):
                created_at = dt.datetime.fromisoformat(created_at)
            key = (created_at.replace(microsecond=0), title)
            if key in keys:
                found.setdefault((event_id, *key), []).append(task_id)
    return found


def split_existing(
    source: str, records: Sequence[ImportRecord], resolved: Resolved, skip_existing: bool = False
) -> dict[int, int]:
    """{record index: id of the target task it is already there as}. Each target task
    matches one record at most. Without `skip_existing`, any match is refused
    (ImportRejected, exit 1)."""
    found = _existing_tasks(records, resolved)
    existing: dict[int, int] = {}
    for r in records:
        ids = found.get((resolved.events[r.event].id, r.created_at, r.title))
        if ids:
            existing[r.index] = ids.pop(0)
    if existing and not skip_existing:
        by_index = {r.index: r for r in records}
        problems = [
            Problem(by_index[i].label, f"already in this database as task {task_id} (same event, created_at and title)")
            for i, task_id in existing.items()
        ]
        summary = (
            f"{len(existing)} of {len(records)} tasks are already in this database (same event, created_at and title)"
        )
        raise ImportRejected(source, problems, 1, "; --skip-existing imports only the others", summary)
    return existing


def check_dedup_keys(source: str, records: Sequence[ImportRecord], resolved: Resolved) -> None:
    """Refuse (ImportRejected, exit 1) open records whose event and dedup key already
    have an open task in the target or in an earlier record: later raises would count
    on one of the two only. The target's tasks are found as the raise planner finds
    its dedup targets (`raise_plan.latest_dedup_tasks`)."""
    pairs = {
        (resolved.events[r.event].id, r.dedup_key) for r in records if r.status == OPEN and r.dedup_key is not None
    }
    open_tasks = {(e, k): task_id for (e, k, status), task_id in latest_dedup_tasks(pairs).items() if status == OPEN}
    problems: list[Problem] = []
    earlier: dict[tuple[int, str], str] = {}
    for r in records:
        if r.status != OPEN or r.dedup_key is None:
            continue
        pair = (resolved.events[r.event].id, r.dedup_key)
        if pair in open_tasks:
            where = f"task {open_tasks[pair]} of this database"
        elif pair in earlier:
            where = earlier[pair]
        else:
            earlier[pair] = r.label
            continue
        problems.append(
            Problem(
                r.label,
                f"open with dedup key {r.dedup_key!r} of event {r.event!r}, like {where} (one must be done first)",
            )
        )
    if problems:
        raise ImportRejected(source, problems, 1)
