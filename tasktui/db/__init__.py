"""The storage floor: open a database by URL or path, write transactions, error
classification, migrations, and the dialect that owns every engine-specific choice.

Layout: `dialect.py` is the interface an engine implements, `registry.py` maps URL
schemes to engines, `migrate.py` holds the one ordered list of migrations (frozen SQL
per engine), `connection.py` the open database; `sqlite/` is the embedded default.

The functions here are engine-neutral: each asks the dialect of the open database.
The names the services and the CLI imported from the former `tasktui/db.py` keep
working. Maintenance (`tasktui db check|backup|migrate`) asks the dialect of a URL
(`dialect_for_url`): `require_existing`, `check`, `stored_schema_version`, `backup`;
the SQLite file functions behind them live in `tasktui.db.sqlite.maintenance`.
"""

from __future__ import annotations

import peewee as pw

from tasktui.db import migrate
from tasktui.db.connection import (
    change_token,
    claim_rows,
    close_database,
    current_dialect,
    database_error_message,
    deferred_search_index,
    dialect_for_url,
    dialect_of,
    driver_error_message,
    index_new_tasks,
    is_read_only,
    lock_keys,
    open_database,
    query_plan,
    retrying,
    set_lock_wait,
    time_limit,
    write_transaction,
)
from tasktui.db.dialect import Dialect
from tasktui.db.migrate import MIGRATIONS, SCHEMA_VERSION, apply_migrations, migration_summaries
from tasktui.db.registry import known_schemes, register
from tasktui.db.sqlite.database import TaskDatabase
from tasktui.db.sqlite.files import APPLICATION_ID, BUSY_TIMEOUT_S, create_private_file
from tasktui.db.sqlite.media import read_only_reason
from tasktui.db.sqlite.text_search import TEXT_MATCH_ID
from tasktui.db.url import DatabaseUrl, parse_database_url
from tasktui.models import database_proxy

__all__ = [
    "APPLICATION_ID",
    "BUSY_TIMEOUT_S",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "TEXT_MATCH_ID",
    "DatabaseUrl",
    "Dialect",
    "TaskDatabase",
    "apply_migrations",
    "build_database_at",
    "change_token",
    "claim_rows",
    "close_database",
    "create_private_file",
    "current_dialect",
    "data_version",
    "database_error_message",
    "deferred_search_index",
    "dialect_for_url",
    "dialect_of",
    "driver_error_message",
    "index_new_tasks",
    "indexed_text",
    "is_read_only",
    "known_schemes",
    "lock_keys",
    "migrate",
    "migration_summaries",
    "open_database",
    "parse_database_url",
    "query_plan",
    "read_only_reason",
    "register",
    "retrying",
    "schema_version",
    "set_lock_wait",
    "sort_key",
    "text_condition",
    "text_driven",
    "text_match_id",
    "text_match_ids",
    "text_matches",
    "time_limit",
    "without_index",
    "write_transaction",
]  # fmt: skip

#: The former name of `change_token` (the TUI polls it).
data_version = change_token


def schema_version(db: pw.Database) -> int:
    """The schema version stored in `db`."""
    return dialect_of(db).schema_version(db)


def build_database_at(path: str, version: int) -> TaskDatabase:
    """A new SQLite file with only the first `version` migrations applied, bound to
    the models (migration tests fill it at version k, then migrate it)."""
    from tasktui.db.registry import dialect_for
    from tasktui.db.sqlite.database import build_file_at
    from tasktui.db.url import SQLITE

    return build_file_at(path, version, dialect_for(SQLITE))


def indexed_text(text: str) -> bool:
    """True when the text index answers a search for `text` (else a substring scan)."""
    return current_dialect().indexed_text(text)


def text_condition(task_model: type[pw.Model], text: str) -> pw.Expression:
    """A condition: the task's title, description, link or an attribute value
    contains `text` (reads every match first; prefer `text_driven` for pages)."""
    return current_dialect().text_condition(task_model, text)


def text_matches(text: str) -> pw.Node:
    """A FROM-clause source `text_match` with one row (`id`) per matching task."""
    return current_dialect().text_matches(text)


def text_match_ids(text: str, limit: int, db: pw.Database | None = None) -> list[int] | None:
    """The ids of the tasks containing `text` when at most `limit`, else None."""
    return current_dialect().text_match_ids(text, limit, db or database_proxy)


def text_match_id(task_model: type[pw.Model]) -> pw.Node:
    """The id of a matching task in a query made by `text_driven` (order and keyset by it)."""
    return current_dialect().text_match_id(task_model)


def without_index(column: pw.ColumnBase) -> pw.ColumnBase:
    """`column` in a form the engine's planner serves from no index (a hint only some
    engines need, see `Dialect.without_index`)."""
    return current_dialect().without_index(column)


def text_driven(query: pw.Select, task_model: type[pw.Model], text: str) -> pw.Select:
    """`query` (from the task table) driven by the text index, in `text_match_id` order."""
    return current_dialect().text_driven(query, task_model, text)


def sort_key(field: pw.Field) -> pw.ColumnBase:
    """The keyset sort expression of `field`: a total order, nulls below every value."""
    return current_dialect().sort_key(field)
