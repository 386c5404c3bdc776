"""A small modal asking for a task id (e.g. the task another one depends on)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class TaskIdPromptScreen(ModalScreen[int | None]):
    """Type a task id and press Enter; Escape cancels. Result: the id or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    DEFAULT_CSS = """
    TaskIdPromptScreen { align: center middle; }
    TaskIdPromptScreen > Vertical { width: 50; height: auto; border: round $accent; background: $surface; padding: 0 1; }
    TaskIdPromptScreen #prompt-error { color: $error; }
    """

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            yield Input(placeholder="Task id, e.g. 42", id="prompt-input", type="integer")
            yield Label("", id="prompt-error")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip().lstrip("#")
        if not text.isdigit():
            self.query_one("#prompt-error", Label).update("Type a task id (a number)")
            return
        self.dismiss(int(text))

    def action_cancel(self) -> None:
        """Close without an answer."""
        self.dismiss(None)
