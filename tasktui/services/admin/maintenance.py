"""Database maintenance behind `tasktui db check|backup|migrate`.

Checking and backing up only read the database: a check never repairs, migrates or
registers anyone, so it can be run on a database that is in trouble (corrupt, out of
date) without changing a byte of it. What a check runs, how a consistent copy is made
and where the schema version is stored are the dialect's (`Dialect.require_existing`,
`check`, `stored_schema_version`, `backup`); this module holds what is the same for
every engine: the report, and writing the backup file safely next to its target.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tasktui import db
from tasktui.db.url import DatabaseUrl
from tasktui.errors import Invalid, NotFound, Refused, Unavailable

#: Where a database is: a path (an SQLite file), a URL or a parsed `DatabaseUrl`.
Location = str | os.PathLike[str] | DatabaseUrl


@dataclass
class CheckReport:
    """The outcome of `db check`: for each check, the problems found (none = ok).
    `path` is the database checked (`str()` names it: an SQLite file's path)."""

    path: DatabaseUrl
    schema_version: int
    problems: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no check found a problem."""
        return not any(self.problems.values())

    def lines(self) -> list[str]:
        """One line per problem, `check: problem`."""
        return [f"{name}: {problem}" for name, found in self.problems.items() for problem in found]


@dataclass(frozen=True)
class BackupResult:
    """Where the backup went, how big it is and which schema version it holds."""

    source: DatabaseUrl
    target: Path
    size_bytes: int
    schema_version: int


@dataclass(frozen=True)
class MigrateResult:
    """The schema version before and after, and the migrations applied (version, what)."""

    path: DatabaseUrl
    before: int
    after: int
    applied: list[tuple[int, str]]


def check_database(location: Location, *, quick: bool = False) -> CheckReport:
    """Check the database at `location` with the checks of its engine (SQLite: the
    file's structure, `quick` for a faster one, and every foreign key) and that its
    schema is current. Refuses a database that is missing or not tasktui's."""
    dialect, url = db.dialect_for_url(location)
    dialect.require_existing(url)
    version = dialect.stored_schema_version(url)
    report = CheckReport(url, version)
    report.problems.update(dialect.check(url, quick=quick))
    schema: list[str] = []
    if version < db.SCHEMA_VERSION:
        schema.append(f"schema version {version} is older than {db.SCHEMA_VERSION}: run `tasktui db migrate`")
    report.problems["schema version"] = schema
    return report


def _reserve(target: Path, force: bool) -> bool:
    """Make sure `target` may be written; True when this call created it (an empty
    placeholder, 0600, that reserves the name against a concurrent writer)."""
    if target.is_dir():
        raise Invalid(f"{target} is a directory: give a file name for the backup")
    if target.exists() and not target.is_file():  # --force would replace a device such as /dev/full
        raise Invalid(f"{target} is not a regular file: give a file name for the backup")
    if not target.parent.is_dir():
        raise NotFound(f"directory {target.parent} does not exist")
    try:
        fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        if not force:
            raise Refused(f"{target} exists: use --force to overwrite it") from None
        return False
    except OSError as e:
        raise Unavailable(f"cannot write {target}: {e.strerror}") from None
    os.close(fd)
    return True


def _temporary_next_to(target: Path) -> Path:
    """A new, empty, private (0600) file with a random name in `target`'s directory,
    for the copy to be written to before it replaces `target` in one rename.

    Created with O_EXCL under a name nobody can guess: an existing file or symlink is
    never reused, removed or followed (a predictable name would let someone plant a
    symlink where the backup is written)."""
    import tempfile

    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    except OSError as e:
        prefix = "disk full: " if e.errno == errno.ENOSPC else ""
        raise Unavailable(f"{prefix}cannot write {target}: {e.strerror}") from None
    os.close(fd)
    return Path(name)


def backup(
    source: Location,
    target: Path,
    *,
    force: bool = False,
    pages_per_step: int = 1024,
    pause_s: float = 0.0,
    progress: Callable[[int, int], None] | None = None,
) -> BackupResult:
    """Back up the database `source` to the file `target` (readable by its owner
    only) while other processes may keep writing; the copy is checked before it
    replaces `target`. An existing `target` is refused unless `force`."""
    dialect, url = db.dialect_for_url(source)
    target = target.expanduser()
    dialect.require_existing(url)
    if url.path is not None and target.resolve() == url.path.resolve():
        raise Invalid("the backup must go to another file than the database itself")
    if pages_per_step < 1:
        raise Invalid("pages per step must be at least 1")
    reserved = _reserve(target, force)
    try:
        temporary = _temporary_next_to(target)
    except BaseException:
        if reserved:
            target.unlink(missing_ok=True)
        raise
    try:
        version = dialect.backup(url, temporary, pages_per_step=pages_per_step, pause_s=pause_s, progress=progress)
        with temporary.open("rb") as f:
            os.fsync(f.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        if reserved:
            target.unlink(missing_ok=True)
        raise
    return BackupResult(url, target, target.stat().st_size, version)


def migrate(location: Location) -> MigrateResult:
    """Apply the pending migrations to the database at `location` (each is described
    by the first line of its docstring); nothing to do is not an error."""
    dialect, url = db.dialect_for_url(location)
    dialect.require_existing(url)
    before = dialect.stored_schema_version(url)
    if before == db.SCHEMA_VERSION:
        return MigrateResult(url, before, before, [])
    database = db.open_database(url, migrate=True)
    try:
        after = db.schema_version(database)
    finally:
        database.close()
    summaries = db.migration_summaries()
    return MigrateResult(url, before, after, [(v, summaries[v]) for v in range(before + 1, after + 1)])
