"""The filter bar above the tasks table: the search box, the live count, and a line
saying which filters, sort and selection apply (with the key that changes each)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.markup import escape
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Input, Label

from tasktui.tui.terminal_safety import visible_line

#: Short labels of the assignee modes for the bar (the picker shows the full ones).
ASSIGNEE_SHORT: dict[str, str] = {
    "all": "All",
    "direct": "Mine",
    "groups": "My groups",
    "direct_or_groups": "Mine or my groups",
    "unassigned": "Unassigned",
}


@dataclass(frozen=True)
class FilterSummary:
    """What the bar shows besides the search text."""

    assignee_mode: str = "all"
    #: One user's or one group's tasks ("bob", "group warehouse"), shown instead of the mode.
    assignee_label: str = ""
    event_label: str = ""
    status: str = "open"
    #: The triage filter in a few words ("high+ unacked"; "Any": none).
    triage_label: str = "Any"
    sort_label: str = "Created"
    descending: bool = True
    selected: int = 0
    #: A filter differs from the default view: the bar offers `R Reset`.
    filtered: bool = False


class FilterBar(Vertical):
    """Search input and count on the first line, the active filters on the second."""

    DEFAULT_CSS = """
    FilterBar { height: 2; }
    FilterBar > Horizontal { height: 1; }
    FilterBar #search { border: none; height: 1; padding: 0 1; width: 1fr; }
    FilterBar #new-above { width: auto; padding: 0 1; text-style: bold reverse; display: none; }
    FilterBar #new-above.-shown { display: block; }
    FilterBar #count { width: auto; padding: 0 1; text-style: bold; }
    FilterBar #filters { width: 1fr; height: 1; padding: 0 1; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Input(placeholder="/ Search title, description, link, attributes", id="search")
            yield Label("", id="new-above")
            yield Label("", id="count")
        yield Label("", id="filters")

    def show_count(self, total: int | None, exact: bool = True) -> None:
        """The number of matching tasks (None: still counting; not `exact`: more than
        `total`, shown as "10,000+ tasks")."""
        if total is None:
            text = "…"
        else:
            text = f"{total:,}{'' if exact else '+'} task{'' if total == 1 and exact else 's'}"
        self.query_one("#count", Label).update(text)

    def show_new_above(self, count: int) -> None:
        """Say that `count` tasks arrived above the rows on screen (`g` goes there)."""
        marker = self.query_one("#new-above", Label)
        marker.update(f"↑ {count:,} new · g" if count else "")
        marker.set_class(count > 0, "-shown")

    def show_summary(self, summary: FilterSummary) -> None:
        """Describe the filters, the sort and the selection."""
        status = "Open" if summary.status == "open" else "Open and done"
        parts = [
            "[b]a[/b] Assignee: $assignee",  # a login or group name, stored text: a variable
            "[b]v[/b] Event: $event",  # an event name, stored text: a variable, not markup
            f"[b]t[/b] {status}",
            f"[b]f[/b] Triage: {escape(summary.triage_label)}",
            f"[b]s[/b] Sort: {escape(summary.sort_label)} {'▼' if summary.descending else '▲'}",
        ]
        if summary.filtered:  # before the sort, which the table's header shows too: cut first
            parts.insert(len(parts) - 1, "[b]R[/b] Reset")
        if summary.selected:
            parts.insert(0, f"[reverse] {summary.selected:,} selected [/reverse]")
        assignee = visible_line(
            summary.assignee_label or ASSIGNEE_SHORT.get(summary.assignee_mode, summary.assignee_mode)
        )
        event = visible_line(summary.event_label or "Any")
        label = self.query_one("#filters", Label)
        content = Content.from_markup("  ".join(parts), assignee=assignee, event=event)
        room = label.content_size.width  # 0 before the first layout
        if room and content.cell_length > room:  # one space between the parts before any is cut
            content = Content.from_markup(" ".join(parts), assignee=assignee, event=event)
        if room and content.cell_length > room:  # then long names give way to the keys after them,
            # all but the sort's, which is left out then (the table's header shows the sort)
            keys = Content.from_markup(" ".join(parts[:-1]), assignee=assignee, event=event)
            if keys.cell_length > room:
                assignee, event = _shortened(assignee, event, keys.cell_length - room)
                content = Content.from_markup(" ".join(parts[:-1]), assignee=assignee, event=event)
        label.update(content)


#: A user, group or event name in the bar keeps at least this many cells when cut.
MIN_NAME_CELLS = 12


def _shortened(assignee: str, event: str, over: int) -> tuple[str, str]:
    """The two names with `over` cells taken off, from the longer one first, neither
    cut below `MIN_NAME_CELLS`; a cut name ends in "…"."""
    widths = [cell_len(assignee), cell_len(event)]
    for _ in range(over):
        longer = 0 if widths[0] >= widths[1] else 1
        if widths[longer] <= MIN_NAME_CELLS:
            break
        widths[longer] -= 1
    return _cut(assignee, widths[0]), _cut(event, widths[1])


def _cut(text: str, width: int) -> str:
    """`text` in at most `width` cells, "…" last when cut."""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, width - 1).rstrip() + "…"
