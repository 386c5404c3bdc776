"""The tasks screen's ways to the other screens (export, events, attributes, settings,
people, stats): each is imported when first opened, so the start stays light.

A mixin of the tasks screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tasktui.tui.widgets.task_window import Query

if TYPE_CHECKING:
    from tasktui.tui.screens.tasks import TasksScreen

    _Base = TasksScreen
else:
    _Base = object


class OtherScreens(_Base):
    """The actions that open another screen from the tasks screen."""

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
