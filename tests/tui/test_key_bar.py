"""The key bar (the footer of every full screen) shows every key a screen shows
(`show=True`), key and description whole, at 80x24 over SSH as at 120x35; it wraps
over as many lines as needed instead of cutting keys off like Textual's Footer."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from tasktui.tui.screens.attributes import AttributesScreen
from tasktui.tui.screens.event_editor import EventEditorScreen
from tasktui.tui.screens.events import EventsScreen
from tasktui.tui.screens.settings import SettingsScreen
from tasktui.tui.screens.task_detail import TaskDetailScreen
from tasktui.tui.screens.tasks import TasksScreen
from tasktui.tui.widgets.key_bar import KeyBar, KeyItem, layout, pack
from tasktui.tui.widgets.task_table import TaskTable
from tests.tui.conftest import settle
from tests.tui.footer import expected_keys, footer_keys, footer_lines

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 35), id="120x35")]

#: Every full screen: the keys that reach it from the tasks screen, its class.
SCREENS = [
    pytest.param((), TasksScreen, id="tasks"),
    pytest.param(("enter",), TaskDetailScreen, id="detail"),
    pytest.param(("e",), EventsScreen, id="events"),
    pytest.param(("F",), AttributesScreen, id="attributes"),
    pytest.param(("S",), SettingsScreen, id="settings"),
    pytest.param(("e", "n"), EventEditorScreen, id="event-editor"),
]


async def _open(pilot, keys: tuple[str, ...]):
    await settle(pilot)
    for key in keys:
        await pilot.press(key)
        await settle(pilot)
    screen = pilot.app.screen
    if isinstance(screen, SettingsScreen):  # the form starts in a text field: no letter keys there
        screen.query_one("#email-events-table", DataTable).focus()
        await settle(pilot)
    return screen


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("keys, screen_class", SCREENS)
async def test_every_shown_key_is_in_the_footer_whole(seeded, app, keys, screen_class, size):
    async with app.run_test(size=size) as pilot:
        screen = await _open(pilot, keys)
        assert isinstance(screen, screen_class)
        lines = footer_lines(screen)
        expected = expected_keys(screen)
        assert len(expected) >= 3
        for key, description in expected:
            label = f"{key} {description}"
            assert sum(label in line for line in lines) == 1, f"{label!r} not whole in {lines}"
        assert lines[-1].endswith("^p palette")
        shown = footer_keys(screen)
        if screen_class is not EventEditorScreen:  # its form starts in a text field: no `q`
            assert shown[0] == ("?", "Help") and ("q", "Quit") in shown


@pytest.mark.parametrize("size, most_lines", [((80, 24), 3), ((120, 35), 2)])
async def test_tasks_footer_lines_and_table_rows(seeded, app, size, most_lines):
    """The tasks screen's ~20 keys take at most 3 lines at 80 columns (2 at 120) and
    the table keeps a useful number of rows (12 at 80x24)."""
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = app.screen
        assert len(footer_lines(screen)) <= most_lines
        table = screen.query_one(TaskTable)
        assert table.region.bottom <= screen.query_one(KeyBar).region.y
        assert table.size.height - 1 >= 12  # rows below the header line


async def test_keys_hidden_for_room_are_back(seeded, app):
    """Events `/ Search` and `r Reverse`, settings `r Retry message`, the app's `q Quit`
    were left out of the one-line footer for room; the key bar shows them."""
    async with app.run_test(size=(80, 24)) as pilot:
        events = footer_keys(await _open(pilot, ("e",)))
        assert {("/", "Search"), ("r", "Reverse"), ("q", "Quit")} <= set(events)
        await pilot.press("escape")
        settings = footer_keys(await _open(pilot, ("S",)))
        assert {("r", "Retry message"), ("q", "Quit")} <= set(settings)


async def test_footer_follows_the_focus(seeded, app):
    """In a text field the screen's letter keys do nothing, so the bar drops them (and
    gets shorter); back on the table they return."""
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, ("e",))
        bar = screen.query_one(KeyBar)
        before = len(bar.lines(bar.size.width))
        await pilot.press("slash")
        await settle(pilot)
        in_field = footer_keys(screen)
        assert ("r", "Reverse") not in in_field and ("q", "Quit") not in in_field
        assert len(bar.lines(bar.size.width)) < before
        await pilot.press("escape")
        screen.query_one(DataTable).focus()
        await settle(pilot)
        assert ("r", "Reverse") in footer_keys(screen)
        assert len(bar.lines(bar.size.width)) == before


async def test_in_the_comment_field_a_punctuation_key_is_not_offered(seeded, app):
    """`-` removes a dependency, but in the comment field it types a dash: the bar
    does not offer it there (letters were already left out)."""
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TaskDetailScreen)
        assert "Remove dependency" in [d for _k, d in footer_keys(app.screen)]
        await pilot.press("c")
        await settle(pilot)
        in_field = footer_keys(app.screen)
        assert "Remove dependency" not in [d for _k, d in in_field] and ("esc", "Back") in in_field, in_field


async def test_click_on_a_key_presses_it(seeded, app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        bar = app.screen.query_one(KeyBar)
        row, start = next(
            (y, start)
            for y, line in enumerate(bar.lines(80))
            for start, _, item in line
            if item.description == "Events"
        )
        await pilot.click(KeyBar, offset=(start + 1, row))
        await settle(pilot)
        assert isinstance(app.screen, EventsScreen)


def test_pack_never_splits_a_key_and_prefers_two_spaces():
    items = [KeyItem("a", "a", "Alpha"), KeyItem("b", "b", "Beta"), KeyItem("c", "c", "Gamma")]  # 7, 6, 7 cells
    assert [len(line) for line in pack(items, 15, 1)] == [2, 1]
    lines, gap = layout(items, 24)  # fits on one line with two spaces (24 cells)
    assert (len(lines), gap) == (1, 2)
    lines, gap = layout(items, 22)  # one line only with single spaces
    assert (len(lines), gap) == (1, 1)


@pytest.mark.parametrize("size", [(80, 6), (60, 9), (40, 12)], ids=["80x6", "60x9", "40x12"])
async def test_on_a_small_terminal_the_bar_takes_at_most_a_third_and_offers_more(seeded, app, size):
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = app.screen
        lines = footer_lines(screen)
        assert len(lines) <= max(1, size[1] // 3)
        text = "\n".join(lines)
        assert "? more" in text and "? Help" not in text
        assert lines[-1].endswith("^p palette")
        shown = footer_keys(screen)
        assert 3 <= len(shown) < len(expected_keys(screen)) - 1  # the first keys, not all
        assert shown[0] == ("/", "Search")  # the screen's own keys come first
        await pilot.press("question_mark")
        await settle(pilot)
        assert type(app.screen).__name__ == "HelpScreen"  # every key is one key away


async def test_f2_folds_the_bar_to_one_line_and_back_on_every_screen(seeded, app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        bar = app.screen.query_one(KeyBar)
        before = len(footer_lines(app.screen))
        assert before > 1
        await pilot.press("f2")
        await settle(pilot)
        folded = footer_lines(app.screen)
        assert len(folded) == 1 and "? more" in folded[0] and folded[0].endswith("^p palette")
        assert bar.region.height == 1
        await pilot.press("e")  # another screen: folded too
        await settle(pilot)
        assert len(footer_lines(app.screen)) == 1
        await pilot.press("f2")
        await settle(pilot)
        assert len(footer_lines(app.screen)) > 1
        await pilot.press("escape")
        await settle(pilot)
        assert len(footer_lines(app.screen)) == before
