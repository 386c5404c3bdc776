"""Seed a tasktui database with N realistic tasks, fast.

A few dozen users, five groups with members, a dozen events (like the shipped
catalogue) and N tasks spread over two years: most old tasks are done, newer ones are
more often open; about a quarter are unassigned. Tasks are written with Peewee
`insert_many` in large transactions (the full-text triggers fire, as in real use). No ANALYZE is run: query plans
are the ones a user's database gets.
The generator is seeded, so the same N gives the same database.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from pathlib import Path

from tasktui import db as dbmod
from tasktui.models import DONE, OPEN, Event, Group, Membership, Task, User

#: The acting user of the benchmark's `tasktui raise` calls (registered by the seed).
BENCH_USER = "bench"
#: The event the benchmark raises, and the user / group whose tasks it filters on.
RAISE_EVENT = "order_import_failed"
FOCUS_USER = "anna"
FOCUS_GROUP = "warehouse"

USERS = [
    "anna",
    "ben",
    "carla",
    "dmitri",
    "emre",
    "fatima",
    "georg",
    "hanna",
    "ivan",
    "julia",
    "kemal",
    "lena",
    "marco",
    "nora",
    "olaf",
    "petra",
    "quentin",
    "rosa",
    "stefan",
    "tina",
    "uwe",
    "vera",
    "willi",
    "xenia",
    "yusuf",
    "zoe",
    BENCH_USER,
]
GROUPS = {
    "warehouse": ["anna", "ben", "carla", "dmitri", "emre"],
    "finance": ["fatima", "georg", "hanna", "anna"],
    "support": ["ivan", "julia", "kemal", "lena"],
    "it": ["marco", "nora", "olaf"],
    "sales": ["petra", "quentin", "rosa", "stefan"],
}
# identifier, English name, plugin, responsible user, responsible group, weight, title template
EVENTS = [
    (
        "order_import_failed",
        "Order import failed",
        "sales_channels",
        "anna",
        "warehouse",
        30,
        "Order import failed for order #{n}",
    ),
    (
        "stock_diff",
        "Difference in stock",
        "warehouse",
        None,
        "warehouse",
        20,
        "Stock difference for SKU {sku}: counted {a}, expected {b}",
    ),
    (
        "insufficient_inventory_stock",
        "Insufficient inventory stock",
        "warehouse",
        "ben",
        None,
        10,
        "Insufficient stock for SKU {sku} ({a} left)",
    ),
    (
        "workflow_processes_execution",
        "Workflow process execution failed",
        "workflows",
        None,
        "it",
        12,
        "Workflow 'nightly-sync-{a}' failed with exit code {b}",
    ),
    (
        "offer_export_failed",
        "Offer export failed",
        "sales_channels",
        "petra",
        "sales",
        8,
        "Offer export to marketplace failed for offer {n}",
    ),
    (
        "return_import_failed",
        "Return import failed",
        "returns",
        None,
        "support",
        6,
        "Return #{n} could not be imported",
    ),
    (
        "refund_approval",
        "Refund needs approval",
        None,
        "fatima",
        "finance",
        5,
        "Refund of {a}.{b:02d} EUR for order #{n} needs approval",
    ),
    (
        "invoice_export_failed",
        "Invoice export failed",
        "accounting",
        "georg",
        "finance",
        4,
        "Invoice {n} was not exported to the ledger",
    ),
    ("price_update_failed", "Price update failed", "pim", None, None, 3, "Price update for SKU {sku} rejected"),
    (
        "customer_merge_conflict",
        "Customer merge conflict",
        "crm",
        "julia",
        "support",
        1,
        "Customers {n} and {a} look like duplicates",
    ),
    (
        "shipment_label_failed",
        "Shipment label failed",
        "shipping",
        None,
        "warehouse",
        1,
        "No shipping label for parcel {n}",
    ),
]
START = dt.datetime(2024, 1, 1)
SPAN_S = 2 * 365 * 24 * 3600
BATCH = 50_000
ROWS_PER_STATEMENT = 1_500  # 16 columns: stays under SQLite's 32766 variables


def _people() -> tuple[dict[str, int], dict[str, int]]:
    for login in USERS:
        User.insert(login=login, display_name=login.title()).on_conflict_ignore().execute()
    users = {u.login: u.id for u in User.select(User.id, User.login)}
    for name, members in GROUPS.items():
        Group.insert(name=name, description=f"The {name} team").on_conflict_ignore().execute()
        group_id = Group.get(Group.name == name).id
        for login in members:
            Membership.insert(user=users[login], group=group_id).on_conflict_ignore().execute()
    return users, {g.name: g.id for g in Group.select(Group.id, Group.name)}


def _events(
    users: dict[str, int], groups: dict[str, int]
) -> list[tuple[int, str | None, int | None, int | None, int, str]]:
    result = []
    for identifier, name, plugin, user, group, weight, template in EVENTS:
        Event.insert(
            identifier=identifier,
            name_en=name,
            plugin=plugin,
            responsible_user=users.get(user) if user else None,
            responsible_group=groups.get(group) if group else None,
        ).on_conflict_ignore().execute()
        event = Event.get(Event.identifier == identifier)
        result.append((event.id, plugin, event.responsible_user_id, event.responsible_group_id, weight, template))
    return result


def _task_rows(start: int, count: int, total: int, events, user_ids: list[int], rng: random.Random):
    weights = [e[4] for e in events]
    rows = []
    for i in range(start, start + count):
        event_id, plugin, resp_user, resp_group, _, template = rng.choices(events, weights)[0]
        age = i / max(total - 1, 1)  # 0: oldest, 1: newest
        created = START + dt.timedelta(seconds=int(age * SPAN_S) + rng.randrange(60))
        roll = rng.random()
        assignee = resp_user if roll < 0.55 else rng.choice(user_ids) if roll < 0.75 else None
        group = resp_group if rng.random() < 0.9 else None
        is_open = rng.random() < 0.03 + 0.5 * age**6
        n = rng.randrange(100_000, 999_999)
        title = template.format(
            n=n, sku=f"SKU-{rng.randrange(10_000):05d}", a=rng.randrange(1, 500), b=rng.randrange(100)
        )
        description = (
            f"{title}.\nSource run {rng.randrange(10**6)} on host ops-{rng.randrange(8)}.\nSee the log for details."
        )
        link = f"https://shop.example.com/admin/orders/{n}"
        done_at = None if is_open else created + dt.timedelta(hours=rng.randrange(1, 72))
        done_by = None if is_open else (assignee or rng.choice(user_ids))
        dedup_key = f"{n}-{i}" if rng.random() < 0.2 else None  # unique: one open task per key
        last_seen = str(created)
        rows.append(
            (
                last_seen,
                OPEN if is_open else DONE,
                title,
                description,
                link,
                event_id,
                plugin,
                assignee,
                group,
                None if done_at is None else str(done_at),
                done_by,
                dedup_key,
                1,
                last_seen,
                last_seen if done_at is None else str(done_at),
                _severity(n),
            )
        )
    return rows


def _severity(n: int) -> int:
    """A severity rank from the task's random number (the sequence of `rng` stays as it
    was): 2 % critical, 10 % high, 70 % normal, 18 % low."""
    slot = n % 50
    return 4 if slot == 0 else 3 if slot <= 5 else 2 if slot <= 40 else 1


TASK_FIELDS = [
    Task.created_at,
    Task.status,
    Task.title,
    Task.description,
    Task.link,
    Task.event,
    Task.plugin,
    Task.assignee,
    Task.group,
    Task.done_at,
    Task.done_by,
    Task.dedup_key,
    Task.occurrences,
    Task.last_seen_at,
    Task.updated_at,
    Task.severity,
]


def seeded_count(path: Path) -> int | None:
    """How many tasks an existing benchmark database holds (None: no usable file)."""
    if not path.exists():
        return None
    database = dbmod.open_database(path)
    try:
        return Task.select().count()
    finally:
        database.close()


def seed(path: Path, tasks: int, *, progress: bool = False, seed_value: int = 3) -> float:
    """Create the database at `path` with `tasks` tasks; returns the seconds it took."""
    started = time.perf_counter()
    database = dbmod.open_database(path)
    rng = random.Random(seed_value)
    try:
        with dbmod.write_transaction(database):
            users, groups = _people()
            events = _events(users, groups)
        user_ids = [uid for login, uid in users.items() if login != BENCH_USER]
        done = Task.select().count()
        while done < tasks:
            count = min(BATCH, tasks - done)
            rows = _task_rows(done, count, tasks, events, user_ids, rng)
            with dbmod.write_transaction(database):
                for offset in range(0, len(rows), ROWS_PER_STATEMENT):
                    Task.insert_many(rows[offset : offset + ROWS_PER_STATEMENT], fields=TASK_FIELDS).execute()
            done += count
            if progress:
                print(
                    f"seeded {done:,}/{tasks:,} tasks ({time.perf_counter() - started:.0f} s)",
                    flush=True,
                    file=sys.stderr,
                )
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        database.close()
    return time.perf_counter() - started
