"""Run in a fresh process by tests/bench/tui.py: start the TUI headless on a seeded
database and print one JSON line of timings.

`python -m tests.bench.tui_probe DB LOGIN` with `BENCH_T0` (the parent's
`time.time()` just before starting this process) in the environment.

Times are measured to the moment `TaskTable.render_line` first draws a row with
data after the event: that is when the user sees it.
- first_paint_ms: from process start to the first row of tasks drawn;
- filter_ms: per filter change, from the change to its first row drawn (or, when
  nothing matches, to the count arriving);
- count_ms: per filter change, from the change to the first count of matching tasks
  shown in the filter bar: a capped one ("10,000+") or the exact one;
- count_exact_ms: per filter change, from the change to the exact count applied (the
  table then knows its length);
- jump_end_ms: from pressing End to the last task drawn;
- peak_rss_mb: the process's peak resident memory.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
import time


def main(db: str, login: str) -> None:
    """Start the app, measure, print JSON."""
    started = float(os.environ["BENCH_T0"])
    from tasktui.db import open_database
    from tasktui.services.context import acting_user
    from tasktui.tui.app import make_app
    from tasktui.tui.widgets.task_table import TaskTable

    painted: dict[str, float] = {}
    waiting: dict[str, int] = {}
    original = TaskTable.render_line

    def render_line(self, y):
        strip = original(self, y)
        index = int(self.scroll_offset.y) + y - 1
        if y >= 1 and self.loaded and self.cache.row(index) is not None:
            for name, wanted in list(waiting.items()):
                if wanted in (-1, index):
                    painted[name] = time.perf_counter()
                    del waiting[name]
        return strip

    TaskTable.render_line = render_line
    counted: dict[str, float] = {}  # the first count shown (capped or exact)
    counted_exact: dict[str, float] = {}
    counting: list[str] = []
    original_apply = TaskTable.window_arrived
    original_capped = TaskTable.capped_count_arrived

    def window_arrived(self, request_id, total, pages, exact=True):
        original_apply(self, request_id, total, pages, exact)
        if counting and request_id == self.generation:
            name = counting.pop()
            counted.setdefault(name, time.perf_counter())
            counted_exact[name] = time.perf_counter()

    def capped_count_arrived(self, request_id, cap):
        original_capped(self, request_id, cap)
        if counting and request_id == self.generation:
            counted.setdefault(counting[-1], time.perf_counter())

    TaskTable.window_arrived = window_arrived
    TaskTable.capped_count_arrived = capped_count_arrived
    waiting["first"] = -1
    open_database(db)
    app = make_app(db, acting_user(login, login))
    figures: dict[str, object] = {}

    async def until(name: str, table: TaskTable, limit: float = 30.0) -> None:
        deadline = time.perf_counter() + limit
        while name in waiting and time.perf_counter() < deadline:
            if table.loaded and table.total == 0 and name.startswith("filter"):
                painted[name] = time.perf_counter()
                waiting.pop(name)
                break
            await asyncio.sleep(0.0005)

    async def run() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            while "first" not in painted:
                await asyncio.sleep(0.0005)
            figures["first_paint_ms"] = round(
                (time.time() - (time.perf_counter() - painted["first"]) - started) * 1000, 1
            )
            screen = app.screen
            table = screen.table
            # At first paint the count may still be provisional (the first page's
            # length, or a capped "10,000+"): report the number the screen ends up
            # showing, once the exact count has arrived.
            figures["tasks_shown_at_first_paint"] = table.total
            deadline = time.perf_counter() + 60
            while not table.total_exact and time.perf_counter() < deadline:
                await asyncio.sleep(0.001)
            figures["tasks_shown"] = table.total
            figures["exact_count_after_first_paint_ms"] = round((time.perf_counter() - painted["first"]) * 1000, 1)
            figures["rss_at_first_paint_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
            changes = {
                "status_open_and_done": lambda: setattr(screen, "status", "all"),
                "assignee_mine": lambda: setattr(screen, "assignee_mode", "direct"),
                "back_to_all": lambda: setattr(screen, "assignee_mode", "all"),
                "text_search": lambda: setattr(screen, "text", "failed"),
                "text_search_rare": lambda: setattr(screen, "text", "nightly-sync-7"),
                # The default status (open) with a common word: the page is quick, the
                # exact count reads the row of every match.
                "text_search_open": lambda: (setattr(screen, "status", "open"), setattr(screen, "text", "failed")),
            }
            filter_ms: dict[str, float] = {}
            count_ms: dict[str, float] = {}
            count_exact_ms: dict[str, float] = {}
            for name, change in changes.items():
                await pilot.pause(0.2)
                key = f"filter_{name}"
                table.loaded = False
                waiting[key] = -1
                counting[:] = [name]
                t = time.perf_counter()
                change()
                screen.apply_filters()
                await until(key, table)
                deadline = time.perf_counter() + 30
                while counting and time.perf_counter() < deadline:
                    await asyncio.sleep(0.0005)
                filter_ms[name] = round((painted.get(key, float("nan")) - t) * 1000, 1)
                count_ms[name] = round((counted.get(name, float("nan")) - t) * 1000, 1)
                count_exact_ms[name] = round((counted_exact.get(name, float("nan")) - t) * 1000, 1)
                figures[f"rss_after_{name}"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
            figures["filter_ms"] = filter_ms
            figures["count_ms"] = count_ms
            figures["count_exact_ms"] = count_exact_ms
            figures["filter_max_ms"] = max(filter_ms.values())
            screen.text = ""
            screen.status = "all"
            screen.apply_filters()
            await pilot.pause(0.3)
            jumps = []
            for _ in range(3):
                await pilot.press("home")
                await pilot.pause(0.2)
                table.cache.clear()  # a cold jump: the last page is not cached
                waiting["end"] = table.total - 1
                t = time.perf_counter()
                await pilot.press("end")
                await until("end", table)
                jumps.append(round((painted.get("end", float("nan")) - t) * 1000, 1))
                painted.pop("end", None)
            figures["jump_end_ms"] = min(jumps)
            figures["jump_end_all_ms"] = jumps
            figures["cached_pages"] = len(table.cache.pages)

    asyncio.run(run())
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(figures))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
