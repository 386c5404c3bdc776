"""Bench section `startup` (issue 20): whole scripted commands in fresh processes,
each beside its floor and, when Taskwarrior's `task` is on PATH, beside Taskwarrior,
in the same run; fresh-process raises from 8 concurrent loops; the TUI's first task
row in a real terminal (tmux at 80x24).

- **floor**: a fresh Python process with argparse and sqlite3 executing exactly the
  SQL statements tasktui executed for the same command (captured in a fresh process
  through sqlite3's trace callback: the same pragmas, transactions, reads and writes;
  see `sql_replay`). What is above it is tasktui's own start-up and Python work.
- **Taskwarrior** (2.6, `task`): the same tasks imported into a data directory of its
  own (titles, status, project = event, a `assignee` UDA), the nearest equivalent of
  each command (`task add`, `task project:X assignee:Y limit:50 list`,
  `status:pending count`, `/TEXT/ limit:50 list`, `UUID info`, `UUIDs done`,
  `UUIDs modify assignee:Y`). Imported only up to `BENCH_TASKWARRIOR_MAX` tasks
  (environment, default 100,000: an import of 1,000,000 takes about a minute and
  6 GB); above that its figures are left out, said so in the output.

Every figure is a median of `repeat` interleaved runs (wall and CPU = user + system
of the process). The machine is shared: figures are noisy; the ratios of one run
compare like with like. Targets (printed, never asserted): each command <= 1.5x its
floor and, at 10,000 tasks, no slower than Taskwarrior; CPU per raise <= 60 ms;
8 loops >= 40 raises/s with none lost and none "locked"; TUI first task row <= 0.5 s
at 1,000,000 tasks and <= 0.4 s at 10,000.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tests.bench.context import BenchContext
from tests.bench.seed import FOCUS_USER, RAISE_EVENT

LOOPS = 8
LOOP_SECONDS = 10.0
TMUX_RUNS = 5
TMUX_SIZE = (80, 24)
REPLAY = Path(__file__).with_name("sql_replay.py")
TASKWARRIOR_MAX = int(os.environ.get("BENCH_TASKWARRIOR_MAX", "100000"))

Argv = list[str]


# -- timing -----------------------------------------------------------------------------


def _one(argv: Sequence[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one fresh process (which must exit 0)."""
    started = time.perf_counter()
    proc = subprocess.Popen(list(argv), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    stderr = proc.stderr.read() if proc.stderr else b""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}: {stderr.decode(errors='replace')[-400:]}")
    return wall, usage.ru_utime + usage.ru_stime


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def interleaved(
    commands: dict[str, tuple[Callable[[int], Argv], dict[str, str]]], repeat: int
) -> dict[str, dict[str, float]]:
    """Median (and min) wall and CPU ms of each command over `repeat` interleaved
    runs, after one warm-up run each. A command is a function of the run number (a
    `done` needs other tasks each time) and its environment."""
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    for argv, env in commands.values():
        _one(argv(0), env)
    for run in range(1, repeat + 1):
        for name, (argv, env) in commands.items():
            wall, cpu = _one(argv(run), env)
            walls[name].append(wall)
            cpus[name].append(cpu)
    return {
        name: {
            "wall_ms": _ms(statistics.median(walls[name])),
            "wall_min_ms": _ms(min(walls[name])),
            "cpu_ms": _ms(statistics.median(cpus[name])),
            "runs": repeat,
        }
        for name in commands
    }


# -- the database and its floor ---------------------------------------------------------


def _tasktui(ctx: BenchContext, db: Path, *words: str) -> Argv:
    return [str(ctx.tasktui), "--db", str(db), *words]


def _search_text(db: Path) -> str:
    """A SKU that open tasks mention (Taskwarrior exits 1 when nothing matches)."""
    conn = sqlite3.connect(db)
    try:
        row = conn.execute(
            "SELECT title FROM task WHERE status = 'open' AND title LIKE '%SKU-%' ORDER BY id DESC LIMIT 1"
        ).fetchone()
    finally:
        conn.close()
    return "SKU-" + row[0].split("SKU-")[1][:5] if row else "failed"


