"""Many processes raising into one database file at once (used by the tests and by
the `writers` bench section).

Each writer is a fresh process (spawned, so nothing is inherited from the parent's
connections) that opens the database, waits at a shared barrier so that all start
together, then calls `raise_task` in a loop — one write transaction per raise. Every
exception is caught, counted and reported back, so a "database is locked" anywhere
shows up in the report instead of disappearing in a child's stderr.
"""

from __future__ import annotations

import multiprocessing
import queue
import time
from dataclasses import dataclass, field
from pathlib import Path

BARRIER_TIMEOUT_S = 120


@dataclass
class WriterReport:
    """What one writer process did."""

    index: int
    raised: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class WritersReport:
    """What all writers did: raises that succeeded, every error, wall time from the
    barrier to the last writer's end."""

    writers: list[WriterReport]
    seconds: float

    @property
    def raised(self) -> int:
        """Raises that succeeded, over all writers."""
        return sum(w.raised for w in self.writers)

    @property
    def errors(self) -> list[str]:
        """Every error any writer met."""
        return [e for w in self.writers for e in w.errors]


def _writer(index: int, db_path: str, event: str, count: int, dedup_key: str | None, barrier, results) -> None:
    report = WriterReport(index)
    try:
        from tasktui.db import open_database
        from tasktui.services.context import acting_user
        from tasktui.services.tasks.raising import raise_task

        open_database(db_path)
        actor = acting_user(f"writer{index}", f"os-writer{index}", register=True)
        barrier.wait(BARRIER_TIMEOUT_S)
        started = time.perf_counter()
        for i in range(count):
            try:
                raise_task(actor, event, f"writer {index} task {i}", dedup_key=dedup_key)
                report.raised += 1
            except Exception as e:  # reported, not hidden
                report.errors.append(f"writer {index}: {type(e).__name__}: {e}")
        report.seconds = time.perf_counter() - started
    except Exception as e:
        report.errors.append(f"writer {index} could not run: {type(e).__name__}: {e}")
    results.put(report)


def _opener(index: int, db_path: str, event: str, barrier, results) -> None:
    """Open a (brand-new) database right after the barrier, create the event if
    needed and raise one task: migrations and set-up race."""
    report = WriterReport(index)
    try:
        from tasktui.db import open_database
        from tasktui.errors import Refused
        from tasktui.services.context import acting_user
        from tasktui.services.events.definitions import create_event
        from tasktui.services.tasks.raising import raise_task

        barrier.wait(BARRIER_TIMEOUT_S)
        started = time.perf_counter()
        open_database(db_path)
        actor = acting_user(f"opener{index}", f"os-opener{index}", register=True)
        try:
            create_event(event, "Raced", responsible_user=actor.login)
        except Refused as e:  # another opener was first: fine
            if "exists" not in str(e):
                raise
        raise_task(actor, event, f"opener {index}")
        report.raised = 1
        report.seconds = time.perf_counter() - started
    except Exception as e:
        report.errors.append(f"opener {index}: {type(e).__name__}: {e}")
    results.put(report)


def _run(target, args_for, processes: int) -> WritersReport:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes)
    results = context.Queue()
    workers = [context.Process(target=target, args=(*args_for(i), barrier, results)) for i in range(processes)]
    for worker in workers:
        worker.start()
    started = time.perf_counter()
    reports: list[WriterReport] = []
    try:
        while len(reports) < processes:
            try:
                reports.append(results.get(timeout=5))
            except queue.Empty:
                dead = [w for w in workers if not w.is_alive() and w.exitcode not in (0, None)]
                if dead:  # a crashed writer never reports: don't wait forever
                    reports.extend(
                        WriterReport(-1, errors=[f"a writer died with exit code {w.exitcode}"]) for w in dead
                    )
                    break
    finally:
        for worker in workers:
            worker.join(30)
            if worker.is_alive():
                worker.kill()
                worker.join()
    seconds = max((r.seconds for r in reports), default=time.perf_counter() - started)
    return WritersReport(sorted(reports, key=lambda r: r.index), seconds)


def run_writers(
    db_path: Path, event: str, processes: int = 8, per_process: int = 500, dedup_key: str | None = None
) -> WritersReport:
    """Start `processes` writers that each raise `per_process` tasks of `event` at the
    same moment (each raise its own transaction), wait for all, return the report."""
    return _run(_writer, lambda i: (i, str(db_path), event, per_process, dedup_key), processes)


def open_new_database_at_once(db_path: Path, event: str, processes: int = 8) -> WritersReport:
    """Start `processes` processes that open the same brand-new database file at the
    same moment (migrations race), then each raise one task."""
    return _run(_opener, lambda i: (i, str(db_path), event), processes)
