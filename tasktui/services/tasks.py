"""Tasks: raise (with dedup), filters, keyset-paged listing, counts and bulk actions.

Bulk actions run in one transaction: unknown ids refuse the whole action (nothing
changes); tasks that are not in a state the action applies to are skipped and
reported with the reason. Every change writes a history entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import peewee as pw

from tasktui.db import TEXT_MATCH_ID, indexed_text, text_condition, text_driven, text_match_ids, write_transaction
from tasktui.errors import Invalid, NotFound, Refused
from tasktui.limits import (
    MAX_DEDUP_KEY,
    MAX_DESCRIPTION,
    MAX_LINK,
    MAX_PROCESS_ID,
    MAX_PROCESS_SOURCE,
    MAX_SEARCH,
    MAX_TITLE,
    check_length,
)
from tasktui.models import DONE, OPEN, Event, Group, Task, TaskHistory, User, utcnow
from tasktui.services.context import Actor
from tasktui.services.events import get_event
from tasktui.services.people import get_group, get_user, group_ids_of
from tasktui.text_safety import clean_line, clean_text

#: Assignee filter modes, in the order the filter bar offers them, with their labels.
ASSIGNEE_MODES: dict[str, str] = {
    "all": "All",
    "direct": "Assigned directly to me",
    "groups": "Assigned to me via groups",
    "direct_or_groups": "Assigned to me directly or via groups",
    "unassigned": "Unassigned",
}
STATUSES = ("open", "all", "done")
CHUNK = 500
#: A text search with at most this many matches reads their ids first (one read of
#: the text index in its fast direction), then pages through those.
FEW_MATCHES = 100

#: Sortable columns and the expression each sorts by (nullable columns coalesced so
#: the keyset comparison is total). "created" sorts by id: ids follow creation order.
SORT_KEYS: dict[str, pw.Node] = {
    "created": Task.id,
    "id": Task.id,
    "status": Task.status,
    "title": Task.title,
    "description": Task.description,
    "plugin": pw.fn.COALESCE(Task.plugin, ""),
    "event": Task.event,
    "link": Task.link,
    "done_at": pw.fn.COALESCE(Task.done_at, ""),
    "assignee": pw.fn.COALESCE(Task.assignee, 0),
    "group": pw.fn.COALESCE(Task.group, 0),
    "occurrences": Task.occurrences,
    "last_seen": Task.last_seen_at,
}


@dataclass(frozen=True)
class TaskFilter:
    """The filters of the tasks screen and `task list`.

    `user_id` is whose tasks the assignee modes mean ("me": the acting user in the
    TUI, or any user named on the command line)."""

    assignee_mode: str = "all"
    user_id: int | None = None
    event_id: int | None = None
    group_id: int | None = None
    status: str = "open"
    text: str = ""
    #: (attribute key, value) pairs every matching task holds (canonical comparison).
    attributes: tuple[tuple[str, str], ...] = ()

    def conditions(self, *, text: bool = True) -> list[pw.Expression]:
        """The SQL conditions of this filter, every one of which a matching task meets
        (empty: every task). `text=False` leaves out a search the full-text index
        answers (`search_text`), for queries that `text_driven` drives by it."""
        self.validate()
        parts: list[pw.Expression] = []
        if self.status in (OPEN, DONE):
            parts.append(Task.status == self.status)
        mode = self.assignee_mode
        if mode == "direct":
            parts.append(Task.assignee == self.user_id)
        elif mode == "groups":
            parts.append(Task.group.in_(group_ids_of(self.user_id)))
        elif mode == "direct_or_groups":
            # `+ 0` keeps the planner from a multi-index OR, which must sort every
            # match before the first page; scanning newest first stops after a page.
            parts.append(((Task.assignee + 0) == self.user_id) | Task.group.in_(group_ids_of(self.user_id)))
        elif mode == "unassigned":
            parts.append(Task.assignee.is_null())
        if self.event_id is not None:
            parts.append(Task.event == self.event_id)
        if self.group_id is not None:
            parts.append(Task.group == self.group_id)
        if self.text.strip() and (text or not self.search_text):
            parts.append(text_condition(Task, self.text.strip()))
        if self.attributes:
            from tasktui.services.attribute_values import attribute_condition

            parts.append(attribute_condition(self.attributes))
        return parts

    def validate(self) -> None:
        """Refuse an unknown status or assignee mode, or a mode without its user
        (attribute filters are checked when their condition is built), or a search
        text so long that the text index would take minutes to answer it."""
        check_length(self.text, MAX_SEARCH, "the search text")
        if self.status not in (OPEN, DONE, "all"):
            raise Invalid(f"unknown status {self.status!r}: use open, done or all")
        mode = self.assignee_mode
        if mode not in ASSIGNEE_MODES:
            raise Invalid(f"unknown assignee filter {mode!r}: use {', '.join(ASSIGNEE_MODES)}")
        if mode in ("direct", "groups", "direct_or_groups") and self.user_id is None:
            raise Invalid(f"the assignee filter {mode!r} needs a user")

    def condition(self) -> pw.Expression | None:
        """The SQL condition of this filter (None: every task)."""
        return all_of(self.conditions())

    @property
    def search_text(self) -> str | None:
        """The text searched for when the full-text index answers it (three
        characters or more), else None."""
        text = self.text.strip()
        return text if text and indexed_text(text) else None


def all_of(parts: Sequence[pw.Expression]) -> pw.Expression | None:
    """The conjunction of conditions (None for none: no condition)."""
    if not parts:
        return None
    condition = parts[0]
    for part in parts[1:]:
        condition = condition & part
    return condition


@dataclass(frozen=True)
class TaskRow:
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
    cursor: tuple[Any, ...] = ()

    @property
    def description_first_line(self) -> str:
        """The first line of the description."""
        return self.description.split("\n", 1)[0]


@dataclass
class BulkResult:
    """What a bulk action did: the ids changed, and the ids skipped per reason."""

    action: str
    changed: list[int] = field(default_factory=list)
    skipped: dict[str, list[int]] = field(default_factory=dict)

    @property
    def skipped_count(self) -> int:
        """How many tasks were skipped, whatever the reason."""
        return sum(len(ids) for ids in self.skipped.values())

    def summary(self) -> str:
        """One line: how many changed, how many skipped and why."""
        text = f"{self.action}: {len(self.changed)} changed"
        if self.skipped:
            reasons = "; ".join(f"{len(ids)} {reason}" for reason, ids in self.skipped.items())
            text += f", {self.skipped_count} skipped ({reasons})"
        return text


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


# --------------------------------------------------------------------------- listing


def _order(sort: str, descending: bool) -> tuple[pw.Node, list[pw.Node]]:
    if sort not in SORT_KEYS:
        raise Invalid(f"unknown sort column {sort!r}: use one of {', '.join(SORT_KEYS)}")
    key = SORT_KEYS[sort]
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
    query = Task.select(Task.id, key.alias("sort_key")) if key is not Task.id else Task.select(Task.id)
    if text is not None:
        query = text_driven(query, Task, text)
        if key is Task.id:  # the same id, but the index's order and rowid range
            key = TEXT_MATCH_ID
            order = [key.desc() if descending else key.asc()]
    if after is not None:
        if key is Task.id or key is TEXT_MATCH_ID:
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
    query = (
        Task.select(Task, Event.identifier, Event.name_en, Event.name_de, assignee.login, Group.name)
        .join(Event, on=(Task.event == Event.id))
        .switch(Task)
        .join(assignee, pw.JOIN.LEFT_OUTER, on=(Task.assignee == assignee.id))
        .switch(Task)
        .join(Group, pw.JOIN.LEFT_OUTER, on=(Task.group == Group.id))
        .where(Task.id.in_(list(ids)))
        .dicts()
    )
    rows = []
    for r in query:
        name = r["name_de"] if lang == "de" and r["name_de"] else r["name_en"]
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


def count_tasks(flt: TaskFilter) -> int:
    """How many tasks match the filter (see services/task_counts.py for how)."""
    from tasktui.services.task_counts import exact_count

    return exact_count(flt)


def get_task(task_id: int) -> Task:
    """The task with this id, or NotFound."""
    task = Task.get_or_none(Task.id == task_id)
    if task is None:
        raise NotFound(f"unknown task {task_id}")
    return task


# --------------------------------------------------------------------------- raise


def _check_title(title: str) -> str:
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
    transaction so an oversized input never holds the lock (the title: `_check_title`)."""
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


