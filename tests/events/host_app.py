"""A bare app that shows one of the events screens with the real stylesheet, for
Pilot and snapshot tests independent of the tasks screen."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Label

from tasktui.services.context import Actor
from tasktui.tui.backend import Backend
from tasktui.tui.keys_in_order import KeysInOrderApp

STYLESHEET = Path(__file__).resolve().parents[2] / "tasktui.tcss"


class HostApp(KeysInOrderApp):
    """Pushes `make_screen(actor)` on mount and records what the screen returns."""

    CSS_PATH = str(STYLESHEET)

    def __init__(self, actor: Actor, make_screen: Callable[[Actor], Screen]) -> None:
        super().__init__()
        self.actor = actor
        self.backend = Backend(self)  # the screens call the services through it
        self.make_screen = make_screen
        self.results: list[object] = []

    def compose(self) -> ComposeResult:
        yield Label("host")

    def on_mount(self) -> None:
        self.push_screen(self.make_screen(self.actor), self.results.append)


def editor_for(identifier: str) -> Callable[[Actor], Screen]:
    """A factory of the event editor on `identifier`, read now (in the test, before the
    app runs), as the events screen reads it in a worker before opening the editor."""
    from tasktui.services.events.definitions import event_info, get_event
    from tasktui.tui.screens.event_editor import EventEditorScreen

    info = event_info(get_event(identifier))
    return lambda actor: EventEditorScreen(actor, info)
