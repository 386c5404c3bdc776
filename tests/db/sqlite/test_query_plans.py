"""Every filter of the tasks screen is served by an index: the first page in the
default sort (newest first) never sorts all matches in a temporary B-tree.

Without ANALYZE statistics SQLite's plans do not depend on the number of rows, so a
small database gives the plans a million-task one gets (the benchmark measures them).
"""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from tasktui import db as dbmod
from tasktui.models import Membership, Task
from tasktui.services import people
from tasktui.services.events import definitions as events
from tasktui.services.tasks import listing
from tasktui.services.tasks.counts import count_query, count_tasks
from tasktui.services.tasks.filters import ASSIGNEE_MODES, TaskFilter
from tasktui.services.tasks.listing import list_tasks, page_query
from tasktui.services.tasks.raising import raise_task
from tasktui.services.tasks.transitions import mark_done


@pytest.fixture
def ids(database, actor) -> dict[str, int]:
    people.add_user("bob")
    people.add_group("warehouse")
    people.add_member("warehouse", "bob")
    people.add_member("warehouse", "alice")
    ev = events.create_event("stock_diff", "Stock", responsible_user="bob", responsible_group="warehouse")
    raise_task(actor, "stock_diff", "one")
    return {"user": actor.user_id, "event": ev.id, "group": people.get_group("warehouse").id}


def _filters(ids: dict[str, int]):
    for mode, event, status, group in itertools.product(
        ASSIGNEE_MODES, (None, ids["event"]), ("open", "all", "done"), (None, ids["group"])
    ):
        yield TaskFilter(mode, ids["user"], event, group, status)


def _task_lines(plan: list[str]) -> list[str]:
    """The plan lines that read the task table (alias t1)."""
    return [line for line in plan if " t1" in line or line.startswith("SCAN task ")]


def test_every_filter_uses_an_index_and_no_sort(ids):
    failures = []
    for flt in _filters(ids):
        plan = dbmod.query_plan(page_query(flt, limit=50))
        task_lines = _task_lines(plan)
        temp_sort = any("TEMP B-TREE FOR ORDER BY" in line for line in plan)
        # A group IN-list over (group_id, id) is merged per group with a bounded
        # sorter (cheap), so only that mode may show a temp B-tree, and only with it.
        if temp_sort and not (flt.assignee_mode == "groups" and flt.status == "all" and flt.group_id is None):
            failures.append((flt, plan))
        narrowed = flt.status != "all" or flt.event_id or flt.group_id or flt.assignee_mode not in ("all",)
        # The one unindexed scan allowed: "directly or via groups", open and done, no
        # other filter, which walks the table newest first (rowid order) and stops
        # after a page; a multi-index OR would sort every match first.
        scan_ok = flt.assignee_mode == "direct_or_groups" and flt.status == "all" and not (flt.event_id or flt.group_id)
        if narrowed and not scan_ok and not any("USING" in line and "INDEX" in line for line in task_lines):
            failures.append((flt, plan))
    assert not failures, "\n".join(f"{f}: {p}" for f, p in failures)


def test_default_view_plan_walks_the_status_index(ids):
    plan = dbmod.query_plan(page_query(TaskFilter(), limit=50))
    assert any("task_status_id" in line for line in plan), plan
    assert not any("TEMP B-TREE" in line for line in plan), plan


@pytest.mark.parametrize("mode", ["direct", "unassigned"])
def test_open_and_done_of_one_assignee_uses_the_assignee_id_index(ids, mode):
    plan = dbmod.query_plan(page_query(TaskFilter(mode, ids["user"], status="all"), limit=50))
    assert any("task_assignee_id_id" in line for line in plan), plan


def _only_status(flt: TaskFilter) -> bool:
    return flt.assignee_mode == "all" and flt.event_id is None and flt.group_id is None


