"""The stats section (issue 18.4): `tasktui stats` for the last 30 days (and for one
event) on the seeded SQLite database, in process (median of up to 5 calls). Target:
≤ 1 s at 1,000,000 tasks (`--tasks 1000000`), on SQLite and, with `--postgres`, on the
PostgreSQL copy of the same database."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.bench.context import BenchContext

TARGET_MS = 1000.0


def _figures(ctx: BenchContext) -> dict[str, Any]:
    from tasktui.models import Task
    from tasktui.services.stats import task_stats

    newest = Task.select(Task.created_at).order_by(Task.created_at.desc()).first().created_at
    since = newest - dt.timedelta(days=30)
    event = Task.select(Task.event).order_by(Task.id.desc()).first().event.identifier
    report = task_stats(since, now=newest)
    figures = {
        "period_raised": report.raised,
        "period_done": report.done,
        "all_events_ms": ctx.time_call(lambda: task_stats(since, now=newest), repeat=min(ctx.repeat, 5)),
        "one_event_ms": ctx.time_call(lambda: task_stats(since, event, now=newest), repeat=min(ctx.repeat, 5)),
    }
    figures["within_target"] = figures["all_events_ms"]["median_ms"] <= TARGET_MS
    return figures


def run(ctx: BenchContext) -> dict[str, Any]:
    """The figures of each engine (the seeded database itself and its PostgreSQL copy,
    both read only)."""
    from tasktui import db as dbmod

    results: dict[str, Any] = {"target_ms": TARGET_MS}
    engines = {"sqlite": str(ctx.db_path)}
    if ctx.postgres:
        engines["postgresql"] = ctx.postgres
    for name, location in engines.items():
        dbmod.open_database(location)
        try:
            results[name] = _figures(ctx)
        finally:
            dbmod.close_database()
    return results
