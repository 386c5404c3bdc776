"""Keyset-paged task listing: pages for the table, full iteration for exports, counts, one task."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import peewee as pw

from tasktui.db import sort_key, text_driven, text_match_id, text_match_ids
from tasktui.errors import Invalid, NotFound
from tasktui.lazy_typing import TYPE_CHECKING, cast
from tasktui.models import Event, Group, Task, User, utcnow
from tasktui.records import Record
from tasktui.services.severity import name_of as severity_name
from tasktui.services.tasks.filters import TaskFilter, all_of

if TYPE_CHECKING:
    from typing import Any

#: A text search with at most this many matches reads their ids first (one read of
#: the text index in its fast direction), then pages through those.
FEW_MATCHES = 100


#: Sortable columns and the column each sorts by; the database dialect turns a nullable
#: one into a totally ordered key (`db.sort_key`), which keyset paging needs.
#: "created" sorts by id: ids follow creation order.
SORT_KEYS: dict[str, pw.Field] = {
    "created": Task.id,
    "id": Task.id,
    "status": Task.status,
    "title": Task.title,
    "description": Task.description,
    "plugin": Task.plugin,
    "event": Task.event,
    "link": Task.link,
    "done_at": Task.done_at,
    "assignee": Task.assignee,
    "group": Task.group,
    "occurrences": Task.occurrences,
    "last_seen": Task.last_seen_at,
    "severity": Task.severity,
    "acknowledged": Task.acknowledged_by,
}


class TaskRow(Record):
    """One row of the tasks table (and of `task list`)."""

    id: int
    created_at: dt.datetime
    status: str
    title: str
    description: str
    plugin: str | None
    event: str
    event_name: str
    link: str
    done_at: dt.datetime | None
    assignee: str | None
    group: str | None
    occurrences: int
    last_seen_at: dt.datetime
    dedup_key: str | None
    #: `critical`, `high`, `normal` or `low`.
    severity: str = "normal"
    #: Who acknowledged the open task and when (None: nobody, or its snooze ran out).
    acknowledged_by: str | None = None
    acknowledged_at: dt.datetime | None = None
    #: Until when the task sleeps (None: awake; a time that passed is awake too).
    snoozed_until: dt.datetime | None = None
    cursor: tuple[Any, ...] = ()

    @property
    def description_first_line(self) -> str:
        """The first line of the description."""
        return self.description.split("\n", 1)[0]


def _order(sort: str, descending: bool) -> tuple[pw.ColumnBase, list[pw.Node]]:
    if sort not in SORT_KEYS:
        raise Invalid(f"unknown sort column {sort!r}: use one of {', '.join(SORT_KEYS)}")
    key = sort_key(SORT_KEYS[sort])  # nullable columns: the engine's total order
    if key is Task.id:
        return key, [Task.id.desc() if descending else Task.id.asc()]
    return key, [key.desc() if descending else key.asc(), Task.id.desc() if descending else Task.id.asc()]


def page_query(
    flt: TaskFilter,
    sort: str = "created",
    descending: bool = True,
    after: tuple[Any, ...] | None = None,
    limit: int | None = 50,
    offset: int = 0,
) -> pw.Select:
    """The query selecting (id, sort key) of one page: filtered and sorted in SQL,
    continuing after the keyset cursor `after` (or skipping `offset` rows).

    A text search the full-text index answers: when it has at most FEW_MATCHES
    matches, their ids are read first (`text_match_ids`) and the page is taken from
    those; else the index drives the query (`text_driven`), and in id order the first
    page reads about a page of matches, not all of them."""
    key, order = _order(sort, descending)
    text = flt.search_text
    conditions = flt.conditions(text=False)
    if text is not None:
        few = text_match_ids(text, FEW_MATCHES)
        if few is not None:
            conditions.append(Task.id.in_(few))
            text = None
    query: pw.Select = Task.select(Task.id, key.alias("sort_key")) if key is not Task.id else Task.select(Task.id)
    match_id: Any = None
    if text is not None:
        query = text_driven(query, Task, text)
        if key is Task.id:  # the same id, but the index's order and rowid range
            key = match_id = cast("pw.ColumnBase", text_match_id(Task))
            order = [key.desc() if descending else key.asc()]
    if after is not None:
        if key is Task.id or key is match_id:
            conditions.append(key < after[-1] if descending else key > after[-1])
        else:
            left, right = pw.Tuple(key, Task.id), pw.Tuple(*after)
            conditions.append(left < right if descending else left > right)
    condition = all_of(conditions)
    if condition is not None:
        query = query.where(condition)
    return query.order_by(*order).limit(limit).offset(offset or None)


def list_tasks(
    flt: TaskFilter,
    sort: str = "created",
    descending: bool = True,
    after: tuple[Any, ...] | None = None,
    limit: int = 50,
    offset: int = 0,
    lang: str = "en",
) -> list[TaskRow]:
    """One page of tasks; pass the last row's `cursor` as `after` for the next page."""
    page = list(page_query(flt, sort, descending, after, limit, offset).tuples())
    if not page:
        return []
    cursors = {row[0]: (row[1], row[0]) if len(row) > 1 else (row[0],) for row in page}
    rows = {r.id: r for r in _rows_by_id(list(cursors), lang, cursors)}
    return [rows[task_id] for task_id in cursors if task_id in rows]


