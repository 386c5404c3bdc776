"""Who acts: the `Actor` every service takes, and opening a session for it."""

from __future__ import annotations

from dataclasses import dataclass



from tasktui.db import is_read_only, write_transaction
from tasktui.errors import Invalid
from tasktui.models import User, UserSetting


@dataclass(frozen=True)
class Actor:
    """The acting user (recorded in history), the OS login that ran the process, and
    the UI language names are shown in."""

    user_id: int
    login: str
    os_login: str
    lang: str = "en"


def check_login(login: str) -> str:
    """A login is non-empty, without spaces or control characters, at most 64 chars."""
    login = login.strip()
    if not login:
        raise Invalid("a login must not be empty")
    if len(login) > 64:
        raise Invalid(f"login {login[:20]!r}... is longer than 64 characters")
    if any(c.isspace() or not c.isprintable() for c in login):
        raise Invalid(f"login {login!r} must not contain spaces or control characters")
    return login


def acting_user(login: str, os_login: str, lang: str | None = None) -> Actor:
    """The Actor for `login`, registering the user on first use. Without an explicit
    `lang`, the user's remembered language applies (default English)."""
    login = check_login(login)
    user = User.get_or_none(User.login == login)
    if user is None and is_read_only():
        # Read-only media: reading commands still work for someone never registered
        # here; id 0 is no row, so nothing is theirs, and a write is refused anyway.
        return Actor(user_id=0, login=login, os_login=os_login, lang=lang or "en")
    if user is None:
        with write_transaction():
            User.insert(login=login, display_name=login).on_conflict_ignore().execute()
        user = User.get(User.login == login)
    if lang is None:
        row = UserSetting.get_or_none((UserSetting.user == user.id) & (UserSetting.key == "lang"))
        lang = row.value if row else "en"
    return Actor(user_id=user.id, login=user.login, os_login=os_login, lang=lang)


def get_setting(actor: Actor, key: str, default: str | None = None) -> str | None:
    """A remembered per-user preference."""
    row = UserSetting.get_or_none((UserSetting.user == actor.user_id) & (UserSetting.key == key))
    return row.value if row else default


def set_setting(actor: Actor, key: str, value: str) -> None:
    """Remember a per-user preference (upsert)."""
    with write_transaction():
        (
            UserSetting.insert(user=actor.user_id, key=key, value=value)
            .on_conflict(conflict_target=[UserSetting.user, UserSetting.key], update={UserSetting.value: value})
            .execute()
        )



