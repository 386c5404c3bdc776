"""Running database work off the UI thread.

Peewee keeps one connection per thread; a worker thread opens its own on first use.
`closing_connection` closes it when the work is done, so short-lived worker threads
leave no connection behind. `report_errors` turns the typed errors of the services
into a notification instead of ending the app.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from textual.app import App

from tasktui.errors import TaskTuiError
from tasktui.models import database_proxy


@contextlib.contextmanager
def closing_connection() -> Iterator[None]:
    """Close this thread's database connection at the end of the block."""
    try:
        yield
    finally:
        if database_proxy.obj is not None:
            database_proxy.close()


@contextlib.contextmanager
def report_errors(app: App) -> Iterator[None]:
    """In a worker thread: show a service error (Refused, Invalid, NotFound,
    Unavailable) as an error notification, and close the thread's connection."""
    with closing_connection():
        try:
            yield
        except TaskTuiError as e:
            app.call_from_thread(app.notify, str(e), severity="error", timeout=6)
