"""The outbox: messages written with the task, claimed and delivered later. One
outbox for every carrier: a row's `kind` is email (delivered over SMTP by
`delivery.py`) or channel (chat and push, `channel_delivery.py`); both follow the
same claim, lease, backoff and exactly-once rules below.

Life of a message: `pending` -> (claimed) `sending` -> `sent`, or back to `pending`
with a later `next_attempt_at` after a temporary failure, or `failed` after a
permanent failure or `MAX_ATTEMPTS` attempts. A `sending` message whose claim is
older than the lease (its sender was killed) is claimed again, so nothing is lost.

The subject and body are rendered when the message is written (in the transaction
that creates the task), in the recipient's language: the email tells what the task
was when it was raised, and the sender needs no access to tasks or events.

Delivery guarantee: a message is claimed by one sender at a time (a conditional
UPDATE inside a write transaction), so two senders never send the same message.
The one unavoidable window: the SMTP server has accepted a message and the sender
dies before it records `sent`; after the lease that message is sent again
(at-least-once at that point). Every attempt carries the same Message-ID, so mail
clients and many servers recognise such a repeat as the same message.

This module is imported by `raise_task`: it must stay light (no smtplib, no email
package); the SMTP side is in `tasktui.services.mail.delivery`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

import peewee as pw

from tasktui.db import claim_rows, write_transaction
from tasktui.errors import Invalid, NotFound
from tasktui.models import EmailSettings, Event, Group, Membership, OutboxMessage, Task, User, UserSetting, utcnow
from tasktui.services.mail.headers import header_text

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
STATES = (PENDING, SENDING, SENT, FAILED)
#: What carries a message: email to an address, or a chat/push channel (`channels.py`).
EMAIL, CHANNEL = "email", "channel"
KINDS = (EMAIL, CHANNEL)
MAX_ATTEMPTS = 8
RETRY_BASE_S = 60
RETRY_CAP_S = 3600
LEASE_S = 300

_LABELS = {
    "en": {
        "intro": "A new task was raised for the event",
        "task": "Task",
        "severity": "Severity",
        "description": "Description",
        "link": "Link",
        "assignee": "Assignee",
        "group": "Group",
        "nobody": "unassigned",
        "none": "none",
        "open": "Open it with",
        "empty": "(no description)",
    },
    "de": {
        "intro": "Eine neue Aufgabe wurde für das Ereignis erstellt",
        "task": "Aufgabe",
        "severity": "Schweregrad",
        "description": "Beschreibung",
        "link": "Link",
        "assignee": "Zuständig",
        "group": "Gruppe",
        "nobody": "nicht zugewiesen",
        "none": "keine",
        "open": "Öffnen mit",
        "empty": "(keine Beschreibung)",
    },
}


@dataclass(frozen=True)
class Recipient:
    """Who gets an email about a new task."""

    user_id: int
    login: str
    email: str
    lang: str


@dataclass(frozen=True)
class RenderedMessage:
    """Subject and body of a notification."""

    subject: str
    body: str


@dataclass(frozen=True)
class ClaimedMessage:
    """A message a sender has claimed and may now send."""

    id: int
    recipient: str
    subject: str
    body: str
    attempts: int
    created_at: dt.datetime
    kind: str = EMAIL
    channel_id: int | None = None
    payload: str | None = None


@dataclass(frozen=True)
class OutboxEntry:
    """A message as `email outbox` and the settings screen list it."""

    id: int
    created_at: dt.datetime
    task_id: int | None
    recipient: str
    subject: str
    state: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_error: str | None
    server_reply: str | None
    sent_at: dt.datetime | None
    claimed_by: str | None
    kind: str = EMAIL
    reason: str = "raised"


# --------------------------------------------------------------------------- enqueue


def recipients_for(event: Event) -> list[Recipient]:
    """The event's responsible user and the members of its responsible group that are
    active and have an email address; each address once (first come, user first)."""
    users: list[User] = []
    if event.responsible_user_id is not None:
        users += list(User.select().where(User.id == event.responsible_user_id))
    if event.responsible_group_id is not None:
        users += list(
            User.select()
            .join(Membership, on=(Membership.user == User.id))
            .where(Membership.group == event.responsible_group_id)
            .order_by(User.login)
        )
    seen: set[str] = set()
    chosen: list[User] = []
    for user in users:
        if not user.active or not (user.email or "").strip():
            continue
        address = (user.email or "").strip()
        if address.lower() in seen:
            continue
        seen.add(address.lower())
        chosen.append(user)
    if not chosen:
        return []
    langs = {
        row.user_id: row.value
        for row in UserSetting.select().where(
            (UserSetting.key == "lang") & UserSetting.user.in_([u.id for u in chosen])
        )
    }
    return [Recipient(u.id, u.login, (u.email or "").strip(), langs.get(u.id, "en")) for u in chosen]


def render_message(task: Task, event: Event, lang: str, assignee: str | None, group: str | None) -> RenderedMessage:
    """The notification for a new task in `lang` (English for an unknown language)."""
    from tasktui.services.severity import name_of as severity_name

    labels = _LABELS.get(lang, _LABELS["en"])
    event_name = event.name(lang)
    severity = severity_name(task.severity)
    if event.subject_template or event.body_template:
        templated = _templated(task, event, event_name, severity, assignee, group)
    else:
        templated = None
    description = (task.description or "").rstrip() or labels["empty"]
    indented = "\n".join("  " + line if line else "" for line in description.splitlines())
    lines = [
        f'{labels["intro"]} "{event_name}" ({event.identifier}).',
        "",
        f"{labels['task']} #{task.id}: {task.title}",
        f"{labels['severity']}: {severity}",
        "",
        f"{labels['description']}:",
        indented,
        "",
        f"{labels['link']}: {task.link or labels['none']}",
        f"{labels['assignee']}: {assignee or labels['nobody']}",
        f"{labels['group']}: {group or labels['none']}",
        "",
        f"{labels['open']}:",
        f"  tasktui task show {task.id}",
        "",
    ]
    # one line, whatever the title holds: a CR or LF in a header would be refused
    # when the message is built (or end the header), and the outbox lists it on one row
    prefix = f"[{severity}]" if severity in ("critical", "high") else "[tasktui]"
    subject = header_text(f"{prefix} {event_name}: {task.title}")
    body = "\n".join(lines)
    if templated is not None:  # the event's own text, where it has one
        subject = header_text(templated.subject) if event.subject_template else subject
        body = templated.body if event.body_template else body
    return RenderedMessage(subject=subject, body=body)


def _templated(
    task: Task, event: Event, event_name: str, severity: str, assignee: str | None, group: str | None
) -> RenderedMessage:
    """Subject and body from the event's templates (each empty when it has none)."""
    from tasktui.services.mail.channel_message import TaskFacts, template_values
    from tasktui.services.message_template import render_body, render_subject

    facts = TaskFacts(task.id, task.title, task.description or "", task.link or "", event.identifier, event_name,
                      assignee, group, severity=severity)  # fmt: skip
    return RenderedMessage(
        render_subject(event.subject_template, template_values(facts, False)) if event.subject_template else "",
        render_body(event.body_template, template_values(facts, True)) if event.body_template else "",
    )


