"""PostgreSQL's implementation of the dialect interface (the shared store)."""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import peewee as pw

from tasktui.db.dialect import AnyDatabase, Dialect
from tasktui.db.postgres import database, errors, text_search
from tasktui.db.url import DatabaseUrl
from tasktui.errors import Unavailable

if TYPE_CHECKING:
    from tasktui.db.copying import BulkLoader, CopySource

#: The channel of the change notifications (migration 1's triggers).
CHANGES_CHANNEL = "tasktui_changes"

#: Where each kind of nullable column sorts its nulls: below every value, in the
#: column's own type (PostgreSQL refuses COALESCE(timestamp, '')).
_NULL_SORTS_AS: tuple[tuple[type[pw.Field], Any], ...] = (
    (pw.ForeignKeyField, 0),
    (pw.AutoField, 0),
    (pw.IntegerField, -(2**63)),
    (pw.FloatField, float("-inf")),
    (pw.DecimalField, float("-inf")),
    (pw.DateTimeField, dt.datetime(1, 1, 1)),
    (pw.DateField, dt.date(1, 1, 1)),
    (pw.CharField, ""),
    (pw.TextField, ""),
)


class PostgresDialect(Dialect):
    """A PostgreSQL server: psycopg 3 through peewee, a connection pool, READ
    COMMITTED writers with advisory locks per dedup key, pg_trgm text search,
    LISTEN/NOTIFY for live refresh, pg_dump backups."""

    scheme = "postgresql"
    cheap_total_count = False
    migrations_package = "tasktui.db.postgres"

    def __init__(self) -> None:
        #: Connections that LISTEN on the changes channel, and the change counter.
        self._listening: weakref.WeakSet[Any] = weakref.WeakSet()
        self._changes = 0

    def open(self, url: DatabaseUrl, *, migrate: bool) -> pw.Database:
        return database.open_server(url, self, migrate_schema=migrate)

    def is_read_only(self, db: pw.Database) -> bool:
        return getattr(db, "read_only", None) is not None

    def set_lock_wait(self, db: pw.Database, seconds: float) -> None:
        """`lock_timeout` of this connection's session (row locks and advisory locks)."""
        db.execute_sql("SELECT set_config('lock_timeout', %s, false)", (f"{max(1, int(seconds * 1000))}ms",))

    def error_message(self, error: BaseException, db: pw.Database | None = None) -> str | None:
        where = str(getattr(db, "url", None) or "the database")
        return errors.error_message(error, where)

    def driver_error_message(self, error: BaseException) -> str | None:
        import psycopg

        if isinstance(error, psycopg.Error):
            return errors.error_message(error) or f"database error: {errors.first_line(error)}"
        return None

    def is_retryable(self, error: BaseException) -> bool:
        return errors.is_retryable(error)

    def run_migration(self, db: pw.Database, name: str) -> None:
        database.run_script(db, self.migration_script(name))

    def schema_version(self, db: pw.Database) -> int:
        return database.schema_version(db)

    def stamp_schema_version(self, db: pw.Database, version: int) -> None:
        database.stamp_schema_version(db, version)

    def lock_schema(self, db: pw.Database) -> None:
        database.lock_schema(db)

    def claim_rows(self, query: pw.Select) -> pw.Select:
        """SELECT … FOR UPDATE SKIP LOCKED."""
        return query.for_update(skip_locked=True)

    def lock_keys(self, db: AnyDatabase, keys: Iterable[str]) -> None:
        database.lock_keys(db, keys)  # type: ignore[arg-type]

    def indexed_text(self, text: str) -> bool:
        return text_search.indexed_text(text)

    def text_condition(self, task_model: type[pw.Model], text: str) -> pw.Expression:
        return text_search.text_condition(task_model, text)

    def text_matches(self, text: str) -> pw.Node:
        return text_search.text_matches(text)

    def text_match_id(self, task_model: type[pw.Model]) -> pw.Node:
        return cast("pw.Node", task_model._meta.primary_key)

    def text_match_ids(self, text: str, limit: int, db: AnyDatabase) -> list[int] | None:
        return text_search.text_match_ids(text, limit, db)

    def text_driven(self, query: pw.Select, task_model: type[pw.Model], text: str) -> pw.Select:
        """The trigram index and the other indexes are the planner's to combine: the
        condition is added as it is."""
        return query.where(text_search.text_condition(task_model, text))

    def sort_key(self, field: pw.Field) -> pw.ColumnBase:
        if not field.null:
            return field
        if isinstance(field, pw.BooleanField):
            return pw.fn.COALESCE(field.cast("integer"), -1)
        for kind, lowest in _NULL_SORTS_AS:
            if isinstance(field, kind):
                return pw.fn.COALESCE(field, lowest)
        raise TypeError(f"no sort order for nulls of {type(field).__name__} {field.name}")

    def change_token(self, db: AnyDatabase) -> object:
        """A counter of the change notifications this process has received: the
        connection LISTENs on first use; a lost connection is replaced, and since
        what was sent meanwhile is lost, the counter moves on (the screen reloads)."""
        target: Any = db.obj if isinstance(db, pw.DatabaseProxy) else db
        try:
            return self._drain(target)
        except (pw.OperationalError, pw.InterfaceError):
            with contextlib.suppress(Exception):
                target.close()
            try:
                database.connect(target)
                return self._drain(target)
            except Exception as e:
                raise Unavailable(errors.error_message(e, str(target.url)) or str(e)) from None

    def _drain(self, db: Any) -> int:
        """LISTEN on this connection once (a handler counts what arrives, during any
        query of any thread using it); then one trivial query, which reads what the
        server sent meanwhile and finds a lost connection."""
        conn = db.connection()
        if conn not in self._listening:
            db.execute_sql(f"LISTEN {CHANGES_CHANNEL}")
            conn.add_notify_handler(self._count)
            self._listening.add(conn)
            self._changes += 1
        db.execute_sql("SELECT 1")
        return self._changes

    def _count(self, _notification: object) -> None:
        self._changes += 1

    @contextlib.contextmanager
    def time_limit(self, db: AnyDatabase, seconds: float) -> Iterator[None]:
        """Statements of the block give up after `seconds` (inside a transaction)."""
        with db.atomic():
            db.execute_sql("SELECT set_config('statement_timeout', %s, true)", (f"{int(seconds * 1000)}ms",))
            yield

    def is_timeout(self, error: BaseException) -> bool:
        return errors.sqlstate(error) == "57014"

    def require_existing(self, url: DatabaseUrl) -> None:
        from tasktui.db.postgres import maintenance

        maintenance.require_existing(url)

    def check(self, url: DatabaseUrl, *, quick: bool = False) -> dict[str, list[str]]:
        """Invalid indexes and pg_amcheck's findings ("integrity"; `quick`: B-trees
        only), foreign keys that are not validated ("foreign keys")."""
        from tasktui.db.postgres import maintenance

        return {
            "integrity": maintenance.integrity_problems(url, quick=quick),
            "foreign keys": maintenance.foreign_key_problems(url),
        }

    def stored_schema_version(self, url: DatabaseUrl) -> int:
        from tasktui.db.postgres import maintenance

        return maintenance.stored_schema_version(url)

    def backup(
        self,
        source: DatabaseUrl,
        target: Path,
        *,
        pages_per_step: int = 1024,
        pause_s: float = 0.0,
        progress: Callable[[int, int], None] | None = None,
    ) -> int:
        """`pg_dump -Fc` (one snapshot, while others write) into `target`, then
        `pg_restore --list` reads the archive back. Pacing does not apply."""
        from tasktui.db.postgres import maintenance

        return maintenance.backup(source, target)

    def copy_source(self, url: DatabaseUrl) -> CopySource:
        from tasktui.db.postgres.copy import PostgresCopySource

        return PostgresCopySource(url)

    def open_copy_target(self, url: DatabaseUrl) -> pw.Database:
        from tasktui.db.postgres.copy import open_target

        return open_target(url, self)

    def bulk_loader(self, db: pw.Database) -> BulkLoader:
        from tasktui.db.postgres.copy import PostgresBulkLoader

        return PostgresBulkLoader(db)

    def query_plan(self, query: pw.Query, db: AnyDatabase) -> list[str]:
        sql, params = query.sql()
        cursor = db.execute_sql("EXPLAIN " + sql, params)  # peewee's SQL; values are params
        return [row[0] for row in cursor.fetchall()]


def backoff(attempt: int) -> None:
    """Sleep before retrying a transaction: 10 ms doubling, with jitter."""
    time.sleep(random.uniform(0.5, 1.0) * 0.01 * (2**attempt))
