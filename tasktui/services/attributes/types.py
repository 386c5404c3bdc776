"""The types of custom attributes: parsing, validation and the canonical text form.

Pure functions, no database: every attribute value is stored as *canonical text*, the
one spelling of a value that parsing gives back unchanged, so equal values compare
equal in SQL (`--attr qty=007` finds the stored `7`).

Canonical forms, per type:

- ``text``     the text with surrounding whitespace removed (at most 2,000 characters,
               no control characters except newline and tab).
- ``integer``  decimal digits with an optional ``-`` (``+7``, ``007`` -> ``7``), within
               the signed 64-bit range.
- ``decimal``  plain notation without exponent or trailing zeros (``1.50`` -> ``1.5``,
               ``1e3`` -> ``1000``, ``-0.0`` -> ``0``); at most 38 significant digits.
- ``boolean``  ``true`` / ``false``; accepts true/false, yes/no, on/off, 1/0 in any case.
- ``date``     ISO ``YYYY-MM-DD``.
- ``datetime`` ISO 8601 ``YYYY-MM-DDTHH:MM[:SS[.ffffff]]`` with an optional offset
               (``Z``, ``+02:00``). A value with an offset is converted to UTC and stored
               with a ``Z`` (``2024-05-01T12:00+02:00`` -> ``2024-05-01T10:00:00Z``); a
               value without one is kept as the wall-clock time given, without a zone.
- ``choice``   exactly one of the attribute's choices (matched case-insensitively when
               that is unambiguous, stored with the choice's own spelling).
- ``url``      a URL whose scheme is one of ``URL_SCHEMES`` and that names a host
               (``mailto:`` needs an address with ``@`` instead); the scheme is
               lower-cased, the rest kept as given.

`parse` raises `ValueProblem` (a plain ValueError) saying what was expected; callers
that know the attribute use `canonicalise`, which raises `Invalid` naming the
attribute, the value and the expected type.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from tasktui.errors import Invalid
from tasktui.lazy_typing import TYPE_CHECKING
from tasktui.limits import MAX_ATTRIBUTE_TEXT
from tasktui.text_safety import clean_text

if TYPE_CHECKING:
    from typing import Any

TYPES = ("text", "integer", "decimal", "boolean", "date", "datetime", "choice", "url")
#: What a value of each type must look like, for error messages and help texts.
EXPECTED: dict[str, str] = {
    "text": "a text of at most 2000 characters without control characters",
    "integer": "an integer",
    "decimal": "a decimal number",
    "boolean": "a boolean (true/false, yes/no, on/off, 1/0)",
    "date": "a date (YYYY-MM-DD)",
    "datetime": "a datetime (ISO 8601, e.g. 2024-05-01T12:30:00+02:00)",
    "choice": "one of the choices",
    "url": "a URL (http, https, ftp, ftps, sftp, ssh or mailto, with a host)",
}
URL_SCHEMES = ("http", "https", "ftp", "ftps", "sftp", "ssh", "mailto")
MAX_TEXT = MAX_ATTRIBUTE_TEXT
MAX_DECIMAL_DIGITS = 38
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
TRUE_WORDS = ("true", "yes", "on", "1")
FALSE_WORDS = ("false", "no", "off", "0")

_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,4})?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[T ](?P<time>[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?)"
    r"(?P<zone>Z|z|[+-][0-9]{2}:?[0-9]{2})?"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class ValueProblem(ValueError):
    """A value does not fit its type; the message says what was expected."""


def check_type(type_name: str) -> str:
    """The type name, or Invalid listing the known types."""
    if type_name not in TYPES:
        raise Invalid(f"unknown attribute type {type_name!r}: use one of {', '.join(TYPES)}")
    return type_name


def expected(type_name: str, choices: list[str] | None = None) -> str:
    """What a value of this type must look like (for messages)."""
    if type_name == "choice" and choices:
        return "one of: " + ", ".join(choices)
    return EXPECTED[type_name]


def _parse_text(raw: str) -> str:
    text = clean_text(raw).strip()  # untrusted: escape sequences and controls go (text_safety)
    if len(text) > MAX_TEXT or _CONTROL.search(text):
        raise ValueProblem(EXPECTED["text"])
    return text


def _parse_integer(raw: str) -> int:
    text = raw.strip()
    if not _INTEGER.fullmatch(text) or len(text.lstrip("+-").lstrip("0")) > 19:
        raise ValueProblem(EXPECTED["integer"])
    value = int(text)
    if not INT_MIN <= value <= INT_MAX:
        raise ValueProblem(EXPECTED["integer"] + f" (between {INT_MIN} and {INT_MAX})")
    return value


def _parse_decimal(raw: str) -> Decimal:
    text = raw.strip()
    if not _DECIMAL.fullmatch(text):
        raise ValueProblem(EXPECTED["decimal"])
    value = Decimal(text)
    digits = value.as_tuple().digits
    significant = len("".join(map(str, digits)).strip("0"))
    if value.is_zero():
        return Decimal(0)
    if significant > MAX_DECIMAL_DIGITS or abs(value.adjusted()) > MAX_DECIMAL_DIGITS:
        raise ValueProblem(EXPECTED["decimal"] + f" (at most {MAX_DECIMAL_DIGITS} digits)")
    return Decimal(_decimal_text(value))


def _decimal_text(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", "+0", ""):
        text = "0"
    return text


def _parse_boolean(raw: str) -> bool:
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueProblem(EXPECTED["boolean"])


def _parse_date(raw: str) -> dt.date:
    text = raw.strip()
    if not _DATE.fullmatch(text):
        raise ValueProblem(EXPECTED["date"])
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueProblem(EXPECTED["date"]) from None


def _parse_datetime(raw: str) -> dt.datetime:
    match = _DATETIME.fullmatch(raw.strip())
    if not match:
        raise ValueProblem(EXPECTED["datetime"])
    zone = match["zone"] or ""
    if zone in ("z", "Z"):
        zone = "+00:00"
    elif zone and ":" not in zone:
        zone = zone[:3] + ":" + zone[3:]
    try:
        value = dt.datetime.fromisoformat(f"{match['date']}T{match['time']}{zone}")
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise ValueProblem(EXPECTED["datetime"]) from None
    return value


def _parse_choice(raw: str, choices: list[str]) -> str:
    text = raw.strip()
    if text in choices:
        return text
    folded = [c for c in choices if c.casefold() == text.casefold()]
    if len(folded) == 1:
        return folded[0]
    raise ValueProblem(expected("choice", choices))


def _parse_url(raw: str) -> str:
    text = raw.strip()
    if not text or len(text) > MAX_TEXT or any(c.isspace() or not c.isprintable() for c in text):
        raise ValueProblem(EXPECTED["url"])
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise ValueProblem(EXPECTED["url"]) from None
    scheme = parts.scheme.lower()
    if scheme not in URL_SCHEMES:
        raise ValueProblem(EXPECTED["url"])
    if scheme == "mailto":
        local_part, at, domain = parts.path.partition("@")
        if not (local_part and at and domain):
            raise ValueProblem(EXPECTED["url"])
    elif not parts.hostname:
        raise ValueProblem(EXPECTED["url"])
    return scheme + text[len(parts.scheme) :]


def parse(type_name: str, raw: str, choices: list[str] | None = None) -> Any:
    """The value `raw` means for `type_name` (str, int, Decimal, bool, date, datetime),
    or ValueProblem saying what was expected. Blank input is not a value: callers
    decide what "no value" means."""
    if not isinstance(raw, str):
        raise ValueProblem(expected(type_name, choices))
    if type_name == "text":
        return _parse_text(raw)
    if type_name == "integer":
        return _parse_integer(raw)
    if type_name == "decimal":
        return _parse_decimal(raw)
    if type_name == "boolean":
        return _parse_boolean(raw)
    if type_name == "date":
        return _parse_date(raw)
    if type_name == "datetime":
        return _parse_datetime(raw)
    if type_name == "choice":
        return _parse_choice(raw, choices or [])
    if type_name == "url":
        return _parse_url(raw)
    raise ValueProblem(f"a value of a known type ({', '.join(TYPES)})")


def canonical(type_name: str, value: Any) -> str:
    """The canonical text of a parsed value (see the module docstring)."""
    if type_name == "boolean":
        return "true" if value else "false"
    if type_name == "integer":
        return str(int(value))
    if type_name == "decimal":
        return _decimal_text(Decimal(value))
    if type_name == "date":
        return value.isoformat()
    if type_name == "datetime":
        spec = "microseconds" if value.microsecond else "seconds"
        if value.tzinfo is not None:
            return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec=spec) + "Z"
        return value.isoformat(timespec=spec)
    return str(value)


def canonicalise(key: str, type_name: str, raw: str, choices: list[str] | None = None) -> str:
    """The canonical text of `raw` for attribute `key`, or Invalid naming the
    attribute, the value and the expected type."""
    try:
        return canonical(type_name, parse(type_name, raw, choices))
    except ValueProblem as problem:
        shown = raw if len(raw) <= 60 else raw[:57] + "..."
        raise Invalid(f"attribute {key!r}: {shown!r} is not {problem}") from None


def json_value(type_name: str, text: str | None) -> Any:
    """A stored canonical value as JSON wants it: integers as numbers, decimals as
    numbers when a float holds them exactly (else as strings, so no precision is
    lost), booleans as booleans, dates and datetimes as ISO 8601 strings."""
    if text is None:
        return None
    try:
        if type_name == "integer":
            return int(text)
        if type_name == "boolean":
            return text == "true"
        if type_name == "decimal":
            number = float(text)
            return number if Decimal(repr(number)) == Decimal(text) else text
    except (ValueError, InvalidOperation):
        return text
    return text
