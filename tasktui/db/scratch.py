"""A scratch database for work too big to hold in memory (the records of an import
file while they are checked and written): SQLite's private temporary database.

Its file is in the system's temporary directory, unlinked as soon as it is opened, so
it goes away in every case, also when the process dies; closing the connection frees
it at once. It is never the tasktui store (which may be PostgreSQL): the services ask
for one here instead of opening SQLite themselves.
"""

from __future__ import annotations

import sqlite3
from typing import Any

#: Pages kept in memory (KiB, as SQLite's negative cache_size: its default); the rest,
#: and big sorts, go to the temporary file, so memory stays flat.
CACHE_KIB = 2_048


def scratch_database(cache_kib: int = CACHE_KIB) -> Any:
    """A new, empty private scratch database (a DB-API connection in autocommit
    mode): no journal, no syncing, temporary tables and sorts on disk."""
    db = sqlite3.connect("", isolation_level=None)
    for pragma in ("journal_mode = OFF", "synchronous = OFF", "temp_store = FILE", f"cache_size = -{int(cache_kib)}"):
        db.execute(f"PRAGMA {pragma}")
    return db
