"""Clearing and remembering the filters of the tasks screen: Esc in the search box
clears it (a second Esc leaves it), `R` resets every filter, the assignee filter
offers one user's and one group's tasks, assign offers groups, and the filters and
the theme come back in the next session of the same user."""

from __future__ import annotations

from textual.widgets import Input

from tasktui.models import Task
from tasktui.services.context import acting_user
from tasktui.tui.app import make_app
from tasktui.tui.widgets.task_table import TaskTable
from tests.tui.conftest import settle
from tests.tui.test_tasks_screen import notifications


async def test_esc_in_the_search_box_clears_it_then_leaves_it(seeded, app):
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(TaskTable)
        search = app.screen.query_one("#search", Input)
        await pilot.press("slash", *"stock")
        await pilot.pause(0.2)
        await settle(pilot)
        assert table.total == 3
        await pilot.press("escape")
        await settle(pilot)
        assert search.value == "" and search.has_focus and table.total == 12
        await pilot.press("escape")
        await settle(pilot)
        assert table.has_focus


async def test_r_resets_every_filter(seeded, app):
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        table = screen.query_one(TaskTable)
        await pilot.press("t", "slash", *"order", "enter")
        await settle(pilot)
        for keys in (("v", *"refund", "enter"), ("a", *"unassigned", "enter")):  # each picker opens in a worker
            await pilot.press(keys[0])
            await settle(pilot)
            await pilot.press(*keys[1:])
            await settle(pilot)
        assert table.total == 0
        await pilot.press("R")
        await settle(pilot)
        assert (screen.assignee_mode, screen.event_id, screen.status, screen.text) == ("all", None, "open", "")
        assert screen.query_one("#search", Input).value == ""
        assert table.total == 12
        assert "Filters reset" in notifications(app)


async def test_the_assignee_filter_offers_one_users_and_one_groups_tasks(seeded, app):
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        table = screen.query_one(TaskTable)
        await pilot.press("a", *"assigned to bob", "enter")
        await settle(pilot)
        assert screen.assignee_user.name == "bob"
        assert table.total == 3  # the open stock tasks (the fourth is done)
        assert "Assignee: bob" in str(screen.query_one("#filters").render())
        await pilot.press("a", *"group finance", "enter")
        await settle(pilot)
        assert screen.assignee_user is None and screen.assignee_group.name == "finance"
        assert table.total == 3  # the refunds
        assert "Assignee: group finance" in str(screen.query_one("#filters").render())


async def test_assign_offers_groups(seeded, app):
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("u", *"group warehouse", "enter")  # the task under the cursor: 13
        await settle(pilot)
        assert Task.get_by_id(13).group.name == "warehouse"


async def test_filters_and_theme_are_remembered_per_user(seeded, app, db_path):
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("v", *"refund", "enter", "t")
        await pilot.press("a", *"group finance", "enter")
        await settle(pilot)
        app.theme = "nord"
        await settle(pilot)
    again = make_app(db_path, acting_user("alice", "ops"))
    async with again.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = again.screen
        assert screen.event_label == "Refund needs approval" and screen.status == "all"
        assert screen.assignee_group.name == "finance"
        assert screen.query_one(TaskTable).total == 3
        assert again.theme == "nord"
    other = make_app(db_path, acting_user("bob", "ops"))
    async with other.run_test(size=(100, 30)) as pilot:  # bob's own preferences: the defaults
        await settle(pilot)
        assert other.screen.event_id is None and other.screen.assignee_group is None
        assert other.theme != "nord"


async def test_the_filter_bar_offers_reset_only_when_a_filter_is_set(seeded, app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        bar = app.screen.query_one("#filters")
        assert "R Reset" not in str(bar.render())
        await pilot.press("t")
        await settle(pilot)
        shown = str(bar.render())
        assert "R Reset s Sort:" in shown or "R Reset  s Sort:" in shown  # before the sort: on screen at 80
        assert "R Reset" in "".join(seg.text for seg in bar.render_line(0))  # drawn, not cut
        await pilot.press("R")
        await settle(pilot)
        assert "R Reset" not in str(bar.render())


async def test_long_names_in_the_filter_bar_give_way_to_the_keys_after_them():
    """A group or event name longer than the bar leaves room for the filters after it
    (cut with "…", never below 12 cells), instead of pushing them off the screen."""
    from textual.app import App

    from tasktui.tui.widgets.filter_bar import FilterBar, FilterSummary

    class Bar(App):
        def compose(self):
            yield FilterBar()

    app = Bar()
    async with app.run_test(size=(80, 24)) as pilot:
        bar = app.query_one(FilterBar)
        group = "group warehouse-night-shift-escalations-for-europe-and-asia"
        summary = FilterSummary(assignee_label=group, event_label="Insufficient inventory stock", filtered=True)
        bar.show_summary(summary)
        await pilot.pause()
        bar.show_summary(summary)  # now the label has its width
        await pilot.pause()
        drawn = "".join(seg.text for seg in bar.query_one("#filters").render_line(0)).rstrip()
        assert "a Assignee: group wareh" in drawn and "… v Event: " in drawn, drawn
        for key in ("t Open", "f Triage: Any", "R Reset"):
            assert key in drawn, drawn
        short = FilterSummary(assignee_label="bob", event_label="Disk full", filtered=True)
        bar.show_summary(short)
        await pilot.pause()
        drawn = "".join(seg.text for seg in bar.query_one("#filters").render_line(0)).rstrip()
        assert "a Assignee: bob v Event: Disk full t Open" in drawn, drawn  # short names: uncut
