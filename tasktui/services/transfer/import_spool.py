"""Where `tasktui import` keeps the records of a file while it checks and writes
them: a scratch database (`tasktui.db.scratch`), not memory.

Why: an export of 1,000,000 tasks held as records takes gigabytes. The reader
(`importing.read_file`) checks each record for shape and adds it here; the checks
against the target and the writer then read the records back CHUNK at a time in the
order each needs (file order, or created_at order for the new ids), and the outcome
of every record (already there as task N, or written as task N) is kept here too,
until the mapping is printed. Memory stays flat in the size of the file.

The scratch database's file is unlinked as soon as it is opened, so it goes away in
every case, also when the process dies; `close` frees it at once. The records are
pickled into it: it is private to this process and read back only by it.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator, Sequence
from dataclasses import fields
from typing import Any

from tasktui.db.scratch import scratch_database
from tasktui.models import OPEN
from tasktui.services.transfer.import_records import ImportRecord

#: Records read, checked or written at a time.
CHUNK = 5_000

_FIELDS = tuple(f.name for f in fields(ImportRecord))
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


class ImportSpool:
    """The shape-checked records of one import file (`source`, its name), in file
    order from 1, and what became of each. Use as a context manager, or `close`."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.count = 0
        self._db = scratch_database()
        for statement in _SCHEMA:
            self._db.execute(statement)
        self._pending: list[tuple[Any, ...]] = []

    def __enter__(self) -> ImportSpool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Drop the spool (its temporary file goes with it)."""
        self._pending = []
        self._db.close()

    # ------------------------------------------------------------------ filling

    def add(self, r: ImportRecord) -> None:
        """Keep one record (they come in file order)."""
        sort_id = 0 if r.old_id is None else min(max(r.old_id, _INT64[0]), _INT64[1])
        data = pickle.dumps(tuple(getattr(r, name) for name in _FIELDS), pickle.HIGHEST_PROTOCOL)
        key = r.dedup_key if r.status == OPEN else None
        self._pending.append(
            (r.index, _stored_id(r.old_id), sort_id, r.event, r.created_at.isoformat(), r.title, key, data)
        )
        self.count += 1
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

    # ------------------------------------------------------------------ reading

    def _chunks(self, sql: str) -> Iterator[list[tuple[Any, ...]]]:
        self.flush()
        cursor = self._db.execute(sql)
        try:
            while rows := cursor.fetchmany(CHUNK):
                yield rows
        finally:
            cursor.close()

    def by_key(self) -> Iterator[list[ImportRecord]]:
        """Every record, CHUNK at a time, by event, created_at, title, then file
        order: records that may be the same target task come together."""
        for rows in self._chunks("SELECT data FROM record ORDER BY event, created_at, title, idx"):
            yield [ImportRecord(*pickle.loads(data)) for (data,) in rows]

    def to_write(self) -> Iterator[list[ImportRecord]]:
        """The records not already there, CHUNK at a time, in the order of their new
        ids: created_at, then old id, then file order."""
        sql = "SELECT data FROM record WHERE idx NOT IN (SELECT idx FROM existing) ORDER BY created_at, sort_id, idx"
        for rows in self._chunks(sql):
            yield [ImportRecord(*pickle.loads(data)) for (data,) in rows]

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

    # ------------------------------------------------------------------ outcomes

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


def _old_id(stored: Any) -> int | None:
    return int(stored) if isinstance(stored, str) else stored
