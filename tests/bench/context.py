"""What a benchmark section gets: the seeded databases and timing helpers."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


@dataclass
class BenchContext:
    """Passed to every section's `run(ctx)`.

    - `db_path`: the big seeded database (`tasks` tasks); `small_db_path`: the small
      one (`small_tasks` tasks), for comparisons. Both are real tasktui databases;
      sections may add rows to them (the core section raises a few tasks).
    - `workdir`: a directory for a section's own files.
    - `repeat`: how many fresh-process runs a figure takes its median from.
    - `python` / `tasktui`: the interpreter and the console script of the venv.
    - `env`: the environment for subprocesses (`TASKTUI_USER` is the bench user).
    - `postgres`: the URL of a PostgreSQL database holding a copy of `db_path` (with
      `--postgres`), `postgres_label` how to name it (no password), `postgres_copy`
      what the `db copy` that filled it took.
    """

    db_path: Path
    small_db_path: Path
    tasks: int
    small_tasks: int
    workdir: Path
    repeat: int = 20
    python: Path = field(default_factory=lambda: Path(sys.executable))
    tasktui: Path = field(default_factory=lambda: Path(sys.executable).with_name("tasktui"))
    env: dict[str, str] = field(default_factory=dict)
    postgres: str | None = None
    postgres_label: str | None = None
    postgres_copy: dict[str, Any] | None = None

    def time_call(self, fn: Callable[[], Any], repeat: int | None = None, warmup: int = 1) -> dict[str, float]:
        """Median / min / max milliseconds of `fn()` in this process (after warm-up calls)."""
        for _ in range(warmup):
            fn()
        times = []
        for _ in range(repeat or self.repeat):
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
        return summary(times)

    def run_process(self, argv: Sequence[str | os.PathLike[str]]) -> float:
        """Wall seconds of one fresh process; a failing process is an error (the figure
        would be meaningless), reported with its stderr."""
        started = time.perf_counter()
        proc = subprocess.run([str(a) for a in argv], capture_output=True, text=True, env=self.env)
        elapsed = time.perf_counter() - started
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(map(str, argv))} exited {proc.returncode}: {proc.stderr.strip()[-500:]}")
        return elapsed

    def time_processes(
        self, commands: dict[str, Sequence[str | os.PathLike[str]]], repeat: int | None = None
    ) -> dict[str, dict[str, float]]:
        """Median / min / max milliseconds of fresh processes. The commands are run
        interleaved (a, b, c, a, b, c ...) so that load from other work on the
        machine hits them alike."""
        times: dict[str, list[float]] = {name: [] for name in commands}
        for argv in commands.values():  # warm the OS file cache once
            self.run_process(argv)
        for _ in range(repeat or self.repeat):
            for name, argv in commands.items():
                times[name].append(self.run_process(argv))
        return {name: summary(values) for name, values in times.items()}


def summary(seconds: Sequence[float]) -> dict[str, float]:
    """Median, min and max of timings, in milliseconds."""
    return {
        "median_ms": _ms(statistics.median(seconds)),
        "min_ms": _ms(min(seconds)),
        "max_ms": _ms(max(seconds)),
        "runs": len(seconds),
    }
