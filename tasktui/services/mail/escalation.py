"""Escalation of tasks nobody picked up: `escalate after 15m to GROUP [via CHANNEL]`.

A rule belongs to one event, or is the default for every event without rules of its
own; several rules make several steps (15m -> on-call group, 1h -> lead). Each step
sends one escalation per task: `run_escalations` (called by `notify`, every loop)
finds from the database alone the open tasks older than a step that this step has
not escalated yet, and in one write transaction records the escalation
(`escalation_sent`, unique per task and rule: a second `notify` process finds the
row, or fails its insert and writes nothing), a history entry (shown in the task's
detail) and the outbox rows. No timer per task: a restart loses nothing.

A rule reaches back only to tasks whose step falls due after the rule was made, so a
new rule does not flood the channel with every old open task.

"Picked up" is acknowledged or done (`_not_picked_up`, the one place that says so); a
snoozed task does not escalate while it sleeps, and once its snooze ran out it counts
as not picked up again (waking clears the acknowledgement), so it escalates when a
step is due. Each run first writes the wake-ups that are due (`triage_clock.wake_due`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import peewee as pw

from tasktui.db import write_transaction
from tasktui.errors import Invalid, NotFound
from tasktui.models import (
    OPEN,
    EmailSettings,
    EscalationRule,
    EscalationSent,
    Event,
    Group,
    Membership,
    NotifyChannel,
    OutboxMessage,
    Task,
    TaskHistory,
    User,
    utcnow,
)
from tasktui.services.audit import record
from tasktui.services.context import Actor
from tasktui.services.mail.channel_message import TaskFacts, escalation_message, format_minutes
from tasktui.services.mail.channels import ESCALATION, RouteTable, get_channel, load_routes, names_of, outbox_row
from tasktui.services.severity import name_of as severity_name

MAX_MINUTES = 30 * 1440
BATCH = 500
_AFTER_RE = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")


@dataclass(frozen=True)
class RuleInfo:
    """A rule as `notify escalation list` shows it."""

    id: int
    event: str  # an identifier, or "(default)"
    after: str
    after_minutes: int
    to: str  # "group ops" / "user bob"
    via: str | None


def parse_after(text: str) -> int:
    """`15m`, `1h`, `1h30m`, `2d` (or plain minutes) -> minutes, 1 to 30 days."""
    word = text.strip().lower()
    if word.isdigit():
        minutes = int(word)
    else:
        match = _AFTER_RE.match(word)
        if not word or match is None:
            raise Invalid(f"--after takes a time such as 15m, 1h, 1h30m or 2d, not {text!r}")
        days, hours, mins = (int(g) if g else 0 for g in match.groups())
        minutes = days * 1440 + hours * 60 + mins
    if not 1 <= minutes <= MAX_MINUTES:
        raise Invalid(f"--after must be between 1 minute and 30 days, not {text!r}")
    return minutes


def _info(rule: EscalationRule) -> RuleInfo:
    event = Event.get_by_id(rule.event_id).identifier if rule.event_id is not None else "(default)"
    to = (
        f"user {User.get_by_id(rule.user_id).login}" if rule.user_id else f"group {Group.get_by_id(rule.group_id).name}"
    )
    via = NotifyChannel.get_by_id(rule.channel_id).name if rule.channel_id else None
    return RuleInfo(rule.id, event, format_minutes(rule.after_minutes), rule.after_minutes, to, via)


def add_rule(
    after: str,
    *,
    event: str | None = None,
    user: str | None = None,
    group: str | None = None,
    via: str | None = None,
    actor: Actor | None = None,
) -> RuleInfo:
    """Add one escalation step (for `event`, or the default when None)."""
    from tasktui.services.events.definitions import get_event
    from tasktui.services.people import get_group, get_user

    minutes = parse_after(after)
    if (user is None) == (group is None):
        raise Invalid("escalate to exactly one of --to-user LOGIN or --to-group GROUP")
    with write_transaction():
        fields = {
            "event": get_event(event).id if event is not None else None,
            "after_minutes": minutes,
            "user": get_user(user).id if user is not None else None,
            "group": get_group(group).id if group is not None else None,
            "channel": get_channel(via).id if via is not None else None,
            "created_at": utcnow(),
        }
        rule = EscalationRule.create(**fields)
        info = _info(rule)
        record(actor, "escalation", str(rule.id), "create", "rule", None, _describe(info))
    return info


def _describe(info: RuleInfo) -> str:
    via = f" via {info.via}" if info.via else ""
    return f"{info.event}: after {info.after} to {info.to}{via}"


def list_rules() -> list[RuleInfo]:
    """Every rule: per event (the default last), then by time."""
    rules = list(EscalationRule.select().order_by(EscalationRule.event.is_null(), EscalationRule.event,
                                                  EscalationRule.after_minutes, EscalationRule.id))  # fmt: skip
    return [_info(r) for r in rules]


def remove_rule(rule_id: int, *, actor: Actor | None = None) -> RuleInfo:
    """Remove one rule (the escalations it sent stay in the tasks' history)."""
    with write_transaction():
        rule = EscalationRule.get_or_none(EscalationRule.id == rule_id)
        if rule is None:
            raise NotFound(f"unknown escalation rule {rule_id}")
        info = _info(rule)
        rule.delete_instance()
        record(actor, "escalation", str(rule_id), "delete", "rule", _describe(info), None)
    return info


# --------------------------------------------------------------------------- running


def _not_picked_up(now: dt.datetime) -> pw.Expression:
    """An open task nobody has picked up at `now`: not acknowledged, not asleep."""
    from tasktui.services.triage_clock import acknowledged_now, awake_now

    return (Task.status == OPEN) & ~acknowledged_now(now) & awake_now(now)


def _due_tasks(rule: EscalationRule, now: dt.datetime, events_with_rules: list[int]) -> list[Task]:
    after = dt.timedelta(minutes=rule.after_minutes)
    condition = (
        _not_picked_up(now)
        & (Task.created_at <= now - after)
        & (Task.created_at >= rule.created_at - after)
        & ~pw.fn.EXISTS(
            EscalationSent.select(EscalationSent.id).where(
                (EscalationSent.task == Task.id) & (EscalationSent.rule == rule.id)
            )
        )
    )
    if rule.event_id is not None:
        condition &= Task.event == rule.event_id
    elif events_with_rules:
        condition &= Task.event.not_in(events_with_rules)
    return list(Task.select().where(condition).order_by(Task.id).limit(BATCH))


def _target_users(rule: EscalationRule) -> list[User]:
    if rule.user_id is not None:
        return list(User.select().where(User.id == rule.user_id))
    return list(
        User.select()
        .join(Membership, on=(Membership.user == User.id))
        .where(Membership.group == rule.group_id)
        .order_by(User.login)
    )


def _email_rows(rule: EscalationRule, task: Task, subject: str, body: str, now: dt.datetime) -> list[dict]:
    """Email rows to the target's addresses, when email is configured."""
    settings = EmailSettings.get_or_none(EmailSettings.id == 1)
    if settings is None or not (settings.host and settings.from_address):
        return []
    rows, seen = [], set()
    for user in _target_users(rule):
        address = (user.email or "").strip()
        if not user.active or not address or address.lower() in seen:
            continue
        seen.add(address.lower())
        rows.append({"created_at": now, "task": task.id, "event": task.event_id, "user": user.id,
                     "recipient": address, "subject": subject, "body": body, "state": "pending", "attempts": 0,
                     "next_attempt_at": now, "kind": "email", "channel": None, "reason": ESCALATION,
                     "payload": None})  # fmt: skip
    return rows


def run_escalations(actor: Actor, now: dt.datetime | None = None) -> list[tuple[int, int]]:
    """Escalate every task due by some rule now, once per task and rule; returns the
    (task id, rule id) pairs escalated by this call."""
    now = now or utcnow()
    if not EscalationRule.select().exists():
        return []
    done: list[tuple[int, int]] = []
    with write_transaction():
        from tasktui.services.triage_clock import wake_due

        wake_due(actor, now)
        rules = list(EscalationRule.select().order_by(EscalationRule.after_minutes, EscalationRule.id))
        events_with_rules = sorted({r.event_id for r in rules if r.event_id is not None})
        routes = load_routes()
        for rule in rules:
            tasks = _due_tasks(rule, now, events_with_rules)
            if tasks:
                done += _escalate(rule, tasks, routes, actor, now)
    return done


def _escalate(
    rule: EscalationRule, tasks: list[Task], routes: RouteTable, actor: Actor, now: dt.datetime
) -> list[tuple[int, int]]:
    info = _info(rule)
    if rule.channel_id is not None:
        channel_ids = [rule.channel_id]
        names = {rule.channel_id: info.via or ""}
    else:
        if rule.user_id is not None:
            found = routes.by_user.get(rule.user_id, [])
        else:
            found = routes.by_group.get(rule.group_id, []) if rule.group_id is not None else []
        channel_ids, names = list(dict.fromkeys(found)), routes.names
    events = {e.id: e for e in Event.select().where(Event.id.in_(list({t.event_id for t in tasks})))}
    users, groups = names_of((t.assignee_id for t in tasks), (t.group_id for t in tasks))
    sent_rows, history_rows, outbox_rows = [], [], []
    for task in tasks:
        ev = events[task.event_id]
        facts = TaskFacts(task.id, task.title, task.description, task.link, ev.identifier, ev.name("en"),
                          users.get(task.assignee_id) if task.assignee_id else None,
                          groups.get(task.group_id) if task.group_id else None,
                          severity=severity_name(task.severity))  # fmt: skip
        text = escalation_message(facts, rule.after_minutes, info.to)
        rows = [outbox_row(c, names[c], text, task.id, task.event_id, ESCALATION, now) for c in channel_ids]
        rows += _email_rows(rule, task, text.subject, text.body, now)
        outbox_rows += rows
        addresses = [str(r["recipient"]) for r in rows if r["kind"] == "email"]
        reached = ", ".join([f"channel {names[c]}" for c in channel_ids] + addresses)
        new = f"after {info.after} to {info.to} ({reached or 'nobody reachable: no channel or email address'})"
        sent_rows.append({"task": task.id, "rule": rule.id, "at": now})
        history_rows.append({"task": task.id, "at": now, "actor": actor.user_id, "os_login": actor.os_login,
                             "action": "escalated", "field": "escalation", "old": None, "new": new})  # fmt: skip
    EscalationSent.insert_many(sent_rows).execute()  # the unique index: a second sender fails here, writes nothing
    TaskHistory.insert_many(history_rows).execute()
    for start in range(0, len(outbox_rows), 500):
        OutboxMessage.insert_many(outbox_rows[start : start + 500]).execute()
    return [(t.id, rule.id) for t in tasks]
