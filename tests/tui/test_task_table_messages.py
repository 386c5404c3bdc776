"""The tasks table asks for its rows by message and takes them from whoever answers
(issue 12.6: widgets post messages instead of fetching): here a bare App with no
backend and no database answers by hand, so the table's rows come only through
`WindowWanted` / `PageWanted` and the `…_arrived` methods; an answer to an older
request (a reload or another query since) is dropped."""

from __future__ import annotations

import datetime as dt

import peewee
from textual.app import App, ComposeResult

from tasktui.services.tasks.filters import TaskFilter
from tasktui.services.tasks.listing import TaskRow
from tasktui.tui.screens import task_pages
from tasktui.tui.widgets.task_feed import PageWanted, WindowWanted
from tasktui.tui.widgets.task_table import TaskTable
from tasktui.tui.widgets.task_window import PAGE_SIZE, Query
from tests.tui.conftest import settle
from tests.tui.test_tasks_screen import notifications

AT = dt.datetime(2026, 1, 1, 12, 0)
TOTAL = 300


def row(index: int, label: str = "task") -> TaskRow:
    """The row at `index` of a list of TOTAL tasks, newest (highest id) first."""
    task_id = TOTAL - index
    return TaskRow(
        id=task_id,
        created_at=AT,
        status="open",
        title=f"{label} {task_id}",
        description="",
        plugin=None,
        event="ev",
        event_name="Event",
        link="",
        done_at=None,
        assignee=None,
        group=None,
        occurrences=1,
        last_seen_at=AT,
        dedup_key=None,
    )


def page(number: int, label: str = "task") -> list[TaskRow]:
    return [row(i, label) for i in range(number * PAGE_SIZE, min(TOTAL, (number + 1) * PAGE_SIZE))]


class Bare(App):
    """A table and nothing else: no `backend`, no database; it keeps the requests."""

    def __init__(self) -> None:
        super().__init__()
        self.windows: list[WindowWanted] = []
        self.pages: list[PageWanted] = []

    def compose(self) -> ComposeResult:
        yield TaskTable()

    def on_task_table_window_wanted(self, message: WindowWanted) -> None:
        self.windows.append(message)

    def on_task_table_page_wanted(self, message: PageWanted) -> None:
        self.pages.append(message)


QUERY = Query(TaskFilter())


async def test_rows_come_only_through_the_messages():
    app = Bare()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(TaskTable)
        table.set_query(QUERY)
        await pilot.pause()
        [wanted] = app.windows
        assert wanted.table is table and wanted.query == QUERY and wanted.fresh and wanted.rows[0] == 0
        assert table.current_row is None and not table.loaded
        table.first_page_arrived(wanted.request_id, page(0))
        assert table.loaded and table.total == PAGE_SIZE and not table.total_exact
        table.window_arrived(wanted.request_id, TOTAL, {0: page(0)}, True)
        await pilot.pause()
        assert table.total == TOTAL and table.total_exact and table.current_row == row(0)
        assert "task 300" in table.render_line(1).text
        assert app.pages == []  # the visible rows and the margin are on page 0
        table.go_to(250)  # rows 178..300 on screen or near it: pages 1 and 2 are asked for
        await pilot.pause()
        assert [(p.request_id, p.page, p.total, p.exact) for p in app.pages] == [
            (wanted.request_id, 1, TOTAL, True),
            (wanted.request_id, 2, TOTAL, True),
        ]
        assert app.pages[0].before == row(PAGE_SIZE - 1)  # keyset: the last row of page 0
        assert table.current_row is None
        assert "…" in table.render_line(table.size.height - 1).text  # a placeholder meanwhile
        table.rows_arrived(wanted.request_id, 2, page(2))
        assert table.current_row == row(250)
        table.go_to(120)
        await pilot.pause()
        assert len(app.pages) == 2  # page 1 is on the way, page 2 cached: not asked again
        table.rows_arrived(wanted.request_id, 1, page(1))
        assert table.current_row == row(120)


async def test_a_page_answer_to_an_older_request_is_dropped():
    app = Bare()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(TaskTable)
        table.set_query(QUERY)
        await pilot.pause()
        first = app.windows[-1]
        table.window_arrived(first.request_id, TOTAL, {0: page(0)}, True)
        await pilot.pause()  # laid out: the table can scroll
        table.go_to(250)
        await pilot.pause()
        asked = app.pages[-1]
        assert asked.page == 2
        table.reload()  # the data changed while page 2 was being read
        await pilot.pause()
        again = app.windows[-1]
        assert again.request_id > asked.request_id and not again.fresh
        table.rows_arrived(asked.request_id, 2, page(2, "stale"))  # late: dropped
        assert not table.cache.has(2) and table.current_row is None
        table.window_arrived(again.request_id, TOTAL, {2: page(2, "fresh")}, True)
        await pilot.pause()
        assert table.current_row.title == "fresh 50"
        table.rows_arrived(asked.request_id, 2, page(2, "stale"))  # still dropped
        assert table.current_row.title == "fresh 50"


async def test_answers_for_an_older_query_are_dropped():
    app = Bare()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(TaskTable)
        table.set_query(QUERY)
        await pilot.pause()
        older = app.windows[-1]
        done = Query(TaskFilter(status="done"))
        table.set_query(done)
        await pilot.pause()
        newer = app.windows[-1]
        assert newer.query == done and newer.request_id > older.request_id
        table.first_page_arrived(older.request_id, page(0, "old"))
        table.capped_count_arrived(older.request_id, 250)
        table.window_arrived(older.request_id, TOTAL, {0: page(0, "old")}, True)
        assert not table.loaded and table.total == 0 and table.current_row is None
        table.window_arrived(newer.request_id, 3, {0: page(0, "done")[:3]}, True)
        assert table.total == 3 and table.current_row.title == "done 300"


async def test_a_failed_read_for_the_table_is_a_notification(seeded, app, monkeypatch):
    """The tasks screen reads for its table through the backend: a database error in
    that worker becomes a toast, the app keeps running."""

    def broken(*args):
        raise peewee.OperationalError("disk I/O error")

    monkeypatch.setattr(task_pages, "read_window", broken)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "internal error: OperationalError: disk I/O error" in notifications(app)
        assert app.is_running and not app.screen.query_one(TaskTable).loaded
