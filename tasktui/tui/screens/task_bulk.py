"""The tasks screen's selection and bulk actions: select all matching, unselect, the
tasks an action applies to (the selection, or the row under the cursor), and what
the screen shows after an action or an undo.

A mixin of the tasks screen, before `TaskActions` (whose hooks it fills in).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tasktui.services.tasks.filters import TaskFilter
from tasktui.services.tasks.listing import matching_ids
from tasktui.services.tasks.transitions import BulkResult

if TYPE_CHECKING:
    from tasktui.tui.screens.tasks import TasksScreen

    _Base = TasksScreen
else:
    _Base = object


class BulkActions(_Base):
    """Selection and the after-action hooks of `TaskActions`, for the tasks screen."""

    def action_select_all(self) -> None:
        """Select every task matching the filter."""
        self._select_all(self.current_filter())

    def _select_all(self, flt: TaskFilter) -> None:
        self.app.backend.run(
            matching_ids, flt, on_done=self._selected_all, owner=self, group="tasks-select-all", exclusive=True
        )

    def _selected_all(self, ids: list[int]) -> None:
        self.table.select_ids(ids)
        self.notify(f"{len(self.table.selected):,} tasks selected")

    def action_clear_selection(self) -> None:
        """Unselect every task."""
        if self.table.selected:
            self.table.clear_selection()

    def task_action_ids(self) -> list[int]:
        """The selected tasks, or the one under the cursor."""
        return self.table.target_ids()

    def task_action_done(self, result: BulkResult) -> None:
        """Say what changed ("3,950 done — z to undo"), drop the selection and show
        the tasks as they are now."""
        from tasktui.services.tasks.bulk_preview import toast_text

        self.notify(toast_text(result), title="Bulk action" if len(self.table.selected) > 1 else "")
        if self.table.selected:
            self.table.clear_selection()
        self.table.reload()
        self.load_views()  # the tabs' counts too (now, not at the next live-refresh tick)

    def undo_done(self, result) -> None:
        """After `z`: say what the undo did and show the tasks as they are now."""
        super().undo_done(result)
        self.table.reload()
        self.load_views()
