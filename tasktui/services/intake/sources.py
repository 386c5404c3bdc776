"""Intake sources: who may post to the intake, with which token, and what their
signals raise (`tasktui intake source add|list|show|remove|rotate`).

A token is shown once, when it is made; only its SHA-256 is stored (a token is 32
random bytes, so a fast hash is enough: there is nothing to guess). A request's token
is hashed and compared with every source's hash in constant time (`hmac.compare_digest`,
no early exit), so timing tells nothing about the stored hashes.

A source acts as the user of its name (created with the source, display name
`intake source NAME`), and its history entries carry the OS login `intake:NAME`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tasktui.db import write_transaction
from tasktui.errors import Invalid, NotFound, Refused, TaskTuiError
from tasktui.models import INTAKE_KINDS, ON_RESOLVE, IntakeSource, User, utcnow
from tasktui.services.audit import record
from tasktui.services.context import Actor
from tasktui.services.events.definitions import get_event, identifier_problem

#: A source name becomes a login: letters, digits and . _ - only.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
#: Routes one source may have.
MAX_ROUTES = 100
#: The longest token the intake reads (ours are 46 characters).
MAX_TOKEN = 200
TOKEN_PREFIX = "tt_"


class Unauthorized(TaskTuiError):
    """A request without a valid token for its endpoint (HTTP 401)."""

    exit_code = 2


@dataclass(frozen=True)
class Route:
    """Signals whose label `label` equals `value` raise `event`."""

    label: str
    value: str
    event: str

    def __str__(self) -> str:
        return f"{self.label}={self.value}:{self.event}"


@dataclass(frozen=True)
class SourceInfo:
    """A source as listed and as the intake uses it (never its token or hash)."""

    id: int
    name: str
    kind: str
    default_event: str
    routes: tuple[Route, ...]
    on_resolve: str
    user_id: int
    raises: int
    resolves: int
    created_at: dt.datetime
    token_set_at: dt.datetime

    @property
    def actor(self) -> Actor:
        """The acting user its raises and resolves are recorded as."""
        return Actor(user_id=self.user_id, login=self.name, os_login=f"intake:{self.name}")

    def route_for(self, labels: dict[str, str]) -> str | None:
        """The event of the first route whose label matches, or None."""
        for route in self.routes:
            if labels.get(route.label) == route.value:
                return route.event
        return None

    def as_dict(self) -> dict:
        """The JSON shape of `source list|show --format json`."""
        return {
            "name": self.name, "kind": self.kind, "default_event": self.default_event,
            "routes": [str(r) for r in self.routes], "on_resolve": self.on_resolve, "raises": self.raises,
            "resolves": self.resolves, "created_at": self.created_at.isoformat(timespec="seconds"),
            "token_set_at": self.token_set_at.isoformat(timespec="seconds"),
        }  # fmt: skip


def token_hash(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_token() -> str:
    """A fresh random token (32 bytes, URL-safe)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def check_source_name(name: str) -> str:
    """A source name: 1-64 of A-Z a-z 0-9 . _ - (it becomes a login), or Invalid."""
    if not _NAME.fullmatch(name or ""):
        raise Invalid(f"source name {name!r} must be 1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-'")
    return name


def parse_route(text: str) -> Route:
    """`LABEL=VALUE:EVENT` (the event after the last ':'), or Invalid."""
    left, colon, event = text.rpartition(":")
    label, equals, value = left.partition("=")
    if not colon or not equals or not label.strip() or not event.strip():
        raise Invalid(f"route {text!r} must be LABEL=VALUE:EVENT")
    problem = identifier_problem(event.strip())
    if problem:
        raise Invalid(f"route {text!r}: event {event.strip()!r} {problem}")
    return Route(label.strip(), value, event.strip())


def _active_event(identifier: str) -> str:
    event = get_event(identifier)
    if event.obsolete:
        raise Refused(f"event {event.identifier!r} is obsolete and raises no new tasks")
    return event.identifier


def _info(row: IntakeSource) -> SourceInfo:
    routes = tuple(Route(*r) for r in json.loads(row.routes))
    return SourceInfo(
        row.id, row.name, row.kind, row.default_event, routes, row.on_resolve, row.user_id, row.raises,
        row.resolves, row.created_at, row.token_set_at,
    )  # fmt: skip


