"""Two databases with the same people, attributes and events: tasks are raised in
`source`, exported, and imported into `target` (a fresh database) or back."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from pathlib import Path

import pytest

from tasktui import db as dbmod
from tasktui.models import DONE, Task
from tasktui.services import people
from tasktui.services.attributes import definitions as attributes
from tasktui.services.attributes import sets as attribute_sets
from tasktui.services.context import Actor, acting_user
from tasktui.services.events import definitions as events
from tasktui.services.tasks.raising import raise_task
from tasktui.services.tasks.transitions import mark_done
from tests.conftest import Cli

BASE = dt.datetime(2024, 3, 1, 8, 0, 0)


@contextlib.contextmanager
def opened(path: Path):
    """The database at `path` bound to the models, and alice acting on it."""
    dbmod.open_database(path)
    try:
        yield acting_user("alice", "ops", register=True)
    finally:
        dbmod.close_database()


def build_world(path: Path) -> None:
    """Users bob (with an address) and carol, group warehouse (bob); typed
    attributes in set stock_set; event stock_diff (set, bob, warehouse) and plain."""
    with opened(path):
        people.add_user("bob", "Bob B", "bob@example.com")
        people.add_user("carol", "Carol C")
        people.add_group("warehouse")
        people.add_member("warehouse", "bob")
        attributes.create_attribute("qty", "Quantity", "integer", required=True)
        attributes.create_attribute("price", "Price", "decimal")
        attributes.create_attribute("ok", "Checked", "boolean", default="no")
        attributes.create_attribute("colour", "Colour", "choice", choices=["red", "green", "Light Blue"])
        attributes.create_attribute("site", "Site", "url")
        attributes.create_attribute("note", "Note", "text")
        attributes.create_attribute("due", "Due", "date")
        attributes.create_attribute("seen", "Seen at", "datetime")
        attribute_sets.create_attribute_set(
            "stock_set", "Stock checks", ["qty", "price", "ok", "colour", "site", "note", "due", "seen"]
        )
        events.create_event("stock_diff", "Difference in stock", responsible_user="bob",
                            responsible_group="warehouse", attribute_set="stock_set")  # fmt: skip
        events.create_event("plain", "No attributes", name_de="Ohne Attribute")


def raise_sample(actor: Actor) -> None:
    """Six tasks covering every kept field: typed values (a decimal too precise for
    a float, a datetime with an offset), multi-line text, links, a dedup count, done
    tasks, assignee and group as raised, explicit and empty."""
    raise_task(actor, "stock_diff", "SKU 1 differs", "counted 7\nexpected 9", "https://shop.example/sku/1",
               attributes={"qty": "7", "price": "12345678901234567890.5", "ok": "yes", "colour": "light blue",
                           "site": "HTTPS://wh.example/a", "note": " shelf 4 ", "due": "2024-05-01",
                           "seen": "2024-05-01T12:00+02:00"})  # fmt: skip
    raise_task(actor, "stock_diff", "SKU 2 differs", attributes={"qty": "-3", "price": "0.1"}, assignee="carol")
    for _ in range(3):
        raise_task(actor, "plain", "nightly sync failed", dedup_key="nightly")
    done = raise_task(actor, "plain", "refund 12.50", "Ticket 9", "T-9", group="warehouse")
    raise_task(actor, "plain", "unassigned one")
    mark_done(actor, [done.task_id])
    done_dedup = raise_task(actor, "plain", "old sync", dedup_key="old")
    mark_done(actor, [done_dedup.task_id])
    # Raised in one second; spread them over days, to the microsecond as raise stores them.
    for task in Task.select():
        created = BASE + dt.timedelta(days=task.id, microseconds=123456)
        done_at = created + dt.timedelta(hours=5) if task.status == DONE else None
        Task.update(created_at=created, last_seen_at=created + dt.timedelta(minutes=task.occurrences - 1),
                    done_at=done_at).where(Task.id == task.id).execute()  # fmt: skip


@pytest.fixture
def source(tmp_path: Path) -> Cli:
    """A database with the world and the sample tasks."""
    cli = Cli(tmp_path / "source.db")
    build_world(cli.db_path)
    with opened(cli.db_path) as actor:
        raise_sample(actor)
    return cli


@pytest.fixture
def target(tmp_path: Path) -> Cli:
    """A fresh database with the same world and no tasks."""
    cli = Cli(tmp_path / "target.db")
    build_world(cli.db_path)
    return cli


def export_json(cli: Cli, path: Path, *filters: str) -> list[dict]:
    """Export every task (or those matching `filters`) of `cli`'s database to `path`."""
    result = cli("export", str(path), "--format", "json", "--status", "all", *filters)
    assert result.exit_code == 0, result.stderr
    return json.loads(path.read_text())


def task_list(cli: Cli) -> list[dict]:
    """Every task as `task list --format json` shows it, oldest first."""
    result = cli("task", "list", "--status", "all", "--all", "--asc", "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def write_json(path: Path, data) -> Path:
    """`data` as a JSON file at `path`."""
    path.write_text(json.dumps(data), encoding="utf-8")
    return path
