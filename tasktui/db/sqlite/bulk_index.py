"""The full-text index of many new tasks at once, for bulk writes on SQLite.

`task_fts` is kept by triggers (migration 1); `task_fts_ai` adds a task's row as the
task is inserted. Row by row, FTS5 with the trigram tokenizer is most of the cost of
a big batch (about three quarters of 100,000 raises); one INSERT ... SELECT of the
same rows is several times cheaper. So a bulk write sets that one trigger aside for
its block (DDL is transactional in SQLite: no other connection ever sees it missing,
a rollback puts it back) and indexes each statement's new tasks right after they are
inserted, with the values the trigger would have written — before their attribute
values, whose own trigger (`task_attr_fts_ai`) then fills `attrs` as always.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from tasktui.db.dialect import AnyDatabase

#: The per-row insert trigger set aside.
TRIGGER = "task_fts_ai"
#: What the trigger inserts, for a range of new task ids.
INDEX_RANGE = (
    "INSERT INTO task_fts(rowid, title, description, link, attrs) "
    "SELECT id, title, description, link, '' FROM task WHERE id BETWEEN ? AND ? ORDER BY id"
)
DEFINITION = "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?"


def _runs(ids: list[int]) -> Iterator[tuple[int, int]]:
    """(first, last) of each run of consecutive ids."""
    ordered = sorted(ids)
    first = last = ordered[0]
    for task_id in ordered[1:]:
        if task_id != last + 1:
            yield first, last
            first = task_id
        last = task_id
    yield first, last


@contextlib.contextmanager
def deferred_task_fts(db: AnyDatabase) -> Iterator[Callable[[list[int]], None] | None]:
    """Inside a write transaction: without `task_fts_ai` for the block, and a function
    indexing new tasks by id; the trigger is put back, as it was, when the block ends
    normally (after an exception the caller's rollback puts it back)."""
    row = db.execute_sql(DEFINITION, (TRIGGER,)).fetchone()
    if row is None:  # not this schema: keep whatever upkeep the file has
        yield None
        return
    db.execute_sql('DROP TRIGGER "task_fts_ai"')

    def index(ids: list[int]) -> None:
        for first, last in _runs(ids):
            db.execute_sql(INDEX_RANGE, (first, last))

    with bulk_page_cache(db):
        yield index
    recreate_trigger(db, row[0])


#: The page cache of a bulk write (KiB): the file of a million tasks is 1.5 GB with
#: 18 indexes on `task` and the trigram index; with the connection's 16 MB, pages
#: of the indexes being filled are spilled and read back again and again. Within the
#: 300 MB a million-line batch may take, and only for the bulk write's block.
BULK_CACHE_KIB = 160_000


@contextlib.contextmanager
def bulk_page_cache(db: AnyDatabase) -> Iterator[None]:
    """A page cache of BULK_CACHE_KIB for the block (the connection's own, when
    larger), then the connection's size again, also after an exception."""
    previous = int(db.execute_sql("PRAGMA cache_size").fetchone()[0])  # < 0: KiB, else pages
    page_kib = int(db.execute_sql("PRAGMA page_size").fetchone()[0]) // 1024
    if (-previous if previous < 0 else previous * page_kib) >= BULK_CACHE_KIB:
        yield
        return
    set_cache_size(db, -BULK_CACHE_KIB)
    try:
        yield
    finally:
        set_cache_size(db, previous)


def set_cache_size(db: AnyDatabase, size: int) -> None:
    """`PRAGMA cache_size` (pragmas take no parameters: an int, `:d`)."""
    db.execute_sql(f"PRAGMA cache_size = {size:d}")


def recreate_trigger(db: AnyDatabase, definition: str) -> None:
    """Put the trigger back from the definition the file's own `sqlite_master` held."""
    db.execute_sql(definition)