def test_counts_of_every_filter_read_only_covering_indexes(ids):
    """A count under any filter combination, of any status, reads no table rows: each
    of its parts reads a range of a covering index. Only the count of every task (or
    of every done task: all minus the others) scans an index, which SQLite counts by
    its pages."""
    failures = []
    for flt in _filters(ids):
        plan = _task_lines(dbmod.query_plan(count_query(flt)))
        scans = [line for line in plan if line.startswith("SCAN")]
        if (
            not plan
            or not all("COVERING INDEX" in line for line in plan)
            or (scans and not (_only_status(flt) and flt.status != "open"))
        ):
            failures.append((flt, plan))
    assert not failures, "\n".join(f"{f}: {p}" for f, p in failures)


def _matches(flt: TaskFilter, task: Task, my_groups: set[int]) -> bool:
    """The filter's meaning, in Python, for one task row (what the SQL must count)."""
    if flt.status != "all" and task.status != flt.status:
        return False
    if flt.event_id is not None and task.event_id != flt.event_id:
        return False
    if flt.group_id is not None and task.group_id != flt.group_id:
        return False
    mine, via_groups = task.assignee_id == flt.user_id, task.group_id in my_groups
    return {
        "all": True,
        "direct": mine,
        "groups": via_groups,
        "direct_or_groups": mine or via_groups,
        "unassigned": task.assignee_id is None,
    }[flt.assignee_mode]


def test_counts_of_every_filter_equal_a_count_made_in_python(ids, actor):
    """Every filter combination counts exactly the seeded rows it means: tasks of two
    events, assigned to alice, to bob, to nobody, to a group of alice's or not, open
    and done."""
    other = events.create_event("refund", "Refund", responsible_group="warehouse").id
    people.add_group("finance")
    for i in range(24):
        raise_task(
            actor,
            ("stock_diff", "refund")[i % 2],
            f"task {i}",
            assignee=(None, "alice", "bob")[i % 3],
            group=(None, "warehouse", "finance", None)[i % 4],
        )
    mark_done(actor, list(range(2, 26, 3)))
    rows = list(Task.select())
    my_groups = {m.group_id for m in Membership.select().where(Membership.user == ids["user"])}
    failures = []
    for flt in list(_filters(ids)) + [TaskFilter(m, ids["user"], other, None, "all") for m in ASSIGNEE_MODES]:
        expected = sum(_matches(flt, t, my_groups) for t in rows)
        if count_tasks(flt) != expected:
            failures.append((flt, count_tasks(flt), expected))
    assert not failures, failures
    assert {_matches(TaskFilter(status="all"), t, my_groups) for t in rows} == {True}


def test_directly_or_via_groups_counts_my_tasks_outside_my_groups_by_ranges(ids):
    """No NOT IN over all of my tasks: the gaps around my groups are index ranges."""
    plan = dbmod.query_plan(count_query(TaskFilter("direct_or_groups", ids["user"], status="all")))
    assert any("(assignee_id=? AND group_id<?)" in line for line in plan), plan
    assert any("(assignee_id=? AND group_id>?)" in line for line in plan), plan


@pytest.mark.parametrize("descending", [True, False], ids=["newest_first", "oldest_first"])
def test_text_search_pages_in_id_order_are_driven_by_the_text_index(ids, descending, monkeypatch):
    """With a text the full-text index answers and more than FEW_MATCHES matches, the
    index is the outer loop and hands out matches in id order (no sort of every
    match): a page stops after a page of matches that the other filters keep, and a
    keyset is a rowid range of the index."""
    monkeypatch.setattr(listing, "FEW_MATCHES", 0)
    failures = []
    for flt in _filters(ids):
        flt = dataclasses.replace(flt, text="one")
        for after in (None, (10**9 if descending else 0,)):
            for sort in ("created", "id"):
                plan = dbmod.query_plan(page_query(flt, sort, descending, after=after, limit=50))
                consumed = "INDEX 192:" if descending else "INDEX 64:"
                ok = (
                    plan[0].startswith("SCAN task_fts VIRTUAL TABLE " + consumed)
                    and (after is None or plan[0].endswith("<" if descending else ">"))
                    and _task_lines(plan) == ["SEARCH t1 USING INTEGER PRIMARY KEY (rowid=?)"]
                    and not any("TEMP B-TREE" in line for line in plan)
                )
                if not ok:
                    failures.append((flt, sort, after, plan))
    assert not failures, "\n".join(str(f) for f in failures)


