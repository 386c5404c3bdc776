"""Counting the tasks a filter matches, fast at a million tasks.

SQLite keeps no counts in its B-trees: only the count of a whole table is cheap (it
adds up the cells of the smallest index's pages). Any other count reads every entry it
counts, some 20-40 ns for an index entry and much more for a table row. So a count is
fast when it reads a range of a covering index that holds its matches and little else;
the filters are reshaped here so that it does:

- "done" alone: all tasks minus those of the other statuses (done tasks pile up over
  the years; open ones stay few);
- "via groups" and "directly or via groups" with a group filter: decided in Python,
  since the group is one of the user's groups or not;
- "directly or via groups" (an OR over two columns, which no index range serves): the
  tasks of the user's groups plus the user's own tasks outside those groups (no
  group, or a group between two of theirs), disjoint ranges added up in one
  statement (one snapshot);
- a text search the full-text index answers: alone, counted in the index; with other
  filters, driven by the index (`db.text_driven`), reading each match's row.

The last is the one slow case left: a word in half of a million tasks takes about
60 ms to count alone but some 200 ms with other filters (the index yields 500,000
matches, and each one's row is read to check the filters). `count_up_to` stops after
`cap` matches, for a display that shows "10,000+" until the exact count arrives.
"""

from __future__ import annotations

import dataclasses
import itertools

import peewee as pw

from tasktui.db import current_dialect, text_driven, text_match_id, text_match_ids, text_matches
from tasktui.models import DONE, Task, database_proxy
from tasktui.records import Record
from tasktui.services.lookups import group_ids_of
from tasktui.services.tasks import listing
from tasktui.services.tasks.filters import TaskFilter, all_of

#: Above this many groups of a user, "my tasks outside my groups" is one NOT IN
#: condition rather than a range per gap between the groups.
MAX_GAPS = 30


class TaskCount(Record):
    """A count of matching tasks; when not `exact`, there are more than `value`."""

    value: int
    exact: bool = True

    def __str__(self) -> str:
        return f"{self.value:,}" + ("" if self.exact else "+")


def _parts(flt: TaskFilter) -> list[list[pw.Expression]]:
    """Lists of conditions whose matches are disjoint and together are the filter's
    matches, without a text search the full-text index answers (an empty list of
    parts: nothing matches). Each part is served by one range of an index."""
    mode = flt.assignee_mode
    if mode not in ("groups", "direct_or_groups"):
        return [flt.conditions(text=False)]
    rest = dataclasses.replace(flt, assignee_mode="all", group_id=None).conditions(text=False)
    mine = [row[0] for row in group_ids_of(flt.user_id).tuples()]
    if flt.group_id is not None:
        if flt.group_id in mine:  # every task of the group is the user's via the group
            return [[*rest, Task.group == flt.group_id]]
        if mode == "groups":
            return []
        return [[*rest, Task.group == flt.group_id, Task.assignee == flt.user_id]]
    via_groups = [*rest, Task.group.in_(mine)]
    if mode == "groups":
        return [via_groups] if mine else []
    direct = [*rest, Task.assignee == flt.user_id]
    return [via_groups, *[[*direct, outside] for outside in _outside(mine)]] if mine else [direct]


def _outside(groups: list[int]) -> list[pw.Expression]:
    """Disjoint conditions that together hold the tasks in none of `groups`: no group,
    and each gap between them. With an assignee they are ranges of the (assignee,
    group, ...) index, reading only those tasks; `NOT IN` would read all of the
    assignee's tasks."""
    ordered = sorted(set(groups))
    if len(ordered) > MAX_GAPS:  # one statement stays small; NOT IN reads more entries
        return [Task.group.is_null() | Task.group.not_in(ordered)]
    gaps = [Task.group.is_null(), Task.group < ordered[0], Task.group > ordered[-1]]
    gaps += [(Task.group > low) & (Task.group < high) for low, high in itertools.pairwise(ordered) if high > low + 1]
    return gaps


def _count_query(conditions: list[pw.Expression], text: str | None, cap: int | None = None) -> pw.Select:
    """SELECT count(*) of the tasks meeting `conditions` (and containing `text`),
    stopping after `cap` + 1 of them when a cap is given."""
    query: pw.Select = Task.select(pw.fn.COUNT(pw.SQL("*")) if cap is None else pw.SQL("1"))
    if text is not None:
        query = text_driven(query, Task, text)
    condition = all_of(conditions)
    if condition is not None:
        query = query.where(condition)
    if cap is None:
        return query
    if text is not None:  # newest first: recent tasks are the ones most often open
        query = query.order_by(text_match_id(Task).desc())  # type: ignore[attr-defined]
    return pw.Select([query.limit(cap + 1).alias("capped")], [pw.fn.COUNT(pw.SQL("*"))])


