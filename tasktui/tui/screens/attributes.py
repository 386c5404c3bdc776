"""The custom attributes screen: definitions, attribute groups and attribute sets, in
three tabs, with add / edit / delete and adding or removing a set's attributes.

Every change goes through `services.attributes.definitions`; refusals (a type change or delete
that would destroy stored values...) are shown with the service's message. The lists
are small, so each change re-reads them. Every service call (the lists, what a form or
a picker is filled with, the writes) runs off the UI thread through the app's backend;
until the first lists arrive the tab shows nothing (no table of bare headers that turns
into the "no attributes yet" text a moment later).

Focus: the table of the tab shown has it (Tab cycles the tables' pane only, a click on
a tab or keys 1 2 3 move it to that tab's table); the forms and pickers are modal and
give it back when they close.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static, TabbedContent, TabPane, Tabs

from tasktui.errors import TaskTuiError
from tasktui.services.attributes import definitions as svc
from tasktui.services.attributes.groups import (
    GroupInfo,
    create_attribute_group,
    delete_attribute_group,
    edit_attribute_group,
    group_info,
    list_attribute_groups,
)
from tasktui.services.attributes.sets import (
    SetInfo,
    add_to_set,
    create_attribute_set,
    delete_attribute_set,
    edit_attribute_set,
    get_attribute_set,
    list_attribute_sets,
    remove_from_set,
    set_info,
)
from tasktui.services.attributes.types import TYPES
from tasktui.services.context import Actor
from tasktui.tui.screens.attribute_forms import FormField, FormScreen
from tasktui.tui.screens.confirm import Choice, ChoiceScreen
from tasktui.tui.screens.help import ScreenWithHelp
from tasktui.tui.widgets.key_bar import KeyBar
from tasktui.tui.widgets.picker import PickerScreen

TABS = ("tab-attributes", "tab-groups", "tab-sets")

EMPTY_TEXT = """[b]No custom attributes yet.[/b]

Custom attributes are extra fields of tasks: a quantity, a SKU, a date…

Press [b]a[/b] to add one here, or define one from the command line:

  [b]tasktui attribute add qty --label Quantity --type integer[/b]