def _open_ids(db: Path, tasks: int, count: int, unassigned: bool = False) -> list[int]:
    """Ids of open seeded tasks (ids 1..tasks, which Taskwarrior holds too), newest
    first, for the commands that change a few each run."""
    conn = sqlite3.connect(db)
    try:
        extra = " AND assignee_id IS NULL" if unassigned else ""
        rows = conn.execute(
            f"SELECT id FROM task WHERE status = 'open' AND id <= ?{extra} ORDER BY id DESC LIMIT ?", (tasks, count)
        ).fetchall()
    finally:
        conn.close()
    return [r[0] for r in rows]


_CAPTURE = """
import contextlib, io, json, sys
sys.path.insert(0, {tests_dir!r})
from sql_replay import capture
from tasktui.cli import lean
args = json.loads(sys.argv[1])
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    code = None
    def run():
        global code
        code = lean.dispatch(args)
    statements = capture(run)
assert code is not None, "the lean dispatch did not take " + repr(args)
json.dump(statements, open(sys.argv[2], "w"))
"""


def floor_of(ctx: BenchContext, words: Argv, name: str) -> Callable[[int], Argv]:
    """The replay of the statements of `tasktui WORDS`, captured in a fresh process."""
    out = ctx.workdir / f"statements-{name}.json"
    code = _CAPTURE.format(tests_dir=str(REPLAY.parent))
    proc = subprocess.run(
        [str(ctx.python), "-c", code, json.dumps(words[1:]), str(out)], capture_output=True, text=True, env=ctx.env
    )
    if proc.returncode != 0:
        raise RuntimeError(f"capturing {name}: {proc.stderr.strip()[-400:]}")
    db = words[words.index("--db") + 1]
    return lambda run: [str(ctx.python), str(REPLAY), db, str(out)]


# -- Taskwarrior ------------------------------------------------------------------------


class Taskwarrior:
    """A Taskwarrior data directory holding the tasks of one bench database."""

    def __init__(self, workdir: Path, db: Path, tasks: int) -> None:
        self.dir = workdir / f"taskwarrior-{tasks}"
        self.rc = self.dir / "taskrc"
        self.env = {**os.environ, "TASKRC": str(self.rc), "TASKDATA": str(self.dir)}
        self.import_seconds: float | None = None
        marker = self.dir / "imported"
        if not (marker.exists() and marker.read_text() == str(tasks)):
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir.mkdir(parents=True)
            self.rc.write_text(
                f"data.location={self.dir}\nconfirmation=off\nbulk=0\nverbose=nothing\nhooks=off\n"
                "recurrence=off\nnews.version=2.6.0\nuda.assignee.type=string\nuda.assignee.label=Assignee\n"
            )
            self.import_seconds = self._import(db)
            marker.write_text(str(tasks))

    def _import(self, db: Path) -> float:
        conn = sqlite3.connect(db)
        lines = self.dir / "import.json"
        try:
            rows = conn.execute(
                "SELECT t.id, t.title, t.status, t.created_at, t.done_at, e.identifier, u.login FROM task t "
                "JOIN event e ON e.id = t.event_id LEFT JOIN user u ON u.id = t.assignee_id ORDER BY t.id"
            )
            with lines.open("w") as f:
                for task_id, title, status, created, done, event, login in rows:
                    item = {
                        "uuid": str(self.uuid(task_id)),
                        "description": title,
                        "status": "pending" if status == "open" else "completed",
                        "entry": _tw_date(created),
                        "project": event,
                    }
                    if done:
                        item["end"] = _tw_date(done)
                    if login:
                        item["assignee"] = login
                    f.write(json.dumps(item) + "\n")
        finally:
            conn.close()
        started = time.perf_counter()
        subprocess.run(["task", "import", str(lines)], env=self.env, check=True, capture_output=True)
        lines.unlink()
        return round(time.perf_counter() - started, 1)

    @staticmethod
    def uuid(task_id: int) -> uuid.UUID:
        """The Taskwarrior uuid of tasktui task `task_id`."""
        return uuid.uuid5(uuid.NAMESPACE_URL, f"tasktui-bench-{task_id}")

    def argv(self, *words: str) -> Argv:
        return ["task", *words]


def _tw_date(value: str) -> str:
    return dt.datetime.fromisoformat(str(value)[:19]).strftime("%Y%m%dT%H%M%SZ")


