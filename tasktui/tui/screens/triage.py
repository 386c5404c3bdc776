"""Triage on the tasks screen (issue 17): acknowledge and snooze the tasks under the
cursor or selected, the snooze prompt, and the triage filter (severity, acknowledged,
snoozed) with the count of each choice.

A mixin, like `common.task_actions`: the tasks screen owns the filter state
(`severities`, `acknowledged`, `snoozed`) and calls `filters_changed` when it moves.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from tasktui.errors import Invalid
from tasktui.services.severity import NAMES, level_filter_text, parse_level_filter
from tasktui.services.tasks.filters import TaskFilter
from tasktui.services.tasks.snooze_time import PRESETS, parse_until
from tasktui.services.tasks.transitions import acknowledge, snooze, unacknowledge, unsnooze

if TYPE_CHECKING:
    import datetime as dt

    from tasktui.tui.common.task_actions import TaskActions

    _Base = TaskActions
else:
    _Base = object

#: What the snooze prompt's input reads (in short: the CLI's --until help has it all).
TYPED_HELP = "e.g. 30m, 2h, tomorrow 07:30, friday, 18:00, 2026-12-24T08:00"

#: The triage picker's choices: (value, label). A value is "<dimension>:<choice>".
TRIAGE_CHOICES: list[tuple[str, str]] = [
    ("sev:", "Severity: any"),
    ("sev:critical", "Severity: critical"),
    ("sev:high+", "Severity: high and above"),
    ("sev:high", "Severity: high"),
    ("sev:normal", "Severity: normal"),
    ("sev:low", "Severity: low"),
    ("ack:any", "Acknowledged or not"),
    ("ack:unacknowledged", "Unacknowledged only"),
    ("ack:acknowledged", "Acknowledged only"),
    ("snooze:awake", "Awake (snoozed hidden)"),
    ("snooze:snoozed", "Snoozed only"),
    ("snooze:any", "Awake and snoozed"),
]


def apply_choice(flt: TaskFilter, value: str) -> TaskFilter:
    """The filter with one triage choice applied (pure: the picker's counts use it)."""
    dimension, _, choice = value.partition(":")
    if dimension == "sev":
        return dataclasses.replace(flt, severities=parse_level_filter(choice) if choice else ())
    if dimension == "ack":
        return dataclasses.replace(flt, acknowledged=choice)
    if dimension == "snooze":
        return dataclasses.replace(flt, snoozed=choice)
    raise Invalid(f"unknown triage choice {value!r}")


def current_choice(flt: TaskFilter) -> str:
    """The picker value to highlight: the severity choice the filter holds."""
    return "sev:" + level_filter_text(flt.severities)


def triage_counts(flt: TaskFilter, values: list[str]) -> dict[str, str]:
    """The count beside each triage choice under the other filters (in a worker)."""
    from tasktui.services.tasks.counts import choice_counts

    return choice_counts({value: apply_choice(flt, value) for value in values if value})


def triage_summary(flt: TaskFilter) -> str:
    """The filter bar's words for the triage filter ("Any" when it is the default)."""
    parts = []
    if flt.severities:
        parts.append(level_filter_text(flt.severities))
    if flt.acknowledged != "any":
        parts.append("unacked" if flt.acknowledged == "unacknowledged" else "acked")
    if flt.snoozed != "awake":
        parts.append("snoozed" if flt.snoozed == "snoozed" else "+snoozed")
    return " ".join(parts) or "Any"


class SnoozeScreen(ModalScreen["dt.datetime | None"]):
    """Until when to snooze: 1h, 4h, tomorrow, next week, or a time typed in (read in
    the local time zone; a past or unreadable time is refused inline). Result: the
    end of the snooze (naive UTC), or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    DEFAULT_CSS = """
    SnoozeScreen { align: center middle; }
    SnoozeScreen > #snooze-box {
        width: 60; max-width: 95%; height: auto; border: round $accent; background: $surface; padding: 0 1;
    }
    SnoozeScreen #snooze-title { text-style: bold; }
    SnoozeScreen #snooze-options { height: auto; max-height: 8; }
    SnoozeScreen #snooze-error { color: $error; width: 100%; }  /* wrapped: the whole reason */
    SnoozeScreen #snooze-help { color: $text-muted; width: 100%; }
    """

    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count

    def compose(self) -> ComposeResult:
        with Vertical(id="snooze-box"):
            yield Label(f"Snooze {self.count:,} task(s) until", id="snooze-title")
            yield OptionList(*[Option(label, id=value) for value, label in PRESETS], id="snooze-options")
            yield Input(placeholder="or type a time, Enter", id="snooze-custom")
            yield Label(TYPED_HELP, id="snooze-help")
            yield Label("", id="snooze-error")

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 0
        self.query_one(OptionList).focus()

    def _try(self, text: str) -> None:
        try:
            self.dismiss(parse_until(text))
        except Invalid as e:
            self.query_one("#snooze-error", Label).update(str(e).removeprefix("--until "))

    @on(OptionList.OptionSelected, "#snooze-options")
    def _preset(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._try(event.option.id or "")

    @on(Input.Submitted, "#snooze-custom")
    def _custom(self, event: Input.Submitted) -> None:
        event.stop()
        self._try(event.value)

    def action_cancel(self) -> None:
        """Close without snoozing."""
        self.dismiss(None)


class TriageActions(_Base):
    """Acknowledge, unacknowledge, snooze, unsnooze and the triage filter, for the
    tasks screen (which mixes in `TaskActions` too)."""

    #: The bindings, for the screen's BINDINGS (one place: footer, help and palette).
    TRIAGE_BINDINGS = [
        Binding("i", "acknowledge", "On it"),
        Binding("I", "unacknowledge", "Unack", show=False),
        # Not in the key bar (it keeps 3 lines at 80 columns): the help and palette list it.
        Binding("w", "snooze", "Snooze (wait)", show=False),
        Binding("W", "unsnooze", "Wake", show=False),
        # Not in the key bar (no room at 80 columns): the filter bar shows "f Triage: …".
        Binding("f", "pick_triage", "Triage…", show=False),
    ]

    def action_acknowledge(self) -> None:
        """Acknowledge the tasks: you are on them (who and when are recorded)."""
        self._task_action(acknowledge)

    def action_unacknowledge(self) -> None:
        """Clear the acknowledgement of the tasks."""
        self._task_action(unacknowledge)

    def action_unsnooze(self) -> None:
        """Wake snoozed tasks now."""
        self._task_action(unsnooze)

    def action_snooze(self) -> None:
        """Snooze the tasks until a time chosen in a small prompt."""
        ids = self.task_action_ids()
        if not ids:
            self.notify(self.NO_TASK_MESSAGE, severity="warning")
            return

        def chosen(until: dt.datetime | None) -> None:
            if until is not None:
                self._run_task_action(lambda actor, task_ids: snooze(actor, task_ids, until), ids)

        self.app.push_screen(SnoozeScreen(len(ids)), chosen)

    def triage_filter(self) -> TaskFilter:
        """The screen's current filter (the screen provides it)."""
        raise NotImplementedError

    def set_triage(self, flt: TaskFilter) -> None:
        """Take the triage part of `flt` (the screen provides it)."""
        raise NotImplementedError

    def action_pick_triage(self) -> None:
        """Filter by severity, acknowledged or not, snoozed or awake (with counts)."""
        from tasktui.tui.widgets.picker import PickerScreen

        flt = self.triage_filter()

        def chosen(value: str | None) -> None:
            if value:
                self.set_triage(apply_choice(self.triage_filter(), value))

        def counts(values: list[str]) -> dict[str, str]:
            return triage_counts(flt, values)

        picker = PickerScreen("Triage filter", TRIAGE_CHOICES, current=current_choice(flt), counts=counts)
        self.app.push_screen(picker, chosen)


__all__ = ["NAMES", "SnoozeScreen", "TriageActions", "apply_choice", "triage_summary"]
