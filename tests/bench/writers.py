"""The writers section (issue 7): raises per second with 8 concurrent writer
processes, per-call time of a raise with a dedup key at N tasks, a batch raise, and
the overhead of `tasktui run` over running the command bare."""

from __future__ import annotations

import shutil
import time
from typing import Any

from tests.bench.context import BenchContext
from tests.bench.seed import BENCH_USER, RAISE_EVENT

WRITERS = 8
PER_WRITER = 500
BATCH_LINES = 10_000
WRITERS_EVENT = "bench_writers"


def _fresh_database(ctx: BenchContext, name: str):
    """A new database in the workdir with the writers' event (closed again)."""
    from tasktui import db as dbmod
    from tasktui.services.context import acting_user
    from tasktui.services.events.definitions import create_event

    path = ctx.workdir / name
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    dbmod.open_database(path)
    acting_user(BENCH_USER, BENCH_USER)
    create_event(WRITERS_EVENT, "Bench writers", responsible_user=BENCH_USER)
    dbmod.close_database()
    return path


def concurrent_figures(ctx: BenchContext) -> dict[str, Any]:
    """8 processes x 500 raises (one transaction each) started together, without and
    with one shared dedup key."""
    from tests.tasks.concurrent_writers import run_writers

    figures: dict[str, Any] = {}
    for name, key in (("distinct_tasks", None), ("one_dedup_key", "bench-shared-key")):
        path = _fresh_database(ctx, f"writers-{name}.db")
        report = run_writers(path, WRITERS_EVENT, WRITERS, PER_WRITER, dedup_key=key)
        figures[name] = {
            "raises": report.raised,
            "errors": len(report.errors),
            "first_errors": report.errors[:3],
            "wall_seconds": round(report.seconds, 3),
            "raises_per_second": round(report.raised / report.seconds, 1) if report.seconds else None,
            "slowest_writer_seconds": round(max(w.seconds for w in report.writers), 3),
        }
    return figures


def dedup_raise_figures(ctx: BenchContext) -> dict[str, Any]:
    """Per-call time of raise_task with a dedup key (absorbing into one open task) and
    without one, in this process against the big database; and one batch raise."""
    from tasktui import db as dbmod
    from tasktui.services.context import acting_user
    from tasktui.services.tasks.raising import raise_task
    from tasktui.services.transfer.batch import parse_lines, raise_batch

    dbmod.open_database(ctx.db_path)
    try:
        actor = acting_user(BENCH_USER, BENCH_USER)
        raise_task(actor, RAISE_EVENT, "bench dedup", dedup_key="bench-dedup-key")  # the task that absorbs
        with_key = ctx.time_call(lambda: raise_task(actor, RAISE_EVENT, "bench dedup", dedup_key="bench-dedup-key"))
        without_key = ctx.time_call(lambda: raise_task(actor, RAISE_EVENT, "bench plain raise"))
        lines = [
            f'{{"event": "{RAISE_EVENT}", "title": "bench batch {i}", "dedup_key": "bench-batch-{i % 1000}"}}'
            for i in range(BATCH_LINES)
        ]
        started = time.perf_counter()
        items, bad = parse_lines(lines)
        raise_batch(actor, items, bad)
        batch_seconds = time.perf_counter() - started
    finally:
        dbmod.close_database()
    return {
        f"raise_with_dedup_key_at_{ctx.tasks}": with_key,
        f"raise_without_key_at_{ctx.tasks}": without_key,
        f"batch_{BATCH_LINES}_lines_1000_keys": {
            "seconds": round(batch_seconds, 3),
            "lines_per_second": round(BATCH_LINES / batch_seconds, 1),
        },
    }


def fresh_process_figures(ctx: BenchContext) -> dict[str, Any]:
    """Fresh processes, interleaved: `true` bare against `tasktui run -- true`, and
    `tasktui raise --dedup-key` at both database sizes."""
    true = shutil.which("true") or "true"

    def dedup_raise(path) -> list[str]:
        return [
            str(ctx.tasktui),
            "--db",
            str(path),
            "raise",
            RAISE_EVENT,
            "-t",
            "bench",
            "--dedup-key",
            "bench-cli-key",
        ]

    timed = ctx.time_processes(
        {
            "true": [true],
            "tasktui_run_true": [
                str(ctx.tasktui),
                "--db",
                str(ctx.small_db_path),
                "run",
                "-e",
                RAISE_EVENT,
                "--",
                true,
            ],
            "raise_dedup_big": dedup_raise(ctx.db_path),
            "raise_dedup_small": dedup_raise(ctx.small_db_path),
        }
    )
    return {
        "true_bare": timed["true"],
        "tasktui_run_true": timed["tasktui_run_true"],
        "run_overhead_ms": round(timed["tasktui_run_true"]["median_ms"] - timed["true"]["median_ms"], 3),
        f"cli_raise_dedup_at_{ctx.tasks}": timed["raise_dedup_big"],
        f"cli_raise_dedup_at_{ctx.small_tasks}": timed["raise_dedup_small"],
    }


def run(ctx: BenchContext) -> dict[str, Any]:
    """The writers section."""
    return {
        "unit": "ms unless named otherwise",
        "concurrent_writers": concurrent_figures(ctx),
        "in_process": dedup_raise_figures(ctx),
        "fresh_process": fresh_process_figures(ctx),
    }
