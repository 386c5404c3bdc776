"""The TUI's one backend seam: a service call in a worker delivers its result on the UI
thread, and any error of a worker — a typed refusal, a raw database error, a bug —
becomes a notification instead of ending the app."""

from __future__ import annotations

import threading

import peewee

from tasktui.errors import Refused
from tasktui.services.tasks.transitions import BulkResult
from tasktui.tui.screens.task_detail import TaskDetailScreen
from tasktui.tui.screens.tasks import TasksScreen
from tests.tui.conftest import settle
from tests.tui.test_tasks_screen import notifications


async def test_result_is_delivered_on_the_ui_thread(seeded, app):
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        seen: list[tuple[int, bool]] = []
        ui_thread = threading.get_ident()

        def add(a: int, b: int) -> int:
            assert threading.get_ident() != ui_thread  # off the UI thread
            return a + b

        app.backend.run(add, 2, 3, on_done=lambda n: seen.append((n, threading.get_ident() == ui_thread)))
        await settle(pilot)
        assert seen == [(5, True)]


async def test_a_service_refusal_is_its_message(seeded, app):
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)

        def refuse() -> None:
            raise Refused("task #1 is done")

        app.backend.run(refuse)
        await settle(pilot)
        assert "task #1 is done" in notifications(app)
        assert app.is_running


async def test_a_raw_database_error_in_a_worker_leaves_the_app_running(seeded, app):
    """The user marks a task done while the database fails underneath: a toast, no traceback."""
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)

        def broken(actor, ids) -> BulkResult:
            raise peewee.OperationalError("database is locked")

        assert isinstance(app.screen, TasksScreen)
        app.screen._run_task_action(broken, [1])
        await settle(pilot)
        assert "internal error: OperationalError: database is locked" in notifications(app)
        assert app.is_running and isinstance(app.screen, TasksScreen)
        await pilot.press("j")  # still answering keys
        assert app.is_running


async def test_a_bug_in_a_worker_or_its_callback_leaves_the_app_running(seeded, app):
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)

        def bug() -> None:
            raise RuntimeError("a bug")

        def bad_callback(_: object) -> None:
            raise KeyError("callback")

        app.backend.run(bug)
        app.backend.run(lambda: 1, on_done=bad_callback)
        await settle(pilot)
        assert "internal error: RuntimeError: a bug" in notifications(app)
        assert "internal error: KeyError: 'callback'" in notifications(app)
        assert app.is_running


async def test_detail_and_tasks_screen_offer_the_same_assign_picker(seeded, app):
    """`u` on the tasks screen and `u` in the detail list the same users and groups."""
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        from_tasks = [(i.value, i.label) for i in app.screen.items]
        await pilot.press("escape")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TaskDetailScreen)
        await pilot.press("u")
        await settle(pilot)
        assert [(i.value, i.label) for i in app.screen.items] == from_tasks
        assert ("user:bob", "Bob Baker (bob)") in from_tasks
        assert ("group:warehouse", "Group warehouse") in from_tasks
