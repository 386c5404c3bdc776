"""The Attributes tab of the task detail: the custom attribute values of a task,
grouped by attribute group. Read-only here; kept in its own widget so editing can be
added to it without touching the detail screen."""

from __future__ import annotations

from itertools import groupby

from rich.markup import escape
from textual.widgets import Static

from tasktui.services.task_detail import AttributeValue

NO_GROUP = "General"


def attribute_lines(attributes: list[AttributeValue]) -> str:
    """The attributes as markup text: one heading per group, one line per value."""
    if not attributes:
        return "[dim]This task has no custom attributes.[/dim]"
    ordered = sorted(attributes, key=lambda a: (a.group is not None, a.group or ""))
    width = max(len(a.label) for a in attributes) + 2
    lines: list[str] = []
    for group, values in groupby(ordered, key=lambda a: a.group or NO_GROUP):
        if lines:
            lines.append("")
        lines.append(f"[b]{escape(group)}[/b]")
        for a in values:
            value = "—" if a.value is None else a.value
            lines.append(f"  {escape(a.label).ljust(width)}{escape(value)}  [dim]{escape(a.type)}[/dim]")
    return "\n".join(lines)


class AttributesView(Static):
    """Shows the attribute values of one task."""

    def show(self, attributes: list[AttributeValue]) -> None:
        """Display these values."""
        self.attributes = attributes
        self.update(attribute_lines(attributes))
