"""The lookups every hot command needs: an event, a user or a group by its name, the
groups of a user.

Kept apart from the event and people services (which re-export them) so that a
`tasktui raise` does not import those services, their audit log and their records
(issue 20: each module on that path is paid by every fresh process)."""

from __future__ import annotations

import peewee as pw

from tasktui.errors import NotFound
from tasktui.models import Event, Group, Membership, User
from tasktui.services.context import unknown_user_message


def get_event(identifier: str) -> Event:
    """The event with this identifier (or numeric id), or NotFound."""
    event = Event.get_or_none(Event.identifier == identifier)
    if event is None and identifier.isascii() and identifier.isdigit() and int(identifier) < 2**63:
        event = Event.get_or_none(Event.id == int(identifier))
    if event is None:
        raise NotFound(f"unknown event {identifier!r}")
    return event


def get_user(login: str) -> User:
    """The user with this login, or NotFound naming `tasktui user add` (a typo in an
    assignee never creates a user)."""
    user = User.get_or_none(User.login == login)
    if user is None:
        raise NotFound(unknown_user_message(login))
    return user


def get_group(name: str) -> Group:
    """The group with this name, or NotFound."""
    group = Group.get_or_none(Group.name == name)
    if group is None:
        raise NotFound(f"unknown group {name!r}")
    return group


def group_ids_of(user_id: int | None) -> pw.Select:
    """A subquery of the ids of the groups a user belongs to."""
    return Membership.select(Membership.group).where(Membership.user == user_id)
