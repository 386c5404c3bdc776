"""`tasktui db copy` on SQLite: the snapshot of a source file, a target file opened
without migrating it, and the bulk loader.

The full-text index `task_fts` is kept by triggers (migration 1): inserting a task
adds its row, and *every* inserted attribute value rewrites that row's `attrs`
(FTS5 deletes and re-adds it). The loader sets aside those two insert triggers and
the secondary indexes while it loads, then rebuilds the indexes and fills `task_fts`
in one statement, exactly as the triggers would have (values joined by a space, in
the order of the (task, attribute) index), and puts the triggers back — all inside
the copy's transaction (DDL is transactional in SQLite).
"""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import peewee as pw

from tasktui.db.copying import BulkLoader, CopySource, Rows
from tasktui.db.dialect import Dialect
from tasktui.db.sqlite import database
from tasktui.db.sqlite.bulk_index import FILL_ALL, bulk_fts_hash
from tasktui.db.sqlite.files import check_file, create_private_file
from tasktui.db.sqlite.maintenance import _read_only_connection
from tasktui.db.sqlite.media import read_only_reason
from tasktui.errors import Unavailable
from tasktui.models import database_proxy

#: The triggers that fire per inserted row to keep `task_fts` (rebuilt by `finish`).
FTS_INSERT_TRIGGERS = ("task_fts_ai", "task_attr_fts_ai")
#: Rows per INSERT batch (executemany).
BATCH = 5_000


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _run(con: sqlite3.Connection | pw.Database, sql: str, params: Sequence[object] = ()) -> sqlite3.Cursor:
    """Run SQL made of identifiers from models.py or of definitions read from the
    file's own `sqlite_master` (never user input); values are parameters."""
    if isinstance(con, pw.Database):
        return con.execute_sql(sql, params)
    return con.execute(sql, params)


class SqliteCopySource(CopySource):
    """A read transaction on a plain read-only connection: one snapshot of the file
    (WAL lets writers carry on), which is never changed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.con = _read_only_connection(path)
        self.con.isolation_level = None
        self.con.execute("BEGIN DEFERRED")
        self.con.execute("SELECT count(*) FROM sqlite_master").fetchone()  # takes the snapshot

    def count(self, table: str) -> int:
        return int(_run(self.con, f"SELECT count(*) FROM {_quoted(table)}").fetchone()[0])

    def batches(self, table: str, columns: Sequence[str], size: int) -> Iterator[Rows]:
        names = ", ".join(_quoted(c) for c in columns)
        cursor = _run(self.con, f"SELECT {names} FROM {_quoted(table)} ORDER BY id")
        while True:
            rows = cursor.fetchmany(size)
            if not rows:
                return
            yield rows

    def close(self) -> None:
        try:
            if self.con.in_transaction:
                self.con.execute("COMMIT")
        finally:
            self.con.close()


def open_target(path: Path, dialect: Dialect) -> database.TaskDatabase:
    """Open (creating when missing) the SQLite file at `path` to copy into, bound to
    the models, not migrated. `created` on the result says whether this made the file."""
    p = path.expanduser()
    existed = p.exists()
    check_file(p)  # refuses a foreign, newer or damaged file
    reason = read_only_reason(p)
    if reason is not None:
        raise Unavailable(f"read-only: cannot copy into {p}: {reason}")
    create_private_file(p)
    db = database.TaskDatabase(str(p), dialect=dialect)
    db.copy_created = not existed  # type: ignore[attr-defined]
    database._connect(db, p)
    database_proxy.initialize(db)
    return db


def discard_target(path: Path, db: pw.Database) -> None:
    """Remove the file `open_target` created (the copy failed); a file that existed
    (empty) is left empty."""
    db.close()
    p = path.expanduser()
    if getattr(db, "copy_created", False):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{p}{suffix}").unlink(missing_ok=True)


#: The types SQLite's driver returns without type detection: stored as they are.
_PLAIN_TYPES = frozenset({int, float, str, bytes, type(None)})


def _stored_rows(rows: Rows) -> Rows:
    """`rows` as SQLite stores them: the same list when every value is of a plain type
    (an SQLite source: checked at C speed, no Python call per value), else each value
    through `_stored` (a PostgreSQL source's times and booleans)."""
    if _PLAIN_TYPES.issuperset(map(type, itertools.chain.from_iterable(rows))):
        return rows
    return [tuple(_stored(v) for v in row) for row in rows]


def _stored(value: object) -> object:
    """A value of another driver as tasktui stores it in SQLite: times as ISO text
    with a space (what peewee writes), booleans as 0/1."""
    kind = type(value)
    if kind is dt.datetime or kind is dt.date:
        return str(value)
    if kind is bool:
        return int(value)  # type: ignore[call-overload]
    return value


class SqliteBulkLoader(BulkLoader):
    """executemany in batches, with the per-row FTS triggers and the secondary indexes
    set aside until `finish`."""

    def __init__(self, db: pw.Database) -> None:
        self.db = db
        self.indexes: list[str] = []
        self.triggers: list[str] = []

    def prepare(self, tables: Sequence[str]) -> None:
        marks = ", ".join("?" for _ in tables)
        rows = _run(
            self.db,
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})",
            list(tables),
        ).fetchall()
        triggers = _run(
            self.db,
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN (?, ?)",
            FTS_INSERT_TRIGGERS,
        ).fetchall()
        for name, sql in rows:
            _run(self.db, f"DROP INDEX {_quoted(name)}")
            self.indexes.append(sql)
        for name, sql in triggers:
            _run(self.db, f"DROP TRIGGER {_quoted(name)}")
            self.triggers.append(sql)

    def load(self, table: str, columns: Sequence[str], batches: Iterable[Rows]) -> int:
        names = ", ".join(_quoted(c) for c in columns)
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {_quoted(table)} ({names}) VALUES ({marks})"
        cursor = self.db.cursor()
        written = 0
        for rows in batches:
            cursor.executemany(sql, _stored_rows(rows))
            written += len(rows)
        return written

    def finish(self, tables: Sequence[str]) -> None:
        for sql in self.indexes:
            _run(self.db, sql)
        if "task" in tables:
            with bulk_fts_hash(self.db):
                _run(self.db, FILL_ALL)  # `task_fts` as the triggers of migration 1 fill it
        for sql in self.triggers:
            _run(self.db, sql)
