"""Where `tasktui import` keeps the records of a file while it checks and writes
them: a scratch database (`tasktui.db.scratch.RecordSpool`), not memory.

Why: an export of 1,000,000 tasks held as records takes gigabytes. The reader
(`importing.read_file`) checks each record for shape and adds it here; the checks
against the target and the writer then read the records back a chunk at a time in the
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

from tasktui.db.scratch import RecordSpool
from tasktui.models import OPEN
from tasktui.services.transfer.import_records import ImportRecord

_FIELDS = tuple(f.name for f in fields(ImportRecord))


def _records(chunks: Iterator[list[bytes]]) -> Iterator[list[ImportRecord]]:
    for chunk in chunks:
        yield [ImportRecord(*pickle.loads(data)) for data in chunk]


class ImportSpool:
    """The shape-checked records of one import file (`source`, its name), in file
    order from 1, and what became of each. Use as a context manager, or `close`."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.count = 0
        self._store = RecordSpool()

    def __enter__(self) -> ImportSpool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Drop the spool (its temporary file goes with it)."""
        self._store.close()

    def add(self, r: ImportRecord) -> None:
        """Keep one record (they come in file order)."""
        data = pickle.dumps(tuple(getattr(r, name) for name in _FIELDS), pickle.HIGHEST_PROTOCOL)
        key = r.dedup_key if r.status == OPEN else None
        self._store.add(r.index, r.old_id, r.event, r.created_at.isoformat(), r.title, key, data)
        self.count += 1

    def flush(self) -> None:
        """Write the records added since the last flush."""
        self._store.flush()

    def by_key(self) -> Iterator[list[ImportRecord]]:
        """Every record, a chunk at a time, by event, created_at, title, then file
        order: records that may be the same target task come together."""
        return _records(self._store.by_key())

    def to_write(self) -> Iterator[list[ImportRecord]]:
        """The records not already there, a chunk at a time, in the order of their new
        ids: created_at, then old id, then file order."""
        return _records(self._store.to_write())

    def open_dedup_keys(self) -> Iterator[list[tuple[int, Any, str, str]]]:
        """(index, old id, event, dedup key) of the open records with a dedup key
        that are not already there, a chunk at a time, by event and key, then file order."""
        return self._store.open_dedup_keys()

    def mark_existing(self, pairs: Sequence[tuple[int, int]]) -> None:
        """(record index, target task id) of records already there."""
        self._store.mark_existing(pairs)

    def mark_written(self, pairs: Sequence[tuple[int, int]]) -> None:
        """(record index, new task id) of records written."""
        self._store.mark_written(pairs)

    def existing_count(self) -> int:
        return self._store.existing_count()

    def written_count(self) -> int:
        return self._store.written_count()

    def existing_rows(self) -> Iterator[tuple[int, Any, int]]:
        """(index, old id, target task id) of the records already there, in file order."""
        return self._store.existing_rows()

    def written_ids(self) -> Iterator[list[int]]:
        """The new task ids, ascending, a chunk at a time."""
        return self._store.written_ids()

    def outcomes(self) -> Iterator[tuple[int, Any, int, str]]:
        """(index, old id, task id, `imported` or `existing`) of every record, in file order."""
        return self._store.outcomes()
