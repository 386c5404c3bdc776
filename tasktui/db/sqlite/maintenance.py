"""`tasktui db check|backup` on SQLite: integrity, foreign keys, the stored schema
version and the online backup, each through a plain connection that never changes
the file (see tasktui/services/admin/maintenance.py)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from tasktui.db.sqlite.errors import database_error_message, unreadable_message
from tasktui.db.sqlite.files import BUSY_TIMEOUT_S, check_file, inspect_file
from tasktui.db.sqlite.media import read_only_reason, reading_uri
from tasktui.errors import NotFound, Unavailable


def _read_only_connection(path: Path) -> sqlite3.Connection:
    """A plain connection that never changes what `path` holds and leaves no -wal/-shm
    behind (for `db check` and `db backup`).

    On writable media it is an ordinary connection with `query_only`: a read-only one
    cannot remove the -wal/-shm files it creates next to a WAL-mode file, where the
    last ordinary connection to close removes them (after checkpointing what a crashed
    writer left, as any tasktui command would). On read-only media, see `media.reading_uri`."""
    try:
        if read_only_reason(path) is not None:
            return sqlite3.connect(reading_uri(path), uri=True, timeout=BUSY_TIMEOUT_S)
        con = sqlite3.connect(f"{path.absolute().as_uri()}?mode=rw", uri=True, timeout=BUSY_TIMEOUT_S)
        con.execute("PRAGMA query_only = 1")
        return con
    except sqlite3.Error as e:
        raise Unavailable(database_error_message(e, path=path) or f"cannot open database {path}: {e}") from None


def require_existing_file(path: Path) -> None:
    """Refuse a missing, foreign, corrupt-headed, unreadable or newer file; never creates one."""
    try:
        exists = path.exists()
    except OSError as e:  # e.g. a directory this user may not search
        raise Unavailable(f"cannot read database {path}: {e.strerror or e}") from None
    if not exists:
        raise NotFound(f"no database at {path} (create one with `tasktui init`)")
    if check_file(path):
        raise NotFound(f"{path} is empty, not a tasktui database yet (create one with `tasktui init`)")


def integrity_problems(path: Path, *, quick: bool = False, limit: int = 20) -> list[str]:
    """The problems `PRAGMA integrity_check` (or the faster `quick_check`) finds in the
    file at `path`, one line each; empty when the file is sound. Only reads."""
    con = _read_only_connection(path)
    try:
        rows = con.execute("PRAGMA quick_check" if quick else "PRAGMA integrity_check").fetchmany(limit)
    except sqlite3.DatabaseError as e:
        if unreadable_message(e, path):
            raise Unavailable(unreadable_message(e, path)) from None
        return [f"the file is corrupt: {e}"]
    finally:
        con.close()
    return [str(row[0]) for row in rows if row[0] != "ok"]


def foreign_key_problems(path: Path, *, limit: int = 20) -> list[str]:
    """Rows whose foreign key points at a row that does not exist, one line each
    (`PRAGMA foreign_key_check`); empty when every reference holds. Only reads."""
    con = _read_only_connection(path)
    problems: list[str] = []
    try:
        for table, rowid, parent, _fk in con.execute("PRAGMA foreign_key_check"):
            problems.append(f"{table} row {rowid} refers to a missing {parent} row")
            if len(problems) >= limit:
                problems.append("(more not shown)")
                break
    except sqlite3.DatabaseError as e:
        if unreadable_message(e, path):
            raise Unavailable(unreadable_message(e, path)) from None
        return [f"foreign keys cannot be checked: {e}"]
    finally:
        con.close()
    return problems


def file_schema_version(path: Path) -> int:
    """The schema version stored in the file at `path` (0 for an empty file). Only reads."""
    if not path.exists() or path.stat().st_size == 0:
        return 0
    return inspect_file(path)[0]


def backup_database(
    source: Path,
    target: Path,
    *,
    pages_per_step: int = 1024,
    pause_s: float = 0.0,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Copy the database file `source` into the existing empty file `target` (the
    caller creates it 0600) with SQLite's online backup, `pages_per_step` pages at a
    time; `pause_s` between steps spreads the I/O on a busy server.

    The copy is one consistent snapshot even while other processes write: the source
    connection holds a read transaction for the whole backup, so in WAL mode writers
    carry on and the backup never restarts. The copy is left in the rollback journal
    mode (one self-contained file); tasktui switches it to WAL when it opens it."""
    import time

    src = _read_only_connection(source)
    src.isolation_level = None
    try:
        dest = sqlite3.connect(str(target), isolation_level=None)
        try:
            src.execute("BEGIN DEFERRED")
            try:
                src.execute("SELECT count(*) FROM sqlite_master").fetchone()  # takes the snapshot

                def step(_status: int, remaining: int, total: int) -> None:
                    if progress is not None:
                        progress(total - remaining, total)
                    if pause_s > 0 and remaining > 0:
                        time.sleep(pause_s)

                src.backup(dest, pages=max(1, pages_per_step), progress=step)
            finally:
                src.execute("COMMIT")
            dest.execute("PRAGMA journal_mode = delete")
        finally:
            dest.close()
    except sqlite3.DatabaseError as e:
        if getattr(e, "sqlite_errorname", "") == "SQLITE_FULL":
            raise Unavailable(
                f"disk full: cannot write the backup {target}: no space left on its file system"
            ) from None
        raise Unavailable(f"backup of {source} failed: {e}") from None
    finally:
        src.close()
