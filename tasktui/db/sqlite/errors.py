"""SQLite's errors, classified: busy or locked, disk full, read-only, unusable.

The one place that tells why SQLite refused, by the result code found in the error's
chain and by the free space of the file system. Only for drivers that name no code is
a lock told by its message (`is_busy`): no other module matches "locked" or "busy".
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import peewee as pw

from tasktui.db.chain import error_chain
from tasktui.db.sqlite.media import read_only_reason
from tasktui.errors import Unavailable
from tasktui.models import database_proxy


def is_busy(error: BaseException) -> bool:
    """True when the message of `error` says the database is locked or busy (for a
    driver that names no result code, and for the retry of a first open)."""
    text = str(error).lower()
    return "locked" in text or "busy" in text


#: SQLite result codes that name why a database could not be used (the first found
#: in an error's chain wins; a plain SQLITE_ERROR says nothing about the cause).
_CAUSES = ("SQLITE_FULL", "SQLITE_READONLY", "SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_IOERR", "SQLITE_CANTOPEN")
#: Below this much free space an I/O error is put down to a full disk: SQLite reports
#: a -shm or -wal that cannot grow as "disk I/O error", not as SQLITE_FULL.
LOW_SPACE_BYTES = 256 * 1024


def _cause(error: BaseException) -> str | BaseException | None:
    """The SQLite code among `_CAUSES` (or a tasktui error) behind `error`, anywhere
    in its chain (`error_chain`: a failed ROLLBACK can hide a SQLITE_FULL)."""
    for e in error_chain(error):
        if isinstance(e, Unavailable) and e is not error:  # a savepoint that said it already
            return e
        name = getattr(e, "sqlite_errorname", "") or ""
        for cause in _CAUSES:
            if name.startswith(cause):
                return cause
    # Older drivers name no code: a lock is still told by its message.
    operational = isinstance(error, (pw.OperationalError, sqlite3.OperationalError))
    return "SQLITE_BUSY" if operational and is_busy(error) else None


def _database_path(db: pw.Database | None = None) -> str:
    db = db or database_proxy.obj
    return str(getattr(db, "path", None) or getattr(db, "database", None) or "the database")


def _no_space_left(path: Path) -> bool:
    """True when the file system holding `path` has (almost) no space left."""
    try:
        fs = os.statvfs(path.absolute().parent)
    except OSError:
        return False
    return fs.f_bavail * fs.f_frsize < LOW_SPACE_BYTES


def database_error_message(
    error: BaseException, db: pw.Database | None = None, *, path: Path | None = None
) -> str | None:
    """The one-line message naming the real cause of a database error — busy, disk
    full, read-only — or None when the error is none of these."""
    cause = _cause(error)
    if isinstance(cause, BaseException):
        return str(cause)
    path = path if path is not None else Path(_database_path(db))
    full = cause == "SQLITE_FULL" or (cause in ("SQLITE_IOERR", "SQLITE_CANTOPEN") and _no_space_left(path))
    if full:
        return f"disk full: cannot write the database {path}: no space left on its file system"
    if cause == "SQLITE_READONLY":
        reason = getattr(db or database_proxy.obj, "read_only", None) or read_only_reason(Path(path))
        return f"read-only: {path} {reason or 'cannot be written'}, so this command cannot change it"
    if cause in ("SQLITE_BUSY", "SQLITE_LOCKED"):
        return "database is busy: another process held the write lock too long"
    return None


def unreadable_message(error: sqlite3.DatabaseError, path: Path) -> str | None:
    """The message for a read that failed for another reason than damage (a full disk,
    an I/O error, a lock), or None when the file's content is to blame: calling a
    sound file corrupt would invite a needless restore."""
    name = getattr(error, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or name in ("", "SQLITE_ERROR"):
        return None
    return database_error_message(error, path=path) or f"cannot read database {path}: {error}"


def driver_error_message(error: BaseException) -> str | None:
    """The one-line message for an error of the SQLite driver itself — one that
    escaped peewee's wrapping, e.g. raised while iterating a cursor over a damaged
    page — or None when `error` is not one (the CLI maps it to exit code 4)."""
    if isinstance(error, sqlite3.DatabaseError) and database_error_message(error) is not None:
        return database_error_message(error)
    if isinstance(error, sqlite3.DatabaseError):
        return f"database is unusable: {error}"
    return None
