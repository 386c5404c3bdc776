"""The tasks screen (the start screen): filter bar, the virtual task table, bulk actions.

Every action is a binding with a description, so the footer, the help screen (`?`)
and the command palette list the same actions. The other screens are one key away:
`e` events, `F` custom attributes ("fields"), `S` settings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.timer import Timer
from textual.widgets import Header, Input, Static

from tasktui.services.context import get_setting, set_setting
from tasktui.services.severity import level_filter_text
from tasktui.services.tasks.counts import count_tasks
from tasktui.services.tasks.filters import ASSIGNEE_MODES, TaskFilter
from tasktui.services.tasks.listing import matching_ids
from tasktui.services.tasks.transitions import BulkResult
from tasktui.tui.common.task_actions import GROUP_PREFIX, USER_PREFIX, TaskActions
from tasktui.tui.screens.help import ScreenWithHelp
from tasktui.tui.screens.task_pages import TaskPagesMixin
from tasktui.tui.screens.triage import TriageActions, triage_summary
from tasktui.tui.widgets.filter_bar import FilterBar, FilterSummary
from tasktui.tui.widgets.key_bar import KeyBar
from tasktui.tui.widgets.picker import PickerScreen
from tasktui.tui.widgets.task_columns import (
    COLUMNS,
    COLUMNS_BY_KEY,
    COLUMNS_SETTING,
    SORT_SETTING,
    format_sort,
    parse_columns,
    parse_sort,
)
from tasktui.tui.widgets.task_table import TaskTable
from tasktui.tui.widgets.task_window import Query

#: Typing in the search box waits this long for the next key before querying.
SEARCH_DELAY_S = 0.08
#: The per-user setting that remembers the filters (not the search text) between runs.
FILTERS_SETTING = "tasks.filters"
#: The per-user setting that remembers the theme.
THEME_SETTING = "theme"


@dataclass(frozen=True)
class Named:
    """A user, group or event the filters refer to: its id (for the query) and the name
    it is remembered by (ids stay valid only inside one database)."""

    id: int
    name: str
    label: str = ""


@dataclass(frozen=True)
class SavedFilters:
    """The filters as the screen restores them: names resolved to ids, unknown ones
    (a removed event or user) dropped."""

    assignee_mode: str = "all"
    user: Named | None = None
    group: Named | None = None
    event: Named | None = None
    status: str = "open"
    severities: tuple[int, ...] = ()
    acknowledged: str = "any"
    snoozed: str = "awake"


def load_filters(text: str | None, lang: str) -> SavedFilters:
    """The remembered filters (in a worker: looks names up); a bad or stale setting
    gives the defaults for what it cannot restore."""
    from tasktui.errors import Invalid, NotFound
    from tasktui.services.events.definitions import get_event
    from tasktui.services.people import get_group, get_user

    try:
        data = json.loads(text) if text else {}
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    mode = data.get("assignee") if data.get("assignee") in ASSIGNEE_MODES else "all"
    user = group = event = None
    try:
        if isinstance(data.get("user"), str):
            found = get_user(data["user"])
            user = Named(found.id, found.login)
        if isinstance(data.get("group"), str):
            found = get_group(data["group"])
            group = Named(found.id, found.name)
        if isinstance(data.get("event"), str):
            found = get_event(data["event"])
            event = Named(found.id, found.identifier, found.name(lang))
    except NotFound:
        pass
    from tasktui.services.severity import parse_level_filter
    from tasktui.services.tasks.filters import ACK_MODES, SNOOZE_MODES

    status = data.get("status") if data.get("status") in ("open", "all") else "open"
    try:
        severities = parse_level_filter(data["severity"]) if isinstance(data.get("severity"), str) else ()
    except Invalid:
        severities = ()
    acknowledged = data.get("acknowledged") if data.get("acknowledged") in ACK_MODES else "any"
    snoozed = data.get("snoozed") if data.get("snoozed") in SNOOZE_MODES else "awake"
    return SavedFilters(mode, user, group, event, status, severities, acknowledged, snoozed)


#: The example command of the empty screen: an event of the shipped catalogue, which a
#: database the TUI creates holds (tests run it as printed).
EXAMPLE_RAISE = 'tasktui raise orders_import_failed --title "Order 4711 failed"'

EMPTY_TEXT = f"""[b]No tasks yet.[/b]

