"""Pages of the task list, fetched from SQLite on demand and kept in a small cache.

The tasks table never holds the whole list: it asks for the page of 100 rows that
contains a row index, and `fetch_page` gets it the cheapest way available:

- continuing from a cached neighbour page with a keyset cursor (scrolling),
- or from the nearer end of the list with a small OFFSET; pages near the end are read
  in the reversed sort order, so jumping to the last of a million tasks reads one
  short page instead of skipping 999,900 rows.

No Textual here: `fetch_page` runs in a worker thread; the cache is touched only on
the UI thread.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from tasktui.services.tasks.counts import TaskCount, count_up_to, count_within
from tasktui.services.tasks.filters import TaskFilter
from tasktui.services.tasks.listing import TaskRow, list_tasks

PAGE_SIZE = 100
#: A new query is first counted up to this many matches (a few ms even for a common
#: word at a million tasks); above it the filter bar shows "10,000+" until the exact
#: count arrives.
COUNT_CAP = 10_000
#: Seconds the exact count of a big match may take before the screen settles for the
#: capped one ("10,000+"): where the engine can cancel a statement (PostgreSQL), a
#: count of half a million matches gives up instead of holding a connection.
EXACT_COUNT_S = 3.0
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
