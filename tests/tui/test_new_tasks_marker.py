"""Live refresh while the user is down the list (issue 16.7): the cursor stays on its
task, the filter bar says how many tasks arrived above, `g` goes there, and the new
rows are highlighted for a moment."""

from __future__ import annotations

from tasktui.services.context import acting_user
from tasktui.services.tasks.raising import raise_task
from tasktui.tui.widgets.task_cells import NEW_MARK
from tasktui.tui.widgets.task_table import TaskTable
from tests.tui.conftest import settle


def _marker(app) -> str:
    marker = app.screen.query_one("#new-above")
    return str(marker.render()) if marker.display else ""


async def test_tasks_arriving_above_the_screen_are_counted_and_g_shows_them(seeded, app):
    async with app.run_test(size=(80, 12)) as pilot:  # four rows on screen
        await settle(pilot)
        table = app.screen.query_one(TaskTable)
        await pilot.press("G")  # the oldest task, the top scrolled away
        await settle(pilot)
        assert table.current_row.id == 1 and table.scroll_offset.y > 0
        bob = acting_user("bob", "ops")
        for n in range(3):
            raise_task(bob, "stock_diff", f"Counted again {n}")
        app.screen.data_changed()
        await settle(pilot)
        assert table.total == 15
        assert table.current_row.id == 1  # the cursor stayed, on screen
        assert _marker(app) == "↑ 3 new · g"
        assert table.fresh_ids == {14, 15, 16}
        await pilot.press("g")
        await settle(pilot)
        assert table.current_row.id == 16 and _marker(app) == ""
        assert table.render_line(1).text[1] == NEW_MARK  # still highlighted for a moment
        await pilot.pause(3.2)
        assert table.fresh_ids == set() and table.render_line(1).text[1] == " "


async def test_at_the_top_new_tasks_show_without_a_marker(seeded, app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(TaskTable)
        raise_task(acting_user("bob", "ops"), "stock_diff", "Counted again")
        app.screen.data_changed()
        await settle(pilot)
        assert table.cache.row(0).id == 14 and table.fresh_ids == {14}
        assert _marker(app) == ""
