"""Opening an SQLite database: pragmas, WAL, read-only media, migrations on open.

Every transaction takes the write lock up front (`BEGIN IMMEDIATE`), so a write never
fails half-way for a lock another writer took after it began.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import peewee as pw

from tasktui.db import migrate
from tasktui.db.dialect import Dialect
from tasktui.db.sqlite.errors import database_error_message, is_busy
from tasktui.db.sqlite.files import APPLICATION_ID, BUSY_TIMEOUT_S, check_file, create_private_file
from tasktui.db.sqlite.maintenance import integrity_problems
from tasktui.db.sqlite.media import read_only_reason, reading_uri
from tasktui.errors import Unavailable
from tasktui.models import database_proxy

PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "normal",
    "busy_timeout": int(BUSY_TIMEOUT_S * 1000),
    "cache_size": -16000,
}
#: The pragmas of a connection that can only read (read-only media): the journal mode
#: and syncing are properties of writers, and setting them would be a write.
READ_ONLY_PRAGMAS = {name: value for name, value in PRAGMAS.items() if name not in ("journal_mode", "synchronous")}


class TaskDatabase(pw.SqliteDatabase):
    """SQLite with tasktui's pragmas; every transaction takes the write lock up front.

    With `read_only` (why the file cannot be written, see `read_only_reason`) the
    connection only reads; a write fails and `write_transaction` says why. `dialect`
    is the engine's interface that opened it (None: the current one)."""

    def __init__(self, path: str, *, dialect: Dialect | None = None, read_only: str | None = None) -> None:
        self.path = path
        self.read_only = read_only
        if dialect is None:  # whatever engine was opened last, this file is SQLite's
            from tasktui.db.registry import dialect_for

            dialect = dialect_for("sqlite")
        self.dialect = dialect
        if read_only is None:
            super().__init__(path, pragmas=PRAGMAS, lock_type="IMMEDIATE", timeout=BUSY_TIMEOUT_S)
        else:
            super().__init__(
                reading_uri(Path(path)), uri=True, pragmas=READ_ONLY_PRAGMAS, lock_type="IMMEDIATE",
                timeout=BUSY_TIMEOUT_S,
            )  # fmt: skip


def run_script(db: pw.Database, script: str) -> None:
    """Run several `;`-separated statements inside the current transaction
    (`executescript` would commit it). Triggers keep their inner `;`. A script of
    comments alone runs nothing (a migration of another dialect only)."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute_sql(statement.strip())  # frozen migration SQL only (allow-listed in test_security)
            statement = ""
    if any(line.strip() and not line.lstrip().startswith("--") for line in statement.splitlines()):
        raise ValueError(f"incomplete SQL statement in migration: {statement[:60]!r}")


def schema_version(db: pw.Database) -> int:
    """The schema version stored in the database (`PRAGMA user_version`)."""
    return db.execute_sql("PRAGMA user_version").fetchone()[0]


def stamp_schema_version(db: pw.Database, version: int) -> None:
    """Mark the file as tasktui's (`application_id`) at schema `version`."""
    # PRAGMAs take no parameters: a constant and an int (allow-listed in test_security).
    db.execute_sql(f"PRAGMA application_id = {APPLICATION_ID:d}")
    db.execute_sql(f"PRAGMA user_version = {version:d}")


def _connect(db: TaskDatabase, path: Path) -> None:
    """Connect and set the pragmas. Switching a brand-new file to WAL needs a lock that
    SQLite does not wait for (no busy handler), so when several processes open a new
    file at once the losers retry until the busy timeout instead of failing."""
    import time

    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            db.connect()
            return
        except pw.OperationalError as e:
            if not is_busy(e) or time.monotonic() > deadline:
                cause = database_error_message(e, path=path)
                raise Unavailable(cause if cause and not is_busy(e) else f"cannot open database {path}: {e}") from None
            time.sleep(0.01)


def open_file(path: Path, dialect: Dialect, *, migrate_schema: bool = True) -> TaskDatabase:
    """Open (creating if needed) the tasktui database in the file `path` and bind the
    models; the caller has closed any database opened before (`close_database`).

    With `migrate_schema`, pending migrations are applied; otherwise an out-of-date
    schema is an error telling the user to run `tasktui db migrate`."""
    p = path.expanduser()
    new = check_file(p)
    reason = read_only_reason(p)
    if reason is not None:
        return _open_read_only(p, dialect, reason, new)
    if new:
        create_private_file(p)
    db = TaskDatabase(str(p), dialect=dialect)
    _connect(db, p)
    database_proxy.initialize(db)
    try:
        if schema_version(db) != migrate.SCHEMA_VERSION:
            if not migrate_schema:
                raise Unavailable(f"{p} needs migrating: run `tasktui db migrate`")
            if schema_version(db) > 0:  # never migrate a damaged file: it could lose more
                damage = integrity_problems(p, quick=True, limit=1)
                if damage:
                    raise Unavailable(f"{p} is damaged, not migrating it ({damage[0]}): see `tasktui db check`")
            migrate.apply_migrations(db)
    except BaseException:
        db.close()
        raise
    return db


def _open_read_only(p: Path, dialect: Dialect, reason: str, new: bool) -> TaskDatabase:
    """Open the database at `p` on read-only media (see `read_only_reason`) for reading:
    it must exist and be current, since neither creating nor migrating is possible."""
    if new:
        where = p if p.exists() else p.parent
        raise Unavailable(f"read-only: cannot create database {p}: {where} {reason}")
    db = TaskDatabase(str(p), dialect=dialect, read_only=reason)
    _connect(db, p)
    try:
        version = schema_version(db)
        if version != migrate.SCHEMA_VERSION:
            raise Unavailable(
                f"read-only: {p} needs migrating (schema version {version}, this tasktui uses "
                f"{migrate.SCHEMA_VERSION}) but {reason}"
            )
    except BaseException:
        db.close()
        raise
    database_proxy.initialize(db)
    return db


def build_file_at(path: str | os.PathLike[str], version: int, dialect: Dialect) -> TaskDatabase:
    """Create a new database with only the first `version` migrations applied, bound
    to the models (for migration tests: fill it at version k, then migrate it)."""
    p = Path(path)
    if not check_file(p):
        raise Unavailable(f"{p} exists already")
    if not 1 <= version <= migrate.SCHEMA_VERSION:
        raise ValueError(f"no schema version {version}")
    create_private_file(p)
    db = TaskDatabase(str(p), dialect=dialect)
    db.connect()
    database_proxy.initialize(db)
    migrate.apply_migrations(db, target=version)
    return db
