"""Walking the chain of an error: the error, the driver error peewee wrapped in its
first argument, its cause and its context, each once, nearest first.

Why: the error that names the real cause is often not the one raised. Peewee wraps
the driver's error; after a failed write SQLite rolls back itself, so peewee's
ROLLBACK fails in turn and that second error hides the first in its context."""

from __future__ import annotations

from collections.abc import Iterator


def error_chain(error: BaseException | None) -> Iterator[BaseException]:
    """`error` and every error behind it, breadth first, each once."""
    seen: set[int] = set()
    queue: list[BaseException | None] = [error]
    while queue:
        e = queue.pop(0)
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        queue += [a for a in getattr(e, "args", ())[:1] if isinstance(a, BaseException)]
        queue += [e.__cause__, e.__context__]
