"""Digests for the quiet channels: `--digest daily 08:00` sends one message a day
listing the tasks raised since the last digest, grouped by event, instead of one
message per task.

`run_digests` (called by `notify`, every loop) works from the database alone: a
digest is due when the latest daily slot (local time of the machine running
`notify`) is later than the last digest sent (or than the channel's creation). One
write transaction per channel writes the outbox row and moves the channel's cursor
(`digest_task_id`, `digest_sent_at`) with a conditional UPDATE, so two `notify`
processes send each digest once. A day without new tasks sends nothing.
"""

from __future__ import annotations

import datetime as dt

import peewee as pw

from tasktui.db import write_transaction
from tasktui.models import ChannelRoute, Event, NotifyChannel, OutboxMessage, Task, utcnow
from tasktui.services.mail.channel_message import TaskFacts, digest_message
from tasktui.services.mail.channels import DIGEST, names_of, outbox_row
from tasktui.services.severity import name_of as severity_name

#: At most this many tasks are listed in one digest (the count says how many more).
LISTED_MAX = 200


def latest_slot(at: str, now: dt.datetime) -> dt.datetime:
    """The latest local `HH:MM` at or before `now` (naive UTC), as naive UTC."""
    hours, minutes = (int(p) for p in at.split(":"))
    local_now = now.replace(tzinfo=dt.UTC).astimezone()
    slot = local_now.replace(hour=hours, minute=minutes, second=0, microsecond=0)
    if slot > local_now:
        slot -= dt.timedelta(days=1)
    return slot.astimezone(dt.UTC).replace(tzinfo=None)


def _route_condition(channel_id: int) -> pw.Expression | None:
    users, groups, events = [], [], []
    for route in ChannelRoute.select().where(ChannelRoute.channel == channel_id):
        if route.user_id is not None:
            users.append(route.user_id)
        elif route.group_id is not None:
            groups.append(route.group_id)
        elif route.event_id is not None:
            events.append(route.event_id)
    parts = []
    if users:
        parts.append(Task.assignee.in_(users))
    if groups:
        parts.append(Task.group.in_(groups))
    if events:
        parts.append(Task.event.in_(events))
    if not parts:
        return None
    condition = parts[0]
    for part in parts[1:]:
        condition |= part
    return condition


def run_digests(now: dt.datetime | None = None) -> list[str]:
    """Write the digest of every channel whose slot is due; the channels' names."""
    now = now or utcnow()
    written: list[str] = []
    for channel in NotifyChannel.select().where(NotifyChannel.digest.is_null(False)).order_by(NotifyChannel.id):
        slot = latest_slot(channel.digest_at or "08:00", now)
        if slot <= (channel.digest_sent_at or channel.created_at):
            continue
        if _write_digest(channel.id, slot, now):
            written.append(channel.name)
    return written


def _write_digest(channel_id: int, slot: dt.datetime, now: dt.datetime) -> bool:
    with write_transaction():
        channel = NotifyChannel.get_or_none(NotifyChannel.id == channel_id)
        if channel is None or channel.digest is None:
            return False
        previous = channel.digest_sent_at or channel.created_at
        if slot <= previous:
            return False  # another sender wrote it first
        window = (Task.id > channel.digest_task_id) & (Task.created_at <= slot)
        cursor = Task.select(pw.fn.MAX(Task.id)).where(window).scalar() or channel.digest_task_id
        moved = (
            NotifyChannel.update(digest_sent_at=slot, digest_task_id=cursor)
            .where((NotifyChannel.id == channel.id) & (NotifyChannel.digest_task_id == channel.digest_task_id))
            .execute()
        )
        if not moved:
            return False
        routes = _route_condition(channel.id)
        if routes is None:
            return True
        matching = Task.select().where(window & routes)
        total = matching.count()
        if not total:
            return True
        tasks = list(matching.order_by(Task.id).limit(LISTED_MAX))
        events = {e.id: e for e in Event.select().where(Event.id.in_(list({t.event_id for t in tasks})))}
        users, groups = names_of((t.assignee_id for t in tasks), (t.group_id for t in tasks))
        grouped: dict[str, list[TaskFacts]] = {}
        for t in tasks:
            ev = events[t.event_id]
            facts = TaskFacts(t.id, t.title, t.description, t.link, ev.identifier, ev.name("en"),
                              users.get(t.assignee_id) if t.assignee_id else None,
                              groups.get(t.group_id) if t.group_id else None, t.status,
                              severity=severity_name(t.severity))  # fmt: skip
            grouped.setdefault(f"{ev.name('en')} ({ev.identifier})", []).append(facts)
        since = f"since {previous:%Y-%m-%d %H:%M} UTC"
        text = digest_message(channel.name, grouped, since, more=total - len(tasks))
        OutboxMessage.insert(outbox_row(channel.id, channel.name, text, None, None, DIGEST, now)).execute()
    return True
