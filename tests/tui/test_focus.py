"""The focus rule of issue 16 on the tasks screen and the task detail: the main table
or list of a screen has the focus whenever no text field is being edited, and the
focused widget is always visibly marked."""

from __future__ import annotations

from textual.widgets import DataTable, OptionList

from tasktui.services.context import acting_user
from tasktui.services.events import definitions as events
from tasktui.services.tasks.raising import raise_task
from tasktui.tui.widgets.task_table import TaskTable
from tests.tui.conftest import settle
from tests.tui.test_task_detail import open_task


async def test_the_first_tasks_to_arrive_on_an_empty_screen_get_the_focus(database, app):
    """An empty database shows the empty state; a script raises a task; the table
    appears with the focus, so the arrows and Enter act on it."""
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#empty-state").display
        events.create_event("disk_full", "Disk full")
        raise_task(acting_user("alice", "ops"), "disk_full", "Disk /var is full")
        app.screen.data_changed()
        await settle(pilot)
        table = app.screen.query_one(TaskTable)
        assert table.display and table.total == 1
        assert app.focused is table
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.id == "task-detail-screen"


async def test_the_detail_opens_with_the_attributes_table_focused(seeded, app):
    """Enter and `e` work on the Attributes tab at once (no two Tabs first), and each
    tab key puts the focus on that tab's list."""
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_task(pilot, 1)
        assert app.focused is screen.query_one("#attribute-editor-table", DataTable)
        await pilot.press("2")
        await pilot.pause()
        assert app.focused is screen.query_one("#depends-on", OptionList)
        await pilot.press("4")
        await pilot.pause()
        assert app.focused is screen.query_one("#detail-history-box")
        await pilot.press("1")
        await pilot.pause()
        assert app.focused is screen.query_one("#attribute-editor-table", DataTable)


async def test_every_focusable_widget_of_the_detail_is_marked_when_focused(seeded, app):
    """Tab through the detail: each widget that takes the focus looks different with
    it (a border or background), so the user sees where the keys go."""
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_task(pilot, 1)
        await pilot.press("2")
        await pilot.pause()
        seen = set()
        for _ in range(8):
            focused = app.focused
            seen.add(focused.id or type(focused).__name__)
            focused_style = (focused.styles.border_left, focused.styles.background, focused.styles.background_tint)
            screen.set_focus(None)
            await pilot.pause()
            blurred_style = (focused.styles.border_left, focused.styles.background, focused.styles.background_tint)
            assert focused_style != blurred_style, f"{focused!r} looks the same with and without the focus"
            focused.focus()
            await pilot.pause()
            await pilot.press("tab")
            await pilot.pause()
        assert {"detail-description-box", "depends-on", "blocks"} <= seen
