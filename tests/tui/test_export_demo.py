"""Export (service, CLI with --force refusal, TUI dialog) and the demo data set."""

from __future__ import annotations

import csv
import json

from textual.widgets import Input

from tasktui.models import Event, Task, User
from tasktui.services.admin.demo import load_demo
from tasktui.services.tasks.filters import TaskFilter
from tasktui.services.transfer.export import EXPORT_FIELDS, export_tasks
from tasktui.tui.screens.export import ExportScreen
from tests.tui.conftest import settle


def test_export_streams_every_matching_task_as_csv_and_json(seeded, tmp_path):
    seen: list[tuple[int, int]] = []
    result = export_tasks(TaskFilter(status="all"), tmp_path / "all.csv", progress=lambda d, t: seen.append((d, t)))
    rows = list(csv.DictReader((tmp_path / "all.csv").open()))
    assert result.count == 13 and len(rows) == 13
    assert list(rows[0]) == EXPORT_FIELDS
    assert rows[0]["id"] == "13" and rows[0]["created_at"].endswith("Z")
    assert seen[-1] == (13, 13)
    result = export_tasks(TaskFilter(text="refund"), tmp_path / "refunds.json")
    data = json.loads((tmp_path / "refunds.json").read_text())
    assert result.format == "json" and [d["event"] for d in data] == ["refund_approval"] * 3
    assert data[0]["done_at"] is None


def test_export_of_nothing_is_a_valid_empty_file(seeded, tmp_path):
    export_tasks(TaskFilter(text="nothing like this"), tmp_path / "none.json")
    assert json.loads((tmp_path / "none.json").read_text()) == []


def test_cli_export_refuses_to_overwrite_without_force(seeded, cli, tmp_path):
    target = tmp_path / "tasks.csv"
    first = cli.run("export", str(target), "--status", "all")
    assert first.exit_code == 0, first.stderr
    assert "exported 13 tasks" in first.stdout
    before = target.read_text()
    again = cli.run("export", str(target), "--event", "stock_diff")
    assert again.exit_code == 1
    assert (
        again.stderr.strip()
        == f"tasktui: error: {target} already exists: choose another file or overwrite it (--force)"
    )
    assert target.read_text() == before
    forced = cli("export", str(target), "--event", "stock_diff", "--force", "--format", "json")
    assert forced.exit_code == 0
    assert len(json.loads(target.read_text())) == 3  # open stock differences
    assert cli("export", str(tmp_path / "x.txt")).exit_code == 2


async def test_tui_export_writes_the_current_view(seeded, app, tmp_path):
    target = tmp_path / "view.json"
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"refund", "enter")
        await settle(pilot)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        app.screen.query_one("#export-path", Input).value = str(target)
        await pilot.click("#format-json")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ExportScreen)
    data = json.loads(target.read_text())
    assert [d["event"] for d in data] == ["refund_approval"] * 3


async def test_export_dialog_says_when_the_count_is_not_exact_yet(seeded, app):
    """While the table holds a capped count ("10,000+"), the dialog says so too."""
    from textual.widgets import Label

    from tasktui.services.tasks.filters import TaskFilter as Filter
    from tasktui.tui.widgets.task_window import Query

    query = Query(Filter(), "created", True, "en")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.push_screen(ExportScreen(query, 10_000, exact=False))
        await pilot.pause()
        assert str(app.screen.query_one("#export-title", Label).render()) == "Export the current view: 10,000+ tasks"


def test_demo_is_realistic_and_idempotent(database, actor, cli):
    result = load_demo(actor, tasks=120)
    assert result.tasks == 120 and result.users >= 8 and result.groups == 4
    assert Event.select().count() >= 10
    assert Task.select().where(Task.status == "done").count() > 10
    assert Task.select().where(Task.occurrences > 1).exists()
    assert User.select().where(User.login == "anna").get().display_name == "Anna Schmidt"
    again = cli("demo")
    assert again.exit_code == 0 and "already loaded" in again.stdout
    assert Task.select().count() == 120


def test_demo_tasks_are_done_over_time_and_name_processes_only_when_they_have_one(database, actor):
    """The demo's done tasks were done minutes to days after they were raised, as a
    team's are (they were all done the moment the demo was loaded), and a description
    that points at the related process belongs to a task that has one."""
    from tasktui.models import RelatedProcess, TaskHistory, utcnow
    from tasktui.services.admin.demo import PROCESS_DESCRIPTION

    load_demo(actor, tasks=120)
    done = list(Task.select().where(Task.status == "done"))
    assert len(done) > 10
    assert len({t.done_at for t in done}) > len(done) // 2
    for task in done:
        assert task.created_at < task.done_at < utcnow()
        (entry,) = TaskHistory.select().where((TaskHistory.task == task.id) & (TaskHistory.action == "done"))
        assert entry.at == task.done_at
    pointing = Task.select().where(Task.description == PROCESS_DESCRIPTION)
    assert pointing.count() > 0
    assert all(RelatedProcess.select().where(RelatedProcess.task == t.id).exists() for t in pointing)
