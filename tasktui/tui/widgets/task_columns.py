"""The columns of the tasks table: label, width, sort key, how a cell is drawn, and
which ones give way first on a narrow terminal.

Plain data, no Textual: the table widget, the column chooser, the sort picker and the
remembered per-user choice all read this one list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from tasktui.formats import local
from tasktui.models import SEVERITIES
from tasktui.services.severity import glyph

if TYPE_CHECKING:
    from tasktui.services.tasks.listing import TaskRow

#: Status glyphs: an empty circle for open (a cross read as "failed"), a tick for done;
#: an open task someone acknowledged is a filled circle, a snoozed one a "z".
DONE_MARK = "✓"
OPEN_MARK = "○"
ACK_MARK = "●"
SNOOZE_MARK = "z"
#: The per-user setting that remembers the chosen columns (comma-separated keys).
COLUMNS_SETTING = "tasks.columns"
#: The per-user setting that remembers the sort ("key" or "key:asc").
SORT_SETTING = "tasks.sort"
#: The title column never gets narrower than this; other columns give way instead.
MIN_TITLE_WIDTH = 28
#: Extra width beyond the columns' own goes to the title and the event, this share to
#: the event (up to its `max_width`).
EVENT_SHARE = 3


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
    #: The sort key of services.tasks.listing.SORT_KEYS a click on the header sorts by.
    sort: str = ""
    #: Widest the column grows to when the terminal has room (0: never grows).
    max_width: int = 0
    #: Text kept whole at the end of a cut cell (the title's "×3").
    suffix: Callable[[TaskRow], str] | None = None

    @property
    def sort_key(self) -> str:
        """The sort key this column sorts by."""
        return self.sort or self.key

    @property
    def full_name(self) -> str:
        """The name in pickers and the column chooser (the header may be shorter)."""
        return self.name or self.label


def _occurrences(row: TaskRow) -> str:
    return f"×{row.occurrences}" if row.occurrences > 1 else ""


def _title_suffix(row: TaskRow) -> str:
    return f" ×{row.occurrences}" if row.occurrences > 1 else ""


def now() -> dt.datetime:
    """The current time as stored (naive UTC); the tests freeze it."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def relative_age(created: dt.datetime, at: dt.datetime | None = None) -> str:
    """How long ago, in at most four cells: "now", "42m", "3h", "2d", "5mo", "2y"."""
    seconds = ((at or now()) - created).total_seconds()
    minutes, hours, days = seconds / 60, seconds / 3600, seconds / 86400
    if minutes < 1:
        return "now"
    if hours < 1:
        return f"{int(minutes)}m"
    if hours < 48:
        return f"{int(hours)}h"
    if days < 60:
        return f"{int(days)}d"
    if days < 365:
        return f"{int(days // 30)}mo"
    return f"{int(days // 365)}y"


def status_mark(row: TaskRow) -> str:
    """The status cell: done, snoozed, acknowledged or open (readable without colour)."""
    if row.status == "done":
        return DONE_MARK
    if row.snoozed_until is not None:
        return SNOOZE_MARK
    return ACK_MARK if row.acknowledged_by else OPEN_MARK


def severity_cell(row: TaskRow) -> str:
    """`‼C`, `!H`, `·N`, `↓L`: glyph and letter (the table colours them too)."""
    return glyph(SEVERITIES.get(row.severity, 2))


def _assignee_or_group(row: TaskRow) -> str:
    if row.assignee:
        return row.assignee
    return f"@{row.group}" if row.group else ""


