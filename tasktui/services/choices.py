"""Light (value, label) lists for pickers: users, groups, attribute sets.

One query each, no per-row lookups, so a picker over thousands of users opens at
once. The value is what services take (login, group name, attribute set key)."""

from __future__ import annotations

from tasktui.models import AttributeSet, Group, User


def user_label(login: str, display_name: str) -> str:
    """"Display Name (login)", or just the login when both are the same."""
    return f"{display_name} ({login})" if display_name and display_name != login else login


def user_choices(include_inactive: bool = False) -> list[tuple[str, str]]:
    """(login, label) of the users, active ones only unless asked, sorted by login."""
    query = User.select(User.login, User.display_name).order_by(User.login)
    if not include_inactive:
        query = query.where(User.active == True)  # noqa: E712
    return [(login, user_label(login, name)) for login, name in query.tuples()]


def group_choices() -> list[tuple[str, str]]:
    """(name, label) of the groups, sorted by name; the label adds the description."""
    query = Group.select(Group.name, Group.description).order_by(Group.name)
    return [(name, f"{name} - {desc}" if desc else name) for name, desc in query.tuples()]


def attribute_set_choices() -> list[tuple[str, str]]:
    """(key, label) of the attribute sets, sorted by key."""
    query = AttributeSet.select(AttributeSet.key, AttributeSet.name).order_by(AttributeSet.key)
    return [(key, f"{name} ({key})" if name and name != key else key) for key, name in query.tuples()]
