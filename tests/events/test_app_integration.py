"""The events screen inside the real app: one key from the tasks screen, and the
language switch reaching the tasks screen."""

from __future__ import annotations

from tasktui.services.context import get_setting
from tasktui.services.tasks.raising import raise_task
from tasktui.tui.app import make_app
from tasktui.tui.screens.events import EventsScreen
from tests.tui.conftest import run_palette_command, settle


async def test_e_on_the_tasks_screen_opens_events_and_escape_returns(catalogue, db_path) -> None:
    app = make_app(db_path, catalogue)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.pause()
        tasks_screen = app.screen
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, EventsScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is tasks_screen


async def test_language_switched_on_the_events_screen_applies_to_the_app(catalogue, db_path) -> None:
    raise_task(catalogue, "stock_diff", "Shelf 4 differs")
    app = make_app(db_path, catalogue)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("L")
        await pilot.pause()
        assert app.actor.lang == "de"
        assert get_setting(catalogue, "lang") == "de"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.actor.lang == "de"
        assert app.screen.table.task_query.lang == "de"  # the task table fetches names in German


async def test_command_palette_offers_the_events_actions(catalogue, db_path) -> None:
    app = make_app(db_path, catalogue)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        await run_palette_command(pilot, "Language")
        assert app.actor.lang == "de"


async def test_enter_on_an_event_shows_its_tasks_with_counts(catalogue, db_path) -> None:
    """Issue 16, point 15: the events screen lists open tasks and the last raise; Enter
    goes back to the tasks screen showing only that event's tasks (edit stays on `e`)."""
    from textual.widgets import DataTable

    from tasktui.tui.screens.tasks import TasksScreen

    raise_task(catalogue, "stock_diff", "Shelf 4 differs")
    raise_task(catalogue, "stock_diff", "Shelf 9 differs")
    raise_task(catalogue, "refund_approval", "Refund 12 EUR")
    app = make_app(db_path, catalogue)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        events = app.screen
        assert isinstance(events, EventsScreen)
        stock = next(e for e in events.events if e.identifier == "stock_diff")
        assert stock.open_count == 2 and stock.last_raised is not None
        row = [e.identifier for e in events.events].index("stock_diff")
        table = events.query_one(DataTable)
        assert [str(c) for c in table.get_row_at(row)][-2:] == ["2", "now"]
        table.move_cursor(row=row)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TasksScreen)
        assert (app.screen.event_id, app.screen.event_identifier) == (stock.id, "stock_diff")
        assert app.screen.table.total == 2
