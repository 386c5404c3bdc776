"""`tasktui db copy` on PostgreSQL: a REPEATABLE READ snapshot to read from, a target
opened without migrating it, and a bulk loader built on COPY.

Loading is fast because nothing is done per row that can be done once at the end:
the secondary indexes (b-trees, the trigram GIN index of `task_search`, the partial
unique index of the dedup rule) are dropped and rebuilt from their own definitions
(`pg_get_indexdef`), and the two triggers that write `task_search` on inserts are
disabled — the statement trigger on `task` would look up the attributes of each task
as it arrives (before any exist), and the one on `task_attribute` would rewrite every
document. One INSERT fills `task_search` with the same function the triggers call
(`tasktui_task_doc`, migration 1) after the attributes are in, and its index is built
after that. Every sequence is then set past the largest id copied, so the next task
gets the next id. All of it runs in the copy's transaction: DDL is transactional in
PostgreSQL, and a failure leaves the target as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import peewee as pw

from tasktui.db import migrate
from tasktui.db.copying import BulkLoader, CopySource, Rows
from tasktui.db.dialect import Dialect
from tasktui.db.postgres import database, errors
from tasktui.db.url import DatabaseUrl
from tasktui.errors import Unavailable
from tasktui.models import database_proxy

#: (table, trigger) set aside while loading: they write `task_search` (migration 12).
SEARCH_DOC_TRIGGERS = (("task", "task_search_insert"), ("task_attribute", "task_attribute_doc_insert"))
#: The table of the search documents (not a model: filled by `finish`).
SEARCH_TABLE = "task_search"
#: Every task's search document, as the triggers compute it.
FILL_SEARCH_DOC = (
    'INSERT INTO "task_search" ("task_id", "doc") '
    'SELECT "id", tasktui_task_doc("id", "title", "description", "link") FROM "task"'
)
#: Memory for rebuilding the indexes (this transaction only).
INDEX_MEMORY = "256MB"


def _connect(url: DatabaseUrl) -> Any:
    """A plain psycopg connection reading one snapshot (REPEATABLE READ, READ ONLY)."""
    from tasktui.db.postgres.driver import load_driver

    psycopg = load_driver()
    try:
        conn = psycopg.connect(f"postgresql://{url.rest}", connect_timeout=database.CONNECT_TIMEOUT_S)
    except psycopg.Error as e:
        raise Unavailable(errors.connect_message(e, str(url))) from None
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    conn.read_only = True
    return conn


def _identifier(name: str) -> Any:
    from psycopg import sql

    return sql.Identifier(name)


def _columns(columns: Sequence[str]) -> Any:
    from psycopg import sql

    return sql.SQL(", ").join(sql.Identifier(c) for c in columns)


def _compose(template: str, *parts: Any) -> Any:
    """SQL from a constant template and identifiers (quoted by psycopg)."""
    from psycopg import sql

    return sql.SQL(template).format(*parts)  # templates are constants


def _catalog(definition: str) -> Any:
    """A statement the server wrote (`pg_get_indexdef`), run as it is."""
    from psycopg import sql

    return sql.SQL(definition)  # the server's own definition


def _run(conn: Any, statement: Any, params: Sequence[object] | None = None) -> Any:
    """Run SQL composed of constants and identifiers from models.py (quoted by
    psycopg), or an index definition from the server's own catalog; never user
    input, and values are parameters."""
    return conn.execute(statement, params)


class PostgresCopySource(CopySource):
    """One REPEATABLE READ READ ONLY transaction: every count and row is of the same
    snapshot; rows stream through a server-side cursor."""

    def __init__(self, url: DatabaseUrl) -> None:
        self.url = url
        self.conn = _connect(url)
        self._cursors = 0

    def count(self, table: str) -> int:
        row = _run(self.conn, _compose("SELECT count(*) FROM {}", _identifier(table))).fetchone()
        return int(row[0])

    def batches(self, table: str, columns: Sequence[str], size: int) -> Iterator[Rows]:
        self._cursors += 1
        with self.conn.cursor(name=f"tasktui_copy_{self._cursors}") as cursor:
            cursor.itersize = size
            _run(cursor, _compose("SELECT {} FROM {} ORDER BY id", _columns(columns), _identifier(table)))
            while True:
                rows = cursor.fetchmany(size)
                if not rows:
                    return
                yield rows

    def close(self) -> None:
        try:
            self.conn.rollback()
        finally:
            self.conn.close()


def open_target(url: DatabaseUrl, dialect: Dialect) -> pw.Database:
    """Connect to the database at `url` to copy into, bound to the models, without
    migrating it; refuse a standby, a read-only server, another application's
    database or a newer schema."""
    db: Any = database.make_database(url, dialect)
    database.connect(db)
    try:
        reason = database._read_only_reason(db)
        if reason is not None:
            raise Unavailable(f"read-only: cannot copy into {url}: it {reason}")
        version, others = database.read_db_schema(db)
        if others:
            raise Unavailable(f"{database.foreign_database(url, others)}; copy into an empty database")
        if version > migrate.SCHEMA_VERSION:
            raise Unavailable(f"{url} has schema version {version}, newer than this tasktui knows: upgrade tasktui")
    except BaseException:
        db.close()
        raise
    database_proxy.initialize(db)
    return db


class PostgresBulkLoader(BulkLoader):
    """COPY FROM STDIN per table, with secondary indexes and the search-document
    triggers set aside until `finish`."""

    def __init__(self, db: pw.Database) -> None:
        self.db = db
        #: table -> the CREATE INDEX statements of the indexes dropped from it.
        self.indexes: dict[str, list[str]] = {}
        #: The tables `finish` completed (VACUUMed after the commit).
        self.filled: list[str] = []

    @property
    def _conn(self) -> Any:
        return self.db.connection()

    def prepare(self, tables: Sequence[str]) -> None:
        conn = self._conn
        conn.execute("SELECT set_config('maintenance_work_mem', %s, true)", (INDEX_MEMORY,))
        if "task" in tables:  # task_search is filled at the end: its index is built after
            tables = [*tables, SEARCH_TABLE]
        rows = conn.execute(
            "SELECT t.relname, c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
            "WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
            "ORDER BY t.relname, c.relname",
            (list(tables),),
        ).fetchall()
        for table, name, definition in rows:
            _run(conn, _compose("DROP INDEX {}", _identifier(name)))
            self.indexes.setdefault(table, []).append(definition)
        for table, trigger in SEARCH_DOC_TRIGGERS:
            _run(conn, _compose("ALTER TABLE {} DISABLE TRIGGER {}", _identifier(table), _identifier(trigger)))

    def load(self, table: str, columns: Sequence[str], batches: Iterable[Rows]) -> int:
        written = 0
        statement = _compose("COPY {} ({}) FROM STDIN", _identifier(table), _columns(columns))
        with self._conn.cursor() as cursor, cursor.copy(statement) as copy:
            for rows in batches:
                for row in rows:
                    copy.write_row(row)
                written += len(rows)
        return written

    def _rebuild_indexes(self, table: str) -> None:
        conn = self._conn
        for definition in self.indexes.pop(table, []):
            _run(conn, _catalog(definition))

    def finish(self, tables: Sequence[str]) -> None:
        conn = self._conn
        self.filled = [*tables, SEARCH_TABLE] if "task" in tables else list(tables)
        for table in tables:
            if table != "task":
                self._rebuild_indexes(table)
        if "task" in tables:
            self._rebuild_indexes("task")
            conn.execute(FILL_SEARCH_DOC)  # task_attribute's indexes are back: one lookup per task
            self._rebuild_indexes(SEARCH_TABLE)
            _run(conn, _compose("ANALYZE {}", _identifier(SEARCH_TABLE)))
        for table, trigger in SEARCH_DOC_TRIGGERS:
            _run(conn, _compose("ALTER TABLE {} ENABLE TRIGGER {}", _identifier(table), _identifier(trigger)))
        for table in tables:
            _run(
                conn,
                _compose(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), coalesce(max(id), 0) + 1, false) FROM {}",
                    _identifier(table),
                ),
                (_identifier(table).as_string(conn),),
            )
            _run(conn, _compose("ANALYZE {}", _identifier(table)))

    def after_commit(self) -> None:
        """VACUUM every filled table now rather than whenever autovacuum gets to it:
        their visibility maps let counts and text-driven pages read indexes alone (at
        1,000,000 tasks, right after a copy, counts of open tasks by assignee or group
        took 70-210 ms reading task rows, against 1-36 ms once vacuumed)."""
        conn = self._conn
        if not self.db.in_transaction():
            for table in self.filled:
                _run(conn, _compose("VACUUM (ANALYZE) {}", _identifier(table)))
