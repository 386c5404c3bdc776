"""`tasktui import` runs in flat memory (issue 20.6): a real process importing an
export of 40,000 tasks peaks at no more than one importing 10,000 plus a small
margin and the page cache of SQLite's bulk write, which fills up as the file grows
and is capped (`BULK_CACHE_KIB`): at most the size of the file written (the import
that held every record grew by about 5.7 KB a task: about 170 MB more here). The
child's own peak RSS comes from `os.wait4`. Its temporary spool leaves nothing in the
temporary directory."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.transfer.conftest import build_world

SMALL, LARGE = 10_000, 40_000
MARGIN_MB = 40


def _write_export(path: Path, count: int) -> None:
    """An export of `count` tasks as `tasktui export --format json` writes them: both
    events, attribute values, people, done tasks, dedup keys (written a record at a time)."""
    start = dt.datetime(2024, 1, 1)
    with open(path, "w", encoding="utf-8") as f:
        f.write("[")
        for i in range(count):
            created = (start + dt.timedelta(seconds=i // 3)).isoformat() + "Z"
            done = i % 4 == 0
            record = {
                "id": i + 1, "created_at": created, "status": "done" if done else "open",
                "title": f"Order {100000 + i} failed", "description": f"Source run {i} on host ops-{i % 8}.",
                "plugin": None, "event": "stock_diff" if i % 2 else "plain", "event_name": "x",
                "link": f"https://shop.example.com/admin/orders/{i}", "done_at": created if done else None,
                "assignee": "carol" if i % 5 == 0 else None, "group": "warehouse" if i % 7 == 0 else None,
                "occurrences": 1 + i % 3, "last_seen_at": created, "dedup_key": f"order-{i}" if i % 4 == 1 else None,
                "attributes": {"qty": i % 50, "note": f"shelf {i % 9}"} if i % 2 else {},
            }  # fmt: skip
            f.write(("," if i else "") + json.dumps(record))
        f.write("]")


def _peak_mb(tmp_path: Path, count: int) -> tuple[float, float]:
    """The peak RSS of importing `count` tasks and the size of the database written, in MB."""
    export = tmp_path / f"export-{count}.json"
    _write_export(export, count)
    db = tmp_path / f"target-{count}.db"
    build_world(db)
    spool_dir = tmp_path / f"tmp-{count}"
    spool_dir.mkdir()
    env = {**os.environ, "TASKTUI_USER": "alice", "TMPDIR": str(spool_dir), "SQLITE_TMPDIR": str(spool_dir)}
    argv = [sys.executable, "-m", "tasktui", "--db", str(db), "--register", "import", str(export)]
    with open(os.devnull, "wb") as devnull:
        proc = subprocess.Popen(argv, stdout=devnull, stderr=subprocess.PIPE, env=env)
        assert proc.stderr is not None
        err = proc.stderr.read()
        _pid, status, usage = os.wait4(proc.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, err.decode(errors="replace")
    assert list(spool_dir.iterdir()) == []
    export.unlink()
    return usage.ru_maxrss / 1024, db.stat().st_size / 2**20  # ru_maxrss: KiB on Linux


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss is in KiB on Linux only")
def test_import_memory_is_flat_in_the_number_of_tasks(tmp_path):
    small, _ = _peak_mb(tmp_path, SMALL)
    large, file_mb = _peak_mb(tmp_path, LARGE)
    from tasktui.db.sqlite.bulk_index import BULK_CACHE_KIB

    page_cache_mb = min(BULK_CACHE_KIB / 1024, file_mb)  # never more than the file, nor than the cap
    assert large <= small + MARGIN_MB + page_cache_mb, (
        f"peak {small:.0f} MB at {SMALL:,} tasks, {large:.0f} MB at {LARGE:,} (file {file_mb:.0f} MB)"
    )
