"""A small modal form used by the attribute screens and the attribute value editor.

`FormScreen(title, fields, submit)` shows one row per `FormField` (a text input, a
select or a checkbox). Ctrl+S (or Enter in an input) calls `submit(values)`, which
does the work through a service and returns a one-line success message; a
`TaskTuiError` it raises is shown inline and the form stays open, so nothing the
user typed is lost. The screen returns the success message, or None when cancelled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from tasktui.errors import TaskTuiError
from tasktui.tui.widgets.toggles import Checkbox


@dataclass(frozen=True)
class FormField:
    """One row of a form.

    `kind` is "input", "select" or "checkbox"; `options` are (label, value) pairs of a
    select; `value` is the initial value ("" / False / a select value); `locked`
    shows the value read-only (e.g. the key of an attribute being edited)."""

    name: str
    label: str
    kind: str = "input"
    value: object = ""
    options: Sequence[tuple[str, str]] = field(default_factory=tuple)
    placeholder: str = ""
    locked: bool = False


class FormScreen(ModalScreen[str | None]):
    """A modal form that saves through `submit` and shows its errors inline."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]

    def __init__(self, title: str, fields: Sequence[FormField], submit: Callable[[dict[str, object]], str]) -> None:
        super().__init__()
        self.form_title = title
        self.fields = list(fields)
        self.submit = submit
        #: True while a submit runs: a second ctrl+s / Enter is not a second save.
        self.saving = False

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box"):
            yield Label(self.form_title, id="form-title")
            for f in self.fields:
                with Horizontal(classes="form-row"):
                    yield Label(f.label, classes="form-label")
                    yield self._widget(f)
            yield Static("", id="form-error", markup=False)
            with Horizontal(id="form-buttons"):
                yield Button("Save (ctrl+s)", id="form-save", variant="primary", compact=True)
                yield Button("Cancel (esc)", id="form-cancel", compact=True)

    def _widget(self, f: FormField):
        widget_id = f"field-{f.name}"
        if f.kind == "select":
            value = f.value if f.value in [v for _, v in f.options] else Select.NULL
            return Select(list(f.options), value=value, id=widget_id, allow_blank=True, disabled=f.locked, compact=True)
        if f.kind == "checkbox":
            return Checkbox("yes", bool(f.value), id=widget_id, disabled=f.locked, compact=True)
        return Input(str(f.value or ""), placeholder=f.placeholder, id=widget_id, disabled=f.locked, compact=True)

    def on_mount(self) -> None:
        editable = [f for f in self.fields if not f.locked]
        if editable:
            self.query_one(f"#field-{editable[0].name}").focus()

    def values(self) -> dict[str, object]:
        """The current value of every field ("" for a blank select)."""
        result: dict[str, object] = {}
        for f in self.fields:
            widget = self.query_one(f"#field-{f.name}")
            if isinstance(widget, Select):
                result[f.name] = "" if widget.value is Select.NULL else widget.value
            else:
                result[f.name] = widget.value
        return result

    def action_save(self) -> None:
        """Submit in a worker; close with the success message, or show the error inline."""
        if self.saving:
            return
        self.saving = True

        def submit(values: dict[str, object]) -> str:
            try:
                return self.submit(values)
            finally:
                self.saving = False  # whatever it raised: the form can be saved again

        self.app.backend.run(submit, self.values(), on_done=self.dismiss, on_error=self._refused, owner=self)

    def _refused(self, e: TaskTuiError) -> None:
        error = self.query_one("#form-error", Static)
        error.update(str(e))
        error.add_class("-error")

    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(None)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#form-save")
    def _save_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#form-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()
