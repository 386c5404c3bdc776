"""A unit of database work on a short-lived thread.

Peewee keeps one connection per thread and a worker thread opens its own on first use;
left open, every finished worker would leave a connection (and a file handle) behind.
Who closes it belongs with the storage, not with the screens: the TUI's backend wraps
each call in `worker_unit()` and never names a connection itself.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from tasktui.models import database_proxy


@contextlib.contextmanager
def worker_unit() -> Iterator[None]:
    """Run the block as one unit of work of this thread: its connection (opened on
    first use) is closed at the end, whatever the block raised."""
    try:
        yield
    finally:
        if database_proxy.obj is not None:
            database_proxy.close()
