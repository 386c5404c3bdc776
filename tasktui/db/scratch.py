"""A scratch database for work too big to hold in memory (the records of an import
file while they are checked and written): SQLite's private temporary database, and
`RecordSpool`, the import's records in it.

Its file is in the system's temporary directory, unlinked as soon as it is opened, so
it goes away in every case, also when the process dies; closing the connection frees
it at once. It is never the tasktui store (which may be PostgreSQL): the services ask
for one here instead of opening SQLite themselves.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

#: Pages kept in memory (KiB, as SQLite's negative cache_size: its default); the rest,
#: and big sorts, go to the temporary file, so memory stays flat.
CACHE_KIB = 2_048


def scratch_database(cache_kib: int = CACHE_KIB) -> Any:
    """A new, empty private scratch database (a DB-API connection in autocommit
    mode): no journal, no syncing, temporary tables and sorts on disk."""
    db = sqlite3.connect("", isolation_level=None)
    for pragma in ("journal_mode = OFF", "synchronous = OFF", "temp_store = FILE", f"cache_size = -{int(cache_kib)}"):
        db.execute(f"PRAGMA {pragma}")
    return db


#: Rows read back at a time.
CHUNK = 5_000
_INT64 = (-(2**63), 2**63 - 1)
_SCHEMA = (
    # old_id: without a type, so an id beyond 64 bits is kept as its text
    "CREATE TABLE record (idx INTEGER PRIMARY KEY, old_id, sort_id INTEGER NOT NULL, event TEXT NOT NULL, "
    "created_at TEXT NOT NULL, title TEXT NOT NULL, open_dedup_key TEXT, data BLOB NOT NULL)",
    "CREATE TABLE existing (idx INTEGER PRIMARY KEY, task_id INTEGER NOT NULL)",
    "CREATE TABLE written (idx INTEGER PRIMARY KEY, task_id INTEGER NOT NULL)",
)


def _stored_id(old_id: int | None) -> int | str | None:
    if old_id is None or _INT64[0] <= old_id <= _INT64[1]:
        return old_id
    return str(old_id)


def _old_id(stored: Any) -> int | None:
    return int(stored) if isinstance(stored, str) else stored


class RecordSpool:
    """Records of an import file in a scratch database, each an opaque `data` blob
    with the fields its checks sort and match by, in file order from 1, and what
    became of each (already there as task N, or written as task N)."""

    def __init__(self) -> None:
        self._db = scratch_database()
        for statement in _SCHEMA:
            self._db.execute(statement)
        self._pending: list[tuple[Any, ...]] = []

    def close(self) -> None:
        """Drop the spool (its temporary file goes with it)."""
        self._pending = []
        self._db.close()

    def add(
        self, idx: int, old_id: int | None, event: str, created_at: str, title: str, open_key: str | None, data: bytes
    ) -> None:
        """Keep one record (they come in file order); `open_key` is the dedup key of
        an open record, else None."""
        sort_id = 0 if old_id is None else min(max(old_id, _INT64[0]), _INT64[1])
        self._pending.append((idx, _stored_id(old_id), sort_id, event, created_at, title, open_key, data))
        if len(self._pending) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        """Write the records added since the last flush."""
        if self._pending:
            self._many("INSERT INTO record VALUES (?, ?, ?, ?, ?, ?, ?, ?)", self._pending)
            self._pending = []

    def _many(self, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
        self._db.execute("BEGIN")
        self._db.executemany(sql, rows)
        self._db.execute("COMMIT")

    def _chunks(self, sql: str) -> Iterator[list[tuple[Any, ...]]]:
        self.flush()
        cursor = self._db.execute(sql)
        try:
            while rows := cursor.fetchmany(CHUNK):
                yield rows
        finally:
            cursor.close()

    def by_key(self) -> Iterator[list[bytes]]:
        """Every record's data, CHUNK at a time, by event, created_at, title, then
        file order: records that may be the same target task come together."""
        for rows in self._chunks("SELECT data FROM record ORDER BY event, created_at, title, idx"):
            yield [data for (data,) in rows]

    def to_write(self) -> Iterator[list[bytes]]:
        """The data of the records not already there, CHUNK at a time, in the order of
        their new ids: created_at, then old id, then file order."""
        sql = "SELECT data FROM record WHERE idx NOT IN (SELECT idx FROM existing) ORDER BY created_at, sort_id, idx"
        for rows in self._chunks(sql):
            yield [data for (data,) in rows]

    def open_dedup_keys(self) -> Iterator[list[tuple[int, Any, str, str]]]:
        """(index, old id, event, dedup key) of the open records with a dedup key
        that are not already there, CHUNK at a time, by event and key, then file order."""
        sql = (
            "SELECT idx, old_id, event, open_dedup_key FROM record "
            "WHERE open_dedup_key IS NOT NULL AND idx NOT IN (SELECT idx FROM existing) "
            "ORDER BY event, open_dedup_key, idx"
        )
        for rows in self._chunks(sql):
            yield [(idx, _old_id(old_id), event, key) for idx, old_id, event, key in rows]

    def mark_existing(self, pairs: Sequence[tuple[int, int]]) -> None:
        """(record index, target task id) of records already there."""
        if pairs:
            self._many("INSERT INTO existing VALUES (?, ?)", pairs)

    def mark_written(self, pairs: Sequence[tuple[int, int]]) -> None:
        """(record index, new task id) of records written."""
        if pairs:
            self._many("INSERT INTO written VALUES (?, ?)", pairs)

    def existing_count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM existing").fetchone()[0])

    def written_count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM written").fetchone()[0])

    def existing_rows(self) -> Iterator[tuple[int, Any, int]]:
        """(index, old id, target task id) of the records already there, in file order."""
        sql = "SELECT e.idx, r.old_id, e.task_id FROM existing e JOIN record r USING (idx) ORDER BY e.idx"
        for rows in self._chunks(sql):
            for idx, old_id, task_id in rows:
                yield idx, _old_id(old_id), task_id

    def written_ids(self) -> Iterator[list[int]]:
        """The new task ids, ascending, CHUNK at a time."""
        for rows in self._chunks("SELECT task_id FROM written ORDER BY task_id"):
            yield [task_id for (task_id,) in rows]

    def outcomes(self) -> Iterator[tuple[int, Any, int, str]]:
        """(index, old id, task id, `imported` or `existing`) of every record, in file order."""
        sql = (
            "SELECT r.idx, r.old_id, e.task_id, w.task_id FROM record r "
            "LEFT JOIN existing e USING (idx) LEFT JOIN written w USING (idx) ORDER BY r.idx"
        )
        for rows in self._chunks(sql):
            for idx, old_id, existing, written in rows:
                if existing is not None:
                    yield idx, _old_id(old_id), existing, "existing"
                elif written is not None:
                    yield idx, _old_id(old_id), written, "imported"
