"""Issue 12, point 6: the screens and widgets reach the services only through the
backend (a worker thread). Each test drives a screen through its actions while
`sql_on_ui_thread` records any SQL run on the UI thread; the list must stay empty."""

from __future__ import annotations

from textual.widgets import Button

from tasktui.services.tasks.raising import raise_task
from tasktui.tui.screens.events import EventsScreen
from tests.events.host_app import HostApp
from tests.tui.conftest import settle
from tests.tui.ui_thread_guard import sql_on_ui_thread

SIZE = (100, 30)


async def _keys(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot, rounds=2)


async def test_events_screen_and_event_editor_read_and_write_off_the_ui_thread(catalogue):
    """Search, sort, language, obsolete, delete dialog, the editor with its identifier
    check, a picker and a save: no SQL on the UI thread."""
    raise_task(catalogue, "stock_diff", "Shelf 4 differs")
    app = HostApp(catalogue, EventsScreen)
    with sql_on_ui_thread() as found:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await _keys(pilot, "slash", *"stock", "enter", "s", "r", "L", "L", "o", "o", "d", "escape")
            await _keys(pilot, "e", "end", *" (counted)")
            app.screen.query_one("#responsible_user", Button).press()
            await settle(pilot)
            await _keys(pilot, "escape", "ctrl+s")
            await _keys(pilot, "n", *"stock_diff", "backspace", *"x", "tab", *"Stock x", "ctrl+s")
            assert isinstance(app.screen, EventsScreen)
            assert "stock_difx" in [e.identifier for e in app.screen.events]
    assert found == []
