"""Chat and push channels: where their URL is kept, how it is shown, which tasks
each one hears about, and the outbox rows a new task writes for them.

A channel URL is a secret (it carries tokens and passwords), under the rules of the
SMTP password: it is read from an environment variable (`url_env`) or a file that
only its owner can read (`url_file`), and kept in the database only when the user
asks for it (`store_in_db`, with a warning). Everywhere it is shown it is masked
(`mask_url`: `ntfy://user:****@host/topic`).

Routes: a channel hears about a new task assigned to one of its users, in one of its
groups, or of one of its events; each channel once per task. A channel with a digest
gets no row per task: the digest lists them (`digest.py`).

Light on purpose (no apprise, no HTTP): `enqueue_channel_rows` runs inside
`tasktui raise`; sending is in `channel_delivery`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit

import peewee as pw

from tasktui.db import write_transaction
from tasktui.errors import Invalid, NotFound, Refused
from tasktui.models import ChannelRoute, EscalationRule, Event, Group, NotifyChannel, OutboxMessage, User, utcnow
from tasktui.services.audit import record
from tasktui.services.context import Actor
from tasktui.services.mail.channel_message import ChannelText, TaskFacts, raised_message
from tasktui.services.severity import name_of as severity_name

EMAIL, CHANNEL = "email", "channel"
RAISED, ESCALATION, DIGEST = "raised", "escalation", "digest"
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
URL_MAX = 2000
INSERT_CHUNK = 500
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]{0,31}://")
_SECRET_KEYS = re.compile(r"(token|key|secret|pass|auth|sig|code|webhook|hook|apikey|user)", re.IGNORECASE)
_DIGEST_AT_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class ChannelInfo:
    """A channel as `notify channel list` and the settings screen show it."""

    id: int
    name: str
    url: str  # masked, or where it comes from when it cannot be read now
    source: str  # "database", "environment variable X", "file P"
    routes: list[str]
    digest: str | None


# --------------------------------------------------------------------------- URLs


def _mask_segment(segment: str) -> str:
    """A path segment that looks like a token (long, with digits or mixed case) as
    its first two characters and ****."""
    if len(segment) >= 12 and (any(c.isdigit() for c in segment) or segment.lower() != segment):
        return segment[:2] + "****"
    return segment


def mask_url(url: str) -> str:
    """`url` with its secrets replaced by ****: the password, token-like path segments
    and the values of query keys such as token, key, secret, password."""
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return "****"
    if not parts.scheme:
        return "****"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user, has_password, _ = userinfo.partition(":")
        if has_password:
            userinfo = f"{user}:****"
        elif len(user) >= 12:  # a token given as the user part (e.g. pover://user@token)
            userinfo = _mask_segment(user)
        netloc = f"{userinfo}@{_mask_host(hostport)}"
    else:
        netloc = _mask_host(netloc)
    path = "/".join(_mask_segment(s) for s in parts.path.split("/"))
    query = "&".join(
        f"{k}={'****' if _SECRET_KEYS.search(k) and v else v}" if eq else k for k, eq, v in _query_pairs(parts.query)
    )
    return f"{parts.scheme}://{netloc}{path}" + (f"?{query}" if query else "")


def _query_pairs(query: str) -> list[tuple[str, str, str]]:
    """`a=1&+X-Token=v` as raw (key, "=", value) triples: no decoding, so a value is
    the very text of the URL (apprise's `+Header=` keeps its +)."""
    return [piece.partition("=") for piece in query.split("&") if piece]


def secret_parts(url: str) -> list[str]:
    """The pieces of `url` that `mask_url` hides (to scrub them from error texts),
    and the URL itself."""
    parts: list[str] = [url]
    try:
        split = urlsplit(url)
    except ValueError:
        return parts
    if split.password:
        parts.append(split.password)
    user = split.username or ""
    if len(user) >= 12:
        parts.append(user)
    host = split.netloc.rpartition("@")[2]
    if _mask_host(host) != host:
        parts.append(host)
    parts += [s for s in split.path.split("/") if s and _mask_segment(s) != s]
    parts += [v for k, _eq, v in _query_pairs(split.query) if v and _SECRET_KEYS.search(k)]
    return [p for p in parts if len(p) >= 4]


def _mask_host(hostport: str) -> str:
    """Host names are shown; a token in the host place (slack://TOKEN/...) is not."""
    host = hostport.rsplit(":", 1)[0] if hostport.count(":") == 1 else hostport
    if "." in host or host in ("localhost",) or host.startswith("["):
        return hostport
    return _mask_segment(hostport)


def check_url(url: str) -> str:
    """A channel URL: `scheme://...`, one line of printable characters, at most 2000."""
    text = url.strip()
    if not text:
        raise Invalid("the channel URL is empty")
    if len(text) > URL_MAX:
        raise Invalid(f"the channel URL is longer than {URL_MAX} characters")
    if any(c.isspace() or not c.isprintable() for c in text):
        raise Invalid("the channel URL contains white space or a control character")
    if not _SCHEME_RE.match(text):
        raise Invalid("the channel URL must start with a scheme such as ntfy://, json:// or https://")
    return text


def is_webhook(url: str) -> bool:
    """A plain http(s) URL gets tasktui's own JSON; anything else is an apprise URL."""
    return url.lower().startswith(("https://", "http://"))


def read_url(channel: NotifyChannel) -> str:
    """The channel's URL from where it is kept, or Invalid naming what is wrong (never
    the URL itself)."""
    if channel.url:
        return channel.url
    if channel.url_env:
        value = os.environ.get(channel.url_env, "")
        if not value.strip():
            raise Invalid(f"channel {channel.name}: the environment variable {channel.url_env} is not set or empty")
        return check_url(value)
    if channel.url_file:
        path = Path(channel.url_file)
        try:
            mode = path.stat().st_mode
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise Invalid(
                f"channel {channel.name}: cannot read the URL file {path}: {getattr(e, 'strerror', None) or e}"
            ) from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise Invalid(f"channel {channel.name}: the URL file {path} is readable by others: chmod 600 it")
        return check_url(text.strip())
    raise Invalid(f"channel {channel.name} has no URL source")


def _source(channel: NotifyChannel) -> str:
    if channel.url:
        return "database"
    if channel.url_env:
        return f"environment variable {channel.url_env}"
    return f"file {channel.url_file}"


def shown_url(channel: NotifyChannel) -> str:
    """The URL masked, or why it cannot be read now (for listings)."""
    try:
        return mask_url(read_url(channel))
    except Invalid as e:
        return f"(unreadable: {e})"


# --------------------------------------------------------------------------- channels


def parse_digest(text: str) -> tuple[str | None, str | None]:
    """`daily 08:00` -> ("daily", "08:00"); `off` -> (None, None)."""
    words = text.split()
    if words == ["off"]:
        return None, None
    if len(words) != 2 or words[0] != "daily" or not _DIGEST_AT_RE.match(words[1]):
        raise Invalid(f"--digest takes 'daily HH:MM' (local time) or 'off', not {text!r}")
    hours, minutes = words[1].split(":")
    return "daily", f"{int(hours):02d}:{minutes}"


def get_channel(name: str) -> NotifyChannel:
    """One channel by name, or NotFound."""
    channel = NotifyChannel.get_or_none(NotifyChannel.name == name)
    if channel is None:
        raise NotFound(f"unknown channel {name!r} (see `tasktui notify channel list`)")
    return channel


def _routes_of(channel_ids: Iterable[int]) -> dict[int, list[str]]:
    """Channel id -> its routes as labels ("user bob", "group ops", "event disk_full")."""
    routes = list(ChannelRoute.select().where(ChannelRoute.channel.in_(list(channel_ids))).order_by(ChannelRoute.id))
    logins = {u.id: u.login for u in User.select(User.id, User.login).where(User.id.in_([r.user_id for r in routes]))}
    names = {g.id: g.name for g in Group.select(Group.id, Group.name).where(Group.id.in_([r.group_id for r in routes]))}
    events = {
        e.id: e.identifier
        for e in Event.select(Event.id, Event.identifier).where(Event.id.in_([r.event_id for r in routes]))
    }
    labels: dict[int, list[str]] = {}
    for route in routes:
        if route.user_id is not None:
            label = f"user {logins[route.user_id]}"
        elif route.group_id is not None:
            label = f"group {names[route.group_id]}"
        elif route.event_id is not None:
            label = f"event {events[route.event_id]}"
        else:
            continue
        labels.setdefault(route.channel_id, []).append(label)
    return labels


def _info(channel: NotifyChannel, routes: list[str]) -> ChannelInfo:
    digest = f"{channel.digest} {channel.digest_at}" if channel.digest else None
    return ChannelInfo(channel.id, channel.name, shown_url(channel), _source(channel), routes, digest)


def list_channels() -> list[ChannelInfo]:
    """Every channel by name, URLs masked."""
    channels = list(NotifyChannel.select().order_by(NotifyChannel.name))
    routes = _routes_of(c.id for c in channels)
    return [_info(c, routes.get(c.id, [])) for c in channels]


@dataclass(frozen=True)
class ChannelStatus:
    """A channel and how its messages fare (the settings screen's channels panel):
    how many wait or failed, and the newest error recorded on one of its messages."""

    channel: ChannelInfo
    waiting: int
    failed: int
    last_error: str | None


def channel_statuses() -> list[ChannelStatus]:
    """Every channel by name (URLs masked) with its outbox figures; three queries
    whatever the number of channels."""
    channels = list_channels()
    by_state: dict[tuple[int, str], int] = {}
    counts = (
        OutboxMessage.select(OutboxMessage.channel, OutboxMessage.state, pw.fn.COUNT(OutboxMessage.id))
        .where((OutboxMessage.kind == CHANNEL) & OutboxMessage.channel.is_null(False))
        .group_by(OutboxMessage.channel, OutboxMessage.state)
    )
    for channel_id, state, count in cast("Iterable[tuple[int, str, int]]", counts.tuples()):
        by_state[(channel_id, state)] = count
    newest = (
        OutboxMessage.select(pw.fn.MAX(OutboxMessage.id))
        .where((OutboxMessage.kind == CHANNEL) & OutboxMessage.last_error.is_null(False))
        .group_by(OutboxMessage.channel)
    )
    errors = {
        m.channel_id: m.last_error
        for m in OutboxMessage.select(OutboxMessage.channel, OutboxMessage.last_error).where(
            OutboxMessage.id.in_(newest)
        )
    }
    return [
        ChannelStatus(
            c,
            by_state.get((c.id, "pending"), 0) + by_state.get((c.id, "sending"), 0),
            by_state.get((c.id, "failed"), 0),
            errors.get(c.id),
        )
        for c in channels
    ]


def channel_info(name: str) -> ChannelInfo:
    """One channel, URL masked."""
    channel = get_channel(name)
    return _info(channel, _routes_of([channel.id]).get(channel.id, []))


def add_channel(
    name: str,
    url: str | None = None,
    *,
    url_env: str | None = None,
    url_file: str | None = None,
    store_in_db: bool = False,
    users: Sequence[str] = (),
    groups: Sequence[str] = (),
    events: Sequence[str] = (),
    digest: str | None = None,
    actor: Actor | None = None,
) -> tuple[ChannelInfo, list[str]]:
    """Create a channel; returns it and warnings. Exactly one URL source: the URL
    itself (only with `store_in_db`), an environment variable name, or a file path."""
    name = name.strip()
    if not NAME_RE.match(name):
        raise Invalid(
            f"channel name {name!r}: use 1-64 letters, digits, '.', '-' or '_', starting with a letter or digit"
        )
    given = [url is not None, url_env is not None, url_file is not None]
    if sum(given) != 1:
        raise Invalid("give exactly one of: the URL (with --store-in-db), --url-env NAME, --url-file PATH")
    from tasktui.services.mail.settings import check_password_env, check_password_file

    warnings: list[str] = []
    fields: dict[str, object] = {"url": None, "url_env": None, "url_file": None}
    if url is not None:
        checked = check_url(url)
        if not store_in_db:
            raise Invalid(
                "a channel URL is a secret and is not stored in the database unless you say so: "
                "name where to read it (--url-env NAME or --url-file PATH), or add --store-in-db"
            )
        fields["url"] = checked
        warnings.append(
            "the URL is stored in the database: anyone who can read the database file can read it "
            "(prefer --url-env or --url-file)"
        )
    elif url_env is not None:
        try:
            fields["url_env"] = check_password_env(url_env)
        except Invalid:
            raise Invalid(
                "--url-env takes the NAME of an environment variable (A-Z, 0-9, _), and the value given is not "
                "one: give the NAME of the variable that holds the URL, never the URL itself"
            ) from None
        if fields["url_env"] not in os.environ:
            warnings.append(f"environment variable {fields['url_env']} is not set in this shell")
    else:
        assert url_file is not None
        try:
            path = Path(check_password_file(url_file))
        except Invalid:
            raise Invalid(
                "--url-file takes an absolute path (or one starting with ~) of a file holding the URL, "
                "never the URL itself"
            ) from None
        fields["url_file"] = str(path)
        if not path.is_file():
            warnings.append(f"URL file {path} does not exist")
        elif path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise Invalid(f"URL file {path} is readable by others: chmod 600 it first")
    if url is not None and fields["url"] and str(fields["url"]).lower().startswith("http://"):
        warnings.append("http:// sends the messages unencrypted: prefer https://")
    digest_kind, digest_at = parse_digest(digest) if digest is not None else (None, None)
    with write_transaction():
        if NotifyChannel.get_or_none(NotifyChannel.name == name) is not None:
            raise Refused(f"channel {name!r} exists already")
        route_rows = _route_rows(users, groups, events)
        channel = NotifyChannel.create(
            name=name, digest=digest_kind, digest_at=digest_at, digest_task_id=_last_task_id(), **fields
        )
        for row in route_rows:
            ChannelRoute.create(channel=channel.id, **row)
        record(actor, "channel", name, "create", "source", None, _source(channel))
        for label in _routes_of([channel.id]).get(channel.id, []):
            record(actor, "channel", name, "add_route", "route", None, label)
    if not route_rows:
        warnings.append("no --user, --group or --event: this channel gets only escalations and tests")
    return channel_info(name), warnings


def _last_task_id() -> int:
    """The newest task id: a new digest channel starts after it."""
    from tasktui.models import Task

    last = Task.select(Task.id).order_by(Task.id.desc()).limit(1).first()
    return last.id if last is not None else 0


def _route_rows(users: Sequence[str], groups: Sequence[str], events: Sequence[str]) -> list[dict[str, int]]:
    from tasktui.services.events.definitions import get_event
    from tasktui.services.people import get_group, get_user

    rows: list[dict[str, int]] = []
    for login in dict.fromkeys(users):
        rows.append({"user": get_user(login).id})
    for group in dict.fromkeys(groups):
        rows.append({"group": get_group(group).id})
    for identifier in dict.fromkeys(events):
        rows.append({"event": get_event(identifier).id})
    return rows


def set_digest(name: str, digest: str, *, actor: Actor | None = None) -> ChannelInfo:
    """Turn a channel's digest on (`daily HH:MM`) or `off`."""
    kind, at = parse_digest(digest)
    with write_transaction():
        channel = get_channel(name)
        before = f"{channel.digest} {channel.digest_at}" if channel.digest else "off"
        changes: dict[str, object] = {"digest": kind, "digest_at": at}
        if kind and not channel.digest:  # starts now: earlier tasks had their own messages
            changes["digest_task_id"] = _last_task_id()
        NotifyChannel.update(changes).where(NotifyChannel.id == channel.id).execute()
        record(actor, "channel", name, "edit", "digest", before, f"{kind} {at}" if kind else "off")
    return channel_info(name)


def remove_channel(name: str, *, actor: Actor | None = None) -> int:
    """Remove a channel and its routes; its messages still waiting fail (returns how
    many). Refused while an escalation rule sends through it."""
    with write_transaction():
        channel = get_channel(name)
        if EscalationRule.select().where(EscalationRule.channel == channel.id).exists():
            raise Refused(f"channel {name!r} is used by an escalation rule: remove the rule first")
        waiting = (
            OutboxMessage.update(state="failed", last_error=f"channel {name} was removed", claimed_at=None)
            .where((OutboxMessage.channel == channel.id) & OutboxMessage.state.in_(["pending", "sending"]))
            .execute()
        )
        ChannelRoute.delete().where(ChannelRoute.channel == channel.id).execute()
        channel.delete_instance()
        record(actor, "channel", name, "delete", "source", _source(channel), None)
    return waiting


# --------------------------------------------------------------------------- on raise


@dataclass(frozen=True)
class RouteTable:
    """Every route of the channels without a digest, loaded once per raise."""

    by_user: dict[int, list[int]]
    by_group: dict[int, list[int]]
    by_event: dict[int, list[int]]
    names: dict[int, str]

    def channels_for(self, event_id: int, assignee_id: int | None, group_id: int | None) -> list[int]:
        """The channels that hear about a task, each once, in route order."""
        found: list[int] = []
        if assignee_id is not None:
            found += self.by_user.get(assignee_id, [])
        if group_id is not None:
            found += self.by_group.get(group_id, [])
        found += self.by_event.get(event_id, [])
        return list(dict.fromkeys(found))


def load_routes(include_digest: bool = False) -> RouteTable:
    """The route table (channels with a digest only when asked)."""
    table = RouteTable({}, {}, {}, {})
    channels = NotifyChannel.select(NotifyChannel.id, NotifyChannel.name)
    if not include_digest:
        channels = channels.where(NotifyChannel.digest.is_null())
    table.names.update((c.id, c.name) for c in channels)
    for route in ChannelRoute.select().order_by(ChannelRoute.id):
        if route.channel_id not in table.names:
            continue
        if route.user_id is not None:
            table.by_user.setdefault(route.user_id, []).append(route.channel_id)
        elif route.group_id is not None:
            table.by_group.setdefault(route.group_id, []).append(route.channel_id)
        elif route.event_id is not None:
            table.by_event.setdefault(route.event_id, []).append(route.channel_id)
    return table


def outbox_row(
    channel_id: int, channel_name: str, text: ChannelText, task_id: int | None, event_id: int | None, reason: str,
    now: dt.datetime,
) -> dict[str, object]:  # fmt: skip
    """One pending channel row of the outbox."""
    return {
        "created_at": now, "task": task_id, "event": event_id, "user": None, "recipient": channel_name,
        "subject": text.subject, "body": text.body, "state": "pending", "attempts": 0, "next_attempt_at": now,
        "kind": CHANNEL, "channel": channel_id, "reason": reason, "payload": text.payload,
    }  # fmt: skip


def names_of(user_ids: Iterable[int | None], group_ids: Iterable[int | None]) -> tuple[dict[int, str], dict[int, str]]:
    """Assignee labels and group names of the ids given (one query each)."""
    uids = {u for u in user_ids if u is not None}
    gids = {g for g in group_ids if g is not None}
    users = {
        u.id: (u.login if u.label == u.login else f"{u.label} ({u.login})")
        for u in (User.select().where(User.id.in_(list(uids))) if uids else [])
    }
    groups = {g.id: g.name for g in (Group.select().where(Group.id.in_(list(gids))) if gids else [])}
    return users, groups


def enqueue_channel_rows(rows: Sequence[dict], ids: Sequence[int], events: Sequence[Event]) -> int:
    """Write the channel rows of new tasks (`rows` as inserted, their `ids`, their
    events) in one multi-row insert, inside the tasks' transaction; returns how many.
    Nothing is looked up when no channel exists."""
    if not rows or not NotifyChannel.select().exists():
        return 0
    routes = load_routes()
    wanted = [(row, task_id, ev, routes.channels_for(ev.id, row["assignee"], row["group"]))
              for row, task_id, ev in zip(rows, ids, events)]  # fmt: skip
    wanted = [w for w in wanted if w[3]]
    if not wanted:
        return 0
    users, groups = names_of((w[0]["assignee"] for w in wanted), (w[0]["group"] for w in wanted))
    now = utcnow()
    out: list[dict[str, object]] = []
    for row, task_id, ev, channel_ids in wanted:
        facts = TaskFacts(
            task_id, row["title"], row["description"], row["link"], ev.identifier, ev.name("en"),
            users.get(row["assignee"]) if row["assignee"] is not None else None,
            groups.get(row["group"]) if row["group"] is not None else None,
            severity=severity_name(row.get("severity", 2)),
        )  # fmt: skip
        text = raised_message(facts, (ev.subject_template, ev.body_template))
        out += [outbox_row(c, routes.names[c], text, task_id, ev.id, RAISED, now) for c in channel_ids]
    for start in range(0, len(out), INSERT_CHUNK):  # multi-row inserts, under SQLite's variable limit
        OutboxMessage.insert_many(out[start : start + INSERT_CHUNK]).execute()
    return len(out)
