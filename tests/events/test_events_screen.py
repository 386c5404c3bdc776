"""The events screen and the event editor, driven with Pilot against a real database."""

from __future__ import annotations

import pytest
from textual.widgets import Button, DataTable, Input, Static

from tasktui.models import Event
from tasktui.services.context import get_setting
from tasktui.services.events import definitions as event_service
from tasktui.services.tasks.raising import raise_task
from tasktui.tui.screens.confirm import ChoiceScreen
from tasktui.tui.screens.event_editor import EventEditorScreen
from tasktui.tui.screens.events import COLUMNS, EventsScreen
from tasktui.tui.widgets.picker import PickerScreen
from tests.events.host_app import HostApp, editor_for
from tests.tui.conftest import settle

SIZE = (100, 30)


def _rows(screen: EventsScreen) -> list[list[str]]:
    table = screen.query_one(DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def _row_of(screen: EventsScreen, identifier: str) -> list[str]:
    return next(r for r in _rows(screen) if r[5] == identifier)


async def _click_header(pilot, screen: EventsScreen, key: str) -> None:
    """Click the header of a column, scrolling the table so it is in view."""
    table = screen.query_one(DataTable)
    table.scroll_to(x=table.max_scroll_x, animate=False)
    await settle(pilot)
    x = 0
    for column_key, column in table.columns.items():
        if column_key.value == key:
            break
        x += column.get_render_width(table)
    await pilot.click(DataTable, offset=(x - int(table.scroll_x) + 1, 0))
    await settle(pilot)


async def _select(pilot, screen: EventsScreen, identifier: str) -> None:
    index = [e.identifier for e in screen.events].index(identifier)
    screen.query_one(DataTable).move_cursor(row=index)
    await settle(pilot)


async def test_table_shows_every_column_in_the_current_language(catalogue) -> None:
    app = HostApp(catalogue, EventsScreen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        headers = [str(c.label) for c in screen.query_one(DataTable).columns.values()]
        assert headers == ["Name ▲", "Plugin", "Resp. user", "Resp. group", "State", "Identifier", "ID", "Open", "Last"]
        assert len(_rows(screen)) == 11
        stock = _row_of(screen, "stock_diff")
        assert stock[:5] == ["Difference in stock", "Warehouse", "bob", "warehouse", "Active"]
        assert stock[6] == str(Event.get(Event.identifier == "stock_diff").id)
        assert _row_of(screen, "parcel_lost")[1:5] == ["Manually created", "Unassigned", "warehouse", "Active"]
        assert _row_of(screen, "refund_approval")[2:4] == ["Unassigned", "Unassigned"]
        assert _row_of(screen, "channel_connection_failed")[4] == "Obsolete"


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 35)])
async def test_columns_fit_the_terminal_without_scrolling(catalogue, size) -> None:
    """At 80, 100 and 120 columns every column is in view (no horizontal scrolling),
    State ("Obsolete") in full; long names, plugins and identifiers are cut with an
    ellipsis; at 80 columns Open and Last are left out. The full headers need more room."""
    for n in range(12):  # more rows than the screen: the vertical scrollbar takes room
        event_service.create_event(f"late_parcel_{n}", f"Parcel {n} is late")
    app = HostApp(catalogue, EventsScreen)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        assert table.max_scroll_x == 0
        widths = {key.value: column.width for key, column in table.columns.items()}
        assert widths["state"] == len("Obsolete")
        # The open-task count and last raise give way first (the selected line shows them).
        assert ("open" in widths and "last" in widths) == (size[0] >= 100)
        await pilot.resize_terminal(160, 35)
        await settle(pilot)
        headers = [str(c.label) for c in table.columns.values()]
        assert headers[2:4] == ["Responsible user", "Responsible group"]
        widths = [c.width for c in table.columns.values()]
        for i, column in enumerate(COLUMNS):  # nothing cut
            assert widths[i] >= max(len(column.cell(e)) for e in app.screen.events)


