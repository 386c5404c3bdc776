"""Pilot tests: stored text with escape sequences (OSC 52 clipboard, OSC 0 window
title, colours, CR, bidi override) never reaches the terminal raw from any screen,
and where the screens show stored text the sequences are drawn visibly.

`terminal_output` is what Textual would write to the terminal for the whole screen
(the headless driver writes nothing): the compositor's full frame, line filters
applied, as terminal codes."""

from __future__ import annotations

import pytest

from tests.hostile_text import HOSTILE, assert_visible, store_raw_hostile_task
from tests.tui.conftest import settle

#: The hostile sequences as a terminal would run them (the ESC that starts each).
RAW_SEQUENCES = ("\x1b]52;c;cHduZWQ", "\x1b]0;pwned", "\x1b[31mred", "\u202e", "\x9b2J")


def terminal_output(app) -> str:
    """The terminal codes of one full frame of the current screen."""
    return app.screen._compositor.render_update(full=True).render_segments(app.console)


def assert_safe_screen(app, *shown: str) -> None:
    """No hostile sequence raw in the frame, and each of `shown` on the screen."""
    output = terminal_output(app)
    found = [s for s in RAW_SEQUENCES if s in output]
    assert not found, f"raw {found!r} reaches the terminal"
    for text in shown:
        assert text in output, f"{text!r} not on the screen"


@pytest.fixture
def hostile(database, actor):
    """A task whose every text holds raw escape sequences (see tests/hostile_text.py)."""
    return store_raw_hostile_task(actor)


async def test_tasks_table_and_event_picker_show_sequences_visibly(hostile, app):
    async with app.run_test(size=(140, 30)) as pilot:
        await settle(pilot)
        assert_safe_screen(app, "Order ␛]52;c;cHduZWQ=␇1234␛]0;pwned␇")
        await pilot.press("v")  # the event picker lists the event's name
        await settle(pilot)
        assert_safe_screen(app, "Event ␛]0;pwned␇<U+202E>name")


async def test_task_detail_fields_description_history_and_attributes(hostile, app):
    from tasktui.tui.screens.task_detail import TaskDetailScreen

    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TaskDetailScreen)
        assert_visible(str(screen.query_one("#detail-title").render()), "detail title")
        assert_visible(str(screen.query_one("#detail-link").render()), "detail link")
        assert_safe_screen(app, "second ␛]52;c;cHduZWQ=␇line", "Event ␛]0;pwned␇<U+202E>name", "<U+009B>2J")
        await pilot.press("4")  # history and comments
        await settle(pilot)
        assert_safe_screen(app, "first ␛[31mline␍")
        await pilot.press("1")  # the attribute value
        await settle(pilot)
        assert_safe_screen(app, "Order ␛]52;c;cHduZWQ=␇1234")
        await pilot.press("y")
        assert app.clipboard == "https://x/\x1b]52;c;cHduZWQ=\x07\u202e"  # copied exactly (sent base64-encoded)


async def test_events_screen_shows_the_name_visibly(hostile, app):
    async with app.run_test(size=(140, 30)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert app.screen.id != "tasks-screen"
        assert_safe_screen(app, "Event ␛]0;pwned␇<U+202E>name")


async def test_text_a_widget_shows_raw_is_still_kept_off_the_terminal(database, actor, app):
    """The app's line filter: a widget showing the raw title (no code made it
    visible; Rich removes only the BEL and CR) reaches the terminal without ESC."""
    from textual.widgets import Static

    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await app.screen.mount(Static(HOSTILE, markup=False))
        await settle(pilot)
        assert_safe_screen(app, "Order ]52;c;cHduZWQ=1234]0;pwned failed")
