"""The core figures of issue 3: `tasktui raise` in a fresh process against the floor,
first-page queries and counts of the tasks screen's filters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.bench.context import BenchContext
from tests.bench.seed import FOCUS_GROUP, FOCUS_USER, RAISE_EVENT

if TYPE_CHECKING:
    from tasktui.services.tasks.filters import TaskFilter

FLOOR_CODE = "import typer, peewee"


def _raise_argv(ctx: BenchContext, db_path) -> list[str]:
    return [str(ctx.tasktui), "--db", str(db_path), "raise", RAISE_EVENT, "--title", "benchmark raise", "-l", "bench"]


def fresh_process_figures(ctx: BenchContext) -> dict[str, Any]:
    """Median wall time of one `tasktui raise` at N tasks and at the small size, and of
    the floor (a Python that only imports typer and peewee), measured interleaved."""
    timed = ctx.time_processes(
        {
            "floor": [str(ctx.python), "-c", FLOOR_CODE],
            "raise": _raise_argv(ctx, ctx.db_path),
            "raise_small": _raise_argv(ctx, ctx.small_db_path),
        }
    )
    floor = timed["floor"]["median_ms"]
    big = timed["raise"]["median_ms"]
    small = timed["raise_small"]["median_ms"]
    return {
        "floor_import_typer_peewee": timed["floor"],
        f"raise_at_{ctx.tasks}": timed["raise"],
        f"raise_at_{ctx.small_tasks}": timed["raise_small"],
        "raise_minus_floor_ms": round(big - floor, 3),
        "raise_small_minus_floor_ms": round(small - floor, 3),
        "raise_big_minus_small_ms": round(big - small, 3),
        "targets": "raise_minus_floor_ms <= 40 and raise_big_minus_small_ms <= ~0 (noise)",
    }


def _filters(ctx: BenchContext) -> dict[str, Any]:
    from tasktui.models import Event, Group, User
    from tasktui.services.tasks.filters import TaskFilter

    user = User.get(User.login == FOCUS_USER).id
    event = Event.get(Event.identifier == RAISE_EVENT).id
    group = Group.get(Group.name == FOCUS_GROUP).id
    return {
        "all_open (default view)": TaskFilter(),
        "all_open_and_done": TaskFilter(status="all"),
        f"direct_open ({FOCUS_USER})": TaskFilter("direct", user),
        f"groups_open ({FOCUS_USER})": TaskFilter("groups", user),
        f"direct_or_groups_open ({FOCUS_USER})": TaskFilter("direct_or_groups", user),
        "unassigned_open": TaskFilter("unassigned"),
        f"event_open ({RAISE_EVENT})": TaskFilter(event_id=event),
        f"group_open ({FOCUS_GROUP})": TaskFilter(group_id=group),
        f"direct_event_all ({FOCUS_USER})": TaskFilter("direct", user, event_id=event, status="all"),
        "search_open ('SKU-00042')": TaskFilter(text="SKU-00042"),
        # Counts of "open and done" or "done" with two filters or more (schema 4).
        "all_done": TaskFilter(status="done"),
        f"direct_or_groups_all ({FOCUS_USER})": TaskFilter("direct_or_groups", user, status="all"),
        f"direct_or_groups_event_all ({FOCUS_USER})": TaskFilter(
            "direct_or_groups", user, event_id=event, status="all"
        ),
        f"groups_event_done ({FOCUS_USER})": TaskFilter("groups", user, event_id=event, status="done"),
        "unassigned_event_all": TaskFilter("unassigned", event_id=event, status="all"),
        f"direct_group_all ({FOCUS_USER}, {FOCUS_GROUP})": TaskFilter("direct", user, group_id=group, status="all"),
        # Text searches: a common word (in half of the tasks) alone, with the default
        # status, and with two more filters; a rarer text alone.
        "search_all ('failed')": TaskFilter(status="all", text="failed"),
        "search_open ('failed')": TaskFilter(text="failed"),
        f"search_direct_event_all ('failed', {FOCUS_USER})": TaskFilter(
            "direct", user, event_id=event, status="all", text="failed"
        ),
        "search_all ('nightly-sync-7')": TaskFilter(status="all", text="nightly-sync-7"),
        # Issue 17: severity + status, newest first (the (status, severity, id) index).
        "severity_open (critical)": TaskFilter(severities=(4,)),
        "severity_open (high+)": TaskFilter(severities=(4, 3)),
        "severity_all (critical)": TaskFilter(status="all", severities=(4,)),
        f"severity_direct_or_groups_open (high+, {FOCUS_USER})": TaskFilter(
            "direct_or_groups", user, severities=(4, 3)
        ),
    }


#: The query plans the bench prints (issue 17: severity + status + newest first).
PLANNED = ("severity_open (critical)", "severity_open (high+)", "severity_all (critical)")


def _filter_figures(ctx: BenchContext, flt: TaskFilter, count_repeat: int = 5) -> dict[str, Any]:
    """Timings of one filter's first page and count, and its number of matches."""
    from tasktui.services.tasks.counts import count_tasks, count_up_to
    from tasktui.services.tasks.listing import list_tasks, page_query

    return {
        "first_page_query": ctx.time_call(lambda: list(page_query(flt, limit=50).tuples()))["median_ms"],
        "first_page_with_rows": ctx.time_call(lambda: list_tasks(flt, limit=50))["median_ms"],
        "count": ctx.time_call(lambda: count_tasks(flt), repeat=count_repeat)["median_ms"],
        "count_up_to_10000": ctx.time_call(lambda: count_up_to(flt, 10_000), repeat=count_repeat)["median_ms"],
        "matching": count_tasks(flt),
    }


