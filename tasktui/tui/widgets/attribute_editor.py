"""The Attributes tab of the task detail: a task's custom attribute values grouped by
attribute group, edited with the same validation as on raise.

`AttributeEditor(task_id, actor)` lists every attribute of the task's event set
(filled or not) under its group heading. Enter or `e` edits the selected value in a
small form (a choice or boolean offers its values; an empty value clears an optional
attribute); the change goes through `services.tasks.attribute_values.set_task_attribute`,
which writes the task's history. Reading and writing run off the UI thread through the
app's backend. After a change the widget posts
`AttributeEditor.Changed`, so the detail screen can refresh its history tab.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Static

from tasktui.services.attributes.types import expected
from tasktui.services.context import Actor
from tasktui.services.tasks.attribute_values import AttributeField, set_task_attribute, task_attribute_fields
from tasktui.tui.screens.attribute_forms import FormField, FormScreen
from tasktui.tui.terminal_safety import visible_line

GROUP_ROW_PREFIX = "group:"


class AttributeEditor(Widget):
    """Shows and edits the custom attribute values of one task."""

    BINDINGS = [Binding("e", "edit", "Edit value")]

    class Changed(Message):
        """An attribute value of the task changed (already saved)."""

        def __init__(self, task_id: int, key: str) -> None:
            super().__init__()
            self.task_id = task_id
            self.key = key

    def __init__(self, task_id: int, actor: Actor, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.task_id = task_id
        self.actor = actor
        self.fields: dict[str, AttributeField] = {}

    def compose(self) -> ComposeResult:
        yield DataTable(id="attribute-editor-table", cursor_type="row")
        yield Static("", id="attribute-editor-status", markup=False)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Attribute", "Value", "Type")
        self.reload()

    def reload(self, then: str | None = None) -> None:
        """Re-read the task's attributes (in a worker); then show `then` as the status."""
        self.app.backend.run(
            task_attribute_fields,
            self.task_id,
            self.actor.lang,
            on_done=lambda fields: self._show_fields(fields, then),
            on_error=lambda e: self._status(str(e), error=True),
            owner=self,
            group="attribute-editor-load",
            exclusive=True,
        )

    def _show_fields(self, fields: list[AttributeField], then: str | None = None) -> None:
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        self.fields = {f.key: f for f in fields}
        if not fields:
            self._status("This task's event has no attribute set: the task carries no attributes.")
            return
        group = None
        for f in fields:
            if f.group_label != group:
                group = f.group_label
                table.add_row(Text(group, style="bold"), "", "", key=GROUP_ROW_PREFIX + group)
            label = f"  {f.label}" + (" *" if f.required else "")
            value = Text(visible_line(f.value)) if f.value is not None else Text("(none)", style="dim")
            table.add_row(label, value, f.type, key=f.key)
        table.move_cursor(row=min(max(cursor, 1), table.row_count - 1))
        self._status(then or "Enter or e: edit the selected value · * required")

    def _status(self, text: str, error: bool = False) -> None:
        status = self.query_one("#attribute-editor-status", Static)
        status.update(text)
        status.set_class(error, "-error")

    def selected(self) -> AttributeField | None:
        """The attribute on the cursor row (None on a group heading)."""
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.fields.get(key or "")

    def action_edit(self) -> None:
        """Edit the selected attribute's value in a form."""
        f = self.selected()
        if f is None:
            return
        if f.type in ("choice", "boolean"):
            options = [(c, c) for c in f.choices] if f.type == "choice" else [("true", "true"), ("false", "false")]
            field = FormField("value", f.label, "select", value=f.value or "", options=options)
        else:
            hint = expected(f.type, f.choices) + ("" if f.required else "; empty clears it")
            field = FormField("value", f.label, value=f.value or "", placeholder=hint)

        def submit(values: dict[str, object]) -> str:
            change = set_task_attribute(self.actor, self.task_id, f.key, str(values["value"]))
            if change is None:
                return f"{f.key}: unchanged"
            return f"{f.key}: {change.old or '(none)'} -> {change.new or '(none)'}"

        self.app.push_screen(FormScreen(f"Task {self.task_id}: {f.label} ({f.type})", [field], submit), self._saved)

    def _saved(self, message: str | None) -> None:
        if message is None:
            return
        self.reload(then=message)
        key = message.split(":", 1)[0]
        if not message.endswith("unchanged"):
            self.post_message(self.Changed(self.task_id, key))

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit()
