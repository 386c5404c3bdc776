"""Triage (issue 17): severity on events and tasks through the one raise path,
acknowledge and snooze as properties of an open task (bulk, one transaction, counts
of changed and skipped, history), waking by the clock, and the filters over them."""

from __future__ import annotations

import datetime as dt

import pytest

from tasktui.errors import Invalid, NotFound
from tasktui.models import Task, TaskHistory, utcnow
from tasktui.services import people
from tasktui.services import severity as sev
from tasktui.services.context import acting_user
from tasktui.services.events import definitions as events
from tasktui.services.tasks.counts import count_tasks
from tasktui.services.tasks.detail import task_detail
from tasktui.services.tasks.filters import TaskFilter
from tasktui.services.tasks.listing import list_tasks
from tasktui.services.tasks.raising import raise_task
from tasktui.services.tasks.snooze_time import parse_until
from tasktui.services.tasks.transitions import (
    acknowledge,
    mark_done,
    reopen,
    snooze,
    unacknowledge,
    unsnooze,
    wake_due,
)
from tasktui.services.transfer.batch import parse_lines, raise_batch


@pytest.fixture
def ev(database, actor):
    people.add_user("bob")
    events.create_event("disk_full", "Disk full", severity="high")
    events.create_event("stock_diff", "Stock")
    return actor


def _history(task_id: int, action: str) -> list[tuple[str | None, str | None]]:
    rows = TaskHistory.select().where((TaskHistory.task == task_id) & (TaskHistory.action == action))
    return [(h.old, h.new) for h in rows.order_by(TaskHistory.id)]


def _later(hours: float = 2) -> dt.datetime:
    return (utcnow() + dt.timedelta(hours=hours)).replace(microsecond=0)


def test_severity_names_ranks_and_level_filters():
    assert list(sev.NAMES.values()) == ["critical", "high", "normal", "low"]
    assert sev.parse_level_filter("high+") == (4, 3)
    assert sev.parse_level_filter("low") == (1,)
    assert sev.parse_level_filter("critical, low") == (4, 1)
    assert sev.level_filter_text((4, 3)) == "high+" and sev.level_filter_text((1,)) == "low"
    assert sev.glyph(4) == "‼C" and sev.glyph(1) == "↓L"
    for bad in ("", "urgent", "+", "high++"):
        with pytest.raises(Invalid):
            sev.parse_level_filter(bad)


def test_a_task_takes_the_events_severity_unless_the_raise_names_one(ev):
    assert events.event_info(events.get_event("disk_full")).severity == "high"
    default = raise_task(ev, "disk_full", "one").task_id
    named = raise_task(ev, "disk_full", "two", severity=sev.rank_of("low")).task_id
    plain = raise_task(ev, "stock_diff", "three").task_id
    assert [Task.get_by_id(i).severity for i in (default, named, plain)] == [3, 1, 2]
    events.edit_event("stock_diff", severity="critical")
    assert Task.get_by_id(plain).severity == 2  # an edit applies to later raises only
    assert Task.get_by_id(raise_task(ev, "stock_diff", "four").task_id).severity == 4


def test_batch_lines_carry_a_severity_and_bad_ones_are_refused(ev):
    items, bad = parse_lines(['{"event": "stock_diff", "title": "a", "severity": "critical"}',
                              '{"event": "stock_diff", "title": "b", "severity": "urgent"}'])  # fmt: skip
    assert len(items) == 1 and "unknown severity 'urgent'" in bad[0].message
    (result,) = raise_batch(ev, items)
    assert Task.get_by_id(result.task_id).severity == 4


def test_sort_by_severity_lists_critical_first_and_filter_high_and_above(ev):
    for title, rank in (("low", 1), ("crit", 4), ("norm", 2), ("high", 3), ("crit2", 4)):
        raise_task(ev, "stock_diff", title, severity=rank)
    rows = list_tasks(TaskFilter(), sort="severity")
    assert [r.title for r in rows] == ["crit2", "crit", "high", "norm", "low"]  # newest first within a level
    assert [r.severity for r in rows][:1] == ["critical"]
    assert next(r.title for r in list_tasks(TaskFilter(), sort="severity", descending=False)) == "low"
    high_up = TaskFilter(severities=sev.parse_level_filter("high+"))
    assert {r.title for r in list_tasks(high_up)} == {"crit", "crit2", "high"}
    assert count_tasks(high_up) == 3 and count_tasks(TaskFilter(severities=(1,))) == 1


def test_acknowledge_is_bulk_with_counts_history_and_skips(ev):
    a = raise_task(ev, "stock_diff", "a").task_id
    b = raise_task(ev, "stock_diff", "b").task_id
    c = raise_task(ev, "stock_diff", "c").task_id
    mark_done(ev, [c])
    result = acknowledge(ev, [a, b, c])
    assert result.changed == [a, b] and result.skipped == {"not open": [c]}
    assert acknowledge(ev, [a]).skipped == {"already acknowledged by you": [a]}
    row = list_tasks(TaskFilter())[0]
    assert row.acknowledged_by == "alice" and row.acknowledged_at is not None
    assert _history(a, "acknowledged") == [(None, "alice")]
    bob = acting_user("bob", "ops")
    assert acknowledge(bob, [a]).changed == [a]  # taken over
    assert _history(a, "acknowledged")[-1] == ("alice", "bob")
    assert count_tasks(TaskFilter(acknowledged="acknowledged")) == 2
    assert count_tasks(TaskFilter(acknowledged="unacknowledged")) == 0
    result = unacknowledge(ev, [a, b, c])
    assert result.changed == [a, b] and result.skipped == {"not acknowledged": [c]}
    with pytest.raises(NotFound):
        acknowledge(ev, [a, 999])  # unknown ids refuse the whole action
    assert Task.get_by_id(a).acknowledged_by_id is None


