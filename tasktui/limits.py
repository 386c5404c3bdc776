"""Every input limit of tasktui, defined once (the README's "Input limits" table).

Why limits: one unbounded input blocked everyone — a 4 MB description held the write
lock for two minutes while a concurrent raise gave up, and `/dev/zero` on stdin or a
50 MB manifest ran for minutes in hundreds of MB. Each limit is checked before a
write transaction starts, and stdin and files are read only up to the limit (plus
one byte, to tell that it was exceeded), never whole; going over one is a one-line
`Invalid` (exit code 2).

Units: a text field is counted in characters (what a person sees and edits); a whole
input that is read — a batch line, a manifest, an import record — in bytes. This
module imports nothing heavy: `tasktui raise` reads it.
"""

from __future__ import annotations

from tasktui.errors import Invalid

KIB = 1024
MIB = 1024 * KIB

# ---------------------------------------------------------------- task text (characters)
#: A task title: one line.
MAX_TITLE = 500
#: A task description; `tasktui run` keeps the tail of the output that fits.
MAX_DESCRIPTION = 64 * KIB
#: A task link (URL or reference).
MAX_LINK = 2000
#: A comment body.
MAX_COMMENT = 20_000
#: A dedup key (`--dedup-key`, `dedup_key` in a batch line or an import record).
MAX_DEDUP_KEY = 200
#: A search text (`task list -q`, the tasks screen's search): the text index answers
#: a 100,000-character search only after minutes (its trigrams are looked up one by one).
MAX_SEARCH = 200
#: A text attribute value, and the text of any attribute value before it is parsed.
MAX_ATTRIBUTE_TEXT = 2000
#: The id and the source of a related process (`--process`, `--process-source`).
MAX_PROCESS_ID = 200
MAX_PROCESS_SOURCE = 200

# ---------------------------------------------------------------- definitions (characters)
#: An event identifier.
MAX_IDENTIFIER = 100
#: An event name (per language).
MAX_NAME = 200
#: A plugin name (manifests).
MAX_PLUGIN = 100
#: An attribute label, attribute set name or choice.
MAX_LABEL = 200
#: The choices of one choice attribute.
MAX_CHOICES = 200

#: A user's display name; a group's description.
MAX_DISPLAY_NAME = 200
MAX_GROUP_DESCRIPTION = 2000

# ---------------------------------------------------------------- whole inputs (bytes)
#: One JSON line of `raise --batch`.
MAX_BATCH_LINE = 1 * MIB
#: The lines of one `raise --batch` (split a bigger batch).
MAX_BATCH_LINES = 1_000_000
#: One plugin manifest file (`event register`).
MAX_MANIFEST = 1 * MIB
#: One task object of an import file (the file itself is read record by record).
MAX_IMPORT_RECORD = 1 * MIB
#: How deeply JSON arrays and objects may nest in a batch line or an import record.
MAX_JSON_DEPTH = 32
#: The body of one intake request (`intake serve --max-body` changes it).
MAX_INTAKE_BODY = 1 * MIB
#: Intake requests that may wait for the database (`intake serve --max-queue`); more: 503.
MAX_INTAKE_QUEUE = 1000
#: Task ids read from stdin (`task done -` ...), one per line.
MAX_STDIN_IDS = 1_000_000

# ---------------------------------------------------------------- numbers
#: Ids, counts and exit codes are stored as SQLite's 64-bit signed integers.
MAX_INTEGER = 2**63 - 1
MIN_INTEGER = -(2**63)
#: The display position of an attribute or attribute group (`--position`).
MAX_POSITION = 1_000_000
#: `db backup --pages` is handed to SQLite as a C int.
MAX_BACKUP_PAGES = 2**31 - 1
#: `db backup --pause-ms`: a minute between two steps is already a very slow backup.
MAX_BACKUP_PAUSE_MS = 60_000
#: `notify --interval`, in seconds: a day.
MAX_NOTIFY_INTERVAL = 86_400


def check_length(value: str | None, limit: int, what: str) -> None:
    """Refuse a text of more than `limit` characters, saying which and how long it is.
    Called before any write transaction, so an oversized input never holds the lock."""
    if value is not None and len(value) > limit:
        raise Invalid(f"{what} must be at most {limit:,} characters (it has {len(value):,})")


def too_big(what: str, limit: int) -> Invalid:
    """The error for an input of more than `limit` bytes (read only up to the limit)."""
    return Invalid(f"{what} is larger than {format_bytes(limit)}")


def format_bytes(size: int) -> str:
    """`1 MiB`, `64 KiB` or `100 bytes`, as the README's table writes the limits."""
    if size % MIB == 0:
        return f"{size // MIB} MiB"
    if size % KIB == 0:
        return f"{size // KIB} KiB"
    return f"{size:,} bytes"