def enqueue_for_new_task(task: Task, event: Event) -> int:
    """Write one outbox message per recipient of a newly created task; returns how
    many. Call it inside the transaction that creates the task. Nothing is written
    when email is not configured (no host or From address) or the event does not send."""
    row = EmailSettings.get_or_none(EmailSettings.id == 1)
    if row is None:  # never configured: nothing to send (and no import on every raise)
        return 0
    from tasktui.services.mail.settings import _from_row, event_sends

    settings = _from_row(row)
    if not settings.configured or not event_sends(event.id, settings):
        return 0
    recipients = recipients_for(event)
    if not recipients:
        return 0
    assignee = None
    if task.assignee_id is not None:
        user = User.get_by_id(task.assignee_id)
        assignee = user.login if user.label == user.login else f"{user.label} ({user.login})"
    group = Group.get_by_id(task.group_id).name if task.group_id is not None else None
    now = utcnow()
    rows = []
    for r in recipients:
        message = render_message(task, event, r.lang, assignee, group)
        rows.append(
            {
                "created_at": now,
                "task": task.id,
                "event": event.id,
                "user": r.user_id,
                "recipient": r.email,
                "subject": message.subject,
                "body": message.body,
                "state": PENDING,
                "attempts": 0,
                "next_attempt_at": now,
            }
        )
    OutboxMessage.insert_many(rows).execute()
    return len(rows)