# -- scripted commands ------------------------------------------------------------------


def scripted_figures(ctx: BenchContext, db: Path, tasks: int) -> dict[str, Any]:
    """Each hot command at one database size: tasktui, its floor, Taskwarrior."""
    repeat = ctx.repeat
    tw = Taskwarrior(ctx.workdir, db, tasks) if shutil.which("task") and tasks <= TASKWARRIOR_MAX else None
    pool = _open_ids(db, tasks, 3 * (repeat + 3) + 3)
    show_id, pool = pool[0], pool[3:]
    assign_ids = _open_ids(db, tasks, 3, unassigned=True) or pool[:3]
    users = ("ben", "carla")
    text = _search_text(db)

    def done_ids(run: int) -> list[str]:
        return [str(i) for i in pool[3 * run : 3 * run + 3]]

    # name: (tasktui words of run 0 for the capture, tasktui argv of run n, Taskwarrior argv of run n)
    commands: dict[str, tuple[Argv, Callable[[int], Argv], Callable[[int], Argv] | None]] = {}

    def add(name: str, words: Callable[[int], Argv], tw_words: Callable[[int], Argv] | None) -> None:
        commands[name] = (
            _tasktui(ctx, db, *words(0)),
            lambda run: _tasktui(ctx, db, *words(run)),
            (lambda run: tw.argv(*tw_words(run))) if tw is not None and tw_words is not None else None,
        )

    add(
        "raise",
        lambda run: ["raise", RAISE_EVENT, "--title", "benchmark raise", "-l", "bench"],
        lambda run: ["add", f"project:{RAISE_EVENT}", "benchmark raise"],
    )
    add(
        "list_filtered_page",
        lambda run: ["task", "list", "-e", RAISE_EVENT, "--assignee", FOCUS_USER, "-n", "50"],
        lambda run: [f"project:{RAISE_EVENT}", f"assignee:{FOCUS_USER}", "limit:50", "list"],
    )
    add("count_open", lambda run: ["task", "list", "--count"], lambda run: ["status:pending", "count"])
    add(
        "search_page",
        lambda run: ["task", "list", "-q", text, "-n", "50"],
        lambda run: [f"/{text}/", "limit:50", "list"],
    )
    add("show", lambda run: ["task", "show", str(show_id)], lambda run: [str(Taskwarrior.uuid(show_id)), "info"])
    add(
        "done_3_ids",
        lambda run: ["task", "done", *done_ids(run)],
        lambda run: [*(str(Taskwarrior.uuid(int(i))) for i in done_ids(run)), "done"],
    )
    add(
        "assign_3_ids",
        # The floor replays "assign to carla" before each tasktui run: tasktui assigns to ben.
        lambda run: ["task", "assign", *map(str, assign_ids), "--to", "ben" if run >= 0 else "carla"],
        lambda run: [*(str(Taskwarrior.uuid(i)) for i in assign_ids), "modify", f"assignee:{users[run % 2]}"],
    )
    # The capture runs each command once more (done on ids of its own: done twice,
    # the second would refuse); the warm-up is run 0, the timed runs 1..repeat.
    timed: dict[str, tuple[Callable[[int], Argv], dict[str, str]]] = {}
    for name, (capture_words, tasktui_argv, tw_argv) in commands.items():
        if name == "done_3_ids":
            capture_words = _tasktui(ctx, db, "task", "done", *map(str, pool[-3:]))
        if name == "assign_3_ids":  # every run changes the assignee: ben, carla (floor), ben, ...
            subprocess.run(tasktui_argv(0), env=ctx.env, capture_output=True)
            capture_words = tasktui_argv(-1)
            if tw_argv is not None and tw is not None:
                subprocess.run(tw_argv(1), env=tw.env, capture_output=True)
        timed[f"{name}.floor"] = (floor_of(ctx, capture_words, f"{tasks}-{name}"), ctx.env)
        timed[f"{name}.tasktui"] = (tasktui_argv, ctx.env)
        if tw_argv is not None and tw is not None:
            timed[f"{name}.taskwarrior"] = (tw_argv, tw.env)
    figures = interleaved(timed, repeat)
    result: dict[str, Any] = {}
    for name in commands:
        row = {
            who: figures[f"{name}.{who}"] for who in ("tasktui", "floor", "taskwarrior") if f"{name}.{who}" in figures
        }
        row["tasktui_over_floor"] = round(row["tasktui"]["wall_ms"] / row["floor"]["wall_ms"], 2)
        if "taskwarrior" in row:
            row["tasktui_over_taskwarrior"] = round(row["tasktui"]["wall_ms"] / row["taskwarrior"]["wall_ms"], 2)
        result[name] = row
    result["taskwarrior"] = (
        {"tasks": tasks, "import_seconds": tw.import_seconds}
        if tw is not None
        else "not on PATH"
        if not shutil.which("task")
        else f"left out above {TASKWARRIOR_MAX:,} tasks"
    )
    return result


