"""Live refresh from another process, and the keys: help screen and command palette
list every action of the screen."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import pytest
from textual.command import CommandList
from textual.screen import Screen
from textual.widgets import DataTable

from tasktui.tui.commands import ScreenActionsProvider
from tasktui.tui.screens.attributes import AttributesScreen
from tasktui.tui.screens.events import EventsScreen
from tasktui.tui.screens.help import HelpScreen, screen_keys
from tasktui.tui.screens.settings import SettingsScreen
from tasktui.tui.screens.tasks import TasksScreen
from tasktui.tui.widgets.task_table import TaskTable
from tests.tui.conftest import run_palette_command, settle
from tests.tui.footer import footer_keys


@pytest.mark.both_backends  # on PostgreSQL the change notifications (LISTEN/NOTIFY) carry it
async def test_task_raised_by_another_process_appears_keeping_cursor_and_selection(seeded, app, db_path):
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(TaskTable)
        await pilot.press("j", "space")  # select task 12, cursor moves to task 11
        assert table.current_row.id == 11 and table.selected == {12}
        env = {**os.environ, "TASKTUI_USER": "bob"}
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tasktui",
            "--db",
            str(db_path),
            "raise",
            "stock_diff",
            "--title",
            "Raised by a script",
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        _, err = await proc.communicate()
        assert proc.returncode == 0, err
        raised_at = time.monotonic()
        while table.total != 13 and time.monotonic() - raised_at < 2.0:
            await pilot.pause(0.05)
        assert table.total == 13, "the new task did not appear within 2 seconds"
        await settle(pilot)
        assert table.cache.row(0).title == "Raised by a script"
        assert table.current_row.id == 11  # the cursor stayed on its task
        assert table.selected == {12}


async def test_help_lists_every_key_of_the_tasks_screen(seeded, app):
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        listed = {k.description: k.keys for k in app.screen.keys}
        for binding in TasksScreen.BINDINGS + TaskTable.BINDINGS:
            if binding.description:  # `2`–`9` go without: "1…9" stands for them
                assert binding.description in listed
        assert "j" in listed["Down"] and "q" in listed["Quit"]
        assert listed["View 1–9 (tabs)"] == "1…9"


async def test_at_80x24_the_help_scrolls_to_its_last_key_and_shows_its_closing_line(seeded, app):
    """The list is longer than 24 rows: it scrolls inside the box (End, Page Down, the
    wheel), and the box with its closing hint stays on the screen."""
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        keys, hint = app.screen.query_one("#help-keys"), app.screen.query_one("#help-hint")
        assert keys.max_scroll_y > 0 and app.focused is keys
        assert hint.region.bottom <= 24 and hint.region.height == 1
        await pilot.press("end")
        await pilot.pause()
        assert keys.scroll_y == keys.max_scroll_y > 0


async def test_palette_offers_the_same_actions_as_the_bindings(seeded, app):
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        provider = ScreenActionsProvider(screen)
        names = {name for name, _, _ in provider._commands()}
        described = {k.description for k in screen_keys(screen)}
        assert {b.description for b in TasksScreen.BINDINGS if b.description} <= names
        assert names <= described and "Quit" in names
        await run_palette_command(pilot, "Open/done")
        await settle(pilot)
        assert screen.status == "all"  # the palette ran the action


#: The screens one key away from the tasks screen: (key, screen class, help title).
OTHER_SCREENS = [
    pytest.param("e", EventsScreen, "Events", id="events"),
    pytest.param("F", AttributesScreen, "Attributes", id="attributes"),
    pytest.param("S", SettingsScreen, "Settings", id="settings"),
]


async def _open(pilot, key: str, screen_class: type) -> Screen:
    """Open a screen from the tasks screen and put the focus on its (first) table: the
    settings form starts in a text field, where `?` types a question mark."""
    await settle(pilot)
    await pilot.press(key)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, screen_class)
    screen.query_one(DataTable).focus()
    await pilot.pause()
    return screen


@pytest.mark.parametrize("key, screen_class, title", OTHER_SCREENS)
async def test_help_on_the_events_attributes_and_settings_screens(seeded, app, key, screen_class, title):
    """`?` on each of them opens the help with every key of that screen, those the
    footer leaves out included; Escape goes back to the screen."""
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open(pilot, key, screen_class)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert app.screen.help_title == f"Keys — {title}"
        listed = {k.description for k in app.screen.keys}
        assert {"Help", "Quit"} | {b.description for b in screen_class.BINDINGS} <= listed
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


@pytest.mark.parametrize("key, screen_class, title", OTHER_SCREENS)
async def test_footers_start_with_help_and_fit_80_columns(seeded, app, key, screen_class, title):
    """At 80x24 the footer (key bar) of each screen shows `? Help` first, then every
    key of the screen in full, the app's `q Quit` last (tests/tui/test_key_bar.py checks
    them all against the bindings)."""
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, key, screen_class)
        shown = footer_keys(screen)
        assert shown[0] == ("?", "Help")
        assert ("esc", "Back") in shown
        assert shown[-1] == ("q", "Quit")


async def test_palette_lists_quit_once(seeded, app):
    """Textual's own "Quit" system command is left out: the `q` binding is listed."""
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"quit")
        await pilot.pause(0.5)
        results = app.screen.query_one(CommandList)
        prompts = [str(results.get_option_at_index(i).prompt) for i in range(results.option_count)]
        assert [p for p in prompts if "Quit" in p] == ["Quit\nKey: ^q q"]
        await pilot.press("enter")
        await pilot.pause()
    assert app.return_code == 0


def test_the_help_takes_text_areas_and_inputs_for_text_fields():
    """The help leaves out a text field's editing keys; it knows a TextArea without
    importing it first (the tasks screen does not load it)."""
    from textual.widgets import Input, Static, TextArea

    from tasktui.tui.screens.help import is_text_field

    assert is_text_field(TextArea) and is_text_field(Input)
    assert not is_text_field(Static) and not is_text_field(type(None))