# --------------------------------------------------------------------------- claims


def retry_delay(attempts: int) -> dt.timedelta:
    """How long to wait after the `attempts`-th failed attempt: 1, 2, 4... minutes,
    at most an hour."""
    return dt.timedelta(seconds=min(RETRY_BASE_S * 2 ** max(attempts - 1, 0), RETRY_CAP_S))


def _claimable(now: dt.datetime, lease_s: float, kinds: Iterable[str] | None = None) -> pw.Expression:
    stale = now - dt.timedelta(seconds=lease_s)
    due = ((OutboxMessage.state == PENDING) & (OutboxMessage.next_attempt_at <= now)) | (
        (OutboxMessage.state == SENDING) & (OutboxMessage.claimed_at < stale)
    )
    if kinds is not None:
        due = (OutboxMessage.kind.in_(list(kinds))) & due
    return due


def claim_next(
    sender_id: str, now: dt.datetime | None = None, lease_s: float = LEASE_S, kinds: Iterable[str] | None = (EMAIL,)
) -> ClaimedMessage | None:
    """Claim the oldest due message of `kinds` (default: email; None: any) for
    `sender_id` (pending and due, or `sending` with an expired lease), counting the
    attempt. None when nothing is due. The candidates are read with `claim_rows`
    (on a server, FOR UPDATE SKIP LOCKED: another sender skips them) and the UPDATE
    repeats the condition, so of two senders only one wins a message."""
    now = now or utcnow()
    wanted = list(kinds) if kinds is not None else None
    with write_transaction():
        for candidate in claim_rows(
            OutboxMessage.select(OutboxMessage.id)
            .where(_claimable(now, lease_s, wanted))
            .order_by(OutboxMessage.id)
            .limit(5)
        ):
            won = (
                OutboxMessage.update(
                    state=SENDING, claimed_by=sender_id, claimed_at=now, attempts=OutboxMessage.attempts + 1
                )
                .where((OutboxMessage.id == candidate.id) & _claimable(now, lease_s, wanted))
                .execute()
            )
            if won:
                m = OutboxMessage.get_by_id(candidate.id)
                return ClaimedMessage(
                    m.id, m.recipient, m.subject, m.body, m.attempts, m.created_at, m.kind, m.channel_id, m.payload
                )
    return None


def _own(message_id: int, sender_id: str) -> pw.Expression:
    return (OutboxMessage.id == message_id) & (OutboxMessage.state == SENDING) & (OutboxMessage.claimed_by == sender_id)


def mark_sent(message_id: int, sender_id: str, reply: str, now: dt.datetime | None = None) -> bool:
    """Record that the server accepted the message; False if the claim was lost."""
    with write_transaction():
        changed = (
            OutboxMessage.update(state=SENT, sent_at=now or utcnow(), server_reply=reply[:500], last_error=None)
            .where(_own(message_id, sender_id))
            .execute()
        )
    return bool(changed)


