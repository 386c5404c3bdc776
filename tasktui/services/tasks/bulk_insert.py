"""Multi-row writes and once-per-run lookups shared by batch raise and import.

Both load many tasks in one write transaction; one INSERT per row would make 100,000
tasks take minutes, so rows go in chunks of CHUNK (well below every driver's limit
on bound parameters), and each event, user or group name is looked up once.
"""

from __future__ import annotations

from collections.abc import Callable

import peewee as pw

from tasktui.db import index_new_tasks
from tasktui.db.bulk_rows import insert_values
from tasktui.errors import TaskTuiError
from tasktui.lazy_typing import TYPE_CHECKING
from tasktui.models import Task

if TYPE_CHECKING:
    from typing import Any, TypeVar

    T = TypeVar("T")

CHUNK = 500


#: From this many rows on, `insert_chunks` runs one prepared INSERT per row through the
#: driver (`bulk_rows.insert_rows`); fewer go as multi-row INSERTs (`insert_values`).
BULK_FROM = 50


def _same_keys(rows: list[dict]) -> bool:
    keys = rows[0].keys()
    return all(row.keys() == keys for row in rows)


def insert_chunks(model: type[pw.Model], rows: list[dict]) -> None:
    """Insert `rows` (dicts of column values, all with the same keys) into `model`,
    CHUNK rows per statement (many rows: one prepared statement run per row)."""
    if len(rows) >= BULK_FROM and _same_keys(rows):
        from tasktui.db.bulk_rows import insert_rows

        insert_rows(model, rows)
        return
    for start in range(0, len(rows), CHUNK):
        insert_values(model, rows[start : start + CHUNK])


def insert_tasks(rows: list[dict]) -> list[int]:
    """Insert new tasks; their ids in row order. Ids follow insertion order, so the
    ids a multi-row insert returns (in any order) sorted are the rows' ids."""
    ids: list[int] = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        returned = sorted(insert_values(Task, chunk, returning_ids=True))
        if len(returned) != len(chunk):
            raise RuntimeError(f"inserted {len(chunk)} tasks but got {len(returned)} ids back")
        ids.extend(returned)
    index_new_tasks(ids)  # a bulk write's text index (nothing otherwise: the engine keeps it per row)
    return ids


def cached_lookup(cache: dict[Any, Any], key: Any, fetch: Callable[[Any], T]) -> T:
    """`fetch(key)`, asked once per key: the answer, or the TaskTuiError it raised, is
    kept in `cache`, so a name repeated on 10,000 lines costs one query (and a bad
    name one error per line without another query)."""
    if key not in cache:
        try:
            cache[key] = fetch(key)
        except TaskTuiError as e:
            cache[key] = e
    found = cache[key]
    if isinstance(found, TaskTuiError):
        raise found
    return found
