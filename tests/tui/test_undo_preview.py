"""The preview of a bulk action above the threshold, the toast "N done — z to undo"
and `z` (issue 18.1, 18.2), driven with Pilot; snapshots of the preview dialog and
the toast at 80x24 and 120x35."""

from __future__ import annotations

import pytest

from tasktui.models import Task
from tasktui.services.tasks.bulk_preview import set_preview_threshold
from tasktui.tui.screens.preview import PreviewScreen
from tasktui.tui.widgets.task_table import TaskTable
from tests.tui.conftest import settle
from tests.tui.test_snapshots import steps

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 35), id="120x35")]


def notifications(app) -> list[str]:
    return [n.message for n in app._notifications]


def _open() -> int:
    return Task.select().where(Task.status == "open").count()


async def test_above_the_threshold_the_action_asks_first_and_z_undoes_it(seeded, actor, app):
    set_preview_threshold(actor, 5)
    opened = _open()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, PreviewScreen)
        assert app.screen.preview.question == f"Mark {opened} tasks done?"
        assert app.screen.preview.details == f"{opened} open · 0 already done"
        await pilot.press("n")
        await settle(pilot)
        assert not isinstance(app.screen, PreviewScreen) and _open() == opened
        assert "Nothing changed" in notifications(app)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert _open() == 0
        assert f"{opened} done — z to undo" in notifications(app)
        await pilot.press("z")
        await settle(pilot)
        assert _open() == opened
        assert any(n.endswith(f"(mark done): {opened} reverted") for n in notifications(app))
        assert len(app.screen.query_one(TaskTable).selected) == 0
        await pilot.press("z")  # the undo of the undo: done again
        await settle(pilot)
        assert _open() == 0


async def test_below_the_threshold_the_action_runs_at_once(seeded, app):
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("space", "space", "d")
        await settle(pilot)
        assert not isinstance(app.screen, PreviewScreen)
        assert "2 done — z to undo" in notifications(app)


async def test_z_with_nothing_to_undo_says_so(database, app):
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("z")
        await settle(pilot)
        assert any("nothing to undo" in n for n in notifications(app))


@pytest.mark.parametrize("size", SIZES)
def test_preview_dialog(seeded, actor, app, snap_compare, size):
    """With a threshold of 5: select all (A), mark done (d): the preview asks."""
    set_preview_threshold(actor, 5)
    assert snap_compare(app, terminal_size=size, run_before=steps("A", "d"))


@pytest.mark.parametrize("size", SIZES)
def test_undo_toast(seeded, app, snap_compare, size):
    """Select two tasks (space space) and mark them done (d): the toast offers z."""
    assert snap_compare(app, terminal_size=size, run_before=steps("space", "space", "d"))
