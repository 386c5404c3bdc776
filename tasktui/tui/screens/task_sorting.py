"""The tasks screen's sort and columns: the sort picker (`s`), reverse (`r`), a click
on a header, and the column chooser (`c`); each choice is remembered for the user.

A mixin of the tasks screen (which routes the table's SortRequested to `set_sort`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tasktui.tui.widgets.picker import PickerScreen
from tasktui.tui.widgets.task_columns import COLUMNS, COLUMNS_SETTING, SORT_SETTING, format_sort

if TYPE_CHECKING:
    from tasktui.tui.screens.tasks import TasksScreen

    _Base = TasksScreen
else:
    _Base = object


#: Columns whose first sort is descending: newest, most and most severe first (as
#: `task list --sort` gives them); text columns start from A.
DESCENDING_FIRST = frozenset({"created", "id", "done_at", "last_seen", "occurrences", "severity"})


def first_direction(key: str) -> bool:
    """Whether a sort newly chosen on `key` starts descending."""
    return key in DESCENDING_FIRST


class SortAndColumns(_Base):
    """Sort and visible columns of the tasks screen."""

    def action_pick_sort(self) -> None:
        """Choose the column to sort by."""
        items = [(c.key, c.full_name) for c in COLUMNS if c.sort_key == c.key]  # Age sorts as Created

        def chosen(key: str | None) -> None:
            if key:
                self.set_sort(key, self.descending if key == self.sort else first_direction(key))

        self.app.push_screen(PickerScreen("Sort by", items, current=self.sort), chosen)

    def action_reverse_sort(self) -> None:
        """Reverse the sort order."""
        self.set_sort(self.sort, not self.descending)

    def set_sort(self, key: str, descending: bool) -> None:
        """Sort by `key` and remember the choice for this user."""
        self.sort, self.descending = key, descending
        self.apply_filters()
        self.save_sort()

    def save_sort(self) -> None:
        """Remember the sort for this user."""
        self._save_setting(SORT_SETTING, format_sort(self.sort, self.descending))

    def action_choose_columns(self) -> None:
        """Show or hide columns (remembered for this user)."""
        from tasktui.tui.screens.columns import ColumnChooserScreen

        def chosen(keys: list[str] | None) -> None:
            if keys:
                self.table.set_columns(keys)
                self._save_setting(COLUMNS_SETTING, ",".join(keys))
                self.own_columns = keys  # the user's own choice (a view naming columns shows as changed)
                self.show_view_tabs()

        layout = self.table.layout_now()
        notes = {key: "hidden: no room" for key in layout.hidden}
        if layout.merged_group:
            notes["group"] = "no room: shown as @group under Assigned to"
        self.app.push_screen(ColumnChooserScreen(self.table.chosen_columns, notes), chosen)