COLUMNS: list[Column] = [
    Column("created", "Created", 16, 35, lambda r: local(r.created_at)),
    Column("age", "Age", 4, 80, lambda r: relative_age(r.created_at), align_right=True, sort="created"),
    Column("status", "St", 2, 100, status_mark, name="Status"),
    Column("severity", "Sv", 2, 95, severity_cell, name="Severity"),
    Column("title", "Title", 0, 1000, lambda r: r.title, suffix=_title_suffix),
    Column("description", "Description", 24, 10, lambda r: r.description_first_line),
    Column("plugin", "Plugin", 14, 20, lambda r: r.plugin or "Manually created"),
    Column("event", "Event", 16, 65, lambda r: r.event_name, max_width=40),
    Column("link", "Link", 20, 15, lambda r: r.link),
    Column("done_at", "Done at", 16, 25, lambda r: local(r.done_at)),
    Column("assignee", "Assignee", 9, 70, lambda r: r.assignee or ""),
    Column("group", "Group", 9, 40, lambda r: r.group or ""),
    Column("acknowledged", "On it", 9, 30, lambda r: r.acknowledged_by or "", name="Acknowledged by"),
    Column("occurrences", "×", 4, 45, _occurrences, align_right=True, name="Occurrences"),
    Column("id", "ID", 7, 90, lambda r: str(r.id), align_right=True),
]
COLUMNS_BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}
#: Shown until a user chooses otherwise (the occurrence count is next to the title).
DEFAULT_COLUMNS: tuple[str, ...] = (
    "created", "age", "status", "severity", "title", "event", "assignee", "group", "acknowledged", "id",
)  # fmt: skip
#: When the group column gives way, the assignee column shows the group of an
#: unassigned task ("@warehouse"): a group-owned task must not look unassigned.
ASSIGNEE_OR_GROUP = replace(COLUMNS_BY_KEY["assignee"], label="Assigned to", width=12, cell=_assignee_or_group)


def parse_columns(text: str | None) -> list[str]:
    """The column keys of a remembered setting (unknown keys dropped; the default
    when nothing usable is left). The title column is always shown."""
    keys = [k for k in (text or "").split(",") if k in COLUMNS_BY_KEY]
    if not keys:
        return list(DEFAULT_COLUMNS)
    if "title" not in keys:
        keys.append("title")
    return [c.key for c in COLUMNS if c.key in keys]


@dataclass(frozen=True)
class Layout:
    """The columns a table of some width shows: the columns, their widths, the chosen
    keys that gave way for lack of room, and whether the assignee column also shows
    the group (`ASSIGNEE_OR_GROUP`)."""

    columns: list[Column]
    widths: list[int]
    hidden: list[str]
    merged_group: bool = False


def fit_columns(chosen: Sequence[str], width: int, gutter: int) -> Layout:
    """The columns that fit in `width` cells (the selection gutter and one space
    between columns included). Columns of the lowest priority give way first; the
    title takes what remains, sharing it with the event column (up to its
    `max_width`)."""
    shown = [COLUMNS_BY_KEY[k] for k in chosen]

    def needed(cols: list[Column]) -> int:
        return gutter + sum(c.width or MIN_TITLE_WIDTH for c in cols) + max(0, len(cols) - 1)

    hidden: list[str] = []
    while needed(shown) > width and len(shown) > 1:
        weakest = min((c for c in shown if c.key != "title"), key=lambda c: c.priority, default=None)
        if weakest is None:
            break
        shown.remove(weakest)
        hidden.append(weakest.key)
    merged = "group" in hidden and any(c.key == "assignee" for c in shown)
    if merged:
        shown = [ASSIGNEE_OR_GROUP if c.key == "assignee" else c for c in shown]
        while needed(shown) > width and len(shown) > 2:  # the wider column must fit too
            weakest = min((c for c in shown if c.key != "title"), key=lambda c: c.priority)
            shown.remove(weakest)
            hidden.append(weakest.key)
    widths = [c.width for c in shown]
    spare = max(0, width - needed(shown))
    for i, column in enumerate(shown):
        if column.max_width:
            widths[i] += min(spare // EVENT_SHARE, column.max_width - column.width)
    fixed = gutter + sum(w for c, w in zip(shown, widths) if c.width) + max(0, len(shown) - 1)
    widths = [w if c.width else max(MIN_TITLE_WIDTH, width - fixed) for c, w in zip(shown, widths)]
    return Layout(shown, widths, hidden, merged and "assignee" in [c.key for c in shown])


def parse_sort(text: str | None) -> tuple[str, bool]:
    """(sort key, descending) of a remembered sort setting; newest first by default."""
    key, _, direction = (text or "").partition(":")
    if key not in COLUMNS_BY_KEY:
        return "created", True
    return key, direction != "asc"


def format_sort(key: str, descending: bool) -> str:
    """The setting text of a sort."""
    return key if descending else f"{key}:asc"
