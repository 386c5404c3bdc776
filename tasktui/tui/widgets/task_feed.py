"""The tasks table's side of its page protocol: it asks for rows by message and takes
the answers its screen hands down.

Messages up: `WindowWanted` ("the count and the rows around these, for query Q":
a new query or a reload) and `PageWanted` ("page N of query Q"). The screen
(`tasktui.tui.screens.task_pages.TaskPagesMixin`) reads them in a worker and calls,
on the UI thread, `first_page_arrived`, `capped_count_arrived`, `window_arrived` and
`rows_arrived` with the message's `request_id`. An answer to an older request (the
query changed or the data was reloaded since) is dropped.

The table never reads the database itself (an import-linter contract checks it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.geometry import Size
from textual.message import Message

from tasktui.tui.widgets.task_window import PAGE_SIZE, PageCache, Query

if TYPE_CHECKING:
    from tasktui.services.tasks.listing import TaskRow

#: Rows fetched around the visible ones, so scrolling rarely shows a placeholder.
PREFETCH_ROWS = 50
#: How long rows that arrived with a live refresh stay highlighted (seconds).
NEW_HIGHLIGHT_S = 3.0


@dataclass
class WindowWanted(Message, namespace="task_table"):
    """The table needs the count of `query` and the pages of the row indexes `rows`
    [start, end). A `fresh` request (a new query shown from the top) wants its first
    page and a capped count on the way (`first_page_arrived`, `capped_count_arrived`);
    every request ends with `window_arrived`."""

    table: Any  # the TaskTable (its type would be a circular import)
    request_id: int
    query: Query
    rows: tuple[int, int]
    fresh: bool


@dataclass
class PageWanted(Message, namespace="task_table"):
    """The table needs page `page` of `query` (`total` rows, or more when not
    `exact`); `before`/`after` are the cached neighbours' rows for a keyset read.
    Answered with `rows_arrived`."""

    table: Any
    request_id: int
    query: Query
    page: int
    total: int
    before: TaskRow | None
    after: TaskRow | None
    exact: bool


class TaskFeed:
    """Mixed into `TaskTable`: asks for the count and the pages, stores the answers.

    The table owns the state this uses (`task_query`, `generation` — the id of the
    current request —, `cache`, `total`, `cursor`, …)."""

    WindowWanted = WindowWanted
    PageWanted = PageWanted

    task_query: Query | None
    generation: int
    cache: PageCache
    total: int
    total_exact: bool
    count_final: bool
    loaded: bool
    cursor: int
    new_above: int
    fresh_ids: set[int]
    _max_id_seen: int
    _pending_last: bool
    _in_flight: set[tuple[int, int]]
    _anchor_id: int | None

    def _visible_range(self, anchor: int) -> tuple[int, int]:
        top = int(self.scroll_offset.y)
        rows = max(1, self.size.height - 1)
        start = max(0, min(top, anchor) - PREFETCH_ROWS)
        return start, max(top + rows, anchor + 1) + PREFETCH_ROWS

    def _reload(self, query: Query, anchor_id: int | None, rows: tuple[int, int]) -> None:
        """Ask for the count and the pages around `rows` (request `generation`)."""
        self.count_final = False
        self._anchor_id = anchor_id
        fresh = anchor_id is None and rows[0] == 0
        self.post_message(WindowWanted(self, self.generation, query, rows, fresh))

    def first_page_arrived(self, request_id: int, rows: list[TaskRow]) -> None:
        """Show the first rows of a new query while its count is still running."""
        if request_id != self.generation:
            return
        self.cache.clear()
        self.cache.put(0, rows)
        self._max_id_seen = max([self._max_id_seen, *(r.id for r in rows)])
        self.total = len(rows)
        self.total_exact = False
        self.loaded = True
        self._update_virtual_size()
        self.refresh()

    def capped_count_arrived(self, request_id: int, cap: int) -> None:
        """More than `cap` tasks match: the table is `cap` rows long (all of them exist)
        until the exact count arrives."""
        if request_id != self.generation:
            return
        self.total = max(self.total, cap)
        self.total_exact = False
        self._update_virtual_size()
        self.post_message(self.Counted(self, cap, exact=False))
        self.refresh()

    def window_arrived(self, request_id: int, total: int, pages: dict[int, list[TaskRow]], exact: bool = True) -> None:
        """The count (exact or not) and the pages around the cursor: show them, the
        cursor kept on the task it was on (a reload) and the rows above counted."""
        if request_id != self.generation:
            return
        self.cache.clear()
        self._in_flight.clear()
        for page, rows in pages.items():
            self.cache.put(page, rows)
        self.total = total
        self.total_exact = exact
        self.count_final = True
        self.loaded = True
        self._note_arrivals(pages)
        if self._anchor_id is not None:
            index = self.cache.index_of(self._anchor_id)
            if index is not None and index != self.cursor:
                shift = index - self.cursor
                self.cursor = index
                if self.scroll_offset.y > 0:  # rows above the screen: stay, and say so
                    self.scroll_to(y=self.scroll_offset.y + shift, animate=False, immediate=True)
                    if shift > 0:
                        self._set_new_above(self.new_above + shift)
        self.cursor = max(0, min(self.cursor, total - 1))
        if self._pending_last:  # End was pressed before the count was known
            self._pending_last = False
            self.cursor = max(0, total - 1)
        self._update_virtual_size()
        self._scroll_to_cursor()
        self.post_message(self.Counted(self, total, exact=exact))
        self._want_visible_pages()
        self.refresh()

    def _note_arrivals(self, pages: dict[int, list[TaskRow]]) -> None:
        """Highlight for a moment the rows newer than any this query showed before."""
        ids = [r.id for rows in pages.values() for r in rows]
        if not ids:
            return
        if self._max_id_seen:
            arrived = {i for i in ids if i > self._max_id_seen}
            if arrived:
                self.fresh_ids |= arrived
                self.set_timer(NEW_HIGHLIGHT_S, lambda: self._fade(arrived))
        self._max_id_seen = max(self._max_id_seen, *ids)

    def _fade(self, ids: set[int]) -> None:
        self.fresh_ids -= ids
        self.refresh()

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, self.total + 1)

    def _want_visible_pages(self) -> None:
        """Ask for the pages of the rows on screen (and a margin) that are missing."""
        if self.task_query is None or not self.loaded or self.total == 0:
            return
        start, end = self._visible_range(self.cursor)
        for page in range(start // PAGE_SIZE, min(end, self.total - 1) // PAGE_SIZE + 1):
            key = (self.generation, page)
            if not self.cache.has(page) and key not in self._in_flight:
                self._in_flight.add(key)
                before, after = self.cache.neighbours(page)
                self.post_message(
                    PageWanted(
                        self, self.generation, self.task_query, page, self.total, before, after, self.total_exact
                    )
                )

    def rows_arrived(self, request_id: int, page: int, rows: list[TaskRow]) -> None:
        """The rows of a page asked for with `PageWanted`."""
        self._in_flight.discard((request_id, page))
        if request_id != self.generation:
            return
        self.cache.put(page, rows)
        self._max_id_seen = max([self._max_id_seen, *(r.id for r in rows)])
        self.refresh()
