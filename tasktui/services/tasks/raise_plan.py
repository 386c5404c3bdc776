"""Raise requests and their plan: what every way in asks to raise, and one function
that checks the requests against the database and says what each would do, before
anything is written.

A request's texts are checked without the database (`raise_request`), before the
write transaction, so an oversized input never holds the lock. Then every way in
(`tasktui raise`, `raise --batch`, `run`, and the dedup planning of `import`) goes
through one planner (`plan_raises`), so the rules exist once:

- the event must exist and be active: an obsolete event raises no new tasks, but a
  raise with a dedup key still counts on the open task of that key (a monitoring
  resend must not start a second task under another event);
- assignee and group default to the event's responsible user and group, a named
  one must exist; attribute values fit the event's attribute set (defaults filled);
- with a dedup key, an open task of the same event and key absorbs the raise (one
  more occurrence); with `reopen`, so does the latest done one, which is reopened;
  a key repeated inside the same list counts on the task the first of them found or
  created, exactly as one raise after another would;
- a request with an `episode` (the intake's alert start time) that finds an open
  task which last counted that same episode, or a later one, is a `repeat`: a resend
  of one episode counts once (only the task's last seen time moves), a late replay of
  an earlier one not at all, a new episode counts again; so is one that finds no open
  task but a done one that counted a later episode (the replayed one is over), or,
  with `ended_by`, that same episode and was closed by that user (the intake's resolve
  ended it: a late or replayed firing of the ended episode changes nothing, where it
  created a task nobody would ever resolve); a task someone else closed while it
  counted the episode is raised again as before;
- severity: a new task gets the request's severity, else its event's; a raise naming
  a higher severity than the task it absorbs into raises the task's severity and, when
  the task is snoozed, wakes it (someone must look again); the acknowledgement of an
  absorbing task stays.

Lookups are made once per name, and dedup targets in bulk, so 100,000 requests plan
in seconds. The plan is applied by `raise_writer.apply_plan`, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import field

import peewee as pw

from tasktui.db import lock_keys
from tasktui.errors import Invalid, Refused, TaskTuiError
from tasktui.lazy_typing import TYPE_CHECKING, cast
from tasktui.limits import (
    MAX_DEDUP_KEY,
    MAX_DESCRIPTION,
    MAX_LINK,
    MAX_PROCESS_ID,
    MAX_PROCESS_SOURCE,
    MAX_TITLE,
    check_length,
)
from tasktui.models import DONE, OPEN, Event, Task
from tasktui.records import Record
from tasktui.services.lookups import get_event, get_group, get_user
from tasktui.services.tasks.bulk_insert import CHUNK, cached_lookup
from tasktui.text_safety import clean_line, clean_text

if TYPE_CHECKING:
    from typing import Any

NEW, ABSORB, REOPEN, REPEAT, REFUSED = "new", "absorb", "reopen", "repeat", "refused"


class ProcessRef(Record):
    """A related external run given on raise."""

    process_id: str
    source: str = ""
    started_at: dt.datetime | None = None
    exit_code: int | None = None


class RaiseRequest(Record):
    """One raise, its texts checked and cleaned (build it with `raise_request`):
    names (event, assignee, group, attribute keys) are resolved by the planner."""

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
    episode: str | None = None
    #: A rank of `models.SEVERITIES`; None: the event's default.
    severity: int | None = None
    #: The user whose closing of a task ends its episode (see the module docstring).
    ended_by: int | None = None


def raise_request(
    event: str,
    title: str,
    description: str | None = "",
    link: str | None = "",
    assignee: str | None = None,
    group: str | None = None,
    dedup_key: str | None = None,
    reopen: bool = False,
    attributes: Mapping[str, str] | None = None,
    processes: Iterable[ProcessRef] = (),
    episode: str | None = None,
    severity: int | None = None,
) -> RaiseRequest:
    """A checked request: title one line, texts within their limits and cleaned,
    processes valid; Invalid says what is wrong. `episode` names the occurrence a
    sender may send more than once (see the module docstring)."""
    title = check_title(title)
    check_raise_texts(description, link, dedup_key)
    description, link = clean_task_text(description, link)
    processes = tuple(processes)
    for process in processes:
        check_process(process)
    return RaiseRequest(
        event=event,
        title=title,
        description=description or "",
        link=link or "",
        assignee=assignee or None,
        group=group or None,
        dedup_key=dedup_key,
        reopen=reopen,
        attributes=dict(attributes or {}),
        processes=processes,
        episode=episode,
        severity=severity,
    )


def check_title(title: str | None) -> str:
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
    transaction so an oversized input never holds the lock (the title: `check_title`)."""
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


