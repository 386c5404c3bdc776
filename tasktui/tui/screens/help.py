"""The help screen: every key of the screen it was opened from, generated from that
screen's bindings (the same data the footer and the command palette show)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from itertools import zip_longest

from rich.markup import escape
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen, ScreenResultType
from textual.widgets import Input, Label, Static


@dataclass(frozen=True)
class KeyHelp:
    """One action: its keys as displayed, and what it does."""

    keys: str
    description: str
    node: object = None
    action: str = ""


#: Scrolling actions Textual's scrollable widgets bring along: not worth listing.
_SCROLLING = {
    "scroll_left",
    "scroll_right",
    "page_left",
    "page_right",
    "scroll_up",
    "scroll_down",
    "scroll_home",
    "scroll_end",
    "page_up",
    "page_down",
}
#: Textual's own actions, listed after the app's.
_GENERIC = {"focus_next", "focus_previous", "copy_text", "screenshot", "command_palette"}


def is_text_field(cls: type) -> bool:
    """Whether widgets of class `cls` are text fields (an Input or a TextArea), whose
    own keys (cursor movement, selection, deletion) the help leaves out. A TextArea
    exists only once its module is imported, so the tasks screen need not import it
    (with its document and syntax modules: some 15 ms of the TUI's start) to answer."""
    if issubclass(cls, Input):
        return True
    text_area = sys.modules.get("textual.widgets._text_area")
    return text_area is not None and issubclass(cls, text_area.TextArea)


#: What the help says instead of listing a text field's editing keys.
TEXT_FIELD_NOTE = "In a text field letters and space type, the usual editing keys work, and Esc leaves it."
#: Keys per column of the help (two columns when there are more).
COLUMN_LENGTH = 14


def screen_keys(screen: Screen) -> list[KeyHelp]:
    """Every binding with a description that is active on `screen`: the screen's own
    actions first, then the focused widget's, then the app's; one line per action,
    keys of the same action joined.

    The screen's own keys are all listed, also those the focused widget takes for
    itself meanwhile (a table's Enter, letters typed into a text field); the editing
    keys of a text field are not (they are the usual ones: `TEXT_FIELD_NOTE`)."""
    by_action: dict[tuple[int, str], tuple[list[str], str, object, str]] = {}
    active = [(node, binding) for node, binding, _enabled, _tooltip in screen.active_bindings.values()]
    listed = {(id(node), binding.action) for node, binding in active}
    for _key, binding in screen._bindings:
        if (id(screen), binding.action) not in listed:
            active.append((screen, binding))
    rank = {id(screen): 0, id(screen.app): 2}
    active.sort(key=lambda e: 3 if e[1].action.split(".")[-1] in _GENERIC else rank.get(id(e[0]), 1))
    for node, binding in active:
        if not binding.description or binding.action in _SCROLLING or is_text_field(type(node)):
            continue
        key = (id(node), binding.action)
        keys = by_action.setdefault(key, ([], binding.description, node, binding.action))[0]
        shown = screen.app.get_key_display(binding)
        if shown not in keys:
            keys.append(shown)
    return [
        KeyHelp(" ".join(keys), description, node, action) for keys, description, node, action in by_action.values()
    ]


class ScreenWithHelp(Screen[ScreenResultType]):
    """A full screen of the app whose `?` (or F1, which inputs do not take) opens the
    help: every key of the screen.

    Textual merges a base class's bindings before the subclass's, so `? Help` is the
    first of the screen's own keys, and the first key of the footer (the key bar)."""

    BINDINGS = [Binding("question_mark", "help", "Help"), Binding("f1", "help", "Help", show=False)]

    def action_help(self) -> None:
        """List every key of this screen (opened from a text field: with a word on its keys)."""
        in_text_field = is_text_field(type(self.focused))
        self.app.push_screen(HelpScreen.for_screen(self, TEXT_FIELD_NOTE if in_text_field else ""))


class HelpScreen(ModalScreen[None]):
    """A list of keys; Escape, `?`, `q` or F1 closes it."""

    BINDINGS = [
        Binding("escape,question_mark,q,f1", "close", "Close"),
    ]

    def __init__(self, title: str, keys: list[KeyHelp], notes: str = "") -> None:
        super().__init__()
        self.help_title = title
        self.keys = keys
        self.notes = notes

    @classmethod
    def for_screen(cls, screen: Screen, notes: str = "") -> HelpScreen:
        """The help of `screen` as it is now (its focused widget included)."""
        return cls(f"Keys — {screen.__class__.__name__.removesuffix('Screen')}", screen_keys(screen), notes)

    def compose(self) -> ComposeResult:
        width = min(12, max((len(k.keys) for k in self.keys), default=4) + 1)
        cells = [f"[b]{escape(k.keys[: width - 1]).ljust(width)}[/b]{escape(k.description)}" for k in self.keys]
        if len(cells) > COLUMN_LENGTH:
            half = (len(cells) + 1) // 2
            grid = Table.grid(padding=(0, 2), expand=True)
            grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
            grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
            for left, right in zip_longest(cells[:half], cells[half:], fillvalue=""):
                grid.add_row(Text.from_markup(left), Text.from_markup(right))
            content: Table | str = grid
        else:
            content = "\n".join(cells)
        with Vertical(id="help-box"):
            yield Label(self.help_title, id="help-title")
            with VerticalScroll(id="help-keys"):
                yield Static(content, id="help-lines")
                if self.notes:
                    yield Static(self.notes, id="help-notes")
            yield Label("Escape closes · Ctrl+P opens the command palette", id="help-hint")

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
