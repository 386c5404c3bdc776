"""Snapshots of the tasks screen, each detail tab, the help screen and the dialogs the
tasks screen opens (columns, export, assignee picker, dependency prompt), at 100x30 and
80x24. Seeded data has fixed times and the acting user is alice (see conftest), so
the pictures are the same on every machine.

Update after a deliberate change: `pytest tests/tui/test_snapshots.py --snapshot-update`,
then open the SVGs under __snapshots__/ and review them like code."""

from __future__ import annotations

import pytest

from tests.tui.conftest import settle

SIZES = [pytest.param((100, 30), id="100x30"), pytest.param((80, 24), id="80x24")]


def steps(*keys: str):
    """A run_before that waits for the data, presses `keys`, and waits again."""

    async def run_before(pilot) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot, rounds=2)
        await pilot.pause(0.1)  # cursors are steady in snapshots (tests/conftest.py)

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_tasks_default(seeded, app, snap_compare, size):
    """Open the app: open tasks, newest first, cursor on the first row."""
    assert snap_compare(app, terminal_size=size, run_before=steps())


@pytest.mark.parametrize("size", SIZES)
def test_tasks_empty_database(database, app, snap_compare, size):
    """Open the app on a database without tasks: the empty state with a command that works."""
    assert snap_compare(app, terminal_size=size, run_before=steps())


@pytest.mark.parametrize("size", SIZES)
def test_tasks_filtered(seeded, app, snap_compare, size):
    """Show done tasks too (t), then search for "stock" (/ stock Enter)."""
    assert snap_compare(app, terminal_size=size, run_before=steps("t", "slash", *"stock", "enter"))


@pytest.mark.parametrize("size", SIZES)
def test_tasks_with_selection(seeded, app, snap_compare, size):
    """Select two tasks with space and move down one more."""
    assert snap_compare(app, terminal_size=size, run_before=steps("space", "j", "space"))


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("tab", ["1", "2", "3", "4"], ids=["attributes", "dependencies", "processes", "history"])
def test_detail_tabs(seeded, app, snap_compare, size, tab):
    """Go to the oldest task (End), open it (Enter), show a tab (1-4)."""
    assert snap_compare(app, terminal_size=size, run_before=steps("end", "enter", tab))


@pytest.mark.parametrize("size", SIZES)
def test_help(seeded, app, snap_compare, size):
    """Press ? on the tasks screen."""
    assert snap_compare(app, terminal_size=size, run_before=steps("question_mark"))


@pytest.mark.parametrize("size", SIZES)
def test_column_chooser(seeded, app, snap_compare, size):
    """Press c on the tasks screen: every column with its check box."""
    assert snap_compare(app, terminal_size=size, run_before=steps("c"))


@pytest.mark.parametrize("size", SIZES)
def test_export(seeded, app, snap_compare, size, monkeypatch):
    """Press x on the tasks screen: the export dialog for the current view (its
    default file name, made of the directory and the time, fixed here)."""
    from tasktui.tui.screens import export

    monkeypatch.setattr(export, "default_path", lambda fmt, now=None: f"/home/alice/tasks-20240301-120000.{fmt}")
    assert snap_compare(app, terminal_size=size, run_before=steps("x"))


@pytest.mark.parametrize("size", SIZES)
def test_assignee_picker(seeded, app, snap_compare, size):
    """Press a on the tasks screen: the assignee filters, the current one marked."""
    assert snap_compare(app, terminal_size=size, run_before=steps("a"))


@pytest.mark.parametrize("size", SIZES)
def test_dependency_prompt(seeded, app, snap_compare, size):
    """Open the oldest task (End, Enter) and press n: the prompt for a task id."""
    assert snap_compare(app, terminal_size=size, run_before=steps("end", "enter", "n"))


@pytest.mark.parametrize("keys", [("x",), ("c",)], ids=["export", "columns"])
def test_states_read_without_colour(seeded, db_path, actor, snap_compare, monkeypatch, keys):
    """With NO_COLOR (a monochrome terminal, a text capture) a ticked box, an unticked
    one and the chosen radio button differ in their glyphs: [x] [ ] (•) ( )."""
    from tasktui.tui.app import make_app
    from tasktui.tui.screens import export

    monkeypatch.setattr(export, "default_path", lambda fmt, now=None: f"/home/alice/tasks-20240301-120000.{fmt}")
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(db_path, actor)
    assert app.no_color
    assert snap_compare(app, terminal_size=(80, 24), run_before=steps(*keys))


async def test_toggle_glyphs_follow_the_state(seeded, app, monkeypatch):
    """What the export dialog draws for its radio buttons and check box, as text."""
    from tasktui.tui.widgets.toggles import Checkbox, RadioButton

    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        radios = {str(r.label): r.render().plain.rstrip() for r in app.screen.query(RadioButton)}
        assert radios == {"CSV": "(•) CSV", "JSON": "( ) JSON"}
        box = app.screen.query_one(Checkbox)
        assert box.render().plain.startswith("[ ] ")
        box.value = True
        assert box.render().plain.startswith("[x] ")
        app.screen.query_one("#format-json", RadioButton).value = True
        await pilot.pause()
        assert {str(r.label): r.render().plain[:3] for r in app.screen.query(RadioButton)} == {
            "CSV": "( )",
            "JSON": "(•)",
        }
