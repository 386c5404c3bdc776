"""History entries: every change to a task records who, when, what, old and new."""

from __future__ import annotations

from tasktui.lazy_typing import TYPE_CHECKING
from tasktui.models import TaskHistory, utcnow
from tasktui.services.context import Actor
from tasktui.services.tasks.bulk_insert import CHUNK

if TYPE_CHECKING:
    from typing import Any


def history(
    task_id: int, actor: Actor, action: str, field: str | None = None, old: Any = None, new: Any = None
) -> dict:
    """A history row (to insert) recording who changed what on a task."""
    return {
        "task": task_id,
        "at": utcnow(),
        "actor": actor.user_id,
        "os_login": actor.os_login,
        "action": action,
        "field": field,
        "old": None if old is None else str(old),
        "new": None if new is None else str(new),
    }


def insert_history(rows: list[dict]) -> None:
    """Insert history rows (from `history`) in the current transaction: few as one
    INSERT, many (a bulk action) through the driver's executemany."""
    if len(rows) > CHUNK:
        from tasktui.db.bulk_rows import insert_rows

        insert_rows(TaskHistory, rows)
        return
    for start in range(0, len(rows), CHUNK):
        TaskHistory.insert_many(rows[start : start + CHUNK]).execute()
