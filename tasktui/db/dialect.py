"""The interface every database engine implements.

Everything that differs between engines is a method here, so the services and the
CLI never name an engine, a pragma, a placeholder or a planner trick: they ask the
dialect of the open database (`tasktui.db.current_dialect()`). SQLite
(`tasktui.db.sqlite`) is the embedded default; a shared server engine is added by
implementing this interface in one more subpackage and registering its URL scheme
(`tasktui.db.registry`).

An ABC rather than a `typing.Protocol`: a missing method fails when the engine is
instantiated, not at the first call, and `import tasktui.db` stays as light as before
(`tasktui raise` never imports `typing`).
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import peewee as pw

from tasktui.db.url import DatabaseUrl
from tasktui.lazy_typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tasktui.db.copying import BulkLoader, CopySource

#: A database, or the models' proxy standing for the one they are bound to.
AnyDatabase = pw.Database | pw.DatabaseProxy


class Dialect(ABC):
    """One database engine: how to open it, what its errors mean, how it searches
    text, counts, sorts, tells changes, stores the schema version, checks, backs up
    and explains queries."""

    #: The URL scheme naming the engine (`sqlite`, `postgresql`).
    scheme: str
    #: True when counting a whole table is cheap (SQLite adds up the cells of an
    #: index's pages) while any filtered count reads every entry it counts: "done"
    #: alone is then counted as all tasks minus the other statuses.
    cheap_total_count: bool

    # ----------------------------------------------------------------- connection

    @abstractmethod
    def open(self, url: DatabaseUrl, *, migrate: bool) -> pw.Database:
        """Open (creating if needed) the database at `url`, refusing anything that
        is not a tasktui database of a known schema, and migrate it with `migrate`
        (else an out-of-date schema is Unavailable naming `tasktui db migrate`)."""
        ...

    def set_lock_wait(self, db: pw.Database, seconds: float) -> None:
        """How long a write waits for another writer's lock before it counts as busy
        (the intake answers 503 soon rather than after the default wait). Engines
        without such a setting keep their default wait."""
        return None

    @abstractmethod
    def is_read_only(self, db: pw.Database) -> bool:
        """True when `db` was opened for reading only (read-only media, a replica)."""
        ...

    # --------------------------------------------------------- error classification

    @abstractmethod
    def error_message(self, error: BaseException, db: pw.Database | None = None) -> str | None:
        """The one-line message naming the cause of a database error the user can
        act on — busy or lock timeout, serialization failure, disk full, read-only,
        unavailable — or None when `error` is none of these."""
        ...

    @abstractmethod
    def driver_error_message(self, error: BaseException) -> str | None:
        """The message for an error of the driver itself that escaped peewee's
        wrapping (e.g. raised while iterating a cursor), or None when it is not one."""
        ...

    def is_retryable(self, error: BaseException) -> bool:
        """True when the failed transaction can simply run again (a serialization
        failure or a deadlock between concurrent writers; SQLite has one writer)."""
        return False

    # --------------------------------------------------------------- concurrency

    def lock_keys(self, db: AnyDatabase, keys: Iterable[str]) -> None:
        """Inside a write transaction: hold a lock per key until it ends, so writers
        of the same key (a dedup key) take turns. SQLite's write transaction already
        admits one writer at a time."""
        return None

    def claim_rows(self, query: pw.Select) -> pw.Select:
        """`query` (inside a write transaction) locking the rows it returns until the
        transaction ends and skipping rows another writer has locked, so concurrent
        claimers (two `notify` processes) take different rows without waiting. SQLite's
        one writer needs nothing."""
        return query

    def lock_schema(self, db: pw.Database) -> None:
        """Inside the migration's transaction: make concurrent migrations of one
        database take turns (SQLite's write lock does)."""
        return None

    @contextlib.contextmanager
    def time_limit(self, db: AnyDatabase, seconds: float) -> Iterator[None]:
        """Statements of the block give up after about `seconds` where the engine
        can cancel a statement (`is_timeout` tells that error); else no limit."""
        yield

    def is_timeout(self, error: BaseException) -> bool:
        """True when `error` is a statement cancelled by `time_limit`."""
        return False

    @contextlib.contextmanager
    def deferred_search_index(self, db: AnyDatabase) -> Iterator[Callable[[list[int]], None] | None]:
        """Inside a write transaction that inserts many tasks: an engine whose text
        index is kept per inserted row (a trigger) may set that aside for the block
        and yield a function taking the ids of new tasks (right after their rows
        are inserted and before their attribute values), which it indexes in bulk by
        the end of the block — exactly as the per-row upkeep would have. None: the
        engine keeps its index as it goes."""
        yield None

    # ----------------------------------------------------------------- migrations

    #: The package whose `migrations/` folder holds this engine's frozen SQL files.
    migrations_package: str

    def migration_script(self, name: str) -> str:
        """The frozen SQL of migration `name` (e.g. `0002_email`)."""
        from importlib import resources

        return (resources.files(self.migrations_package) / "migrations" / f"{name}.sql").read_text(encoding="utf-8")

    def migration_names(self) -> list[str]:
        """The names of the migration files this dialect ships, in order."""
        from importlib import resources

        folder = resources.files(self.migrations_package) / "migrations"
        return sorted(entry.name[: -len(".sql")] for entry in folder.iterdir() if entry.name.endswith(".sql"))

    @abstractmethod
    def run_migration(self, db: pw.Database, name: str) -> None:
        """Run the frozen SQL of migration `name` (`migration_script`) inside the
        current transaction."""
        ...

    @abstractmethod
    def schema_version(self, db: pw.Database) -> int:
        """The schema version stored in the database (0 for a new one)."""
        ...

    @abstractmethod
    def stamp_schema_version(self, db: pw.Database, version: int) -> None:
        """Store `version` (and the mark that the database is tasktui's) inside the
        current transaction."""
        ...

    def without_index(self, column: pw.ColumnBase) -> pw.ColumnBase:
        """`column` in a form the planner does not serve from the column's indexes
        (where the engine's planner needs that hint to keep a page from sorting every
        match); the column itself where it does not."""
        return column

    # ----------------------------------------------------------------- text search

    @abstractmethod
    def indexed_text(self, text: str) -> bool:
        """True when the text index answers a search for `text` (else a plain
        substring scan does, which `text_condition` builds)."""
        ...

    @abstractmethod
    def text_condition(self, task_model: type[pw.Model], text: str) -> pw.Expression:
        """A condition: the task's title, description, link or an attribute value
        contains `text`, case-insensitively."""
        ...

    @abstractmethod
    def text_matches(self, text: str) -> pw.Node:
        """A FROM-clause source `text_match` with one row (`id`) per matching task."""
        ...

    @abstractmethod
    def text_match_id(self, task_model: type[pw.Model]) -> pw.Node:
        """The id of a matching task in a query made by `text_driven` (order by it)."""
        ...

    @abstractmethod
    def text_match_ids(self, text: str, limit: int, db: AnyDatabase) -> list[int] | None:
        """The ids of the tasks containing `text` when at most `limit`, else None."""
        ...

    @abstractmethod
    def text_driven(self, query: pw.Select, task_model: type[pw.Model], text: str) -> pw.Select:
        """`query` (a select from the task table) driven by the text index: matches
        come in id order, so a first page stops after a page of matches."""
        ...

    # ---------------------------------------------------------------- sort, counts

    @abstractmethod
    def sort_key(self, field: pw.Field) -> pw.ColumnBase:
        """The expression a keyset page sorts `field` by: the column itself when it
        cannot be null, else one of the column's own type in which null sorts below
        every value (a keyset comparison needs a total order)."""
        ...

    # -------------------------------------------------------------- live refresh

    @abstractmethod
    def change_token(self, db: AnyDatabase) -> object:
        """A value that changes when another connection commits (compare tokens for
        equality only: the TUI polls it every second to refresh)."""
        ...

    # ------------------------------------------------------- check, backup, explain
    # `tasktui db check|backup|migrate` (services/admin/maintenance.py) use these on a
    # database that is not opened the ordinary way: none of them creates, migrates or
    # changes the database, so they work on one that is in trouble.

    @abstractmethod
    def require_existing(self, url: DatabaseUrl) -> None:
        """Refuse (NotFound) a database that does not exist yet or holds no tasktui
        schema (both naming `tasktui init`), and (Unavailable) one that cannot be read,
        belongs to another application or has a newer schema. Creates nothing."""
        ...

    @abstractmethod
    def check(self, url: DatabaseUrl, *, quick: bool = False) -> dict[str, list[str]]:
        """Check the stored database: for each check, in the order they ran, the
        problems it found, one line each (an empty list: that check passed). SQLite
        runs "integrity" (`quick` makes it faster and shallower) and "foreign keys".
        Only reads; a problem is reported, never repaired."""
        ...

    @abstractmethod
    def stored_schema_version(self, url: DatabaseUrl) -> int:
        """The schema version of the database at `url` without opening it the
        ordinary way (0 when empty). Only reads."""
        ...

    @abstractmethod
    def backup(
        self,
        source: DatabaseUrl,
        target: Path,
        *,
        pages_per_step: int = 1024,
        pause_s: float = 0.0,
        progress: Callable[[int, int], None] | None = None,
    ) -> int:
        """Write one consistent copy of `source` into the existing, empty, private
        file `target` while others keep writing, check that the copy is sound
        (Unavailable when not), and return the schema version it holds. `pages_per_step`,
        `pause_s` and `progress(done, total)` pace the copy where the engine can.
        Moving the copy into place is the caller's (services/admin/maintenance.py)."""
        ...

    # ------------------------------------------------------------------ db copy
    # `tasktui db copy SOURCE TARGET` (services/admin/copy.py): the snapshot of the
    # source, the target opened without migrating it, the bulk loader.

    @abstractmethod
    def copy_source(self, url: DatabaseUrl) -> CopySource:
        """A consistent, read-only snapshot of the existing tasktui database at `url`
        (the caller checked it exists and is current). Changes nothing."""
        ...

    @abstractmethod
    def open_copy_target(self, url: DatabaseUrl) -> pw.Database:
        """Open the database at `url` to copy into, bound to the models, creating an
        empty one where the engine can (an SQLite file) but never migrating it: the
        copy migrates inside its own transaction, so a failed copy leaves the target
        as it was. Refuses a foreign, newer or read-only database (Unavailable)."""
        ...

    def discard_copy_target(self, url: DatabaseUrl, db: pw.Database) -> None:
        """After a failed copy (the transaction rolled back): close `db` and remove
        what `open_copy_target` created, if anything (a new SQLite file)."""
        db.close()

    @abstractmethod
    def bulk_loader(self, db: pw.Database) -> BulkLoader:
        """The loader that fills the empty tables of `db` inside the current
        transaction (see `tasktui.db.copying.BulkLoader`)."""
        ...

    @abstractmethod
    def query_plan(self, query: pw.Query, db: AnyDatabase) -> list[str]:
        """The engine's plan of `query`, one line per step (tests and benchmarks
        check that filters use indexes)."""
        ...
