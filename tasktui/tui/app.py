"""The Textual application: wires screens together, nothing more."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header

from tasktui.services.context import Actor


def stylesheet_path() -> Path:
    """`tasktui.tcss`: inside the installed package, or at the repository root in a
    source checkout."""
    packaged = resources.files("tasktui") / "tasktui.tcss"
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "tasktui.tcss"


class TaskTuiApp(App):
    """The tasktui application."""

    TITLE = "tasktui"
    BINDINGS = [("q", "quit", "Quit")]

    def __init__(self, db_path: Path, actor: Actor) -> None:
        super().__init__(css_path=stylesheet_path())
        self.db_path = db_path
        self.actor = actor

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="tasks")
        yield Footer()

    def on_mount(self) -> None:
        from tasktui.services.tasks import TaskFilter, list_tasks

        table = self.query_one(DataTable)
        table.add_columns("ID", "Status", "Title", "Event", "Assignee")
        for row in list_tasks(TaskFilter(), limit=200, lang=self.actor.lang):
            table.add_row(str(row.id), row.status, row.title, row.event_name, row.assignee or "")


def make_app(db_path: Path, actor: Actor) -> TaskTuiApp:
    """The one factory the CLI and the tests use, so tests run the app users get."""
    return TaskTuiApp(db_path, actor)
