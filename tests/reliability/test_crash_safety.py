"""A kill (SIGKILL) at any moment leaves a consistent database, and a bulk action is
applied wholly or not at all (PRODUCT.md section 5).

A 30,000-task bulk "mark done" (a few seconds of one transaction) and a 20,000-line
batch raise (`raise_batch`, as `tasktui raise --batch` runs it) are killed at random
moments (the delays are in the assertion messages); afterwards `tasktui db check`
passes and the counts of changed tasks, history, text index and process rows are all
or nothing.
"""

from __future__ import annotations

import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tasktui import db as dbmod
from tasktui.models import Event
from tests.reliability.helpers import seed_open_tasks

pytestmark = pytest.mark.slow

TASKS = 30_000
BATCH = 20_000  # lines: about 1.5 s of raise_batch, long enough to kill it midway
KILLS = 3

MARK_ALL_DONE = """
import sys
from tasktui.db import open_database
from tasktui.models import Task
from tasktui.services.context import acting_user
from tasktui.services.tasks.transitions import mark_done
open_database(sys.argv[1])
actor = acting_user("alice", "ops", register=True)
ids = [t.id for t in Task.select(Task.id)]
print("ready", flush=True)
result = mark_done(actor, ids)
print("done", len(result.changed), flush=True)
"""

# The real `tasktui raise --batch` service: the lines are parsed before "ready", so the
# kill lands in raise_batch (its checks, multi-row inserts and commit).
RAISE_BATCH = """
import json
import sys
from tasktui.db import open_database
from tasktui.services.transfer.batch import parse_lines, raise_batch
from tasktui.services.context import acting_user
open_database(sys.argv[1])
actor = acting_user("alice", "ops", register=True)
lines = [
    json.dumps({"event": "batch", "title": f"batch task {i}", "link": f"order/{i}", "process": {"id": f"run-{i}"}})
    for i in range(int(sys.argv[2]))
]
items, bad_lines = parse_lines(lines)
assert not bad_lines, bad_lines
print("ready", flush=True)
results = raise_batch(actor, items)
print("done", len(results), flush=True)
"""


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A database with TASKS open tasks of event `bulk` (and an empty event `batch`)."""
    path = tmp_path_factory.mktemp("crash") / "template.db"
    database = dbmod.open_database(path)
    from tasktui.services.context import acting_user
    from tasktui.services.events.definitions import create_event

    acting_user("alice", "ops", register=True)
    create_event("bulk", "Bulk", None, None, "alice", None, None, "en")
    create_event("batch", "Batch", None, None, "alice", None, None, "en")
    seed_open_tasks(database, Event.get(identifier="bulk"), TASKS)
    database.close()
    return path


def _fresh_copy(template: Path, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    shutil.copyfile(template, path)
    return path


def _start(script: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE, text=True)


def _run_uninterrupted(script: str, *args: str) -> float:
    """Seconds from 'ready' to 'done' of a run left alone."""
    proc = _start(script, *args)
    assert proc.stdout.readline().strip() == "ready"
    started = time.monotonic()
    line = proc.stdout.readline()
    elapsed = time.monotonic() - started
    assert line.startswith("done"), line
    assert proc.wait(timeout=120) == 0
    return elapsed


def _kill_at(script: str, delay: float, *args: str) -> bool:
    """Start the script, SIGKILL it `delay` seconds after it is ready; True when it
    was still working at that moment (the kill hit the middle of the action)."""
    proc = _start(script, *args)
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(delay)
    in_flight = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    return in_flight


def _db_check(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tasktui", "--db", str(path), "db", "check"], capture_output=True, text=True, timeout=120
    )


def _counts(path: Path, sql: dict[str, str]) -> dict[str, int]:
    con = sqlite3.connect(path)
    try:
        return {name: con.execute(query).fetchone()[0] for name, query in sql.items()}
    finally:
        con.close()


def _killed_runs(template: Path, tmp_path: Path, script: str, sql: dict[str, str], *args: str):
    """Run `script` on a copy of the template left alone, then on KILLS fresh copies
    killed at random moments within that run's duration; `db check` must pass on each.
    Returns the counts of `sql` after the whole run, and (delay, in flight, counts) per kill."""
    measured = _fresh_copy(template, tmp_path, "measured.db")
    duration = _run_uninterrupted(script, str(measured), *args)
    rng = random.Random()
    delays = [round(rng.uniform(0, duration * 0.9), 3) for _ in range(KILLS)]
    outcomes = []
    for n, delay in enumerate(delays):
        path = _fresh_copy(template, tmp_path, f"killed{n}.db")
        in_flight = _kill_at(script, delay, str(path), *args)
        check = _db_check(path)
        assert check.returncode == 0, (delays, delay, check.stdout, check.stderr)
        outcomes.append((delay, in_flight, _counts(path, sql)))
    return _counts(measured, sql), outcomes


DONE_COUNTS = {
    "done": "SELECT count(*) FROM task WHERE status = 'done'",
    "done_complete": "SELECT count(*) FROM task WHERE status = 'done' AND done_at IS NOT NULL AND done_by_id = 1",
    "history": "SELECT count(*) FROM task_history WHERE action = 'done'",
    "open": "SELECT count(*) FROM task WHERE status = 'open'",
}


def test_killing_a_bulk_mark_done_of_30k_tasks_applies_it_wholly_or_not_at_all(template, tmp_path):
    whole, outcomes = _killed_runs(template, tmp_path, MARK_ALL_DONE, DONE_COUNTS)
    assert whole == {"done": TASKS, "done_complete": TASKS, "history": TASKS, "open": 0}
    for _, _, counts in outcomes:
        assert counts["done"] in (0, TASKS), outcomes
        assert counts["done"] == counts["done_complete"] == counts["history"], outcomes
        assert counts["open"] == TASKS - counts["done"], outcomes
    assert any(in_flight for _, in_flight, _ in outcomes), f"no kill hit a running bulk action: {outcomes}"


BATCH_COUNTS = {
    "tasks": "SELECT count(*) FROM task t JOIN event e ON e.id = t.event_id WHERE e.identifier = 'batch'",
    "history": f"SELECT count(*) FROM task_history WHERE action = 'created' AND task_id > {TASKS}",
    "text_index": f"SELECT count(*) FROM task_fts WHERE rowid > {TASKS}",
    "processes": "SELECT count(*) FROM related_process WHERE process_id LIKE 'run-%'",
}


def test_killing_a_batch_raise_applies_it_wholly_or_not_at_all(template, tmp_path):
    whole, outcomes = _killed_runs(template, tmp_path, RAISE_BATCH, BATCH_COUNTS, str(BATCH))
    assert whole == {"tasks": BATCH, "history": BATCH, "text_index": BATCH, "processes": BATCH}
    for _, _, counts in outcomes:
        assert set(counts.values()) in ({0}, {BATCH}), outcomes
    assert any(in_flight for _, in_flight, _ in outcomes), f"no kill hit a running batch: {outcomes}"
