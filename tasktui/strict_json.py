"""JSON from scripts and webhooks, read strictly where Python's decoder is lenient.

- A key given twice in one object is refused (`loads`): the decoder keeps the last
  value without a word, so `{"title": "a", "title": "b"}` would pass where an unknown
  key is refused so that a typo never passes.
- A lone surrogate (`"\\ud800"`: valid JSON, not text) is replaced by U+FFFD, as the
  input cleaners treat other characters a database or terminal cannot take: SQLite
  and PostgreSQL cannot store it (the write failed with an internal error, and the
  intake answered 500, which Alertmanager retries for ever). The decoded value is
  only walked when the text holds such an escape, so the usual text costs one scan.
"""

from __future__ import annotations

import json
import re

from tasktui.errors import Invalid
from tasktui.lazy_typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

#: The escape of a UTF-16 surrogate (a valid pair is decoded to one character).
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        seen: set[str] = set()
        twice = next(key for key, _ in pairs if key in seen or seen.add(key))  # type: ignore[func-returns-value]
        raise Invalid(f"the key {json.dumps(twice)} is given twice in one object")
    return data


def without_lone_surrogates(value: Any) -> Any:
    """`value` (decoded JSON) with every lone surrogate in its strings and keys as U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [without_lone_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {without_lone_surrogates(k): without_lone_surrogates(v) for k, v in value.items()}
    return value


def loads(text: str) -> Any:
    """`json.loads(text)`, a key given twice Invalid, lone surrogates replaced; the
    decoder's own errors (JSONDecodeError, ValueError, RecursionError) as they are."""
    value = json.loads(text, object_pairs_hook=_unique_keys)
    return without_lone_surrogates(value) if SURROGATE_ESCAPE.search(text) else value
