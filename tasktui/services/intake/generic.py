"""The generic JSON intake (`POST /intake/json`): the same object as one line of
`raise --batch` (see `transfer.batch`), plus `"status": "resolved"` to resolve the
open task with its `dedup_key`. Without an `event`, the source's default event is
raised.
"""

from __future__ import annotations

from typing import Any

from tasktui.errors import Invalid
from tasktui.services.intake.signals import RAISE, RESOLVE, Signal, dedup_key_text
from tasktui.services.transfer.batch import parse_object

STATUSES = ("firing", "resolved")


def parse_json_signal(body: Any, default_event: str) -> Signal:
    """The signal of one JSON object; Invalid names the problem."""
    if not isinstance(body, dict):
        raise Invalid("the body must be a JSON object (one line of 'raise --batch')")
    data = dict(body)
    status = data.pop("status", "firing")
    if status not in STATUSES:
        raise Invalid("'status' must be 'firing' or 'resolved'")
    asked = data.get("event")
    if asked is not None and not isinstance(asked, str):
        raise Invalid("'event' must be a string")
    if status == "resolved":
        key = data.get("dedup_key")
        if not isinstance(key, str) or not key.strip():
            raise Invalid("'dedup_key' is required to resolve")
        key = dedup_key_text(key)
        return Signal(RESOLVE, key, key[:64], asked_event=asked or None, note="resolved by a JSON sender")
    data["event"] = asked or default_event
    item = parse_object(1, data)
    ref = item.dedup_key[:64] if item.dedup_key else "object"
    return Signal(RAISE, item.dedup_key or "", ref, request=item, asked_event=asked or None)