def _rows_by_id(ids: Sequence[int], lang: str, cursors: dict[int, tuple[Any, ...]] | None = None) -> list[TaskRow]:
    assignee = User.alias("assignee")
    acker = User.alias("acker")
    query = (
        Task.select(
            Task,
            Event.identifier,
            Event.name_en,
            Event.name_de,
            assignee.login,
            Group.name,
            acker.login.alias("acker_login"),
        )
        .join(Event, on=(Task.event == Event.id))
        .switch(Task)
        .join(assignee, pw.JOIN.LEFT_OUTER, on=(Task.assignee == assignee.id))
        .switch(Task)
        .join(acker, pw.JOIN.LEFT_OUTER, on=(Task.acknowledged_by == acker.id))
        .switch(Task)
        .join(Group, pw.JOIN.LEFT_OUTER, on=(Task.group == Group.id))
        .where(Task.id.in_(list(ids)))
        .dicts()
    )
    rows = []
    now = utcnow()
    for r in cast("Iterable[dict[str, Any]]", query):  # .dicts(): peewee's stubs yield models
        name = r["name_de"] if lang == "de" and r["name_de"] else r["name_en"]
        asleep = r["snoozed_until"] is not None and r["snoozed_until"] > now
        woke = r["snoozed_until"] is not None and not asleep  # awake again: no longer acknowledged
        rows.append(
            TaskRow(
                id=r["id"],
                created_at=r["created_at"],
                status=r["status"],
                title=r["title"],
                description=r["description"],
                plugin=r["plugin"],
                event=r["identifier"],
                event_name=name,
                link=r["link"],
                done_at=r["done_at"],
                assignee=r["login"],
                group=r["name"],
                occurrences=r["occurrences"],
                last_seen_at=r["last_seen_at"],
                dedup_key=r["dedup_key"],
                severity=severity_name(r["severity"]),
                acknowledged_by=None if woke else r["acker_login"],
                acknowledged_at=None if woke else r["acknowledged_at"],
                snoozed_until=r["snoozed_until"] if asleep else None,
                cursor=(cursors or {}).get(r["id"], (r["id"],)),
            )
        )
    return rows


def iter_tasks(flt: TaskFilter, sort: str = "created", descending: bool = True, lang: str = "en", batch: int = 1000):
    """Every matching task, fetched page by page (for exports): memory stays flat."""
    after = None
    while True:
        rows = list_tasks(flt, sort, descending, after=after, limit=batch, lang=lang)
        if not rows:
            return
        yield from rows
        after = rows[-1].cursor


def get_task(task_id: int) -> Task:
    """The task with this id, or NotFound."""
    task = Task.get_or_none(Task.id == task_id)
    if task is None:
        raise NotFound(f"unknown task {task_id}")
    return task


def matching_ids(flt: TaskFilter) -> list[int]:
    """The ids of every task matching a filter ("select all matching"), newest first."""
    return [row[0] for row in page_query(flt, limit=None).tuples()]
