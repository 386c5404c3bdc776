"""Text that may go into an email header, and addresses that may go into SMTP commands.

A header is one line: a CR or LF in a subject would end it (header injection), and
the email package refuses such a value outright, so a task title with a line break
used to make a message that could never be built. Every control character (C0, DEL,
C1) and the Unicode line and paragraph separators, which the email package also
treats as line breaks, are folded to a space here.

Light on purpose (only `re`): `notify.render_message` runs inside `tasktui raise`.
"""

from __future__ import annotations

import re

#: C0 controls (CR, LF, TAB, NUL, ESC...), DEL, C1 controls (NEL...), and U+2028/U+2029.
_BREAKING = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def header_text(value: str) -> str:
    """`value` as one header line: control characters and line separators become
    spaces, runs of white space one space, no white space at either end."""
    return " ".join(_BREAKING.sub(" ", value).split())


def address_problem(address: str) -> str | None:
    """Why `address` cannot be used in MAIL FROM / RCPT TO and a header, or None.

    SMTP commands are ASCII lines (smtplib refuses anything else with an exception);
    an internationalised address would need SMTPUTF8, which tasktui does not use."""
    if _BREAKING.search(address) or any(ch.isspace() for ch in address):
        return f"address {address!r} contains a control character or white space"
    if not address.isascii():
        return f"address {address!r} is not ASCII (it would need SMTPUTF8, which tasktui does not use)"
    return None
