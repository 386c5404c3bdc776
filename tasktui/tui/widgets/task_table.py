"""The tasks table: a virtual table that draws only the rows on screen.

The widget's virtual height is the number of matching tasks (plus the header line);
`render_line` draws each visible row from a small cache of pages (`task_window`) and
asks a worker thread for the pages it does not have yet. Opening the table, jumping
to the last of a million tasks or changing the filter each read a page or two and a
count — never the whole list.

Attributes down, messages up: the screen calls `set_query`, `reload`, `set_columns`
and the selection methods; the table posts `Counted`, `Opened`, `SelectionChanged`
and `SortRequested`.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tasktui.services.tasks.listing import TaskRow
from tasktui.text_safety import visible_line
from tasktui.tui.widgets.task_columns import COLUMNS_BY_KEY, DEFAULT_COLUMNS, Column, Layout, fit_columns
from tasktui.tui.widgets.task_window import (
    PAGE_SIZE,
    PageCache,
    Query,
    count_bounded,
    count_capped,
    fetch_page,
    first_page,
    page_bounds,
)

SELECTED_MARK = "●"
GUTTER = 2
#: Rows fetched around the visible ones, so scrolling rarely shows a placeholder.
PREFETCH_ROWS = 50
#: How long rows that arrived with a live refresh stay highlighted (seconds).
NEW_HIGHLIGHT_S = 3.0
#: The gutter mark of a row that just arrived (readable without colour).
NEW_MARK = "+"


def _clean(text: str) -> str:
    """Cell text on one line: tabs and newlines become spaces, other control and
    bidi characters visible symbols (␛, <U+202E>): stored text is untrusted."""
    return visible_line(text)


class TaskTable(ScrollView, can_focus=True):
    """A scrolling table of tasks fed page by page from the database."""

    BINDINGS = [
        Binding("enter", "open", "Open"),
        Binding("space", "toggle_select", "Select"),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("pagedown,ctrl+f", "page(1)", "Page down", show=False),
        Binding("pageup,ctrl+b", "page(-1)", "Page up", show=False),
        Binding("home,g", "first", "First task", show=False),
        Binding("end,G", "last", "Last task", show=False),
    ]

    COMPONENT_CLASSES = {
        "task-table--header",
        "task-table--cursor",
        "task-table--cursor-blurred",
        "task-table--selected",
        "task-table--done",
        "task-table--placeholder",
        "task-table--new",
        "task-table--sev-critical",
        "task-table--sev-high",
    }

    DEFAULT_CSS = """
    TaskTable {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        background: $surface;
    }
    TaskTable > .task-table--header { text-style: bold; background: $panel; color: $text; }
    TaskTable > .task-table--cursor { background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold; }
    TaskTable > .task-table--cursor-blurred { background: $block-cursor-blurred-background; }
    TaskTable > .task-table--selected { background: $accent 35%; }
    TaskTable > .task-table--done { color: $text-muted; text-style: dim; }
    TaskTable > .task-table--placeholder { color: $text-disabled; }
    TaskTable > .task-table--new { background: $success 30%; text-style: bold; }
    TaskTable > .task-table--sev-critical { color: $error; text-style: bold; }
    TaskTable > .task-table--sev-high { color: $warning; text-style: bold; }
    """

    @dataclass
    class Counted(Message):
        """The number of matching tasks is known (after a query change or refresh).
        When not `exact`, there are more than `total` (a capped count; the exact one
        follows)."""

        table: TaskTable
        total: int
        exact: bool = True

    @dataclass
    class Opened(Message):
        """Enter (or a double click) on a task."""

        task_id: int

    @dataclass
    class SelectionChanged(Message):
        """The set of selected tasks changed."""

        count: int

    @dataclass
    class NewAbove(Message):
        """`count` tasks arrived above the rows on screen (0: none, or the user is back
        at the top); `g` goes there."""

        count: int

    @dataclass
    class SortRequested(Message):
        """A click on a column header."""

        key: str

    def __init__(self, *, id: str | None = None, columns: list[str] | None = None) -> None:
        super().__init__(id=id)
        self.task_query: Query | None = None
        self.total = 0
        #: False while `total` is provisional (the first page's length, or a capped
        #: count) or when the exact count gave up (EXACT_COUNT_S): rows are then read
        #: from the start only.
        self.total_exact = True
        #: False while a reload's count is running: End waits for it.
        self.count_final = False
        self._pending_last = False
        self.loaded = False
        self.cursor = 0
        self.selected: set[int] = set()
        self.chosen_columns: list[str] = list(columns or DEFAULT_COLUMNS)
        self.cache = PageCache()
        self.generation = 0
        self._in_flight: set[tuple[int, int]] = set()
        self._header_ranges: list[tuple[int, int, str]] = []
        #: Tasks that arrived above the screen since the user last saw the top.
        self.new_above = 0
        #: Rows that arrived with the last refreshes, highlighted for a moment.
        self.fresh_ids: set[int] = set()
        self._max_id_seen = 0

    # ------------------------------------------------------------------ queries

    def set_query(self, query: Query) -> None:
        """Show another filter or sort: back to the first row, fetched in a worker."""
        self.task_query = query
        self.generation += 1
        self.cursor = 0
        self._max_id_seen = 0
        self.fresh_ids.clear()
        self._set_new_above(0)
        self._pending_last = False
        self.scroll_to(y=0, animate=False, immediate=True)
        self._reload(self.generation, query, None, self._visible_range(0))

    def reload(self) -> None:
        """Fetch the count and the visible rows again (the data changed), keeping the
        cursor on the same task and the selection as it is."""
        if self.task_query is None:
            return
        self.generation += 1
        current = self.current_row
        anchor_id = current.id if current else None
        self._reload(self.generation, self.task_query, anchor_id, self._visible_range(self.cursor))

    def _visible_range(self, anchor: int) -> tuple[int, int]:
        top = int(self.scroll_offset.y)
        rows = max(1, self.size.height - 1)
        start = max(0, min(top, anchor) - PREFETCH_ROWS)
        return start, max(top + rows, anchor + 1) + PREFETCH_ROWS

    def _reload(self, generation: int, query: Query, anchor_id: int | None, rows: tuple[int, int]) -> None:
        """Read the count and the pages around `rows` in a worker, then show them."""
        fresh = anchor_id is None and rows[0] == 0
        self.count_final = False
        self.app.backend.run(
            self._read_window,
            generation,
            query,
            rows,
            fresh,
            on_done=lambda found: self._apply_reload(generation, found[0], found[1], anchor_id, found[2]),
            owner=self,
            group="task-table-reload",
            exclusive=True,
        )

    def _read_window(
        self, generation: int, query: Query, rows: tuple[int, int], fresh: bool
    ) -> tuple[int, dict[int, list[TaskRow]], bool]:
        """In the worker: the count (and whether it is exact) and the pages of `rows`. A `fresh` query (shown from
        the top) shows its first rows and a capped count on the way."""
        pages: dict[int, list[TaskRow]] = {}
        if fresh:
            # Draw the first page before counting (a count can take a while on a
            # million tasks; the rows cannot wait).
            pages[0] = first_page(query)
            self.app.call_from_thread(self._apply_first_page, generation, pages[0])
        # A count that stops at COUNT_CAP (a few ms): exact when there are few
        # matches; else "10,000+" is shown while the exact count runs, which gives up
        # after EXACT_COUNT_S where the engine can (the capped count then stays).
        capped = count_capped(query)
        exact = True
        if capped.exact:
            total = capped.value
        else:
            if fresh:
                self.app.call_from_thread(self._apply_capped_count, generation, capped.value)
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

    def _apply_first_page(self, generation: int, rows: list[TaskRow]) -> None:
        """Show the first rows of a new query while its count is still running."""
        if generation != self.generation:
            return
        self.cache.clear()
        self.cache.put(0, rows)
        self._max_id_seen = max([self._max_id_seen, *(r.id for r in rows)])
        self.total = len(rows)
        self.total_exact = False
        self.loaded = True
        self._update_virtual_size()
        self.refresh()

    def _apply_capped_count(self, generation: int, cap: int) -> None:
        """More than `cap` tasks match: the table is `cap` rows long (all of them exist)
        until the exact count arrives."""
        if generation != self.generation:
            return
        self.total = max(self.total, cap)
        self.total_exact = False
        self._update_virtual_size()
        self.post_message(self.Counted(self, cap, exact=False))
        self.refresh()

    def _apply_reload(
        self, generation: int, total: int, pages: dict[int, list[TaskRow]], anchor_id: int | None, exact: bool = True
    ) -> None:
        if generation != self.generation:
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
        if anchor_id is not None:
            index = self.cache.index_of(anchor_id)
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

    def _set_new_above(self, count: int) -> None:
        if count != self.new_above:
            self.new_above = count
            self.post_message(self.NewAbove(count))

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
                self._fetch_page(self.generation, self.task_query, page, self.total, before, after, self.total_exact)

    def _fetch_page(
        self, generation: int, query: Query, page: int, total: int, before, after, exact: bool = True
    ) -> None:
        self.app.backend.run(
            lambda: fetch_page(query, page, total, before=before, after=after, exact=exact),
            on_done=lambda rows: self._store_page(generation, page, rows),
            owner=self,
            group="task-table-pages",
        )

    def _store_page(self, generation: int, page: int, rows: list[TaskRow]) -> None:
        self._in_flight.discard((generation, page))
        if generation != self.generation:
            return
        self.cache.put(page, rows)
        self._max_id_seen = max([self._max_id_seen, *(r.id for r in rows)])
        self.refresh()

    # ------------------------------------------------------------------ state

    @property
    def current_row(self) -> TaskRow | None:
        """The task under the cursor (None while its page is being fetched)."""
        return self.cache.row(self.cursor) if self.total else None

    def neighbour(self, task_id: int, delta: int) -> int | None:
        """The task `delta` rows from `task_id` (the detail's `j`/`k`); the cursor
        follows, so Esc comes back to it. None at an end or when it is not fetched."""
        index = self.cache.index_of(task_id)
        if index is None or not 0 <= index + delta < self.total:
            return None
        row = self.cache.row(index + delta)
        if row is None:
            return None
        self.go_to(index + delta)
        return row.id

    def set_columns(self, keys: list[str]) -> None:
        """Show these columns (in the table's fixed order)."""
        self.chosen_columns = [k for k in keys if k in COLUMNS_BY_KEY]
        self.refresh()

    def target_ids(self) -> list[int]:
        """The selected tasks, or the task under the cursor when none is selected."""
        if self.selected:
            return sorted(self.selected, reverse=True)
        row = self.current_row
        return [row.id] if row else []

    def select_ids(self, ids: list[int]) -> None:
        """Select these tasks (e.g. every task matching the filter)."""
        self.selected.update(ids)
        self.post_message(self.SelectionChanged(len(self.selected)))
        self.refresh()

    def clear_selection(self) -> None:
        """Select nothing."""
        self.selected.clear()
        self.post_message(self.SelectionChanged(0))
        self.refresh()

    # ------------------------------------------------------------------ actions

    def action_move(self, delta: int) -> None:
        """Move the cursor by `delta` rows."""
        self.go_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        """Move the cursor by one screen."""
        self.go_to(self.cursor + direction * max(1, self.size.height - 2))

    def action_first(self) -> None:
        """Go to the first task."""
        self.go_to(0)

    def action_last(self) -> None:
        """Go to the last task (its page is read in reversed order: no big OFFSET).
        While the count is still running, go there once it arrives."""
        if not self.count_final:
            self._pending_last = True
            return
        self.go_to(self.total - 1)

    def action_open(self) -> None:
        """Open the task under the cursor."""
        row = self.current_row
        if row is not None:
            self.post_message(self.Opened(row.id))

    def action_toggle_select(self) -> None:
        """Select or unselect the task under the cursor, then move down."""
        row = self.current_row
        if row is None:
            return
        self.selected.symmetric_difference_update({row.id})
        self.post_message(self.SelectionChanged(len(self.selected)))
        self.go_to(self.cursor + 1)
        self.refresh()

    def go_to(self, index: int) -> None:
        """Put the cursor on row `index` (clamped) and scroll it into view."""
        self._pending_last = False
        if self.total == 0:
            return
        self.cursor = max(0, min(index, self.total - 1))
        self._scroll_to_cursor()
        self._want_visible_pages()
        self.refresh()

    def _scroll_to_cursor(self) -> None:
        rows = max(1, self.size.height - 1)
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            top = self.cursor
        elif self.cursor >= top + rows:
            top = self.cursor - rows + 1
        if top != int(self.scroll_offset.y):
            self.scroll_to(y=top, animate=False, immediate=True)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value < 1:  # the top is on screen: the new tasks are seen
            self._set_new_above(0)
        self._want_visible_pages()

    def on_resize(self, event: events.Resize) -> None:
        self._update_virtual_size()
        self._want_visible_pages()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            for start, end, key in self._header_ranges:
                if start <= event.x < end:
                    self.post_message(self.SortRequested(key))
            return
        index = int(self.scroll_offset.y) + event.y - 1
        if 0 <= index < self.total:
            self.go_to(index)
            if event.chain >= 2:
                self.action_open()

    # ------------------------------------------------------------------ drawing

    def layout_now(self) -> Layout:
        """The columns shown at the table's current width (and those that gave way)."""
        return fit_columns(self.chosen_columns, self.scrollable_content_region.width, GUTTER)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        layout = fit_columns(self.chosen_columns, width, GUTTER)
        columns, widths = layout.columns, layout.widths
        if y == 0:
            return self._header_strip(columns, widths, width)
        index = int(self.scroll_offset.y) + y - 1
        base = self.rich_style
        if index >= self.total:
            return Strip.blank(width, base)
        row = self.cache.row(index)
        if row is None:
            style = base + self.get_component_rich_style("task-table--placeholder")
            return Strip([Segment(set_cell_size("  …", width), style)], width)
        style = base
        if row.status == "done":
            style += self.get_component_rich_style("task-table--done")
        if row.id in self.fresh_ids:
            style += self.get_component_rich_style("task-table--new")
        if row.id in self.selected:
            style += self.get_component_rich_style("task-table--selected")
        if index == self.cursor:
            name = "task-table--cursor" if self.has_focus else "task-table--cursor-blurred"
            style += self.get_component_rich_style(name)
        gutter = (SELECTED_MARK if row.id in self.selected else " ") + (NEW_MARK if row.id in self.fresh_ids else " ")
        cells = [self._row_cell(c, row, w) for c, w in zip(columns, widths)]
        keys = [c.key for c in columns]
        if "severity" in keys and row.severity in ("critical", "high") and row.status != "done":
            # The severity cell in colour too (its glyph and letter say it without).
            at = keys.index("severity")
            before = gutter + " ".join(cells[:at]) + (" " if at else "")
            after = (" " if at < len(cells) - 1 else "") + " ".join(cells[at + 1 :])
            accent = style + self.get_component_rich_style(f"task-table--sev-{row.severity}")
            segments = [Segment(before, style), Segment(cells[at], accent), Segment(after, style)]
            return Strip(segments, width).crop_extend(0, width, style)
        return Strip([Segment(set_cell_size(gutter + " ".join(cells), width), style)], width)

    @classmethod
    def _row_cell(cls, column: Column, row: TaskRow, width: int) -> str:
        """A cell of a row; a suffix (the title's "×3") stays whole when the text is cut."""
        suffix = _clean(column.suffix(row)) if column.suffix else ""
        if suffix and cell_len(suffix) < width:
            return set_cell_size(cls._cell(column.cell(row), width - cell_len(suffix), False).rstrip() + suffix, width)
        return cls._cell(column.cell(row), width, column.align_right)

    @staticmethod
    def _cell(text: str, width: int, right: bool) -> str:
        text = _clean(text)
        if cell_len(text) > width:
            return set_cell_size(text, width - 1) + "…" if width > 1 else set_cell_size(text, width)
        return text.rjust(width) if right else set_cell_size(text, width)

    def _header_strip(self, columns: list[Column], widths: list[int], width: int) -> Strip:
        style: Style = self.rich_style + self.get_component_rich_style("task-table--header")
        sort = self.task_query.sort if self.task_query else "created"
        arrow = "▼" if (self.task_query is None or self.task_query.descending) else "▲"
        labels = []
        self._header_ranges = []
        x = GUTTER
        for column, w in zip(columns, widths):
            label = column.label + (arrow if column.sort_key == sort else "")
            labels.append(self._cell(label, w, column.align_right))
            self._header_ranges.append((x, x + w, column.sort_key))
            x += w + 1
        return Strip([Segment(set_cell_size(" " * GUTTER + " ".join(labels), width), style)], width)
