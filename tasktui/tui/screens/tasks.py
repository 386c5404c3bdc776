"""The tasks screen (the start screen): filter bar, the virtual task table, bulk actions.

Every action is a binding with a description, so the footer, the help screen (`?`)
and the command palette list the same actions. The other screens are one key away:
`e` events, `F` custom attributes ("fields"), `S` settings.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.timer import Timer
from textual.widgets import Header, Input, Static

from tasktui.lazy_typing import TYPE_CHECKING
from tasktui.services.context import get_setting, set_setting
from tasktui.services.tasks.counts import count_tasks
from tasktui.services.tasks.filters import TaskFilter
from tasktui.text_safety import visible_line
from tasktui.tui.common.task_actions import TaskActions
from tasktui.tui.screens.help import ScreenWithHelp
from tasktui.tui.screens.task_bulk import BulkActions
from tasktui.tui.screens.task_filters import (
    FILTERS_SETTING,
    FilterPickers,
    Named,
    SavedFilters,
    filters_setting,
    load_filters,
)
from tasktui.tui.screens.task_links import OtherScreens
from tasktui.tui.screens.task_pages import TaskPagesMixin
from tasktui.tui.screens.task_sorting import SortAndColumns, first_direction
from tasktui.tui.screens.task_views import ViewActions
from tasktui.tui.screens.triage import TriageActions, triage_summary
from tasktui.tui.widgets.filter_bar import FilterBar, FilterSummary
from tasktui.tui.widgets.key_bar import KeyBar
from tasktui.tui.widgets.task_columns import COLUMNS_BY_KEY, COLUMNS_SETTING, SORT_SETTING, parse_columns, parse_sort
from tasktui.tui.widgets.task_table import TaskTable
from tasktui.tui.widgets.task_window import Query
from tasktui.tui.widgets.view_tabs import ViewTabs

if TYPE_CHECKING:
    from tasktui.tui.screens.task_detail import TaskDetailScreen

#: Typing in the search box waits this long for the next key before querying.
SEARCH_DELAY_S = 0.08
#: The per-user setting that remembers the theme.
THEME_SETTING = "theme"


#: The example command of the empty screen: an event of the shipped catalogue, which a
#: database the TUI creates holds (tests run it as printed).
EXAMPLE_RAISE = 'tasktui raise orders_import_failed --title "Order 4711 failed"'

EMPTY_TEXT = f"""[b]No tasks yet.[/b]

Tasks appear here when a script raises an event, for example:

  [b]{EXAMPLE_RAISE}[/b]

or load a demo data set to look around:

  [b]tasktui demo[/b]

This screen updates by itself when tasks arrive."""


class TasksScreen(
    TaskPagesMixin,
    ViewActions,
    FilterPickers,
    SortAndColumns,
    BulkActions,
    OtherScreens,
    TriageActions,
    TaskActions,
    ScreenWithHelp,
):
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
        *ViewActions.VIEW_BINDINGS,
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
        #: The detail opened from this screen (its last task gets the cursor on return).
        self._detail: TaskDetailScreen | None = None
        self.status = "open"
        #: The triage filter (issue 17): severity ranks, acknowledged, snoozed.
        self.severities: tuple[int, ...] = ()
        self.acknowledged = "any"
        self.snoozed = "awake"
        #: Custom attribute filters ((name, value) pairs): only a view sets them.
        self.attributes: tuple[tuple[str, str], ...] = ()
        self.text = ""
        self.sort = "created"
        self.descending = True
        self._search_timer: Timer | None = None
        self.views, self.view_counts, self.active_view = [], {}, None
        #: The user's own column choice (a view naming columns shows those instead).
        self.own_columns: list[str] = []

    @property
    def actor(self):
        """The acting user of the app."""
        return self.app.actor

    def compose(self) -> ComposeResult:
        yield Header()
        yield ViewTabs(id="view-tabs")
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
        self.attributes, self.active_view = filters.attributes, filters.view
        if filters.event is not None:
            self.event_id, self.event_identifier, self.event_label = (
                filters.event.id,
                filters.event.name,
                filters.event.label,
            )
        if theme and theme in self.app.available_themes and theme != self.app.theme:
            self.app.theme = theme
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self.own_columns = columns
        self.table.set_columns(columns)
        self.table.focus()
        self.apply_filters()
        self.load_views()

    def _theme_changed(self, theme) -> None:
        self._save_setting(THEME_SETTING, theme.name)

    @property
    def table(self) -> TaskTable:
        """The task table."""
        return self.query_one(TaskTable)

    # ------------------------------------------------------------------ filters

    def current_filter(self) -> TaskFilter:
        """The filter the screen shows."""
        if self.assignee_user is not None:  # the picker's "one user's tasks", or a view's (any mode)
            mode, user_id = self.assignee_mode if self.assignee_mode != "all" else "direct", self.assignee_user.id
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
            attributes=self.attributes,
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

    def _triage_label(self) -> str:
        """The triage filter in a few words, and a view's attribute filters ("env=prod")."""
        words = [visible_line(f"{name}={value}") for name, value in self.attributes]
        triage = triage_summary(self.current_filter())
        return " ".join(words if triage == "Any" and words else [triage, *words])

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
            or self.attributes
        )

    def filters_changed(self) -> None:
        """Show the new filters and remember them (not the search text) for this user."""
        self.apply_filters()
        self._save_setting(FILTERS_SETTING, filters_setting(self))

    def action_reset_filters(self) -> None:
        """Back to the default view: every assignee, any event, open tasks, no search."""
        self.assignee_mode, self.assignee_user, self.assignee_group = "all", None, None
        self.event_id, self.event_identifier, self.event_label = None, "", ""
        self.status = "open"
        self.severities, self.acknowledged, self.snoozed = (), "any", "awake"
        self.attributes = ()
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
        self.show_view_tabs()
        self.table.set_query(query)

    def _show_summary(self) -> None:
        self.query_one(FilterBar).show_summary(
            FilterSummary(
                assignee_mode=self.assignee_mode,
                assignee_label=self._assignee_label(),
                filtered=self._filtered(),
                event_label=self.event_label,
                status=self.status,
                triage_label=self._triage_label(),
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

    @on(TaskTable.SortRequested)
    def _header_clicked(self, event: TaskTable.SortRequested) -> None:
        self.set_sort(event.key, not self.descending if event.key == self.sort else first_direction(event.key))

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
        self._detail = TaskDetailScreen(event.task_id, self.table.neighbour)
        self.app.push_screen(self._detail)

    def on_screen_resume(self) -> None:
        """Back from the detail: the cursor is on the task it showed last, even when
        that task left the view meanwhile and came back (done, then reopened)."""
        detail, self._detail = self._detail, None
        if detail is not None and self.query(TaskTable):
            self.table.reload(anchor_id=detail.task_id)

    def data_changed(self) -> None:
        """Another process (or a worker) changed the data: refresh count, window and tabs
        (nothing while the screen has no table: it is being torn down or rebuilt)."""
        tables = self.query(TaskTable)
        if not tables:
            return
        tables.first().reload()
        self.load_views()

    def language_changed(self) -> None:
        """The UI language changed: fetch the names (events) in the new language,
        keeping the cursor and the selection."""
        if self.table.task_query is not None:
            self.table.task_query = Query(self.current_filter(), self.sort, self.descending, self.actor.lang)
        self.table.reload()