async def test_obsolete_events_are_dimmed(catalogue) -> None:
    app = HostApp(catalogue, EventsScreen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        identifiers = [e.identifier for e in app.screen.events]
        obsolete_row = table.get_row_at(identifiers.index("channel_connection_failed"))
        active_row = table.get_row_at(identifiers.index("stock_diff"))
        assert all("dim" in str(cell.style) for cell in obsolete_row)
        assert not any("dim" in str(cell.style) for cell in active_row)


async def test_sort_by_key_reverse_and_header_click(catalogue) -> None:
    app = HostApp(catalogue, EventsScreen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        names = [r[0] for r in _rows(screen)]
        assert names == sorted(names, key=str.casefold)
        await pilot.press("s")  # by plugin
        plugins = [r[1] for r in _rows(screen)]
        assert plugins == sorted(plugins, key=str.casefold)
        await pilot.press("r")
        assert [r[1] for r in _rows(screen)] == sorted(plugins, key=str.casefold, reverse=True)
        assert "sorted by Plugin descending" in str(screen.query_one("#events-status", Static).render())
        await _click_header(pilot, screen, "id")
        ids = [int(r[6]) for r in _rows(screen)]
        assert ids == sorted(ids)
        await _click_header(pilot, screen, "id")
        assert [int(r[6]) for r in _rows(screen)] == sorted(ids, reverse=True)


async def test_search_filters_by_identifier_names_and_plugin(catalogue) -> None:
    app = HostApp(catalogue, EventsScreen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("slash", *"omni")
        assert {r[5] for r in _rows(screen)} == {
            "channel_connection_failed",
            "orders_import_failed",
            "offers_export_failed",
            "returns_import_failed",
        }
        await pilot.press(*["backspace"] * 4, *"Bestand")  # German names too
        assert {r[5] for r in _rows(screen)} == {"stock_diff", "insufficient_inventory_stock"}
        await pilot.press("escape")  # leaves the search field, stays on the screen
        assert isinstance(app.screen, EventsScreen)
        assert screen.query_one(DataTable).has_focus


async def test_create_an_event_in_the_editor(catalogue) -> None:
    app = HostApp(catalogue, EventsScreen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        editor = app.screen
        assert isinstance(editor, EventEditorScreen)
        await pilot.press(*"label_printer_offline", "tab", *"Label printer offline", "tab", *"Etikettendrucker aus")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, EventsScreen)
        event = Event.get(Event.identifier == "label_printer_offline")
        assert (event.name_en, event.name_de, event.plugin) == ("Label printer offline", "Etikettendrucker aus", None)
        assert app.screen.selected_identifier() == "label_printer_offline"
        assert _row_of(app.screen, "label_printer_offline")[1] == "Manually created"


async def test_identifier_is_checked_as_you_type_and_save_is_refused(catalogue) -> None:
    app = HostApp(catalogue, EventEditorScreen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        message = app.screen.query_one("#identifier-message", Static)
        await pilot.press("9")
        assert "must not start with a digit" in str(message.render())
        await pilot.press("backspace", *"a__b")
        assert "must not contain a double underscore" in str(message.render())
        await pilot.press("backspace", "backspace", "backspace", *"-b")
        assert "may only contain A-Z, a-z, 0-9 and _ (found '-')" in str(message.render())
        await pilot.press(*["backspace"] * 3, *"stock_diff")
        assert "already used by another event" in str(message.render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, EventEditorScreen)
        assert "The English name is required" in str(app.screen.query_one("#name_en-message", Static).render())
        assert app.results == []
        assert Event.select().count() == 11


async def test_warning_without_responsibility_and_pickers_set_it(catalogue) -> None:
    app = HostApp(catalogue, EventEditorScreen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        editor = app.screen
        warning = editor.query_one("#responsible-warning", Static)
        assert warning.display and "Neither a responsible user nor a group" in str(warning.render())
        await pilot.press(*"parcel_late", "tab", *"Parcel late")
        editor.query_one("#responsible_user", Button).press()
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)
        await pilot.press(*"bob", "enter")
        await settle(pilot)
        assert app.screen is editor
        assert str(editor.query_one("#responsible_user", Button).label) == "bob"
        assert not warning.display
        editor.query_one("#responsible_group", Button).press()
        await settle(pilot)
        await pilot.press(*"ware", "enter")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
    event = event_service.event_info(event_service.get_event("parcel_late"))
    assert (event.responsible_user, event.responsible_group) == ("bob", "warehouse")
    assert app.results == ["parcel_late"]


async def test_saving_without_responsibility_is_allowed(catalogue) -> None:
    app = HostApp(catalogue, EventEditorScreen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"parcel_late", "tab", *"Parcel late", "ctrl+s")
        await settle(pilot)
    assert app.results == ["parcel_late"]


async def test_edit_mode_locks_identifier_plugin_and_attribute_set(catalogue) -> None:
    app = HostApp(catalogue, editor_for("stock_diff"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        editor = app.screen
        assert not editor.query("#identifier") and not editor.query("#attribute_set")
        assert "stock_diff  (locked)" in str(editor.query_one("#identifier-locked", Static).render())
        assert "Warehouse  (read-only)" in str(editor.query_one("#plugin", Static).render())
        assert "None  (locked)" in str(editor.query_one("#attribute_set-locked", Static).render())
        assert editor.query_one("#name_en", Input).has_focus
        await pilot.press("end", *" (counted)")
        editor.query_one("#responsible_user", Button).press()
        await settle(pilot)
        await pilot.press(*"unass", "enter")  # the "Unassigned" item
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
    info = event_service.event_info(event_service.get_event("stock_diff"))
    assert (info.name_en, info.responsible_user, info.responsible_group) == (
        "Difference in stock (counted)",
        None,
        "warehouse",
    )
    assert info.plugin == "Warehouse"


async def test_escape_with_unsaved_changes_asks_first(catalogue) -> None:
    app = HostApp(catalogue, editor_for("stock_diff"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        editor = app.screen
        await pilot.press("x", "escape")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("k")  # keep editing
        await settle(pilot)
        assert app.screen is editor
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("d")  # discard
        await settle(pilot)
        assert app.results == [None]
    assert Event.get(Event.identifier == "stock_diff").name_en == "Difference in stock"


async def test_escape_without_changes_leaves_at_once(catalogue) -> None:
    app = HostApp(catalogue, editor_for("stock_diff"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.results == [None]


async def test_delete_asks_and_deletes_an_event_without_tasks(catalogue) -> None:
    app = HostApp(catalogue, EventsScreen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        await _select(pilot, screen, "parcel_lost")
        listed = [e.identifier for e in screen.events]
        after = listed[listed.index("parcel_lost") + 1]  # the cursor takes the next event after the delete
        await pilot.press("d")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ChoiceScreen)
        text = dialog.message
        assert "Parcel lost" in text and "Paket verloren" in text and "group: warehouse" in text
        assert "cannot be undone" in text
        await pilot.press("n")  # cancel
        await settle(pilot)
        assert Event.select().where(Event.identifier == "parcel_lost").exists()
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert not Event.select().where(Event.identifier == "parcel_lost").exists()
        assert "parcel_lost" not in {r[5] for r in _rows(screen)}
        assert screen.selected_identifier() == after


async def test_event_with_tasks_cannot_be_deleted_and_can_be_made_obsolete(catalogue) -> None:
    raise_task(catalogue, "stock_diff", "Shelf 4 differs")
    raise_task(catalogue, "stock_diff", "Shelf 9 differs")
    app = HostApp(catalogue, EventsScreen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        await _select(pilot, screen, "stock_diff")
        await pilot.press("d")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ChoiceScreen)
        assert "has 2 tasks, so it cannot be deleted" in dialog.message
        await pilot.press("o")
        await settle(pilot)
        assert Event.get(Event.identifier == "stock_diff").obsolete
        assert _row_of(screen, "stock_diff")[4] == "Obsolete"
        await pilot.press("o")  # make it active again
        await settle(pilot)
        assert not Event.get(Event.identifier == "stock_diff").obsolete
        assert _row_of(screen, "stock_diff")[4] == "Active"


async def test_obsolete_key_toggles(catalogue) -> None:
    app = HostApp(catalogue, EventsScreen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _select(pilot, app.screen, "channel_connection_failed")
        await pilot.press("o")
        await settle(pilot)
        assert not Event.get(Event.identifier == "channel_connection_failed").obsolete


async def test_language_switch_is_remembered_and_renames(catalogue) -> None:
    app = HostApp(catalogue, EventsScreen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("L")
        await settle(pilot)
        assert _row_of(screen, "stock_diff")[0] == "Bestandsdifferenz"
        assert "names in Deutsch" in str(screen.query_one("#events-status", Static).render())
        assert app.actor.lang == "de"
        assert get_setting(catalogue, "lang") == "de"
        await pilot.press("L")
        await settle(pilot)
        assert _row_of(screen, "stock_diff")[0] == "Difference in stock"
        assert get_setting(catalogue, "lang") == "en"


async def test_e_opens_the_editor_on_the_selected_event(catalogue) -> None:
    app = HostApp(catalogue, EventsScreen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _select(pilot, app.screen, "refund_approval")
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, EventEditorScreen)
        assert app.screen.values["identifier"] == "refund_approval"


async def test_attribute_set_is_picked_on_creation(catalogue) -> None:
    from tasktui.services.attributes.sets import create_attribute_set

    create_attribute_set("parcel", "Parcel data")
    app = HostApp(catalogue, EventEditorScreen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"parcel_late", "tab", *"Parcel late")
        app.screen.query_one("#attribute_set", Button).press()
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)
        await pilot.press(*"parc", "enter")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert event_service.event_info(event_service.get_event("parcel_late")).attribute_set == "parcel"


async def test_editor_fits_80x24_without_scrolling(catalogue) -> None:
    """Over SSH at 80x24 the whole create form (with the two inline errors and the
    no-one-responsible warning) is on screen: one-line fields below 30 rows."""
    app = HostApp(catalogue, EventEditorScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await settle(pilot)
        screen = app.screen
        assert screen.has_class("-short")
        await pilot.press("9", "a", "ctrl+s")
        await settle(pilot)
        form = screen.query_one("#editor-form")
        assert form.max_scroll_y == 0
        assert screen.query_one("#responsible-warning").region.bottom <= 23  # above the footer
    async with HostApp(catalogue, EventEditorScreen).run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert not pilot.app.screen.has_class("-short")  # the roomy layout from 30 rows up


async def test_every_footer_key_fits_80_columns_search_and_reverse_included(catalogue) -> None:
    """At 80x24 the footer (key bar) of the events screen shows every key whole,
    `? Help` first, `/ Search` and `r Reverse` too (the one-line footer had left them
    out for room); the help lists them as well."""
    from tasktui.tui.screens.help import screen_keys
    from tests.tui.footer import footer_keys

    app = HostApp(catalogue, EventsScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.pause(0.2)
        shown = footer_keys(app.screen)
        assert shown[0] == ("?", "Help") and shown[-2:] == [("L", "Language"), ("esc", "Back")]
        assert ("/", "Search") in shown and ("r", "Reverse") in shown
        listed = [(k.keys, k.description) for k in screen_keys(app.screen)]
        assert ("/", "Search") in listed and ("r", "Reverse") in listed


async def test_question_mark_opens_the_help_but_types_in_the_search_box(catalogue) -> None:
    """`?` on the table opens the help (title "Keys — Events"); in the search box it is
    a character of the search."""
    from tasktui.tui.screens.help import HelpScreen

    app = HostApp(catalogue, EventsScreen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await settle(pilot)
        screen = app.screen
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen) and app.screen.help_title == "Keys — Events"
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("slash", "question_mark")
        await settle(pilot)
        assert app.screen is screen
        assert screen.query_one("#events-search", Input).value == "?"
        assert str(screen.query_one("#events-selected", Static).render()) == "No events match the search"


@pytest.mark.sqlite_only
async def test_the_table_has_the_focus_whenever_no_text_field_is_edited(catalogue):
    """Issue 16, point 3: the events table has the focus at the start, after Escape or
    Enter in the search field, after a click beside it, after the editor and a dialog
    close; Escape always leaves the search field; the focused table is drawn so."""
    from textual.widgets import DataTable, Input

    from tasktui.tui.screens.events import EventsScreen
    from tests.events.host_app import HostApp
    from tests.tui.conftest import settle

    app = HostApp(catalogue, EventsScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        table = screen.query_one(DataTable)
        search = screen.query_one("#events-search", Input)
        assert screen.focused is table and table.has_pseudo_class("focus")
        for leave in ("escape", "enter"):
            await pilot.press("slash", *"stock")
            assert screen.focused is search
            await pilot.press(leave)
            await settle(pilot)
            assert screen.focused is table and app.screen is screen
        await pilot.click("#events-status")
        await pilot.click("#events-selected")
        assert screen.focused is table
        await pilot.press("e")
        await settle(pilot)
        assert app.screen is not screen
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen and screen.focused is table
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen and screen.focused is table


async def test_editor_loads_and_saves_the_default_severity(catalogue) -> None:
    """The severity row shows the event's default (`(•)` on it, readable without
    colour); arrows choose another, Ctrl+S saves it; a new event starts at normal."""
    from textual.widgets import RadioSet

    event_service.edit_event("stock_diff", severity="high")
    app = HostApp(catalogue, editor_for("stock_diff"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        editor = app.screen
        radios = editor.query_one("#severity", RadioSet)
        assert radios.pressed_button is not None and radios.pressed_button.id == "severity-high"
        assert "(•) !H high" in str(radios.pressed_button.render())
        assert not editor.dirty
        radios.focus()
        await pilot.press("left", "space")  # from high to critical
        await settle(pilot)
        assert editor.dirty
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert app.results == ["stock_diff"]
    assert event_service.event_info(event_service.get_event("stock_diff")).severity == "critical"

    app = HostApp(catalogue, EventEditorScreen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        radios = app.screen.query_one("#severity", RadioSet)
        assert radios.pressed_button is not None and radios.pressed_button.id == "severity-normal"
        await pilot.press(*"printer_jam", "tab", *"Printer jam")
        radios.focus()
        await pilot.press("right", "space")  # from normal to low
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert event_service.event_info(event_service.get_event("printer_jam")).severity == "low"
