"""The columns of the tasks table: label, width, sort key, how a cell is drawn, and
which ones give way first on a narrow terminal.

Plain data, no Textual: the table widget, the column chooser, the sort picker and the
remembered per-user choice all read this one list.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tasktui.formats import local
from tasktui.services.tasks.listing import TaskRow

DONE_MARK = "✓"
OPEN_MARK = "✗"
#: The per-user setting that remembers the chosen columns (comma-separated keys).
COLUMNS_SETTING = "tasks.columns"
#: The per-user setting that remembers the sort ("key" or "key:asc").
SORT_SETTING = "tasks.sort"
#: The title column never gets narrower than this; other columns give way instead.
MIN_TITLE_WIDTH = 28


@dataclass(frozen=True)
class Column:
    """One column: `key` (also the sort key of services.tasks.listing.SORT_KEYS), header
    label, width (0: takes the remaining width), `priority` (lower gives way first
    when the terminal is too narrow) and how to draw a cell of a row."""

    key: str
    label: str
    width: int
    priority: int
    cell: Callable[[TaskRow], str]
    align_right: bool = False
    name: str = ""

    @property
    def full_name(self) -> str:
        """The name in pickers and the column chooser (the header may be shorter)."""
        return self.name or self.label


def _occurrences(row: TaskRow) -> str:
    return f"×{row.occurrences}" if row.occurrences > 1 else ""


COLUMNS: list[Column] = [
    Column("created", "Created", 16, 60, lambda r: local(r.created_at)),
    Column("status", "St", 2, 100, lambda r: DONE_MARK if r.status == "done" else OPEN_MARK, name="Status"),
    Column("title", "Title", 0, 1000, lambda r: r.title),
    Column("description", "Description", 24, 10, lambda r: r.description_first_line),
    Column("plugin", "Plugin", 14, 20, lambda r: r.plugin or "Manually created"),
    Column("event", "Event", 16, 65, lambda r: r.event_name),
    Column("link", "Link", 20, 15, lambda r: r.link),
    Column("done_at", "Done at", 16, 25, lambda r: local(r.done_at)),
    Column("assignee", "Assignee", 9, 70, lambda r: r.assignee or ""),
    Column("group", "Group", 9, 40, lambda r: r.group or ""),
    Column("occurrences", "×", 4, 45, _occurrences, align_right=True, name="Occurrences"),
    Column("id", "ID", 7, 90, lambda r: str(r.id), align_right=True),
]
COLUMNS_BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}
#: Shown until a user chooses otherwise.
DEFAULT_COLUMNS: tuple[str, ...] = ("created", "status", "title", "event", "assignee", "group", "occurrences", "id")


def parse_columns(text: str | None) -> list[str]:
    """The column keys of a remembered setting (unknown keys dropped; the default
    when nothing usable is left). The title column is always shown."""
    keys = [k for k in (text or "").split(",") if k in COLUMNS_BY_KEY]
    if not keys:
        return list(DEFAULT_COLUMNS)
    if "title" not in keys:
        keys.append("title")
    return [c.key for c in COLUMNS if c.key in keys]


def fit_columns(chosen: Sequence[str], width: int, gutter: int) -> tuple[list[Column], list[int], int]:
    """The columns that fit in `width` cells (the selection gutter and one space
    between columns included), their widths, and how many chosen columns had to
    give way. Columns of the lowest priority give way first; the title takes what
    remains."""
    shown = [COLUMNS_BY_KEY[k] for k in chosen]

    def needed(cols: list[Column]) -> int:
        return gutter + sum(c.width or MIN_TITLE_WIDTH for c in cols) + max(0, len(cols) - 1)

    hidden = 0
    while needed(shown) > width and len(shown) > 1:
        weakest = min((c for c in shown if c.key != "title"), key=lambda c: c.priority, default=None)
        if weakest is None:
            break
        shown.remove(weakest)
        hidden += 1
    fixed = gutter + sum(c.width for c in shown) + max(0, len(shown) - 1)
    widths = [c.width or max(MIN_TITLE_WIDTH, width - fixed) for c in shown]
    return shown, widths, hidden


def parse_sort(text: str | None) -> tuple[str, bool]:
    """(sort key, descending) of a remembered sort setting; newest first by default."""
    key, _, direction = (text or "").partition(":")
    if key not in COLUMNS_BY_KEY:
        return "created", True
    return key, direction != "asc"


def format_sort(key: str, descending: bool) -> str:
    """The setting text of a sort."""
    return key if descending else f"{key}:asc"
