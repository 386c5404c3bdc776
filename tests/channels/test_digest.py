"""Digests: a channel set to `daily HH:MM` gets no message per task, but one message
a day listing the tasks raised since the last digest, grouped by event."""

from __future__ import annotations

import datetime as dt

from tasktui.models import NotifyChannel, OutboxMessage, Task
from tasktui.services.mail.channel_delivery import deliver_channels
from tasktui.services.mail.channels import add_channel, set_digest
from tasktui.services.mail.digest import latest_slot, run_digests
from tasktui.services.tasks.raising import raise_task


def test_latest_slot_is_the_last_local_time_passed():
    now = dt.datetime(2026, 3, 10, 12, 0)
    slot = latest_slot("08:00", now)
    local = slot.replace(tzinfo=dt.UTC).astimezone()
    assert (local.hour, local.minute) == (8, 0)
    assert now - dt.timedelta(days=1) < slot <= now


def test_a_digest_lists_the_new_tasks_by_event_once(team, receiver):
    add_channel("quiet", receiver.url("json", "/quiet"), store_in_db=True, groups=["ops"], users=["carol"],
                digest="daily 08:00")  # fmt: skip
    raise_task(team, "disk_full", "Disk /var full")
    raise_task(team, "disk_full", "Disk /tmp full")
    raise_task(team, "stock_diff", "Counts differ")
    assert OutboxMessage.select().count() == 0  # no message per task
    channel = NotifyChannel.get()
    last_task = Task.select().order_by(Task.id.desc()).get()
    slot = latest_slot("08:00", last_task.created_at + dt.timedelta(days=1))
    assert run_digests(now=slot - dt.timedelta(days=1, minutes=1)) == []  # no slot since the channel was made
    assert run_digests(now=slot + dt.timedelta(minutes=1)) == ["quiet"]
    assert run_digests(now=slot + dt.timedelta(minutes=2)) == []  # once per slot
    (row,) = OutboxMessage.select()
    assert row.reason == "digest" and row.recipient == "quiet"
    assert "3 new tasks" in row.subject
    assert "Disk full (disk_full) (2):" in row.body and "Stock difference (stock_diff) (1):" in row.body
    assert "Disk /tmp full" in row.body and "Counts differ" in row.body
    assert NotifyChannel.get_by_id(channel.id).digest_task_id == last_task.id
    deliver_channels(now=slot + dt.timedelta(minutes=3))
    (got,) = receiver.accepted("/quiet")
    assert "Disk /var full" in got.json()["message"]
    # the next day lists only what came since
    raise_task(team, "disk_full", "Disk /home full")
    Task.update(created_at=slot + dt.timedelta(hours=1)).where(
        Task.id == Task.select().order_by(Task.id.desc()).get().id
    ).execute()
    assert run_digests(now=slot + dt.timedelta(days=1, minutes=1)) == ["quiet"]
    latest = OutboxMessage.select().order_by(OutboxMessage.id.desc()).get()
    assert "1 new task" in latest.subject and "Disk /home full" in latest.body and "Disk /var full" not in latest.body


def test_a_quiet_day_sends_nothing_and_digest_off_goes_back_to_one_per_task(team, receiver):
    add_channel("quiet", receiver.url("json", "/quiet"), store_in_db=True, groups=["ops"], digest="daily 08:00")
    channel = NotifyChannel.get()
    assert run_digests(now=channel.created_at + dt.timedelta(days=1)) == ["quiet"]
    assert OutboxMessage.select().count() == 0
    set_digest("quiet", "off")
    raise_task(team, "disk_full", "Disk full")
    assert OutboxMessage.select().count() == 1
