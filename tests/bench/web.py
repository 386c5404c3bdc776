"""Browser mode figures (`make bench`, section `web`): `tasktui web` on the small
seeded database, headless Chromium through Playwright.

- `page_load_to_first_screen_s`: from opening the token URL to the first frame that
  shows the task table (includes the redirect, the page, the app process's start).
- `key_to_screen_ms`: from a key press in the page (ArrowDown, moving the cursor) to
  the next screen bytes back over the WebSocket: p50, p90, min, max (target: p50 at
  most 50 ms on 127.0.0.1). Measured in the test process, so Playwright's own
  round trip is included.
- `app_process_rss_mib` (one open session) and `server_rss_mib`.
- `sessions_at_once`: that many tabs opened together, and the seconds until every
  one shows the table.

Needs Chromium (/usr/bin/chromium or TASKTUI_CHROMIUM) and PyPI playwright; without
them the section says why instead of figures. It never fails on a number.
"""

from __future__ import annotations

import importlib.util
import statistics
import time
from pathlib import Path

from tests.bench.context import BenchContext
from tests.bench.seed import BENCH_USER

KEY_PRESSES = 40
SESSIONS_AT_ONCE = 3


def _rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def run(ctx: BenchContext) -> dict:
    from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, Tab, children_of, start_server

    if importlib.util.find_spec("playwright") is None or not CHROMIUM.exists():
        return {"skipped": f"needs PyPI playwright and Chromium at {CHROMIUM}"}
    from playwright.sync_api import sync_playwright

    from tests.conftest import Cli

    cli = Cli(ctx.small_db_path, user=BENCH_USER)
    server = start_server(cli, ctx.workdir / "web-bench.log", "--max-sessions", str(SESSIONS_AT_ONCE + 1))
    figures: dict = {"tasks": ctx.small_tasks}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            start = time.perf_counter()
            tab = Tab(context, server.token(BENCH_USER)["url"])
            tab.wait_for("Created", timeout=60)
            figures["page_load_to_first_screen_s"] = round(time.perf_counter() - start, 2)
            tab.page.wait_for_timeout(1000)  # let the first fetches settle
            tab.page.focus(".xterm-helper-textarea")
            latencies = []
            for _ in range(KEY_PRESSES):
                before = len(tab.frames)
                pressed = time.perf_counter()
                tab.page.keyboard.press("ArrowDown")
                while len(tab.frames) == before and time.perf_counter() - pressed < 5:
                    tab.page.wait_for_timeout(1)
                latencies.append((time.perf_counter() - pressed) * 1000)
                tab.page.wait_for_timeout(50)
            latencies.sort()
            figures["key_to_screen_ms"] = {
                "p50": round(statistics.median(latencies), 1),
                "p90": round(latencies[int(len(latencies) * 0.9) - 1], 1),
                "min": round(latencies[0], 1),
                "max": round(latencies[-1], 1),
                "presses": KEY_PRESSES,
            }
            apps = children_of(server.proc.pid)
            figures["app_process_rss_mib"] = _rss_mib(apps[0]) if apps else None
            figures["server_rss_mib"] = _rss_mib(server.proc.pid)
            context.close()

            contexts = [browser.new_context(viewport={"width": 1280, "height": 800}) for _ in range(SESSIONS_AT_ONCE)]
            urls = [server.token(BENCH_USER)["url"] for _ in contexts]
            start = time.perf_counter()
            tabs = [Tab(c, url) for c, url in zip(contexts, urls)]
            for each in tabs:
                each.wait_for("Created", timeout=120)
            figures["sessions_at_once"] = {
                "sessions": SESSIONS_AT_ONCE,
                "all_on_screen_s": round(time.perf_counter() - start, 2),
            }
            for c in contexts:
                c.close()
            browser.close()
    finally:
        figures["sigterm_exit_code"] = server.stop()
    return figures
