"""Delivering the channel rows of the outbox (`tasktui notify`) and channel tests.

The same rules as email (`delivery.py`): claim one message (a short write
transaction), send it with no transaction open, record the outcome. A plain
`https://` (or `http://`) URL is POSTed tasktui's own JSON; any other URL goes
through apprise (the optional extra `tasktui[channels]`), which is imported here and
only here: never on the raise path.

How an answer is sorted:
- 2xx: sent, with the server's answer (HTTP status and the start of its body);
- 408, 425, 429, 5xx, a timeout, a refused or reset connection: retried later with the
  outbox's growing delays, up to its attempt limit;
- any other 4xx (400, 401, 403, 404, 405, 410, 413, 422, ...), a URL apprise does not
  know, a channel that was removed: failed for good;
- a URL that cannot be read now (its variable unset, its file missing or readable by
  others), apprise not installed: retried later, with the reason.
Error texts are stored and printed with the URL's secrets replaced by ****.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import socket
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tasktui import __version__
from tasktui.errors import Invalid, Refused, Unavailable
from tasktui.models import NotifyChannel
from tasktui.services.mail import outbox
from tasktui.services.mail.channel_message import ChannelText, channel_test_message
from tasktui.services.mail.channels import get_channel, is_webhook, read_url, secret_parts
from tasktui.services.mail.delivery import DeliveryReport, new_sender_id

TIMEOUT_S = 10.0
RETRY_CODES = frozenset({408, 425, 429})
_CODE_RE = re.compile(r"error=(\d{3})")
_apprise: Any = None


@dataclass(frozen=True)
class SendOutcome:
    """What one attempt gave: `ok`, the server's answer or the error, and whether a
    failure is for good."""

    ok: bool
    text: str
    permanent: bool = False


def retry_for(code: int) -> bool:
    """Whether an HTTP status is worth another attempt later."""
    return code in RETRY_CODES or code >= 500


def scrub(text: str, url: str) -> str:
    """`text` (one line) without the secrets of `url`."""
    for part in sorted(secret_parts(url), key=len, reverse=True):
        text = text.replace(part, "****")
    return " ".join(text.split())[:1000]


def _load_apprise() -> Any:
    """apprise, imported once per process; its log records go nowhere (they may carry
    URLs), and Invalid when the optional extra is not installed."""
    global _apprise
    if _apprise is None:
        try:
            import apprise
        except ImportError:
            raise Invalid(
                "this channel's URL needs apprise: install the optional extra with pip install 'tasktui[channels]'"
            ) from None
        logger = logging.getLogger("apprise")
        logger.addHandler(logging.NullHandler())
        logger.propagate = False
        _apprise = apprise
    return _apprise


def _without_userinfo(url: str) -> tuple[str, str | None]:
    """The URL without `user:password@`, and the Basic Authorization header value for
    it (urllib would take the userinfo for part of the host name)."""
    import base64
    import urllib.parse

    parts = urllib.parse.urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port is not None else "")
    user = urllib.parse.unquote(parts.username or "")
    password = urllib.parse.unquote(parts.password or "")
    credentials = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc)), f"Basic {credentials}"


def send_webhook(url: str, text: ChannelText, timeout: float = TIMEOUT_S) -> SendOutcome:
    """POST tasktui's JSON to a plain webhook (`user:password@` in the URL: Basic auth)."""
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": f"tasktui/{__version__}"}
    try:
        target, authorization = _without_userinfo(url)  # (a bad port is a ValueError: below)
        if authorization is not None:
            headers["Authorization"] = authorization
        request = urllib.request.Request(target, data=text.payload.encode("utf-8"), method="POST", headers=headers)
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = response.read(300).decode("utf-8", "replace")
            return SendOutcome(True, scrub(f"HTTP {response.status} {answer}", url))
    except urllib.error.HTTPError as e:
        body = e.read(300).decode("utf-8", "replace") if e.fp is not None else ""
        return SendOutcome(False, scrub(f"HTTP {e.code} {e.reason} {body}", url), permanent=not retry_for(e.code))
    except TimeoutError:
        return SendOutcome(False, f"no answer within {timeout:g} s")
    except urllib.error.URLError as e:
        reason = e.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            return SendOutcome(False, f"no answer within {timeout:g} s")
        return SendOutcome(False, scrub(f"cannot connect: {getattr(reason, 'strerror', None) or reason}", url))
    except (OSError, ValueError) as e:
        return SendOutcome(False, scrub(f"cannot send: {type(e).__name__}: {e}", url))


