"""PagerDuty Events API v2 bodies (`POST /v2/enqueue`) as signals, and replies in
PagerDuty's own shape, so a sender made for PagerDuty (Alertmanager's
`pagerduty_configs`, monitoring agents, scripts) works when pointed at tasktui.

The token is the body's `routing_key`. `trigger` raises (`payload.severity` critical,
error, warning, info -> the task's critical, high, normal, low), `acknowledge`
acknowledges the open task (as the source's user), `resolve` resolves, all by
`dedup_key`; a trigger without one gets a new key, returned in the reply (PagerDuty
does the same).
"""

from __future__ import annotations

import uuid
from typing import Any

from tasktui.errors import Invalid
from tasktui.services.intake.signals import (
    ACKNOWLEDGE,
    RAISE,
    RESOLVE,
    Signal,
    dedup_key_text,
    description_text,
    link_text,
    title_text,
)
from tasktui.services.severity import PAGERDUTY as PAGERDUTY_SEVERITY
from tasktui.services.tasks.raise_plan import RaiseRequest
from tasktui.text_safety import clean_line

ACTIONS = {"trigger": RAISE, "acknowledge": ACKNOWLEDGE, "resolve": RESOLVE}
SEVERITIES = ("critical", "error", "warning", "info")
#: Payload fields a source's routes can match (as labels).
ROUTABLE = ("source", "severity", "component", "group", "class")


def routing_key(body: Any) -> str | None:
    """The token of a PagerDuty body, if it has one."""
    if isinstance(body, dict) and isinstance(body.get("routing_key"), str):
        return body["routing_key"]
    return None


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else repr(value)[:10_000]


def _details(value: Any) -> str:
    if isinstance(value, dict):
        # a key's further lines stay indented under it (no line forged of a value)
        return "\n".join(f"{clean_line(k)}: " + "\n  ".join(_shown(v).split("\n")) for k, v in value.items())
    if isinstance(value, str):
        return value
    return "" if value is None else repr(value)[:10_000]


def parse_pagerduty(body: Any) -> Signal:
    """The signal of one Events API v2 body; Invalid names the problem."""
    if not isinstance(body, dict):
        raise Invalid("the body must be a JSON object (a PagerDuty Events API v2 event)")
    action = body.get("event_action")
    if not isinstance(action, str) or action not in ACTIONS:
        raise Invalid("'event_action' must be 'trigger', 'acknowledge' or 'resolve'")
    key = body.get("dedup_key")
    if key is not None and not isinstance(key, str):
        raise Invalid("'dedup_key' must be a string")
    if action != "trigger" and not key:
        raise Invalid(f"'dedup_key' is required for {action}")
    dedup_key = dedup_key_text(key) if key else uuid.uuid4().hex
    payload = body.get("payload")
    if action != "trigger":
        payload = payload if isinstance(payload, dict) else {}
        labels = {k: payload[k] for k in ROUTABLE if isinstance(payload.get(k), str)}
        note = f"{action} from {body.get('client') or 'a PagerDuty sender'}"
        return Signal(ACTIONS[action], dedup_key, dedup_key[:64], labels=labels, note=str(note))
    if not isinstance(payload, dict):
        raise Invalid("'payload' is required for trigger and must be an object")
    for name in ("summary", "source"):
        if not isinstance(payload.get(name), str) or not payload[name].strip():
            raise Invalid(f"'payload.{name}' is required for trigger and must be a non-empty string")
    if payload.get("severity") not in SEVERITIES:
        raise Invalid(f"'payload.severity' must be one of {', '.join(SEVERITIES)}")
    labels = {k: payload[k] for k in ROUTABLE if isinstance(payload.get(k), str)}
    parts = [_details(payload.get("custom_details"))]
    facts = [(k.capitalize(), payload.get(k)) for k in ("source", "severity", "component", "group", "class")]
    facts += [("Timestamp", payload.get("timestamp")), ("Client", body.get("client"))]
    parts.append("\n".join(f"{name}: {clean_line(value)}" for name, value in facts if isinstance(value, str) and value))
    links = body.get("links")
    first_link = links[0].get("href") if isinstance(links, list) and links and isinstance(links[0], dict) else None
    request = RaiseRequest(
        event="",
        title=title_text(payload["summary"]) or "PagerDuty event",
        description=description_text("\n\n".join(p for p in parts if p)),
        link=link_text(first_link, body.get("client_url")),
        dedup_key=dedup_key,
        severity=PAGERDUTY_SEVERITY[payload["severity"]],
    )
    return Signal(RAISE, dedup_key, dedup_key[:64], request=request, labels=labels)


def reply(dedup_key: str, message: str = "Event processed") -> dict:
    """PagerDuty's success reply (HTTP 202)."""
    return {"status": "success", "message": message, "dedup_key": dedup_key}


def error_reply(message: str) -> dict:
    """PagerDuty's reply to an invalid event (HTTP 400)."""
    return {"status": "invalid event", "message": "Event object is invalid", "errors": [message]}
