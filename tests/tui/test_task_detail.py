"""Pilot tests of the task detail screen: fields, actions, dependencies (cycles
refused), comments, link, tabs."""

from __future__ import annotations

from textual.widgets import Input, Label, OptionList, TabbedContent

from tasktui.models import Comment, Task, TaskDependency
from tasktui.tui.screens.task_detail import TaskDetailScreen
from tasktui.tui.widgets.task_id_prompt import TaskIdPromptScreen
from tests.tui.conftest import settle
from tests.tui.test_tasks_screen import notifications


async def open_task(pilot, task_id: int) -> TaskDetailScreen:
    """From the tasks screen, open `task_id` with Enter."""
    await settle(pilot)
    table = pilot.app.screen.table
    for _ in range(table.total):
        if table.current_row.id == task_id:
            break
        await pilot.press("j")
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, TaskDetailScreen)
    return pilot.app.screen


async def test_detail_shows_every_field_and_full_description(seeded, app):
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_task(pilot, 1)
        assert screen.detail.id == 1
        assert "Order import failed for order #10042" in str(screen.query_one("#detail-title").render())
        assert "Retry later" in str(screen.query_one("#detail-description").render())  # second line
        assert "https://shop.example/orders/1" in str(screen.query_one("#detail-link").render())
        await pilot.press("y")
        assert app.clipboard == "https://shop.example/orders/1"
        await pilot.press("3")
        assert screen.query_one(TabbedContent).active == "processes"
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.id == "tasks-screen"


async def test_a_long_title_is_shown_whole_in_the_detail(seeded, app, actor):
    from tasktui.services.tasks.raising import raise_task

    title = "Very long title " + "abcdefghij" * 30 + " END"
    task = raise_task(actor, "stock_diff", title)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("home")
        screen = await open_task(pilot, task.task_id)
        label = screen.query_one("#detail-title")
        assert label.region.height >= 4  # wrapped, not cut with an ellipsis
        shown = "".join(line.text for line in label.render_lines(label.region.reset_offset))
        assert shown.replace(" ", "").endswith("END") and "…" not in shown


async def test_only_http_and_mailto_links_are_opened(seeded, app, actor, monkeypatch):
    """A link comes from a script: `l` opens http(s) and mailto only, and says so."""
    from tasktui.services.tasks.raising import raise_task

    opened: list[str] = []
    monkeypatch.setattr(type(app), "open_url", lambda self, url, **kw: opened.append(url))
    monkeypatch.setattr("tasktui.tui.screens.task_detail.browser_available", lambda: True)
    odd = raise_task(actor, "stock_diff", "odd link", link="javascript:alert(document.cookie)")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("home")
        await open_task(pilot, odd.task_id)
        await pilot.press("l")
        await pilot.pause()
        assert opened == [] and any("Not opened: only http(s) and mailto" in n for n in notifications(app))
        await pilot.press("escape")
        await open_task(pilot, 1)
        await pilot.press("l")
        await pilot.pause()
        assert opened == ["https://shop.example/orders/1"]


async def test_back_from_the_detail_the_cursor_is_on_its_task_after_done_and_reopen(seeded, app):
    """Done takes the task out of the open view (the cursor moved to its neighbour),
    reopen brings it back: Esc lands on the task that was open in the detail."""
    async with app.run_test(size=(100, 30)) as pilot:
        await open_task(pilot, 5)
        await pilot.press("d")
        await settle(pilot)
        app.poll_changes()  # the live refresh (each second) reloads the list behind the detail
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        app.poll_changes()
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.id == "tasks-screen" and app.screen.table.current_row.id == 5


async def test_done_reopen_and_assign_from_the_detail(seeded, app):
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_task(pilot, 5)  # no dependency: `d` does not ask
        await pilot.press("d")
        await settle(pilot)
        assert screen.detail.status == "done" and screen.detail.done_by == "alice"
        await pilot.press("d")
        await settle(pilot)
        assert "mark done: 0 changed, 1 skipped (1 already done)" in notifications(app)
        await pilot.press("o")
        await settle(pilot)
        assert screen.detail.status == "open" and screen.detail.done_at is None
        await pilot.press("u", *"carol", "enter")
        await settle(pilot)
        assert screen.detail.assignee == "carol"
        await pilot.press("m")
        await settle(pilot)
        assert Task.get_by_id(5).assignee.login == "alice"
        await pilot.press("U")
        await settle(pilot)
        assert screen.detail.assignee is None


