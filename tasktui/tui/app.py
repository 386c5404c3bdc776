"""The Textual application: wires screens together, nothing more."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.driver import Driver
from textual.filter import LineFilter
from textual.screen import Screen

from tasktui.services.context import Actor
from tasktui.tui.backend import Backend
from tasktui.tui.keys_in_order import KeysInOrderApp

if TYPE_CHECKING:
    from tasktui.db.url import DatabaseUrl
    from tasktui.tui.screens.events import ShowEventTasks

#: How often the app asks the database whether another connection committed (seconds).
POLL_INTERVAL_S = 1.0


def stylesheet_path() -> Path:
    """`tasktui.tcss`: inside the installed package, or at the repository root in a
    source checkout. (Found beside this module rather than through importlib.resources,
    which would add some 25 ms of imports to the TUI's start: the package is always a
    directory, Textual reads its CSS from a file.)"""
    package = Path(__file__).resolve().parents[1]
    packaged = package / "tasktui.tcss"
    if packaged.is_file():
        return packaged
    return package.parent / "tasktui.tcss"


class TaskTuiApp(KeysInOrderApp):
    """The tasktui application: starts on the tasks screen and tells the open
    screens when the database changed (live refresh). Keys act in the order typed,
    also when they arrive in one burst (tui/keys_in_order.py)."""

    TITLE = "tasktui"
    #: In every footer (the key bar wraps, so there is room for it at 80 columns).
    BINDINGS = [Binding("q", "quit", "Quit"), Binding("f2", "toggle_key_bar", "Fold/unfold keys", show=False)]

    def __init__(self, db: DatabaseUrl | str | Path, actor: Actor) -> None:
        from tasktui.db.url import parse_database_url
        from tasktui.tui.commands import ScreenActionsProvider

        super().__init__(css_path=stylesheet_path())
        #: Where the database is (a URL or an SQLite file), as the CLI resolved it.
        self.database_url = parse_database_url(db)
        self.actor = actor
        self.sub_title = actor.login
        self.COMMANDS = App.COMMANDS | {ScreenActionsProvider}
        self._change_token: object | None = None
        #: F2 folds every screen's key bar to one line (`? more` opens the help).
        self.key_bar_folded = False
        self._unsafe_filter: LineFilter | None = None
        #: Every service call of the screens and widgets goes through it (tui/backend.py).
        self.backend = Backend(self)

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver for this terminal; on Linux the one that ends the app when
        its terminal goes away (tui/terminal_driver.py). A driver named in the
        environment (the browser's, the tests' headless one) is kept as it is."""
        from textual.drivers.linux_driver import LinuxDriver

        driver_class = super().get_driver_class()
        if driver_class is LinuxDriver:
            from tasktui.tui.terminal_driver import HangupAwareDriver

            return HangupAwareDriver
        return driver_class

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's filters, then the one that keeps raw control characters of stored
        text off the terminal, for every widget (tui/terminal_safety.py)."""
        from tasktui.tui.terminal_safety import UnsafeCharacterFilter

        if self._unsafe_filter is None:
            self._unsafe_filter = UnsafeCharacterFilter()
        return [*super().get_line_filters(), self._unsafe_filter]

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's palette commands, without its "Quit": the palette lists the `q`
        binding already, with its keys (it was there twice)."""
        for command in super().get_system_commands(screen):
            if command.callback != self.action_quit:
                yield command

    def action_toggle_key_bar(self) -> None:
        """Fold the key bars to one line, or show them whole again."""
        from tasktui.tui.widgets.key_bar import KeyBar

        self.key_bar_folded = not self.key_bar_folded
        for screen in self.screen_stack:
            for bar in screen.query(KeyBar):
                bar.refresh(layout=True)

    def on_mount(self) -> None:
        from tasktui.tui.screens.tasks import TasksScreen

        self.poll_changes()  # the version the first fetch sees: later commits are news
        self.push_screen(TasksScreen())
        self.set_interval(POLL_INTERVAL_S, self.poll_changes)

    def on_show_event_tasks(self, message: ShowEventTasks) -> None:
        """Enter on the events screen: back to the tasks screen, showing that event's tasks."""
        from tasktui.tui.screens.tasks import TasksScreen

        while len(self.screen_stack) > 1 and not isinstance(self.screen, TasksScreen):
            self.pop_screen()
        tasks = self.screen
        if isinstance(tasks, TasksScreen):  # the event filter the event picker (v) sets
            tasks.event_id, tasks.event_identifier, tasks.event_label = (
                message.event_id,
                message.identifier,
                message.name,
            )
            tasks.filters_changed()

    def poll_changes(self) -> None:
        """Live refresh: the dialect's change token (SQLite: `PRAGMA data_version` on
        the UI thread's own connection, microseconds) changes when any other
        connection (another process, or one of our worker threads) commits; then every
        screen that shows data refreshes."""
        from tasktui.db import change_token

        token = change_token()
        if self._change_token is not None and token != self._change_token:
            for screen in self.screen_stack:
                refresh = getattr(screen, "data_changed", None)
                if refresh is not None:
                    refresh()
        self._change_token = token


def make_app(db: DatabaseUrl | str | Path, actor: Actor) -> TaskTuiApp:
    """The one factory the CLI and the tests use, so tests run the app users get;
    `db` is the database the CLI resolved (a `DatabaseUrl`, a URL or a path).

    The user's default views (the tabs) are made here, before the app runs: made by
    the tabs' first worker, that write would be a change every open screen refreshes
    for, racing the first keys."""
    from tasktui.errors import TaskTuiError
    from tasktui.services.views import list_views

    try:
        list_views(actor)
    except TaskTuiError:  # e.g. busy: the tabs' worker makes them, or says why not
        pass
    return TaskTuiApp(db, actor)