def history(task_id: int, actor: Actor, action: str, field: str | None = None, old: Any = None, new: Any = None) -> dict:
    """A history row (to insert) recording who changed what on a task."""
    return {
        "task": task_id,
        "at": utcnow(),
        "actor": actor.user_id,
        "os_login": actor.os_login,
        "action": action,
        "field": field,
        "old": None if old is None else str(old),
        "new": None if new is None else str(new),
    }


def _insert_history(rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        TaskHistory.insert_many(rows[start : start + CHUNK]).execute()


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
    title = _check_title(title)
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
            from tasktui.services.attribute_values import values_for_raise

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
            from tasktui.services.attribute_values import store_values

            store_values(task.id, attribute_values)
        _insert_history([history(task.id, actor, "created", new=title)])
        _add_processes(task.id, processes)
        from tasktui.services.notify import enqueue_for_new_task  # light: no smtplib

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
    _insert_history(rows)
    _add_processes(task.id, processes)
    return RaiseResult(task.id, outcome, occurrences, event)


def _add_processes(task_id: int, processes: Iterable[ProcessRef]) -> None:
    from tasktui.models import RelatedProcess

    for p in processes:
        check_process(p)
        RelatedProcess.create(
            task=task_id, process_id=p.process_id, source=p.source, started_at=p.started_at, exit_code=p.exit_code
        )


# --------------------------------------------------------------------------- bulk


def _load(ids: Iterable[int]) -> dict[int, Task]:
    wanted = list(dict.fromkeys(int(i) for i in ids))
    if not wanted:
        raise Invalid("no task ids given")
    found: dict[int, Task] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        for task in Task.select(Task.id, Task.status, Task.assignee, Task.group).where(Task.id.in_(chunk)):
            found[task.id] = task
    missing = [i for i in wanted if i not in found]
    if missing:
        shown = ", ".join(str(i) for i in missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise NotFound(f"unknown task{'s' if len(missing) > 1 else ''} {shown}: nothing was changed")
    return {i: found[i] for i in wanted}


def _update(ids: list[int], changes: dict[Any, Any]) -> None:
    for start in range(0, len(ids), CHUNK):
        Task.update(changes).where(Task.id.in_(ids[start : start + CHUNK])).execute()


def _logins(user_ids: Iterable[int | None]) -> dict[int, str]:
    ids = {i for i in user_ids if i is not None}
    return {u.id: u.login for u in User.select(User.id, User.login).where(User.id.in_(list(ids)))} if ids else {}


def _group_names(group_ids: Iterable[int | None]) -> dict[int, str]:
    ids = {i for i in group_ids if i is not None}
    return {g.id: g.name for g in Group.select(Group.id, Group.name).where(Group.id.in_(list(ids)))} if ids else {}


def mark_done(actor: Actor, ids: Iterable[int]) -> BulkResult:
    """Mark the open tasks among `ids` done (done at / done by); done ones are skipped."""
    result = BulkResult("mark done")
    with write_transaction():
        tasks = _load(ids)
        now = utcnow()
        result.changed = [i for i, t in tasks.items() if t.status == OPEN]
        skipped = [i for i, t in tasks.items() if t.status != OPEN]
        if skipped:
            result.skipped["already done"] = skipped
        _update(result.changed, {Task.status: DONE, Task.done_at: now, Task.done_by: actor.user_id, Task.updated_at: now})
        _insert_history([history(i, actor, "done", "status", OPEN, DONE) for i in result.changed])
    return result


def reopen(actor: Actor, ids: Iterable[int]) -> BulkResult:
    """Reopen the done tasks among `ids` (clears done at / done by); open ones are skipped."""
    result = BulkResult("reopen")
    with write_transaction():
        tasks = _load(ids)
        now = utcnow()
        result.changed = [i for i, t in tasks.items() if t.status == DONE]
        skipped = [i for i, t in tasks.items() if t.status != DONE]
        if skipped:
            result.skipped["already open"] = skipped
        _update(result.changed, {Task.status: OPEN, Task.done_at: None, Task.done_by: None, Task.updated_at: now})
        _insert_history([history(i, actor, "reopened", "status", DONE, OPEN) for i in result.changed])
    return result


def assign(actor: Actor, ids: Iterable[int], login: str | None = None) -> BulkResult:
    """Assign tasks to the user `login` (None: the acting user). Re-assigning an
    assigned task is allowed; tasks already assigned to that user are skipped."""
    with write_transaction():
        user = get_user(login) if login else User.get_by_id(actor.user_id)
        if not user.active:
            raise Refused(f"user {user.login!r} is inactive and cannot be assigned tasks")
        result = BulkResult(f"assign to {user.login}")
        tasks = _load(ids)
        result.changed = [i for i, t in tasks.items() if t.assignee_id != user.id]
        skipped = [i for i, t in tasks.items() if t.assignee_id == user.id]
        if skipped:
            result.skipped[f"already assigned to {user.login}"] = skipped
        old = _logins(t.assignee_id for t in tasks.values())
        _update(result.changed, {Task.assignee: user.id, Task.updated_at: utcnow()})
        _insert_history(
            [history(i, actor, "assigned", "assignee", old.get(tasks[i].assignee_id), user.login) for i in result.changed]
        )
    return result


def assign_group(actor: Actor, ids: Iterable[int], group: str | None) -> BulkResult:
    """Set the group of tasks (None clears it); tasks already in that group are skipped."""
    with write_transaction():
        target = get_group(group) if group else None
        target_id = target.id if target else None
        result = BulkResult(f"assign to group {target.name}" if target else "clear group")
        tasks = _load(ids)
        result.changed = [i for i, t in tasks.items() if t.group_id != target_id]
        skipped = [i for i, t in tasks.items() if t.group_id == target_id]
        if skipped:
            result.skipped["already in that group" if target else "have no group"] = skipped
        old = _group_names(t.group_id for t in tasks.values())
        _update(result.changed, {Task.group: target_id, Task.updated_at: utcnow()})
        _insert_history(
            [
                history(i, actor, "group", "group", old.get(tasks[i].group_id), target.name if target else None)
                for i in result.changed
            ]
        )
    return result


def unassign(actor: Actor, ids: Iterable[int]) -> BulkResult:
    """Remove the assignee of tasks (the group stays); unassigned ones are skipped."""
    result = BulkResult("unassign")
    with write_transaction():
        tasks = _load(ids)
        result.changed = [i for i, t in tasks.items() if t.assignee_id is not None]
        skipped = [i for i, t in tasks.items() if t.assignee_id is None]
        if skipped:
            result.skipped["not assigned"] = skipped
        old = _logins(t.assignee_id for t in tasks.values())
        _update(result.changed, {Task.assignee: None, Task.updated_at: utcnow()})
        _insert_history(
            [history(i, actor, "unassigned", "assignee", old.get(tasks[i].assignee_id), None) for i in result.changed]
        )
    return result


def matching_ids(flt: TaskFilter) -> list[int]:
    """The ids of every task matching a filter ("select all matching"), newest first."""
    return [row[0] for row in page_query(flt, limit=None).tuples()]
