"""The task detail screen: every field, the full description, the link, actions, and
the tabs Attributes, Dependencies, Processes, History & comments."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Header, Input, Label, OptionList, Static, TabbedContent, TabPane
from textual.widgets.option_list import Option

from tasktui.formats import local
from tasktui.services.tasks import detail as detail_service
from tasktui.services.tasks.detail import HistoryEntry, TaskDetail, TaskRef
from tasktui.services.tasks.transitions import BulkResult
from tasktui.text_safety import openable_link
from tasktui.tui.common.task_actions import USER_PREFIX, TaskActions
from tasktui.tui.screens.help import ScreenWithHelp
from tasktui.tui.terminal_safety import visible_line, visible_text
from tasktui.tui.widgets.attribute_editor import AttributeEditor
from tasktui.tui.widgets.key_bar import KeyBar
from tasktui.tui.widgets.task_columns import DONE_MARK, OPEN_MARK
from tasktui.tui.widgets.task_id_prompt import TaskIdPromptScreen

TABS = ("attributes", "dependencies", "processes", "history")
#: The task before or after one in the list the detail was opened from (delta -1 or 1),
#: or None at an end: the tasks screen gives it, so `j`/`k` walk its list in place.
Neighbour = Callable[[int, int], "int | None"]


def browser_available() -> bool:
    """Whether `l` can open a browser: a desktop session (a display, macOS, Windows).
    Over SSH there is none, and a text browser would take over the TUI's terminal."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


#: The widget of a tab that takes the focus when the tab is shown (its main list);
#: the Processes tab has nothing to act on, so the tab bar keeps it.
TAB_FOCUS = {
    "attributes": "#attribute-editor-table",
    "dependencies": "#depends-on",
    "processes": "#detail-tabs ContentTabs",
    "history": "#detail-history-box",
}


def _ref(ref: TaskRef) -> str:
    mark = DONE_MARK if ref.status == "done" else OPEN_MARK
    return f"{mark} #{ref.id}  {visible_line(ref.title)}"


def _history_line(entry: HistoryEntry) -> Content:
    # Stored text goes in as $variables, never parsed as markup (a '[' in a comment
    # could otherwise break the line or the whole screen), with visible controls.
    when_who = "[dim]$when[/dim] $who" + (" [dim]($login)[/dim]" if entry.os_login != entry.actor else "")
    names = {"when": local(entry.at), "who": visible_line(entry.actor), "login": visible_line(entry.os_login)}
    if entry.action == "comment":
        body = visible_text(entry.new or "").replace("\n", "\n    ")
        return Content.from_markup(f"{when_who} [b]commented[/b]:\n    $body", body=body, **names)
    change = ""
    if entry.field:
        change = f" {visible_line(entry.field)}: {visible_line(entry.old or '—')} → {visible_line(entry.new or '—')}"
    elif entry.new:
        change = f": {visible_line(entry.new)}"
    return Content.from_markup(
        f"{when_who} [b]$action[/b]$change", action=visible_line(entry.action), change=change, **names
    )


def _cell(text: str) -> Text:
    """A stored text as a grid cell: visible controls, no markup."""
    return Text(visible_line(text))


def fields_table(task: TaskDetail) -> Table:
    """The fields of a task as a two-pair-per-line grid."""
    grid = Table.grid(padding=(0, 1), expand=True)
    for _ in range(2):
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(ratio=1, overflow="ellipsis", no_wrap=True)
    done = f"{local(task.done_at)} by {visible_line(task.done_by)}" if task.done_at else "—"
    seen = f"{task.occurrences} (last {local(task.last_seen_at)})" if task.occurrences > 1 else "1"
    grid.add_row("Event", _cell(task.event_name), "Plugin", _cell(task.plugin_label))
    grid.add_row("Identifier", _cell(task.event), "Dedup key", _cell(task.dedup_key or "—"))
    grid.add_row("Assignee", _cell(task.assignee or "Unassigned"), "Group", _cell(task.group or "—"))
    grid.add_row("Created", local(task.created_at), "Done", _cell(done))
    grid.add_row("Occurrences", seen, "Severity", _cell(triage_text(task)))
    return grid


