"""The task actions the tasks screen and the task detail share: done, reopen, assign me,
assign to a user or group (one picker, the same labels on both screens), unassign.

A screen mixes in `TaskActions` and says which tasks an action applies to, how the
picker is titled and what to do with the result; the calls themselves, the picker's
choices and the refusals are the same on both screens.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tasktui.services.context import Actor
from tasktui.services.people import group_choices, user_choices
from tasktui.services.tasks.bulk_preview import BulkPreview, describe, needs_preview
from tasktui.services.tasks.transitions import BulkResult, assign, assign_group, mark_done, reopen, unassign
from tasktui.tui.widgets.picker import PickerScreen

if TYPE_CHECKING:
    from textual.screen import Screen

    from tasktui.services.tasks.undo import UndoResult

    _ScreenBase = Screen
else:
    _ScreenBase = object  # a mixin: the screen that uses it is the Screen

#: Picker values for one user or one group ("user:bob", "group:warehouse").
USER_PREFIX, GROUP_PREFIX = "user:", "group:"


def assignee_choices() -> list[tuple[str, str]]:
    """(value, label) of every active user and every group, as the assign picker and
    the tasks screen's assignee filter show them (a service call: run it in a worker)."""
    choices = [(USER_PREFIX + login, label) for login, label in user_choices()]
    choices += [(GROUP_PREFIX + name, f"Group {label}") for name, label in group_choices()]
    return choices


def assign_to(actor: Actor, task_ids: list[int], value: str, *, dry_run: bool = False) -> BulkResult:
    """Assign the tasks to the user or group a picker value names."""
    if value.startswith(GROUP_PREFIX):
        return assign_group(actor, task_ids, value.removeprefix(GROUP_PREFIX), dry_run=dry_run)
    return assign(actor, task_ids, value.removeprefix(USER_PREFIX), dry_run=dry_run)


def preview_if_needed(actor: Actor, action: Callable[..., BulkResult], ids: list[int]) -> BulkPreview | None:
    """The preview of `action` on `ids` when they are more than the user's threshold
    (a dry run: nothing changes), else None (a service call: run it in a worker)."""
    if not needs_preview(actor, len(ids)):
        return None
    return describe(action(actor, ids, dry_run=True))


class TaskActions(_ScreenBase):
    """The shared task actions, for a screen that binds `mark_done`, `reopen`,
    `assign_me`, `assign_user` and `unassign`."""

    #: Shown when an action finds no task to apply to.
    NO_TASK_MESSAGE = "No task selected"

    def task_action_ids(self) -> list[int]:
        """The tasks an action applies to (the screen decides: selection, cursor, its task)."""
        raise NotImplementedError

    def task_action_done(self, result: BulkResult) -> None:
        """After an action: tell the user and show the tasks as they are now."""
        raise NotImplementedError

    def assign_picker_title(self, ids: list[int]) -> str:
        """The title of the assign picker."""
        return f"Assign {len(ids):,} task(s) to"

    def assign_picker_current(self) -> str | None:
        """The picker value highlighted when the picker opens (the current assignee)."""
        return None

    def action_mark_done(self) -> None:
        """Mark the tasks done."""
        self._task_action(mark_done)

    def action_reopen(self) -> None:
        """Reopen the tasks."""
        self._task_action(reopen)

    def action_assign_me(self) -> None:
        """Assign the tasks to me."""
        self._task_action(assign)

    def action_unassign(self) -> None:
        """Remove the assignee of the tasks."""
        self._task_action(unassign)

    def action_assign_user(self) -> None:
        """Assign the tasks to a user or a group chosen in a picker."""
        self.app.backend.run(assignee_choices, on_done=self._push_assign_picker, owner=self, group="task-pickers")

    def _push_assign_picker(self, choices: list[tuple[str, str]]) -> None:
        ids = self.task_action_ids()
        if not ids:
            self.notify("No task to assign", severity="warning")
            return

        def chosen(value: str | None) -> None:
            if value:
                self._run_task_action(lambda actor, task_ids, **kw: assign_to(actor, task_ids, value, **kw), ids)

        picker = PickerScreen(self.assign_picker_title(ids), choices, current=self.assign_picker_current())
        self.app.push_screen(picker, chosen)

    def _task_action(self, action: Callable[..., BulkResult]) -> None:
        ids = self.task_action_ids()
        if not ids:
            self.notify(self.NO_TASK_MESSAGE, severity="warning")
            return
        self._run_task_action(action, ids)

    def _run_task_action(self, action: Callable[..., BulkResult], ids: list[int]) -> None:
        """Preview first above the user's threshold (issue 18.1), then act."""

        def previewed(preview: BulkPreview | None) -> None:
            if preview is None:
                self._act(action, ids)
                return
            from tasktui.tui.screens.preview import PreviewScreen

            def answered(choice: str | None) -> None:
                if choice == "yes":
                    self._act(action, ids)
                else:
                    self.notify("Nothing changed")

            self.app.push_screen(PreviewScreen(preview), answered)

        self.app.backend.run(
            preview_if_needed, self.app.actor, action, ids, on_done=previewed, owner=self, group="task-actions"
        )

    def _act(self, action: Callable[..., BulkResult], ids: list[int]) -> None:
        self.app.backend.run(
            action, self.app.actor, ids, on_done=self.task_action_done, owner=self, group="task-actions"
        )

    def action_undo(self) -> None:
        """Undo my last bulk action (again: redo it)."""
        from tasktui.services.tasks.undo import undo

        self.app.backend.run(undo, self.app.actor, on_done=self.undo_done, owner=self, group="task-actions")

    def undo_done(self, result: UndoResult) -> None:
        """After an undo: say what was reverted and what was skipped (and who changed it)."""
        self.notify(result.summary(), severity="warning" if result.skipped else "information", title="Undo")