def add_source(
    actor: Actor,
    name: str,
    kind: str,
    default_event: str,
    routes: Sequence[str] = (),
    on_resolve: str = "done",
) -> tuple[SourceInfo, str]:
    """Create a source; returns it and its token (shown once, never stored)."""
    name = check_source_name(name)
    if kind not in INTAKE_KINDS:
        raise Invalid(f"unknown source kind {kind!r}: use {', '.join(INTAKE_KINDS)}")
    if on_resolve not in ON_RESOLVE:
        raise Invalid(f"unknown --on-resolve {on_resolve!r}: use {', '.join(ON_RESOLVE)}")
    parsed = [parse_route(r) for r in routes]
    if len(parsed) > MAX_ROUTES:
        raise Invalid(f"a source has at most {MAX_ROUTES} routes")
    token = new_token()
    marker = f"intake source {name}"
    with write_transaction():
        if IntakeSource.get_or_none(IntakeSource.name == name) is not None:
            raise Refused(f"source {name!r} exists already (rotate its token with 'tasktui intake source rotate')")
        default_event = _active_event(default_event)
        parsed = [Route(r.label, r.value, _active_event(r.event)) for r in parsed]
        user = User.get_or_none(User.login == name)
        if user is not None and user.display_name != marker:
            raise Refused(f"a user {name!r} exists already and a source acts as the user of its name: choose another")
        if user is None:
            user = User.create(login=name, display_name=marker)
            record(actor, "user", name, "register", new="intake source")
        now = utcnow()
        row = IntakeSource.create(
            name=name, kind=kind, default_event=default_event,
            routes=json.dumps([[r.label, r.value, r.event] for r in parsed]), on_resolve=on_resolve,
            token_hash=token_hash(token), user=user.id, created_at=now, token_set_at=now,
        )  # fmt: skip
        record(actor, "intake_source", name, "create", new=f"{kind}, default event {default_event}")
    return _info(row), token


def _get(name: str) -> IntakeSource:
    row = IntakeSource.get_or_none(IntakeSource.name == name)
    if row is None:
        raise NotFound(f"unknown intake source {name!r}")
    return row


def get_source(name: str) -> SourceInfo:
    """The source called `name`, or NotFound."""
    return _info(_get(name))


def list_sources() -> list[SourceInfo]:
    """Every source, by name."""
    return [_info(row) for row in IntakeSource.select().order_by(IntakeSource.name)]


def remove_source(actor: Actor, name: str) -> SourceInfo:
    """Delete a source: its token stops working at once. Its user stays (the history
    it wrote names it)."""
    with write_transaction():
        row = _get(name)
        row.delete_instance()
        record(actor, "intake_source", name, "delete")
    return _info(row)


def rotate_token(actor: Actor, name: str) -> tuple[SourceInfo, str]:
    """A new token for the source; the old one stops working at once."""
    token = new_token()
    with write_transaction():
        row = _get(name)
        row.token_hash = token_hash(token)
        row.token_set_at = utcnow()
        row.save()
        record(actor, "intake_source", name, "rotate")
    return _info(row), token


def authenticate(token: str | None, kinds: Iterable[str], rows: Iterable[IntakeSource] | None = None) -> SourceInfo:
    """The source whose token this is, when its kind is one of `kinds`; else
    Unauthorized. Every stored hash is compared, in constant time each. `rows`: the
    sources read once for several requests (default: read now)."""
    if not token or len(token) > MAX_TOKEN:
        raise Unauthorized("a valid token is required")
    wanted = token_hash(token)
    found: IntakeSource | None = None
    for row in IntakeSource.select() if rows is None else rows:
        if hmac.compare_digest(row.token_hash, wanted):
            found = row
    if found is None or found.kind not in tuple(kinds):
        raise Unauthorized("a valid token is required")
    return _info(found)


def count_signals(source_id: int, raises: int, resolves: int) -> None:
    """Add to a source's counters (inside the write transaction of the signals)."""
    if raises or resolves:
        IntakeSource.update(raises=IntakeSource.raises + raises, resolves=IntakeSource.resolves + resolves).where(
            IntakeSource.id == source_id
        ).execute()
