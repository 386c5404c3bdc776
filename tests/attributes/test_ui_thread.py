"""Issue 12, point 6: the screens and widgets reach the services only through the
backend (a worker thread). Each test drives a screen through its actions while
`sql_on_ui_thread` records any SQL run on the UI thread; the list must stay empty."""

from __future__ import annotations

from textual.widgets import DataTable, Input

from tasktui.services.attributes import definitions as attrs
from tasktui.services.attributes import sets as attr_sets
from tasktui.services.tasks.raising import raise_task
from tasktui.tui.screens.attributes import AttributesScreen
from tests.attributes.test_tui import EditorHost, ScreenHost
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


async def test_attributes_screen_reads_and_writes_off_the_ui_thread(catalogue):
    """The lists, the forms (filled, saved, refused), a delete refused after its dialog,
    the Groups tab, a set's pickers (add and remove) and a live refresh: no SQL on the
    UI thread."""
    raise_task(catalogue, "stock_diff", "t", attributes={"qty": "1"})
    app = ScreenHost(catalogue)
    with sql_on_ui_thread() as found:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, AttributesScreen)
            await _keys(pilot, "a", *"batch", "tab", *"Batch", "ctrl+s")  # a new attribute
            assert app.screen is screen
            await _keys(pilot, "home", "e", "ctrl+s")  # edit qty, saved unchanged
            await _keys(pilot, "d", "d")  # refused: qty holds a value
            assert "cannot be deleted" in str(screen.query_one("#attributes-status").render())
            await _keys(pilot, "2", "a", *"misc", "tab", *"Misc", "ctrl+s", "e", "escape")
            await _keys(pilot, "3", "plus")
            app.screen.query_one(Input).value = "batch"
            await settle(pilot)
            await _keys(pilot, "enter", "minus", "escape")
            screen.data_changed()
            await settle(pilot)
    assert found == []
    assert attrs.get_attribute("batch").label_en == "Batch"
    assert attrs.get_attribute_group("misc") is not None
    assert "batch" in attr_sets.set_info(attr_sets.get_attribute_set("stock_set")).attributes
