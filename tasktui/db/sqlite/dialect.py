"""SQLite's implementation of the dialect interface: it delegates to the modules of
this package, each of which holds one concern (files, errors, text search, checks)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import peewee as pw

from tasktui.db.dialect import AnyDatabase, Dialect
from tasktui.db.sqlite import database, errors, maintenance, text_search
from tasktui.db.url import DatabaseUrl
from tasktui.errors import Unavailable
from tasktui.lazy_typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tasktui.db.copying import BulkLoader, CopySource

#: Where each kind of nullable column sorts its nulls: below every value of the type
#: as SQLite stores it. Ids are at least 1; dates and times are stored as ISO text.
_NULL_SORTS_AS: tuple[tuple[type[pw.Field], object], ...] = (
    (pw.ForeignKeyField, 0),
    (pw.AutoField, 0),
    (pw.BooleanField, -1),
    (pw.IntegerField, -(2**63)),
    (pw.FloatField, float("-inf")),
    (pw.DecimalField, float("-inf")),
    (pw._BaseFormattedField, ""),
    (pw.CharField, ""),
    (pw.TextField, ""),
)


class SqliteDialect(Dialect):
    """SQLite files: pragmas and WAL, `user_version`/`application_id`, FTS5 trigram,
    `PRAGMA data_version`, integrity checks, the online backup, EXPLAIN QUERY PLAN."""

    scheme = "sqlite"
    cheap_total_count = True
    migrations_package = "tasktui.db.sqlite"

    def open(self, url: DatabaseUrl, *, migrate: bool) -> pw.Database:
        return database.open_file(url.file("an SQLite database"), self, migrate_schema=migrate)

    def set_lock_wait(self, db: pw.Database, seconds: float) -> None:
        # The busy timeout of this thread's connection, and of every connection the
        # database opens later (other threads): peewee applies its pragmas on connect.
        if isinstance(db, pw.SqliteDatabase):
            db.pragma("busy_timeout", max(1, int(seconds * 1000)), permanent=True)
            db._timeout = seconds  # type: ignore[attr-defined]  # what sqlite3.connect waits (peewee's)

    def is_read_only(self, db: pw.Database) -> bool:
        return getattr(db, "read_only", None) is not None

    @contextlib.contextmanager
    def deferred_search_index(self, db: AnyDatabase) -> Iterator[Callable[[list[int]], None] | None]:
        from tasktui.db.sqlite.bulk_index import deferred_task_fts  # only for bulk writes

        with deferred_task_fts(db) as index:
            yield index

    def error_message(self, error: BaseException, db: pw.Database | None = None) -> str | None:
        return errors.database_error_message(error, db)

    def driver_error_message(self, error: BaseException) -> str | None:
        return errors.driver_error_message(error)

    def run_migration(self, db: pw.Database, name: str) -> None:
        database.run_script(db, self.migration_script(name))

    def schema_version(self, db: pw.Database) -> int:
        return database.schema_version(db)

    def stamp_schema_version(self, db: pw.Database, version: int) -> None:
        database.stamp_schema_version(db, version)

    def without_index(self, column: pw.ColumnBase) -> pw.ColumnBase:
        """`column + 0`: SQLite uses no index for an expression (its documented way
        of ruling an index out), so an OR over two columns scans newest first instead
        of a multi-index OR that sorts every match."""
        return column + 0

    def indexed_text(self, text: str) -> bool:
        return text_search.indexed_text(text)

    def text_condition(self, task_model: type[pw.Model], text: str) -> pw.Expression:
        return text_search.text_condition(task_model, text)

    def text_matches(self, text: str) -> pw.Node:
        return text_search.text_matches(text)

    def text_match_id(self, task_model: type[pw.Model]) -> pw.Node:
        return text_search.TEXT_MATCH_ID

    def text_match_ids(self, text: str, limit: int, db: AnyDatabase) -> list[int] | None:
        return text_search.text_match_ids(text, limit, db)

    def text_driven(self, query: pw.Select, task_model: type[pw.Model], text: str) -> pw.Select:
        return text_search.text_driven(query, task_model, text)

    def sort_key(self, field: pw.Field) -> pw.ColumnBase:
        """The column, or for a nullable one COALESCE with a value of its type below
        every stored one (`_NULL_SORTS_AS`): SQLite compares NULL with nothing."""
        if not field.null:
            return field
        for kind, lowest in _NULL_SORTS_AS:
            if isinstance(field, kind):
                return pw.fn.COALESCE(field, lowest)
        raise TypeError(f"no sort order for nulls of {type(field).__name__} {field.name}")

    def change_token(self, db: AnyDatabase) -> object:
        """`PRAGMA data_version`: it changes when another connection commits, and
        costs microseconds on the polling thread's own connection."""
        return db.execute_sql("PRAGMA data_version").fetchone()[0]

    def require_existing(self, url: DatabaseUrl) -> None:
        maintenance.require_existing_file(url.file("this command"))

    def check(self, url: DatabaseUrl, *, quick: bool = False) -> dict[str, list[str]]:
        """`PRAGMA integrity_check` (`quick_check` with `quick`) and `foreign_key_check`."""
        path = url.file("db check")
        return {
            "integrity": maintenance.integrity_problems(path, quick=quick),
            "foreign keys": maintenance.foreign_key_problems(path),
        }

    def stored_schema_version(self, url: DatabaseUrl) -> int:
        return maintenance.file_schema_version(url.file("db check"))

    def backup(
        self,
        source: DatabaseUrl,
        target: Path,
        *,
        pages_per_step: int = 1024,
        pause_s: float = 0.0,
        progress: Callable[[int, int], None] | None = None,
    ) -> int:
        """SQLite's online backup into `target`, then a `quick_check` of the copy."""
        maintenance.backup_database(
            source.file("db backup"), target, pages_per_step=pages_per_step, pause_s=pause_s, progress=progress
        )
        problems = maintenance.integrity_problems(target, quick=True)
        if problems:
            raise Unavailable(f"the backup copy failed its check: {problems[0]}")
        return maintenance.file_schema_version(target)

    def copy_source(self, url: DatabaseUrl) -> CopySource:
        from tasktui.db.sqlite.copy import SqliteCopySource

        return SqliteCopySource(url.file("db copy"))

    def open_copy_target(self, url: DatabaseUrl) -> pw.Database:
        from tasktui.db.sqlite.copy import open_target

        return open_target(url.file("db copy"), self)

    def discard_copy_target(self, url: DatabaseUrl, db: pw.Database) -> None:
        from tasktui.db.sqlite.copy import discard_target

        discard_target(url.file("db copy"), db)

    def bulk_loader(self, db: pw.Database) -> BulkLoader:
        from tasktui.db.sqlite.copy import SqliteBulkLoader

        return SqliteBulkLoader(db)

    def query_plan(self, query: pw.Query, db: AnyDatabase) -> list[str]:
        """The `EXPLAIN QUERY PLAN` lines of `query`."""
        sql, params = query.sql()
        cursor = db.execute_sql("EXPLAIN QUERY PLAN " + sql, params)  # peewee's SQL; values are params
        return [row[3] for row in cursor.fetchall()]
