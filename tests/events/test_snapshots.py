"""Snapshots of the events screen, the event editor and the event dialogs, at 100x30
and 80x24 (usable over SSH: nothing that matters cut off).

Each test's docstring gives the user's steps; `pytest --snapshot-update` rewrites the
SVGs under `__snapshots__/`, which are reviewed like code."""

from __future__ import annotations

import pytest

from tasktui.services.tasks.raising import raise_task
from tasktui.tui.screens.event_editor import EventEditorScreen
from tasktui.tui.screens.events import EventsScreen
from tests.events.host_app import HostApp, editor_for
from tests.tui.conftest import settle

SIZES = [pytest.param((100, 30), id="100x30"), pytest.param((80, 24), id="80x24")]


async def _select(pilot, identifier: str) -> None:
    from textual.widgets import DataTable

    await settle(pilot)
    screen = pilot.app.screen
    screen.query_one(DataTable).move_cursor(row=[e.identifier for e in screen.events].index(identifier))
    await pilot.pause()


def steps(*keys: str, select: str | None = None):
    """A run_before that waits for the data, selects the event `select`, presses
    `keys` and waits for what they read (the screens read in workers)."""

    async def run_before(pilot) -> None:
        await settle(pilot)
        if select is not None:
            await _select(pilot, select)
        for key in keys:
            await pilot.press(key)
            await settle(pilot, rounds=2)
        await pilot.pause(0.1)

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_events_screen(snap_compare, catalogue, size) -> None:
    """Open the events screen: the catalogue, one event made by hand, one obsolete
    (dimmed), "Unassigned" where no one is responsible."""
    assert snap_compare(HostApp(catalogue, EventsScreen), run_before=steps(), terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_editor_create_mode(snap_compare, catalogue, size) -> None:
    """Press `n` on the events screen: an empty form, plugin "Manually created", the
    warning that no one is responsible."""
    assert snap_compare(HostApp(catalogue, EventsScreen), run_before=steps("n"), terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_editor_edit_mode_shows_locked_fields(snap_compare, catalogue, size) -> None:
    """Select stock_diff and press `e`: identifier, plugin and attribute set are shown
    read-only; names and responsibility can be changed."""

    assert snap_compare(
        HostApp(catalogue, EventsScreen), run_before=steps("e", select="stock_diff"), terminal_size=size
    )


@pytest.mark.parametrize("size", SIZES)
def test_editor_validation_errors(snap_compare, catalogue, size) -> None:
    """In a new event type the identifier `9a`, then press ctrl+s: the failed rule is
    shown under the identifier, the missing English name under its field, and the save
    is refused."""
    app = HostApp(catalogue, EventEditorScreen)
    assert snap_compare(app, press=["9", "a", "ctrl+s"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_delete_dialog(snap_compare, catalogue, size) -> None:
    """Select parcel_lost (no tasks) and press `d`: the dialog says what is lost and
    that it cannot be undone."""

    assert snap_compare(
        HostApp(catalogue, EventsScreen), run_before=steps("d", select="parcel_lost"), terminal_size=size
    )


@pytest.mark.parametrize("size", SIZES)
def test_cannot_delete_dialog_offers_obsolete(snap_compare, catalogue, size) -> None:
    """stock_diff has tasks: pressing `d` explains that it cannot be deleted (with the
    task count) and offers to mark it obsolete."""
    raise_task(catalogue, "stock_diff", "Shelf 4 differs")
    raise_task(catalogue, "stock_diff", "Shelf 9 differs")
    raise_task(catalogue, "stock_diff", "Shelf 12 differs")

    assert snap_compare(
        HostApp(catalogue, EventsScreen), run_before=steps("d", select="stock_diff"), terminal_size=size
    )


@pytest.mark.parametrize("size", SIZES)
def test_responsible_user_picker(snap_compare, catalogue, size) -> None:
    """In the editor of stock_diff, open the responsible user picker and type `b`."""

    async def open_picker(pilot) -> None:
        from textual.widgets import Button

        pilot.app.screen.query_one("#responsible_user", Button).press()
        await settle(pilot)

    app = HostApp(catalogue, editor_for("stock_diff"))
    assert snap_compare(app, press=["b"], run_before=open_picker, terminal_size=size)
