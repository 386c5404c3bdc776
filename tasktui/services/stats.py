"""How the work develops (issue 18.4): per day of a period, the tasks raised, done
and open at the end of the day; per event the same; the median and 90th percentile
time from raise to done; the oldest open tasks; the events raising most (occurrences,
dedup repeats included); the open load per assignee and group.

Every figure is computed in SQL from index ranges (created at, done at, status):
the rows of the period are counted per day, not loaded. Open at the end of a day
walks back from the open count of today: open(d-1) = open(d) - raised(d) + done(d)
(a task reopened later counts as never done). The percentiles read only the done
tasks of the period, as two times each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import peewee as pw

from tasktui.models import OPEN, Event, Group, Task, User, utcnow
from tasktui.services.events.definitions import get_event
from tasktui.services.tasks.change_sets import tuples_of

#: How many oldest open tasks, top events, assignees and groups are listed.
TOP = 10


@dataclass(frozen=True)
class DayStats:
    """One day of the period (UTC)."""

    day: str
    raised: int
    done: int
    open: int


@dataclass(frozen=True)
class EventStats:
    """One event over the period: raised, done, occurrences (with repeats), open now."""

    event: str
    name: str
    raised: int
    done: int
    occurrences: int
    open: int


@dataclass(frozen=True)
class OldTask:
    """An open task, oldest first."""

    id: int
    title: str
    event: str
    created_at: dt.datetime
    age_days: int


@dataclass(frozen=True)
class Load:
    """Open tasks of one assignee or group (None: nobody)."""

    name: str | None
    open: int


@dataclass
class Stats:
    """The whole report of `tasktui stats` and the stats screen."""

    since: dt.datetime
    until: dt.datetime
    event: str | None
    days: list[DayStats] = field(default_factory=list)
    events: list[EventStats] = field(default_factory=list)
    done_count: int = 0
    median_hours: float | None = None
    p90_hours: float | None = None
    oldest_open: list[OldTask] = field(default_factory=list)
    top_events: list[EventStats] = field(default_factory=list)
    open_by_assignee: list[Load] = field(default_factory=list)
    open_by_group: list[Load] = field(default_factory=list)

    @property
    def raised(self) -> int:
        """Tasks raised over the period."""
        return sum(d.raised for d in self.days)

    @property
    def done(self) -> int:
        """Tasks done over the period."""
        return sum(d.done for d in self.days)


def _day(value: object) -> str:
    """A DATE() result as YYYY-MM-DD (SQLite gives text, PostgreSQL a date)."""
    return str(value)[:10]


def _percentile(sorted_values: list[float], fraction: float) -> float | None:
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def task_stats(since: dt.datetime, event: str | None = None, now: dt.datetime | None = None, lang: str = "en") -> Stats:
    """The report for the period from `since` (naive UTC) to now, for one event or all."""
    now = now or utcnow()
    event_id = get_event(event).id if event else None
    stats = Stats(since=since, until=now, event=event)

    def scoped(condition: pw.Expression) -> pw.Expression:
        return condition & (Task.event == event_id) if event_id is not None else condition

    created_day = pw.fn.DATE(Task.created_at)
    raised_rows = tuples_of(
        Task.select(created_day, Task.event, pw.fn.COUNT(Task.id), pw.fn.SUM(Task.occurrences))
        .where(scoped(Task.created_at >= since))
        .group_by(created_day, Task.event)
    )
    done_day = pw.fn.DATE(Task.done_at)
    done_rows = tuples_of(
        Task.select(done_day, Task.event, pw.fn.COUNT(Task.id))
        .where(scoped(Task.done_at >= since))
        .group_by(done_day, Task.event)
    )
    raised_per_day: dict[str, int] = {}
    done_per_day: dict[str, int] = {}
    per_event: dict[int, list[int]] = {}  # raised, done, occurrences
    for day, ev, count, occurrences in raised_rows:
        raised_per_day[_day(day)] = raised_per_day.get(_day(day), 0) + count
        totals = per_event.setdefault(ev, [0, 0, 0])
        totals[0] += count
        totals[2] += int(occurrences or 0)
    for day, ev, count in done_rows:
        done_per_day[_day(day)] = done_per_day.get(_day(day), 0) + count
        per_event.setdefault(ev, [0, 0, 0])[1] += count
    open_query = Task.select(Task.event, pw.fn.COUNT(Task.id)).where(scoped(Task.status == OPEN)).group_by(Task.event)
    open_per_event = dict(tuples_of(open_query))
    open_now = sum(open_per_event.values())

    days = _days(since.date(), now.date())
    series: list[DayStats] = []
    open_at_end = open_now
    for day in reversed(days):
        raised, done = raised_per_day.get(day, 0), done_per_day.get(day, 0)
        series.append(DayStats(day, raised, done, open_at_end))
        open_at_end = max(0, open_at_end - raised + done)
    stats.days = list(reversed(series))

    names = _event_names(set(per_event) | set(open_per_event), lang)
    stats.events = sorted(
        (
            EventStats(names[ev][0], names[ev][1], *per_event.get(ev, [0, 0, 0]), open_per_event.get(ev, 0))  # type: ignore[call-arg]
            for ev in set(per_event) | set(open_per_event)
        ),
        key=lambda e: (-e.raised, -e.open, e.event),
    )
    stats.top_events = sorted((e for e in stats.events if e.occurrences), key=lambda e: (-e.occurrences, e.event))[:TOP]

    durations = sorted(
        (done_at - created_at).total_seconds() / 3600
        for created_at, done_at in tuples_of(
            Task.select(Task.created_at, Task.done_at).where(scoped(Task.done_at >= since))
        )
        if done_at is not None and created_at is not None
    )
    stats.done_count = len(durations)
    stats.median_hours = _percentile(durations, 0.5)
    stats.p90_hours = _percentile(durations, 0.9)

    oldest = tuples_of(
        Task.select(Task.id, Task.title, Task.event, Task.created_at)
        .where(scoped(Task.status == OPEN))
        .order_by(Task.created_at, Task.id)
        .limit(TOP)
    )
    old_rows = list(oldest)
    old_names = _event_names({ev for _, _, ev, _ in old_rows}, lang)
    stats.oldest_open = [
        OldTask(i, title, old_names[ev][0], created, max(0, (now - created).days)) for i, title, ev, created in old_rows
    ]
    stats.open_by_assignee = _load(Task.assignee, User, User.login, scoped(Task.status == OPEN))
    stats.open_by_group = _load(Task.group, Group, Group.name, scoped(Task.status == OPEN))
    return stats


def _days(first: dt.date, last: dt.date) -> list[str]:
    count = (last - first).days + 1
    return [(first + dt.timedelta(days=i)).isoformat() for i in range(max(count, 1))]


def _event_names(ids: Iterable[int], lang: str) -> dict[int, tuple[str, str]]:
    wanted = list(ids)
    if not wanted:
        return {}
    return {e.id: (e.identifier, e.name(lang)) for e in Event.select().where(Event.id.in_(wanted))}


def _load(column: pw.Field, model: type[pw.Model], label: pw.Field, condition: pw.Expression) -> list[Load]:
    counts = tuples_of(Task.select(column, pw.fn.COUNT(Task.id)).where(condition).group_by(column))
    ids = [i for i, _ in counts if i is not None]
    key: Any = model._meta.primary_key
    names: dict[int, str] = dict(tuples_of(model.select(key, label).where(key.in_(ids)))) if ids else {}
    rows = [Load(names.get(i) if i is not None else None, n) for i, n in counts]
    return sorted(rows, key=lambda r: (-r.open, r.name or ""))[:TOP]