def send_apprise(url: str, text: ChannelText, timeout: float = TIMEOUT_S) -> SendOutcome:
    """Send through apprise; the code in its log text (`error=503`) sorts a failure."""
    apprise = _load_apprise()
    sender = apprise.Apprise()
    if not sender.add(url):
        return SendOutcome(False, "apprise does not know this URL (see the apprise wiki for its services)", True)
    result = sender.notify(title=text.subject, body=text.body, notify_type=notify_type(text), timeout=timeout)
    entries = list(getattr(result, "results", []) or [])
    status = getattr(getattr(result, "status", None), "name", str(getattr(result, "status", "")))
    if bool(result):
        names = ", ".join(str(getattr(e, "name", "?")) for e in entries) or "apprise"
        return SendOutcome(True, f"{names}: {status or 'SUCCESS'}")
    logs = " ".join(str(getattr(entry, "message", entry)) for r in entries for entry in r.logs())
    codes = [int(c) for c in _CODE_RE.findall(logs)]
    message = scrub(f"{status}: {logs or 'no answer'}", url)
    if status == "TIMEOUT" or not codes:
        return SendOutcome(False, message)  # a timeout or a connection error: later
    return SendOutcome(False, message, permanent=not retry_for(codes[-1]))


#: Severity -> apprise's notify type (its services colour or mark them): critical a
#: failure, high a warning, the others information.
NOTIFY_TYPES = {"critical": "failure", "high": "warning"}


def severity_in(text: ChannelText) -> str:
    """The severity a message's JSON names (`normal` when it names none)."""
    try:
        data = json.loads(text.payload)
    except ValueError:
        return "normal"
    value = data.get("severity") if isinstance(data, dict) else None
    return value if isinstance(value, str) else "normal"


def notify_type(text: ChannelText) -> str:
    """apprise's notify type for a message (`info`, `warning`, `failure`)."""
    return NOTIFY_TYPES.get(severity_in(text), "info")


def send_to(url: str, text: ChannelText, timeout: float = TIMEOUT_S) -> SendOutcome:
    """One attempt to one channel URL."""
    return (send_webhook if is_webhook(url) else send_apprise)(url, text, timeout)


def deliver_channels(
    sender_id: str | None = None,
    limit: int | None = None,
    now: dt.datetime | None = None,
    lease_s: float = outbox.LEASE_S,
    should_stop: Callable[[], bool] = lambda: False,
    timeout: float = TIMEOUT_S,
) -> DeliveryReport:
    """Send every due channel message (at most `limit`), one at a time, and record
    each outcome. A channel whose URL cannot be read puts its message back for later
    and the run goes on with the others."""
    report = DeliveryReport()
    if not outbox.has_due(now, lease_s, kinds=(outbox.CHANNEL,)):
        return report
    sender_id = sender_id or new_sender_id()
    while limit is None or len(report.sent) + len(report.retry) + len(report.failed) < limit:
        if should_stop():
            break
        message = outbox.claim_next(sender_id, now=now, lease_s=lease_s, kinds=(outbox.CHANNEL,))
        if message is None:
            break
        outcome = _attempt(message, timeout)
        if outcome.ok:
            outbox.mark_sent(message.id, sender_id, outcome.text, now=now)
            report.sent.append(message.id)
            continue
        state = outbox.mark_attempt_failed(message.id, sender_id, outcome.text, outcome.permanent, now=now)
        (report.failed if state == outbox.FAILED else report.retry).append(message.id)
    return report


def _attempt(message: outbox.ClaimedMessage, timeout: float) -> SendOutcome:
    channel = NotifyChannel.get_or_none(NotifyChannel.id == message.channel_id) if message.channel_id else None
    if channel is None:
        return SendOutcome(False, "the channel was removed", permanent=True)
    try:
        url = read_url(channel)
    except Invalid as e:
        return SendOutcome(False, str(e))
    text = ChannelText(message.subject, message.body, message.payload or _bare_payload(message))
    try:
        return send_to(url, text, timeout)
    except Invalid as e:  # apprise missing
        return SendOutcome(False, str(e))
    except Exception as e:  # a bug of a plugin must not leave the message claimed
        return SendOutcome(False, scrub(f"cannot send: {type(e).__name__}: {e}", url), permanent=True)


def _bare_payload(message: outbox.ClaimedMessage) -> str:
    return json.dumps({"version": 1, "source": "tasktui", "kind": "raised", "title": message.subject,
                       "message": message.body, "tasks": []}, ensure_ascii=False)  # fmt: skip


def send_channel_test(name: str, timeout: float = TIMEOUT_S) -> str:
    """Send a test message to a channel now (not through the outbox): the server's
    answer, or Refused (exit 1) with the reason (its secrets masked), Unavailable
    (exit 4) when it cannot be reached, Invalid when its URL cannot be read."""
    channel = get_channel(name)
    url = read_url(channel)
    outcome = send_to(url, channel_test_message(channel.name), timeout)
    if outcome.ok:
        return outcome.text
    if outcome.permanent:
        raise Refused(f"channel {channel.name}: {outcome.text}")
    raise Unavailable(f"channel {channel.name}: {outcome.text}")