def run_true_figures(ctx: BenchContext) -> dict[str, Any]:
    """`tasktui run -- true` against bare `true` and against its floor (the replay of
    its statements, then `true`)."""
    true = shutil.which("true") or "true"
    words = _tasktui(ctx, ctx.small_db_path, "run", "-e", RAISE_EVENT, "--", true)
    replay = floor_of(ctx, words, "run-true")
    figures = interleaved(
        {
            "true": (lambda run: [true], ctx.env),
            "floor_then_true": (lambda run: ["sh", "-c", f'"$@" && exec {true}', "-", *replay(run)], ctx.env),
            "tasktui_run_true": (lambda run: words, ctx.env),
        },
        ctx.repeat,
    )
    figures["run_minus_true_ms"] = round(figures["tasktui_run_true"]["wall_ms"] - figures["true"]["wall_ms"], 1)
    figures["tasktui_over_floor"] = round(
        figures["tasktui_run_true"]["wall_ms"] / figures["floor_then_true"]["wall_ms"], 2
    )
    return figures


# -- concurrency ------------------------------------------------------------------------


def _copy_database(source: Path, target: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return target


def _loops(argv: Callable[[int, int], Argv], env: dict[str, str], seconds: float) -> dict[str, Any]:
    """LOOPS threads, each starting fresh processes back to back for `seconds`."""
    results: list[tuple[int, bytes, float]] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def loop(index: int) -> None:
        count = 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            proc = subprocess.run(argv(index, count), capture_output=True, env=env)
            with lock:
                results.append((proc.returncode, proc.stderr, time.perf_counter() - started))
            count += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=loop, args=(i,)) for i in range(LOOPS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    ok = sum(1 for code, _, _ in results if code == 0)
    return {
        "loops": LOOPS,
        "seconds": round(elapsed, 1),
        "succeeded": ok,
        "failed": len(results) - ok,
        "locked": sum(1 for _, err, _ in results if b"locked" in err or b"busy" in err),
        "per_second": round(ok / elapsed, 1),
        "median_process_ms": _ms(statistics.median(r[2] for r in results)) if results else None,
        "first_errors": sorted({err.decode(errors="replace").strip()[-200:] for code, err, _ in results if code})[:3],
    }


def concurrency_figures(ctx: BenchContext) -> dict[str, Any]:
    """8 loops of fresh `tasktui raise` (and of `task add`) on a copy of the small
    database: raises per second, failures, "locked", and whether any was lost."""
    db = _copy_database(ctx.small_db_path, ctx.workdir / "startup-loops.db")

    def count() -> int:
        conn = sqlite3.connect(db)
        try:
            return conn.execute("SELECT count(*) FROM task WHERE title LIKE 'loop %'").fetchone()[0]
        finally:
            conn.close()

    before = count()
    figures: dict[str, Any] = {
        "tasktui_raise": _loops(
            lambda i, n: _tasktui(ctx, db, "raise", RAISE_EVENT, "-t", f"loop {i} {n}"), ctx.env, LOOP_SECONDS
        )
    }
    figures["tasktui_raise"]["lost"] = figures["tasktui_raise"]["succeeded"] - (count() - before)
    if shutil.which("task"):
        tw = Taskwarrior(ctx.workdir, ctx.small_db_path, ctx.small_tasks)
        copy = ctx.workdir / "taskwarrior-loops"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(tw.dir, copy)
        (copy / "taskrc").write_text(tw.rc.read_text().replace(f"data.location={tw.dir}", f"data.location={copy}"))
        env = {**tw.env, "TASKRC": str(copy / "taskrc"), "TASKDATA": str(copy)}
        figures["taskwarrior_add"] = _loops(lambda i, n: ["task", "add", f"loop {i} {n}"], env, LOOP_SECONDS)
    figures["target"] = ">= 40 raises/s, none lost, none locked"
    return figures


# -- the TUI in tmux ---------------------------------------------------------------------


def _first_titles(db: Path) -> list[str]:
    """Starts of the titles of the newest open tasks (what the first rows show)."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT title FROM task WHERE status = 'open' ORDER BY id DESC LIMIT 30").fetchall()
    finally:
        conn.close()
    return sorted({r[0][:12] for r in rows})


def tmux_first_row(ctx: BenchContext, db: Path) -> dict[str, Any]:
    """From exec of `tasktui` in a tmux pane of 80x24 to the first task row on the
    screen (the pane polled with `capture-pane`, a few ms per poll)."""
    if not shutil.which("tmux"):
        return {"error": "tmux is not on PATH"}
    socket = f"tasktui-bench-{os.getpid()}"
    tmux = ["tmux", "-L", socket, "-f", "/dev/null"]
    stamp = ctx.workdir / "tmux-t0"
    titles = _first_titles(db)
    env_words = [f"{k}={v}" for k, v in ctx.env.items() if k in ("PYTHONPATH", "TASKTUI_USER", "TASKTUI_LANG", "HOME")]
    times = []
    try:
        width, height = TMUX_SIZE
        subprocess.run(
            [*tmux, "new-session", "-d", "-s", "bench", "-x", str(width), "-y", str(height), "sleep 1000"],
            check=True,
            env=ctx.env,
        )
        for _ in range(TMUX_RUNS):
            stamp.unlink(missing_ok=True)
            script = f'echo "$EPOCHREALTIME" > {stamp}; exec env {" ".join(env_words)} {ctx.tasktui} --db {db}'
            subprocess.run([*tmux, "respawn-pane", "-k", "-t", "bench", "bash", "-c", script], check=True)
            deadline = time.time() + 60
            seen = None
            while time.time() < deadline:
                screen = subprocess.run([*tmux, "capture-pane", "-p", "-t", "bench"], capture_output=True, text=True)
                now = time.time()
                if any(t in screen.stdout for t in titles):
                    seen = now
                    break
            if seen is None or not stamp.exists():
                raise RuntimeError(f"no task row in tmux within 60 s: {screen.stdout[-300:]!r}")
            times.append(seen - float(stamp.read_text().strip()))
            subprocess.run([*tmux, "respawn-pane", "-k", "-t", "bench", "sleep 1000"], check=True)
            time.sleep(0.3)
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)
    return {
        "first_row_ms": _ms(statistics.median(times)),
        "min_ms": _ms(min(times)),
        "max_ms": _ms(max(times)),
        "runs": len(times),
        "terminal": f"tmux {TMUX_SIZE[0]}x{TMUX_SIZE[1]}",
    }


def run(ctx: BenchContext) -> dict[str, Any]:
    """The startup section."""
    figures: dict[str, Any] = {
        "unit": "ms (median of interleaved fresh processes; noisy on a shared machine)",
        "targets": {
            "each command": "<= 1.5x its floor; at 10,000 tasks no slower than Taskwarrior",
            "raise cpu_ms": 60,
            "tui first row in tmux": "<= 500 ms at 1,000,000 tasks, <= 400 ms at 10,000",
        },
    }
    for db, tasks in ((ctx.small_db_path, ctx.small_tasks), (ctx.db_path, ctx.tasks)):
        figures[f"at_{tasks}"] = scripted_figures(ctx, db, tasks)
    figures["run_true"] = run_true_figures(ctx)
    figures["concurrent_fresh_raises"] = concurrency_figures(ctx)
    figures["tui_tmux"] = {
        f"at_{n}": tmux_first_row(ctx, db) for db, n in ((ctx.small_db_path, ctx.small_tasks), (ctx.db_path, ctx.tasks))
    }
    figures["python"] = sys.version.split()[0]
    return figures
