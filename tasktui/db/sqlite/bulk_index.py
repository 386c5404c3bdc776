"""The full-text index of many new tasks at once, for bulk writes on SQLite.

`task_fts` is kept by triggers (migration 1); `task_fts_ai` adds a task's row as the
task is inserted. Row by row, FTS5 with the trigram tokenizer is most of the cost of
a big batch (about three quarters of 100,000 raises); one INSERT ... SELECT of the
same rows is several times cheaper, and one statement for all of them cheaper again:
FTS5 writes out the terms it holds at the start of every statement of a transaction,
so 500 tasks per statement leave it small pieces to merge again and again (200,000
tasks: 10.7 s in statements of 500, 5.3 s in one with a 32 MiB hash). So a bulk
write sets that one trigger aside for its block (DDL is transactional in SQLite: no
other connection ever sees it missing, a rollback puts it back), notes the ids of
the new tasks as they are inserted, and when the block ends indexes them in one
statement, with the values the triggers would have written: their text and their
attribute values. Until then the attribute triggers find no row of a new task to
update (an UPDATE of no row), and keep those of older tasks as always.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from tasktui.db.dialect import AnyDatabase

#: The per-row insert trigger set aside.
TRIGGER = "task_fts_ai"
#: What the triggers make of tasks: their text and their attribute values joined by
#: a space (in the order of the (task, attribute) index, as `task_attr_fts_ai` does).
_FILL = (
    "INSERT INTO task_fts(rowid, title, description, link, attrs) "
    "SELECT t.id, t.title, t.description, t.link, "
    "coalesce((SELECT group_concat(a.value, ' ') FROM task_attribute a WHERE a.task_id = t.id), '') "
    "FROM task t"
)
#: For every task (`db copy`).
FILL_ALL = f"{_FILL} ORDER BY t.id"
#: For a range of new task ids.
INDEX_RANGE = f"{_FILL} WHERE t.id BETWEEN ? AND ? ORDER BY t.id"
DEFINITION = "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?"


def _add_to_runs(runs: list[list[int]], ids: list[int]) -> None:
    """Extend `runs`, [first, last] of each run of consecutive ids, by `ids` (new
    tasks' ids grow from one insert to the next: one run, as a rule)."""
    for task_id in sorted(ids):
        if runs and runs[-1][1] + 1 == task_id:
            runs[-1][1] = task_id
        else:
            runs.append([task_id, task_id])


@contextlib.contextmanager
def deferred_task_fts(db: AnyDatabase) -> Iterator[Callable[[list[int]], None] | None]:
    """Inside a write transaction: without `task_fts_ai` for the block, and a function
    taking the ids of new tasks right after they are inserted; when the block ends
    normally they are indexed and the trigger is put back, as it was (after an
    exception the caller's rollback puts it back)."""
    row = db.execute_sql(DEFINITION, (TRIGGER,)).fetchone()
    if row is None:  # not this schema: keep whatever upkeep the file has
        yield None
        return
    db.execute_sql('DROP TRIGGER "task_fts_ai"')
    runs: list[list[int]] = []  # [first, last] of each run of new ids

    with bulk_page_cache(db):
        yield lambda ids: _add_to_runs(runs, ids)
        with bulk_fts_hash(db):
            for first, last in runs:
                db.execute_sql(INDEX_RANGE, (first, last))
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


#: FTS5's memory for the terms of rows not yet written to the index (bytes), while
#: one statement fills `task_fts` with many tasks. With FTS5's default (1 MiB) the
#: index of a million tasks was written in small pieces, merged again and again:
#: 56 s to fill it; with 16 MiB 36 s, with 32 MiB 32 s (64 MiB: no faster). 16 MiB
#: keeps a million-line batch or import within its 300 MB.
BULK_FTS_HASH_BYTES = 16 * 2**20
#: FTS5's own default, when the table's config holds no `hashsize`.
FTS5_DEFAULT_HASH_BYTES = 2**20
HASH_SIZE = "SELECT v FROM task_fts_config WHERE k = 'hashsize'"
SET_HASH_SIZE = "INSERT INTO task_fts(task_fts, rank) VALUES ('hashsize', ?)"


@contextlib.contextmanager
def bulk_fts_hash(db: AnyDatabase) -> Iterator[None]:
    """Inside a write transaction: `task_fts` with a hash of BULK_FTS_HASH_BYTES for
    the block (its own, when larger), then its size again when the block ends
    normally. The size is a setting stored with the table, so after an exception the
    caller's rollback puts it back; afterwards it holds FTS5's default explicitly
    when it held none."""
    row = db.execute_sql(HASH_SIZE).fetchone()
    previous = int(row[0]) if row is not None else FTS5_DEFAULT_HASH_BYTES
    if previous >= BULK_FTS_HASH_BYTES:
        yield
        return
    db.execute_sql(SET_HASH_SIZE, (BULK_FTS_HASH_BYTES,))
    yield
    db.execute_sql(SET_HASH_SIZE, (previous,))


def set_cache_size(db: AnyDatabase, size: int) -> None:
    """`PRAGMA cache_size` (pragmas take no parameters: an int, `:d`)."""
    db.execute_sql(f"PRAGMA cache_size = {size:d}")


def recreate_trigger(db: AnyDatabase, definition: str) -> None:
    """Put the trigger back from the definition the file's own `sqlite_master` held."""
    db.execute_sql(definition)
