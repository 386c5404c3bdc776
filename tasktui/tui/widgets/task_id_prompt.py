"""A small modal choosing a task (e.g. the task another one depends on): type its id,
or words of its title, description or link and pick one of the matches.

The change the task is for runs while the dialog is open: a refusal ("unknown task
9999", a cycle) is shown inline and the dialog stays open, so the keys typed next go
into the field, not to the screen behind it as commands."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from tasktui.tui.terminal_safety import visible_line

#: A match offered by the search: (task id, the line shown).
Match = tuple[int, str]
#: Seconds of quiet typing before the search runs.
SEARCH_DELAY_S = 0.15


class TaskIdPromptScreen(ModalScreen[str | None]):
    """Choose a task and press Enter: `apply(id)` runs off the UI thread and returns
    the message to show; an error stays in the dialog. Escape cancels. Result: the
    message of the change made, or None.

    With `search(text)` (run off the UI thread), typing lists the matching tasks;
    Down moves into the list, Enter there (or in the field, on the first match)
    chooses one. A number typed alone is that task's id."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("down", "to_matches", "Matches", show=False)]

    DEFAULT_CSS = """
    TaskIdPromptScreen { align: center middle; }
    TaskIdPromptScreen > Vertical { width: 64; max-width: 100%; height: auto; border: round $accent; background: $surface; padding: 0 1; }
    TaskIdPromptScreen #prompt-error { color: $error; width: 100%; }  /* wrapped: the whole reason */
    TaskIdPromptScreen #prompt-matches { height: auto; max-height: 10; border: none; }
    TaskIdPromptScreen #prompt-matches:focus { border-left: thick $accent; }
    """

    def __init__(
        self, question: str, apply: Callable[[int], str], search: Callable[[str], list[Match]] | None = None
    ) -> None:
        super().__init__()
        self.question = question
        self.apply = apply
        self.search = search
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            hint = "Task id or words of its title, e.g. 42 or stock" if self.search else "Task id, e.g. 42"
            yield Input(placeholder=hint, id="prompt-input")
            yield OptionList(id="prompt-matches", markup=False)
            yield Label("", id="prompt-error")

    def on_mount(self) -> None:
        self.query_one("#prompt-matches", OptionList).display = False
        self.query_one(Input).focus()

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        if self.search is None:
            return
        if self._timer is not None:
            self._timer.stop()
        text = event.value.strip().lstrip("#")
        self._timer = self.set_timer(SEARCH_DELAY_S, lambda: self._search(text))

    def _search(self, text: str) -> None:
        if not text:
            self._show_matches([])
            return
        assert self.search is not None
        self.app.backend.run(
            self.search, text, on_done=self._show_matches, owner=self, group="task-id-search", exclusive=True
        )

    def _show_matches(self, matches: list[Match]) -> None:
        options = self.query_one("#prompt-matches", OptionList)
        options.set_options([Option(visible_line(line), id=str(task_id)) for task_id, line in matches])
        options.display = bool(matches)
        if matches:
            options.highlighted = 0

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip().lstrip("#")
        options = self.query_one("#prompt-matches", OptionList)
        if text.isascii() and text.isdigit():
            self._choose(int(text))
        elif text and options.display and options.option_count:
            self._choose(int(options.get_option_at_index(options.highlighted or 0).id or 0))
        elif text and self.search is not None:
            self._show_error("No task matches: type its id, or other words")
        else:
            self._show_error("Type a task id (a number)")

    @on(OptionList.OptionSelected, "#prompt-matches")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self._choose(int(event.option.id or 0))

    def action_to_matches(self) -> None:
        """Down in the field moves into the list of matches."""
        options = self.query_one("#prompt-matches", OptionList)
        if options.display and self.query_one(Input).has_focus:
            options.focus()

    def _choose(self, task_id: int) -> None:
        self.query_one("#prompt-error", Label).update("")
        self._apply(task_id)

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
        self.query_one("#prompt-error", Label).update(visible_line(message))
        self.query_one(Input).focus()

    def action_cancel(self) -> None:
        """Close without an answer."""
        self.dismiss(None)
