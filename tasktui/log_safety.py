"""Server logs without secrets: the one filter the intake and browser mode put on
aiohttp's loggers.

aiohttp logs a request it cannot parse with its raw request line or header, e.g.
`b'Authorization: Bearer tt_...\\x01'` or `b'GET /?token=tt_web_... x HTTP/1.1'`,
and a traceback. The log must never hold a token, so every record is redacted: any
URL's query string (where a token URL carries it, percent-encoded or not), every
tasktui token by its prefix, the value of an Authorization or Cookie header and of a
bearer credential; the caller may add its own patterns (browser mode: its session
cookie). With `one_line`, a record is also cut to one line (the message and the
exception's summary, no traceback), as the intake promises one line per event, and
control characters are drawn visibly.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Sequence

#: (pattern, replacement): what no log line may show.
SECRETS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(/[^\s?'\"]*)\?[^\s'\"]*"), r"\1?…"),
    (re.compile(r"tt_[A-Za-z0-9_\-]*", re.IGNORECASE), "tt_…"),
    (re.compile(r"((?:authorization|proxy-authorization|cookie)\s*:\s*)[^\r\n'\"]*", re.IGNORECASE), r"\1…"),
    (re.compile(r"(bearer\s+)[^\s'\"\\]*", re.IGNORECASE), r"\1…"),
)


def redact_secrets(text: str, extra: Sequence[tuple[re.Pattern[str], str]] = ()) -> str:
    """`text` with every secret of SECRETS (and `extra`) replaced by `…`."""
    for pattern, replacement in (*SECRETS, *extra):
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """A log handler's filter: each record's message, traceback and stack, as they
    would be printed, with `redact_secrets` applied; with `one_line`, the message and
    the exception's one-line summary only, control characters drawn visibly."""

    def __init__(self, extra: Sequence[tuple[re.Pattern[str], str]] = (), *, one_line: bool = False) -> None:
        super().__init__()
        self.extra = tuple(extra)
        self.one_line = one_line

    def filter(self, record: logging.LogRecord) -> bool:
        parts = [record.getMessage()]
        if self.one_line:
            if record.exc_info and record.exc_info[1] is not None:
                error = record.exc_info[1]
                parts.append(f"{type(error).__name__}: {error}")
        else:
            if record.exc_info:
                parts.append(logging.Formatter().formatException(record.exc_info))
            elif record.exc_text:
                parts.append(record.exc_text)
            if record.stack_info:
                parts.append(record.stack_info)
        text = redact_secrets("\n".join(parts), self.extra)
        if self.one_line:
            from tasktui.text_safety import visible_line

            text = visible_line(" ".join(text.split()))
        record.msg = text
        record.args = None
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True


def log_redacted(
    names: Sequence[str],
    formatter: logging.Formatter,
    *,
    extra: Sequence[tuple[re.Pattern[str], str]] = (),
    one_line: bool = False,
    level: int | None = None,
) -> None:
    """Send the records of the loggers `names` to stderr through one handler that
    redacts them (`RedactSecrets(extra, one_line=...)`), and no longer to the root
    logger; `level` sets theirs. A logger that has such a handler already keeps it
    (a server started twice in one process logs each line once)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    handler.addFilter(RedactSecrets(extra, one_line=one_line))
    for name in names:
        logger = logging.getLogger(name)
        if level is not None:
            logger.setLevel(level)
        if not any(isinstance(f, RedactSecrets) for h in logger.handlers for f in h.filters):
            logger.addHandler(handler)
        logger.propagate = False
