"""The screen's side of the tasks table's page protocol: it reads what the table asks
for, off the UI thread, and hands the answers down.

The table (`tasktui.tui.widgets.task_table`) never reads the database: it posts
`WindowWanted` (the count and the rows around the cursor) and `PageWanted` (one page).
`TaskPagesMixin`, mixed into a screen that shows a `TaskTable`, runs the reads through
`app.backend.run` (so a worker's error becomes a notification) and calls the table's
`…_arrived` methods with the request's id; the table drops answers to older requests.

`fetch_page` gets a page the cheapest way available:

- continuing from a cached neighbour page with a keyset cursor (scrolling),
- or from the nearer end of the list with a small OFFSET; pages near the end are read
  in the reversed sort order, so jumping to the last of a million tasks reads one
  short page instead of skipping 999,900 rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tasktui.services.tasks.counts import TaskCount, count_up_to, count_within
from tasktui.services.tasks.listing import TaskRow, list_tasks
from tasktui.tui.widgets.task_feed import PageWanted, WindowWanted
from tasktui.tui.widgets.task_window import PAGE_SIZE, Query, page_bounds

if TYPE_CHECKING:
    from textual.app import App

#: A new query is first counted up to this many matches (a few ms even for a common
#: word at a million tasks); above it the filter bar shows "10,000+" until the exact
#: count arrives.
COUNT_CAP = 10_000
#: Seconds the exact count of a big match may take before the screen settles for the
#: capped one ("10,000+"): where the engine can cancel a statement (PostgreSQL), a
#: count of half a million matches gives up instead of holding a connection.
EXACT_COUNT_S = 3.0


def fetch_page(
    query: Query,
    page: int,
    total: int,
    before: TaskRow | None = None,
    after: TaskRow | None = None,
    exact: bool = True,
) -> list[TaskRow]:
    """The rows of `page`. `before` is the last row of the previous page and `after`
    the first row of the next one, when cached: then a keyset read continues from it.
    When `total` is not `exact` (a capped count: there are more rows), the page is read
    from the start of the list, never from its unknown end."""
    start, end = page_bounds(page, total)
    size = end - start
    if size <= 0:
        return []
    flt, sort, desc, lang = query.flt, query.sort, query.descending, query.lang
    if before is not None:
        return list_tasks(flt, sort, desc, after=before.cursor, limit=size, lang=lang)
    if after is not None:
        rows = list_tasks(flt, sort, not desc, after=after.cursor, limit=size, lang=lang)
        return rows[::-1]
    from_end = total - end
    if exact and from_end < start:
        rows = list_tasks(flt, sort, not desc, limit=size, offset=from_end, lang=lang)
        return rows[::-1]
    return list_tasks(flt, sort, desc, limit=size, offset=start, lang=lang)


def first_page(query: Query) -> list[TaskRow]:
    """The first page of a query, read before its count is known."""
    return list_tasks(query.flt, query.sort, query.descending, limit=PAGE_SIZE, lang=query.lang)


def count_bounded(query: Query, capped: TaskCount) -> TaskCount:
    """The exact count within EXACT_COUNT_S, else `capped`."""
    return count_within(query.flt, EXACT_COUNT_S, capped)


def count_capped(query: Query) -> TaskCount:
    """How many tasks the query matches, counted up to `COUNT_CAP` only."""
    return count_up_to(query.flt, COUNT_CAP)


def read_window(
    query: Query,
    rows: tuple[int, int],
    fresh: bool,
    show_first_page: Callable[[list[TaskRow]], object],
    show_capped: Callable[[int], object],
) -> tuple[int, dict[int, list[TaskRow]], bool]:
    """In a worker: the count (and whether it is exact) and the pages of the row
    indexes `rows`. A `fresh` query (shown from the top) shows its first rows and a
    capped count on the way, through the two callbacks."""
    pages: dict[int, list[TaskRow]] = {}
    if fresh:
        # Draw the first page before counting (a count can take a while on a
        # million tasks; the rows cannot wait).
        pages[0] = first_page(query)
        show_first_page(pages[0])
    # A count that stops at COUNT_CAP (a few ms): exact when there are few
    # matches; else "10,000+" is shown while the exact count runs, which gives up
    # after EXACT_COUNT_S where the engine can (the capped count then stays).
    capped = count_capped(query)
    exact = True
    if capped.exact:
        total = capped.value
    else:
        if fresh:
            show_capped(capped.value)
        counted = count_bounded(query, capped)
        total, exact = counted.value, counted.exact
    start, end = rows
    for page in range(start // PAGE_SIZE, min(end, total) // PAGE_SIZE + 1):
        if page_bounds(page, total)[1] <= page * PAGE_SIZE:
            break
        if page in pages and len(pages[page]) == page_bounds(page, total)[1] - page * PAGE_SIZE:
            continue
        before = pages[page - 1][-1] if page - 1 in pages else None
        pages[page] = fetch_page(query, page, total, before=before)
    return total, pages, exact


class TaskPagesMixin:
    """Answers the `WindowWanted` and `PageWanted` messages of the screen's task
    tables (mix it into the screen before `Screen`)."""

    app: App

    def on_task_table_window_wanted(self, message: WindowWanted) -> None:
        """Read the count and the pages around the cursor; a newer request of the same
        table cancels this one (its answer would be dropped anyway)."""
        message.stop()
        table, request_id, app = message.table, message.request_id, self.app

        def show_first_page(rows: list[TaskRow]) -> None:
            app.call_from_thread(table.first_page_arrived, request_id, rows)

        def show_capped(cap: int) -> None:
            app.call_from_thread(table.capped_count_arrived, request_id, cap)

        app.backend.run(  # type: ignore[attr-defined]
            read_window,
            message.query,
            message.rows,
            message.fresh,
            show_first_page,
            show_capped,
            on_done=lambda found: table.window_arrived(request_id, *found),
            owner=table,
            group="task-table-reload",
            exclusive=True,
        )

    def on_task_table_page_wanted(self, message: PageWanted) -> None:
        """Read one page (the table scrolled to rows it does not have)."""
        message.stop()
        m = message
        self.app.backend.run(  # type: ignore[attr-defined]
            lambda: fetch_page(m.query, m.page, m.total, before=m.before, after=m.after, exact=m.exact),
            on_done=lambda rows: m.table.rows_arrived(m.request_id, m.page, rows),
            owner=m.table,
            group="task-table-pages",
        )
