"""The text a chat or push channel receives: one subject and body, the same for every
channel, and the JSON a plain webhook receives.

Task text is hostile (scripts and webhooks write it): every field passes through
`tasktui.text_safety` here, so escape sequences, control characters and bidi
overrides never reach a chat client or a phone. A subject is one line.

Severity: the subject of a critical or high task begins with it (`[critical] Disk
full: /var on db1`), the body has a `Severity: high` line, the JSON a `severity` field.
An event's own templates (`services.message_template`) replace the subject and body of its
tasks' raised messages; without one, the default text below.

Light on purpose (json, text_safety): it runs inside `tasktui raise`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tasktui.text_safety import clean_line, clean_text, strip_unsafe

#: Webhook JSON shape version (documented in the README).
PAYLOAD_VERSION = 1
TITLE_MAX = 250
BODY_MAX = 4000
#: The levels a subject begins with (`[critical] ...`); the others begin `[tasktui]`.
LOUD = ("critical", "high")
#: The order of the levels, most severe first (a digest's top-level severity is its highest).
LEVELS = ("critical", "high", "normal", "low")


@dataclass(frozen=True)
class TaskFacts:
    """What a channel message says about a task (plain values, read in the writer)."""

    task_id: int
    title: str
    description: str
    link: str
    event_identifier: str
    event_name: str
    assignee: str | None
    group: str | None
    status: str = "open"
    #: critical, high, normal or low (`services.severity.name_of`).
    severity: str = "normal"


@dataclass(frozen=True)
class ChannelText:
    """Subject, body and webhook JSON of one channel message."""

    subject: str
    body: str
    payload: str


def one_line(value: str | None, limit: int = TITLE_MAX) -> str:
    """`value` safe for one line of a chat message: no control or bidi characters,
    white space folded, at most `limit` characters (… when cut)."""
    text = " ".join(strip_unsafe(clean_line(value)).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def safe_text(value: str | None, limit: int = BODY_MAX) -> str:
    """Multi-line text safe for a chat message: newlines kept, every other control and
    bidi character removed, at most `limit` characters."""
    lines = [strip_unsafe(line) for line in clean_text(value).replace("\t", " ").split("\n")]
    text = "\n".join(lines).strip("\n")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def severity_of(facts: TaskFacts) -> str:
    """The task's severity as a known level (anything else reads as normal)."""
    return facts.severity if facts.severity in LEVELS else "normal"


def subject_prefix(facts: TaskFacts) -> str:
    """`[critical]` or `[high]` for a loud task, `[tasktui]` for the others."""
    level = severity_of(facts)
    return f"[{level}]" if level in LOUD else "[tasktui]"


def _facts_json(facts: TaskFacts) -> dict[str, Any]:
    return {
        "id": facts.task_id,
        "title": one_line(facts.title),
        "severity": severity_of(facts),
        "event": one_line(facts.event_identifier),
        "event_name": one_line(facts.event_name),
        "status": facts.status,
        "link": one_line(facts.link, 2000),
        "assignee": one_line(facts.assignee) if facts.assignee else None,
        "group": one_line(facts.group) if facts.group else None,
        "show": f"tasktui task show {facts.task_id}",
    }


def _payload(kind: str, subject: str, body: str, tasks: list[dict[str, Any]], extra: dict[str, Any]) -> str:
    return json.dumps(
        {"version": PAYLOAD_VERSION, "source": "tasktui", "kind": kind, "title": subject, "message": body,
         "tasks": tasks, **extra},
        ensure_ascii=False,
    )  # fmt: skip


def task_lines(facts: TaskFacts) -> list[str]:
    """The lines describing a task (after the first line of a message)."""
    description = safe_text(facts.description, 1000) or "(no description)"
    return [
        f"Task #{facts.task_id}: {one_line(facts.title)}",
        f"Severity: {severity_of(facts)}",
        f"Event: {one_line(facts.event_name)} ({one_line(facts.event_identifier)})",
        f"Link: {one_line(facts.link, 2000) or 'none'}",
        f"Assignee: {one_line(facts.assignee) if facts.assignee else 'unassigned'}",
        f"Group: {one_line(facts.group) if facts.group else 'none'}",
        "",
        description,
        "",
        f"Open it with: tasktui task show {facts.task_id}",
    ]


