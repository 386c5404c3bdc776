"""The page cache of the tasks table: pages of 100 rows, kept in a small cache.

The tasks table never holds the whole list: it asks its screen (by message, see
`task_feed`) for the page of 100 rows that contains a row index; the screen reads it
in a worker (`tasktui.tui.screens.task_pages`). This module holds what both sides
agree on — the query, the page bounds — and the cache, touched only on the UI thread.

No Textual and no database here.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tasktui.services.tasks.filters import TaskFilter
    from tasktui.services.tasks.listing import TaskRow

PAGE_SIZE = 100
#: Pages kept in memory (least recently used are dropped): 5,000 rows at most.
MAX_PAGES = 50


@dataclass(frozen=True)
class Query:
    """What the table shows: the filter, the sort and the language of names."""

    flt: TaskFilter
    sort: str = "created"
    descending: bool = True
    lang: str = "en"


def page_bounds(page: int, total: int) -> tuple[int, int]:
    """The row indexes [start, end) of a page in a list of `total` rows."""
    start = page * PAGE_SIZE
    return start, max(start, min(start + PAGE_SIZE, total))


class PageCache:
    """The fetched pages of one query, least recently used dropped first."""

    def __init__(self, max_pages: int = MAX_PAGES) -> None:
        self.max_pages = max_pages
        self.pages: OrderedDict[int, list[TaskRow]] = OrderedDict()

    def clear(self) -> None:
        """Forget every page (the query or the data changed)."""
        self.pages.clear()

    def put(self, page: int, rows: list[TaskRow]) -> None:
        """Keep a fetched page."""
        self.pages[page] = rows
        self.pages.move_to_end(page)
        while len(self.pages) > self.max_pages:
            self.pages.popitem(last=False)

    def row(self, index: int) -> TaskRow | None:
        """The row at `index`, or None when its page is not fetched."""
        page = self.pages.get(index // PAGE_SIZE)
        if page is None:
            return None
        offset = index % PAGE_SIZE
        return page[offset] if offset < len(page) else None

    def has(self, page: int) -> bool:
        """True when the page is cached."""
        return page in self.pages

    def neighbours(self, page: int) -> tuple[TaskRow | None, TaskRow | None]:
        """The last row of the previous page and the first row of the next page,
        when those pages are cached (the keyset starting points for `fetch_page`)."""
        prev_rows = self.pages.get(page - 1)
        next_rows = self.pages.get(page + 1)
        before = prev_rows[-1] if prev_rows and len(prev_rows) == PAGE_SIZE else None
        after = next_rows[0] if next_rows else None
        return before, after

    def index_of(self, task_id: int) -> int | None:
        """The row index of a task among the cached pages, or None."""
        for page, rows in self.pages.items():
            for offset, row in enumerate(rows):
                if row.id == task_id:
                    return page * PAGE_SIZE + offset
        return None
