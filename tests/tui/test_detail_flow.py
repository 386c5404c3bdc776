"""Flow in the task detail (issue 16.15): `j`/`k` walk the list in place, marking a
task done while a task it depends on is open asks first, and `l` says when no browser
can be opened (with the link to copy)."""

from __future__ import annotations

from tasktui.models import Task
from tasktui.tui.screens import task_detail
from tasktui.tui.screens.confirm import ChoiceScreen
from tasktui.tui.screens.task_detail import TaskDetailScreen
from tests.tui.conftest import settle
from tests.tui.test_task_detail import open_task
from tests.tui.test_tasks_screen import notifications


async def test_j_and_k_walk_the_list_in_place_and_esc_returns_to_the_last_one(seeded, app):
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_task(pilot, 12)
        await pilot.press("j")
        await settle(pilot)
        assert app.screen is screen and screen.detail.id == 11
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert screen.detail.id == 10 and "#10" in str(screen.query_one("#detail-title").render())
        await pilot.press("k", "k", "k")
        await settle(pilot)
        assert screen.detail.id == 13  # the first task of the list
        await pilot.press("k")
        await settle(pilot)
        assert screen.detail.id == 13 and "No previous task" in notifications(app)
        await pilot.press("d")  # acts on the task shown
        await settle(pilot)
        assert Task.get_by_id(13).status == "done"
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.table.current_row.id in (13, 12)  # the cursor followed


async def test_done_while_a_dependency_is_open_asks_first(seeded, app):
    async with app.run_test(size=(80, 24)) as pilot:
        await open_task(pilot, 1)  # task 1 depends on task 3, which is open
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen)
        assert "#3" in str(app.screen.query_one("#choice-message").render())
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, TaskDetailScreen) and Task.get_by_id(1).status == "open"
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("d")  # "Mark done" in the dialog
        await settle(pilot)
        assert Task.get_by_id(1).status == "done"


async def test_done_without_open_dependencies_does_not_ask(seeded, app):
    async with app.run_test(size=(80, 24)) as pilot:
        await open_task(pilot, 3)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, TaskDetailScreen) and Task.get_by_id(3).status == "done"


async def test_l_without_a_browser_says_so_and_shows_the_link(seeded, app, monkeypatch):
    opened = []
    monkeypatch.setattr(task_detail, "browser_available", lambda: False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_task(pilot, 1)
        monkeypatch.setattr(app, "open_url", lambda url, **kw: opened.append(url))
        await pilot.press("l")
        await pilot.pause()
        assert opened == []
        message = notifications(app)[-1]
        assert "No browser" in message and "https://shop.example/orders/1" in message
        monkeypatch.setattr(task_detail, "browser_available", lambda: True)
        await pilot.press("l")
        await pilot.pause()
        assert opened == ["https://shop.example/orders/1"]