def template_values(facts: TaskFacts, multi_line: bool) -> dict[str, str]:
    """The placeholder values of a task for an event's templates
    (`services.message_template`), each cleaned; the description keeps its newlines
    only where `multi_line` (a body)."""
    description = safe_text(facts.description, 1000) if multi_line else one_line(facts.description, 200)
    return {
        "title": one_line(facts.title),
        "event": one_line(facts.event_identifier),
        "event_name": one_line(facts.event_name),
        "severity": severity_of(facts),
        "link": one_line(facts.link, 2000) or "none",
        "assignee": one_line(facts.assignee) if facts.assignee else "unassigned",
        "group": one_line(facts.group) if facts.group else "none",
        "task_id": str(facts.task_id),
        "description": description or "(no description)",
        "show_hint": f"tasktui task show {facts.task_id}",
    }


def raised_message(facts: TaskFacts, templates: tuple[str | None, str | None] = (None, None)) -> ChannelText:
    """The message for a newly raised task; `templates` (subject, body) are the
    event's own (`services.message_template`), each None for the default text."""
    subject_template, body_template = templates
    if subject_template:
        from tasktui.services.message_template import render_subject

        subject = render_subject(subject_template, template_values(facts, multi_line=False))
    else:
        subject = one_line(f"{subject_prefix(facts)} {one_line(facts.event_name)}: {one_line(facts.title)}")
    if body_template:
        from tasktui.services.message_template import render_body

        body = render_body(body_template, template_values(facts, multi_line=True))
    else:
        body = "\n".join(["A new task was raised.", "", *task_lines(facts)])
    extra = {"severity": severity_of(facts)}
    return ChannelText(subject, body, _payload("raised", subject, body, [_facts_json(facts)], extra))


def escalation_message(facts: TaskFacts, after_minutes: int, target: str) -> ChannelText:
    """The message escalating a task nobody finished within `after_minutes`."""
    waited = format_minutes(after_minutes)
    prefix = subject_prefix(facts)
    subject = one_line(f"{prefix} ESCALATED after {waited}: {one_line(facts.event_name)}: {one_line(facts.title)}")
    body = "\n".join([f"Still open after {waited}; escalated to {one_line(target)}.", "", *task_lines(facts)])
    extra = {"severity": severity_of(facts), "escalation": {"after_minutes": after_minutes, "to": one_line(target)}}
    return ChannelText(subject, body, _payload("escalation", subject, body, [_facts_json(facts)], extra))


def digest_message(channel: str, groups: dict[str, list[TaskFacts]], since_label: str, more: int = 0) -> ChannelText:
    """One message listing tasks grouped by event (`groups`: event label -> tasks);
    `more` tasks matched beyond those listed."""
    count = sum(len(tasks) for tasks in groups.values()) + more
    listed = [severity_of(f) for tasks in groups.values() for f in tasks]
    loud = ", ".join(f"{listed.count(level)} {level}" for level in LOUD if level in listed)
    subject = one_line(
        f"[tasktui] digest for {channel}: {count} new task{'s' if count != 1 else ''}" + (f" ({loud})" if loud else "")
    )
    lines = [f"{count} task{'s' if count != 1 else ''} raised {since_label}.", ""]
    for event_name in sorted(groups):
        tasks = groups[event_name]
        lines.append(f"{one_line(event_name)} ({len(tasks)}):")
        for facts in tasks:
            lines.append(f"  #{facts.task_id} [{severity_of(facts)}] {one_line(facts.title, 120)}")
        lines.append("")
    if more:
        lines += [f"… and {more} more (tasktui task list).", ""]
    lines.append("Open one with: tasktui task show ID")
    body = "\n".join(lines)
    tasks_json = [_facts_json(f) for tasks in groups.values() for f in tasks]
    highest = next((level for level in LEVELS if level in listed), "normal")
    return ChannelText(subject, body, _payload("digest", subject, body, tasks_json, {"severity": highest}))


def channel_test_message(channel: str) -> ChannelText:
    """The message of `notify channel test`."""
    subject = "[tasktui] test message"
    body = f"This is a test message from tasktui for the channel {one_line(channel)}."
    return ChannelText(subject, body, _payload("test", subject, body, [], {}))


def format_minutes(minutes: int) -> str:
    """15 -> "15m", 60 -> "1h", 90 -> "1h30m", 1440 -> "1d"."""
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{mins}m" if mins else ""]
    return "".join(parts) or "0m"
