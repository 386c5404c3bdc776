"""The open database: which engine serves it, write transactions, closing.

The models are bound to one database at a time (`models.database_proxy`); this module
remembers the dialect that opened it, so the engine-neutral functions of
`tasktui.db` (text search, errors, change token, plans) ask the right engine.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterable, Iterator

import peewee as pw

from tasktui.db.dialect import AnyDatabase, Dialect
from tasktui.db.registry import dialect_for
from tasktui.db.url import SQLITE, DatabaseUrl, parse_database_url
from tasktui.errors import Unavailable
from tasktui.lazy_typing import TYPE_CHECKING
from tasktui.models import database_proxy

if TYPE_CHECKING:
    from typing import TypeVar

    T = TypeVar("T")

_current: Dialect | None = None
#: How many times a transaction that failed for a serialization failure or a deadlock
#: runs (then the error is Unavailable, exit code 4).
TRANSACTION_ATTEMPTS = 6


def current_dialect() -> Dialect:
    """The dialect of the database the models are bound to (SQLite before any open:
    queries can be built before a database is opened, e.g. in tests)."""
    return _current if _current is not None else dialect_for(SQLITE)


def dialect_of(db: AnyDatabase | None) -> Dialect:
    """The dialect of `db` (a database or the models' proxy), else the current one."""
    if isinstance(db, pw.DatabaseProxy):
        db = db.obj
    found = getattr(db, "dialect", None)
    return found if isinstance(found, Dialect) else current_dialect()


def dialect_for_url(location: str | os.PathLike[str] | DatabaseUrl) -> tuple[Dialect, DatabaseUrl]:
    """The dialect serving `location` (a path, a URL or a `DatabaseUrl`) and the parsed
    URL, without opening anything: for maintenance of a database that is not (or must
    not be) opened the ordinary way, where `current_dialect()` would name whatever
    engine was opened last."""
    url = parse_database_url(location)
    return dialect_for(url.scheme), url


def open_database(location: str | os.PathLike[str] | DatabaseUrl, *, migrate: bool = True) -> pw.Database:
    """Open (creating if needed) the tasktui database at `location` — a path (SQLite),
    a URL or a `DatabaseUrl` — and bind the models to it.

    With `migrate`, pending migrations are applied; otherwise an out-of-date schema is
    an error telling the user to run `tasktui db migrate`."""
    global _current
    url = parse_database_url(location)
    dialect = dialect_for(url.scheme)
    close_database()
    db = dialect.open(url, migrate=migrate)
    _current = dialect
    return db


def set_lock_wait(seconds: float, db: pw.Database | None = None) -> None:
    """How long a write of the bound database (or `db`) waits for another writer's
    lock before it is busy (`Unavailable`); see `Dialect.set_lock_wait`."""
    database = db or database_proxy.obj
    if database is not None:
        dialect_of(database).set_lock_wait(database, seconds)


def close_database() -> None:
    """Close this thread's connection of the database the models are bound to, if
    open (the CLI calls it when a command ends; `open_database` before it reopens).

    Why it matters: opening an SQLite file reads its header with a plain open/close;
    POSIX locks belong to the process and any close of the file drops them all,
    including those of a connection of ours that is still open. Another process could
    then think it is the last one and delete the -wal/-shm files under that connection
    ("database disk image is malformed"). Reopening happens in tests (in-process CLI
    runs alongside real processes) and whenever a process opens a database again."""
    old = database_proxy.obj
    if old is not None and not old.is_closed() and not old.in_transaction():
        old.close()


def is_read_only(db: pw.Database | None = None) -> bool:
    """True when the bound database (or `db`) was opened for reading only."""
    db = db or database_proxy.obj
    return db is not None and dialect_of(db).is_read_only(db)


def database_error_message(error: BaseException, db: pw.Database | None = None) -> str | None:
    """The one-line message naming the real cause of a database error — busy, lock
    timeout, disk full, read-only — or None when the error is none of these."""
    return dialect_of(db).error_message(error, db)


def driver_error_message(error: BaseException) -> str | None:
    """The message for a driver error that escaped peewee's wrapping, or None (the
    CLI maps it to exit code 4)."""
    return current_dialect().driver_error_message(error)


@contextlib.contextmanager
def write_transaction(db: AnyDatabase | None = None) -> Iterator[None]:
    """One write transaction (`BEGIN IMMEDIATE` on SQLite; nested calls become
    savepoints). A database still locked after the busy timeout, a full disk or
    read-only media become `Unavailable` (exit code 4) with the real cause."""
    database = db or database_proxy
    try:
        with database.atomic():
            yield
    except pw.DatabaseError as e:
        target = database.obj if isinstance(database, pw.DatabaseProxy) else database
        message = dialect_of(target).error_message(e, target)
        if message is not None:
            raise Unavailable(message) from None
        raise


def change_token(db: AnyDatabase | None = None) -> object:
    """A value that changes when another connection commits (live refresh)."""
    database = db or database_proxy
    return dialect_of(database).change_token(database)


def query_plan(query: pw.Query) -> list[str]:
    """The engine's plan of a query, one line per step (for tests and benchmarks)."""
    return current_dialect().query_plan(query, database_proxy)


def retrying(work: Callable[[], T], *, attempts: int = TRANSACTION_ATTEMPTS) -> T:
    """Run `work` in one write transaction; when concurrent writers made it fail with
    a serialization failure or a deadlock, roll back and run it again (a bounded
    number of times, with a short random pause), then Unavailable (exit code 4).
    Inside a transaction already, `work` simply runs (only the outermost retries)."""
    database = database_proxy
    if database.obj is not None and database.in_transaction():
        return work()
    dialect = current_dialect()
    for attempt in range(attempts):
        try:
            with write_transaction():
                return work()
        except (pw.DatabaseError, Unavailable) as e:
            if not dialect.is_retryable(e):
                raise
            if attempt == attempts - 1:
                raise Unavailable(dialect.error_message(e, database.obj) or str(e)) from None
            import random
            import time

            time.sleep(random.uniform(0.5, 1.0) * 0.01 * (2**attempt))
    raise AssertionError("unreachable")


def claim_rows(query: pw.Select) -> pw.Select:
    """`query` locking the rows it returns and skipping those other writers locked
    (see `Dialect.claim_rows`): claimers running at once take different rows."""
    return current_dialect().claim_rows(query)


def lock_keys(keys: Iterable[str]) -> None:
    """Inside a write transaction: writers of the same keys take turns until it ends."""
    current_dialect().lock_keys(database_proxy, keys)


#: This thread's bulk indexer while a `deferred_search_index` block runs (a thread's
#: own: another thread's writes keep the per-row upkeep of their own connection).
_search_index = threading.local()


@contextlib.contextmanager
def deferred_search_index() -> Iterator[None]:
    """Inside a write transaction that inserts many tasks: the engine may index the
    new tasks' text in bulk (`index_new_tasks`) instead of row by row (see
    `Dialect.deferred_search_index`). Leaving the block by an exception leaves the
    transaction to be rolled back."""
    with current_dialect().deferred_search_index(database_proxy) as index:
        outer = getattr(_search_index, "index", None)
        _search_index.index = index
        try:
            yield
        finally:
            _search_index.index = outer


def index_new_tasks(ids: list[int]) -> None:
    """Right after tasks were inserted (before their attribute values): hand their
    ids to the bulk indexer, when a `deferred_search_index` block set the per-row
    upkeep aside (it indexes them by the end of the block)."""
    index = getattr(_search_index, "index", None)
    if index is not None and ids:
        index(ids)


def time_limit(seconds: float) -> contextlib.AbstractContextManager[None]:
    """Statements of the block give up after `seconds` where the engine can do it."""
    return current_dialect().time_limit(database_proxy, seconds)
