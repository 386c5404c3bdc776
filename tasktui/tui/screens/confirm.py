"""A reusable confirm / choice modal: a title, a message, and a few buttons.

`ChoiceScreen(title, message, choices)` returns the value of the chosen button, or
None when cancelled (Escape). Each choice has a key that picks it directly; the
buttons can also be reached with Tab and pressed with Enter or the mouse.

    choices = [Choice("delete", "Delete", "d", "error"), Choice("cancel", "Cancel", "n")]
    app.push_screen(ChoiceScreen("Delete event?", text, choices), callback)
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static


@dataclass(frozen=True)
class Choice:
    """A button of a ChoiceScreen: the value returned, its label, the key that picks
    it, and the button variant ("default", "primary", "success", "warning", "error")."""

    value: str
    label: str
    key: str
    variant: str = "default"


class ChoiceScreen(ModalScreen[str | None]):
    """Ask the user to choose between a few actions; see the module docstring.

    The first choice is focused, so Enter takes it; put the safe choice first when a
    choice destroys data."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("left,up", "app.focus_previous", "Previous", show=False),
        Binding("right,down", "app.focus_next", "Next", show=False),
    ]

    DEFAULT_CSS = """
    ChoiceScreen {
        align: center middle;
    }
    ChoiceScreen > #choice-box {
        width: 70;
        max-width: 95%;
        height: auto;
        border: thick $warning;
        background: $surface;
        padding: 1 2;
    }
    ChoiceScreen #choice-title {
        text-style: bold;
        margin-bottom: 1;
    }
    ChoiceScreen #choice-message {
        margin-bottom: 1;
    }
    ChoiceScreen #choice-buttons {
        height: auto;
        align-horizontal: right;
    }
    ChoiceScreen #choice-buttons Button {
        margin-left: 1;
    }
    """

    def __init__(self, title: str, message: str, choices: list[Choice]) -> None:
        super().__init__()
        if not choices:
            raise ValueError("a ChoiceScreen needs at least one choice")
        self.choice_title = title
        self.message = message
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(id="choice-box"):
            yield Label(self.choice_title, id="choice-title")
            yield Static(self.message, id="choice-message", markup=False)
            with Horizontal(id="choice-buttons"):
                for choice in self.choices:
                    yield Button(
                        f"{choice.label} ({choice.key})",
                        id=f"choice-{choice.value}",
                        variant=choice.variant,  # type: ignore[arg-type]
                    )

    def on_mount(self) -> None:
        self.query_one(f"#choice-{self.choices[0].value}", Button).focus()

    def on_key(self, event: events.Key) -> None:
        """A choice's key picks it."""
        for choice in self.choices:
            if event.key == choice.key:
                event.stop()
                self.dismiss(choice.value)
                return

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        value = (event.button.id or "").removeprefix("choice-")
        self.dismiss(value)

    def action_cancel(self) -> None:
        """Close without choosing."""
        self.dismiss(None)
