"""Issue 12, point 6: the screens and widgets reach the services only through the
backend (a worker thread). Each test drives a screen through its actions while
`sql_on_ui_thread` records any SQL run on the UI thread; the list must stay empty."""

from __future__ import annotations

from textual.widgets import DataTable

from tasktui.services.tasks.raising import raise_task
from tests.attributes.test_tui import EditorHost
from tests.tui.conftest import settle
from tests.tui.ui_thread_guard import sql_on_ui_thread

SIZE = (100, 30)


async def _keys(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot, rounds=2)


async def test_attribute_editor_reads_and_writes_off_the_ui_thread(catalogue):
    task_id = raise_task(catalogue, "stock_diff", "t", attributes={"qty": "1"}).task_id
    app = EditorHost(catalogue, task_id)
    with sql_on_ui_thread() as found:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            table = app.query_one(DataTable)
            table.focus()
            table.move_cursor(row=1)
            await _keys(pilot, "e", "ctrl+a", "backspace", "7", "ctrl+s")
            assert app.changed == ["qty"]
    assert found == []
