"""Users, groups and memberships."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from tasktui.db import lock_keys, write_transaction
from tasktui.errors import Invalid, Refused
from tasktui.limits import MAX_DISPLAY_NAME, MAX_GROUP_DESCRIPTION, check_length
from tasktui.models import Group, Membership, User
from tasktui.services.audit import record, record_changes, summary
from tasktui.services.context import Actor, check_login
from tasktui.services.lookups import get_group, get_user
from tasktui.text_safety import clean_line, clean_text

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
GROUP_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class UserInfo:
    """A user as shown in listings."""

    id: int
    login: str
    display_name: str
    email: str | None
    active: bool
    groups: list[str]


@dataclass(frozen=True)
class GroupInfo:
    """A group with its members' logins."""

    id: int
    name: str
    description: str
    members: list[str]


def check_email(email: str | None) -> str | None:
    """An email address, or None for an empty one; Invalid when malformed."""
    if email is None or not email.strip():
        return None
    email = email.strip()
    if not EMAIL_RE.match(email) or not email.isprintable():  # no control, bidi or invisible character
        raise Invalid(f"email {email!r} is not a valid address")
    return email


def _user_info(user: User) -> UserInfo:
    groups = [
        g.name for g in Group.select(Group.name).join(Membership).where(Membership.user == user.id).order_by(Group.name)
    ]
    return UserInfo(user.id, user.login, user.display_name, user.email, user.active, groups)


def check_display_name(display_name: str | None) -> None:
    """A display name is one line (as a title: a newline is refused, not joined) of at
    most MAX_DISPLAY_NAME characters."""
    check_length(display_name, MAX_DISPLAY_NAME, "a display name")
    if display_name is not None and "\n" in display_name:
        raise Invalid("a display name must be one line")


def add_user(login: str, display_name: str = "", email: str | None = None, *, actor: Actor | None = None) -> UserInfo:
    """Register a user; a login already taken is refused. Recorded in the audit log."""
    login = check_login(login)
    email = check_email(email)
    check_display_name(display_name)
    with write_transaction():
        lock_keys([f"user:{login}"])  # concurrent creators of one name take turns (PostgreSQL)
        if User.select().where(User.login == login).exists():
            raise Refused(f"user {login!r} already exists")
        user = User.create(login=login, display_name=clean_line(display_name).strip() or login, email=email)
        record(actor, "user", login, "create", new=summary(_audited(user)))
    return _user_info(user)


def edit_user(
    login: str,
    display_name: str | None = None,
    email: str | None = None,
    active: bool | None = None,
    *,
    actor: Actor | None = None,
) -> UserInfo:
    """Change a user's display name, email (empty string clears it) or active flag;
    each changed field is recorded in the audit log."""
    check_display_name(display_name)
    with write_transaction():
        user = get_user(login)
        before = _audited(user)
        if display_name is not None:
            user.display_name = clean_line(display_name).strip() or user.login
        if email is not None:
            user.email = check_email(email)
        if active is not None:
            user.active = active
        user.save()
        record_changes(actor, "user", user.login, before, _audited(user))
    return _user_info(user)


def _audited(user: User) -> dict[str, object]:
    """The fields of a user the audit log follows."""
    return {"display_name": user.display_name, "email": user.email, "active": bool(user.active)}


def list_users(search: str = "", include_inactive: bool = True) -> list[UserInfo]:
    """Users sorted by login, optionally filtered by a substring of login or name."""
    query = User.select().order_by(User.login)
    if search:
        query = query.where(User.login.contains(search) | User.display_name.contains(search))
    if not include_inactive:
        query = query.where(User.active == True)  # noqa: E712
    return [_user_info(u) for u in query]


def _group_info(group: Group) -> GroupInfo:
    members = [
        u.login
        for u in User.select(User.login).join(Membership).where(Membership.group == group.id).order_by(User.login)
    ]
    return GroupInfo(group.id, group.name, group.description, members)


def add_group(name: str, description: str = "", *, actor: Actor | None = None) -> GroupInfo:
    """Create a group; names are letters, digits, `_ . -`, at most 64 characters."""
    name = name.strip()
    if not GROUP_RE.match(name):
        raise Invalid(
            f"group name {name!r} must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit"
        )
    check_length(description, MAX_GROUP_DESCRIPTION, "a group description")
    with write_transaction():
        lock_keys([f"group:{name}"])  # concurrent creators of one name take turns (PostgreSQL)
        if Group.select().where(Group.name == name).exists():
            raise Refused(f"group {name!r} already exists")
        group = Group.create(name=name, description=clean_text(description).strip())
        record(actor, "group", name, "create", new=summary({"description": group.description}))
    return _group_info(group)


def list_groups(search: str = "") -> list[GroupInfo]:
    """Groups sorted by name."""
    query = Group.select().order_by(Group.name)
    if search:
        query = query.where(Group.name.contains(search))
    return [_group_info(g) for g in query]


def add_member(group_name: str, login: str, *, actor: Actor | None = None) -> GroupInfo:
    """Add a user to a group (adding an existing member changes nothing, and records
    nothing in the audit log)."""
    with write_transaction():
        group = get_group(group_name)
        user = get_user(login)
        member = Membership.select().where((Membership.user == user.id) & (Membership.group == group.id)).exists()
        if not member:
            Membership.insert(user=user.id, group=group.id).execute()
            record(actor, "group", group.name, "add_member", "member", new=user.login)
    return _group_info(group)


def remove_member(group_name: str, login: str, *, actor: Actor | None = None) -> GroupInfo:
    """Remove a user from a group; refused when the user is not a member."""
    with write_transaction():
        group = get_group(group_name)
        user = get_user(login)
        deleted = Membership.delete().where((Membership.user == user.id) & (Membership.group == group.id)).execute()
        if not deleted:
            raise Refused(f"user {login!r} is not a member of group {group_name!r}")
        record(actor, "group", group.name, "remove_member", "member", old=user.login)
    return _group_info(group)


def user_label(login: str, display_name: str) -> str:
    """ "Display Name (login)", or just the login when both are the same."""
    return f"{display_name} ({login})" if display_name and display_name != login else login


def user_choices(include_inactive: bool = False) -> list[tuple[str, str]]:
    """(login, label) of the users, active ones only unless asked, sorted by login."""
    query = User.select(User.login, User.display_name).order_by(User.login)
    if not include_inactive:
        query = query.where(User.active == True)  # noqa: E712
    return [(login, user_label(login, name)) for login, name in cast("Iterable[tuple[str, str]]", query.tuples())]


def group_choices() -> list[tuple[str, str]]:
    """(name, label) of the groups, sorted by name; the label adds the description."""
    query = Group.select(Group.name, Group.description).order_by(Group.name)
    return [
        (name, f"{name} - {desc}" if desc else name) for name, desc in cast("Iterable[tuple[str, str]]", query.tuples())
    ]
