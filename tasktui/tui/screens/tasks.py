"""The tasks screen (the start screen): filter bar, the virtual task table, bulk actions.

Every action is a binding with a description, so the footer, the help screen (`?`)
and the command palette list the same actions. The other screens are one key away:
`e` events, `F` custom attributes ("fields"), `S` settings.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.timer import Timer
from textual.widgets import Header, Input, Static

from tasktui.services import tasks as task_service
from tasktui.services.context import get_setting, set_setting
from tasktui.services.tasks import ASSIGNEE_MODES, BulkResult, TaskFilter
from tasktui.tui.background import closing_connection, report_errors
from tasktui.tui.screens.help import ScreenWithHelp
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

EMPTY_TEXT = """[b]No tasks yet.[/b]

Tasks appear here when a script raises an event, for example:

  [b]tasktui raise order_import_failed --title "Order 4711 failed"[/b]

or load a demo data set to look around:

  [b]tasktui demo[/b]

This screen updates by itself when tasks arrive."""


class TasksScreen(ScreenWithHelp):
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
        Binding("a", "pick_assignee", "Assignee…"),
        Binding("v", "pick_event", "Event…"),
        Binding("t", "toggle_status", "Open/done"),
        Binding("A", "select_all", "Select all"),
        Binding("escape", "clear_selection", "Unselect"),
        Binding("s", "pick_sort", "Sort"),
        Binding("r", "reverse_sort", "Reverse"),
        Binding("c", "choose_columns", "Columns"),
        Binding("x", "export", "Export"),
        Binding("e", "events", "Events"),
        Binding("F", "attributes", "Attributes"),
        Binding("S", "settings", "Settings"),
    ]

    def __init__(self) -> None:
        super().__init__(id="tasks-screen")
        self.assignee_mode = "all"
        self.event_id: int | None = None
        self.event_label = ""
        self.status = "open"
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

    @work(thread=True, group="tasks-preferences")
    def _load_preferences(self) -> None:
        with closing_connection():
            columns = parse_columns(get_setting(self.actor, COLUMNS_SETTING))
            sort, descending = parse_sort(get_setting(self.actor, SORT_SETTING))
        self.app.call_from_thread(self._start, columns, sort, descending)

    def _start(self, columns: list[str], sort: str, descending: bool) -> None:
        self.sort, self.descending = sort, descending
        self.table.set_columns(columns)
        self.table.focus()
        self.apply_filters()

    @property
    def table(self) -> TaskTable:
        """The task table."""
        return self.query_one(TaskTable)

    # ------------------------------------------------------------------ filters

    def current_filter(self) -> TaskFilter:
        """The filter the screen shows."""
        return TaskFilter(
            assignee_mode=self.assignee_mode,
            user_id=self.actor.user_id,
            event_id=self.event_id,
            status=self.status,
            text=self.text,
        )

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
                event_label=self.event_label,
                status=self.status,
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
        if search.has_focus and event.key in ("escape", "down"):
            event.stop()
            self.table.focus()

    def action_search(self) -> None:
        """Type a text to search for."""
        self.query_one("#search", Input).focus()

    def action_toggle_status(self) -> None:
        """Show open tasks only, or open and done."""
        self.status = "all" if self.status == "open" else "open"
        self.apply_filters()

    def action_pick_assignee(self) -> None:
        """Choose the assignee filter."""
        items = list(ASSIGNEE_MODES.items())

        def chosen(mode: str | None) -> None:
            if mode:
                self.assignee_mode = mode
                self.apply_filters()

        self.app.push_screen(PickerScreen("Assignee", items, current=self.assignee_mode), chosen)

    @work(thread=True, group="tasks-pickers")
    def action_pick_event(self) -> None:
        """Choose the event whose tasks are shown (or any event)."""
        from tasktui.services.events import list_events

        with report_errors(self.app):
            items = [(str(e.id), f"{e.name} ({e.identifier})") for e in list_events(lang=self.actor.lang)]
            self.app.call_from_thread(self._push_event_picker, items)

    def _push_event_picker(self, items: list[tuple[str, str]]) -> None:
        labels = dict(items)

        def chosen(value: str | None) -> None:
            if value is None:
                return
            self.event_id = int(value) if value else None
            self.event_label = labels.get(value, "").rsplit(" (", 1)[0] if value else ""
            self.apply_filters()

        current = str(self.event_id) if self.event_id else ""
        self.app.push_screen(PickerScreen("Event", items, allow_none="Any event", current=current), chosen)

    # ------------------------------------------------------------------ sort and columns

    def action_pick_sort(self) -> None:
        """Choose the column to sort by."""
        items = [(c.key, c.full_name) for c in COLUMNS]

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

        self.app.push_screen(ColumnChooserScreen(self.table.chosen_columns), chosen)

    @work(thread=True, group="tasks-settings")
    def _save_setting(self, key: str, value: str) -> None:
        with report_errors(self.app):
            set_setting(self.actor, key, value)

    # ------------------------------------------------------------------ table events

    @on(TaskTable.Counted)
    def _counted(self, event: TaskTable.Counted) -> None:
        self.query_one(FilterBar).show_count(event.total, event.exact)
        if event.total == 0:
            self._check_empty_database()
        else:
            self._show_empty_state(False)

    @work(thread=True, exclusive=True, group="tasks-empty")
    def _check_empty_database(self) -> None:
        with closing_connection():
            empty = task_service.count_tasks(TaskFilter(status="all")) == 0
        self.app.call_from_thread(self._show_empty_state, empty)

    def _show_empty_state(self, empty: bool) -> None:
        self.query_one("#empty-state").display = empty
        self.table.display = not empty

    @on(TaskTable.SelectionChanged)
    def _selection_changed(self) -> None:
        self._show_summary()

    @on(TaskTable.Opened)
    def _opened(self, event: TaskTable.Opened) -> None:
        from tasktui.tui.screens.task_detail import TaskDetailScreen

        if self.app.screen is not self:  # a second click or Enter of a burst: the detail is open
            return
        self.app.push_screen(TaskDetailScreen(event.task_id))

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

    @work(thread=True, exclusive=True, group="tasks-select-all")
    def _select_all(self, flt: TaskFilter) -> None:
        with report_errors(self.app):
            ids = task_service.matching_ids(flt)
            self.app.call_from_thread(self._selected_all, ids)

    def _selected_all(self, ids: list[int]) -> None:
        self.table.select_ids(ids)
        self.notify(f"{len(self.table.selected):,} tasks selected")

    def action_clear_selection(self) -> None:
        """Unselect every task."""
        if self.table.selected:
            self.table.clear_selection()

    def action_mark_done(self) -> None:
        """Mark the selected tasks (or the one under the cursor) done."""
        self._bulk(task_service.mark_done)

    def action_reopen(self) -> None:
        """Reopen the selected tasks (or the one under the cursor)."""
        self._bulk(task_service.reopen)

    def action_assign_me(self) -> None:
        """Assign the selected tasks (or the one under the cursor) to me."""
        self._bulk(task_service.assign)

    def action_unassign(self) -> None:
        """Remove the assignee of the selected tasks (or the one under the cursor)."""
        self._bulk(task_service.unassign)

    @work(thread=True, group="tasks-pickers")
    def action_assign_user(self) -> None:
        """Assign the selected tasks (or the one under the cursor) to a user."""
        from tasktui.services.people import list_users

        with report_errors(self.app):
            users = [(u.login, f"{u.display_name or u.login} ({u.login})") for u in list_users(include_inactive=False)]
            self.app.call_from_thread(self._push_user_picker, users)

    def _push_user_picker(self, users: list[tuple[str, str]]) -> None:
        ids = self.table.target_ids()
        if not ids:
            self.notify("No task to assign", severity="warning")
            return

        def chosen(login: str | None) -> None:
            if login:
                self._run_bulk(lambda actor, task_ids: task_service.assign(actor, task_ids, login), ids)

        self.app.push_screen(PickerScreen(f"Assign {len(ids):,} task(s) to", users), chosen)

    def _bulk(self, action: Callable[..., BulkResult]) -> None:
        ids = self.table.target_ids()
        if not ids:
            self.notify("No task selected", severity="warning")
            return
        self._run_bulk(action, ids)

    @work(thread=True, group="tasks-bulk")
    def _run_bulk(self, action: Callable[..., BulkResult], ids: list[int]) -> None:
        with report_errors(self.app):
            result = action(self.actor, ids)
            self.app.call_from_thread(self._bulk_done, result)

    def _bulk_done(self, result: BulkResult) -> None:
        self.notify(result.summary(), title="Bulk action" if len(self.table.selected) > 1 else "")
        if self.table.selected:
            self.table.clear_selection()
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

    def action_attributes(self) -> None:
        """Open the custom attributes screen (definitions, groups and sets)."""
        from tasktui.tui.screens.attributes import AttributesScreen

        self.app.push_screen(AttributesScreen(self.actor))
