"""Drawing the tasks table: the header line, one line per row, the cells.

Mixed into `TaskTable` (which owns the cache, the cursor, the selection and the
columns): `render_line` draws a row from the cache, or a placeholder while its page is
on the way. Every cell passes through `visible_line`: stored text is untrusted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from tasktui.text_safety import visible_line
from tasktui.tui.widgets.task_columns import Column, Layout, fit_columns

if TYPE_CHECKING:
    from tasktui.services.tasks.listing import TaskRow
    from tasktui.tui.widgets.task_window import PageCache, Query

SELECTED_MARK = "●"
GUTTER = 2
#: The gutter mark of a row that just arrived (readable without colour).
NEW_MARK = "+"


def _clean(text: str) -> str:
    """Cell text on one line: tabs and newlines become spaces, other control and
    bidi characters visible symbols (␛, <U+202E>): stored text is untrusted."""
    return visible_line(text)


class TaskCells:
    """The drawing half of `TaskTable`."""

    chosen_columns: list[str]
    task_query: Query | None
    cache: PageCache
    total: int
    cursor: int
    selected: set[int]
    fresh_ids: set[int]
    _header_ranges: list[tuple[int, int, str]]

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
        component = self.get_component_rich_style
        if index >= self.total:
            return Strip.blank(width, base)
        row = self.cache.row(index)
        if row is None:
            style = base + component("task-table--placeholder")
            return Strip([Segment(set_cell_size("  …", width), style)], width)
        style = base
        if row.status == "done":
            style += component("task-table--done")
        if row.id in self.fresh_ids:
            style += component("task-table--new")
        if row.id in self.selected:
            style += component("task-table--selected")
        if index == self.cursor:
            name = "task-table--cursor" if self.has_focus else "task-table--cursor-blurred"
            style += component(name)
        gutter = (SELECTED_MARK if row.id in self.selected else " ") + (NEW_MARK if row.id in self.fresh_ids else " ")
        cells = [self._row_cell(c, row, w) for c, w in zip(columns, widths)]
        keys = [c.key for c in columns]
        if "severity" in keys and row.severity in ("critical", "high") and row.status != "done":
            # The severity cell in colour too (its glyph and letter say it without).
            at = keys.index("severity")
            before = gutter + " ".join(cells[:at]) + (" " if at else "")
            after = (" " if at < len(cells) - 1 else "") + " ".join(cells[at + 1 :])
            accent = style + component(f"task-table--sev-{row.severity}")
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
            label = column.label
            if column.sort_key == sort:  # a narrow column keeps the arrow, not an ellipsis ("S▼", not "S…")
                label = (label if cell_len(label) + 1 <= w else set_cell_size(label, max(0, w - 1))) + arrow
            labels.append(self._cell(label, w, column.align_right))
            self._header_ranges.append((x, x + w, column.sort_key))
            x += w + 1
        return Strip([Segment(set_cell_size(" " * GUTTER + " ".join(labels), width), style)], width)
