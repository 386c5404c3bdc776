"""Issue 17 in the tasks screen: `i` acknowledges (the row shows ● and who has it),
`z` snoozes through the prompt (the task leaves the default view), `f` filters by
severity with the count of every choice beside it, and the event picker shows the
count of each event under the other filters."""

from __future__ import annotations

from textual.widgets import Input, OptionList

from tasktui.models import Task
from tasktui.tui.screens.triage import SnoozeScreen
from tasktui.tui.widgets.picker import PickerScreen
from tasktui.tui.widgets.task_columns import ACK_MARK, status_mark
from tasktui.tui.widgets.task_table import TaskTable
from tests.tui.conftest import settle


def _labels(screen) -> list[str]:
    options = screen.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_i_acknowledges_the_task_under_the_cursor(seeded, app):
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(TaskTable)
        first = table.cache.row(0)
        await pilot.press("i")
        await settle(pilot)
        task = Task.get_by_id(first.id)
        assert task.acknowledged_by_id is not None
        row = table.cache.row(0)
        assert status_mark(row) == ACK_MARK and row.acknowledged_by == "alice"
        assert "alice" in table.render_line(1).text  # the "On it" column at 120 columns
        await pilot.press("I")
        await settle(pilot)
        assert Task.get_by_id(first.id).acknowledged_by_id is None


async def test_z_snoozes_through_the_prompt_and_the_task_leaves_the_view(seeded, app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(TaskTable)
        before, first = table.total, table.cache.row(0).id
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, SnoozeScreen)
        await pilot.press("tab", *"1999-01-01T08:00", "enter")  # a past time is refused inline
        await settle(pilot)
        assert isinstance(app.screen, SnoozeScreen)
        error = app.screen.query_one("#snooze-error")
        shown = " ".join(line.text.strip() for line in error.render_lines(error.region.reset_offset))
        assert "in the past" in shown and shown.endswith("a snooze must end later")  # wrapped, whole
        assert error.region.right <= app.screen.query_one("#snooze-box").region.right
        app.screen.query_one("#snooze-custom", Input).value = "4h"
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, SnoozeScreen)
        assert Task.get_by_id(first).snoozed_until is not None
        assert table.total == before - 1
        await pilot.press("f")
        await settle(pilot)
        await pilot.press(*"snoozed only", "enter")
        await settle(pilot)
        assert table.total == 1 and table.cache.row(0).id == first
        await pilot.press("W")  # wake it
        await settle(pilot)
        assert Task.get_by_id(first).snoozed_until is None and table.total == 0


async def test_the_triage_picker_counts_each_choice_and_filters_by_severity(seeded, app):
    Task.update(severity=4).where(Task.id.in_(seeded[:2])).execute()  # one of them is done
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(TaskTable)
        await pilot.press("f")
        await settle(pilot, rounds=6)
        picker = app.screen
        assert isinstance(picker, PickerScreen)
        labels = _labels(picker)
        assert "Severity: critical  (1)" in labels and "Severity: any  (12)" in labels
        assert "Severity: normal  (11)" in labels and "Snoozed only  (0)" in labels
        await pilot.press(*"critical", "enter")
        await settle(pilot)
        assert table.total == 1 and table.cache.row(0).severity == "critical"
        assert "Triage: critical" in str(app.screen.query_one("#filters").render())


async def test_the_event_picker_shows_the_count_of_each_event(seeded, app):
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot, rounds=6)
        labels = _labels(app.screen)
        assert labels[0] == "Any event  (12)"
        assert any(label.startswith("Difference in stock") and label.endswith("(3)") for label in labels), labels
