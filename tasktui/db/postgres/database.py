"""Opening a PostgreSQL database: the pooled connection, the schema version table,
migrations behind an advisory lock, refusing a database that is not tasktui's.

Writes run under READ COMMITTED, several at once (unlike SQLite's one writer): the
rules that need one writer per key take an advisory lock per key (`lock_keys`), and a
serialization failure or deadlock is retried by `tasktui.db.retrying`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import peewee as pw

from tasktui.db import migrate
from tasktui.db.dialect import Dialect
from tasktui.db.postgres import errors
from tasktui.db.postgres.driver import load_driver
from tasktui.db.url import DatabaseUrl
from tasktui.errors import Unavailable
from tasktui.models import database_proxy

#: The `application` value of `tasktui_schema`: the mark that a database is tasktui's.
APPLICATION = "tasktui"
#: Advisory lock key (class, object) serializing migrations of one database.
MIGRATION_LOCK = 0x7A5C7001
#: Seconds to wait for a server before "cannot connect" (unless the URL or
#: PGCONNECT_TIMEOUT says otherwise).
CONNECT_TIMEOUT_S = 10


def _pool_class() -> type[pw.Database]:
    from playhouse.pool import PooledPostgresqlDatabase

    return PooledPostgresqlDatabase


def make_database(url: DatabaseUrl, dialect: Dialect) -> pw.Database:
    """A pooled peewee database for `url` (psycopg 3), not connected yet: each thread
    takes a connection from the pool and `close()` gives it back."""
    load_driver()
    conninfo = f"postgresql://{url.rest}"
    # prepare_threshold=None: psycopg would otherwise prepare a statement on the server
    # after its fifth run, and PostgreSQL then switches to a generic plan that cannot
    # see the parameters' values (an open-task page or count of 1,000,000 tasks went from
    # 1-3 ms to 120-150 ms: a plan for any status and any LIMIT). Each query is planned
    # for its own values.
    params: dict[str, Any] = {"application_name": "tasktui", "prepare_threshold": None}
    if "connect_timeout" not in url.rest and "PGCONNECT_TIMEOUT" not in os.environ:
        params["connect_timeout"] = CONNECT_TIMEOUT_S
    pool: Any = _pool_class()
    db = pool(conninfo, prefer_psycopg3=True, max_connections=64, stale_timeout=300, timeout=30, **params)
    db.dialect = dialect
    db.read_only = None
    db.url = url
    return db


def connect(db: Any) -> None:
    """Connect, turning a server that is down or a refused login into one line."""
    try:
        db.connect(reuse_if_open=True)
    except Exception as e:  # peewee wraps psycopg's errors, or passes ImproperlyConfigured
        raise Unavailable(errors.connect_message(e, str(db.url))) from None


def run_script(db: pw.Database, script: str) -> None:
    """Run a frozen migration script (several statements, dollar-quoted functions)
    in the current transaction: without parameters psycopg sends it as one simple
    query, which PostgreSQL runs statement by statement."""
    db.connection().execute(script)  # frozen migration SQL only (allow-listed in test_security)


def schema_version(db: pw.Database) -> int:
    """The version in `tasktui_schema` (0 when the table does not exist yet)."""
    return read_db_schema(db)[0]


def read_db_schema(db: pw.Database) -> tuple[int, list[str]]:
    """`read_schema` through a Peewee database's connection."""
    return read_schema(db.cursor())


# tasktui_schema first, then up to five other tables: whether the schema table exists
# and which other tables there are come from one statement, one snapshot. Read apart,
# another host's first migration committing in between (the tables and the schema row
# appear together) would be seen half: no schema table, yet tasktui's tables.
_TABLES_SQL = (
    "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema() "
    "ORDER BY tablename <> 'tasktui_schema', tablename LIMIT 6"
)
_VERSION_SQL = "SELECT version FROM tasktui_schema WHERE application = %s"


def foreign_database(url: DatabaseUrl, others: list[str]) -> str:
    """What a refusal of another application's database (see `read_schema`) says first."""
    return f"{url} is not a tasktui database (it holds other tables: {', '.join(others)})"


def read_schema(cursor: Any) -> tuple[int, list[str]]:
    """(schema version, other tables) of the current schema, through a psycopg
    cursor: version 0 and no tables for an empty database, version 0 and some tables
    for another application's."""
    tables = [row[0] for row in cursor.execute(_TABLES_SQL).fetchall()]
    if tables and tables[0] == "tasktui_schema":
        found = cursor.execute(_VERSION_SQL, (APPLICATION,)).fetchone()
        return (int(found[0]) if found else 0), []
    return 0, tables[:5]


def stamp_schema_version(db: pw.Database, version: int) -> None:
    db.execute_sql("DELETE FROM tasktui_schema")
    db.execute_sql("INSERT INTO tasktui_schema (application, version) VALUES (%s, %s)", (APPLICATION, version))


def lock_schema(db: pw.Database) -> None:
    """Serialize migrations: hosts starting at once migrate once (the lock ends with
    the transaction; the others then find the work done)."""
    db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))


def lock_keys(db: pw.Database, keys: Iterable[str]) -> None:
    """One transaction-scoped advisory lock per key, in sorted order (two writers
    locking overlapping sets never deadlock)."""
    for key in sorted(set(keys)):
        db.execute_sql("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (key,))


def _read_only_reason(db: pw.Database) -> str | None:
    standby, read_only = db.execute_sql(
        "SELECT pg_is_in_recovery(), current_setting('default_transaction_read_only') = 'on'"
    ).fetchone()
    if standby:
        return "is a standby server (read-only)"
    if read_only:
        return "accepts read-only transactions only"
    return None


def open_server(url: DatabaseUrl, dialect: Dialect, *, migrate_schema: bool = True) -> pw.Database:
    """Open the tasktui database at `url`, bind the models and migrate it (see
    `Dialect.open`)."""
    db: Any = make_database(url, dialect)
    connect(db)
    try:
        db.read_only = _read_only_reason(db)
        version, others = read_db_schema(db)
        if others:
            raise Unavailable(f"{foreign_database(url, others)}; use an empty database")
        if version > migrate.SCHEMA_VERSION:
            raise Unavailable(f"{url} has schema version {version}, newer than this tasktui knows: upgrade tasktui")
        if version != migrate.SCHEMA_VERSION:
            if db.read_only is not None:
                raise Unavailable(f"read-only: {url} needs migrating but {db.read_only}")
            if not migrate_schema:
                raise Unavailable(f"{url} needs migrating: run `tasktui db migrate`")
            database_proxy.initialize(db)
            migrate.apply_migrations(db)
    except BaseException:
        db.close()
        raise
    database_proxy.initialize(db)
    return db
