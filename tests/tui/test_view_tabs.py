"""Saved views as tabs on the tasks screen (issue 17.4): the tabs with their live
counts, `1`–`9` taking a view's filters, `V` saving the filters as a view, `E`
renaming or deleting the active one, a view naming a removed event, and the counts
following a raise from another process."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import pytest
from textual.widgets import Input

from tasktui.services.context import acting_user
from tasktui.services.events.definitions import create_event, delete_event
from tasktui.services.people import add_user
from tasktui.services.tasks.counts import count_tasks
from tasktui.services.tasks.filters import TaskFilter
from tasktui.services.views import ViewSpec, get_view, list_views, save_view, view_filter
from tasktui.tui.screens.confirm import ChoiceScreen
from tasktui.tui.screens.task_views import ViewNameScreen
from tasktui.tui.widgets.task_table import TaskTable
from tasktui.tui.widgets.view_tabs import Tab, ViewTabs, fit, tab_label
from tests.tui.conftest import settle


def _tabs(app) -> list[str]:
    return [label.strip() for label in app.screen.query_one(ViewTabs).labels()]


def _line(app) -> str:
    """The tab line as painted."""
    tabs = app.screen.query_one(ViewTabs)
    return tabs.render_line(0).text


def _expected(actor, name: str) -> int:
    return count_tasks(view_filter(actor, get_view(actor, name)))


async def test_the_default_views_are_tabs_with_their_counts(seeded, app, actor):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        mine, unassigned = _expected(actor, "Mine"), _expected(actor, "Unassigned")
        assert mine == 9 and unassigned == 6
        assert _tabs(app) == [f"1 Mine {mine}", f"2 Unassigned {unassigned}", "3 Critical 0", "4 All open 12"]
        line = _line(app)
        assert "1 Mine 9" in line and "4 All open 12" in line  # one line at 80 columns, all four fit
        assert app.screen.query_one(ViewTabs).region.height == 1


async def test_number_keys_take_a_views_filters_and_a_change_marks_the_tab(seeded, app, actor):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(TaskTable)
        await pilot.press("1")
        await settle(pilot)
        assert app.screen.assignee_mode == "direct_or_groups" and table.total == 9
        assert "[1 Mine 9]" in _line(app)  # the active tab in brackets (and reversed)
        await pilot.press("3")
        await settle(pilot)
        assert table.total == 0 and app.screen.severities == (4,) and app.screen.assignee_mode == "all"
        await pilot.press("4")
        await settle(pilot)
        assert table.total == 12 and "[4 All open 12]" in _line(app)
        await pilot.press("t")  # a filter changed by hand: the tab says so
        await settle(pilot)
        assert table.total == 13 and "[4 All open* 12]" in _line(app)
        await pilot.press("t")  # back as the view has it: no longer marked
        await settle(pilot)
        assert "[4 All open 12]" in _line(app)
        await pilot.press("7")  # no such view: a word, nothing changes
        await settle(pilot)
        assert table.total == 12 and any("No view 7" in n.message for n in app._notifications)


async def test_a_click_on_a_tab_takes_its_view(seeded, app, actor):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(TaskTable)
        tabs = app.screen.query_one(ViewTabs)
        line = _line(app)
        x = line.index("2 Unassigned") + 3  # a cell inside the second tab (the widget pads by 1)
        await pilot.click(ViewTabs, offset=(x + 1, 0))
        await settle(pilot)
        assert "[2 Unassigned 6]" in _line(app) and table.total == 6
        await pilot.click(ViewTabs, offset=(_line(app).index("4 All open") + 2, 0))
        await settle(pilot)
        assert "[4 All open 12]" in _line(app) and table.total == 12
        assert tabs.region.height == 1


async def test_a_view_takes_its_event_sort_text_and_columns(seeded, app, actor):
    save_view(actor, "Stock", ViewSpec(event="stock_diff", status="all", sort="id", descending=False,
                                       text="SKU", columns=("id", "title")))  # fmt: skip
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(TaskTable)
        own = list(table.chosen_columns)
        await pilot.press("5")
        await settle(pilot)
        screen = app.screen
        assert screen.event_identifier == "stock_diff" and screen.status == "all"
        assert (screen.sort, screen.descending) == ("id", False)
        assert screen.query_one("#search", Input).value == "SKU" and screen.text == "SKU"
        assert table.total == 4 and [table.cache.row(i).id for i in range(4)] == [2, 5, 8, 11]
        assert list(table.chosen_columns) == ["id", "title"]
        await pilot.press("4")  # a view without columns: the user's own come back
        await settle(pilot)
        assert list(table.chosen_columns) == own and screen.text == "" and table.total == 12


async def test_v_saves_the_filters_as_a_new_tab_and_over_an_own_view_after_a_confirm(seeded, app, actor):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("3", "t")  # critical, open and done
        await settle(pilot)
        await pilot.press("V")
        await settle(pilot)
        assert isinstance(app.screen, ViewNameScreen)
        assert app.screen.query_one(Input).value == "Critical"  # prefilled with the active view
        app.screen.query_one(Input).value = "Critical ever"
        await pilot.press("enter")
        await settle(pilot)
        assert _tabs(app)[-1] == "[5 Critical ever 0]"
        spec = get_view(actor, "Critical ever").spec
        assert spec.severity == "critical" and spec.status == "all" and spec.columns == ()
        await pilot.press("f", *"snoozed only", "enter")  # change it, save over it
        await settle(pilot)
        assert "[5 Critical ever* 0]" in _line(app)
        await pilot.press("V")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen)  # "Replace view Critical ever?"
        await pilot.press("y")
        await settle(pilot)
        assert get_view(actor, "Critical ever").spec.snoozed == "snoozed"
        assert "[5 Critical ever 0]" in _line(app) and len(_tabs(app)) == 5


async def test_e_renames_and_deletes_the_active_view(seeded, app, actor):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("E")  # no view chosen yet
        await settle(pilot)
        assert not isinstance(app.screen, ChoiceScreen)
        await pilot.press("2", "E")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ViewNameScreen) and app.screen.query_one(Input).value == "Unassigned"
        app.screen.query_one(Input).value = "Nobody's"
        await pilot.press("enter")
        await settle(pilot)
        assert _tabs(app)[1] == "[2 Nobody's 6]"
        assert [v.name for v in list_views(actor)] == ["Mine", "Nobody's", "Critical", "All open"]
        await pilot.press("E", "d")
        await settle(pilot)
        assert _tabs(app) == ["1 Mine 9", "2 Critical 0", "3 All open 12"]
        assert app.screen.active_view is None


async def test_a_shared_view_of_another_user_is_a_tab_that_cannot_be_deleted(seeded, app, actor):
    add_user("dave", "Dave")
    dave = acting_user("dave", "dave")
    save_view(dave, "Dave's stock", ViewSpec(event="stock_diff"), shared=True)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        assert _tabs(app)[-1] == "5 Dave's stock 3"
        await pilot.press("5")
        await settle(pilot)
        assert app.screen.query_one(TaskTable).total == 3
        await pilot.press("E", "d")
        await settle(pilot)
        assert any("only its owner" in n.message for n in app._notifications)
        assert get_view(actor, "Dave's stock").owner == "dave"


async def test_a_view_naming_a_removed_event_shows_an_error_and_never_crashes(seeded, app, actor):
    create_event("gone_soon", "Gone soon")
    save_view(actor, "Gone", ViewSpec(event="gone_soon"))
    delete_event("gone_soon", actor=actor)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(TaskTable)
        assert _tabs(app)[-1] == "5 Gone !"
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        assert app.is_running and table.total == 12 and app.screen.active_view == "All open"
        messages = [n.message for n in app._notifications]
        assert any("unknown event" in m and "gone_soon" in m for m in messages), messages


@pytest.mark.both_backends
async def test_the_counts_follow_a_raise_from_another_process(seeded, app, db_path):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "3 Critical 0" in _line(app)
        env = {**os.environ, "TASKTUI_USER": "bob"}
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tasktui", "--db", str(db_path), "raise", "stock_diff",
            "--title", "Disk on fire", "--severity", "critical",
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        _, err = await proc.communicate()
        assert proc.returncode == 0, err
        started = time.monotonic()
        while "3 Critical 1" not in _line(app) and time.monotonic() - started < 3.0:
            await pilot.pause(0.05)
        assert "3 Critical 1" in _line(app) and "4 All open 13" in _line(app)


def test_the_tabs_fit_one_line_around_the_active_one():
    labels = [tab_label(i + 1, Tab(f"View number {i}", "10,000+")) for i in range(8)]
    widths = [len(label) for label in labels]
    start, end = fit(widths, 0, 78)
    assert start == 0 and 2 <= end < 8
    assert sum(widths[start:end]) + (end - start - 1) + 6 <= 78
    start, end = fit(widths, 7, 78)  # the last one active: the line ends with it
    assert end == 8 and start > 0
    assert sum(widths[start:end]) + (end - start - 1) + 2 <= 78
    assert tab_label(1, Tab("Mine", "12"), active=True, modified=True) == "[1 Mine* 12]"
    assert tab_label(10, Tab("Tenth", "! unknown event 'x'")) == " Tenth ! "
    assert tab_label(2, Tab("\x1b]0;evil\x07name", "3")) == " 2 ␛]0;evil␇name 3 "  # drawn, never sent raw


def test_the_tab_worker_counts_every_view(seeded, actor):
    from tasktui.tui.screens.task_views import load_views

    views, counts = load_views(actor)
    assert [counts[v.id] for v in views] == ["9", "6", "0", "12"]
    assert count_tasks(TaskFilter()) == 12


def test_tabs_snapshot(seeded, app, actor, snap_compare):
    """At 80x24: more views than fit; "Mine" chosen (brackets, reversed), then changed
    by hand (`t`: its `*`); the last tab is beyond the edge, shown as `+1 ›`."""
    from tests.tui.test_snapshots import steps

    for name in ("Warehouse stock", "Refunds"):
        save_view(actor, name, ViewSpec(event="stock_diff" if name != "Refunds" else "refund_approval"))
    assert snap_compare(app, terminal_size=(80, 24), run_before=steps("1", "t"))


async def test_the_chosen_view_is_remembered_between_runs(seeded, app, db_path):
    from tasktui.tui.app import make_app

    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
    again = make_app(db_path, acting_user("alice", "ops"))
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "[2 Unassigned 6]" in _line(again) and again.screen.query_one(TaskTable).total == 6
