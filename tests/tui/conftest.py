"""TUI test fixtures: a seeded database with fixed timestamps, the app, settling.

Times are shown in the local zone, so the tests run with TZ=UTC; every timestamp of
the seeded data is fixed, and the acting user is always `alice`: snapshots are the
same on every machine and every day."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from tasktui.models import RelatedProcess, Task, TaskHistory
from tasktui.services import people
from tasktui.services.context import Actor, acting_user
from tasktui.services.events import definitions as events
from tasktui.services.tasks.detail import add_comment, add_dependency
from tasktui.services.tasks.raising import ProcessRef, raise_task
from tasktui.services.tasks.transitions import mark_done
from tasktui.tui.app import make_app

BASE = dt.datetime(2024, 3, 1, 8, 0, 0)

TITLES = [
    ("order_import_failed", "Order import failed for order #10042", "Channel Amazon DE returned HTTP 502\nRetry later"),
    ("stock_diff", "Stock difference for SKU A-1001: counted 7, expected 9", "Counted by the night shift"),
    ("order_import_failed", "Order import failed for order #10043", "Timeout after 30 s"),
    ("refund_approval", "Refund of 249.00 EUR for order #9001 needs approval", "Customer: Jane Roe"),
    ("stock_diff", "Stock difference for SKU B-2002: counted 0, expected 4", ""),
    ("order_import_failed", "Order import failed for order #10044", "Address line too long"),
    ("refund_approval", "Refund of 12.50 EUR for order #9002 needs approval", ""),
    ("stock_diff", "Stock difference for SKU C-3003: counted 11, expected 10", ""),
    ("order_import_failed", "Order import failed for order #10045", "Unknown payment method"),
    ("refund_approval", "Refund of 80.00 EUR for order #9003 needs approval", ""),
    ("stock_diff", "Stock difference for SKU D-4004: counted 2, expected 5", ""),
    ("order_import_failed", "Order import failed for order #10046", "Duplicate order number"),
]


#: "Now" for the tasks table's Age column: two days after the first seeded task.
FROZEN_NOW = BASE + dt.timedelta(days=2)


@pytest.fixture(autouse=True)
def frozen_age_clock(monkeypatch):
    """The Age column counts from a fixed "now", so snapshots do not age."""
    monkeypatch.setattr("tasktui.tui.widgets.task_columns.now", lambda: FROZEN_NOW)


@pytest.fixture(autouse=True)
def utc_timezone(monkeypatch):
    """Show times in UTC, whatever the machine's zone."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.delenv("TZ", raising=False)
    time.tzset()


def seed_tasks(actor: Actor) -> list[int]:
    """Users, a group, three events and twelve tasks with fixed times; task 2 is done,
    task 1 depends on task 3, task 1 has a comment and a related process."""
    for login, name in (("bob", "Bob Baker"), ("carol", "Carol Chen")):
        people.add_user(login, name)
    people.add_group("warehouse")
    people.add_member("warehouse", "alice")
    people.add_member("warehouse", "bob")
    people.add_group("finance")
    people.add_member("finance", "carol")
    events.create_event(
        "order_import_failed", "Order import failed", plugin="omni_channel", responsible_group="warehouse"
    )
    events.create_event("stock_diff", "Difference in stock", plugin="warehouse", responsible_user="bob")
    events.create_event(
        "refund_approval", "Refund needs approval", responsible_user="alice", responsible_group="finance"
    )
    ids = []
    for i, (event, title, description) in enumerate(TITLES):
        processes = [ProcessRef("run-7781", "cron", None, 3)] if i == 0 else []
        ids.append(
            raise_task(
                actor, event, title, description, link=f"https://shop.example/orders/{i + 1}", processes=processes
            ).task_id
        )
    raise_task(actor, "order_import_failed", TITLES[0][1], dedup_key="order-10042")
    raise_task(actor, "order_import_failed", TITLES[0][1], dedup_key="order-10042")
    mark_done(actor, [ids[1]])
    add_dependency(actor, ids[0], ids[2])
    add_comment(actor, ids[0], "Looked at it: the channel is down, waiting for the vendor.")
    _fix_times()
    return ids


def _fix_times() -> None:
    """Every timestamp of the seeded data becomes a fixed one."""
    for task in Task.select():
        created = BASE + dt.timedelta(hours=task.id)
        Task.update(
            created_at=created,
            last_seen_at=created,
            updated_at=created,
            done_at=(created + dt.timedelta(minutes=30)) if task.status == "done" else None,
        ).where(Task.id == task.id).execute()
    for entry in TaskHistory.select():
        TaskHistory.update(at=BASE + dt.timedelta(hours=entry.task_id, minutes=entry.id)).where(
            TaskHistory.id == entry.id
        ).execute()
    from tasktui.models import Comment

    Comment.update(at=BASE + dt.timedelta(days=1)).execute()
    RelatedProcess.update(started_at=BASE).execute()


@pytest.fixture
def seeded(database, actor) -> list[int]:
    """The ids of the seeded tasks (see `seed_tasks`)."""
    return seed_tasks(actor)


@pytest.fixture
def app(db_path, actor):
    """The app as users get it, acting as alice."""
    return make_app(db_path, acting_user("alice", "ops", register=True))


async def run_palette_command(pilot, text: str) -> None:
    """Open the command palette, type `text` and run the first command it offers."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*text)
    await pilot.pause(0.3)
    await pilot.press("enter")
    await pilot.pause(0.3)


async def settle(pilot, rounds: int = 3) -> None:
    """Wait until the workers finished and the screen caught up."""
    for _ in range(rounds):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