async def test_dependencies_add_remove_and_cycles_refused(seeded, app):
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_task(pilot, 3)
        assert [r.id for r in screen.detail.blocks] == [1]  # 1 depends on 3
        await pilot.press("n", *"1", "enter")  # 3 -> 1 would close a cycle
        await settle(pilot)
        assert isinstance(app.screen, TaskIdPromptScreen)  # the refusal stays in the dialog
        assert "cycle" in str(app.screen.query_one("#prompt-error", Label).render())
        assert not TaskDependency.select().where(TaskDependency.task == 3).exists()
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("n", *"5", "enter")
        await settle(pilot)
        assert [r.id for r in screen.detail.depends_on] == [5]
        screen.query_one("#depends-on", OptionList).focus()
        await pilot.press("delete")
        await settle(pilot)
        assert screen.detail.depends_on == []
        screen.query_one("#blocks", OptionList).focus()
        await pilot.press("delete")  # task 1 no longer waits on 3
        await settle(pilot)
        assert screen.detail.blocks == []
        assert TaskDependency.select().count() == 0


async def test_comment_is_added_and_listed_in_history(seeded, app):
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_task(pilot, 13)
        await pilot.press("c", *"Called the vendor", "enter")
        await settle(pilot)
        assert screen.query_one(TabbedContent).active == "history"
        assert [c.body for c in Comment.select().where(Comment.task == 13)] == ["Called the vendor"]
        assert "Called the vendor" in str(screen.query_one("#detail-history").render())
        await pilot.press("escape")  # leaves the comment box first
        await settle(pilot)
        assert isinstance(app.screen, TaskDetailScreen)


async def test_an_unknown_task_in_the_dependency_dialog_keeps_it_open_and_the_next_keys_in_it(seeded, app):
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_task(pilot, 3)
        await pilot.press("n", *"9999", "enter")
        await settle(pilot)
        prompt = app.screen
        assert isinstance(prompt, TaskIdPromptScreen)
        assert "9999" in str(prompt.query_one("#prompt-error", Label).render())
        assert prompt.query_one(Input).has_focus
        await pilot.press("c", *"301", "enter")  # typed next: into the field, never a comment
        await settle(pilot)
        assert Comment.select().where(Comment.task == 3).count() == 0
        assert isinstance(app.screen, TaskIdPromptScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen and screen.detail.depends_on == []


async def test_esc_leaves_the_comment_box_and_the_screen_keys_work_again(seeded, app):
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_task(pilot, 13)
        await pilot.press("c", *"half a thought")
        await settle(pilot)
        box = screen.query_one("#comment-input", Input)
        assert box.has_focus
        await pilot.press("escape")
        await settle(pilot)
        assert not box.has_focus and app.focused is screen.query_one("#detail-history-box")
        assert box.value == "half a thought"  # nothing typed is lost
        await pilot.press("d")  # a screen key again
        await settle(pilot)
        assert Task.get_by_id(13).status == "done"
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, TaskDetailScreen)


async def test_the_dependency_is_picked_by_title_and_enter_on_it_opens_it(seeded, app):
    """n opens a task picker: words of a title list the matching tasks (newest first,
    never the task itself); Enter takes the first, Down walks the list. Enter on a
    dependency opens that task, and Esc comes back."""
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_task(pilot, 3)
        await pilot.press("n", *"B-2002")
        await pilot.pause(0.3)
        await settle(pilot)
        matches = app.screen.query_one("#prompt-matches", OptionList)
        assert [matches.get_option_at_index(i).id for i in range(matches.option_count)] == ["5"]
        await pilot.press("enter")
        await settle(pilot)
        assert [r.id for r in screen.detail.depends_on] == [5]
        await pilot.press("n", *"SKU")
        await pilot.pause(0.3)
        await settle(pilot)
        matches = app.screen.query_one("#prompt-matches", OptionList)
        assert [matches.get_option_at_index(i).id for i in range(matches.option_count)] == ["11", "8", "5", "2"]
        await pilot.press("down", "down", "enter")  # into the list, then the second match
        await settle(pilot)
        assert sorted(r.id for r in screen.detail.depends_on) == [5, 8]
        screen.query_one("#depends-on", OptionList).focus()
        await pilot.press("enter")
        await settle(pilot)
        opened = app.screen
        assert isinstance(opened, TaskDetailScreen) and opened.task_id in (5, 8) and opened is not screen
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