Tasks appear here when a script raises an event, for example:

  [b]{EXAMPLE_RAISE}[/b]

or load a demo data set to look around:

  [b]tasktui demo[/b]

This screen updates by itself when tasks arrive."""


class TasksScreen(TaskPagesMixin, TriageActions, TaskActions, ScreenWithHelp):
    """Triage: find tasks with the filters, select them, act on them."""

    #: The table has the focus from the first frame (before the preferences are read)
    #: and again whenever a screen on top closes, so keys pressed early act on it.
    AUTO_FOCUS = "#task-table"

    #: Short descriptions: the key bar shows them all in 3 lines at 80 columns (2 at
    #: 120); the filter bar reads "a Assignee: …  v Event: …" (the pickers' keys).
    BINDINGS = [
        Binding("slash", "search", "Search"),
        Binding("d", "mark_done", "Done"),
        Binding("o", "reopen", "Reopen"),
        Binding("m", "assign_me", "Assign me"),
        Binding("u", "assign_user", "Assign…"),
        Binding("U", "unassign", "Unassign"),
        # Not in the key bar (its 3 lines at 80 columns are full): the toast after
        # every bulk action says "z to undo"; the help and the palette list it.
        Binding("z", "undo", "Undo last bulk action", show=False),
        Binding("a", "pick_assignee", "Assignee…"),
        Binding("v", "pick_event", "Event…"),
        Binding("t", "toggle_status", "Open/done"),
        *TriageActions.TRIAGE_BINDINGS,
        # Not in the key bar (no room at 80 columns): the filter bar shows "R Reset"
        # whenever a filter is set; the help and the palette list it.
        Binding("R", "reset_filters", "Reset filters", show=False),
        Binding("A", "select_all", "Select all"),
        # Not in the key bar since the triage keys came (3 lines at 80 columns): Esc
        # unselects as everywhere; the help and the palette list it.
        Binding("escape", "clear_selection", "Unselect", show=False),
        Binding("s", "pick_sort", "Sort"),
        Binding("r", "reverse_sort", "Reverse"),
        Binding("c", "choose_columns", "Columns"),
        Binding("x", "export", "Export"),
        Binding("e", "events", "Events"),
        Binding("F", "attributes", "Attributes"),
        Binding("S", "settings", "Settings"),
        # Not in the key bar either (full at 80 columns): help and palette list them.
        Binding("P", "people", "People", show=False),
        Binding("number_sign", "stats", "Stats", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="tasks-screen")
        self.assignee_mode = "all"
        #: One user's or one group's tasks (the assignee picker's "user:" and "group:").
        self.assignee_user: Named | None = None
        self.assignee_group: Named | None = None
        self.event_id: int | None = None
        self.event_identifier = ""
        self.event_label = ""
        self.status = "open"
        #: The triage filter (issue 17): severity ranks, acknowledged, snoozed.
        self.severities: tuple[int, ...] = ()
        self.acknowledged = "any"
        self.snoozed = "awake"
        self.text = ""
        self.sort = "created"
        self.descending = True
        self._search_timer: Timer | None = None

    @property
    def actor(self):
        """The acting user of the app."""
        return self.app.actor

    def compose(self) -> ComposeResult:
        yield Header()
        yield FilterBar(id="filter-bar")
        yield TaskTable(id="task-table")
        yield Static(EMPTY_TEXT, id="empty-state")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#empty-state").display = False
        self._load_preferences()

    def _load_preferences(self) -> None:
        actor = self.actor

        def read() -> tuple[list[str], str, bool, SavedFilters, str | None]:
            columns = parse_columns(get_setting(actor, COLUMNS_SETTING))
            sort, descending = parse_sort(get_setting(actor, SORT_SETTING))
            filters = load_filters(get_setting(actor, FILTERS_SETTING), actor.lang)
            return columns, sort, descending, filters, get_setting(actor, THEME_SETTING)

        self.app.backend.run(read, on_done=lambda prefs: self._start(*prefs), owner=self, group="tasks-preferences")

    def _start(self, columns: list[str], sort: str, descending: bool, filters: SavedFilters, theme: str | None) -> None:
        self.sort, self.descending = sort, descending
        self.assignee_mode, self.status = filters.assignee_mode, filters.status
        self.assignee_user, self.assignee_group = filters.user, filters.group
        self.severities, self.acknowledged, self.snoozed = filters.severities, filters.acknowledged, filters.snoozed
        if filters.event is not None:
            self.event_id, self.event_identifier, self.event_label = (
                filters.event.id,
                filters.event.name,
                filters.event.label,
            )
        if theme and theme in self.app.available_themes and theme != self.app.theme:
            self.app.theme = theme
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self.table.set_columns(columns)
        self.table.focus()
        self.apply_filters()

    def _theme_changed(self, theme) -> None:
        self._save_setting(THEME_SETTING, theme.name)

    @property
    def table(self) -> TaskTable:
        """The task table."""
        return self.query_one(TaskTable)

    # ------------------------------------------------------------------ filters

    def current_filter(self) -> TaskFilter:
        """The filter the screen shows."""
        if self.assignee_user is not None:
            mode, user_id = "direct", self.assignee_user.id
        else:
            mode, user_id = self.assignee_mode, self.actor.user_id
        return TaskFilter(
            assignee_mode=mode,
            user_id=user_id,
            event_id=self.event_id,
            group_id=self.assignee_group.id if self.assignee_group else None,
            status=self.status,
            text=self.text,
            severities=self.severities,
            acknowledged=self.acknowledged,
            snoozed=self.snoozed,
        )

    def triage_filter(self) -> TaskFilter:
        """The current filter, for the triage picker's counts."""
        return self.current_filter()

    def set_triage(self, flt: TaskFilter) -> None:
        """Take the triage choices of `flt` (severity, acknowledged, snoozed)."""
        self.severities, self.acknowledged, self.snoozed = flt.severities, flt.acknowledged, flt.snoozed
        self.filters_changed()

    def _assignee_label(self) -> str:
        if self.assignee_user is not None:
            return self.assignee_user.name
        if self.assignee_group is not None:
            return f"group {self.assignee_group.name}"
        return ""

    def _filtered(self) -> bool:
        """Whether any filter differs from the default view (`R` resets them)."""
        return bool(
            self.assignee_mode != "all"
            or self.assignee_user
            or self.assignee_group
            or self.event_id is not None
            or self.status != "open"
            or self.text
            or self.severities
            or self.acknowledged != "any"
            or self.snoozed != "awake"
        )

    def filters_changed(self) -> None:
        """Show the new filters and remember them (not the search text) for this user."""
        self.apply_filters()
        saved = {
            "assignee": self.assignee_mode,
            "user": self.assignee_user.name if self.assignee_user else None,
            "group": self.assignee_group.name if self.assignee_group else None,
            "event": self.event_identifier or None,
            "status": self.status,
            "severity": level_filter_text(self.severities) or None,
            "acknowledged": self.acknowledged if self.acknowledged != "any" else None,
            "snoozed": self.snoozed if self.snoozed != "awake" else None,
        }
        self._save_setting(FILTERS_SETTING, json.dumps({k: v for k, v in saved.items() if v is not None}))

    def action_reset_filters(self) -> None:
        """Back to the default view: every assignee, any event, open tasks, no search."""
        self.assignee_mode, self.assignee_user, self.assignee_group = "all", None, None
        self.event_id, self.event_identifier, self.event_label = None, "", ""
        self.status = "open"
        self.severities, self.acknowledged, self.snoozed = (), "any", "awake"
        search = self.query_one("#search", Input)
        if search.value:
            search.value = ""
        self.text = ""
        self.filters_changed()
        self.notify("Filters reset")

    def apply_filters(self) -> None:
        """Show the current filters and sort: count and first page, in a worker."""
        query = Query(self.current_filter(), self.sort, self.descending, self.actor.lang)
        self.query_one(FilterBar).show_count(None)
        self._show_summary()
        self.table.set_query(query)

    def _show_summary(self) -> None:
        self.query_one(FilterBar).show_summary(
            FilterSummary(
                assignee_mode=self.assignee_mode,
                assignee_label=self._assignee_label(),
                filtered=self._filtered(),
                event_label=self.event_label,
                status=self.status,
                triage_label=triage_summary(self.current_filter()),
                sort_label=COLUMNS_BY_KEY[self.sort].full_name,
                descending=self.descending,
                selected=len(self.table.selected),
            )
        )

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DELAY_S, self._apply_search)

    def _apply_search(self) -> None:
        text = self.query_one("#search", Input).value.strip()
        if text != self.text:
            self.text = text
            self.apply_filters()

    @on(Input.Submitted, "#search")
    def _search_submitted(self) -> None:
        self._apply_search()
        self.table.focus()

    def on_key(self, event) -> None:
        search = self.query_one("#search", Input)
        if not search.has_focus or event.key not in ("escape", "down"):
            return
        event.stop()
        if event.key == "escape" and search.value:  # the first Esc clears, the second leaves
            search.value = ""
            if self._search_timer is not None:
                self._search_timer.stop()
            self._apply_search()
            return
        self.table.focus()

    def action_search(self) -> None:
        """Type a text to search for."""
        self.query_one("#search", Input).focus()

    def action_toggle_status(self) -> None:
        """Show open tasks only, or open and done."""
        self.status = "all" if self.status == "open" else "open"
        self.filters_changed()

    def action_pick_assignee(self) -> None:
        """Choose the assignee filter: a mode, one user's tasks or one group's."""
        self.app.backend.run(
            assignee_filter_choices, on_done=self._push_assignee_picker, owner=self, group="tasks-pickers"
        )

    def _push_assignee_picker(self, people: list[tuple[str, str]]) -> None:
        items = list(ASSIGNEE_MODES.items()) + people

        def chosen(value: str | None) -> None:
            if value:
                self._choose_assignee(value)

        if self.assignee_user is not None:
            current = USER_PREFIX + self.assignee_user.name
        elif self.assignee_group is not None:
            current = GROUP_PREFIX + self.assignee_group.name
        else:
            current = self.assignee_mode
        flt, me = self.current_filter(), self.actor.user_id
        picker = PickerScreen(
            "Assignee", items, current=current, counts=lambda values: assignee_counts(flt, me, values)
        )
        self.app.push_screen(picker, chosen)

    def _choose_assignee(self, value: str) -> None:
        self.app.backend.run(
            assignee_filter,
            value,
            on_done=lambda chosen: self._assignee_chosen(*chosen),
            owner=self,
            group="tasks-pickers",
        )

    def _assignee_chosen(self, mode: str, user: Named | None, group: Named | None) -> None:
        self.assignee_mode, self.assignee_user, self.assignee_group = mode, user, group
        self.filters_changed()

    def action_pick_event(self) -> None:
        """Choose the event whose tasks are shown (or any event)."""
        self.app.backend.run(
            event_filter_choices,
            self.actor.lang,
            on_done=lambda found: self._push_event_picker(*found),
            owner=self,
            group="tasks-pickers",
        )

    def _push_event_picker(self, items: list[tuple[str, str]], names: dict[str, tuple[str, str]]) -> None:
        def chosen(value: str | None) -> None:
            if value is None:
                return
            self.event_id = int(value) if value else None
            self.event_identifier, self.event_label = names.get(value, ("", "")) if value else ("", "")
            self.filters_changed()

        current = str(self.event_id) if self.event_id else ""
        flt = self.current_filter()
        picker = PickerScreen(
            "Event", items, allow_none="Any event", current=current, counts=lambda values: event_counts(flt, values)
        )
        self.app.push_screen(picker, chosen)

    # ------------------------------------------------------------------ sort and columns

    def action_pick_sort(self) -> None:
        """Choose the column to sort by."""
        items = [(c.key, c.full_name) for c in COLUMNS if c.sort_key == c.key]  # Age sorts as Created

        def chosen(key: str | None) -> None:
            if key:
                self.set_sort(key, self.descending if key == self.sort else key in ("created", "id", "done_at"))

        self.app.push_screen(PickerScreen("Sort by", items, current=self.sort), chosen)

    def action_reverse_sort(self) -> None:
        """Reverse the sort order."""
        self.set_sort(self.sort, not self.descending)

    @on(TaskTable.SortRequested)
    def _header_clicked(self, event: TaskTable.SortRequested) -> None:
        self.set_sort(event.key, not self.descending if event.key == self.sort else True)

    def set_sort(self, key: str, descending: bool) -> None:
        """Sort by `key` and remember the choice for this user."""
        self.sort, self.descending = key, descending
        self.apply_filters()
        self._save_setting(SORT_SETTING, format_sort(key, descending))

    def action_choose_columns(self) -> None:
        """Show or hide columns (remembered for this user)."""
        from tasktui.tui.screens.columns import ColumnChooserScreen

        def chosen(keys: list[str] | None) -> None:
            if keys:
                self.table.set_columns(keys)
                self._save_setting(COLUMNS_SETTING, ",".join(keys))

        layout = self.table.layout_now()
        notes = {key: "hidden: no room" for key in layout.hidden}
        if layout.merged_group:
            notes["group"] = "no room: shown as @group under Assigned to"
        self.app.push_screen(ColumnChooserScreen(self.table.chosen_columns, notes), chosen)

    def _save_setting(self, key: str, value: str) -> None:
        self.app.backend.run(set_setting, self.actor, key, value, owner=self, group="tasks-settings")

    # ------------------------------------------------------------------ table events

    @on(TaskTable.Counted)
    def _counted(self, event: TaskTable.Counted) -> None:
        self.query_one(FilterBar).show_count(event.total, event.exact)
        if event.total == 0:
            self._check_empty_database()
        else:
            self._show_empty_state(False)

    def _check_empty_database(self) -> None:
        self.app.backend.run(
            count_tasks,
            TaskFilter(status="all"),
            on_done=lambda n: self._show_empty_state(n == 0),
            owner=self,
            group="tasks-empty",
            exclusive=True,
        )

    def _show_empty_state(self, empty: bool) -> None:
        self.query_one("#empty-state").display = empty
        self.table.display = not empty
        if not empty and self.focused is None:  # the hidden table lost the focus: give it back
            self.table.focus()

    @on(TaskTable.NewAbove)
    def _new_above(self, event: TaskTable.NewAbove) -> None:
        self.query_one(FilterBar).show_new_above(event.count)

    @on(TaskTable.SelectionChanged)
    def _selection_changed(self) -> None:
        self._show_summary()

    @on(TaskTable.Opened)
    def _opened(self, event: TaskTable.Opened) -> None:
        from tasktui.tui.screens.task_detail import TaskDetailScreen

        if self.app.screen is not self:  # a second click or Enter of a burst: the detail is open
            return
        self.app.push_screen(TaskDetailScreen(event.task_id, self.table.neighbour))

    def data_changed(self) -> None:
        """Another process (or a worker) changed the data: refresh count and window."""
        self.table.reload()

    def language_changed(self) -> None:
        """The UI language changed: fetch the names (events) in the new language,
        keeping the cursor and the selection."""
        if self.table.task_query is not None:
            self.table.task_query = Query(self.current_filter(), self.sort, self.descending, self.actor.lang)
        self.table.reload()

    # ------------------------------------------------------------------ bulk actions

    def action_select_all(self) -> None:
        """Select every task matching the filter."""
        self._select_all(self.current_filter())

    def _select_all(self, flt: TaskFilter) -> None:
        self.app.backend.run(
            matching_ids, flt, on_done=self._selected_all, owner=self, group="tasks-select-all", exclusive=True
        )

    def _selected_all(self, ids: list[int]) -> None:
        self.table.select_ids(ids)
        self.notify(f"{len(self.table.selected):,} tasks selected")

    def action_clear_selection(self) -> None:
        """Unselect every task."""
        if self.table.selected:
            self.table.clear_selection()

    def task_action_ids(self) -> list[int]:
        """The selected tasks, or the one under the cursor."""
        return self.table.target_ids()

    def task_action_done(self, result: BulkResult) -> None:
        """Say what changed ("3,950 done — z to undo"), drop the selection and show
        the tasks as they are now."""
        from tasktui.services.tasks.bulk_preview import toast_text

        self.notify(toast_text(result), title="Bulk action" if len(self.table.selected) > 1 else "")
        if self.table.selected:
            self.table.clear_selection()
        self.table.reload()

    def undo_done(self, result) -> None:
        """After `z`: say what the undo did and show the tasks as they are now."""
        super().undo_done(result)
        self.table.reload()

    # ------------------------------------------------------------------ other screens

    def action_export(self) -> None:
        """Export every task of the current view to CSV or JSON."""
        from tasktui.tui.screens.export import ExportScreen

        query = Query(self.current_filter(), self.sort, self.descending, self.actor.lang)
        self.app.push_screen(ExportScreen(query, self.table.total, self.table.total_exact))

    def action_settings(self) -> None:
        """Open the settings screen (email notifications: SMTP, per-event switches, outbox)."""
        from tasktui.tui.screens.settings import SettingsScreen

        self.app.push_screen(SettingsScreen(self.actor))

    def action_events(self) -> None:
        """Open the events screen (create, edit, delete or retire events)."""
        from tasktui.tui.screens.events import EventsScreen

        self.app.push_screen(EventsScreen(self.actor))

    def action_people(self) -> None:
        """Open the people screen (users and groups)."""
        from tasktui.tui.screens.people import PeopleScreen

        self.app.push_screen(PeopleScreen())

    def action_stats(self) -> None:
        """Open the stats screen (charts of raised, done and open tasks)."""
        from tasktui.tui.screens.stats import StatsScreen

        self.app.push_screen(StatsScreen())

    def action_attributes(self) -> None:
        """Open the custom attributes screen (definitions, groups and sets)."""
        from tasktui.tui.screens.attributes import AttributesScreen

        self.app.push_screen(AttributesScreen(self.actor))


