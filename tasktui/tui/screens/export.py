"""The export dialog: write every task of the current view to a CSV or JSON file,
with a progress bar; the export runs in a worker through services.transfer.export.

In a browser session (`tasktui web`) the file is downloaded by the browser (Textual's
`deliver_binary`), never written where the server runs: the dialog asks for a file
name only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, ProgressBar, RadioSet

from tasktui.services.transfer.export import ExportResult, export_tasks, export_to_file_object
from tasktui.tui.widgets.task_window import Query
from tasktui.tui.widgets.toggles import Checkbox, RadioButton


def default_path(fmt: str, now: dt.datetime | None = None) -> str:
    """A new file name in the current folder, e.g. tasks-20240301-0800.csv."""
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    return str(Path.cwd() / f"tasks-{stamp}.{fmt}")


def download_name(typed: str, fmt: str) -> str:
    """The file name a browser download gets: the last part of what was typed, in
    plain characters, ending in the format's extension."""
    name = Path(typed.strip().replace("\\", "/")).name
    name = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in name).strip("._")[:100]
    stem = Path(name).stem if Path(name).suffix.lower() in (".csv", ".json") else name
    return f"{stem or Path(default_path(fmt)).stem}.{fmt}"


class ExportScreen(ModalScreen[ExportResult | None]):
    """Choose a file and a format, then export (Enter); Escape closes."""

    BINDINGS = [
        Binding("escape", "cancel", "Close"),
        Binding("ctrl+s", "export", "Export"),
    ]

    def __init__(self, query: Query, total: int, exact: bool = True) -> None:
        super().__init__()
        self.view_query = query
        self.total = total
        self.exact = exact
        self.running = False

    def compose(self) -> ComposeResult:
        with Vertical(id="export-box"):
            more = "" if self.exact else "+"
            plural = "" if self.total == 1 and self.exact else "s"
            yield Label(f"Export the current view: {self.total:,}{more} task{plural}", id="export-title")
            web = self.app.is_web
            yield Input(Path(default_path("csv")).name if web else default_path("csv"), id="export-path")
            with Horizontal(id="export-options"):
                with RadioSet(id="export-format"):
                    yield RadioButton("CSV", value=True, id="format-csv")
                    yield RadioButton("JSON", id="format-json")
                if not web:
                    yield Checkbox("Overwrite an existing file", id="export-overwrite")
            yield ProgressBar(total=max(1, self.total), show_eta=False, id="export-progress")
            where = "downloads it to your browser" if web else "exports"
            yield Label(f"Enter or Ctrl+S {where} · Escape closes", id="export-status")
            with Horizontal(id="export-buttons"):
                yield Button("Export", variant="primary", id="export-run")
                yield Button("Close", id="export-close")

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    @property
    def fmt(self) -> str:
        """The chosen format."""
        return "json" if self.query_one("#format-json", RadioButton).value else "csv"

    @on(RadioSet.Changed)
    def _format_changed(self) -> None:
        path_input = self.query_one("#export-path", Input)
        path = Path(path_input.value)
        if path.suffix.lower() in (".csv", ".json"):
            path_input.value = str(path.with_suffix(f".{self.fmt}"))

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export-run")
    def action_export(self) -> None:
        """Start the export."""
        if self.running:
            return
        if self.app.is_web:
            self.running = True
            self._status("Preparing the download…")
            self._download(download_name(self.query_one("#export-path", Input).value, self.fmt), self.fmt)
            return
        path = Path(self.query_one("#export-path", Input).value.strip()).expanduser()
        overwrite = self.query_one("#export-overwrite", Checkbox).value
        self.running = True
        self._status("Exporting…")
        self._export(path, self.fmt, overwrite)

    @on(Button.Pressed, "#export-close")
    def action_cancel(self) -> None:
        """Close the dialog (an export in progress finishes in the background)."""
        self.dismiss(None)

    def _status(self, text: str, error: bool = False) -> None:
        label = self.query_one("#export-status", Label)
        label.update(text)
        label.set_class(error, "-error")

    def _export(self, path: Path, fmt: str, overwrite: bool) -> None:
        """Write the file in a worker, moving the progress bar on the way."""
        q = self.view_query

        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(self.query_one(ProgressBar).update, total=max(1, total), progress=done)

        self.app.backend.run(
            export_tasks,
            q.flt,
            path,
            fmt,
            q.sort,
            q.descending,
            q.lang,
            overwrite,
            progress,
            on_done=self._finished,
            on_error=lambda error: self._failed(str(error)),
            owner=self,
            group="export",
            exclusive=True,
        )

    def _download(self, name: str, fmt: str) -> None:
        """Build the file in a worker (in memory, or an unnamed temporary file when
        large), then hand it to the browser."""
        q = self.view_query

        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(self.query_one(ProgressBar).update, total=max(1, total), progress=done)

        def deliver(result: tuple) -> None:
            file, count = result
            mime = "text/csv" if fmt == "csv" else "application/json"
            self.app.deliver_binary(file, save_filename=name, mime_type=mime)
            self.running = False
            self.app.notify(f"Sent {count:,} tasks to your browser as {name}", title="Export")
            if self.is_attached:
                self.dismiss(None)

        self.app.backend.run(
            export_to_file_object,
            q.flt,
            fmt,
            q.sort,
            q.descending,
            q.lang,
            progress,
            on_done=deliver,
            on_error=lambda error: self._failed(str(error)),
            owner=self,
            group="export",
            exclusive=True,
        )

    def _failed(self, message: str) -> None:
        self.running = False
        self._status(message, error=True)

    def _finished(self, result: ExportResult) -> None:
        self.running = False
        message = f"Exported {result.count:,} tasks to {result.path}"
        self.app.notify(message, title="Export")
        if self.is_attached:
            self.dismiss(result)
