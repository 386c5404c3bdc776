"""A small modal asking for a task id (e.g. the task another one depends on).

The change the id is for runs while the dialog is open: a refusal ("unknown task
9999", a cycle) is shown inline and the dialog stays open, so the keys typed next go
into the field, not to the screen behind it as commands."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class TaskIdPromptScreen(ModalScreen[str | None]):
    """Type a task id and press Enter: `apply(id)` runs off the UI thread and returns
    the message to show; an error stays in the dialog. Escape cancels. Result: the
    message of the change made, or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    DEFAULT_CSS = """
    TaskIdPromptScreen { align: center middle; }
    TaskIdPromptScreen > Vertical { width: 50; height: auto; border: round $accent; background: $surface; padding: 0 1; }
    TaskIdPromptScreen #prompt-error { color: $error; }
    """

    def __init__(self, question: str, apply: Callable[[int], str]) -> None:
        super().__init__()
        self.question = question
        self.apply = apply

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
        if not (text.isascii() and text.isdigit()):
            self._show_error("Type a task id (a number)")
            return
        self.query_one("#prompt-error", Label).update("")
        self._apply(int(text))

    def _apply(self, task_id: int) -> None:
        """Apply the answer in a worker: close with its message, or show the refusal."""
        self.app.backend.run(
            self.apply,
            task_id,
            on_done=self.dismiss,
            on_error=lambda error: self._show_error(str(error)),
            owner=self,
            group="task-id-prompt",
            exclusive=True,
        )

    def _show_error(self, message: str) -> None:
        """The refusal under the field; the field keeps the focus and its text."""
        self.query_one("#prompt-error", Label).update(message)
        self.query_one(Input).focus()

    def action_cancel(self) -> None:
        """Close without an answer."""
        self.dismiss(None)
