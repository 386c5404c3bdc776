"""The filters of the tasks screen and `task list`: who, which event, which status,
which severity, acknowledged or not, snoozed or awake, what text, which attribute values.

Snooze is computed from the clock at query time: a task whose `snoozed_until` has
passed is awake (and no longer acknowledged) whether or not anything has written its
wake-up yet (`triage_clock`, which `transitions` and escalation share)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import peewee as pw

from tasktui.db import indexed_text, text_condition, without_index
from tasktui.errors import Invalid
from tasktui.limits import (
    MAX_SEARCH,
    check_length,
)
from tasktui.models import DONE, OPEN, Task, utcnow
from tasktui.records import Record
from tasktui.services.lookups import group_ids_of
from tasktui.services.triage_clock import acknowledged_now, snoozed_now

#: Assignee filter modes, in the order the filter bar offers them, with their labels.
ASSIGNEE_MODES: dict[str, str] = {
    "all": "All",
    "direct": "Assigned directly to me",
    "groups": "Assigned to me via groups",
    "direct_or_groups": "Assigned to me directly or via groups",
    "unassigned": "Unassigned",
}


STATUSES = ("open", "all", "done")
#: Acknowledgement filter choices, with their labels.
ACK_MODES: dict[str, str] = {"any": "Any", "unacknowledged": "Unacknowledged", "acknowledged": "Acknowledged"}
#: Snooze filter choices: awake (the default: snoozed tasks hidden), snoozed, any.
SNOOZE_MODES: dict[str, str] = {"awake": "Awake", "snoozed": "Snoozed", "any": "Awake and snoozed"}


def _any_snoozed(now: dt.datetime) -> bool:
    """Whether some task sleeps now (one probe of the snoozed_until index): without
    one, the snooze filter adds no condition and every plan stays as it was."""
    return Task.select(Task.id).where(snoozed_now(now)).exists()


class TaskFilter(Record):
    """The filters of the tasks screen and `task list`.

    `user_id` is whose tasks the assignee modes mean ("me": the acting user in the
    TUI, or any user named on the command line)."""

    assignee_mode: str = "all"
    user_id: int | None = None
    event_id: int | None = None
    group_id: int | None = None
    status: str = "open"
    text: str = ""
    #: (attribute key, value) pairs every matching task holds (canonical comparison).
    attributes: tuple[tuple[str, str], ...] = ()
    #: Severity ranks kept (empty: every severity), see `severity.parse_level_filter`.
    severities: tuple[int, ...] = ()
    acknowledged: str = "any"
    snoozed: str = "awake"

    def conditions(self, *, text: bool = True) -> list[pw.Expression]:
        """The SQL conditions of this filter, every one of which a matching task meets
        (empty: every task). `text=False` leaves out a search the full-text index
        answers (`search_text`), for queries that `text_driven` drives by it."""
        self.validate()
        parts: list[pw.Expression] = []
        if self.status in (OPEN, DONE):
            parts.append(Task.status == self.status)
        mode = self.assignee_mode
        if mode == "direct":
            parts.append(Task.assignee == self.user_id)
        elif mode == "groups":
            parts.append(Task.group.in_(group_ids_of(self.user_id)))
        elif mode == "direct_or_groups":
            # Not through the assignee's index: on SQLite a multi-index OR must sort
            # every match before the first page; scanning newest first stops after one.
            mine = without_index(Task.assignee) == self.user_id
            parts.append(mine | Task.group.in_(group_ids_of(self.user_id)))
        elif mode == "unassigned":
            parts.append(Task.assignee.is_null())
        if self.event_id is not None:
            parts.append(Task.event == self.event_id)
        if self.group_id is not None:
            parts.append(Task.group == self.group_id)
        if self.text.strip() and (text or not self.search_text):
            parts.append(text_condition(Task, self.text.strip()))
        if self.attributes:
            parts.append(attribute_condition(self.attributes))
        if self.severities:
            ranks = sorted(set(self.severities))
            parts.append(Task.severity == ranks[0] if len(ranks) == 1 else Task.severity.in_(ranks))
        now = utcnow()
        if self.acknowledged == "acknowledged":
            parts.append(acknowledged_now(now))
        elif self.acknowledged == "unacknowledged":
            parts.append(~acknowledged_now(now))
        if self.snoozed == "snoozed":
            parts.append(snoozed_now(now))
        elif self.snoozed == "awake" and _any_snoozed(now):
            # The few sleeping tasks by the snoozed_until index; every other index holds
            # the id, so counts still read index entries only.
            parts.append(Task.id.not_in(Task.select(Task.id).where(snoozed_now(now))))
        return parts

    def validate(self) -> None:
        """Refuse an unknown status or assignee mode, or a mode without its user
        (attribute filters are checked when their condition is built), or a search
        text so long that the text index would take minutes to answer it."""
        check_length(self.text, MAX_SEARCH, "the search text")
        if self.status not in (OPEN, DONE, "all"):
            raise Invalid(f"unknown status {self.status!r}: use open, done or all")
        mode = self.assignee_mode
        if mode not in ASSIGNEE_MODES:
            raise Invalid(f"unknown assignee filter {mode!r}: use {', '.join(ASSIGNEE_MODES)}")
        if mode in ("direct", "groups", "direct_or_groups") and self.user_id is None:
            raise Invalid(f"the assignee filter {mode!r} needs a user")
        if self.acknowledged not in ACK_MODES:
            raise Invalid(f"unknown acknowledged filter {self.acknowledged!r}: use {', '.join(ACK_MODES)}")
        if self.snoozed not in SNOOZE_MODES:
            raise Invalid(f"unknown snoozed filter {self.snoozed!r}: use {', '.join(SNOOZE_MODES)}")
        if any(rank not in (1, 2, 3, 4) for rank in self.severities):
            raise Invalid("unknown severity in the filter")

    def condition(self) -> pw.Expression | None:
        """The SQL condition of this filter (None: every task)."""
        return all_of(self.conditions())

    @property
    def search_text(self) -> str | None:
        """The text searched for when the full-text index answers it (three
        characters or more), else None."""
        text = self.text.strip()
        return text if text and indexed_text(text) else None


def all_of(parts: Sequence[pw.Expression]) -> pw.Expression | None:
    """The conjunction of conditions (None for none: no condition)."""
    if not parts:
        return None
    condition = parts[0]
    for part in parts[1:]:
        condition = condition & part
    return condition


def attribute_condition(pairs: Iterable[tuple[str, str]]) -> pw.Expression:
    """A task condition: for every (key, value), the task holds that value (compared
    in canonical form, so `qty=007` finds 7), through the (attribute, value) index."""
    from tasktui.models import TaskAttribute
    from tasktui.services.attributes.checks import choices_of, get_attribute
    from tasktui.services.attributes.types import canonicalise

    condition: pw.Expression | None = None
    for key, raw in pairs:
        defn = get_attribute(key)
        if raw is None or not raw.strip():
            raise Invalid(f"attribute filter {key!r} needs a value (key=value)")
        text = canonicalise(key, defn.type, raw, choices_of(defn))
        part = Task.id.in_(
            TaskAttribute.select(TaskAttribute.task).where(
                (TaskAttribute.attribute == defn.id) & (TaskAttribute.value == text)
            )
        )
        condition = part if condition is None else condition & part
    if condition is None:
        raise Invalid("no attribute filter given")
    return condition
