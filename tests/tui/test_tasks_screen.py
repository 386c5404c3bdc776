"""Pilot tests of the tasks screen: filters, sort, columns, selection, bulk actions,
the virtual window and the empty state."""

from __future__ import annotations

from tasktui.models import Task
from tasktui.services.context import acting_user, get_setting
from tasktui.tui.app import make_app
from tasktui.tui.screens.tasks import TasksScreen
from tasktui.tui.widgets.task_table import TaskTable
from tests.tui.conftest import settle


def notifications(app) -> list[str]:
    """The messages of the notifications shown so far."""
    return [n.message for n in app._notifications]


async def test_start_screen_shows_open_tasks_newest_first(seeded, app):
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TasksScreen)
        table = app.screen.query_one(TaskTable)
        assert table.total == 12
        assert str(app.screen.query_one("#count").render()) == "12 tasks"
        assert table.current_row.id == 13
        await pilot.press("j", "j", "down", "k")
        assert table.current_row.id == 11


async def test_filters_combine_with_a_live_count(seeded, app):
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(TaskTable)
        await pilot.press("t")  # open and done
        await settle(pilot)
        assert table.total == 13
        await pilot.press("slash", *"stock", "enter")
        await settle(pilot)
        assert table.total == 4  # one of them is done
        await pilot.press("t")
        await settle(pilot)
        assert table.total == 3
        await pilot.press("a", *"directly to me", "enter")  # bob is assigned the stock tasks
        await settle(pilot)
        assert app.screen.assignee_mode == "direct"
        assert table.total == 0
        await pilot.press("a", *"unassigned", "enter")
        await settle(pilot)
        assert table.total == 0
        await pilot.press("a", *"all", "enter")
        await settle(pilot)
        await pilot.press("slash", "ctrl+u", "enter")  # clear the search
        await settle(pilot)
        await pilot.press("v", *"refund", "enter")
        await settle(pilot)
        assert app.screen.event_label == "Refund needs approval"
        assert table.total == 3
        assert {table.cache.row(i).title.split()[0] for i in range(3)} == {"Refund"}
        await pilot.press("a", *"via groups", "enter")  # alice is in warehouse, refunds are in finance
        await settle(pilot)
        assert table.total == 0
        await pilot.press("v", *"any", "enter")
        await settle(pilot)
        assert app.screen.event_id is None
        assert table.total == 6  # the open order-import tasks of the warehouse group


async def test_sort_and_columns_are_remembered_per_user(seeded, app, db_path):
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(TaskTable)
        await pilot.press("r")
        await settle(pilot)
        assert table.current_row.id == 1
        await pilot.press("s", *"title", "enter")
        await settle(pilot)
        titles = [table.cache.row(i).title for i in range(table.total)]
        assert titles == sorted(titles)
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("space", "enter")  # untick the first column (Created)
        await settle(pilot)
        assert "created" not in table.chosen_columns
    alice = acting_user("alice", "ops", register=True)
    assert get_setting(alice, "tasks.sort") == "title:asc"
    assert "created" not in get_setting(alice, "tasks.columns").split(",")
    async with make_app(db_path, alice).run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = pilot.app.screen.query_one(TaskTable)
        assert table.task_query.sort == "title" and not table.task_query.descending
        assert "created" not in table.chosen_columns


async def test_sorting_by_severity_starts_with_critical_and_its_header_keeps_the_arrow(seeded, app, actor):
    """As `task list --sort severity`: most severe first; the narrow Sv header shows
    its arrow ("S▼"), not an ellipsis."""
    from tasktui.services.tasks.raising import raise_task

    critical = raise_task(actor, "stock_diff", "on fire", severity=4).task_id
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(TaskTable)
        await pilot.press("s", *"severity", "enter")
        await settle(pilot)
        assert table.task_query.sort == "severity" and table.task_query.descending
        assert table.current_row.id == critical
        header = "".join(segment.text for segment in table.render_line(0))
        assert "S▼" in header and "S…" not in header


async def test_bulk_actions_on_a_selection_report_changed_and_skipped(seeded, app):
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(TaskTable)
        await pilot.press("t")
        await settle(pilot)
        # rows (newest first, open and done): 13, 12, 11, ... 2 (done), 1
        await pilot.press("G", "k")
        await settle(pilot)
        assert table.current_row.id == 2
        await pilot.press("space", "space")  # selects 2 and 1
        assert table.selected == {1, 2}
        await pilot.press("o")
        await settle(pilot)
        assert "1 reopened, 1 skipped (1 already open) — z to undo" in notifications(app)
        assert table.selected == set()
        assert Task.get_by_id(2).status == "open"
        await pilot.press("A")
        await settle(pilot)
        assert len(table.selected) == 13
        await pilot.press("d")
        await settle(pilot)
        assert "13 done — z to undo" in notifications(app)
        assert Task.select().where(Task.status == "open").count() == 0


async def test_assign_to_me_to_a_user_and_unassign(seeded, app):
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(TaskTable)
        await pilot.press("space", "space")  # tasks 13 and 12
        await pilot.press("m")
        await settle(pilot)
        assert {t.assignee.login for t in Task.select().where(Task.id.in_([12, 13]))} == {"alice"}
        await pilot.press("g", "space", "space", "space")  # 13, 12, 11
        await pilot.press("u", *"bob", "enter")
        await settle(pilot)
        assert "2 assigned to bob, 1 skipped (1 already assigned to bob) — z to undo" in notifications(app)
        await pilot.press("g", "U")  # no selection: the task under the cursor
        await settle(pilot)
        assert Task.get_by_id(13).assignee is None
        assert table.selected == set()


async def test_end_reads_the_last_page_without_loading_the_list(database, actor, app):
    from tests.tui.conftest import seed_tasks

    seed_tasks(actor)
    rows = [
        dict(
            created_at=Task.get_by_id(1).created_at,
            title=f"bulk {i}",
            event=1,
            last_seen_at=Task.get_by_id(1).created_at,
            updated_at=Task.get_by_id(1).created_at,
        )
        for i in range(2500)
    ]
    with database.atomic():
        for start in range(0, len(rows), 500):
            Task.insert_many(rows[start : start + 500]).execute()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(TaskTable)
        assert table.total == 2512
        assert len(table.cache.pages) == 1
        await pilot.press("end")
        await settle(pilot)
        assert table.cursor == 2511
        assert table.current_row.id == 1  # the oldest
        assert len(table.cache.pages) <= 3  # first page, last page(s): never the 26 pages
        await pilot.press("pageup", "pageup", "pageup", "pageup")
        await settle(pilot)
        assert table.current_row is not None
        assert table.cursor == 2511 - 4 * (table.size.height - 2)


async def test_empty_database_says_how_to_start(database, actor, app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        empty = app.screen.query_one("#empty-state")
        assert empty.display
        text = str(empty.render())
        assert "tasktui raise" in text and "tasktui demo" in text


async def test_no_match_is_not_the_empty_state(seeded, app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"no such words here", "enter")
        await settle(pilot)
        assert app.screen.query_one(TaskTable).total == 0
        assert not app.screen.query_one("#empty-state").display
