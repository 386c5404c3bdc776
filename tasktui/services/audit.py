"""The audit log: who changed an event, a user, a group, an attribute definition or
the email settings, when, and what (old -> new).

Every service that changes one of these calls `record` (or `record_changes`) inside
the write transaction of the change, so an entry exists exactly when the change was
committed; a refused change leaves none. One row per changed field (like task
history); a create or delete is one row whose `new` or `old` is a JSON summary of
the fields. Secrets are never recorded: the email settings hold only the *name* of a
password source (an environment variable or a file path), and that is what is
recorded.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tasktui import config
from tasktui.errors import Invalid
from tasktui.models import AuditEntry, utcnow

if TYPE_CHECKING:
    from tasktui.services.context import Actor

#: The kinds of entity an entry is about (the `--entity` choices).
ENTITIES = (
    "event",
    "user",
    "group",
    "attribute",
    "attribute_group",
    "attribute_set",
    "email_settings",
    "event_email",
    "intake_source",
    "web_token",
)
DEFAULT_LIMIT = 100
_RELATIVE = re.compile(r"^(\d{1,6})\s*([mhdw])$")
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def _text(value: object) -> str | None:
    """A value as the text stored in `old`/`new` (None stays None)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def summary(fields: Mapping[str, object]) -> str:
    """The fields of a created or deleted row as compact JSON, empty ones left out."""
    kept = {k: v for k, v in fields.items() if v not in (None, "", [], ())}
    return json.dumps(kept, ensure_ascii=False, separators=(", ", ": "), default=str)


def record(
    actor: Actor | None,
    entity: str,
    key: str,
    action: str,
    field: str | None = None,
    old: object = None,
    new: object = None,
) -> None:
    """Write one audit entry. Call it inside the write transaction of the change.

    Without an actor (a service called by code that has none) the entry still names
    the OS login that ran the process."""
    AuditEntry.insert(
        at=utcnow(),
        actor=actor.login if actor else None,
        os_login=actor.os_login if actor else config.os_login(),
        entity=entity,
        entity_key=key,
        action=action,
        field=field,
        old=_text(old),
        new=_text(new),
    ).execute()


def record_changes(
    actor: Actor | None,
    entity: str,
    key: str,
    before: Mapping[str, object],
    after: Mapping[str, object],
    action: str = "edit",
) -> int:
    """One entry per field whose value differs between `before` and `after`;
    returns how many (an edit that changes nothing records nothing)."""
    changed = [name for name in after if _text(before.get(name)) != _text(after[name])]
    for name in changed:
        record(actor, entity, key, action, name, before.get(name), after[name])
    return len(changed)


@dataclass(frozen=True)
class AuditRecord:
    """An audit entry as `tasktui audit` shows it."""

    id: int
    at: dt.datetime
    actor: str | None
    os_login: str
    entity: str
    key: str
    action: str
    field: str | None
    old: str | None
    new: str | None

    def as_dict(self) -> dict[str, object]:
        """The JSON shape (stable, documented in the README)."""
        return {
            "id": self.id,
            "at": self.at,
            "actor": self.actor,
            "os_login": self.os_login,
            "entity": self.entity,
            "key": self.key,
            "action": self.action,
            "field": self.field,
            "old": self.old,
            "new": self.new,
        }


def parse_since(text: str, now: dt.datetime | None = None) -> dt.datetime:
    """The moment `--since` names, as naive UTC: a span back from now (`90m`, `12h`,
    `30d`, `2w`), a date (`2026-11-01`, midnight local time) or a date and time
    (`2026-11-01T08:30`, local time unless it carries `Z` or an offset)."""
    text = text.strip()
    now = now or utcnow()
    relative = _RELATIVE.match(text)
    if relative:
        return now - dt.timedelta(seconds=int(relative[1]) * _UNIT_SECONDS[relative[2]])
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        raise Invalid(
            f"--since {text!r} is neither a span (30d, 12h, 90m, 2w) nor a date (2026-11-01) or time (2026-11-01T08:30)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.astimezone()  # a local time
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def check_entity(entity: str) -> str:
    """One of ENTITIES, or Invalid naming them."""
    if entity not in ENTITIES:
        raise Invalid(f"unknown entity {entity!r}: use one of {', '.join(ENTITIES)}")
    return entity


def list_audit(
    since: dt.datetime | None = None, entity: str | None = None, limit: int = DEFAULT_LIMIT
) -> tuple[list[AuditRecord], int]:
    """The newest `limit` entries (newest first) at or after `since`, of one kind of
    entity or all, and how many entries match in all (so a cut list can say so)."""
    if limit < 1:
        raise Invalid("--limit must be at least 1")
    query = AuditEntry.select()
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if entity is not None:
        query = query.where(AuditEntry.entity == check_entity(entity))
    rows = list(query.order_by(AuditEntry.id.desc()).limit(limit + 1))
    total = len(rows) if len(rows) <= limit else query.count()
    records = [
        AuditRecord(r.id, r.at, r.actor, r.os_login, r.entity, r.entity_key, r.action, r.field, r.old, r.new)
        for r in rows[:limit]
    ]
    return records, total
