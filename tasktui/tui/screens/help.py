"""The help screen: every key of the screen it was opened from, generated from that
screen's bindings (the same data the footer and the command palette show)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static


@dataclass(frozen=True)
class KeyHelp:
    """One action: its keys as displayed, and what it does."""

    keys: str
    description: str


def screen_keys(screen: Screen) -> list[KeyHelp]:
    """Every binding with a description that is active on `screen` (focused widget,
    screen and app), one line per action, keys of the same action joined."""
    by_action: dict[tuple[int, str], tuple[list[str], str]] = {}
    for node, binding, _enabled, _tooltip in screen.active_bindings.values():
        if not binding.description:
            continue
        key = (id(node), binding.action)
        keys, _ = by_action.setdefault(key, ([], binding.description))
        shown = screen.app.get_key_display(binding)
        if shown not in keys:
            keys.append(shown)
    return [KeyHelp(" ".join(keys), description) for keys, description in by_action.values()]


class HelpScreen(ModalScreen[None]):
    """A list of keys; Escape, `?` or `q` closes it."""

    BINDINGS = [
        Binding("escape,question_mark,q", "close", "Close"),
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
        width = max((len(k.keys) for k in self.keys), default=4) + 2
        lines = [f"[b]{escape(k.keys).ljust(width)}[/b]{escape(k.description)}" for k in self.keys]
        with Vertical(id="help-box"):
            yield Label(self.help_title, id="help-title")
            with VerticalScroll(id="help-keys"):
                yield Static("\n".join(lines), id="help-lines")
                if self.notes:
                    yield Static(self.notes, id="help-notes")
            yield Label("Escape closes · Ctrl+P opens the command palette", id="help-hint")

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
