"""Saved views on the tasks screen (issue 17.4): the tabs above the table with their
live counts, `1`–`9` to take the Nth view's filters, sort and columns, `V` to save
the current filters as a view, `E` to rename or delete the active view.

A mixin of the tasks screen, which owns the filter state and calls `load_views`
when the data changes (live refresh) and `show_view_tabs` when its filters move.
The views and their counts are read in a worker (`view_counts`: capped, and an
error text for a view naming something removed, never an exception).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from tasktui.errors import TaskTuiError
from tasktui.services.context import Actor
from tasktui.services.severity import level_filter_text, parse_level_filter
from tasktui.services.views import ViewInfo, ViewSpec, list_views, view_counts
from tasktui.text_safety import visible_line
from tasktui.tui.screens.task_filters import Named
from tasktui.tui.widgets.view_tabs import KEYED, Tab, ViewTabs

if TYPE_CHECKING:
    from tasktui.tui.screens.tasks import TasksScreen

    _Base = TasksScreen
else:
    _Base = object

#: Below this many rows the tab line is hidden (the table and the key bar need them).
MIN_HEIGHT = 10


@dataclasses.dataclass(frozen=True)
class ResolvedView:
    """A view with the names of its filters looked up (ids for the query, labels)."""

    view: ViewInfo
    user: Named | None
    group: Named | None
    event: Named | None


def load_views(actor: Actor) -> tuple[list[ViewInfo], dict[int, str]]:
    """The actor's views in tab order and each one's live count (in a worker)."""
    views = list_views(actor)
    return views, view_counts(actor, views)


def resolve_view(actor: Actor, view: ViewInfo) -> ResolvedView:
    """The view's names looked up (in a worker); NotFound names the view and what it
    names that was removed."""
    from tasktui.services.events.definitions import get_event
    from tasktui.services.people import get_group, get_user
    from tasktui.services.views import view_filter

    view_filter(actor, view)  # the service's check, with its words for what is missing
    spec = view.spec
    user = get_user(spec.user) if spec.user else None
    group = get_group(spec.group) if spec.group else None
    event = get_event(spec.event) if spec.event else None
    return ResolvedView(
        view,
        Named(user.id, user.login) if user else None,
        Named(group.id, group.name) if group else None,
        Named(event.id, event.identifier, event.name(actor.lang)) if event else None,
    )


def shown(name: str) -> str:
    """A view name for a notification or a title: drawn visibly, never read as markup."""
    return escape(visible_line(name))


def _severity(text: str) -> str:
    """A severity filter in its shortest form ("critical,high" → "high+")."""
    return level_filter_text(parse_level_filter(text)) if text else ""


class ViewNameScreen(ModalScreen[str | None]):
    """A name for a view: Enter takes it, Escape cancels (result None)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    DEFAULT_CSS = """
    ViewNameScreen { align: center middle; }
    ViewNameScreen > #view-name-box {
        width: 50; max-width: 95%; height: auto; border: round $accent; background: $surface; padding: 0 1;
    }
    ViewNameScreen #view-name-title { text-style: bold; }
    ViewNameScreen #view-name-error { color: $error; width: 100%; }
    """

    def __init__(self, title: str, name: str = "") -> None:
        super().__init__()
        self.prompt_title, self.initial = title, name

    def compose(self) -> ComposeResult:
        with Vertical(id="view-name-box"):
            yield Label(self.prompt_title, id="view-name-title")
            yield Input(self.initial, placeholder="view name, Enter", id="view-name")
            yield Label("", id="view-name-error")

    @on(Input.Submitted, "#view-name")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.dismiss(event.value.strip())
        else:
            self.query_one("#view-name-error", Label).update("a view needs a name")

    def action_cancel(self) -> None:
        """Close without a name."""
        self.dismiss(None)


