"""The batch section (issue 20.6): `tasktui raise --batch` of N JSON lines, as a real
subprocess (`tasktui raise --batch < FILE`), its wall and CPU seconds and peak RSS
(the child's own `ru_maxrss`, from `os.wait4`), beside the target: 1,000,000 lines
in ≤ 60 s and ≤ 300 MB, memory flat in N. Then `tasktui export` of the tasks the
batch made, `tasktui import` of that file into a fresh database and `tasktui db copy`
of it, measured the same way.

Sizes: `BENCH_BATCH_LINES` (default "100000"; e.g. "100000,1000000" adds the 1M run,
which takes a few minutes). Each size starts from a fresh copy of the small seeded
database (its people and events), so the figures do not depend on `--tasks`.

The lines are realistic: the seed's events by weight, titles and descriptions like a
shop's failures, a quarter with a dedup key (some repeated, so later lines absorb
into tasks earlier lines created), some with an assignee or group, a process record,
a severity."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.bench.context import BenchContext
from tests.bench.seed import EVENTS, GROUPS, USERS, seed

TARGET = {"lines": 1_000_000, "seconds": 60, "peak_mb": 300}
DEFAULT_SIZES = "100000"


def batch_lines(count: int, seed_value: int = 20):
    """`count` JSON lines of a realistic batch (a generator: flat memory)."""
    rng = random.Random(seed_value)
    weights = [e[5] for e in EVENTS]
    groups = list(GROUPS)
    for i in range(count):
        identifier, _name, _plugin, _user, _group, _weight, template = rng.choices(EVENTS, weights)[0]
        n = rng.randrange(100_000, 999_999)
        title = template.format(
            n=n, sku=f"SKU-{rng.randrange(10_000):05d}", a=rng.randrange(1, 500), b=rng.randrange(100)
        )
        line: dict[str, Any] = {
            "event": identifier,
            "title": title,
            "description": f"{title}.\nSource run {rng.randrange(10**6)} on host ops-{rng.randrange(8)}.",
            "link": f"https://shop.example.com/admin/orders/{n}",
        }
        roll = rng.random()
        if roll < 0.25:  # a dedup key, often one an earlier line used
            line["dedup_key"] = f"order-{rng.randrange(max(count // 20, 1))}"
        if rng.random() < 0.2:
            line["assignee"] = rng.choice(USERS[:-1])
        if rng.random() < 0.1:
            line["group"] = rng.choice(groups)
        if rng.random() < 0.3:
            line["process"] = {"id": f"run-{i}", "source": "cron", "exit_code": rng.randrange(1, 4)}
        if rng.random() < 0.1:
            line["severity"] = rng.choice(["critical", "high", "normal", "low"])
        yield json.dumps(line) + "\n"


def write_batch(path: Path, count: int) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for line in batch_lines(count):
            f.write(line)


#: Runs argv[1:] and writes its CPU seconds and peak RSS (KiB) to fd argv[1]. The
#: child is started from this small process, not from the bench: a child started by
#: vfork (as subprocess does) inherits the peak RSS of the process it was forked
#: from, so from the bench (100+ MB after seeding) every figure read the same.
_RUSAGE_WRAPPER = (
    "import os, subprocess, sys\n"
    "fd = int(sys.argv[1])\n"
    "proc = subprocess.Popen(sys.argv[2:])\n"
    "_pid, status, usage = os.wait4(proc.pid, 0)\n"
    "os.write(fd, f'{usage.ru_utime + usage.ru_stime} {usage.ru_maxrss}'.encode())\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def measured(argv: list[str], env: dict[str, str], stdin_path: Path | None = None) -> dict[str, Any]:
    """Wall and CPU seconds and peak RSS (MB) of one child process; its exit code."""
    import sys

    read_end, write_end = os.pipe()
    started = time.perf_counter()
    with open(stdin_path or os.devnull, "rb") as stdin, open(os.devnull, "wb") as stdout:
        proc = subprocess.Popen(
            [sys.executable, "-c", _RUSAGE_WRAPPER, str(write_end), *argv], stdin=stdin, stdout=stdout,
            stderr=subprocess.PIPE, env=env, pass_fds=(write_end,),
        )  # fmt: skip
        os.close(write_end)
        assert proc.stderr is not None
        err = proc.stderr.read()
        proc.wait()
    seconds = time.perf_counter() - started
    with os.fdopen(read_end, "rb") as report:
        cpu, peak_kib = report.read().decode().split()
    figures = {
        "seconds": round(seconds, 1),
        "cpu_seconds": round(float(cpu), 1),
        "peak_mb": round(int(peak_kib) / 1024, 1),  # KiB on Linux
        "exit_code": proc.returncode,
    }
    if proc.returncode != 0:
        figures["stderr"] = err.decode(errors="replace").strip()[-500:]
    return figures


def _fresh_db(ctx: BenchContext, name: str) -> Path:
    """A copy of the small seeded database (people and events, its tasks)."""
    path = ctx.workdir / name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
        source = Path(f"{ctx.small_db_path}{suffix}")
        if source.exists():
            shutil.copyfile(source, f"{path}{suffix}")
    return path


def _size(ctx: BenchContext, lines: int) -> dict[str, Any]:
    tasktui = str(ctx.tasktui)
    batch_file = ctx.workdir / f"batch-{lines}.jsonl"
    if not batch_file.exists():
        write_batch(batch_file, lines)
    db = _fresh_db(ctx, f"batch-{lines}.db")
    figures: dict[str, Any] = {
        "raise_batch": measured([tasktui, "--db", str(db), "raise", "--batch"], ctx.env, batch_file)
    }
    export = ctx.workdir / f"batch-{lines}-export.json"
    figures["export"] = measured(
        [tasktui, "--db", str(db), "export", "--format", "json", "--status", "all", str(export)], ctx.env
    )
    target = ctx.workdir / f"batch-{lines}-import.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    seed(target, 0)  # the seed's people and events, no tasks
    figures["import"] = measured([tasktui, "--db", str(target), "import", str(export)], ctx.env)
    copy = ctx.workdir / f"batch-{lines}-copy.db"
    copy.unlink(missing_ok=True)
    figures["db_copy"] = measured([tasktui, "db", "copy", str(db), str(copy)], ctx.env)
    for path in (batch_file, export, copy, target, db):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return figures


def run(ctx: BenchContext) -> dict[str, Any]:
    """Each size's figures, beside the target."""
    sizes = [int(s) for s in os.environ.get("BENCH_BATCH_LINES", DEFAULT_SIZES).replace("_", "").split(",") if s]
    results: dict[str, Any] = {
        "target": f"{TARGET['lines']:,} lines in <= {TARGET['seconds']} s and <= {TARGET['peak_mb']} MB peak, "
        "flat memory in N (raise --batch, import, db copy)",
    }
    for lines in sizes:
        try:
            results[f"lines_{lines}"] = _size(ctx, lines)
        except Exception as e:  # one size's failure must not hide the others
            results[f"lines_{lines}"] = {"error": f"{type(e).__name__}: {e}"}
    return results