def test_a_dedup_raise_keeps_the_acknowledgement_and_reopening_clears_it(ev):
    task = raise_task(ev, "stock_diff", "x", dedup_key="k").task_id
    acknowledge(ev, [task])
    assert raise_task(ev, "stock_diff", "x", dedup_key="k").outcome == "deduplicated"
    assert Task.get_by_id(task).acknowledged_by_id == ev.user_id
    mark_done(ev, [task])
    assert Task.get_by_id(task).acknowledged_by_id == ev.user_id  # done keeps who had it
    reopen(ev, [task])
    reopened = Task.get_by_id(task)
    assert reopened.acknowledged_by_id is None and reopened.acknowledged_at is None


def test_snooze_hides_until_the_time_and_counts_follow(ev):
    a = raise_task(ev, "stock_diff", "a").task_id
    b = raise_task(ev, "stock_diff", "b").task_id
    done = raise_task(ev, "stock_diff", "done").task_id
    mark_done(ev, [done])
    until = _later()
    result = snooze(ev, [a, done], until)
    assert result.changed == [a] and result.skipped == {"not open": [done]}
    assert [r.id for r in list_tasks(TaskFilter())] == [b]  # the default view hides it
    assert count_tasks(TaskFilter()) == 1 and count_tasks(TaskFilter(status="all")) == 2
    assert [r.id for r in list_tasks(TaskFilter(snoozed="snoozed"))] == [a]
    assert list_tasks(TaskFilter(snoozed="snoozed"))[0].snoozed_until == until
    assert count_tasks(TaskFilter(snoozed="any")) == 2
    assert _history(a, "snoozed") == [(None, until.isoformat() + "Z")]
    with pytest.raises(Invalid):
        snooze(ev, [a], utcnow() - dt.timedelta(minutes=1))
    assert unsnooze(ev, [a, b]).skipped == {"not snoozed": [b]}
    assert count_tasks(TaskFilter()) == 2


def test_a_snooze_runs_out_by_the_clock_unacknowledged_with_a_wake_up_in_the_history(ev):
    task = raise_task(ev, "stock_diff", "sleepy").task_id
    acknowledge(ev, [task])
    snooze(ev, [task], _later())
    assert count_tasks(TaskFilter()) == 0
    past = utcnow() - dt.timedelta(minutes=5)
    Task.update(snoozed_until=past).where(Task.id == task).execute()  # as if the time had come
    # Awake at query time, nothing written yet: listed, counted, not acknowledged.
    (row,) = list_tasks(TaskFilter())
    assert row.snoozed_until is None and row.acknowledged_by is None
    assert count_tasks(TaskFilter(acknowledged="unacknowledged")) == 1
    detail = task_detail(task)
    assert detail.history[-1].action == "woke" and detail.acknowledged_by is None
    from tasktui.db import write_transaction

    with write_transaction():
        assert wake_due(ev) == [task]
    stored = Task.get_by_id(task)
    assert stored.snoozed_until is None and stored.acknowledged_by_id is None
    assert [h.at for h in TaskHistory.select().where(TaskHistory.action == "woke")] == [past]
    assert [e.action for e in task_detail(task).history].count("woke") == 1


def test_a_dedup_raise_on_a_snoozed_task_counts_and_a_higher_severity_wakes_it(ev):
    task = raise_task(ev, "stock_diff", "x", dedup_key="k").task_id
    acknowledge(ev, [task])
    snooze(ev, [task], _later())
    again = raise_task(ev, "stock_diff", "x", dedup_key="k", severity=sev.rank_of("normal"))
    assert again.task_id == task and again.occurrences == 2
    assert Task.get_by_id(task).snoozed_until is not None  # same severity: sleeps on
    raise_task(ev, "stock_diff", "x", dedup_key="k", severity=sev.rank_of("critical"))
    woke = Task.get_by_id(task)
    assert woke.snoozed_until is None and woke.acknowledged_by_id is None and woke.severity == 4
    assert woke.occurrences == 3
    assert _history(task, "severity") == [("normal", "critical")]
    assert len(_history(task, "woke")) == 1


def test_snooze_times_in_the_users_time_zone():
    tz = dt.timezone(dt.timedelta(hours=1))
    now = dt.datetime(2026, 3, 4, 15, 30, tzinfo=tz)  # a Wednesday, 14:30 UTC
    utc = dt.datetime
    assert parse_until("2h", now) == utc(2026, 3, 4, 16, 30)
    assert parse_until("1h30m", now) == utc(2026, 3, 4, 16, 0)
    assert parse_until("tomorrow", now) == utc(2026, 3, 5, 8, 0)
    assert parse_until("tomorrow 07:15", now) == utc(2026, 3, 5, 6, 15)
    assert parse_until("next week", now) == utc(2026, 3, 9, 8, 0)
    assert parse_until("wednesday", now) == utc(2026, 3, 11, 8, 0)  # the next one, never today
    assert parse_until("18:00", now) == utc(2026, 3, 4, 17, 0)
    assert parse_until("2026-12-24T08:00", now) == utc(2026, 12, 24, 7, 0)
    assert parse_until("2026-12-24", now) == utc(2026, 12, 24, 8, 0)
    assert parse_until("2026-12-24T08:00+00:00", now) == utc(2026, 12, 24, 8, 0)
    for past in ("09:00", "2026-03-01T10:00", "today 10:00"):
        with pytest.raises(Invalid, match="in the past"):
            parse_until(past, now)
    for bad in ("", "soon", "5", "25:00", "2028-01-01"):
        with pytest.raises(Invalid):
            parse_until(bad, now)
