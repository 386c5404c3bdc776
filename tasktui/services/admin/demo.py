"""Demo data: realistic users, groups, the shipped events and a few hundred tasks.

`load_demo` is idempotent: people and groups are added when missing, the shipped
event catalogue is registered (idempotent itself), and tasks are raised only when
no demo task exists yet. The generator is seeded, so every demo looks the same.

It is all or nothing: everything runs in one write transaction, so an error or an
interrupt half-way leaves nothing of the demo behind (people and events without
their tasks made a second run skip them and report "already loaded" wrongly).
One transaction is also much faster than one commit per task.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from tasktui.db import write_transaction
from tasktui.errors import NotFound
from tasktui.models import Event, Group, Membership, Task, TaskHistory, User, utcnow
from tasktui.services.audit import record, summary
from tasktui.services.context import Actor
from tasktui.services.events.definitions import create_event, edit_event
from tasktui.services.tasks.detail import add_comment, add_dependency
from tasktui.services.tasks.raising import ProcessRef, raise_task
from tasktui.services.tasks.transitions import assign, mark_done

#: The dedup-key prefix that marks demo tasks (and makes a second run a no-op).
DEMO_KEY = "demo-"

USERS = [
    ("anna", "Anna Schmidt", "anna@example.com"),
    ("ben", "Ben Okafor", "ben@example.com"),
    ("carla", "Carla Rossi", "carla@example.com"),
    ("dmitri", "Dmitri Volkov", "dmitri@example.com"),
    ("emre", "Emre Yilmaz", "emre@example.com"),
    ("fatima", "Fatima Haddad", "fatima@example.com"),
    ("georg", "Georg Weber", "georg@example.com"),
    ("hanna", "Hanna Berg", "hanna@example.com"),
]
GROUPS = {
    "warehouse": ("Stock counts and picking", ["anna", "ben", "carla"]),
    "sales": ("Sales channels and marketplaces", ["dmitri", "emre"]),
    "finance": ("Refunds and payments", ["fatima", "georg"]),
    "it": ("Workflows, mail and integrations", ["hanna", "dmitri"]),
}
# identifier, English name, German name, plugin, responsible user, responsible group, title templates
EVENTS = [
    (
        "workflow_processes_execution",
        "Workflow process execution failed",
        "Ausführung des Workflow-Prozesses fehlgeschlagen",
        "Workflows",
        None,
        "it",
        ["Workflow 'nightly-sync-{n}' failed with exit code {e}", "Workflow step 'export-invoices' failed ({n})"],
    ),
    (
        "stock_diff",
        "Difference in stock",
        "Bestandsdifferenz",
        "Warehouse",
        None,
        "warehouse",
        ["Stock difference for SKU {sku}: counted {a}, expected {b}"],
    ),
    (
        "insufficient_inventory_stock",
        "Insufficient inventory stock",
        "Unzureichender Lagerbestand",
        "Warehouse",
        "ben",
        None,
        ["Order #{n} cannot be reserved: SKU {sku} has {a} left"],
    ),
    (
        "channel_connection_failed",
        "Sales channel connection failed",
        "Verbindung zum Verkaufskanal fehlgeschlagen",
        "Omni-Channel",
        None,
        "sales",
        ["Connection to {channel} failed: HTTP 5{e:02d}"],
    ),
    (
        "orders_import_failed",
        "Order import failed",
        "Order Import fehlgeschlagen",
        "Omni-Channel",
        "dmitri",
        "sales",
        ["Order import failed for {channel} order #{n}"],
    ),
    (
        "offers_export_failed",
        "Offer export failed",
        "Angebotsexport fehlgeschlagen",
        "Omni-Channel",
        None,
        "sales",
        ["Offer {sku} could not be exported to {channel}"],
    ),
    (
        "returns_import_failed",
        "Return import failed",
        "Retourenimport fehlgeschlagen",
        "Omni-Channel",
        "emre",
        None,
        ["Return R-{n} from {channel} could not be imported"],
    ),
    (
        "order_manual_clearance",
        "Suspicious order needs manual clearance",
        "Verdächtige Bestellung manuell freigeben",
        "Order management",
        None,
        "finance",
        ["Order #{n} flagged by the fraud check (score {a})"],
    ),
    (
        "refund_approval",
        "Refund needs approval",
        "Erstattung muss freigegeben werden",
        "Order management",
        "fatima",
        "finance",
        ["Refund of {a}.{e:02d} EUR for order #{n} needs approval"],
    ),
    (
        "email_delivery_failed",
        "Email could not be delivered",
        "E-Mail konnte nicht zugestellt werden",
        "Email",
        None,
        "it",
        ["Mail to customer{n}@example.org bounced: mailbox full"],
    ),
]
CHANNELS = ["Amazon DE", "eBay", "Otto", "Zalando", "Shopify store"]
DESCRIPTIONS = [
    "The remote side answered with an error.\nThe run will be retried at the next schedule.",
    "Customer is waiting; please handle today.",
    "",
]
#: The description of a task raised with a related process (it names one).
PROCESS_DESCRIPTION = "Raised by the nightly job. See the related process for the exit code and the log tail."


@dataclass(frozen=True)
class DemoResult:
    """What `load_demo` added."""

    users: int
    groups: int
    events: int
    tasks: int

    def summary(self) -> str:
        """One line for the command line."""
        if not self.tasks:
            return "demo data is already loaded (nothing added)"
        tasks = f"{self.tasks} task{'s' if self.tasks != 1 else ''}"
        return f"demo data loaded: {tasks}, {self.events} events, {self.users} users, {self.groups} groups"


def _people(actor: Actor) -> tuple[int, int]:
    """The demo users and groups (those already there are kept); what is added is
    recorded in the audit log like any other change to people."""
    with write_transaction():
        users_before = User.select().count()
        groups_before = Group.select().count()
        for login, name, email in USERS:
            if not User.select().where(User.login == login).exists():
                User.create(login=login, display_name=name, email=email)
                record(
                    actor, "user", login, "create", new=summary({"display_name": name, "email": email, "active": True})
                )
        for name, (description, members) in GROUPS.items():
            group = Group.get_or_none(Group.name == name)
            if group is None:
                group = Group.create(name=name, description=description)
                record(actor, "group", name, "create", new=summary({"description": description}))
            for login in members:
                user_id = User.get(User.login == login).id
                if (
                    not Membership.select()
                    .where((Membership.user == user_id) & (Membership.group == group.id))
                    .exists()
                ):
                    Membership.insert(user=user_id, group=group.id).execute()
                    record(actor, "group", name, "add_member", "member", new=login)
        return User.select().count() - users_before, Group.select().count() - groups_before


def _events(actor: Actor) -> int:
    """The shipped catalogue (when available), with demo responsibilities set."""
    before = Event.select().count()
    try:
        from tasktui.services.events.manifests import register_catalogue
    except ImportError:
        pass
    else:
        register_catalogue(actor=actor)
    for identifier, name_en, name_de, plugin, user, group, _ in EVENTS:
        if Event.get_or_none(Event.identifier == identifier) is None:
            create_event(identifier, name_en, name_de, plugin, user, group, actor=actor)
        else:
            edit_event(identifier, responsible_user=user, responsible_group=group, actor=actor)
    return Event.select().count() - before


def _title(rng: random.Random, template: str) -> str:
    return template.format(
        n=rng.randint(10000, 99999),
        e=rng.randint(1, 99),
        a=rng.randint(0, 400),
        b=rng.randint(0, 400),
        sku=f"{rng.choice('ABCDEFGH')}-{rng.randint(1000, 9999)}",
        channel=rng.choice(CHANNELS),
    )


#: Called as progress(done, total) while the demo is built: `total` is the number of
#: tasks plus one step for finishing them (times, done, assignees, comments...).
Progress = Callable[[int, int], None]


def load_demo(actor: Actor, tasks: int = 300, seed: int = 7, progress: Progress | None = None) -> DemoResult:
    """Fill the database with demo data, in one transaction (see the module docstring)."""
    with write_transaction():
        return _load(actor, tasks, seed, progress or (lambda done, total: None))


def _load(actor: Actor, tasks: int, seed: int, progress: Progress) -> DemoResult:
    users, groups = _people(actor)
    events = _events(actor)
    if Task.select().where(Task.dedup_key.startswith(DEMO_KEY)).exists():
        return DemoResult(users, groups, events, 0)
    rng = random.Random(seed)
    triage_rng = random.Random(seed + 17)  # severities apart: the other draws stay as they were
    now = utcnow().replace(microsecond=0)
    created: list[tuple[int, dt.datetime]] = []
    for i in range(tasks):
        identifier, _, _, _, _, _, templates = rng.choices(EVENTS, weights=[5, 6, 3, 2, 8, 3, 3, 2, 3, 1])[0]
        link = f"https://shop.example/admin/{identifier.split('_')[0]}/{rng.randint(1000, 99999)}"
        processes = (
            [ProcessRef(f"run-{rng.randint(10000, 99999)}", "cron", None, rng.choice([1, 2, 124]))]
            if rng.random() < 0.3
            else []
        )
        result = raise_task(
            actor,
            identifier,
            _title(rng, rng.choice(templates)),
            PROCESS_DESCRIPTION if processes and rng.random() < 0.5 else rng.choice(DESCRIPTIONS),
            link,
            dedup_key=f"{DEMO_KEY}{i}",
            processes=processes,
            severity=triage_rng.choices([4, 3, 2, 1], weights=[1, 3, 10, 3])[0],
        )
        age = dt.timedelta(minutes=int((tasks - i) * 30 * 24 * 60 / tasks) + rng.randint(0, 20))
        created.append((result.task_id, now - age))
        progress(i + 1, tasks + 1)
    _finish(actor, rng, created)
    progress(tasks + 1, tasks + 1)
    return DemoResult(users, groups, events, tasks)


def _finish(actor: Actor, rng: random.Random, created: list[tuple[int, dt.datetime]]) -> None:
    """Spread creation times over the last 30 days, close most old tasks and some of
    the last days' (not the 20 newest), assign some, add comments, repeats and
    dependencies; the done tasks were done some time after they were raised."""
    with write_transaction():
        for task_id, at in created:
            Task.update(created_at=at, last_seen_at=at, updated_at=at).where(Task.id == task_id).execute()
            TaskHistory.update(at=at).where(TaskHistory.task == task_id).execute()
    ids = [task_id for task_id, _ in created]
    old = ids[: len(ids) * 2 // 3]
    done = [i for i in old if rng.random() < 0.8]
    done += [i for i in ids[len(old) : -20] if rng.random() < 0.4]  # the last days' too, but the newest
    if done:  # a tiny demo (-n 1) has no old task, and mark_done refuses an empty list
        mark_done(actor, done)
    for login in ("anna", "carla", "georg"):
        try:
            assign(actor, rng.sample(ids, min(len(ids), 12)), login)
        except NotFound:
            pass
    for task_id in rng.sample(ids, min(len(ids), 15)):
        add_comment(
            actor,
            task_id,
            rng.choice(["Looking into it.", "Vendor informed, waiting for an answer.", "Same as last week."]),
        )
    with write_transaction():
        for task_id in rng.sample(ids, min(len(ids), 20)):
            Task.update(occurrences=rng.randint(2, 9)).where(Task.id == task_id).execute()
    recent = ids[-40:]
    for a, b in zip(recent[::4], recent[1::4]):
        add_dependency(actor, b, a)
    _triage(actor, ids)
    _done_times(rng, dict(created), done)


def _done_times(rng: random.Random, created: dict[int, dt.datetime], done: list[int]) -> None:
    """Each done task done some minutes to days after it was raised (not all at the
    moment the demo was loaded), in the task and its history: the stats screen's time
    to done and the done column then look like a real team's."""
    now = utcnow().replace(microsecond=0)
    with write_transaction():
        for task_id in done:
            after = dt.timedelta(minutes=rng.choice([rng.randint(5, 90), rng.randint(60, 600), rng.randint(600, 4320)]))
            at = min(created[task_id] + after, now - dt.timedelta(minutes=1))
            Task.update(done_at=at, updated_at=at).where(Task.id == task_id).execute()
            TaskHistory.update(at=at).where((TaskHistory.task == task_id) & (TaskHistory.action == "done")).execute()


def _triage(actor: Actor, ids: list[int]) -> None:
    """Acknowledge a few of the newest open tasks (issue 17), so the demo shows who is on what."""
    from tasktui.models import OPEN
    from tasktui.services.tasks.transitions import acknowledge

    open_ids = [t.id for t in Task.select(Task.id).where(Task.id.in_(ids[-30:]) & (Task.status == OPEN))]
    if open_ids:
        acknowledge(actor, open_ids[-9::3])
