"""Alertmanager and Grafana webhook bodies (`POST /intake/alertmanager`) as signals.

The body is Alertmanager's webhook version 4 (Grafana's webhook contact point sends
the same shape with `version: "1"` and an `orgId`). What matters (see the captured
bodies in the tests):

- the status is per alert: a group whose top-level status is `firing` may carry
  resolved alerts, so each alert is one signal by its own status;
- the fingerprint is the alert's stable key (a resend after regrouping comes under a
  new groupKey with the same fingerprint): it is the dedup key;
- a firing alert is re-sent every repeat interval and whenever its group changes:
  its `startsAt` is the episode, so a resend counts once and a new episode again;
- a `severity` label sets the task's severity (`severity.from_label`: critical,
  warning, info and the usual synonyms); an unknown word leaves the event's default.
"""

from __future__ import annotations

import hashlib
from typing import Any

from tasktui.errors import Invalid
from tasktui.services.intake.signals import (
    MAX_SIGNALS,
    RAISE,
    RESOLVE,
    Signal,
    dedup_key_text,
    description_text,
    link_text,
    title_text,
)
from tasktui.services.severity import from_label
from tasktui.services.tasks.raise_plan import RaiseRequest
from tasktui.text_safety import clean_line, clean_text

#: The label that names the event to raise.
EVENT_LABEL = "tasktui_event"
#: Labels or annotations one alert may carry.
MAX_PAIRS = 200
#: Alertmanager's "no end time" (a firing alert).
NO_TIME = "0001-01-01T00:00:00Z"


def _pairs(alert: dict, key: str, where: str, required: bool) -> dict[str, str]:
    value = alert.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise Invalid(f"{where}: '{key}' must be an object of name: text")
    if len(value) > MAX_PAIRS:
        raise Invalid(f"{where}: more than {MAX_PAIRS} {key}")
    for name, text in value.items():
        if not isinstance(text, str):
            raise Invalid(f"{where}: {key[:-1]} {str(name)[:60]!r} must be text, not {type(text).__name__}")
    return dict(value)


def _text(alert: dict, key: str, where: str) -> str:
    value = alert.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Invalid(f"{where}: '{key}' must be text, not {type(value).__name__}")
    return value


def fingerprint_of(labels: dict[str, str]) -> str:
    """A stable key for an alert without a fingerprint (some Grafana versions): the
    SHA-256 of its sorted labels, 16 hex digits like Alertmanager's."""
    text = "\0".join(f"{k}\0{v}" for k, v in sorted(labels.items()))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _title(labels: dict[str, str], annotations: dict[str, str], fingerprint: str) -> str:
    for candidate in (annotations.get("summary"), annotations.get("title")):
        if candidate and title_text(candidate):
            return title_text(candidate)
    name, instance = labels.get("alertname", ""), labels.get("instance", "")
    text = f"{name} on {instance}" if name and instance else name or f"alert {fingerprint}"
    return title_text(text) or f"alert {fingerprint}"


def _indented(text: str) -> str:
    """A multi-line value under its key: every further line indented."""
    return "\n    ".join(clean_text(text).split("\n"))


def _description(alert: dict, labels: dict[str, str], annotations: dict[str, str], body: dict) -> str:
    parts = []
    if annotations.get("description"):
        parts.append(annotations["description"])
    # One line per label and fact: a line break in a value must not forge a line of its
    # own ("X-Injected: 1"); an annotation's further lines stay indented under its key.
    parts.append("Labels:\n" + "\n".join(f"  {clean_line(k)} = {clean_line(v)}" for k, v in sorted(labels.items())))
    others = {k: v for k, v in annotations.items() if k not in ("summary", "description", "runbook_url")}
    if others:
        parts.append(
            "Annotations:\n" + "\n".join(f"  {clean_line(k)} = {_indented(v)}" for k, v in sorted(others.items()))
        )
    facts = [("Started", alert.get("startsAt")), ("Runbook", annotations.get("runbook_url"))]
    facts += [("Source", alert.get("generatorURL")), ("Dashboard", alert.get("dashboardURL"))]
    facts += [("Value", alert.get("valueString")), ("Alertmanager", body.get("externalURL"))]
    lines = [f"{name}: {clean_line(value)}" for name, value in facts if isinstance(value, str) and value]
    if lines:
        parts.append("\n".join(lines))
    return description_text("\n\n".join(parts))


def parse_alert(alert: Any, index: int, body: dict) -> Signal:
    """One alert as a signal; Invalid names the alert and what is wrong."""
    where = f"alert {index}"
    if not isinstance(alert, dict):
        raise Invalid(f"{where} must be an object")
    status = alert.get("status")
    if status not in ("firing", "resolved"):
        raise Invalid(f"{where}: 'status' must be 'firing' or 'resolved'")
    labels = _pairs(alert, "labels", where, required=True)
    annotations = _pairs(alert, "annotations", where, required=False)
    fingerprint = _text(alert, "fingerprint", where) or fingerprint_of(labels)
    key = dedup_key_text(fingerprint)
    ref = f"alert {index} ({key[:64]})"
    starts = _text(alert, "startsAt", where)[:64]
    ends = _text(alert, "endsAt", where)[:64]
    asked = labels.get(EVENT_LABEL)
    if status == "resolved":
        note = f"resolved in Alertmanager at {ends}" if ends and ends != NO_TIME else "resolved in Alertmanager"
        return Signal(RESOLVE, key, ref, asked_event=asked, labels=labels, note=note, episode=starts or None)
    request = RaiseRequest(
        event="",
        title=_title(labels, annotations, key),
        description=_description(alert, labels, annotations, body),
        link=link_text(alert.get("generatorURL"), annotations.get("runbook_url")),
        dedup_key=key,
        episode=starts or None,
        severity=from_label(labels.get("severity")),
    )
    return Signal(RAISE, key, ref, request=request, asked_event=asked, labels=labels)


def parse_alertmanager(body: Any) -> list[Signal]:
    """The signals of one webhook body, one per alert; Invalid names the problem."""
    if not isinstance(body, dict):
        raise Invalid("the body must be a JSON object (an Alertmanager webhook, version 4)")
    version = body.get("version")
    grafana = "orgId" in body
    if version != "4" and not (grafana and version == "1"):
        raise Invalid(f"unsupported webhook version {str(version)[:20]!r}: Alertmanager's version '4' is expected")
    alerts = body.get("alerts")
    if not isinstance(alerts, list):
        raise Invalid("'alerts' must be a list")
    if len(alerts) > MAX_SIGNALS:
        raise Invalid(f"more than {MAX_SIGNALS} alerts in one body")
    return [parse_alert(alert, index, body) for index, alert in enumerate(alerts, start=1)]
