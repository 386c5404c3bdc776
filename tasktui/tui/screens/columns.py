"""The column chooser: a modal list of the table's columns to tick on or off."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from tasktui.tui.widgets.task_columns import COLUMNS
from tasktui.tui.widgets.toggles import SelectionList


class ColumnChooserScreen(ModalScreen[list[str] | None]):
    """Tick the columns to show; Enter applies, Escape cancels. The title column
    cannot be hidden. `notes` says of ticked columns why they are not shown (the
    terminal is too narrow). Result: the chosen column keys, or None when cancelled."""

    BINDINGS = [
        Binding("enter", "apply", "Apply", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, chosen: list[str], notes: dict[str, str] | None = None) -> None:
        super().__init__()
        self.chosen = list(chosen)
        self.notes = dict(notes or {})

    def compose(self) -> ComposeResult:
        with Vertical(id="columns-box"):
            yield Label("Columns — space ticks, Enter applies, Escape cancels", id="columns-title")
            yield SelectionList[str](
                *[(self._label(c.key, c.full_name), c.key, c.key in self.chosen) for c in COLUMNS if c.key != "title"],
                id="columns-list",
            )

    def _label(self, key: str, name: str) -> str:
        note = self.notes.get(key)
        return f"{name}  ({note})" if note and key in self.chosen else name

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def action_apply(self) -> None:
        """Close, returning the ticked columns."""
        ticked = set(self.query_one(SelectionList).selected) | {"title"}
        self.dismiss([c.key for c in COLUMNS if c.key in ticked])

    def action_cancel(self) -> None:
        """Close without changing the columns."""
        self.dismiss(None)