def mark_attempt_failed(
    message_id: int, sender_id: str, error: str, permanent: bool, now: dt.datetime | None = None
) -> str:
    """Record a failed attempt: `failed` when permanent or out of attempts, otherwise
    `pending` again after `retry_delay`. Returns the new state ('' if the claim was lost)."""
    now = now or utcnow()
    with write_transaction():
        message = OutboxMessage.get_or_none(_own(message_id, sender_id))
        if message is None:
            return ""
        if permanent or message.attempts >= MAX_ATTEMPTS:
            state, next_at = FAILED, message.next_attempt_at
        else:
            state, next_at = PENDING, now + retry_delay(message.attempts)
        OutboxMessage.update(state=state, next_attempt_at=next_at, last_error=error[:1000], claimed_at=None).where(
            _own(message_id, sender_id)
        ).execute()
    return state


# --------------------------------------------------------------------------- listing


def _entry(m: OutboxMessage) -> OutboxEntry:
    return OutboxEntry(
        id=m.id,
        created_at=m.created_at,
        task_id=m.task_id,
        recipient=m.recipient,
        subject=m.subject,
        state=m.state,
        attempts=m.attempts,
        next_attempt_at=m.next_attempt_at if m.state == PENDING else None,
        last_error=m.last_error,
        server_reply=m.server_reply,
        sent_at=m.sent_at,
        claimed_by=m.claimed_by,
        kind=m.kind,
        reason=m.reason,
    )


def list_outbox(
    states: Iterable[str] = (), task_id: int | None = None, limit: int = 100, kind: str | None = None
) -> list[OutboxEntry]:
    """Outbox messages, newest first, optionally only in some states, of one task, or
    of one kind (email or channel)."""
    wanted = list(states)
    for state in wanted:
        if state not in STATES:
            raise Invalid(f"unknown outbox state {state!r}: use one of {', '.join(STATES)}")
    if kind is not None and kind not in KINDS:
        raise Invalid(f"unknown outbox kind {kind!r}: use one of {', '.join(KINDS)}")
    query = OutboxMessage.select().order_by(OutboxMessage.id.desc()).limit(limit)
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    if wanted:
        query = query.where(OutboxMessage.state.in_(wanted))
    if task_id is not None:
        query = query.where(OutboxMessage.task == task_id)
    return [_entry(m) for m in query]


def get_message(message_id: int) -> OutboxMessage:
    """One outbox message (with its body), or NotFound."""
    message = OutboxMessage.get_or_none(OutboxMessage.id == message_id)
    if message is None:
        raise NotFound(f"unknown outbox message {message_id}")
    return message


def outbox_counts() -> dict[str, int]:
    """How many messages are in each state."""
    counts = dict.fromkeys(STATES, 0)
    query = OutboxMessage.select(OutboxMessage.state, pw.fn.COUNT(OutboxMessage.id)).group_by(OutboxMessage.state)
    for state, count in cast("Iterable[tuple[str, int]]", query.tuples()):
        counts[state] = count
    return counts


def requeue(ids: Iterable[int] = (), all_failed: bool = False) -> int:
    """Make failed (or waiting) messages due now with a fresh count of attempts;
    returns how many. Sent messages and messages being sent are never touched."""
    wanted = [int(i) for i in ids]
    if not wanted and not all_failed:
        raise Invalid("name message ids or use --all-failed")
    with write_transaction():
        if wanted:
            found = {m.id for m in OutboxMessage.select(OutboxMessage.id).where(OutboxMessage.id.in_(wanted))}
            missing = [i for i in wanted if i not in found]
            if missing:
                raise NotFound(f"unknown outbox message {missing[0]}: nothing was changed")
        condition = OutboxMessage.state.in_([FAILED, PENDING])
        if wanted:
            condition &= OutboxMessage.id.in_(wanted)
        elif all_failed:
            condition &= OutboxMessage.state == FAILED
        return (
            OutboxMessage.update(state=PENDING, attempts=0, next_attempt_at=utcnow(), claimed_by=None, claimed_at=None)
            .where(condition)
            .execute()
        )


def has_due(now: dt.datetime | None = None, lease_s: float = LEASE_S, kinds: Iterable[str] | None = (EMAIL,)) -> bool:
    """Whether any message of `kinds` (default: email; None: any) is due now."""
    return OutboxMessage.select().where(_claimable(now or utcnow(), lease_s, kinds)).exists()
