"""The events screen: every event in a sortable, searchable table with its open tasks
and last raise; Enter shows the event's tasks, and there are create, edit, delete /
mark obsolete, and the UI language switch.

Events are few (tens to hundreds), so the whole list is read through
`services.events.definitions.list_events` on each change; sorting happens here, searching in SQL.
Every service call runs off the UI thread through the app's backend.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from tasktui.errors import TaskTuiError
from tasktui.models import utcnow
from tasktui.services.context import Actor
from tasktui.services.events.definitions import (
    EventInfo,
    delete_event,
    event_info,
    get_event,
    list_events,
    set_obsolete,
)
from tasktui.tui.screens.confirm import Choice, ChoiceScreen
from tasktui.tui.screens.help import ScreenWithHelp
from tasktui.tui.terminal_safety import visible_line
from tasktui.tui.widgets.column_widths import fit_widths
from tasktui.tui.widgets.key_bar import KeyBar

UNASSIGNED = "Unassigned"
OBSOLETE_STYLE = "dim"
#: The rows of the screen that are not the table's: title, search box (3), the
#: selected event's line, status line, the key bar (2 lines at 80 columns); before
#: the first layout, the table's height is estimated from the screen's.
OTHER_ROWS = 8


@dataclass(frozen=True)
class EventColumn:
    """A column of the table: its key, header, cell text and sort key; and how far it
    gives way when the table is wider than the terminal: a shorter header, and the
    narrowest width its (ellipsised) cells are cut to (None: never cut)."""

    key: str
    header: str
    cell: Callable[[EventInfo], str]
    sort_key: Callable[[EventInfo], object]
    short_header: str = ""
    min_width: int | None = None
    #: Left out when the table would scroll sideways otherwise (80 columns); the line
    #: about the selected event shows its value instead.
    optional: bool = False


def age(when: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """How long ago `when` was, in one short word: "now", "5m", "3h", "2d" ("–": never)."""
    if when is None:
        return "–"
    seconds = max(0, int(((now or utcnow()) - when).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return "now"


COLUMNS = [
    # names come from manifests and people: stored text is drawn with visible controls
    EventColumn("name", "Name", lambda e: visible_line(e.name), lambda e: e.name.casefold(), min_width=12),
    EventColumn("plugin", "Plugin", lambda e: visible_line(e.plugin_label), lambda e: e.plugin_label.casefold(), min_width=8),
    EventColumn(
        "user", "Responsible user", lambda e: visible_line(e.responsible_user or UNASSIGNED),
        lambda e: (e.responsible_user or "~"), "Resp. user", len(UNASSIGNED),
    ),
    EventColumn(
        "group", "Responsible group", lambda e: visible_line(e.responsible_group or UNASSIGNED),
        lambda e: (e.responsible_group or "~"), "Resp. group", len(UNASSIGNED),
    ),
    EventColumn("state", "State", lambda e: e.state, lambda e: e.state),
    EventColumn("identifier", "Identifier", lambda e: e.identifier, lambda e: e.identifier, min_width=12),
    EventColumn("id", "ID", lambda e: str(e.id), lambda e: e.id),
    EventColumn("open", "Open", lambda e: str(e.open_count or 0), lambda e: -(e.open_count or 0), optional=True),
    EventColumn(
        "last", "Last raised", lambda e: age(e.last_raised),
        lambda e: -(e.last_raised.timestamp() if e.last_raised else float("-inf")), "Last", optional=True,
    ),
]  # fmt: skip
COLUMN_KEYS = [c.key for c in COLUMNS]


def column_layout(
    events: list[EventInfo], sorted_header: Callable[[str, str], str], available: Callable[[int], int]
) -> list[tuple[EventColumn, str, int]]:
    """(column, header, width) of each column shown so the table fits `available(n)`
    cells (the room for n columns, padding excluded), at 80 columns too, with State
    visible: every column as wide as its content with the full headers when that
    fits; else "Resp. user" and "Resp. group", and the widest of Name, Plugin, the
    responsible ones and Identifier cut first (never below their minimum); when even
    that is too wide, the optional columns (open tasks, last raised) are left out
    (beyond that the table scrolls). `sorted_header(key, header)` adds the sort arrow
    to the sorted column's header."""
    for columns in (COLUMNS, [c for c in COLUMNS if not c.optional]):
        room = available(len(columns))
        cells = [[cell_len(column.cell(info)) for info in events] for column in columns]
        for short in (False, True):
            headers = [sorted_header(c.key, (short and c.short_header) or c.header) for c in columns]
            natural = [max([cell_len(header), *widths]) for header, widths in zip(headers, cells)]
            if sum(natural) <= room:
                return list(zip(columns, headers, natural))
        minimum = [
            width if c.min_width is None else min(width, max(c.min_width, cell_len(header)))
            for c, header, width in zip(columns, headers, natural)
        ]
        if sum(minimum) <= room:
            break
    return list(zip(columns, headers, fit_widths(natural, minimum, room)))


