"""Managing people beyond adding them (issue 18.3): the overview the people screen
shows (open tasks per user and group), deleting a user or group nothing refers to,
merging a duplicate user into another, editing a group.

Deleting something that tasks, events or history refer to is refused with the
counts: deactivate a user instead. Merging moves the duplicate's tasks (assignee and
done by), responsibilities, memberships, routes and rules to the other user, with a
history entry per moved task; the duplicate stays, inactive, so that its history
entries and comments still name who really wrote them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import peewee as pw

from tasktui.db import lock_keys, write_transaction
from tasktui.errors import Invalid, Refused
from tasktui.limits import MAX_GROUP_DESCRIPTION, check_length
from tasktui.models import (
    OPEN,
    ChannelRoute,
    Comment,
    EscalationRule,
    Event,
    Group,
    IntakeSource,
    Membership,
    Task,
    TaskHistory,
    User,
)
from tasktui.services.audit import record
from tasktui.services.context import Actor
from tasktui.services.people import GROUP_RE, GroupInfo, _group_info, get_group, get_user
from tasktui.services.tasks.bulk_insert import CHUNK
from tasktui.services.tasks.change_sets import tuples_of
from tasktui.services.tasks.history import history, insert_history
from tasktui.text_safety import clean_text


@dataclass(frozen=True)
class UserRow:
    """A user as the people screen lists it."""

    login: str
    display_name: str
    email: str | None
    active: bool
    open_tasks: int
    groups: list[str]


@dataclass(frozen=True)
class GroupRow:
    """A group as the people screen lists it."""

    name: str
    description: str
    members: list[str]
    open_tasks: int


def _open_counts(column: pw.Field) -> dict[int, int]:
    query = Task.select(column, pw.fn.COUNT(Task.id)).where((Task.status == OPEN) & column.is_null(False))
    return dict(tuples_of(query.group_by(column)))


def user_rows() -> list[UserRow]:
    """Every user with the open tasks assigned directly and their groups, by login."""
    counts = _open_counts(Task.assignee)
    groups: dict[int, list[str]] = {}
    query = tuples_of(Membership.select(Membership.user, Group.name).join(Group).order_by(Group.name))
    for user_id, name in query:
        groups.setdefault(user_id, []).append(name)
    return [
        UserRow(u.login, u.display_name, u.email, bool(u.active), counts.get(u.id, 0), groups.get(u.id, []))
        for u in User.select().order_by(User.login)
    ]


def group_rows() -> list[GroupRow]:
    """Every group with its members and open tasks, by name."""
    counts = _open_counts(Task.group)
    members: dict[int, list[str]] = {}
    query = tuples_of(Membership.select(Membership.group, User.login).join(User).order_by(User.login))
    for group_id, login in query:
        members.setdefault(group_id, []).append(login)
    return [
        GroupRow(g.name, g.description, members.get(g.id, []), counts.get(g.id, 0))
        for g in Group.select().order_by(Group.name)
    ]


def _counted(counts: Iterable[tuple[int, str]]) -> str:
    return ", ".join(f"{n:,} {what}" for n, what in counts if n)


def user_references(user: User) -> list[tuple[int, str]]:
    """What refers to a user (count, what), for the refusal of a delete."""
    return [
        (Task.select().where(Task.assignee == user.id).count(), "tasks assigned"),
        (Task.select().where(Task.done_by == user.id).count(), "tasks done by them"),
        (Event.select().where(Event.responsible_user == user.id).count(), "events responsible"),
        (TaskHistory.select().where(TaskHistory.actor == user.id).count(), "history entries"),
        (Comment.select().where(Comment.author == user.id).count(), "comments"),
        (EscalationRule.select().where(EscalationRule.user == user.id).count(), "escalation rules"),
        (IntakeSource.select().where(IntakeSource.user == user.id).count(), "intake sources"),
    ]


def delete_user(login: str, *, actor: Actor | None = None) -> None:
    """Delete a user nothing refers to (a typo, a test login); refused with the counts
    otherwise: deactivate instead. Their settings, memberships and tokens go with them."""
    with write_transaction():
        user = get_user(login)
        if actor is not None and user.id == actor.user_id:
            raise Refused("you cannot delete yourself")
        used = _counted(user_references(user))
        if used:
            raise Refused(
                f"user {login!r} cannot be deleted: {used} refer to them; deactivate instead "
                f"(tasktui user edit {login} --inactive)"
            )
        user.delete_instance()
        record(actor, "user", login, "delete")


@dataclass(frozen=True)
class MergeResult:
    """What a merge moved."""

    source: str
    target: str
    tasks_assigned: int
    tasks_done_by: int
    events: int
    groups: int

    def summary(self) -> str:
        """One line for the CLI and the TUI."""
        return (
            f"merged {self.source} into {self.target}: {self.tasks_assigned:,} tasks assigned, "
            f"{self.tasks_done_by:,} done by, {self.events:,} events, {self.groups:,} groups moved; "
            f"{self.source} is inactive, its history stays under its name"
        )


def merge_user(source: str, target: str, *, actor: Actor) -> MergeResult:
    """Merge the duplicate user `source` into `target` (see the module docstring)."""
    if source == target:
        raise Invalid("a user cannot be merged into themselves")
    with write_transaction():
        old, new = get_user(source), get_user(target)
        if not new.active:
            raise Refused(f"user {target!r} is inactive: activate them before merging into them")
        assigned = [t for (t,) in tuples_of(Task.select(Task.id).where(Task.assignee == old.id))]
        done_by = [t for (t,) in tuples_of(Task.select(Task.id).where(Task.done_by == old.id))]
        for ids, column, name in ((assigned, Task.assignee, "assignee"), (done_by, Task.done_by, "done_by")):
            for start in range(0, len(ids), CHUNK):
                Task.update({column: new.id}).where(Task.id.in_(ids[start : start + CHUNK])).execute()
            insert_history([history(i, actor, "merged", name, old.login, new.login) for i in ids])
        events = Event.update(responsible_user=new.id).where(Event.responsible_user == old.id).execute()
        theirs = {g for (g,) in tuples_of(Membership.select(Membership.group).where(Membership.user == new.id))}
        moved_groups = [g for (g,) in tuples_of(Membership.select(Membership.group).where(Membership.user == old.id))]
        for group_id in moved_groups:
            if group_id not in theirs:
                Membership.insert(user=new.id, group=group_id).execute()
        Membership.delete().where(Membership.user == old.id).execute()
        EscalationRule.update(user=new.id).where(EscalationRule.user == old.id).execute()
        ChannelRoute.update(user=new.id).where(ChannelRoute.user == old.id).execute()
        IntakeSource.update(user=new.id).where(IntakeSource.user == old.id).execute()
        User.update(active=False).where(User.id == old.id).execute()
        record(actor, "user", old.login, "merge", "merged_into", old=None, new=new.login)
    return MergeResult(old.login, new.login, len(assigned), len(done_by), events, len(moved_groups))


def edit_group(
    name: str, new_name: str | None = None, description: str | None = None, *, actor: Actor | None = None
) -> GroupInfo:
    """Rename a group or change its description (tasks and events keep it: they refer
    to it by id); recorded in the audit log."""
    check_length(description, MAX_GROUP_DESCRIPTION, "a group description")
    with write_transaction():
        group = get_group(name)
        if new_name is not None and new_name.strip() != group.name:
            new_name = new_name.strip()
            if not GROUP_RE.match(new_name):
                raise Invalid(f"group name {new_name!r} must be 1-64 letters, digits, '_', '.' or '-'")
            lock_keys([f"group:{new_name}"])  # concurrent creators of one name take turns (PostgreSQL)
            if Group.select().where(Group.name == new_name).exists():
                raise Refused(f"group {new_name!r} already exists")
            record(actor, "group", group.name, "edit", "name", old=group.name, new=new_name)
            group.name = new_name
        if description is not None and clean_text(description).strip() != group.description:
            cleaned = clean_text(description).strip()
            record(actor, "group", group.name, "edit", "description", old=group.description, new=cleaned)
            group.description = cleaned
        group.save()
    return _group_info(group)


def group_references(group: Group) -> list[tuple[int, str]]:
    """What refers to a group (count, what), for the refusal of a delete."""
    return [
        (Task.select().where(Task.group == group.id).count(), "tasks"),
        (Event.select().where(Event.responsible_group == group.id).count(), "events responsible"),
        (EscalationRule.select().where(EscalationRule.group == group.id).count(), "escalation rules"),
    ]


def delete_group(name: str, *, actor: Actor | None = None) -> None:
    """Delete a group no task, event or escalation rule refers to (its memberships go
    with it); refused with the counts otherwise."""
    with write_transaction():
        group = get_group(name)
        used = _counted(group_references(group))
        if used:
            raise Refused(f"group {name!r} cannot be deleted: {used} refer to it")
        group.delete_instance()
        record(actor, "group", name, "delete")
