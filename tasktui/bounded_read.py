"""Read stdin and files only up to a limit (see `tasktui.limits`).

Why: `sys.stdin.read()` on `/dev/zero` never returns and a 50 MB file is read whole
before its size can be refused. These functions read at most the limit plus one
byte (to tell that the limit was exceeded), so an oversized input is refused in
milliseconds and with flat memory, before any database work.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from tasktui.errors import Invalid
from tasktui.limits import too_big

#: Bytes asked of a stream at a time.
CHUNK = 64 * 1024
#: UTF-8 needs at most this many bytes per character.
UTF8_MAX_BYTES = 4


def read_limited(stream: BinaryIO, max_bytes: int) -> bytes:
    """At most `max_bytes + 1` bytes of `stream`: more than `max_bytes` means too big."""
    chunks: list[bytes] = []
    remaining = max_bytes + 1
    while remaining > 0:
        chunk = stream.read(min(remaining, CHUNK))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def stdin_bytes() -> BinaryIO:
    """The byte stream under stdin (also under a test runner's replaced stdin);
    Invalid when the process was started with stdin closed (`<&-`)."""
    if sys.stdin is None:
        raise Invalid("stdin is closed: there is nothing to read ('-' reads stdin)")
    return sys.stdin.buffer


def _decode(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Invalid(f"{where} is not valid UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start})") from None


def read_stdin_text(max_chars: int, what: str) -> str:
    """All of stdin as text for a field of at most `max_chars` characters; reads at
    most the bytes such a text can take, and refuses more (one line, exit 2)."""
    max_bytes = max_chars * UTF8_MAX_BYTES
    data = read_limited(stdin_bytes(), max_bytes)
    if len(data) > max_bytes:
        raise Invalid(f"{what} on stdin must be at most {max_chars:,} characters (it has more)")
    text = _decode(data, f"{what} on stdin")
    if len(text) > max_chars:
        raise Invalid(f"{what} on stdin must be at most {max_chars:,} characters (it has {len(text):,})")
    return text


def stdin_lines(max_line_bytes: int, max_lines: int, what: str) -> Iterator[str]:
    """The lines of stdin, split at "\\n" only, without it; a line of more than
    `max_line_bytes` bytes or more than `max_lines` lines is Invalid as soon as it is
    seen (the rest of stdin is not read)."""
    stream = stdin_bytes()
    number = 0
    while True:
        line = stream.readline(max_line_bytes + 2)
        if not line:
            return
        number += 1
        if number > max_lines:
            raise Invalid(f"{what}: more than {max_lines:,} lines on stdin (split them)")
        body = line[:-1] if line.endswith(b"\n") else line
        if len(body) > max_line_bytes:
            raise Invalid(f"{what}: line {number} is larger than the limit of {max_line_bytes:,} bytes")
        yield _decode(body, f"{what}: line {number}")


def read_file_limited(path: Path, max_bytes: int, what: str) -> bytes:
    """The bytes of the file at `path`, refused (Invalid) when it has more than
    `max_bytes`; OSError (missing, a directory, unreadable) is left to the caller."""
    with open(path, "rb") as f:
        data = read_limited(f, max_bytes)
    if len(data) > max_bytes:
        raise too_big(what, max_bytes)
    return data
