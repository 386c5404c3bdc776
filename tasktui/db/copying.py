"""What `tasktui db copy` needs of an engine: a snapshot to read from and a bulk
loader to write with (see `Dialect.copy_source`, `Dialect.bulk_loader`).

The copy itself — which tables, in which order, one transaction, counts verified —
is engine-neutral and lives in `tasktui/services/admin/copy.py`. Rows travel as
plain tuples of the source driver's values (an SQLite source gives ISO text for
times and 0/1 for booleans, a PostgreSQL source `datetime` and `bool`); each loader
turns them into what its engine stores, as tasktui itself would have written them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from types import TracebackType

#: A batch of rows, each a tuple in the order of the columns asked for.
Rows = list[tuple[object, ...]]


class CopySource(ABC):
    """One consistent snapshot of a whole database, read only: every count and every
    row comes from the same moment, even while others keep writing to it."""

    @abstractmethod
    def count(self, table: str) -> int:
        """The number of rows of `table` in the snapshot."""
        ...

    @abstractmethod
    def batches(self, table: str, columns: Sequence[str], size: int) -> Iterator[Rows]:
        """The rows of `table` (`columns`, in that order) in id order, `size` at a time."""
        ...

    @abstractmethod
    def close(self) -> None:
        """End the snapshot and close the connection."""
        ...

    def __enter__(self) -> CopySource:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


class BulkLoader(ABC):
    """Fills the empty tables of an open database inside the caller's transaction,
    faster than row-by-row inserts, and rebuilds what the engine derives from rows
    (search index, sequences) once at the end instead of per row."""

    @abstractmethod
    def prepare(self, tables: Sequence[str]) -> None:
        """Before the first row: set aside what would make loading slow (per-row
        triggers, secondary indexes), to be rebuilt by `finish`."""
        ...

    @abstractmethod
    def load(self, table: str, columns: Sequence[str], batches: Iterable[Rows]) -> int:
        """Write every row of `batches` into `table` (ids as given); returns the
        number of rows written."""
        ...

    @abstractmethod
    def finish(self, tables: Sequence[str]) -> None:
        """After the last row, still inside the transaction: rebuild what `prepare`
        set aside and what the engine derives from rows, so the database is exactly
        as if tasktui had written every row itself (search index, the next id)."""
        ...

    def after_commit(self) -> None:
        """Housekeeping that cannot run inside a transaction (optional; a failure
        here loses nothing)."""
        return None
