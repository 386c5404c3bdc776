"""One ordered list of migrations; the SQL of each is frozen per dialect.

Migration N brings the schema from version N-1 to N. Each dialect ships one file per
migration, `<NNNN>_<name>.sql` (e.g. `db/sqlite/migrations/0002_email.sql`); a test
checks that every dialect has exactly the files of this list. Append only: a
released migration never changes, later changes are new migrations.

Every migration pending when a database is opened runs in one write transaction,
together with the new schema version: another process opening the same file at the
same moment waits, then finds the work done, and a failing migration leaves the
database exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable

import peewee as pw

from tasktui.errors import Unavailable


class Migration:
    """One step of the schema: `version`, the `name` of its SQL file in every
    dialect, and a one-line `summary` (what `tasktui db migrate` prints)."""

    __slots__ = ("name", "summary", "version")

    def __init__(self, version: int, name: str, summary: str) -> None:
        self.version = version
        self.name = name
        self.summary = summary

    @property
    def file_stem(self) -> str:
        """`0002_email`: the name of its SQL file in each dialect, without `.sql`."""
        return f"{self.version:04d}_{self.name}"

    def __call__(self, db: pw.Database) -> None:
        """Run this migration's frozen SQL of the dialect of `db`."""
        from tasktui.db.connection import dialect_of

        dialect_of(db).run_migration(db, self.file_stem)

    def __repr__(self) -> str:
        return f"Migration({self.version}, {self.name!r})"


#: The migrations in order (any callable taking the database is a migration: tests
#: add their own).
MIGRATIONS: list[Callable[[pw.Database], None]] = [
    Migration(1, "schema", "The first schema: every table of PRODUCT.md section 1, indexes, text search."),
    Migration(2, "email", "Email notifications: SMTP settings, per-event switches, the outbox."),
    Migration(3, "filter_indexes", "Indexes for the task filters without a status, and for counts."),
    Migration(4, "count_indexes", "Indexes for counts of open and done tasks under assignee, group and event filters."),
    Migration(5, "audit", "Audit log of changes to events, users, groups, attributes and email settings."),
    Migration(6, "intake", "HTTP intake: sources with token hashes, and the alert episode a task last counted."),
    Migration(7, "web_tokens", "Browser mode: login tokens of `tasktui web` (stored hashed)."),
    Migration(8, "channels", "Notification channels and escalation: channels, routes, escalation rules, outbox kinds."),
    Migration(9, "triage", "Triage: severity of events and tasks, acknowledge and snooze, saved views."),
    Migration(10, "change_sets", "Change sets: every bulk action's before and after values per task, for undo."),
    Migration(11, "event_templates", "Message templates: an event's own subject and body for its notifications."),
    Migration(12, "search_table", "PostgreSQL: the text search document in a table of its own, out of the task row."),
    Migration(13, "search_key", "PostgreSQL: a search key with trigrams across punctuation, and its trigram index."),
]
#: The schema version of a database all of whose migrations have run.
SCHEMA_VERSION = len(MIGRATIONS)


def migration_summaries() -> dict[int, str]:
    """Schema version -> the one-line summary of the migration that makes it."""
    summaries: dict[int, str] = {}
    for version, migration in enumerate(MIGRATIONS, start=1):
        summary = getattr(migration, "summary", None) or (migration.__doc__ or repr(migration)).strip()
        summaries[version] = (summary.splitlines() or [""])[0]
    return summaries


def apply_migrations(db: pw.Database, *, target: int | None = None) -> list[int]:
    """Apply pending migrations up to `target` (default: the latest) in one write
    transaction; returns the versions applied."""
    from tasktui.db.connection import dialect_of, write_transaction

    dialect = dialect_of(db)
    target = SCHEMA_VERSION if target is None else target
    applied: list[int] = []
    with write_transaction(db):
        dialect.lock_schema(db)
        current = dialect.schema_version(db)
        if current > SCHEMA_VERSION:
            raise Unavailable(f"schema version {current} is newer than this tasktui knows")
        for version in range(current + 1, target + 1):
            MIGRATIONS[version - 1](db)
            applied.append(version)
        dialect.stamp_schema_version(db, target)
    return applied
