"""The saved views as one line of tabs above the tasks table (issue 17.4).

Each tab reads "N name count" (N the key that chooses it, 1 to 9): `1 Mine 12`,
`3 Critical 10,000+`, or `4 Broken !` for a view whose filter fails (it names a
removed event, user or group). The active tab is drawn in brackets and reversed,
so it reads without colour: `[1 Mine 12]`; a `*` after its name says the filters
were changed by hand since it was chosen. When the tabs do not fit, the line shows
as many whole tabs as fit around the active one and `‹` / `+N ›` for the others.

The widget only draws: the tasks screen gives it the tabs (no service call here).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.message import Message
from textual.widget import Widget

from tasktui.text_safety import visible_line

#: At most this many cells of a view's name on its tab.
MAX_NAME = 24
#: A tab of a view whose filter fails shows this after its name.
ERROR_MARK = "!"
#: The tabs the keys 1 to 9 reach.
KEYED = 9


@dataclass(frozen=True)
class Tab:
    """One tab: the view's name and its count as the service gave it ("12",
    "10,000+", "! unknown event 'x'"; "" while counting)."""

    name: str
    count: str = ""

    @property
    def failed(self) -> bool:
        """The view's filter fails (its count is an error text)."""
        return self.count.startswith(ERROR_MARK)


def _shorten(text: str, width: int) -> str:
    return text if cell_len(text) <= width else text[: width - 1] + "…"


def tab_label(position: int, tab: Tab, *, active: bool = False, modified: bool = False) -> str:
    """The text of one tab, with the key that chooses it ("1 Mine* 12")."""
    key = f"{position} " if position <= KEYED else ""
    name = _shorten(visible_line(tab.name), MAX_NAME) + ("*" if active and modified else "")
    count = ERROR_MARK if tab.failed else (tab.count or "…")
    label = f"{key}{name} {count}"
    return f"[{label}]" if active else f" {label} "


def fit(widths: list[int], active: int | None, room: int) -> tuple[int, int]:
    """The tabs [start, end) to show in `room` cells: from the first, or ending at the
    active one when it would not fit otherwise (2 cells for `‹ ` before, 6 for
    ` +N ›` after, when tabs are left out on that side)."""

    def span(start: int) -> int:
        used, end = 2 if start else 0, start
        while end < len(widths):
            tail = 6 if end + 1 < len(widths) else 0
            if used + widths[end] + tail > room and end > start:
                break
            used += widths[end] + 1
            end += 1
        return end

    start = 0
    end = span(start)
    while active is not None and active >= end and start < active:
        start += 1
        end = span(start)
    return start, end


class ViewTabs(Widget):
    """One line: a tab per saved view, the active one marked (see the module docstring)."""

    DEFAULT_CSS = """
    ViewTabs { height: 1; width: 1fr; padding: 0 1; color: $text-muted; }
    """

    class Clicked(Message):
        """A tab was clicked: `position` is its number (1 for the first)."""

        def __init__(self, position: int) -> None:
            super().__init__()
            self.position = position

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tabs: list[Tab] = []
        self.active: int | None = None
        self.modified = False
        #: (first cell, end cell, tab index) of each tab drawn, for clicks.
        self._ranges: list[tuple[int, int, int]] = []

    def show(self, tabs: list[Tab], active: int | None, modified: bool) -> None:
        """Draw `tabs`, `active` (an index, or None) marked, with `*` when `modified`."""
        self.tabs, self.active, self.modified = tabs, active, modified
        self.refresh()

    def labels(self) -> list[str]:
        """Every tab's text, the hidden ones too (for tests and the help)."""
        return [
            tab_label(i + 1, tab, active=i == self.active, modified=self.modified) for i, tab in enumerate(self.tabs)
        ]

    def render(self) -> Text:
        if not self.tabs:
            return Text("no saved views · V saves the filters as one")
        labels = self.labels()
        start, end = fit([cell_len(label) for label in labels], self.active, self.content_size.width or 78)
        line = Text(no_wrap=True, overflow="ellipsis")
        self._ranges = []
        if start:
            line.append("‹ ")
        for i in range(start, end):
            style = "bold reverse" if i == self.active else ("bold" if not self.tabs[i].failed else "bold red")
            x = line.cell_len
            line.append(labels[i], style=style)
            self._ranges.append((x, line.cell_len, i))
            if i + 1 < end:
                line.append(" ")
        if end < len(labels):
            line.append(f" +{len(labels) - end} ›")
        return line

    def on_click(self, event: events.Click) -> None:
        """A click on a tab chooses its view, as its number key does."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        for first, end, index in self._ranges:
            if first <= offset.x < end:
                self.post_message(self.Clicked(index + 1))
                return
