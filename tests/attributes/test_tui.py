"""The attributes screen and the task's attribute editor, driven with Pilot, plus
snapshots at 100x30 and 80x24."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Input, Static

from tasktui.services.attributes import definitions as attrs
from tasktui.services.attributes import sets as attr_sets
from tasktui.services.context import Actor
from tasktui.services.tasks.attribute_values import history_of_attributes, task_attribute_fields
from tasktui.services.tasks.raising import raise_task
from tasktui.tui.backend import Backend
from tasktui.tui.screens.attribute_forms import FormScreen
from tasktui.tui.screens.attributes import AttributesScreen
from tasktui.tui.widgets.attribute_editor import AttributeEditor
from tests.tui.conftest import run_palette_command, settle

STYLESHEET = Path(__file__).resolve().parents[2] / "tasktui.tcss"
SIZES = [pytest.param((100, 30), id="100x30"), pytest.param((80, 24), id="80x24")]


class ScreenHost(App):
    """Shows the attributes screen with the real stylesheet."""

    CSS_PATH = str(STYLESHEET)

    def __init__(self, actor: Actor) -> None:
        super().__init__()
        self.actor = actor
        self.backend = Backend(self)  # the screens call the services through it

    def on_mount(self) -> None:
        self.push_screen(AttributesScreen(self.actor))


class EditorHost(App):
    """Shows one task's attribute editor, and records the Changed messages."""

    CSS_PATH = str(STYLESHEET)

    def __init__(self, actor: Actor, task_id: int) -> None:
        super().__init__()
        self.actor = actor
        self.backend = Backend(self)  # the screens call the services through it
        self.task_id = task_id
        self.changed: list[str] = []

    def compose(self) -> ComposeResult:
        yield AttributeEditor(self.task_id, self.actor)

    def on_attribute_editor_changed(self, message: AttributeEditor.Changed) -> None:
        self.changed.append(message.key)


def _rows(table: DataTable) -> list[str]:
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


async def test_screen_adds_edits_and_refuses_destructive_changes(catalogue):
    raise_task(catalogue, "stock_diff", "t", attributes={"qty": "1"})
    app = ScreenHost(catalogue)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.pause()
        table = app.screen.query_one("#attributes-table", DataTable)
        assert _rows(table)[:2] == ["qty", "price"]
        # add an attribute through the form
        await pilot.press("a")
        form = app.screen
        assert isinstance(form, FormScreen)
        form.query_one("#field-key", Input).value = "batch"
        form.query_one("#field-label_en", Input).value = "Batch"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, AttributesScreen)
        assert attrs.get_attribute("batch").type == "text"
        # changing the type of qty (which has a value) is refused inline; the form stays open
        await pilot.press("1")
        table.move_cursor(row=0)
        await pilot.press("e")
        form = app.screen
        form.query_one("#field-type").value = "decimal"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert "has 1 stored value" in str(form.query_one("#form-error", Static).render())
        await pilot.press("escape")
        assert attrs.get_attribute("qty").type == "integer"
        # deleting qty is refused after the confirmation, with the reason in the status line
        await pilot.press("d")
        await pilot.press("d")
        await pilot.pause()
        assert "cannot be deleted" in str(app.screen.query_one("#attributes-status", Static).render())
        # add batch to the set from the Sets tab
        await pilot.press("3")
        await pilot.press("plus")
        await pilot.pause()
        app.screen.query_one(Input).value = "batch"
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert attr_sets.set_info(attr_sets.get_attribute_set("stock_set")).attributes[-1] == "batch"


