"""Read a JSON array item by item, each item bounded (`tasktui import`).

Why: `json.loads(path.read_bytes())` holds a whole export in memory twice and cannot
refuse `/dev/zero` or a 2 GB record before reading all of it. `iter_json_array`
reads 64 KiB at a time and decodes one item at a time with the C decoder; an item
(with the white space before it) of more than `max_item` characters, or nested
deeper than Python can decode, is Invalid as soon as that is known.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from tasktui.errors import Invalid
from tasktui.strict_json import SURROGATE_ESCAPE, without_lone_surrogates

CHUNK = 64 * 1024
_SPACE = re.compile(r"[ \t\n\r]*")
_NUMBER_TAIL = re.compile(r"[0-9.eE+-]*")
_DECODER = json.JSONDecoder()


class NotAnArray(Invalid):
    """The document is valid JSON so far, but its top level is not an array."""

    def __init__(self, value: Any) -> None:
        self.value = value
        super().__init__(f"not a JSON array but a JSON {type(value).__name__}")


class NotJson(Invalid):
    """The document is not JSON; `head` is its beginning (to recognise another format)."""

    def __init__(self, message: str, head: str) -> None:
        self.head = head
        super().__init__(message)


@dataclass
class _Position:
    """Line and column of the text dropped from the buffer, for error messages."""

    lines: int = 0
    column: int = 0

    def drop(self, text: str) -> None:
        """Account for `text`, dropped from the front of the buffer."""
        newlines = text.count("\n")
        if newlines:
            self.lines += newlines
            self.column = len(text) - text.rindex("\n") - 1
        else:
            self.column += len(text)


class _Reader:
    """Decoded text of a byte stream, read on demand, with consumed text dropped."""

    def __init__(self, stream: BinaryIO, what: str) -> None:
        self.stream = stream
        self.what = what
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.text = ""
        self.pos = 0  # start of the unconsumed text
        self.eof = False
        self.bytes_read = 0
        self.dropped = _Position()
        self.head = ""  # the first characters of the document (to recognise a CSV file)

    def more(self) -> None:
        """Read another chunk (or note the end of the stream)."""
        if self.pos:
            self.dropped.drop(self.text[: self.pos])
            self.text, self.pos = self.text[self.pos :], 0
        data = self.stream.read(CHUNK)
        try:
            self.text += self.decoder.decode(data, final=not data)
        except UnicodeDecodeError as e:
            raise Invalid(f"{self.what}: not UTF-8 text (byte {self.bytes_read + e.start + 1})") from None
        self.bytes_read += len(data)
        self.eof = not data
        if not self.head:
            self.head = self.text[:100]

    def skip_space(self, limit: int) -> str | None:
        """The next character that is not white space (not consumed), None at the end;
        more than `limit` characters of white space in a row are Invalid (endless
        blanks are bounded too)."""
        skipped = 0
        while True:
            space = _SPACE.match(self.text, self.pos)  # always matches (maybe nothing)
            end = space.end() if space else self.pos
            skipped += end - self.pos
            self.pos = end
            if skipped > limit:
                raise Invalid(f"{self.what}: more than {limit:,} characters of white space in a row")
            if self.pos < len(self.text):
                return self.text[self.pos]
            if self.eof:
                return None
            self.more()

    def not_json(self, error: json.JSONDecodeError) -> NotJson:
        """The error for bad JSON, placed in the whole document."""
        line = self.dropped.lines + error.lineno
        column = error.colno + (self.dropped.column if error.lineno == 1 else 0)
        return NotJson(f"{self.what}: not JSON ({error.msg} at line {line}, column {column})", self.head)


def _may_go_on(error: json.JSONDecodeError, text: str) -> bool:
    """True when more text could make the JSON valid: the error is at the end of the
    text read so far (a string, an escape or a literal such as -Infinity cut by the
    chunk), not in the middle."""
    return error.msg.startswith("Unterminated string") or error.pos >= len(text) - len("-Infinity")


def _number_may_go_on(value: Any, text: str, end: int) -> bool:
    """True when a number decoded at the end of the text read so far may go on in the
    next chunk: "12" of "123", "0" of "0.5" (cut after "0.")."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and bool(_NUMBER_TAIL.fullmatch(text, end))


def _value(reader: _Reader, max_item: int, label: str) -> Any:
    """Decode the JSON value at the reader's position (reading more until it is complete)."""
    while True:
        start = reader.pos
        try:
            value, end = _DECODER.raw_decode(reader.text, reader.pos)
        except json.JSONDecodeError as e:
            if reader.eof or not _may_go_on(e, reader.text):
                raise reader.not_json(e) from None
            value, end = None, -1
        except ValueError:  # an integer of more than 4,300 digits (sys.get_int_max_str_digits)
            raise Invalid(f"{reader.what}: {label} holds a number too long to read") from None
        except RecursionError:
            raise Invalid(f"{reader.what}: {label} is nested too deeply") from None
        if end != -1 and (reader.eof or not _number_may_go_on(value, reader.text, end)):
            if end - start > max_item:
                break
            reader.pos = end
            if SURROGATE_ESCAPE.search(reader.text, start, end):  # not text: as the input cleaners do
                value = without_lone_surrogates(value)
            return value
        if len(reader.text) - start > max_item:
            break
        reader.more()
    raise Invalid(f"{reader.what}: {label} is larger than the limit of {max_item:,} characters")


def iter_json_array(stream: BinaryIO, max_item: int, what: str) -> Iterator[Any]:
    """The items of the JSON array in `stream`, one at a time. `what` (a file name)
    starts every error message; `NotAnArray` when the top level is another value."""
    reader = _Reader(stream, what)
    reader.more()
    first = reader.skip_space(max_item)
    if first is None:
        raise NotJson(f"{what}: not JSON (Expecting value at line 1, column 1)", reader.head)
    if first != "[":
        raise NotAnArray(_value(reader, max_item, "the document"))
    reader.pos += 1
    index = 0
    while True:
        char = reader.skip_space(max_item)
        if char == "]" and index == 0:
            reader.pos += 1
            break
        if char is None:
            raise Invalid(f"{what}: not JSON (the array is not closed)")
        index += 1
        yield _value(reader, max_item, f"record {index}")
        char = reader.skip_space(max_item)
        if char == "]":
            reader.pos += 1
            break
        if char is None:
            raise Invalid(f"{what}: not JSON (the array is not closed)")
        if char != ",":
            raise Invalid(f"{what}: not JSON (expected ',' or ']' after record {index})")
        reader.pos += 1
    if reader.skip_space(max_item) is not None:
        raise Invalid(f"{what}: not JSON (extra data after the array)")
