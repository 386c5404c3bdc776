"""`tasktui db copy SOURCE TARGET`: move a whole store to another database, of either
engine (an SQLite file to PostgreSQL is the common case), with every id kept.

What is the same for every engine lives here: which tables (every model), in which
order (referenced tables first), one transaction on the target (the schema is
created or migrated inside it, so a failed copy leaves the target as it was), the
refusal of a target that holds tasktui data, and the row counts checked at the end.
How a snapshot is read and rows are loaded fast — COPY, triggers and indexes set
aside and rebuilt, sequences reset — is the dialects' (`Dialect.copy_source`,
`open_copy_target`, `bulk_loader`). The source is only read.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import peewee as pw

from tasktui import db, models
from tasktui.db.copying import BulkLoader, Rows
from tasktui.db.dialect import Dialect
from tasktui.db.url import DatabaseUrl
from tasktui.errors import Invalid, Refused, TaskTuiError, Unavailable

#: Where a database is: a path (an SQLite file), a URL or a parsed `DatabaseUrl`.
Location = str | os.PathLike[str] | DatabaseUrl
#: Rows read from the source and handed to the loader at a time.
BATCH = 10_000


@dataclass(frozen=True)
class CopyResult:
    """What was copied: rows per table (every table, in copy order), and how long it took."""

    source: DatabaseUrl
    target: DatabaseUrl
    rows: dict[str, int]
    seconds: float

    @property
    def total(self) -> int:
        """Rows copied, all tables together."""
        return sum(self.rows.values())


def copy_models() -> list[type[pw.Model]]:
    """Every table of tasktui, referenced tables before the tables referring to them."""
    found = [
        value
        for value in vars(models).values()
        if isinstance(value, type) and issubclass(value, models.BaseModel) and value is not models.BaseModel
    ]
    return list(pw.sort_models(found))  # type: ignore[attr-defined]  # not in the stubs


def _columns(model: type[pw.Model]) -> list[str]:
    return [field.column_name for field in model._meta.sorted_fields]


def _same_database(a: DatabaseUrl, b: DatabaseUrl) -> bool:
    if a.path is not None and b.path is not None:
        return a.path.expanduser().resolve() == b.path.expanduser().resolve()
    return a == b


def _check_source(dialect: Dialect, url: DatabaseUrl) -> None:
    """The source must be a tasktui database at the current schema (it is only read,
    so it cannot be migrated here)."""
    dialect.require_existing(url)
    version = dialect.stored_schema_version(url)
    if version < db.SCHEMA_VERSION:
        raise Unavailable(
            f"{url} has schema version {version}, older than {db.SCHEMA_VERSION}: "
            f"migrate it first (`tasktui --db SOURCE db migrate`); db copy only reads its source"
        )
    if version > db.SCHEMA_VERSION:
        raise Unavailable(f"{url} has schema version {version}, newer than this tasktui knows: upgrade tasktui")


def _refuse_non_empty(tables: list[type[pw.Model]], url: DatabaseUrl) -> None:
    holding = [model._meta.table_name for model in tables if model.select().exists()]
    if holding:
        shown = ", ".join(holding[:5]) + (", …" if len(holding) > 5 else "")
        raise Refused(f"{url} already holds tasktui data (tables {shown}): db copy needs an empty target")


def _counted(
    batches: Iterator[Rows], done: list[int], total: int, progress: Callable[[int, int], None] | None
) -> Iterable[Rows]:
    for rows in batches:
        yield rows
        done[0] += len(rows)
        if progress is not None:
            progress(done[0], total)


def _one_line(error: BaseException, source: Dialect, target: Dialect, target_db: pw.Database) -> str:
    """The cause of a failed copy in one line, as the engine that failed names it."""
    found = target.error_message(error, target_db) or target.driver_error_message(error)
    found = found or source.error_message(error) or source.driver_error_message(error)
    text = found or f"{type(error).__name__}: {error}"
    return (text.strip().splitlines() or [type(error).__name__])[0]


def copy_database(
    source: Location, target: Location, *, progress: Callable[[int, int], None] | None = None
) -> CopyResult:
    """Copy every row of every table of `source` into `target`, ids kept, in one
    transaction on `target`: it is created or migrated to the current schema, must
    hold no tasktui data (Refused), and ends with the same number of rows in every
    table as the source's snapshot — or, on any failure, as it was. `progress(done,
    total)` is called as rows are written."""
    started = time.perf_counter()
    source_dialect, source_url = db.dialect_for_url(source)
    target_dialect, target_url = db.dialect_for_url(target)
    if _same_database(source_url, target_url):
        raise Invalid("db copy needs two different databases: the source and the target are the same")
    _check_source(source_dialect, source_url)
    tables = copy_models()
    names = [model._meta.table_name for model in tables]
    with source_dialect.copy_source(source_url) as snapshot:
        counts = {name: snapshot.count(name) for name in names}
        total = sum(counts.values())
        target_db = target_dialect.open_copy_target(target_url)
        loader: BulkLoader | None = None
        table = "the schema"
        try:
            with db.write_transaction(target_db):
                db.apply_migrations(target_db)
                _refuse_non_empty(tables, target_url)
                loader = target_dialect.bulk_loader(target_db)
                loader.prepare(names)
                done = [0]
                for model, name in zip(tables, names, strict=True):
                    table = name
                    columns = _columns(model)
                    written = loader.load(
                        name, columns, _counted(snapshot.batches(name, columns, BATCH), done, total, progress)
                    )
                    if written != counts[name]:
                        raise Unavailable(f"table {name}: read {written:,} rows of {counts[name]:,}")
                table = "the indexes"
                loader.finish(names)
                table = "the check"
                _verify(tables, counts)
        except TaskTuiError:
            target_dialect.discard_copy_target(target_url, target_db)
            raise
        except Exception as e:
            target_dialect.discard_copy_target(target_url, target_db)
            cause = _one_line(e, source_dialect, target_dialect, target_db)
            raise Unavailable(f"db copy failed at {table}: {cause} ({target_url} was left as it was)") from None
        except BaseException:  # an interrupt: the transaction was rolled back
            target_dialect.discard_copy_target(target_url, target_db)
            raise
    with contextlib.suppress(Exception):  # housekeeping only; the copy is committed
        if loader is not None:
            loader.after_commit()
    target_db.close()
    return CopyResult(source_url, target_url, counts, time.perf_counter() - started)


def _verify(tables: list[type[pw.Model]], counts: dict[str, int]) -> None:
    """Every table of the target holds as many rows as the source's snapshot."""
    for model in tables:
        name = model._meta.table_name
        found = model.select().count()
        if found != counts[name]:
            raise Unavailable(
                f"row counts differ after copying table {name}: {counts[name]:,} in the source, {found:,}"
            )
