"""Who acts: the `Actor` every service takes, and opening a session for it."""

from __future__ import annotations

from tasktui.db import is_read_only, lock_keys, write_transaction
from tasktui.errors import Invalid, NotFound
from tasktui.models import User, UserSetting
from tasktui.records import Record


class Actor(Record):
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


def _plain(login: str) -> bool:
    """True when a login can be shown as it is: printable ASCII, no space or quote."""
    return all(c.isascii() and c.isprintable() and not c.isspace() and c not in "'\\" for c in login)


def shown_login(login: str) -> str:
    """A login quoted for a message, every character but printable ASCII escaped
    (`\\u0430`, `\\x1b`), so a look-alike (`аnna` with a Cyrillic а) is visibly
    different from `anna` and no control sequence reaches the terminal. The escapes
    are those of a shell's `$'...'` quoting."""
    if _plain(login):
        return f"'{login}'"
    out = []
    for c in login:
        code = ord(c)
        if c.isascii() and c.isprintable() and c not in "'\\":
            out.append(c)
        else:
            out.append(f"\\x{code:02x}" if code < 0x80 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "'" + "".join(out) + "'"


def unknown_user_message(login: str, register_hint: bool = False) -> str:
    """The one line for a login no user has: it names `tasktui user add` (in a form a
    shell can paste, `$'...'` when the login needs escapes) and, for the acting user,
    `--register`."""
    shown = shown_login(login)
    if _plain(login):
        add = f"'tasktui user add {login}'"
    else:
        add = f'"tasktui user add ${shown}" (unusual characters shown escaped)'
    return f"unknown user {shown}: add it with {add}" + (" or pass --register" if register_hint else "")


def acting_user(
    login: str, os_login: str, lang: str | None = None, *, register: bool = False, how: str = "first use"
) -> Actor:
    """The Actor for `login`. Only the OS login is registered on its first use (or any
    login with `register`, which `--register` and `init` pass): an unknown `--user` /
    `TASKTUI_USER` is NotFound, so a typo or a look-alike never creates a user. A
    registration is recorded in the audit log as `how`. Without an explicit `lang`,
    the user's remembered language applies (default English)."""
    login = check_login(login)
    user = User.get_or_none(User.login == login)
    if user is None and is_read_only():
        # Read-only media: reading commands still work for someone never registered
        # here; id 0 is no row, so nothing is theirs, and a write is refused anyway.
        return Actor(user_id=0, login=login, os_login=os_login, lang=lang or "en")
    if user is None:
        if not register and login != os_login:
            raise NotFound(unknown_user_message(login, register_hint=True))
        from tasktui.services.audit import record  # only here: every command opens a session

        with write_transaction():  # another process may be adding it right now:
            lock_keys([f"user:{login}"])  # take turns with it (add_user's key; PostgreSQL)
            if not User.select().where(User.login == login).exists():
                created = User.create(login=login, display_name=login)
                record(Actor(created.id, login, os_login), "user", login, "register", new=how)
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