def query_figures(ctx: BenchContext) -> dict[str, Any]:
    """First page (50 rows, default sort: newest first) and count of each filter, in
    this process against the big database (warm cache, as in a running TUI)."""
    from tasktui import db as dbmod
    from tasktui.services.tasks.listing import page_query

    database = dbmod.open_database(ctx.db_path)
    try:
        filters = _filters(ctx)
        figures = {name: _filter_figures(ctx, flt) for name, flt in filters.items()}
        sort = filters["all_open (default view)"]
        figures["sort_severity_open"] = {
            "first_page_query": ctx.time_call(lambda: list(page_query(sort, "severity", limit=50).tuples()))[
                "median_ms"
            ]
        }
        plans = {name: dbmod.query_plan(page_query(filters[name], limit=50)) for name in PLANNED}
        plans["sort_severity_open"] = dbmod.query_plan(page_query(sort, "severity", limit=50))
        return {
            "unit": "median ms",
            "targets": "first_page_query <= 5 ms, filtered count <= 20 ms, a text search's count <= 100 ms",
            "filters": figures,
            "plans": plans,
        }
    finally:
        database.close()


def picker_count_figures(ctx: BenchContext) -> dict[str, Any]:
    """Issue 17.5: the counts beside every choice of the event, assignee and severity
    pickers under the default filter (what a picker computes in its worker when it
    opens), against the big database."""
    import dataclasses

    from tasktui import db as dbmod
    from tasktui.models import Event, Group, User
    from tasktui.services.tasks.counts import choice_counts
    from tasktui.services.tasks.filters import TaskFilter

    database = dbmod.open_database(ctx.db_path)
    try:
        base = TaskFilter()
        events = {str(e.id): dataclasses.replace(base, event_id=e.id) for e in Event.select(Event.id)}
        events[""] = base
        people = {f"user:{u.id}": dataclasses.replace(base, assignee_mode="direct", user_id=u.id)
                  for u in User.select(User.id)}  # fmt: skip
        people.update({f"group:{g.id}": dataclasses.replace(base, group_id=g.id) for g in Group.select(Group.id)})
        people["unassigned"] = dataclasses.replace(base, assignee_mode="unassigned")
        levels = {str(rank): dataclasses.replace(base, severities=(rank,)) for rank in (1, 2, 3, 4)}
        figures = {}
        for name, choices in (("event_picker", events), ("assignee_picker", people), ("severity_picker", levels)):
            timed = ctx.time_call(lambda choices=choices: choice_counts(choices), repeat=5)
            figures[name] = {"choices": len(choices), "median_ms": timed["median_ms"]}
        return {"target": "each picker's counts <= 300 ms at 1M tasks (SQLite)", "pickers": figures}
    finally:
        database.close()


def run(ctx: BenchContext) -> dict[str, Any]:
    """The core section: fresh-process raise against the floor, page queries, counts,
    the counts beside picker choices."""
    return {
        "fresh_process": fresh_process_figures(ctx),
        "queries": query_figures(ctx),
        "picker_counts": picker_count_figures(ctx),
    }
