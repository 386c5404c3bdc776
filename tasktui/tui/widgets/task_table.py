"""The tasks table: a virtual table that draws only the rows on screen.

The widget's virtual height is the number of matching tasks (plus the header line);
`render_line` (`task_cells`) draws each visible row from a small cache of pages
(`task_window`) and asks its screen, by message, for the pages it does not have yet
(`task_feed`: the screen reads them in a worker and hands them down). Opening the
table, jumping to the last of a million tasks or changing the filter each read a page
or two and a count — never the whole list.

Attributes down, messages up: the screen calls `set_query`, `reload`, `set_columns`,
the selection methods and the `…_arrived` methods; the table posts `WindowWanted`,
`PageWanted`, `Counted`, `Opened`, `SelectionChanged`, `NewAbove` and `SortRequested`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.scroll_view import ScrollView

from tasktui.tui.widgets.task_cells import TaskCells
from tasktui.tui.widgets.task_columns import COLUMNS_BY_KEY, DEFAULT_COLUMNS
from tasktui.tui.widgets.task_feed import TaskFeed
from tasktui.tui.widgets.task_window import PageCache, Query

if TYPE_CHECKING:
    from tasktui.services.tasks.listing import TaskRow


class TaskTable(TaskFeed, TaskCells, ScrollView, can_focus=True):
    """A scrolling table of tasks fed page by page by its screen."""

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
        #: The id of the current request for rows: answers to older ones are dropped.
        self.generation = 0
        self._in_flight: set[tuple[int, int]] = set()
        self._anchor_id: int | None = None
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
        self._reload(query, None, self._visible_range(0))

    def reload(self, anchor_id: int | None = None) -> None:
        """Fetch the count and the visible rows again (the data changed), keeping the
        cursor on the same task (or on `anchor_id` when it is in the view) and the
        selection as it is."""
        if self.task_query is None:
            return
        self.generation += 1
        if anchor_id is None:
            current = self.current_row
            anchor_id = current.id if current else None
        self._reload(self.task_query, anchor_id, self._visible_range(self.cursor))

    def _set_new_above(self, count: int) -> None:
        if count != self.new_above:
            self.new_above = count
            self.post_message(self.NewAbove(count))

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
