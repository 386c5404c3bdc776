"""The people screen (issue 18.3) and the stats screen (issue 18.4), driven with
Pilot (keys and the mouse), and their snapshots at 80x24 and 120x35."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Static

from tasktui.models import Membership, Task, User
from tasktui.tui.screens.attribute_forms import FormScreen
from tasktui.tui.screens.people import PeopleScreen
from tasktui.tui.screens.stats import StatsScreen
from tasktui.tui.widgets.picker import PickerScreen
from tests.tui.conftest import FROZEN_NOW, settle
from tests.tui.test_snapshots import steps

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 35), id="120x35")]


@pytest.fixture(autouse=True)
def frozen_stats_clock(monkeypatch):
    """The stats screen's period ends at a fixed "now", so snapshots do not age."""
    monkeypatch.setattr("tasktui.tui.screens.stats.utcnow", lambda: FROZEN_NOW)


def notifications(app) -> list[str]:
    return [n.message for n in app._notifications]


async def test_people_add_edit_deactivate_members_and_refused_delete(seeded, app):
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("P")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PeopleScreen)
        logins = [u.login for u in screen.users]
        assert "alice" in logins and "bob" in logins
        bob = next(u for u in screen.users if u.login == "bob")
        assert bob.open_tasks > 0
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        await pilot.press(*"dave", "tab", *"Dave D", "ctrl+s")
        await settle(pilot)
        assert User.get(User.login == "dave").display_name == "Dave D"
        assert "added user dave" in notifications(app)
        users = screen.query_one("#people-users", DataTable)
        assert screen.users[users.cursor_row].login == "dave"  # the cursor is on the user just added
        # delete bob: refused with the counts
        users = screen.query_one("#people-users", DataTable)
        users.move_cursor(row=[u.login for u in screen.users].index("bob"))
        await pilot.press("D")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert any("cannot be deleted" in n and "deactivate instead" in n for n in notifications(app))
        await pilot.press("x")  # deactivate bob
        await settle(pilot)
        assert not User.get(User.login == "bob").active
        # the groups table, by mouse: add dave to the first group
        await pilot.click("#people-groups", offset=(2, 1))
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)
        await pilot.press(*"dave", "enter")
        await settle(pilot)
        dave = User.get(User.login == "dave")
        assert Membership.select().where(Membership.user == dave.id).count() == 1
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, PeopleScreen)


async def test_stats_screen_shows_charts_and_the_numbers(seeded, app):
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("number_sign")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StatsScreen) and screen.stats is not None
        total = Task.select().count()
        assert screen.stats.raised == total
        summary = str(screen.query_one("#stats-summary", Static).render())
        assert summary.startswith(f"30 days: {total} raised")
        await pilot.press("n")
        await settle(pilot)
        numbers = screen.query_one("#stats-numbers", DataTable)
        assert numbers.display and numbers.row_count > 30
        await pilot.press("p")
        await settle(pilot)
        assert screen.period == 7 and len(screen.stats.days) == 7


@pytest.mark.parametrize("size", SIZES)
def test_people_screen(seeded, app, snap_compare, size):
    """From the tasks screen press P: users above groups."""
    assert snap_compare(app, terminal_size=size, run_before=steps("P"))


@pytest.mark.parametrize("size", SIZES)
def test_stats_screen(seeded, app, snap_compare, size):
    """From the tasks screen press #: the charts of the last 30 days."""
    assert snap_compare(app, terminal_size=size, run_before=steps("number_sign"))


@pytest.mark.parametrize("size", SIZES)
def test_stats_numbers(seeded, app, snap_compare, size):
    """On the stats screen press n: the numbers behind the charts."""
    assert snap_compare(app, terminal_size=size, run_before=steps("number_sign", "n"))