def assignee_filter_choices() -> list[tuple[str, str]]:
    """(value, label) of the users and groups the assignee filter offers (in a worker)."""
    from tasktui.services.people import group_choices, user_choices

    people = [(USER_PREFIX + login, f"Assigned to {label}") for login, label in user_choices()]
    people += [(GROUP_PREFIX + name, f"Group {label}") for name, label in group_choices()]
    return people


def assignee_filter(value: str) -> tuple[str, Named | None, Named | None]:
    """The assignee filter a picker value means: (mode, user, group) (in a worker)."""
    from tasktui.services.people import get_group, get_user

    user = group = None
    mode = value if value in ASSIGNEE_MODES else "all"
    if value.startswith(USER_PREFIX):
        found = get_user(value.removeprefix(USER_PREFIX))
        user = Named(found.id, found.login)
    elif value.startswith(GROUP_PREFIX):
        found_group = get_group(value.removeprefix(GROUP_PREFIX))
        group = Named(found_group.id, found_group.name)
    return mode, user, group


def event_filter_choices(lang: str) -> tuple[list[tuple[str, str]], dict[str, tuple[str, str]]]:
    """The event picker's items and each event's (identifier, name), by id (in a worker)."""
    from tasktui.services.events.definitions import list_events

    found = list_events(lang=lang)
    items = [(str(e.id), f"{e.name} ({e.identifier})") for e in found]
    names = {str(e.id): (e.identifier, e.name) for e in found}
    return items, names


def assignee_counts(flt: TaskFilter, me: int, values: list[str]) -> dict[str, str]:
    """The count beside each assignee choice under the other filters (in a worker)."""
    import dataclasses

    from tasktui.services.tasks.counts import choice_counts

    filters = {}
    for value in values:
        mode, user, group = assignee_filter(value)
        filters[value] = dataclasses.replace(
            flt,
            assignee_mode="direct" if user else mode,
            user_id=user.id if user else me,
            group_id=group.id if group else None,
        )
    return choice_counts(filters)


def event_counts(flt: TaskFilter, values: list[str]) -> dict[str, str]:
    """The count beside each event choice ("" any event) under the other filters (in a worker)."""
    import dataclasses

    from tasktui.services.tasks.counts import choice_counts

    return choice_counts({v: dataclasses.replace(flt, event_id=int(v) if v else None) for v in values})
