"""The tasks screen's filter state on the way in and out: the filters remembered per
user (names, not ids), the assignee and event pickers with the count of each choice,
and the functions they run in workers.

`FilterPickers` is a mixin of the tasks screen, which owns the filter state
(`assignee_mode`, `assignee_user`, `assignee_group`, `event_id`, …) and calls
`filters_changed` when it moves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tasktui.services.tasks.filters import ASSIGNEE_MODES, TaskFilter
from tasktui.tui.common.task_actions import GROUP_PREFIX, USER_PREFIX
from tasktui.tui.widgets.picker import PickerScreen

if TYPE_CHECKING:
    from tasktui.tui.screens.tasks import TasksScreen

    _Base = TasksScreen
else:
    _Base = object

#: The per-user setting that remembers the filters (not the search text) between runs.
FILTERS_SETTING = "tasks.filters"


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
    attributes: tuple[tuple[str, str], ...] = ()
    #: The saved view whose filters these were (its tab is marked).
    view: str | None = None


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
    attributes = tuple(
        (p[0], p[1])
        for p in data.get("attributes") or ()
        if isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p)
    )
    view = data["view"] if isinstance(data.get("view"), str) else None
    return SavedFilters(mode, user, group, event, status, severities, acknowledged, snoozed, attributes, view)


def filters_setting(screen: TasksScreen) -> str:
    """The screen's filters (not the search text) as `load_filters` reads them back."""
    from tasktui.services.severity import level_filter_text

    saved = {
        "assignee": screen.assignee_mode,
        "user": screen.assignee_user.name if screen.assignee_user else None,
        "group": screen.assignee_group.name if screen.assignee_group else None,
        "event": screen.event_identifier or None,
        "status": screen.status,
        "severity": level_filter_text(screen.severities) or None,
        "acknowledged": screen.acknowledged if screen.acknowledged != "any" else None,
        "snoozed": screen.snoozed if screen.snoozed != "awake" else None,
        "attributes": [list(pair) for pair in screen.attributes] or None,
        "view": screen.active_view,
    }
    return json.dumps({k: v for k, v in saved.items() if v is not None})


class FilterPickers(_Base):
    """The assignee picker (`a`) and the event picker (`v`) of the tasks screen."""

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