class PlannedRaise(Record, frozen=False):
    """What one request will do: `new` task, `absorb` into a task (one more
    occurrence), `reopen` a done task (and absorb), `repeat` an episode the open task
    counted already (no new occurrence), or `refused` (`error` says why;
    `event_refused` when the event itself is unknown or obsolete).

    The task absorbed is `task_id` (in the database) or `first`, the index of the
    request of the same plan that creates it. `occurrences` is the task's count
    after this raise, `previous` before it."""

    kind: str
    event: Event | None = None
    error: TaskTuiError | None = None
    event_refused: bool = False
    task_id: int | None = None
    first: int | None = None
    occurrences: int = 1
    previous: int = 0
    assignee_id: int | None = None
    group_id: int | None = None
    values: dict[int, str] = field(default_factory=dict)
    #: The severity rank of a new task; for an absorbing raise, the task's severity
    #: after it, with `severity_before` the one it had (equal: unchanged).
    severity: int = 2
    severity_before: int = 2
    #: An absorbing raise of a higher severity wakes the snoozed task it counts on.
    wakes: bool = False

    @property
    def planned_event(self) -> Event:
        """The event of a request that was not refused (a refused one may have none)."""
        if self.event is None:
            raise ValueError(f"a {self.kind} raise has no event")
        return self.event

    @property
    def first_index(self) -> int:
        """The index of the request that creates the task this one absorbs into."""
        if self.first is None:
            raise ValueError("this raise absorbs into a task in the database, not into one of its plan")
        return self.first

    @property
    def reason(self) -> str:
        """Why the request is refused ('' when it is not)."""
        return str(self.error) if self.error is not None else ""


class _Target(Record, frozen=False):
    """The task a dedup key counts on while planning."""

    occurrences: int
    task_id: int | None = None
    first: int | None = None
    episode: str | None = None
    severity: int = 2
    snoozed: bool = False
    closed_by: int | None = None


def plan_raises(requests: Sequence[RaiseRequest]) -> list[PlannedRaise]:
    """The plan of every request, in order (see the module docstring for the rules).
    Run it inside the write transaction that applies the plan: what it finds is what
    the writer writes against."""
    caches: dict[str, dict[Any, Any]] = {"event": {}, "user": {}, "group": {}, "values": {}}
    plan = [_resolve(request, caches) for request in requests]
    pairs = {
        (p.planned_event.id, r.dedup_key)
        for r, p in zip(requests, plan)
        if p.kind != REFUSED and r.dedup_key is not None
    }
    # Writers of the same dedup key take turns from here to their commit, so what is
    # read next is still true when the plan is written (several writers at once on a
    # server; SQLite's write transaction admits one anyway).
    lock_keys(f"dedup:{event_id}:{key}" for event_id, key in pairs)
    latest = latest_dedup_tasks(pairs)
    counts = _occurrences(latest.values())
    open_now = {(e, k): _target(i, counts[i]) for (e, k, s), i in latest.items() if s == OPEN}
    done = {(e, k): _target(i, counts[i]) for (e, k, s), i in latest.items() if s == DONE}
    for index, (request, planned) in enumerate(zip(requests, plan)):
        if planned.kind == REFUSED or request.dedup_key is None:
            continue
        pair = (planned.planned_event.id, request.dedup_key)
        target = open_now.get(pair)
        ended = done.get(pair) if target is None else None
        if ended is not None and _ends_episode(ended, request):  # a resend of an ended episode
            planned.kind, planned.task_id = REPEAT, ended.task_id
            planned.occurrences = planned.previous = ended.occurrences
            planned.severity = planned.severity_before = ended.severity
            continue
        if target is None and request.reopen and pair in done:
            target = open_now[pair] = done.pop(pair)
            planned.kind = REOPEN
        elif target is not None:
            planned.kind = ABSORB
        if target is None and planned.planned_event.obsolete:  # only an open task may take it
            planned.kind, planned.event_refused = REFUSED, True
            planned.error = _obsolete_error(planned.planned_event)
            continue
        if target is None:
            open_now[pair] = _Target(1, first=index, episode=request.episode, severity=planned.severity)
            continue
        if planned.kind == REOPEN:  # reopening clears a snooze (status_changes)
            target.snoozed = False
        planned.severity_before = target.severity
        if request.severity is not None and request.severity > target.severity:
            planned.wakes, target.snoozed = target.snoozed, False
            target.severity = request.severity
        planned.severity = target.severity
        if planned.kind == ABSORB and replayed(request.episode, target.episode):
            planned.kind = REPEAT
            planned.previous = target.occurrences
        else:
            planned.previous, target.occurrences = target.occurrences, target.occurrences + 1
            target.episode = request.episode
        planned.occurrences, planned.task_id, planned.first = target.occurrences, target.task_id, target.first
    return plan


def _ends_episode(ended: _Target, request: RaiseRequest) -> bool:
    """Whether the request's episode is over for the done task `ended`: the task counted
    a later episode, or was closed by `request.ended_by` while it counted this one."""
    if request.episode is not None and request.episode == ended.episode:
        return request.ended_by is not None and ended.closed_by == request.ended_by
    return began_before(request.episode, ended.episode)


