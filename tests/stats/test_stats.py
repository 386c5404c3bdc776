"""`tasktui stats` and its service (issue 18.4): per day raised / done / open at the
end of the day, per event, median and p90 time to done, oldest open tasks, top
events by occurrences, open load per assignee and group — on both engines."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tasktui.models import Task
from tasktui.services import people
from tasktui.services.events import definitions as events
from tasktui.services.stats import task_stats
from tasktui.services.tasks.raising import raise_task
from tasktui.services.tasks.transitions import mark_done

pytestmark = pytest.mark.both_backends

NOW = dt.datetime(2024, 3, 10, 12, 0, 0)


def _at(task_id: int, created: dt.datetime, done: dt.datetime | None = None) -> None:
    Task.update(created_at=created, done_at=done).where(Task.id == task_id).execute()


@pytest.fixture
def world(database, actor):
    """Day 8: 2 raised (stock, with a repeat); day 9: 1 raised (orders) and one stock
    task done after 24 h; an old open orders task of day 1."""
    people.add_user("bob")
    people.add_group("warehouse")
    events.create_event("stock_diff", "Stock", responsible_user="bob", responsible_group="warehouse")
    events.create_event("orders", "Orders")
    a = raise_task(actor, "stock_diff", "a", dedup_key="k").task_id
    raise_task(actor, "stock_diff", "a again", dedup_key="k")  # occurrence 2 of task a
    b = raise_task(actor, "stock_diff", "b").task_id
    c = raise_task(actor, "orders", "c").task_id
    old = raise_task(actor, "orders", "old").task_id
    mark_done(actor, [b])
    _at(a, dt.datetime(2024, 3, 8, 9))
    _at(b, dt.datetime(2024, 3, 8, 10), dt.datetime(2024, 3, 9, 10))
    _at(c, dt.datetime(2024, 3, 9, 11))
    _at(old, dt.datetime(2024, 3, 1, 8))
    return {"a": a, "b": b, "c": c, "old": old}


def test_days_events_times_and_loads(world):
    stats = task_stats(dt.datetime(2024, 3, 8), now=NOW)
    assert [(d.day, d.raised, d.done, d.open) for d in stats.days] == [
        ("2024-03-08", 2, 0, 3),
        ("2024-03-09", 1, 1, 3),
        ("2024-03-10", 0, 0, 3),
    ]
    assert (stats.raised, stats.done, stats.done_count, stats.median_hours, stats.p90_hours) == (3, 1, 1, 24.0, 24.0)
    by_event = {e.event: (e.raised, e.done, e.occurrences, e.open) for e in stats.events}
    assert by_event == {"stock_diff": (2, 1, 3, 1), "orders": (1, 0, 1, 2)}
    assert [e.event for e in stats.top_events] == ["stock_diff", "orders"]
    assert [(t.id, t.age_days) for t in stats.oldest_open][:1] == [(world["old"], 9)]
    assert {(r.name, r.open) for r in stats.open_by_assignee} == {("bob", 1), (None, 2)}
    assert {(r.name, r.open) for r in stats.open_by_group} == {("warehouse", 1), (None, 2)}


def test_one_event_only(world):
    stats = task_stats(dt.datetime(2024, 3, 8), "orders", now=NOW)
    assert [(d.raised, d.done, d.open) for d in stats.days] == [(0, 0, 1), (1, 0, 2), (0, 0, 2)]
    assert [e.event for e in stats.events] == ["orders"] and stats.median_hours is None


def test_cli_stats_json_and_table(cli):
    assert cli("init").exit_code == 0
    assert cli("event", "create", "disk_full", "--name", "Disk full").exit_code == 0
    for i in range(3):
        assert cli("raise", "disk_full", "--title", f"t{i}").exit_code == 0
    assert cli("task", "done", "1").exit_code == 0
    data = json.loads(cli("stats", "--since", "7d", "--format", "json").stdout)
    assert (data["raised"], data["done"], data["days"][-1]["open"]) == (3, 1, 2)
    assert len(data["days"]) in (7, 8) and data["events"][0]["event"] == "disk_full"
    assert set(data) >= {"median_hours", "p90_hours", "oldest_open", "top_events", "open_by_assignee", "open_by_group"}
    table = cli("stats", "--event", "disk_full")
    assert table.exit_code == 0 and "3 raised, 1 done" in table.stdout and "per day:" in table.stdout
    assert cli("stats", "--since", "yesterday-ish").exit_code == 2
    assert cli("stats", "--event", "nope").exit_code == 3
