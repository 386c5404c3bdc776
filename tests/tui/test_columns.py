"""The tasks table's columns at 80 columns and wider (issue 16.6): a group-owned task
does not look unassigned, the age and the occurrence count are always visible, Event
and Title share extra width, and the chooser says which ticked columns gave way."""

from __future__ import annotations

import datetime as dt

from textual.widgets import SelectionList

from tasktui.tui.screens.columns import ColumnChooserScreen
from tasktui.tui.widgets.task_columns import DEFAULT_COLUMNS, OPEN_MARK, fit_columns, relative_age
from tasktui.tui.widgets.task_table import TaskTable
from tests.tui.conftest import settle

T0 = dt.datetime(2024, 3, 1, 8, 0)


def test_relative_age_fits_four_cells():
    ages = {
        dt.timedelta(seconds=20): "now",
        dt.timedelta(minutes=42): "42m",
        dt.timedelta(hours=3): "3h",
        dt.timedelta(hours=47): "47h",
        dt.timedelta(days=2): "2d",
        dt.timedelta(days=59): "59d",
        dt.timedelta(days=150): "5mo",
        dt.timedelta(days=800): "2y",
    }
    for delta, text in ages.items():
        assert relative_age(T0, T0 + delta) == text
        assert len(text) <= 4


def test_narrow_the_assignee_column_shows_the_group_and_wide_event_grows():
    narrow = fit_columns(DEFAULT_COLUMNS, 79, 2)  # the table at 80 columns (its scrollbar takes one)
    keys = [c.key for c in narrow.columns]
    assert keys == ["age", "status", "severity", "title", "event", "assignee", "id"]  # "On it" gave way
    assert narrow.merged_group and "group" in narrow.hidden
    assert narrow.columns[keys.index("assignee")].label == "Assigned to"
    wide = fit_columns(DEFAULT_COLUMNS, 198, 2)
    assert not wide.hidden and not wide.merged_group
    event, title = (wide.widths[[c.key for c in wide.columns].index(k)] for k in ("event", "title"))
    assert event > 16 and title > event
    assert sum(wide.widths) + 2 + len(wide.widths) - 1 == 198  # every cell is used


def _row_text(table: TaskTable, task_id: int) -> str:
    index = next(i for i in range(table.total) if table.cache.row(i).id == task_id)
    return table.render_line(index - int(table.scroll_offset.y) + 1).text


async def test_at_80_columns_group_age_and_count_are_visible(seeded, app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(TaskTable)
        header = table.render_line(0).text
        assert "Age" in header and "Assigned to" in header
        deduplicated = _row_text(table, 13)  # unassigned, group warehouse, raised twice
        assert "@warehouse" in deduplicated and "×2" in deduplicated and OPEN_MARK in deduplicated
        assert " 35h " in deduplicated  # created 35 h before the frozen now
        assert "×" not in _row_text(table, 1)  # raised once
        assert "alice" in _row_text(table, 4)  # an assignee wins over the group


async def test_the_column_chooser_says_which_ticked_columns_have_no_room(seeded, app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ColumnChooserScreen)
        prompts = {
            o.value: str(o.prompt)
            for o in (
                app.screen.query_one(SelectionList).get_option_at_index(i)
                for i in range(app.screen.query_one(SelectionList).option_count)
            )
        }
        assert prompts["created"] == "Created  (hidden: no room)"
        assert "@group" in prompts["group"]
        assert prompts["event"] == "Event"
        assert prompts["description"] == "Description"  # not ticked: nothing to explain