def replayed(episode: str | None, counted: str | None) -> bool:
    """Whether `episode` (a start time) is the one a task `counted` last, or began
    before it: a resend or a late replay, not a new occurrence."""
    return (episode is not None and episode == counted) or began_before(episode, counted)


def began_before(episode: str | None, other: str | None) -> bool:
    """Whether the episode that started at `episode` began before the one at `other`
    (ISO 8601 times, as Alertmanager's `startsAt`); False when either is missing or
    not a time with its zone."""
    if episode is None or other is None:
        return False
    try:
        return dt.datetime.fromisoformat(episode) < dt.datetime.fromisoformat(other)
    except (ValueError, TypeError):  # not a time, or one without a time zone
        return False


def raisable_event(event: Event) -> Event:
    """`event`, when it may raise new tasks (an obsolete one is refused)."""
    if event.obsolete:
        raise _obsolete_error(event)
    return event


def _obsolete_error(event: Event) -> Refused:
    return Refused(f"event {event.identifier!r} is obsolete and raises no new tasks")


def check_raise_target(event: str, assignee: str | None = None, group: str | None = None) -> Event:
    """The event a raise would use, checked before anything else happens (an unknown
    event, user or group is NotFound, an obsolete event Refused): `tasktui run` asks
    before it runs its command, so a typo fails at once, not at the first failure."""
    ev = raisable_event(get_event(event))
    if assignee:
        get_user(assignee)
    if group:
        get_group(group)
    return ev


def _resolve(request: RaiseRequest, caches: dict[str, dict[Any, Any]]) -> PlannedRaise:
    """A `new` plan with the request's event, people and attribute values resolved,
    or `refused` with the first error."""
    try:
        ev = cached_lookup(caches["event"], request.event, get_event)
        if request.dedup_key is None:  # with a key, an open task may still take it (plan_raises)
            raisable_event(ev)
    except TaskTuiError as e:
        return PlannedRaise(REFUSED, error=e, event_refused=True)
    try:
        values: dict[int, str] = {}
        if ev.attribute_set_id is not None or request.attributes:  # else skip the import (raise stays light)
            key = (ev.id, tuple(sorted(request.attributes.items())))
            values = cached_lookup(caches["values"], key, lambda _k: _values(ev, request.attributes))
        assignee_id = (
            cached_lookup(caches["user"], request.assignee, get_user).id if request.assignee else ev.responsible_user_id
        )
        group_id = (
            cached_lookup(caches["group"], request.group, get_group).id if request.group else ev.responsible_group_id
        )
    except TaskTuiError as e:
        return PlannedRaise(REFUSED, error=e)
    severity = request.severity if request.severity is not None else ev.severity
    return PlannedRaise(
        NEW, event=ev, assignee_id=assignee_id, group_id=group_id, values=values, severity=severity,
        severity_before=severity,
    )  # fmt: skip


def _values(event: Event, attributes: Mapping[str, str]) -> dict[int, str]:
    from tasktui.services.tasks.attribute_values import values_for_raise

    return values_for_raise(event, attributes)


def latest_dedup_tasks(pairs: Iterable[tuple[int, str]]) -> dict[tuple[int, str, str], int]:
    """{(event id, dedup key, status): id of the latest task} for the given (event id,
    dedup key) pairs, fetched in bulk: one grouped query per event and CHUNK keys."""
    keys: dict[int, set[str]] = {}
    for event_id, key in pairs:
        keys.setdefault(event_id, set()).add(key)
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
            for key, status, task_id in cast("Iterable[tuple[str, str, int]]", query):  # .tuples()
                latest[(event_id, key, status)] = task_id
    return latest


def _target(task_id: int, found: tuple[int, str | None, int, bool, int | None]) -> _Target:
    occurrences, episode, severity, snoozed, closed_by = found
    return _Target(
        occurrences, task_id=task_id, episode=episode, severity=severity, snoozed=snoozed, closed_by=closed_by
    )


def _occurrences(task_ids: Iterable[int]) -> dict[int, tuple[int, str | None, int, bool, int | None]]:
    """{task id: (occurrences, episode, severity, snoozed now, done by)} of the dedup targets."""
    from tasktui.models import utcnow

    now = utcnow()
    ids = list(task_ids)
    counts: dict[int, tuple[int, str | None, int, bool, int | None]] = {}
    columns = (Task.id, Task.occurrences, Task.episode, Task.severity, Task.snoozed_until, Task.done_by)
    for start in range(0, len(ids), CHUNK):
        query = Task.select(*columns).where(Task.id.in_(ids[start : start + CHUNK])).tuples()
        rows = cast("Iterable[tuple[int, int, str | None, int, dt.datetime | None, int | None]]", query)  # .tuples()
        for task_id, occurrences, episode, severity, snoozed_until, done_by in rows:
            snoozed = snoozed_until is not None and snoozed_until > now
            counts[task_id] = (occurrences, episode, severity, snoozed, done_by)
    return counts
