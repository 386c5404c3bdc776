"""Untrusted text kept away from terminals: input cleaners and visible rendering.

Task text comes from scripts, webhooks and imports, so it may hold terminal escape
sequences (an OSC 52 writes the clipboard, an OSC 0 the window title, a CSI moves the
cursor), carriage returns that overwrite a line, or bidi overrides that reorder what
is read. Two layers, both here so every way in and out shares them:

- On input, `clean_line` (titles, names, links) and `clean_text` (descriptions,
  comments, a command's output) remove whole escape sequences and the C0/C1 control
  characters, so a stray control character never refuses a script's task.
- On output to a terminal, `visible_line` / `visible_text` draw what remains (older
  databases were not cleaned; bidi overrides are kept on input, as real
  right-to-left text may need them; so are zero-width spaces, word joiners, BOMs) as
  visible symbols: ESC as ␛, U+202E as <U+202E>, a zero-width space as <U+200B>.
- JSON stays the exact stored string, but with these characters as \\u escapes
  (`json_safe`), and CSV cells are shown like a terminal and lose formula power
  (`csv_cell`).

No Textual here: the CLI, the services and the TUI all import this module.
"""

from __future__ import annotations

import re

# The patterns are compiled on first use (`re` keeps them): compiling all of them cost
# every command ~3 ms at start-up, and text of printable characters only, almost all
# of it, never needs one (`str.isprintable` is false for every character they match:
# C0, DEL, C1, the bidi controls, U+2028 and U+2029).

#: Whole escape sequences, removed on input so no bare parameters are left behind:
#: CSI (colours, cursor moves), the string commands OSC/DCS/SOS/PM/APC up to their
#: terminator (BEL or ST) on the same line, and the other two-character ESC sequences.
_ESCAPE_SEQUENCE = (
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[ -/]*[0-~]"
)
#: C0 (but tab and newline), DEL and C1 control characters; NEL (U+0085) is a line
#: separator, kept in multi-line text like U+2028 (it introduces no sequence).
_CONTROLS = r"[\x00-\x08\x0b-\x1f\x7f-\x84\x86-\x9f]"
_LINE_BREAKS = r"\r\n|[\r\n\t\x85]"
#: Invisible characters that reorder the text around them (Trojan Source).
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
#: Characters that take no room and mean nothing in a title or a name, so two texts
#: that look alike may differ by them: zero-width space, word joiner, the invisible
#: operators, BOM. (The zero-width joiners U+200C/U+200D shape scripts and emoji: kept.)
INVISIBLE = "\u200b\u2060\u2061\u2062\u2063\u2064\ufeff"
_HIDDEN = BIDI_CONTROLS + INVISIBLE
#: Everything a terminal must not receive raw: C0, DEL, C1, the bidi controls and
#: the invisible characters.
_UNSAFE = f"[\\x00-\\x1f\\x7f-\\x9f{_HIDDEN}]"
#: A line shows the Unicode line and paragraph separators too: a reader splitting
#: lines as Python and JavaScript do would see one line of an error message as two.
_UNSAFE_IN_LINE = f"[\\x00-\\x1f\\x7f-\\x9f\u2028\u2029{_HIDDEN}]"
_UNSAFE_IN_TEXT = f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{_HIDDEN}]"
#: What `json.dumps` leaves raw (it escapes C0 itself; its own newlines are layout).
_UNSAFE_IN_JSON = f"[\\x7f-\\x9f{_HIDDEN}]"
#: Characters at the start of a CSV cell that a spreadsheet reads as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def clean_text(text: str | None) -> str:
    """A multi-line field as stored: escape sequences and control characters
    removed, tabs, newlines and NEL kept, CRLF and lone CR turned into LF (a progress
    bar's CR would otherwise hide the lines it overwrote)."""
    if not text:
        return ""
    if text.isprintable() or text.replace("\n", "").replace("\t", "").isprintable():
        return text
    text = re.sub(_ESCAPE_SEQUENCE, "", text).replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(_CONTROLS, "", text)


def clean_line(text: str | None) -> str:
    """A one-line field (title, name, link) as stored: escape sequences removed,
    CR, LF, NEL and TAB turned into spaces, other control characters removed."""
    if not text or text.isprintable():
        return text or ""
    text = re.sub(_LINE_BREAKS, " ", re.sub(_ESCAPE_SEQUENCE, "", text))
    return re.sub(_CONTROLS, "", text)


def clean_name(text: str | None) -> str:
    """A one-line name (event name, attribute label or choice, set name) as stored:
    stripped and cleaned like `clean_line`, except that a newline is kept, so that the
    caller's one-line check refuses it instead of the lines being joined."""
    text = (text or "").strip()
    return text if "\n" in text else clean_line(text).strip()


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␀ … ␛ … ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def visible_line(text: str | None) -> str:
    """Text for one line of a terminal (a table cell, a title): newlines and tabs
    as spaces, every other control or bidi character and the line and paragraph
    separators (U+2028, U+2029) as a visible symbol."""
    if not text or text.isprintable():
        return text or ""
    return re.sub(_UNSAFE_IN_LINE, _picture, text.replace("\n", " ").replace("\t", " "))


def visible_text(text: str | None) -> str:
    """Multi-line text for a terminal (a description): newlines and tabs kept,
    every other control or bidi character as a visible symbol."""
    if not text or text.isprintable():
        return text or ""
    return re.sub(_UNSAFE_IN_TEXT, _picture, text)


def has_unsafe(text: str) -> bool:
    """True when `text` holds a character a terminal must not receive raw (for
    the TUI's last-line filter, which only strips)."""
    return not text.isprintable() and re.search(_UNSAFE, text) is not None


def strip_unsafe(text: str) -> str:
    """`text` without the characters a terminal must not receive raw; they take no
    cells, so a rendered line keeps its width."""
    return text if text.isprintable() else re.sub(_UNSAFE, "", text)


def json_safe(text: str) -> str:
    """JSON text with C1, DEL and bidi characters written as \\u escapes
    (`json.dumps` escapes only C0): the parsed value is the exact stored string, and
    printing the JSON to a terminal sends no raw control character."""
    if text.isprintable():
        return text
    return re.sub(_UNSAFE_IN_JSON, lambda m: f"\\u{ord(m.group()):04x}", text)


#: Link schemes tasktui opens in a browser (a task link comes from a script: no
#: `javascript:`, `data:` or `file:`), in the terminal and in browser mode alike.
OPEN_URL_SCHEMES = ("http", "https", "mailto")


def openable_link(url: str) -> bool:
    """Whether `url` may be opened in a browser (its scheme is in OPEN_URL_SCHEMES)."""
    from urllib.parse import urlsplit

    try:
        return urlsplit(url.strip()).scheme.lower() in OPEN_URL_SCHEMES
    except ValueError:
        return False


def csv_cell(value: str) -> str:
    """A CSV cell that is safe to print and to open in a spreadsheet: controls
    visible (newlines and tabs kept, CSV quotes them), and a leading `=`, `+`,
    `-`, `@` (or tab, CR) prefixed with `'` so it is not run as a formula."""
    if value.startswith(FORMULA_STARTS):
        value = "'" + value
    return visible_text(value)
