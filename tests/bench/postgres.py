"""The PostgreSQL section (issue 13.9): the same figures on SQLite and on PostgreSQL,
side by side, from one run on the same data.

Runs when `--postgres URL` (or `--db URL`; `auto` starts a throwaway server, see
tests/db/postgres_server.py) is given. The PostgreSQL database is seeded with
`db copy` of the big SQLite database (ids kept, so every filter names the same user,
group and event on both); how long that copy took is a figure of its own. Then, for
each engine in turn: the first page, count and capped count ("10,000+") of every
filter of the core section (text searches for a common, a rare and a punctuated
text included), and 8 writer processes raising into the big database — distinct
tasks, then all with one dedup key, checked for exactly one open task whose
occurrences equal the raises.
"""

from __future__ import annotations

import time
from typing import Any

from tests.bench.context import BenchContext
from tests.bench.core import _filter_figures, _filters
from tests.bench.seed import BENCH_USER

WRITERS = 8
PER_WRITER = 500
WRITERS_EVENT = "bench_writers"
#: Capped counts and exact counts are slower on PostgreSQL: fewer runs per figure.
COUNT_REPEAT = 3


def _query_figures(ctx: BenchContext, location: str) -> dict[str, Any]:
    from tasktui import db as dbmod

    database = dbmod.open_database(location)
    try:
        return {name: _filter_figures(ctx, flt, count_repeat=COUNT_REPEAT) for name, flt in _filters(ctx).items()}
    finally:
        database.close()


def _prepare_writers(location: str) -> None:
    """The writers' event in the big database (created once)."""
    from tasktui import db as dbmod
    from tasktui.errors import Refused
    from tasktui.services.context import acting_user
    from tasktui.services.events.definitions import create_event

    dbmod.open_database(location)
    try:
        acting_user(BENCH_USER, BENCH_USER)
        try:
            create_event(WRITERS_EVENT, "Bench writers", responsible_user=BENCH_USER)
        except Refused as e:
            if "exists" not in str(e):
                raise
    finally:
        dbmod.close_database()


def _shared_key_outcome(location: str, key: str) -> dict[str, Any]:
    """How many open tasks the shared dedup key has, and their occurrences."""
    from tasktui import db as dbmod
    from tasktui.models import OPEN, Event, Task

    dbmod.open_database(location)
    try:
        event = Event.get(Event.identifier == WRITERS_EVENT)
        rows = list(
            Task.select(Task.occurrences).where((Task.event == event) & (Task.dedup_key == key) & (Task.status == OPEN))
        )
        return {"open_tasks": len(rows), "occurrences": sum(t.occurrences for t in rows)}
    finally:
        dbmod.close_database()


def _writer_figures(location: str) -> dict[str, Any]:
    from tests.tasks.concurrent_writers import run_writers

    _prepare_writers(location)
    figures: dict[str, Any] = {}
    key = f"bench-shared-{time.time_ns()}"
    for name, dedup_key in (("distinct_tasks", None), ("one_dedup_key", key)):
        report = run_writers(location, WRITERS_EVENT, WRITERS, PER_WRITER, dedup_key=dedup_key)
        figures[name] = {
            "raises": report.raised,
            "errors": len(report.errors),
            "first_errors": report.errors[:3],
            "wall_seconds": round(report.seconds, 3),
            "raises_per_second": round(report.raised / report.seconds, 1) if report.seconds else None,
        }
    outcome = _shared_key_outcome(location, key)
    outcome["correct"] = outcome["open_tasks"] == 1 and outcome["occurrences"] == figures["one_dedup_key"]["raises"]
    figures["one_dedup_key"].update(outcome)
    return figures


def _side_by_side(sqlite: dict[str, Any], postgres: dict[str, Any]) -> dict[str, Any]:
    """{name: {figure: {"sqlite": a, "postgresql": b}}} from two {name: {figure: x}}."""
    return {
        name: {figure: {"sqlite": value, "postgresql": postgres[name].get(figure)} for figure, value in row.items()}
        for name, row in sqlite.items()
    }


def run(ctx: BenchContext) -> dict[str, Any]:
    """The PostgreSQL section: the copy, then queries and writers on both engines."""
    assert ctx.postgres is not None
    engines = {"sqlite": str(ctx.db_path), "postgresql": ctx.postgres}
    queries = {engine: _query_figures(ctx, location) for engine, location in engines.items()}
    writers = {engine: _writer_figures(location) for engine, location in engines.items()}
    return {
        "unit": "median ms unless named otherwise",
        "database": ctx.postgres_label,
        "targets_at_1M": (
            "first_page_query <= 5 ms, count without text <= 50 ms, text search first page <= 50 ms, "
            "count_up_to_10000 <= 100 ms, 8 writers >= 300 raises/s, db copy of 1M tasks <= 300 s"
        ),
        "db_copy_from_sqlite": ctx.postgres_copy,
        "filters": _side_by_side(queries["sqlite"], queries["postgresql"]),
        "concurrent_writers": _side_by_side(writers["sqlite"], writers["postgresql"]),
    }
