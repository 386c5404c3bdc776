"""Double- and triple-clicks on the rows of every table never crash the app.

A double-click on a task row ended the TUI with `TypeError: 'Query' object is not
callable` (the task table hid Textual's `Widget.query()` behind an attribute)."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from tasktui.tui.widgets.task_table import TaskTable
from tests.tui.conftest import settle

#: The key that opens each screen from the tasks screen ("" is the tasks screen).
SCREENS = {"tasks": "", "events": "e", "attributes": "F", "settings": "S"}


async def _click_every_table(pilot, times: int) -> int:
    """Click `times` times on the first rows of each table of the current screen."""
    clicked = 0
    tables = [(t, t.row_count) for t in pilot.app.screen.query(DataTable) if t.display and t.row_count]
    tables += [(t, t.total) for t in pilot.app.screen.query(TaskTable) if t.total]
    for table, rows in tables:
        for row in range(min(rows, 3)):
            await pilot.click(table, offset=(4, row + 1), times=times)
            await settle(pilot, rounds=1)
            assert pilot.app.return_code is None, "the app ended after a click"
            clicked += 1
            if not table.is_attached:  # a click left the screen (events: Enter shows the tasks)
                return clicked
            if pilot.app.screen is not table.screen:  # a click opened another screen
                pilot.app.pop_screen()
                await settle(pilot, rounds=1)
    return clicked


@pytest.mark.parametrize("times", [2, 3], ids=["double", "triple"])
@pytest.mark.parametrize("screen", list(SCREENS))
async def test_clicking_rows_of_every_table_keeps_the_app_running(seeded, app, screen, times):
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        if SCREENS[screen]:
            await pilot.press(SCREENS[screen])
            await settle(pilot)
        clicked = await _click_every_table(pilot, times)
        if screen == "tasks":
            assert clicked == 3
        await pilot.pause()
        assert app.return_code is None and app.is_running


async def test_double_click_on_a_task_opens_its_detail(seeded, app):
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(TaskTable)
        await pilot.click(TaskTable, offset=(4, 2), times=2)
        await settle(pilot)
        assert app.return_code is None
        assert type(app.screen).__name__ == "TaskDetailScreen", table.current_row
