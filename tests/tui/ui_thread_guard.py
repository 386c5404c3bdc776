"""A guard for the TUI's one backend seam: it records every SQL statement run on the
UI thread while a screen is being driven. Screens and widgets must reach the services
through `app.backend.run` (a worker thread), so the list stays empty; the one exception
is the app's change token (live refresh), polled on the UI thread by design."""

from __future__ import annotations

import contextlib
import threading
import traceback
from collections.abc import Iterator

import peewee as pw

#: Statements the UI thread may run: the live-refresh poll (tui/app.py `poll_changes`).
ALLOWED = ("PRAGMA data_version",)


@contextlib.contextmanager
def sql_on_ui_thread() -> Iterator[list[str]]:
    """Yield the list that collects (statement, where it came from) for every SQL
    statement the calling thread (the UI thread of `run_test`) runs meanwhile."""
    ui_thread = threading.get_ident()
    found: list[str] = []
    original = pw.Database.execute_sql

    def guarded(self, sql, params=None, *args, **kwargs):
        if threading.get_ident() == ui_thread and not str(sql).startswith(ALLOWED):
            caller = next(
                (
                    f"{f.filename}:{f.lineno} {f.name}"
                    for f in reversed(traceback.extract_stack())
                    if "tasktui/tui/" in f.filename
                ),
                "?",
            )
            found.append(f"{str(sql)[:60]}  <- {caller}")
        return original(self, sql, params, *args, **kwargs)

    pw.Database.execute_sql = guarded
    try:
        yield found
    finally:
        pw.Database.execute_sql = original