def _sum(queries: list[pw.Select]) -> pw.Select:
    """One statement adding up count queries (one snapshot of the database)."""
    if not queries:
        return pw.Select(columns=[pw.Value(0)]).bind(database_proxy)
    total: pw.Node = queries[0]
    for query in queries[1:]:
        total = pw.Expression(total, pw.OP.ADD, query)  # `+` of two selects is UNION ALL
    return pw.Select(columns=[total]).bind(database_proxy)


def _only_status(flt: TaskFilter) -> bool:
    """Whether nothing but the status filters (a done task never sleeps: marking it
    done ends its snooze, so "awake" keeps every done task)."""
    return (
        flt.assignee_mode == "all"
        and flt.event_id is None
        and flt.group_id is None
        and not flt.attributes
        and not flt.severities
        and flt.acknowledged == "any"
        and flt.snoozed in ("awake", "any")
    )


def count_query(flt: TaskFilter) -> pw.Select:
    """The one statement that counts the tasks matching the filter (its plan is
    checked in tests/db/sqlite/test_query_plans.py)."""
    flt.validate()
    text = flt.search_text
    if text is not None:
        rest = flt.conditions(text=False)
        if not rest:  # in the text index alone
            return pw.Select([text_matches(text)], [pw.fn.COUNT(pw.SQL("*"))]).bind(database_proxy)
        return _count_query(rest, text)
    if flt.status == DONE and not flt.text.strip() and _only_status(flt) and current_dialect().cheap_total_count:
        # All tasks (counted from the pages of an index) minus those of other statuses.
        everything = _count_query([], None)
        before, after = _count_query([Task.status < DONE], None), _count_query([Task.status > DONE], None)
        difference = pw.Expression(pw.Expression(everything, pw.OP.SUB, before), pw.OP.SUB, after)
        return pw.Select(columns=[difference]).bind(database_proxy)
    return _sum([_count_query(part, None) for part in _parts(flt)])


def exact_count(flt: TaskFilter) -> int:
    """How many tasks match the filter (`services.tasks.listing.count_tasks`)."""
    return count_query(flt).scalar() or 0


def count_up_to(flt: TaskFilter, cap: int) -> TaskCount:
    """The count of matching tasks when it is at most `cap`; else TaskCount(cap,
    exact=False). It stops reading after `cap` + 1 matches: a common word with other
    filters is counted up to 10,000 in a few milliseconds where the exact count takes
    some 200 ms at a million tasks."""
    if cap < 0:
        raise ValueError("cap must not be negative")
    flt.validate()
    text = flt.search_text
    parts = [flt.conditions(text=False)] if text is not None else _parts(flt)
    if text is not None:
        few = text_match_ids(text, listing.FEW_MATCHES)
        if few is not None:  # no need to read the index newest first
            parts, text = [[*parts[0], Task.id.in_(few)]], None
    found = _sum([_count_query(part, text, cap) for part in parts]).scalar() or 0
    return TaskCount(found) if found <= cap else TaskCount(cap, exact=False)


def count_within(flt: TaskFilter, seconds: float, capped: TaskCount) -> TaskCount:
    """The exact count when the engine finds it within `seconds`, else `capped` (what
    `count_up_to` found, e.g. "10,000+"): a word in half a million tasks takes seconds
    to count on a server, and the screen keeps its capped count instead of waiting.
    Engines that cannot cancel a statement count to the end."""
    from tasktui.db import current_dialect, time_limit

    try:
        with time_limit(seconds):
            return TaskCount(exact_count(flt))
    except pw.DatabaseError as e:
        if current_dialect().is_timeout(e):
            return capped
        raise


def count_tasks(flt: TaskFilter) -> int:
    """How many tasks match the filter, exactly (see the module docstring for how)."""
    return exact_count(flt)


#: Counts beside filter choices stop here, as the table's count does ("10,000+").
CHOICE_CAP = 10_000


def choice_counts(filters: dict[str, TaskFilter], cap: int = CHOICE_CAP) -> dict[str, str]:
    """How many tasks each choice of a picker would match ({choice: "1,234" or
    "10,000+"}), each counted up to `cap` (`count_up_to`: one index range per choice,
    so a picker of 50 events at a million tasks answers in well under a second)."""
    return {key: str(count_up_to(flt, cap)) for key, flt in filters.items()}