def triage_text(task: TaskDetail) -> str:
    """Severity, who is on the task since when, until when it sleeps (issue 17)."""
    parts = [task.severity]
    if task.acknowledged_by:
        parts.append(f"on it: {task.acknowledged_by} since {local(task.acknowledged_at)}")
    if task.snoozed_until:
        parts.append(f"snoozed until {local(task.snoozed_until)}")
    return " · ".join(parts)


def processes_table(task: TaskDetail) -> Table | str:
    """The related processes of a task."""
    if not task.processes:
        return "[dim]No related processes.[/dim]"
    table = Table(expand=True, box=None, header_style="bold")
    for name in ("Process", "Source", "Started", "Exit code"):
        table.add_column(name)
    for p in task.processes:
        exit_code = "" if p.exit_code is None else str(p.exit_code)
        table.add_row(_cell(p.process_id), _cell(p.source), local(p.started_at), exit_code)
    return table


class TaskDetailScreen(TaskActions, ScreenWithHelp):
    """One task in full, with its actions."""

    #: The Attributes tab's table has the focus from the start, so Enter and `e` act on it.
    AUTO_FOCUS = TAB_FOCUS["attributes"]

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("d", "mark_done", "Done"),
        Binding("o", "reopen", "Reopen"),
        Binding("m", "assign_me", "Assign me"),
        Binding("u", "assign_user", "Assign…"),
        Binding("U", "unassign", "Unassign"),
        Binding("l", "open_link", "Open link"),
        Binding("v", "view_description", "View description"),
        Binding("y", "copy_link", "Copy link"),
        Binding("c", "comment", "Comment"),
        Binding("n", "add_dependency", "Add dependency"),
        Binding("delete,minus", "remove_dependency", "Remove dependency"),
        Binding("1", "tab('attributes')", "Attributes tab", show=False),
        Binding("2", "tab('dependencies')", "Dependencies tab", show=False),
        Binding("3", "tab('processes')", "Processes tab", show=False),
        Binding("4", "tab('history')", "History tab", show=False),
        Binding("j,right_square_bracket", "step(1)", "Next task", show=False),
        Binding("k,left_square_bracket", "step(-1)", "Previous task", show=False),
    ]

    def __init__(self, task_id: int, neighbour: Neighbour | None = None, *, nested: bool = False) -> None:
        # A task opened from another's dependencies is a second detail on the stack.
        super().__init__(id=None if nested else "task-detail-screen")
        self.task_id = task_id
        self.neighbour = neighbour
        self.detail: TaskDetail | None = None

    @property
    def actor(self):
        """The acting user of the app."""
        return self.app.actor

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="detail-top"):
            yield Label(f"Task #{self.task_id}", id="detail-title")
            yield Static("Loading…", id="detail-fields")
            yield Label("", id="detail-link")
            with VerticalScroll(id="detail-description-box"):
                yield Static("", id="detail-description")
        with TabbedContent(id="detail-tabs", initial="attributes"):
            with TabPane("Attributes", id="attributes"):
                yield AttributeEditor(self.task_id, self.actor, id="detail-attributes")
            with TabPane("Dependencies", id="dependencies"):
                yield Label("Depends on (waits for) — n adds, Delete removes", classes="detail-list-title")
                yield OptionList(id="depends-on", markup=False)
                yield Label("Blocks (these wait for this task)", classes="detail-list-title")
                yield OptionList(id="blocks", markup=False)
            with TabPane("Processes", id="processes"):
                yield Static("", id="detail-processes")
            with TabPane("History & comments", id="history"):
                with VerticalScroll(id="detail-history-box"):
                    yield Static("", id="detail-history")
                yield Input(placeholder="c: write a comment, Enter adds it", id="comment-input")
        yield KeyBar()

    def on_mount(self) -> None:
        self.load()

    def on_attribute_editor_changed(self, message: AttributeEditor.Changed) -> None:
        """An attribute value was edited in the Attributes tab: show the new history."""
        self.load()

    def data_changed(self) -> None:
        """The database changed: show the task as it is now."""
        self.load()

    def language_changed(self) -> None:
        """The UI language changed: show names in the new language."""
        self.load()

    def load(self) -> None:
        """Read the task in a worker and show it."""
        self.app.backend.run(
            detail_service.task_detail,
            self.task_id,
            self.actor.lang,
            on_done=self.show_task,
            owner=self,
            group="detail-load",
            exclusive=True,
        )

    def show_task(self, task: TaskDetail) -> None:
        """Fill every part of the screen from `task`."""
        self.detail = task
        mark = f"{DONE_MARK} Done" if task.status == "done" else f"{OPEN_MARK} Open"
        title = Content.from_markup(f"[b]#{task.id}[/b]  {mark}  [b]$title[/b]", title=visible_line(task.title))
        self.query_one("#detail-title", Label).update(title)
        self.query_one("#detail-fields", Static).update(fields_table(task))
        link = (
            Content.from_markup("[b]Link[/b]  $link  [dim](l opens, y copies)[/dim]", link=visible_line(task.link))
            if task.link
            else "[b]Link[/b]  —"
        )
        self.query_one("#detail-link", Label).update(link)
        description = Content(visible_text(task.description)) if task.description else "[dim]No description.[/dim]"
        self.query_one("#detail-description", Static).update(description)
        self.query_one(AttributeEditor).reload()
        self._fill_refs("#depends-on", task.depends_on, "No dependencies.")
        self._fill_refs("#blocks", task.blocks, "Blocks no task.")
        self.query_one("#detail-processes", Static).update(processes_table(task))
        entries = sorted(task.history + task.comments, key=lambda e: e.at)
        self.query_one("#detail-history", Static).update(Content("\n").join(_history_line(e) for e in entries))

    @on(OptionList.OptionSelected, "#depends-on, #blocks")
    def _open_ref(self, event: OptionList.OptionSelected) -> None:
        """Enter on a dependency (or a task this one blocks) opens that task; Esc
        comes back here."""
        if event.option.id:
            self.app.push_screen(TaskDetailScreen(int(event.option.id), nested=True))

    def _fill_refs(self, selector: str, refs: list[TaskRef], empty: str) -> None:
        options = self.query_one(selector, OptionList)
        highlighted = options.highlighted
        options.set_options([Option(_ref(r), id=str(r.id)) for r in refs] or [Option(empty, disabled=True)])
        if refs:
            options.highlighted = min(highlighted or 0, len(refs) - 1)

    # ------------------------------------------------------------------ actions

    def action_back(self) -> None:
        """Back to the tasks."""
        comment = self.query_one("#comment-input", Input)
        if comment.has_focus:  # Esc leaves the text field first, back to the tab's list
            self.query_one(TAB_FOCUS["history"]).focus()
            return
        self.dismiss()

    def action_view_description(self) -> None:
        """Read the whole description full-screen, with search (a job's output tail)."""
        from tasktui.tui.screens.text_pager import TextPagerScreen

        if self.detail is None or not self.detail.description:
            self.notify("This task has no description", severity="warning")
            return
        self.app.push_screen(TextPagerScreen(f"Task #{self.task_id} — description", self.detail.description))

    def on_key(self, event) -> None:
        if event.key == "enter" and self.focused is self.query_one("#detail-description-box"):
            event.stop()
            self.action_view_description()

    def action_step(self, delta: int) -> None:
        """Show the next (1) or previous (-1) task of the list, in place."""
        other = self.neighbour(self.task_id, delta) if self.neighbour else None
        if other is None:
            self.notify("No next task" if delta > 0 else "No previous task", severity="warning")
            return
        self.task_id = other
        self.detail = None
        self.query_one(AttributeEditor).task_id = other
        self.query_one("#detail-title", Label).update(f"Task #{other}")
        self.load()

    def action_mark_done(self) -> None:
        """Mark the task done; when a task it depends on is still open, ask first."""
        detail = self.detail
        waiting_on = [r for r in detail.depends_on if r.status != "done"] if detail and detail.status == "open" else []
        if not waiting_on:
            super().action_mark_done()
            return
        from tasktui.tui.screens.confirm import Choice, ChoiceScreen

        names = ", ".join(f"#{r.id}" for r in waiting_on[:5]) + (" …" if len(waiting_on) > 5 else "")
        message = f"Task #{self.task_id} depends on {len(waiting_on)} open task(s): {names}. Mark it done anyway?"

        def chosen(value: str | None) -> None:
            if value == "done":
                super(TaskDetailScreen, self).action_mark_done()

        choices = [Choice("cancel", "Keep it open", "n"), Choice("done", "Mark done", "d", "warning")]
        self.app.push_screen(ChoiceScreen("Open dependencies", message, choices), chosen)

    def action_tab(self, tab: str) -> None:
        """Show one of the tabs, its list focused."""
        self.query_one(TabbedContent).active = tab
        self.query_one(TAB_FOCUS[tab]).focus()

    def _change(self, action: Callable[[], object], done: Callable[[object], str] | None = None) -> None:
        """Run a change of this task in a worker; then say `done(result)` and reload."""
        self.app.backend.run(
            action,
            on_done=lambda result: self._changed(done(result) if done else None),
            owner=self,
            group="detail-change",
        )

    def _changed(self, message: str | None) -> None:
        if message:
            self.notify(message)
        self.load()

    def task_action_ids(self) -> list[int]:
        """The task actions apply to this task."""
        return [self.task_id]

    def task_action_done(self, result: BulkResult) -> None:
        """Say what changed and show the task as it is now."""
        self._changed(result.summary())

    def assign_picker_title(self, ids: list[int]) -> str:
        """The picker names the task."""
        return f"Assign task #{self.task_id} to"

    def assign_picker_current(self) -> str | None:
        """The picker opens on the current assignee."""
        return USER_PREFIX + self.detail.assignee if self.detail and self.detail.assignee else None

    def action_open_link(self) -> None:
        """Open the link in the browser."""
        if self.detail and self.detail.link:
            link = visible_line(self.detail.link)
            if not openable_link(self.detail.link):
                self.notify(
                    f"Not opened: only http(s) and mailto links open from tasktui (y copies it)\n{link}",
                    severity="warning", markup=False, timeout=10,
                )  # fmt: skip
                return
            if not (self.app.is_web or browser_available()):
                self.notify(f"No browser can be opened here: y copies the link\n{link}", markup=False, timeout=10)
                return
            self.app.open_url(self.detail.link)
            self.notify(f"Opening {link}", markup=False)
        else:
            self.notify("This task has no link", severity="warning")

    def action_copy_link(self) -> None:
        """Copy the link to the clipboard."""
        if self.detail and self.detail.link:
            self.app.copy_to_clipboard(self.detail.link)
            self.notify("Link copied to the clipboard")
        else:
            self.notify("This task has no link", severity="warning")

    def action_comment(self) -> None:
        """Write a comment."""
        self.action_tab("history")
        self.query_one("#comment-input", Input).focus()

    @on(Input.Submitted, "#comment-input")
    def _comment_submitted(self, event: Input.Submitted) -> None:
        body = event.value

        def added(_: object) -> str:
            self._comment_added(body)
            return "Comment added"

        self._change(lambda: detail_service.add_comment(self.actor, self.task_id, body), added)

    def _comment_added(self, body: str) -> None:
        """The comment is stored: empty the box (a refused one keeps its text)."""
        box = self.query_one("#comment-input", Input)
        if box.value == body:
            box.value = ""

    def action_add_dependency(self) -> None:
        """Make this task depend on another one (cycles are refused)."""
        self.action_tab("dependencies")

        def apply(other: int) -> str:
            detail_service.add_dependency(self.actor, self.task_id, other)
            return f"Task #{self.task_id} now depends on task #{other}"

        def chosen(message: str | None) -> None:
            if message is not None:
                self._changed(message)

        def search(text: str) -> list[tuple[int, str]]:
            return detail_service.dependency_candidates(self.task_id, text)

        self.app.push_screen(TaskIdPromptScreen(f"Task #{self.task_id} depends on task:", apply, search), chosen)

    def action_remove_dependency(self) -> None:
        """Remove the highlighted dependency (in "Depends on" or "Blocks")."""
        self.action_tab("dependencies")
        focused = self.focused if isinstance(self.focused, OptionList) else self.query_one("#depends-on", OptionList)
        index = focused.highlighted
        if index is None or focused.get_option_at_index(index).id is None:
            self.notify("No dependency highlighted", severity="warning")
            return
        other = int(focused.get_option_at_index(index).id)
        task, depends_on = (self.task_id, other) if focused.id == "depends-on" else (other, self.task_id)
        self._change(
            lambda: detail_service.remove_dependency(self.actor, task, depends_on),
            lambda _: f"Task #{task} no longer depends on task #{depends_on}",
        )
