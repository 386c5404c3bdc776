"""A failed job's output can be read in the TUI (issue 16.5): the description box
grows with a long text (and scrolls), and `v` or Enter on it opens a pager with
search."""

from __future__ import annotations

from tasktui.services.context import acting_user
from tasktui.services.tasks.raising import raise_task
from tasktui.tui.screens.task_detail import TaskDetailScreen
from tasktui.tui.screens.text_pager import TextPagerScreen
from tests.tui.conftest import settle
from tests.tui.test_task_detail import open_task

OUTPUT = "\n".join(f"line {n}: copying batch {n}" for n in range(1, 50)) + "\nERROR: disk quota exceeded\nexit 3"


async def test_a_long_description_fills_space_and_opens_in_a_pager_with_search(seeded, app):
    raise_task(acting_user("alice", "ops"), "stock_diff", "Nightly copy failed (exit 3)", OUTPUT)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_task(pilot, 14)
        box = screen.query_one("#detail-description-box")
        assert box.size.height >= 7  # 30 % of the screen, not 4 lines
        assert box.max_scroll_y > 0  # it scrolls
        await pilot.press("v")
        await settle(pilot)
        pager = app.screen
        assert isinstance(pager, TextPagerScreen) and len(pager.lines) == 51
        await pilot.press("slash", *"quota", "enter")
        await settle(pilot)
        assert pager.match_line == 49
        assert pager.query_one("#pager-scroll").scroll_offset.y > 20
        assert "match on line 50" in str(pager.query_one("#pager-status").render())
        await pilot.press("slash", *"batch 1", "enter", "n")
        await settle(pilot)
        assert pager.match_line == 9  # "batch 1", then "batch 10"
        await pilot.press("N")
        assert pager.match_line == 0
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TaskDetailScreen)
        box.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TextPagerScreen)
