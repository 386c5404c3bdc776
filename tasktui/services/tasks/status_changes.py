"""The status transitions of a task, as one table.

What for: marking done and reopening change more than the status (done at / done by
are set or cleared), and three ways write them — `task done|reopen`, a raise with
`reopen` that finds a done task, and import (which brings done tasks). With the
field changes written once here, what reopen clears cannot differ between them.
"""

from __future__ import annotations

import datetime as dt

from tasktui.lazy_typing import TYPE_CHECKING
from tasktui.models import DONE, OPEN
from tasktui.records import Record

if TYPE_CHECKING:
    from typing import Any

#: Placeholders in `Transition.fields`, filled in by `Transition.changes`.
NOW, ACTOR = "<now>", "<actor>"


class Transition(Record):
    """One status change: which status it applies to, what it leads to, the fields it
    sets (values or the NOW / ACTOR placeholders), the history action it records and
    why a task in another status is skipped."""

    name: str
    from_status: str
    to_status: str
    fields: tuple[tuple[str, Any], ...]
    history_action: str
    skipped_reason: str

    def changes(self, now: dt.datetime, actor_id: int | None) -> dict[str, Any]:
        """The column values (by field name, for `Task.update(**…)` or a row to insert)
        this transition writes, `updated_at` included."""
        filled = {NOW: now, ACTOR: actor_id}
        values = {name: filled.get(value, value) if isinstance(value, str) else value for name, value in self.fields}
        return {"status": self.to_status, **values, "updated_at": now}


TRANSITIONS: dict[str, Transition] = {
    # A done task sleeps no more; reopening also clears the acknowledgement (whoever
    # was on it finished), so the reopened task asks to be picked up again.
    "done": Transition(
        "done", OPEN, DONE, (("done_at", NOW), ("done_by", ACTOR), ("snoozed_until", None)), "done", "already done"
    ),
    "reopen": Transition(
        "reopen",
        DONE,
        OPEN,
        (
            ("done_at", None),
            ("done_by", None),
            ("acknowledged_by", None),
            ("acknowledged_at", None),
            ("snoozed_until", None),
        ),
        "reopened",
        "already open",
    ),
}

#: The transition that leads into each status.
INTO: dict[str, Transition] = {t.to_status: t for t in TRANSITIONS.values()}
