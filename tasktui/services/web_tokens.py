"""Login tokens of browser mode (`tasktui web`): who may open the TUI in a browser.

A token is a random secret given to one user. Only its SHA-256 is stored (the secret
has 256 random bits, so a fast hash is enough: nothing to guess); the secret is
shown once, when it is added. The browser server swaps a valid token for a session
cookie; a revoked token, or one whose user was deactivated, lets nobody in. Adding
and revoking are recorded in the audit log (entity `web_token`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from tasktui.db import write_transaction
from tasktui.errors import NotFound, Refused
from tasktui.models import User, WebToken, utcnow
from tasktui.services.context import Actor, check_login, shown_login, unknown_user_message

#: Every secret starts with this, so a leaked one is recognisable (secret scanners).
TOKEN_PREFIX = "tt_web_"
#: The longest token text looked up at all (a longer one is refused unhashed).
MAX_TOKEN_CHARS = 128


@dataclass(frozen=True)
class TokenInfo:
    """A token as listed: never its secret."""

    id: int
    login: str
    created_at: dt.datetime
    created_by: str
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @property
    def active(self) -> bool:
        """Not revoked."""
        return self.revoked_at is None


@dataclass(frozen=True)
class NewToken:
    """A token just added: its row and the secret, which exists nowhere else."""

    info: TokenInfo
    secret: str


def token_hash(secret: str) -> str:
    """The stored form of a secret."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _info(row: WebToken, login: str) -> TokenInfo:
    return TokenInfo(row.id, login, row.created_at, row.created_by, row.last_used_at, row.revoked_at)


def add_token(login: str, *, actor: Actor) -> NewToken:
    """A new token for the user `login` (NotFound for an unknown login, Refused for an
    inactive user)."""
    login = check_login(login)
    user = User.get_or_none(User.login == login)
    if user is None:
        raise NotFound(unknown_user_message(login))
    if not user.active:
        raise Refused(f"user {shown_login(login)} is inactive: activate it first")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    from tasktui.services.audit import record

    with write_transaction():
        row = WebToken.create(user=user.id, token_hash=token_hash(secret), created_by=actor.login)
        record(actor, "web_token", str(row.id), "create", "login", None, login)
    return NewToken(_info(row, login), secret)


def list_tokens(include_revoked: bool = False) -> list[TokenInfo]:
    """Every token, oldest first (the revoked ones with `include_revoked`)."""
    query = WebToken.select(WebToken, User.login).join(User, on=(WebToken.user == User.id)).order_by(WebToken.id)
    if not include_revoked:
        query = query.where(WebToken.revoked_at.is_null())
    return [_info(row, row.user.login) for row in query]


def revoke_token(token_id: int, *, actor: Actor) -> TokenInfo:
    """Revoke one token by its id (Refused when it is revoked already). Sessions it
    opened end at their next request (the server checks the token each time)."""
    row = WebToken.get_or_none(WebToken.id == token_id)
    if row is None:
        raise NotFound(f"no web token with id {token_id}")
    if row.revoked_at is not None:
        raise Refused(f"web token {token_id} is revoked already")
    from tasktui.services.audit import record

    login = User.get_by_id(row.user_id).login
    with write_transaction():
        WebToken.update(revoked_at=utcnow()).where(WebToken.id == token_id).execute()
        record(actor, "web_token", str(token_id), "revoke", "login", login, None)
    return _info(WebToken.get_by_id(token_id), login)


@dataclass(frozen=True)
class TokenUser:
    """Whom a valid token lets in."""

    token_id: int
    login: str


def check_token(secret: str, *, touch: bool = False) -> TokenUser | None:
    """The user a secret lets in, or None (unknown, revoked, the user inactive or
    gone). `touch` records the moment as the token's last use."""
    if not secret or len(secret) > MAX_TOKEN_CHARS or not secret.startswith(TOKEN_PREFIX):
        return None
    row = WebToken.get_or_none(WebToken.token_hash == token_hash(secret))
    if row is None:
        return None
    return _still_valid(row, touch)


def check_token_id(token_id: int) -> TokenUser | None:
    """The user a token (by id) still lets in, or None: what a session asks on every
    request, so revoking a token or deactivating its user ends its sessions."""
    row = WebToken.get_or_none(WebToken.id == token_id)
    return None if row is None else _still_valid(row, False)


def _still_valid(row: WebToken, touch: bool) -> TokenUser | None:
    if row.revoked_at is not None:
        return None
    user = User.get_or_none(User.id == row.user_id)
    if user is None or not user.active:
        return None
    if touch:
        with write_transaction():
            WebToken.update(last_used_at=utcnow()).where(WebToken.id == row.id).execute()
    return TokenUser(row.id, user.login)
