"""A full-screen pager for a long text (a failed job's output in a task description):
scroll with the arrows, PgUp/PgDn, g/G; `/` searches, `n`/`N` go to the next and
previous match; Esc or q closes."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from tasktui.tui.terminal_safety import visible_text


class TextPagerScreen(Screen[None]):
    """Shows `text` whole, with search (see the module docstring)."""

    BINDINGS = [
        Binding("escape,q", "close", "Close"),
        Binding("slash", "search", "Search"),
        Binding("n", "next_match(1)", "Next match"),
        Binding("N", "next_match(-1)", "Previous match"),
        Binding("g,home", "top", "Top", show=False),
        Binding("G,end", "bottom", "Bottom", show=False),
    ]

    DEFAULT_CSS = """
    TextPagerScreen #pager-title { height: 1; padding: 0 1; text-style: bold; background: $panel; width: 1fr; }
    TextPagerScreen #pager-scroll { height: 1fr; padding: 0 1; scrollbar-size-vertical: 1; }
    TextPagerScreen #pager-search { dock: bottom; height: 1; border: none; padding: 0 1; }
    TextPagerScreen #pager-status { height: 1; padding: 0 1; color: $text-muted; background: $panel; width: 1fr; }
    """

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.lines = visible_text(text).split("\n")
        self.pattern = ""
        self.match_line: int | None = None

    def compose(self) -> ComposeResult:
        yield Label(self.title_text, id="pager-title", markup=False)
        with VerticalScroll(id="pager-scroll"):
            yield Static(self._render_text(), id="pager-text", markup=False)
        yield Label(self._status(), id="pager-status", markup=False)
        yield Input(placeholder="/ search: Enter finds, Esc leaves", id="pager-search")

    def on_mount(self) -> None:
        self.query_one("#pager-scroll").focus()

    def _render_text(self) -> Text:
        text = Text("\n".join(self.lines))
        if self.pattern:
            text.highlight_words([self.pattern], style="reverse", case_sensitive=False)
        return text

    def _status(self) -> str:
        where = f" · match on line {self.match_line + 1}" if self.match_line is not None else ""
        missing = " · not found" if self.pattern and self.match_line is None else ""
        return f"{len(self.lines)} lines{where}{missing} · / search · n/N next/previous · Esc closes"

    def action_close(self) -> None:
        """Back to the task."""
        search = self.query_one("#pager-search", Input)
        if search.has_focus:  # Esc leaves the search box first
            self.query_one("#pager-scroll").focus()
            return
        self.dismiss(None)

    def action_search(self) -> None:
        """Type a text to find."""
        self.query_one("#pager-search", Input).focus()

    @on(Input.Submitted, "#pager-search")
    def _searched(self, event: Input.Submitted) -> None:
        self.pattern = event.value.strip()
        self.match_line = None
        self.query_one("#pager-scroll").focus()
        self.query_one("#pager-text", Static).update(self._render_text())
        self.action_next_match(1, start=-1)

    def action_next_match(self, direction: int, start: int | None = None) -> None:
        """Scroll to the next (1) or previous (-1) line holding the search text."""
        if not self.pattern:
            return
        needle = self.pattern.lower()
        origin = (self.match_line if self.match_line is not None else -1) if start is None else start
        count = len(self.lines)
        for step in range(1, count + 1):
            line = (origin + direction * step) % count
            if needle in self.lines[line].lower():
                self.match_line = line
                self.query_one("#pager-scroll").scroll_to(y=max(0, line - 2), animate=False)
                break
        self.query_one("#pager-status", Label).update(self._status())

    def action_top(self) -> None:
        """Go to the first line."""
        self.query_one("#pager-scroll").scroll_home(animate=False)

    def action_bottom(self) -> None:
        """Go to the last line."""
        self.query_one("#pager-scroll").scroll_end(animate=False)