async def test_editor_groups_values_validates_and_records_history(catalogue):
    task_id = raise_task(catalogue, "stock_diff", "t", attributes={"qty": "1"}).task_id
    app = EditorHost(catalogue, task_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.pause()
        table = app.query_one(DataTable)
        assert _rows(table)[:4] == ["Stock", "  Quantity *", "  Price", "Other"]
        table.focus()
        table.move_cursor(row=1)
        await pilot.press("e")
        form = app.screen
        form.query_one("#field-value", Input).value = "many"
        await pilot.press("enter")
        await pilot.pause()
        assert "attribute 'qty': 'many' is not an integer" in str(form.query_one("#form-error", Static).render())
        form.query_one("#field-value", Input).value = "0042"
        await pilot.press("enter")
        await pilot.pause()
        assert app.changed == ["qty"]
        assert str(table.get_row_at(1)[1]) == "42"
        # a choice is edited with a select of its choices
        colour_row = _rows(table).index("  Colour")
        table.move_cursor(row=colour_row)
        await pilot.press("enter")
        app.screen.query_one("#field-value").value = "Light Blue"
        await pilot.press("ctrl+s")
        await pilot.pause()
    values = {f.key: f.value for f in task_attribute_fields(task_id)}
    assert (values["qty"], values["colour"]) == ("42", "Light Blue")
    assert [(h.field, h.old, h.new) for h in history_of_attributes(task_id)] == [
        ("qty", "1", "42"),
        ("colour", None, "Light Blue"),
    ]


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_attributes_screen(catalogue, snap_compare, size):
    """The user opens the attributes screen: definitions with their usage."""
    raise_task(catalogue, "stock_diff", "t", attributes={"qty": "1", "colour": "red"})
    assert snap_compare(ScreenHost(catalogue), terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_attributes_screen_empty(actor, snap_compare, size):
    """The user opens the attributes screen before any attribute is defined: instead
    of bare column headers, how to add one (`a`, or `tasktui attribute add`)."""
    assert snap_compare(ScreenHost(actor), terminal_size=size)


async def test_empty_state_until_the_first_attribute(actor):
    """No definitions: the empty state, not the table. `a` adds one through the form and
    the table comes back with the focus; so does one added elsewhere (another process,
    seen through the app's live refresh, which calls `data_changed`)."""
    app = ScreenHost(actor)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.pause()
        screen = app.screen
        table = screen.query_one("#attributes-table", DataTable)
        empty = screen.query_one("#attributes-empty", Static)
        assert empty.display and not table.display and not table.has_focus
        assert "tasktui attribute add" in str(empty.render())
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormScreen)
        form.query_one("#field-key", Input).value = "qty"
        form.query_one("#field-label_en", Input).value = "Quantity"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert table.display and not empty.display and table.has_focus
        assert _rows(table) == ["qty"]
        attrs.delete_attribute("qty")
        screen.data_changed()
        await pilot.pause()
        assert empty.display and not table.display and not table.has_focus
        attrs.create_attribute("sku", "SKU", "text")
        screen.data_changed()
        await pilot.pause()
        assert _rows(table) == ["sku"] and table.display and not empty.display


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_attribute_form(catalogue, snap_compare, size):
    """On the attributes screen, press `a`: the form for a new attribute (key, labels,
    type, required, default, choices, group)."""

    async def press_a(pilot) -> None:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)  # the groups of the form are read in a worker

    assert snap_compare(ScreenHost(catalogue), run_before=press_a, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_attribute_editor(catalogue, snap_compare, size):
    """The Attributes tab of a task: values grouped by attribute group."""
    task_id = raise_task(
        catalogue, "stock_diff", "t", attributes={"qty": "7", "price": "2.50", "seen": "2024-05-01T12:00+02:00"}
    ).task_id
    assert snap_compare(EditorHost(catalogue, task_id), terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_attribute_value_form(catalogue, snap_compare, size):
    """In a task's Attributes tab, choose Quantity and press `e`: the form to change
    one value."""
    task_id = raise_task(catalogue, "stock_diff", "t", attributes={"qty": "7"}).task_id

    async def edit_quantity(pilot) -> None:
        table = pilot.app.query_one(DataTable)
        table.focus()
        table.move_cursor(row=1)
        await pilot.pause()

    assert snap_compare(EditorHost(catalogue, task_id), press=["e"], run_before=edit_quantity, terminal_size=size)


async def test_task_detail_attributes_tab_edits_values_and_shows_the_history(catalogue, db_path):
    """In the real app: open a task's detail, edit a value in the Attributes tab; the
    history tab shows the change."""
    from tasktui.tui.app import make_app
    from tasktui.tui.screens.task_detail import TaskDetailScreen

    task_id = raise_task(catalogue, "stock_diff", "count differs", attributes={"qty": "5"}).task_id
    app = make_app(db_path, catalogue)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.pause()
        app.push_screen(TaskDetailScreen(task_id))
        for _ in range(20):
            await pilot.pause(0.05)
            if isinstance(app.screen, TaskDetailScreen) and app.screen.detail is not None:
                break
        screen = app.screen
        editor = screen.query_one(AttributeEditor)
        table = editor.query_one(DataTable)
        assert _rows(table)[:2] == ["Stock", "  Quantity *"]
        table.focus()
        table.move_cursor(row=1)
        await pilot.press("enter")
        app.screen.query_one("#field-value", Input).value = "6"
        await pilot.press("enter")
        for _ in range(20):
            await pilot.pause(0.05)
            if any(h.action == "attribute" for h in screen.detail.history):
                break
        assert [(h.field, h.old, h.new) for h in screen.detail.history if h.action == "attribute"] == [
            ("qty", "5", "6")
        ]
        assert "qty" in str(screen.query_one("#detail-history").render())


async def test_capital_f_on_the_tasks_screen_opens_the_attributes_screen(catalogue, db_path):
    """The real app: `F` on the tasks screen opens this screen as the acting user, and
    escape goes back to the same tasks screen."""
    from tasktui.tui.app import make_app

    app = make_app(db_path, catalogue)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.pause()
        tasks_screen = app.screen
        await pilot.press("F")
        await pilot.pause()
        assert isinstance(app.screen, AttributesScreen)
        assert app.screen.actor is app.actor
        assert _rows(app.screen.query_one("#attributes-table", DataTable))[:2] == ["qty", "price"]
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is tasks_screen


async def test_attributes_action_is_in_the_help_and_the_command_palette(catalogue, db_path):
    """`?` lists `F Attributes`; the palette finds "Attributes" and running it opens
    the screen (both are generated from the tasks screen's bindings)."""
    from tasktui.tui.app import make_app
    from tasktui.tui.screens.help import HelpScreen

    app = make_app(db_path, catalogue)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert ("F", "Attributes") in [(k.keys, k.description) for k in app.screen.keys]
        await pilot.press("escape")
        await pilot.pause()
        await run_palette_command(pilot, "Attributes")
        assert isinstance(app.screen, AttributesScreen)


async def test_the_table_of_the_tab_shown_keeps_the_focus(catalogue):
    """Issue 16, point 3: the table of the tab shown has the focus whenever no form is
    open: at the start, after a click on a tab (not the tab bar), after Tab, after a
    click on the status line, after a form closes; the focused table is drawn so."""
    app = ScreenHost(catalogue)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.focused is screen.query_one("#attributes-table", DataTable)
        await pilot.click("#attributes-tabs Tab#--content-tab-tab-groups")
        await settle(pilot)
        groups = screen.query_one("#groups-table", DataTable)
        assert screen.focused is groups
        await pilot.press("tab")
        await pilot.click("#attributes-status")
        assert screen.focused is groups
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen and screen.focused is groups
        assert groups.has_pseudo_class("focus")
        await pilot.press("3")
        assert screen.focused is screen.query_one("#sets-table", DataTable)
