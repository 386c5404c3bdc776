"""The preview of a bulk action above the user's threshold (issue 18.1).

A bulk action on more tasks than the acting user's threshold (default 50, the user
setting `preview_threshold`) first says what it will do — "Mark 3,950 tasks done?
3,950 open · 0 already done" — from a dry run of the action itself (`dry_run=True`:
the same rules, nothing written), so the preview and the action cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from tasktui.errors import Invalid
from tasktui.services.context import Actor, get_setting, set_setting
from tasktui.services.tasks.transitions import BulkResult

#: The user setting, and its default.
THRESHOLD_SETTING = "preview_threshold"
DEFAULT_THRESHOLD = 50


def preview_threshold(actor: Actor) -> int:
    """Above how many tasks the acting user's bulk actions are previewed first."""
    value = get_setting(actor, THRESHOLD_SETTING)
    try:
        return max(0, int(value)) if value is not None else DEFAULT_THRESHOLD
    except ValueError:
        return DEFAULT_THRESHOLD


def set_preview_threshold(actor: Actor, threshold: int) -> int:
    """Remember the acting user's threshold (0: preview every bulk action)."""
    if threshold < 0:
        raise Invalid("the preview threshold is a number of tasks, 0 or more")
    set_setting(actor, THRESHOLD_SETTING, str(threshold))
    return threshold


#: Per kind of action: the question (with the number of tasks and the target), what
#: the tasks that change are, and the skip reasons shown even when none applies.
WORDING: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "done": ("Mark {n} tasks done?", "open", ("already done",)),
    "reopen": ("Reopen {n} tasks?", "done", ("already open",)),
    "assign": ("Assign {n} tasks to {target}?", "to change", ()),
    "group": ("Set the group of {n} tasks to {target}?", "to change", ()),
    "clear-group": ("Clear the group of {n} tasks?", "with a group", ("have no group",)),
    "unassign": ("Unassign {n} tasks?", "assigned", ("not assigned",)),
}


@dataclass(frozen=True)
class BulkPreview:
    """What a bulk action would do: the question and its counts."""

    question: str
    parts: tuple[tuple[int, str], ...]
    changes: int

    @property
    def details(self) -> str:
        """'3,950 open · 0 already done'."""
        return " · ".join(f"{n:,} {label}" for n, label in self.parts)

    @property
    def text(self) -> str:
        """The whole line, as the CLI asks it."""
        return f"{self.question} {self.details}"


def describe(result: BulkResult) -> BulkPreview:
    """The preview of a dry run's result."""
    kind = result.kind if not (result.kind == "group" and result.target is None) else "clear-group"
    question, changed_label, always = WORDING.get(kind, (f"{result.action}: {{n}} tasks?", "to change", ()))
    total = len(result.changed) + result.skipped_count
    if total == 1:
        question = question.replace("{n} tasks", "{n} task")
    parts = [(len(result.changed), changed_label)]
    parts += [(len(result.skipped.get(reason, [])), reason) for reason in always]
    parts += [(len(ids), reason) for reason, ids in result.skipped.items() if reason not in always]
    return BulkPreview(question.format(n=f"{total:,}", target=result.target), tuple(parts), len(result.changed))


def needs_preview(actor: Actor, count: int) -> bool:
    """Whether a bulk action on `count` tasks is previewed first."""
    return count > preview_threshold(actor)


#: What the changed tasks became, per kind of action (the toast after it).
DONE_WORDS = {
    "done": "done",
    "reopen": "reopened",
    "unassign": "unassigned",
    "ack": "acknowledged",
    "unack": "unacknowledged",
    "snooze": "snoozed",
    "unsnooze": "woken",
}


def toast_text(result: BulkResult) -> str:
    """The line after a bulk action: "3,950 done — z to undo" (with the skipped ones)."""
    if result.kind == "assign":
        word = f"assigned to {result.target}"
    elif result.kind == "group":
        word = f"moved to group {result.target}" if result.target else "without group"
    else:
        word = DONE_WORDS.get(result.kind, "changed")
    text = f"{len(result.changed):,} {word}"
    if result.skipped:
        reasons = "; ".join(f"{len(ids):,} {reason}" for reason, ids in result.skipped.items())
        text += f", {result.skipped_count:,} skipped ({reasons})"
    if result.change_set_id is not None:
        text += " — z to undo"
    return text
