"""The count of a new query: first counted up to a cap ("250+ tasks" at once), then
exactly; End waits for the exact count; a small count takes one query; an exact count
that gives up (a statement timeout on a server) leaves the capped one."""

from __future__ import annotations

import threading
import time

import pytest

from tasktui.models import Task
from tasktui.services.tasks.listing import list_tasks
from tasktui.tui.screens import task_pages
from tasktui.tui.widgets.task_table import TaskTable
from tests.tui.conftest import seed_tasks, settle

CAP = 250


@pytest.fixture(autouse=True)
def no_live_refresh(monkeypatch):
    """These tests count the counts of each query. The app's own settings write (a
    filter changed) is a commit the live refresh sees at its next poll; on a loaded
    machine that poll came within a test and counted the query once more."""
    monkeypatch.setattr("tasktui.tui.app.POLL_INTERVAL_S", 3600.0)


def count_text(app) -> str:
    return str(app.screen.query_one("#count").render())


async def until(pilot, condition, limit: float = 5.0) -> None:
    """Wait (without waiting for the workers: one is held) until `condition()`."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.01)


@pytest.fixture
def many(database, actor):
    """The seeded tasks plus 2,500 open ones: 2,512 open tasks."""
    seed_tasks(actor)
    at = Task.get_by_id(1).created_at
    rows = [dict(created_at=at, title=f"bulk {i}", event=1, last_seen_at=at, updated_at=at) for i in range(2500)]
    with database.atomic():
        for start in range(0, len(rows), 500):
            Task.insert_many(rows[start : start + 500]).execute()


@pytest.fixture
def exact_counts(monkeypatch):
    """The exact count held until `gate` is set; `calls` lists the totals it returned."""
    gate = threading.Event()
    calls: list[int] = []
    real = task_pages.count_bounded

    def held_count(query, capped):
        assert gate.wait(10)
        found = real(query, capped)
        calls.append(found.value)
        return found

    monkeypatch.setattr(task_pages, "COUNT_CAP", CAP)
    monkeypatch.setattr(task_pages, "count_bounded", held_count)
    yield gate, calls
    gate.set()


async def test_capped_count_first_then_exact_and_end_waits(many, app, exact_counts):
    gate, calls = exact_counts
    async with app.run_test(size=(100, 30)) as pilot:
        try:
            table = app.screen.query_one(TaskTable)
            await until(pilot, lambda: count_text(app) == "250+ tasks")
            assert table.total == CAP and not table.total_exact and calls == []
            # Rows below the first page, read while the count runs, are the right ones.
            table.go_to(240)
            await until(pilot, lambda: table.current_row is not None)
            q = table.task_query
            expected = list_tasks(q.flt, q.sort, q.descending, limit=1, offset=240, lang=q.lang)[0]
            assert table.current_row.id == expected.id
            await pilot.press("end")  # waits for the exact count
            await pilot.pause(0.05)
            assert table.cursor == 240 and count_text(app) == "250+ tasks"
        finally:
            gate.set()
        await settle(pilot)
        assert calls == [2512]
        assert count_text(app) == "2,512 tasks"
        assert table.total == 2512 and table.total_exact
        assert table.cursor == 2511 and table.current_row.id == 1  # the oldest
        await pilot.press("home")
        await settle(pilot)
        await pilot.press("end")
        await settle(pilot)
        assert table.cursor == 2511 and table.current_row.id == 1


async def test_a_newer_query_wins_over_a_held_exact_count(many, app, exact_counts):
    gate, calls = exact_counts
    async with app.run_test(size=(100, 30)) as pilot:
        try:
            table = app.screen.query_one(TaskTable)
            await until(pilot, lambda: count_text(app) == "250+ tasks")
            await pilot.press("slash", *"stock", "enter")  # 3 open stock tasks: exact under the cap
            await until(pilot, lambda: count_text(app) == "3 tasks")
            await pilot.press("end")
            await pilot.pause(0.05)
            assert table.cursor == 2
        finally:
            gate.set()
        await settle(pilot)
        assert calls == [2512]  # the first query's count, arrived late: ignored
        assert count_text(app) == "3 tasks" and table.total == 3 and table.cursor == 2


async def test_a_small_count_takes_one_query(seeded, app, monkeypatch):
    exact: list[object] = []
    capped: list[object] = []
    real_exact, real_capped = task_pages.count_bounded, task_pages.count_capped
    monkeypatch.setattr(task_pages, "count_bounded", lambda q, c: exact.append(q) or real_exact(q, c))
    monkeypatch.setattr(task_pages, "count_capped", lambda q: capped.append(q) or real_capped(q))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(TaskTable)
        assert count_text(app) == "12 tasks" and table.total == 12 and table.total_exact
        await pilot.press("t")  # open and done
        await settle(pilot)
        assert count_text(app) == "13 tasks"
        assert len(capped) == 2 and exact == []
        await pilot.press("end")
        await settle(pilot)
        assert table.cursor == 12


async def test_an_exact_count_that_gives_up_leaves_the_capped_one(many, app, monkeypatch):
    """The exact count's time limit passed (as `count_within` reports it): the screen
    keeps "250+ tasks", and End goes to the last of the rows it has."""
    monkeypatch.setattr(task_pages, "COUNT_CAP", CAP)
    monkeypatch.setattr(task_pages, "EXACT_COUNT_S", 0.0)
    monkeypatch.setattr(task_pages, "count_within", lambda flt, seconds, capped: capped)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(TaskTable)
        assert count_text(app) == "250+ tasks"
        assert table.total == CAP and not table.total_exact and table.count_final
        await pilot.press("end")
        await settle(pilot)
        assert table.cursor == CAP - 1 and table.current_row is not None