def test_text_search_with_few_matches_pages_through_their_ids(ids):
    """At most FEW_MATCHES matches: their ids are read first, the page looks up only
    those rows."""
    flt = TaskFilter(status="all", text="one")
    plan = dbmod.query_plan(page_query(flt, limit=50))
    assert plan == ["SEARCH t1 USING INTEGER PRIMARY KEY (rowid=?)"], plan
    assert [row.title for row in list_tasks(flt)] == ["one"]


def test_text_search_alone_is_counted_in_the_text_index(ids):
    plan = dbmod.query_plan(count_query(TaskFilter(status="all", text="one")))
    assert plan == ["SCAN task_fts VIRTUAL TABLE INDEX 0:M4"], plan
    assert count_tasks(TaskFilter(status="all", text="one")) == 1


def test_text_search_with_other_filters_is_counted_through_the_text_index(ids):
    for flt in _filters(ids):
        flt = dataclasses.replace(flt, text="one")
        if not flt.conditions(text=False):
            continue
        plan = dbmod.query_plan(count_query(flt))
        assert plan[0].startswith("SCAN task_fts VIRTUAL TABLE"), (flt, plan)
        assert _task_lines(plan) == ["SEARCH t1 USING INTEGER PRIMARY KEY (rowid=?)"], (flt, plan)


def test_severity_and_status_newest_first_walk_the_severity_index(ids):
    """Issue 17: one severity of open tasks, newest first, is a range of the (status,
    severity, id) index read backwards (no sort); without a status, (severity, id);
    sorting open tasks by severity walks the same index; counts read it only."""
    for flt, index in (
        (TaskFilter(severities=(4,)), "task_status_severity_id"),
        (TaskFilter(status="done", severities=(1,)), "task_status_severity_id"),
        (TaskFilter(status="all", severities=(4,)), "task_severity_id"),
    ):
        plan = dbmod.query_plan(page_query(flt, limit=50))
        assert any(index in line for line in _task_lines(plan)), (flt, plan)
        assert not any("TEMP B-TREE" in line for line in plan), (flt, plan)
        counted = _task_lines(dbmod.query_plan(count_query(flt)))
        assert counted and all("COVERING INDEX" in line for line in counted), (flt, counted)
    plan = dbmod.query_plan(page_query(TaskFilter(), "severity", limit=50))
    assert any("task_status_severity_id" in line for line in plan), plan
    assert not any("TEMP B-TREE" in line for line in plan), plan


def test_with_a_snoozed_task_the_default_view_still_walks_its_index(ids, actor):
    """The few sleeping tasks are looked up by their wake-up time, once per query: the
    default view keeps its index walk and counts keep reading indexes only."""
    import datetime as dt

    from tasktui.models import utcnow
    from tasktui.services.tasks.transitions import snooze

    sleeping = raise_task(actor, "stock_diff", "sleeping").task_id
    snooze(actor, [sleeping], utcnow() + dt.timedelta(hours=1))
    plan = dbmod.query_plan(page_query(TaskFilter(), limit=50))
    assert any("task_status_id" in line for line in plan), plan
    assert any("task_snoozed_until" in line for line in plan), plan
    assert not any("TEMP B-TREE FOR ORDER BY" in line for line in plan), plan
    counted = [line for line in _task_lines(dbmod.query_plan(count_query(TaskFilter()))) if "snoozed" not in line]
    assert counted and all("COVERING INDEX" in line for line in counted), counted
    assert [row.title for row in list_tasks(TaskFilter())] == ["one"]
