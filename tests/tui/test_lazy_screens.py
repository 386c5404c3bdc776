"""Start-up weight of the TUI (issue 20.4): only the tasks screen is imported to show
the first page; every other screen is imported when it is first opened."""

from __future__ import annotations

import json
import subprocess
import sys

LATER = ["task_detail", "events", "event_editor", "attributes", "attribute_forms", "settings", "export", "columns"]

PROBE = """
import asyncio, json, sys
from tasktui.db import open_database
from tasktui.services.context import acting_user
from tasktui.tui.app import make_app

open_database(sys.argv[1])
app = make_app(sys.argv[1], acting_user("alice", "alice", register=True))

async def main():
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.5)
        print(json.dumps([type(app.screen).__name__, sorted(sys.modules)]))

asyncio.run(main())
"""


def test_only_the_tasks_screen_is_imported_at_start(db_path):
    proc = subprocess.run([sys.executable, "-c", PROBE, str(db_path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    screen, modules = json.loads(proc.stdout.strip().splitlines()[-1])
    assert screen == "TasksScreen"
    assert "tasktui.tui.screens.tasks" in modules
    loaded = [name for name in LATER if f"tasktui.tui.screens.{name}" in modules]
    assert not loaded, f"imported before they were opened: {loaded}"
