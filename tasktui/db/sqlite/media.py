"""Read-only media: why an SQLite file can only be read, and how to read it without
leaving a side file next to it."""

from __future__ import annotations

import os
from pathlib import Path


def read_only_reason(path: Path) -> str | None:
    """Why the database file at `path` (or, when it does not exist, its directory) can
    only be read — "is on a read-only file system", "is not writable by you", "is in a
    directory that cannot be written" — or None.

    Such a file is opened read-only: reading commands work, writing ones are refused
    with "read-only: ..." (an ordinary open would fail before reading anything: it
    switches the file to WAL and creates the -wal/-shm files)."""
    try:
        if os.statvfs(path if path.exists() else path.parent).f_flag & os.ST_RDONLY:
            return "is on a read-only file system"
        if path.exists() and not os.access(path, os.W_OK):
            return "is not writable by you"
        if path.exists() and not Path(f"{path}-shm").exists() and not os.access(path.parent, os.W_OK):
            # a writer creates the -wal and -shm next to the file: it cannot here
            return f"is in a directory that cannot be written ({path.parent}: SQLite keeps its -wal and -shm there)"
    except OSError:
        return None
    return None


def reading_uri(path: Path) -> str:
    """The URI of a connection that only reads `path` and creates no side file.

    Without a -wal file no writer is connected, and the file is read as `immutable`
    (a WAL-mode file can then be read even where its -shm cannot be created, as on
    read-only media); with one, SQLite's ordinary read-only locking applies."""
    immutable = "&immutable=1" if not Path(f"{path}-wal").exists() else ""
    return f"{path.absolute().as_uri()}?mode=ro{immutable}"
