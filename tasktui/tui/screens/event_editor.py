"""The event editor: create an event, or edit the names, responsibility and default
severity of one (the severity its tasks get unless a raise names one; a row of radio
buttons drawn `(•)`/`( )` with the tasks' column glyph and letter, readable without
colour).

Identifier, plugin and attribute set are fixed once an event exists: in edit mode
they are shown read-only. Fields are checked as you type with the rule that failed
shown under the field (the rules live in `services.events.definitions`); Save (ctrl+s) is refused
while anything is invalid; Escape with unsaved changes asks first. The screen's
result is the identifier of the saved event, or None when nothing was saved.

The editor is given the event to edit already read (`EventInfo`, the events screen
reads it in a worker), so the form never draws empty first. Rules that need no
database (identifier syntax, names) are checked as you type; whether an identifier is
taken, the pickers' choices and the save run off the UI thread through the backend.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Input, Label, RadioSet, Static

from tasktui.errors import Invalid, NotFound, TaskTuiError
from tasktui.services import severity
from tasktui.services.context import Actor
from tasktui.services.events.definitions import (
    MANUAL_PLUGIN_LABEL,
    EventInfo,
    check_name,
    create_event,
    edit_event,
    get_event,
    identifier_problem,
)
from tasktui.tui.screens.confirm import Choice, ChoiceScreen
from tasktui.tui.widgets.key_bar import KeyBar
from tasktui.tui.widgets.picker import PickerScreen
from tasktui.tui.widgets.toggles import RadioButton

IDENTIFIER_HINT = "A-Z a-z 0-9 _ · not starting with a digit · no __ · not ending with _"
UNASSIGNED = "Unassigned"
NO_ATTRIBUTE_SET = "None"
#: The severities offered, most severe first: (name, label with glyph and letter, as
#: the tasks' column shows them, so a monochrome terminal tells them apart).
SEVERITY_CHOICES = [
    (name, f"{severity.GLYPHS[rank]}{severity.LETTERS[rank]} {name}") for rank, name in severity.NAMES.items()
]
NO_RESPONSIBLE_WARNING = (
    "Neither a responsible user nor a group: tasks of this event will be unassigned (allowed, but not recommended)."
)


class EventEditorScreen(Screen[str | None]):
    """Create (`info=None`) or edit the event `info`; see the module docstring."""

    #: Below 30 rows (80x24 over SSH) the screen gets the class `-short`: one-line
    #: fields (tasktui.tcss), so the whole form fits without scrolling.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, actor: Actor, info: EventInfo | None = None) -> None:
        super().__init__()
        self.actor = actor
        self.creating = info is None
        #: The identifier typed that is already taken (checked in a worker), if any.
        self.taken_identifier: str | None = None
        self.saving = False
        if info is None:
            self.values: dict[str, str] = dict.fromkeys(
                ("identifier", "name_en", "name_de", "responsible_user", "responsible_group", "attribute_set"), ""
            )
            self.values["severity"] = severity.name_of(severity.DEFAULT)
            self.plugin_label = MANUAL_PLUGIN_LABEL
        else:
            self.values = {
                "identifier": info.identifier,
                "name_en": info.name_en,
                "name_de": info.name_de or "",
                "responsible_user": info.responsible_user or "",
                "responsible_group": info.responsible_group or "",
                "attribute_set": info.attribute_set or "",
                "severity": info.severity,
            }
            self.plugin_label = info.plugin_label
        self.saved_values = dict(self.values)

    # -- layout -------------------------------------------------------------------

    def _row(self, label: str, *widgets) -> Horizontal:
        return Horizontal(Label(label, classes="editor-label"), *widgets, classes="editor-row")

    def compose(self) -> ComposeResult:
        title = "New event" if self.creating else f"Edit event {self.values['identifier']}"
        yield Label(title, id="editor-title")
        with VerticalScroll(id="editor-form"):
            if self.creating:
                yield self._row("Identifier", Input(placeholder="e.g. stock_diff", id="identifier"))
                yield Static(IDENTIFIER_HINT, id="identifier-message", classes="field-message", markup=False)
            else:
                yield self._row(
                    "Identifier",
                    Static(
                        f"{self.values['identifier']}  (locked)",
                        id="identifier-locked",
                        markup=False,
                        classes="editor-value",
                    ),
                )
            yield self._row("Name (English) *", Input(self.values["name_en"], id="name_en"))
            yield Static("", id="name_en-message", classes="field-message", markup=False)
            yield self._row("Name (German)", Input(self.values["name_de"], id="name_de"))
            yield Static("", id="name_de-message", classes="field-message", markup=False)
            yield self._row(
                "Plugin", Static(f"{self.plugin_label}  (read-only)", id="plugin", markup=False, classes="editor-value")
            )
            if self.creating:
                yield self._row("Attribute set", Button(NO_ATTRIBUTE_SET, id="attribute_set", classes="picker-button"))
            else:
                aset = self.values["attribute_set"] or NO_ATTRIBUTE_SET
                yield self._row(
                    "Attribute set",
                    Static(f"{aset}  (locked)", id="attribute_set-locked", markup=False, classes="editor-value"),
                )
            yield self._row(
                "Responsible user",
                Button(self.values["responsible_user"] or UNASSIGNED, id="responsible_user", classes="picker-button"),
            )
            yield self._row(
                "Responsible group",
                Button(self.values["responsible_group"] or UNASSIGNED, id="responsible_group", classes="picker-button"),
            )
            yield self._row(
                "Default severity",
                RadioSet(
                    *(
                        RadioButton(label, value=name == self.values["severity"], id=f"severity-{name}")
                        for name, label in SEVERITY_CHOICES
                    ),
                    id="severity",
                    compact=True,
                ),
            )
            yield Static("", id="responsible-warning", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#identifier" if self.creating else "#name_en", Input).focus()
        for field in ("name_en", "name_de"):
            self._show_problem(field, None)
        self._show_responsible_warning()
        radios = self.query_one("#severity", RadioSet)
        radios._selected = radios.pressed_index  # arrows start from the saved severity, not from the first

    # -- validation ---------------------------------------------------------------

    def field_problem(self, field: str) -> str | None:
        """What is wrong with a field's current value (None when it is fine)."""
        value = self.values[field]
        if field == "identifier":
            if not self.creating:
                return None
            problem = identifier_problem(value)
            if problem:
                return f"Identifier {problem}"
            if value == self.taken_identifier:
                return f"Identifier {value!r} is already used by another event"
            return None
        if field in ("name_en", "name_de"):
            try:
                check_name(value, field[-2:], required=field == "name_en")
            except Invalid as e:
                return str(e)[0].upper() + str(e)[1:]
        return None

    def _show_problem(self, field: str, problem: str | None) -> None:
        message = self.query_one(f"#{field}-message", Static)
        if problem:
            text = f"✗ {problem}"
        else:
            text = IDENTIFIER_HINT if field == "identifier" else ""
        message.update(text)
        message.set_class(bool(problem), "-error")
        message.display = bool(text)

    def problems(self) -> dict[str, str]:
        """Every invalid field and its problem, shown inline as a side effect."""
        found: dict[str, str] = {}
        for field in ("identifier", "name_en", "name_de"):
            if field == "identifier" and not self.creating:
                continue
            problem = self.field_problem(field)
            self._show_problem(field, problem)
            if problem:
                found[field] = problem
        return found

    def _read_fields(self) -> None:
        """Take the text fields' values from the widgets themselves: after a burst of
        keys their `Changed` messages may still be on the way (tui/keys_in_order.py)."""
        for field in self.query(Input):
            if field.id in self.values:
                self.values[field.id] = field.value

    @property
    def dirty(self) -> bool:
        """Whether anything differs from what was loaded or last saved."""
        self._read_fields()
        return self.values != self.saved_values

    def _show_responsible_warning(self) -> None:
        missing = not self.values["responsible_user"] and not self.values["responsible_group"]
        warning = self.query_one("#responsible-warning", Static)
        warning.update(f"⚠ {NO_RESPONSIBLE_WARNING}" if missing else "")
        warning.display = missing

    @on(RadioSet.Changed, "#severity")
    def _severity_chosen(self, event: RadioSet.Changed) -> None:
        self.values["severity"] = (event.pressed.id or "").removeprefix("severity-")

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        field = event.input.id or ""
        if field not in self.values:
            return
        self.values[field] = event.value
        self._show_problem(field, self.field_problem(field))
        if field == "identifier" and self.field_problem(field) is None and event.value:
            self._check_identifier_free(event.value)

    def _check_identifier_free(self, identifier: str) -> None:
        """Ask (in a worker) whether `identifier` is taken; show it if still typed."""

        def taken() -> bool:
            try:
                get_event(identifier)
            except NotFound:
                return False
            return True

        def answered(is_taken: bool) -> None:
            if is_taken:
                self.taken_identifier = identifier
            if self.values["identifier"] == identifier:
                self._show_problem("identifier", self.field_problem("identifier"))

        self.app.backend.run(taken, on_done=answered, owner=self, group="identifier-check", exclusive=True)

    # -- pickers ------------------------------------------------------------------

    @on(Button.Pressed, ".picker-button")
    def _open_picker(self, event: Button.Pressed) -> None:
        from tasktui.services.attributes.sets import attribute_set_choices
        from tasktui.services.people import group_choices, user_choices

        field = event.button.id or ""
        title, choices, none_label = {
            "responsible_user": ("Responsible user", user_choices, UNASSIGNED),
            "responsible_group": ("Responsible group", group_choices, UNASSIGNED),
        }.get(field, ("Attribute set (fixed once created)", attribute_set_choices, NO_ATTRIBUTE_SET))
        self.app.backend.run(
            choices,
            on_done=lambda items: self._push_picker(field, PickerScreen(title, items, none_label, self.values[field])),
            owner=self,
            group="editor-pickers",
            exclusive=True,
        )

    def _push_picker(self, field: str, picker: PickerScreen) -> None:

        def chosen(value: str | None) -> None:
            if value is None:
                return
            self.values[field] = value
            none_label = NO_ATTRIBUTE_SET if field == "attribute_set" else UNASSIGNED
            self.query_one(f"#{field}", Button).label = value or none_label
            self._show_responsible_warning()

        self.app.push_screen(picker, chosen)

    # -- actions ------------------------------------------------------------------

    def action_save(self) -> None:
        """Save through the events service; refused while a field is invalid."""
        self._read_fields()
        problems = self.problems()
        if problems:
            self.notify(
                f"Not saved: {len(problems)} field{'s' if len(problems) != 1 else ''} to fix.",
                severity="error",
            )
            return
        if self.saving:
            return
        self.saving = True
        v = dict(self.values)

        def save() -> EventInfo:
            try:
                return write(v)
            finally:
                self.saving = False  # whatever it raised: Save works again

        def write(v: dict[str, str]) -> EventInfo:
            if self.creating:
                return create_event(
                    v["identifier"],
                    v["name_en"],
                    v["name_de"] or None,
                    None,
                    v["responsible_user"] or None,
                    v["responsible_group"] or None,
                    v["attribute_set"] or None,
                    self.actor.lang,
                    severity=v["severity"],
                    actor=self.actor,
                )
            return edit_event(
                v["identifier"],
                name_en=v["name_en"],
                name_de=v["name_de"] or None,
                responsible_user=v["responsible_user"] or None,
                responsible_group=v["responsible_group"] or None,
                severity=v["severity"],
                lang=self.actor.lang,
                actor=self.actor,
            )

        def refused(e: TaskTuiError) -> None:
            self.notify(f"Not saved: {e}", severity="error")

        self.app.backend.run(save, on_done=self._saved, on_error=refused, owner=self, group="editor-save")

    def _saved(self, info: EventInfo) -> None:
        self.saved_values = dict(self.values)
        self.notify(f"Saved event {info.identifier}.")
        for warning in info.warnings:
            self.notify(warning, severity="warning")
        self.dismiss(info.identifier)

    def action_cancel(self) -> None:
        """Leave; with unsaved changes, ask first."""
        if not self.dirty:
            self.dismiss(None)
            return

        def answered(choice: str | None) -> None:
            if choice == "discard":
                self.dismiss(None)

        self.app.push_screen(
            ChoiceScreen(
                "Discard changes?",
                "This event has unsaved changes. Leave the editor and lose them?",
                [Choice("keep", "Keep editing", "k", "primary"), Choice("discard", "Discard", "d", "error")],
            ),
            answered,
        )