Then put it in an attribute set (tab 3) and give the set to an event:
its tasks get the attribute."""


def _choices(text: object) -> list[str]:
    return [c.strip() for c in str(text).split(",") if c.strip()]


@dataclass(frozen=True)
class AttributeLists:
    """The three lists of the screen, read in one worker."""

    attributes: list[svc.AttributeInfo]
    groups: list[GroupInfo]
    sets: list[SetInfo]


def read_lists(lang: str) -> AttributeLists:
    """Definitions (with their usage), groups and sets, for the screen."""
    return AttributeLists(
        svc.list_attributes(lang, with_usage=True), list_attribute_groups(lang), list_attribute_sets()
    )


def group_options(lang: str) -> list[tuple[str, str]]:
    """(label, key) of every attribute group: the Group select of the attribute form."""
    return [(f"{g.label} ({g.key})", g.key) for g in list_attribute_groups(lang)]


class AttributesScreen(ScreenWithHelp[None]):
    """Manage attribute definitions, groups and sets; `?` lists every key."""

    BINDINGS = [
        Binding("a", "add", "Add"),
        Binding("e", "edit", "Edit"),
        Binding("d", "delete", "Delete"),
        Binding("plus", "add_to_set", "Add to set"),
        Binding("minus", "remove_from_set", "Remove from set"),
        Binding("1", "tab('tab-attributes')", "Attributes", show=False),
        Binding("2", "tab('tab-groups')", "Groups", show=False),
        Binding("3", "tab('tab-sets')", "Sets", show=False),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, actor: Actor) -> None:
        super().__init__()
        self.actor = actor
        #: Whether the first lists have arrived (until then the first tab shows nothing).
        self._loaded = False

    def compose(self) -> ComposeResult:
        yield Static("Custom attributes   (keys 1 2 3 switch tabs)", id="attributes-title")
        with TabbedContent(id="attributes-tabs"):
            with TabPane("Attributes", id="tab-attributes"):
                yield DataTable(id="attributes-table", cursor_type="row", zebra_stripes=True)
                yield Static(EMPTY_TEXT, id="attributes-empty")
            with TabPane("Groups", id="tab-groups"):
                yield DataTable(id="groups-table", cursor_type="row", zebra_stripes=True)
            with TabPane("Sets", id="tab-sets"):
                yield DataTable(id="sets-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="attributes-status", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        # Usage (values, sets) before default and the long choices: at 80 columns
        # everything but the choices is in view (the form shows them in full).
        self.query_one("#attributes-table", DataTable).add_columns(
            "Key", "Label", "Type", "Required", "Group", "Values", "Sets", "Default", "Choices"
        )
        self.query_one("#groups-table", DataTable).add_columns("Key", "Label", "Label (de)", "Position", "Attributes")
        self.query_one("#sets-table", DataTable).add_columns("Key", "Name", "Attributes", "Events")
        self.query_one(Tabs).can_focus = False  # the focus stays on a table: 1 2 3 or a click switch tabs
        # Neither the table nor its empty state until the lists are read (see the docstring).
        self.query_one("#attributes-empty").display = False
        self.query_one("#attributes-table", DataTable).display = False
        self.reload()

    # ------------------------------------------------------------------ data

    def reload(self) -> None:
        """Re-read the three lists (in a worker), keeping each table's cursor row. A
        newer reload supersedes one still running."""
        self.app.backend.run(
            read_lists,
            self.actor.lang,
            on_done=self._show_lists,
            on_error=self._first_load_failed,
            owner=self,
            group="attributes-load",
            exclusive=True,
        )

    def _first_load_failed(self, error: TaskTuiError) -> None:
        self._status(str(error), error=True)
        if not self._loaded:
            self._show_lists(AttributeLists([], [], []))

    def _show_lists(self, lists: AttributeLists) -> None:
        first = not self._loaded
        self._loaded = True
        self._fill(
            "#attributes-table",
            [
                (a.key, [a.key, a.label, a.type, "yes" if a.required else "", a.group or "", str(a.value_count),
                         ", ".join(a.sets), a.default or "", ", ".join(a.choices)])
                for a in lists.attributes
            ],
        )  # fmt: skip
        self._show_empty_state(not lists.attributes, first)
        self._fill(
            "#groups-table",
            [
                (g.key, [g.key, g.label_en, g.label_de or "", str(g.position), ", ".join(g.attributes)])
                for g in lists.groups
            ],
        )
        self._fill(
            "#sets-table", [(s.key, [s.key, s.name, ", ".join(s.attributes), str(s.event_count)]) for s in lists.sets]
        )

    def data_changed(self) -> None:
        """Live refresh: the app calls this when another connection committed (an
        attribute added with `tasktui attribute add` shows up)."""
        self.reload()

    def _show_empty_state(self, empty: bool, first: bool = False) -> None:
        """No definitions: instead of a table of column headers, how to add one."""
        table = self.query_one("#attributes-table", DataTable)
        was_empty = not table.display
        self.query_one("#attributes-empty").display = empty
        table.display = not empty
        if empty and table.has_focus:
            self.set_focus(None)  # the screen's keys act; the help lists no table keys
        elif (first or was_empty) and not empty and self.active_tab == "tab-attributes":
            table.focus()

    def _fill(self, selector: str, rows: list[tuple[str, list[str]]]) -> None:
        table = self.query_one(selector, DataTable)
        cursor = table.cursor_row
        table.clear()
        for key, cells in rows:
            table.add_row(*cells, key=key)
        if rows:
            table.move_cursor(row=min(cursor, len(rows) - 1))

    @property
    def active_tab(self) -> str:
        """The id of the tab shown."""
        return self.query_one(TabbedContent).active or TABS[0]

    def _selected(self, selector: str) -> str | None:
        table = self.query_one(selector, DataTable)
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def _status(self, text: str, error: bool = False) -> None:
        status = self.query_one("#attributes-status", Static)
        status.update(text)
        status.set_class(error, "-error")
        if error:
            self.notify(text, severity="error", timeout=6)

    def _after_form(self, message: str | None) -> None:
        if message:
            self.reload()
            self._status(message)

    def _run(self, action: Callable[[], object], success: str) -> None:
        """Run a change in a worker; then re-read the lists and say what was done, or
        show the refusal in the status line."""

        def done(_: object) -> None:
            self.reload()
            self._status(success)

        self.app.backend.run(
            action,
            on_done=done,
            on_error=lambda e: self._status(str(e), error=True),
            owner=self,
            group="attributes-write",
        )

    def _read_then(self, read: Callable[[], Any], then: Callable[[Any], object]) -> None:
        """Read what a form or picker is filled with (in a worker), then `then(result)`;
        a refusal (the row was deleted meanwhile) goes to the status line."""

        def refused(e: TaskTuiError) -> None:
            self._status(str(e), error=True)
            self.reload()

        self.app.backend.run(read, on_done=then, on_error=refused, owner=self, group="attributes-read", exclusive=True)

    # ------------------------------------------------------------------ actions

    def action_tab(self, tab: str) -> None:
        """Show one of the three tabs."""
        self.query_one(TabbedContent).active = tab
        table = self.query_one(f"#{tab} DataTable", DataTable)
        if table.display:
            table.focus()

    def action_back(self) -> None:
        """Leave the screen."""
        self.dismiss(None)

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit()

    @on(TabbedContent.TabActivated)
    def _tab_changed(self, event: TabbedContent.TabActivated) -> None:
        """A tab shown (a key or a click on it): its table takes the focus."""
        self._status("")
        table = event.pane.query_one(DataTable)
        if table.display:
            table.focus()

    def _attribute_form(self, info: svc.AttributeInfo | None, groups: list[tuple[str, str]]) -> FormScreen:
        fields = [
            FormField("key", "Key", value=info.key if info else "", locked=info is not None, placeholder="e.g. qty"),
            FormField("label_en", "Label (en)", value=info.label_en if info else ""),
            FormField("label_de", "Label (de)", value=(info.label_de or "") if info else ""),
            FormField("type", "Type", "select", value=info.type if info else "text", options=[(t, t) for t in TYPES]),
            FormField("required", "Required", "checkbox", value=info.required if info else False),
            FormField("default", "Default", value=(info.default or "") if info else ""),
            FormField("choices", "Choices", value=", ".join(info.choices) if info else "", placeholder="a, b, c"),
            FormField("group", "Group", "select", value=(info.group or "") if info else "", options=groups),
        ]

        def submit(v: dict[str, object]) -> str:
            type_name = str(v["type"]) or "text"
            choices = _choices(v["choices"]) if type_name == "choice" else None
            if info is None:
                svc.create_attribute(
                    str(v["key"]).strip(), str(v["label_en"]), type_name, label_de=str(v["label_de"]),
                    required=bool(v["required"]), default=str(v["default"]), choices=choices,
                    group=str(v["group"]) or None, lang=self.actor.lang, actor=self.actor,
                )  # fmt: skip
                return f"added attribute {str(v['key']).strip()}"
            svc.edit_attribute(
                info.key, label_en=str(v["label_en"]), label_de=str(v["label_de"]), type_name=type_name,
                required=bool(v["required"]), default=str(v["default"]), choices=choices or None,
                group=str(v["group"]) or None, lang=self.actor.lang, actor=self.actor,
            )  # fmt: skip
            return f"changed attribute {info.key}"

        return FormScreen("Edit attribute" if info else "New attribute", fields, submit)

    def _group_form(self, info: GroupInfo | None) -> FormScreen:
        fields = [
            FormField("key", "Key", value=info.key if info else "", locked=info is not None),
            FormField("label_en", "Label (en)", value=info.label_en if info else ""),
            FormField("label_de", "Label (de)", value=(info.label_de or "") if info else ""),
            FormField(
                "position", "Position", value=str(info.position) if info else "", placeholder="(after the others)"
            ),
        ]

        def submit(v: dict[str, object]) -> str:
            position_text = str(v["position"]).strip()
            if position_text and not position_text.lstrip("-").isdigit():
                from tasktui.errors import Invalid

                raise Invalid(f"the position {position_text!r} is not a whole number")
            position = int(position_text) if position_text else None
            if info is None:
                create_attribute_group(
                    str(v["key"]).strip(),
                    str(v["label_en"]),
                    str(v["label_de"]),
                    position,
                    self.actor.lang,
                    actor=self.actor,
                )
                return f"added attribute group {str(v['key']).strip()}"
            edit_attribute_group(
                info.key, label_en=str(v["label_en"]), label_de=str(v["label_de"]), position=position, actor=self.actor
            )
            return f"changed attribute group {info.key}"

        return FormScreen("Edit attribute group" if info else "New attribute group", fields, submit)

    def _set_form(self, info: SetInfo | None) -> FormScreen:
        fields = [
            FormField("key", "Key", value=info.key if info else "", locked=info is not None),
            FormField("name", "Name", value=info.name if info else ""),
        ]
        if info is None:
            fields.append(FormField("attributes", "Attributes", placeholder="keys, comma-separated"))

        def submit(v: dict[str, object]) -> str:
            if info is None:
                create_attribute_set(str(v["key"]).strip(), str(v["name"]), _choices(v["attributes"]), actor=self.actor)
                return f"added attribute set {str(v['key']).strip()}"
            edit_attribute_set(info.key, str(v["name"]), actor=self.actor)
            return f"renamed attribute set {info.key}"

        return FormScreen("Edit attribute set" if info else "New attribute set", fields, submit)

    def action_add(self) -> None:
        """Add a definition, group or set (by tab)."""
        tab = self.active_tab
        if tab == "tab-attributes":
            lang = self.actor.lang
            self._read_then(
                lambda: group_options(lang), lambda groups: self._open_form(self._attribute_form(None, groups))
            )
            return
        self._open_form(self._group_form(None) if tab == "tab-groups" else self._set_form(None))

    def action_edit(self) -> None:
        """Edit the selected definition, group or set (read afresh in a worker)."""
        tab = self.active_tab
        lang = self.actor.lang
        if tab == "tab-attributes" and (key := self._selected("#attributes-table")):
            attribute_key = key
            self._read_then(
                lambda: (svc.attribute_info(svc.get_attribute(attribute_key), lang), group_options(lang)),
                lambda read: self._open_form(self._attribute_form(*read)),
            )
        elif tab == "tab-groups" and (key := self._selected("#groups-table")):
            group_key = key
            self._read_then(
                lambda: group_info(svc.get_attribute_group(group_key), lang),
                lambda info: self._open_form(self._group_form(info)),
            )
        elif tab == "tab-sets" and (key := self._selected("#sets-table")):
            set_key = key
            self._read_then(
                lambda: set_info(get_attribute_set(set_key)), lambda info: self._open_form(self._set_form(info))
            )

    def _open_form(self, form: FormScreen) -> None:
        self.app.push_screen(form, self._after_form)

    def action_delete(self) -> None:
        """Delete the selected definition, group or set, after a confirmation."""
        tab = self.active_tab
        table = {"tab-attributes": "#attributes-table", "tab-groups": "#groups-table", "tab-sets": "#sets-table"}[tab]
        key = self._selected(table)
        if key is None:
            return
        what, delete, note = {
            "tab-attributes": ("attribute", svc.delete_attribute, "Refused while tasks hold values for it."),
            "tab-groups": ("attribute group", delete_attribute_group, "Its attributes stay, ungrouped."),
            "tab-sets": ("attribute set", delete_attribute_set, "Refused while events use it."),
        }[tab]

        def confirmed(choice: str | None) -> None:
            if choice == "delete":
                self._run(lambda: delete(key, actor=self.actor), f"deleted {what} {key}")

        choices = [Choice("cancel", "Cancel", "n"), Choice("delete", "Delete", "d", "error")]
        self.app.push_screen(ChoiceScreen(f"Delete {what} {key}?", note, choices), confirmed)

    def _selected_set(self) -> str | None:
        set_key = self._selected("#sets-table") if self.active_tab == "tab-sets" else None
        if set_key is None:
            self._status("select a set in the Sets tab first", error=True)
        return set_key

    def action_add_to_set(self) -> None:
        """Add an attribute to the selected set (Sets tab)."""
        set_key = self._selected_set()
        if set_key is None:
            return
        lang = self.actor.lang

        def choices() -> list[tuple[str, str]]:
            present = set(set_info(get_attribute_set(set_key)).attributes)
            return [(a.key, f"{a.label} ({a.type})") for a in svc.list_attributes(lang) if a.key not in present]

        def picked(key: str | None) -> None:
            if key:
                self._run(lambda: add_to_set(set_key, [key], actor=self.actor), f"added {key} to set {set_key}")

        self._read_then(
            choices, lambda items: self.app.push_screen(PickerScreen(f"Add to set {set_key}", items), picked)
        )

    def action_remove_from_set(self) -> None:
        """Remove an attribute from the selected set (refused while values exist)."""
        set_key = self._selected_set()
        if set_key is None:
            return

        def choices() -> list[tuple[str, str]]:
            return [(k, k) for k in set_info(get_attribute_set(set_key)).attributes]

        def picked(key: str | None) -> None:
            if key:
                self._run(lambda: remove_from_set(set_key, key, actor=self.actor), f"removed {key} from set {set_key}")

        self._read_then(
            choices, lambda items: self.app.push_screen(PickerScreen(f"Remove from set {set_key}", items), picked)
        )