class LanguageChanged(Message):
    """Posted (bubbling to the app) after the user switched the UI language. By then
    the app's `actor` is updated and every other screen in the stack has been told:
    its `language_changed()` (or else `data_changed()`) method was called."""

    def __init__(self, actor: Actor) -> None:
        super().__init__()
        self.actor = actor


class ShowEventTasks(Message):
    """Posted (bubbling to the app) when the user asks for an event's tasks (Enter):
    the app goes back to the tasks screen filtered by that event."""

    def __init__(self, event_id: int, identifier: str, name: str) -> None:
        super().__init__()
        self.event_id = event_id
        self.identifier = identifier
        self.name = name


class EventsScreen(ScreenWithHelp[None]):
    """Events: Name (current language), Plugin, Responsible user and group, State,
    Identifier, ID, open tasks and last raised. Obsolete events are dimmed. Every action is
    a binding with a description: the footer, the help screen and the app's command
    palette provider list them; `?` opens the help."""

    BINDINGS = [
        Binding("enter", "show_tasks", "Tasks"),
        Binding("n", "new_event", "New"),
        Binding("e", "edit_event", "Edit"),
        Binding("d", "delete_event", "Delete"),
        Binding("o", "toggle_obsolete", "Obsolete"),
        Binding("slash", "focus_search", "Search", key_display="/"),
        Binding("s", "next_sort", "Sort"),
        Binding("r", "reverse_sort", "Reverse"),
        Binding("L", "switch_language", "Language"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, actor: Actor) -> None:
        super().__init__()
        self.actor = actor
        self.sort_column = "name"
        self.descending = False
        self.events: list[EventInfo] = []
        #: The search the events shown were read with.
        self._search = ""
        #: The event the editor just saved: the next redraw puts the cursor on it (the
        #: reload on resuming the screen may supersede the one the editor asked for).
        self._reselect: str | None = None

    def compose(self) -> ComposeResult:
        yield Static("Events", id="events-title")
        yield Input(placeholder="Search identifier, names, plugin  ( / )", id="events-search")
        yield DataTable(id="events-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="events-selected")
        yield Static("", id="events-status")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload(self.selected_identifier())

    def on_resize(self) -> None:
        """Fit the columns to the new width."""
        self.show_events(self.selected_identifier())

    def data_changed(self) -> None:
        """Live refresh: the app calls this when another connection committed."""
        self.reload(self.selected_identifier())

    # -- data ---------------------------------------------------------------------

    def reload(self, select: str | None = None) -> None:
        """Read the events again (search applied, in a worker), sort, and redraw; keep
        the cursor on `select` (an identifier) when it is still listed. A newer reload
        (the search typed on) supersedes one still running."""
        search = self.query_one("#events-search", Input).value.strip()
        self.app.backend.run(
            lambda: list_events(search, self.actor.lang, with_activity=True),
            on_done=lambda events: self._loaded(events, search, select),
            owner=self,
            group="events-load",
            exclusive=True,
        )

    def _resort(self) -> None:
        """Sort the events already read again (no database work) and redraw."""
        self._loaded(list(self.events), self._search, self.selected_identifier())

    def _loaded(self, events: list[EventInfo], search: str, select: str | None) -> None:
        self._search = search
        select, self._reselect = self._reselect or select, None
        column = COLUMNS[COLUMN_KEYS.index(self.sort_column)]
        events.sort(key=lambda e: (column.sort_key(e), e.id), reverse=self.descending)
        self.events = events
        self.show_events(select)
        lang = {"en": "English", "de": "Deutsch"}.get(self.actor.lang, self.actor.lang)
        obsolete = sum(e.obsolete for e in events)
        self.query_one("#events-status", Static).update(
            f"{len(events)} event{'s' if len(events) != 1 else ''}"
            + (f" ({obsolete} obsolete)" if obsolete else "")
            + (f" matching {search!r}" if search else "")
            + f" · sorted by {column.header} {'descending' if self.descending else 'ascending'}"
            + f" · names in {lang}"
        )

    def show_events(self, select: str | None = None) -> None:
        """Redraw the table from `self.events`, its columns fitted to the screen's
        width; keep the cursor on `select` (an identifier) when it is listed."""
        table = self.query_one(DataTable)
        table.clear(columns=True)
        arrow = " ▼" if self.descending else " ▲"

        def sorted_header(key: str, header: str) -> str:
            return header + arrow if key == self.sort_column else header

        layout = column_layout(self.events, sorted_header, self._table_width)
        for col, header, width in layout:
            table.add_column(Text(header, no_wrap=True, overflow="ellipsis"), key=col.key, width=width)
        shown = [col for col, _, _ in layout]
        for info in self.events:
            style = OBSOLETE_STYLE if info.obsolete else ""
            cells = (Text(col.cell(info), style=style, no_wrap=True, overflow="ellipsis") for col in shown)
            table.add_row(*cells, key=info.identifier)
        if select is not None:
            index = next((i for i, e in enumerate(self.events) if e.identifier == select), None)
            if index is not None:
                table.move_cursor(row=index)
        self._show_selected()

    def _table_width(self, columns: int) -> int:
        """The cells `columns` columns may take without horizontal scrolling: the
        table's width less the vertical scrollbar (when the rows need one) and the padding."""
        table = self.query_one(DataTable)
        width, height = table.size if table.size.width else (self.app.size.width, self.app.size.height - OTHER_ROWS)
        if len(self.events) + table.header_height > height:
            width -= table.styles.scrollbar_size_vertical
        return width - 2 * table.cell_padding * columns

    def selected_identifier(self) -> str | None:
        """The identifier of the event under the cursor, or None when the table is empty."""
        table = self.query_one(DataTable)
        if not self.events or table.cursor_row is None or not (0 <= table.cursor_row < len(self.events)):
            return None
        return self.events[table.cursor_row].identifier

    def _with_selected_info(self, then: Callable[[EventInfo], object]) -> None:
        """Read the selected event afresh (with its task count, in a worker), then `then(info)`."""
        identifier = self.selected_identifier()
        if identifier is None:
            self.notify("No event selected.", severity="warning")
            return

        def gone(e: TaskTuiError) -> None:
            self.notify(str(e), severity="error")
            self.reload()

        lang = self.actor.lang
        self.app.backend.run(
            lambda: event_info(get_event(identifier), lang, with_count=True),
            on_done=then,
            on_error=gone,
            owner=self,
            group="events-selected",
        )

    @on(Input.Changed, "#events-search")
    def _search_changed(self) -> None:
        self.reload(self.selected_identifier())

    @on(Input.Submitted, "#events-search")
    def _search_submitted(self) -> None:
        self.query_one(DataTable).focus()

    @on(DataTable.HeaderSelected)
    def _header_clicked(self, event: DataTable.HeaderSelected) -> None:
        key = str(event.column_key.value)
        self.descending = not self.descending if key == self.sort_column else False
        self.sort_column = key
        self._resort()

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self) -> None:
        self._show_selected()

    def _show_selected(self) -> None:
        """One line about the event under the cursor, so its identifier and name are
        readable in full where a narrow terminal cuts those columns."""
        identifier = self.selected_identifier()
        line = self.query_one("#events-selected", Static)
        if identifier is None:
            line.update("No events" + (" match the search" if self.query_one("#events-search", Input).value else ""))
            return
        info = next(e for e in self.events if e.identifier == identifier)
        names = f"{visible_line(info.plugin_label)} · {visible_line(info.name)}"
        activity = f"{info.open_count or 0} open · last raised {age(info.last_raised)}"
        line.update(Content(f"▸ {info.identifier} · ID {info.id} · {info.state} · {activity} · {names}"))  # not markup

    @on(DataTable.RowSelected)
    def _row_chosen(self) -> None:
        self.action_show_tasks()

    # -- actions ------------------------------------------------------------------

    def action_show_tasks(self) -> None:
        """Show the tasks of the selected event (the tasks screen, filtered by it)."""
        if self.query_one("#events-search", Input).has_focus:
            self.query_one(DataTable).focus()
            return
        identifier = self.selected_identifier()
        if identifier is None:
            self.notify("No event selected.", severity="warning")
            return
        info = next(e for e in self.events if e.identifier == identifier)
        self.post_message(ShowEventTasks(info.id, info.identifier, info.name))

    def action_new_event(self) -> None:
        """Open the editor for a new event."""
        from tasktui.tui.screens.event_editor import EventEditorScreen

        self.app.push_screen(EventEditorScreen(self.actor), self._edited)

    def action_edit_event(self) -> None:
        """Open the editor on the selected event."""
        from tasktui.tui.screens.event_editor import EventEditorScreen

        self._with_selected_info(lambda info: self.app.push_screen(EventEditorScreen(self.actor, info), self._edited))

    def _edited(self, identifier: str | None) -> None:
        self._reselect = identifier
        self.reload(identifier or self.selected_identifier())

    def action_delete_event(self) -> None:
        """Ask, then delete the selected event; one with tasks can only be marked
        obsolete, which the dialog offers instead."""
        self._with_selected_info(self._ask_delete)

    def _ask_delete(self, info: EventInfo) -> None:
        if info.task_count:
            self.app.push_screen(cannot_delete_dialog(info), lambda choice: self._after_cannot_delete(info, choice))
        else:
            self.app.push_screen(delete_dialog(info), lambda choice: self._after_delete(info, choice))

    def _after_delete(self, info: EventInfo, choice: str | None) -> None:
        if choice != "delete":
            return

        # after the delete the cursor takes the next event (the previous one at the end)
        listed = [e.identifier for e in self.events]
        at = listed.index(info.identifier) if info.identifier in listed else None
        others = [] if at is None else listed[at + 1 : at + 2] + listed[max(at - 1, 0) : at]
        neighbour = others[0] if others else None

        def refused(e: TaskTuiError) -> None:
            self.notify(str(e), severity="error")
            self.reload(info.identifier)

        def deleted(_: object) -> None:
            self.notify(f"Deleted event {info.identifier}.")
            self.reload(neighbour)

        self.app.backend.run(
            lambda: delete_event(info.identifier, actor=self.actor), on_done=deleted, on_error=refused, owner=self
        )

    def _after_cannot_delete(self, info: EventInfo, choice: str | None) -> None:
        if choice == "obsolete":
            self._set_obsolete(info.identifier, True)

    def action_toggle_obsolete(self) -> None:
        """Mark the selected event obsolete, or an obsolete one active again."""
        self._with_selected_info(lambda info: self._set_obsolete(info.identifier, not info.obsolete))

    def _set_obsolete(self, identifier: str, obsolete: bool) -> None:
        def refused(e: TaskTuiError) -> None:
            self.notify(str(e), severity="error")
            self.reload(identifier)

        def done(info: EventInfo) -> None:
            self.notify(f"Event {info.identifier} is now {info.state.lower()}.")
            self.reload(identifier)

        lang = self.actor.lang
        self.app.backend.run(
            lambda: set_obsolete(identifier, obsolete, lang, actor=self.actor),
            on_done=done,
            on_error=refused,
            owner=self,
        )

    def action_focus_search(self) -> None:
        """Put the cursor in the search field."""
        self.query_one("#events-search", Input).focus()

    def action_next_sort(self) -> None:
        """Sort by the next column."""
        self.sort_column = COLUMN_KEYS[(COLUMN_KEYS.index(self.sort_column) + 1) % len(COLUMN_KEYS)]
        self.descending = False
        self._resort()

    def action_reverse_sort(self) -> None:
        """Reverse the sort order."""
        self.descending = not self.descending
        self._resort()

    def action_switch_language(self) -> None:
        """Switch the UI language (English <-> German), remember it for this user,
        and show event names in it."""
        from tasktui.services.i18n import next_language, remember_language

        actor = self.actor
        self.app.backend.run(
            lambda: remember_language(actor, next_language(actor.lang)), on_done=self._language_switched, owner=self
        )

    def _language_switched(self, actor: Actor) -> None:
        from tasktui.services.i18n import LANGUAGE_NAMES

        self.actor = actor
        if hasattr(self.app, "actor"):
            self.app.actor = self.actor
        for screen in self.app.screen_stack:  # the screens below show names too
            refresh = getattr(screen, "language_changed", None) or getattr(screen, "data_changed", None)
            if screen is not self and refresh is not None:
                refresh()
        self.post_message(LanguageChanged(self.actor))
        self.notify(f"Language: {LANGUAGE_NAMES[self.actor.lang]}")
        self.reload(self.selected_identifier())

    def action_back(self) -> None:
        """Leave the search field, or else go back to the previous screen."""
        if self.query_one("#events-search", Input).has_focus:
            self.query_one(DataTable).focus()
        elif len(self.app.screen_stack) > 1:
            self.app.pop_screen()


def _what_is_lost(info: EventInfo) -> str:
    names = f"English name {info.name_en!r}" + (f", German name {info.name_de!r}" if info.name_de else "")
    return (
        f"Lost with it: its names ({names}); its responsibility (user: "
        f"{info.responsible_user or UNASSIGNED}, group: {info.responsible_group or UNASSIGNED}); its settings "
        f"(plugin: {info.plugin_label}, attribute set: {info.attribute_set or 'none'}, email notification switch)."
    )


def delete_dialog(info: EventInfo) -> ChoiceScreen:
    """The confirmation for deleting an event without tasks: says what is lost."""
    return ChoiceScreen(
        "Delete event?",
        f"Delete event {info.identifier} ({info.name})? It has no tasks.\n\n"
        f"{_what_is_lost(info)}\n\nThis cannot be undone.",
        [Choice("cancel", "Cancel", "n", "primary"), Choice("delete", "Delete", "d", "error")],
    )


def cannot_delete_dialog(info: EventInfo) -> ChoiceScreen:
    """For an event with tasks: deleting is not possible; offer to mark it obsolete."""
    count = info.task_count or 0
    tasks = f"{count} task{'s' if count != 1 else ''}"
    if info.obsolete:
        return ChoiceScreen(
            "Event cannot be deleted",
            f"Event {info.identifier} ({info.name}) has {tasks}, so it cannot be deleted: its tasks "
            "would lose their event. It is already obsolete: it keeps its tasks and raises no new ones.",
            [Choice("close", "Close", "c", "primary")],
        )
    return ChoiceScreen(
        "Event cannot be deleted",
        f"Event {info.identifier} ({info.name}) has {tasks}, so it cannot be deleted: its tasks "
        "would lose their event.\n\nMark it obsolete instead? It keeps its tasks, raises no new ones, "
        "and can be made active again at any time.",
        [Choice("cancel", "Cancel", "n"), Choice("obsolete", "Mark obsolete", "o", "warning")],
    )