class ViewActions(_Base):
    """The view tabs of the tasks screen and their keys."""

    #: For the screen's BINDINGS: `1` stands for `1`–`9` in the help and the palette.
    VIEW_BINDINGS = [
        Binding("1", "switch_view(1)", "View 1–9 (tabs)", show=False, key_display="1…9"),
        *[Binding(str(n), f"switch_view({n})", "", show=False) for n in range(2, KEYED + 1)],
        # Not in the key bar (its 3 lines at 80 columns are full): help and palette list them.
        Binding("V", "save_view", "Save as view…", show=False),
        Binding("E", "edit_view", "Rename/delete view…", show=False),
    ]

    views: list[ViewInfo]
    view_counts: dict[int, str]
    #: The name of the view whose filters the screen took (None: no view).
    active_view: str | None

    def on_resize(self, event: events.Resize) -> None:
        """On a very small terminal the table keeps the line (1–9 still switch)."""
        self.view_tabs().display = event.size.height >= MIN_HEIGHT

    def view_tabs(self) -> ViewTabs:
        """The tabs widget."""
        return self.query_one(ViewTabs)

    def load_views(self) -> None:
        """Read the views and their counts again (in a worker), then redraw the tabs;
        the answer of an earlier call that comes later is dropped (not cancelled: a
        thread runs to its end anyway, and a cancelled worker fails `wait_for_complete`)."""
        self._views_asked = getattr(self, "_views_asked", 0) + 1
        asked = self._views_asked

        def loaded(found: tuple[list[ViewInfo], dict[int, str]]) -> None:
            if asked == self._views_asked:
                self.views, self.view_counts = found
                self.show_view_tabs()

        self.app.backend.run(load_views, self.actor, on_done=loaded, owner=self, group="tasks-views")

    def _active_info(self) -> ViewInfo | None:
        return next((v for v in self.views if v.name == self.active_view), None)

    def current_spec(self, columns: tuple[str, ...] = ()) -> ViewSpec:
        """The screen's filters and sort as a view spec (names, not ids)."""
        mode = self.assignee_mode
        if self.assignee_user is not None and mode == "all":
            mode = "direct"  # the picker's "one user's tasks"
        return ViewSpec(
            assignee=mode,
            user=self.assignee_user.name if self.assignee_user else None,
            group=self.assignee_group.name if self.assignee_group else None,
            event=self.event_identifier or None,
            severity=level_filter_text(self.severities),
            status=self.status,
            acknowledged=self.acknowledged,
            snoozed=self.snoozed,
            text=self.text,
            attributes=self.attributes,
            sort=self.sort,
            descending=self.descending,
            columns=columns,
        )

    def view_modified(self) -> bool:
        """The filters, sort or (when the view names them) columns differ from the active view's."""
        view = self._active_info()
        if view is None:
            return False
        columns = tuple(self.table.chosen_columns) if view.spec.columns else ()
        try:
            wanted = dataclasses.replace(view.spec, severity=_severity(view.spec.severity))
        except Exception:  # an unreadable severity of a stored view: it cannot match
            return True
        return self.current_spec(columns) != wanted

    def show_view_tabs(self) -> None:
        """Redraw the tabs: counts, the active one, and whether it was modified."""
        if not self.is_mounted:
            return
        tabs = [Tab(v.name, self.view_counts.get(v.id, "")) for v in self.views]
        names = [v.name for v in self.views]
        active = names.index(self.active_view) if self.active_view in names else None
        self.view_tabs().show(tabs, active, self.view_modified())

    def on_view_tabs_clicked(self, event: ViewTabs.Clicked) -> None:  # by name: `@on` skips mixins
        """A click on a tab chooses its view, as its number key does."""
        self.action_switch_view(event.position)

    def action_switch_view(self, position: int) -> None:
        """Take the filters, sort and columns of the Nth view (a tab)."""
        if position > len(self.views):
            self.notify(f"No view {position}: V saves the current filters as one", severity="warning")
            return
        view = self.views[position - 1]
        self.app.backend.run(
            resolve_view,
            self.actor,
            view,
            on_done=self._take_view,
            on_error=self._view_failed,
            owner=self,
            group="tasks-views-switch",
        )

    def _view_failed(self, error: TaskTuiError) -> None:
        """A view naming a removed event, user or group: say so, keep the filters."""
        self.notify(visible_line(str(error)), title="View", severity="error", markup=False)

    def _take_view(self, resolved: ResolvedView) -> None:
        spec = resolved.view.spec
        self.assignee_mode, self.assignee_user, self.assignee_group = spec.assignee, resolved.user, resolved.group
        event = resolved.event
        self.event_id, self.event_identifier, self.event_label = (
            (event.id, event.name, event.label) if event else (None, "", "")
        )
        self.severities = parse_level_filter(spec.severity) if spec.severity else ()
        self.status, self.acknowledged, self.snoozed = spec.status, spec.acknowledged, spec.snoozed
        self.attributes = spec.attributes
        self.text = spec.text
        search = self.query_one("#search", Input)
        if search.value != spec.text:
            search.value = spec.text
        self.sort, self.descending = spec.sort, spec.descending
        self.table.set_columns(list(spec.columns or self.own_columns))
        self.active_view = resolved.view.name
        self.save_sort()
        self.filters_changed()

    def _spec_to_save(self) -> ViewSpec:
        columns = tuple(self.table.chosen_columns)
        return self.current_spec(columns if list(columns) != list(self.own_columns) else ())

    def action_save_view(self) -> None:
        """Save the current filters, sort and columns as a view (a tab)."""

        def named(name: str | None) -> None:
            if not name:
                return
            if any(v.name == name and v.mine for v in self.views):
                from tasktui.tui.screens.confirm import Choice, ChoiceScreen

                choices = [Choice("replace", "Replace", "y", "warning"), Choice("cancel", "Cancel", "n")]
                message = "You have a view of that name: save the current filters over it?"
                self.app.push_screen(
                    ChoiceScreen(f"Replace view {shown(name)}?", message, choices),
                    lambda answer: self._save_view(name) if answer == "replace" else None,
                )
            else:
                self._save_view(name)

        self.app.push_screen(ViewNameScreen("Save the filters as view", self.active_view or ""), named)

    def _save_view(self, name: str) -> None:
        from tasktui.services.views import save_view

        def saved(view: ViewInfo) -> None:
            self.active_view = view.name
            self.notify(f"View {shown(view.name)} saved")
            self.filters_changed()
            self.load_views()

        self.app.backend.run(
            save_view, self.actor, name, self._spec_to_save(), on_done=saved, owner=self, group="tasks-views-edit"
        )

    def action_edit_view(self) -> None:
        """Rename or delete the active view (only your own: a shared one is its owner's)."""
        view = self._active_info()
        if view is None:
            self.notify("No view chosen: 1–9 choose one", severity="warning")
            return
        from tasktui.tui.screens.confirm import Choice, ChoiceScreen

        choices = [Choice("rename", "Rename", "r"), Choice("delete", "Delete", "d", "error")]
        owner = "" if view.mine else f" (shared by {shown(view.owner)})"

        def chosen(answer: str | None) -> None:
            if answer == "rename":
                self.app.push_screen(
                    ViewNameScreen(f"Rename view {shown(view.name)}", view.name),
                    lambda new: self._rename_view(view.name, new) if new else None,
                )
            elif answer == "delete":
                self._delete_view(view.name)

        self.app.push_screen(ChoiceScreen(f"View {shown(view.name)}{owner}", "Rename or delete it?", choices), chosen)

    def _rename_view(self, name: str, new_name: str) -> None:
        from tasktui.services.views import rename_view

        def renamed(view: ViewInfo) -> None:
            self.active_view = view.name
            self.notify(f"View {shown(name)} renamed to {shown(view.name)}")
            self.filters_changed()
            self.load_views()

        self.app.backend.run(
            rename_view, self.actor, name, new_name, on_done=renamed, owner=self, group="tasks-views-edit"
        )

    def _delete_view(self, name: str) -> None:
        from tasktui.services.views import delete_view

        def deleted(_result: None) -> None:
            self.active_view = None
            self.notify(f"View {shown(name)} deleted")
            self.filters_changed()
            self.load_views()

        self.app.backend.run(delete_view, self.actor, name, on_done=deleted, owner=self, group="tasks-views-edit")
