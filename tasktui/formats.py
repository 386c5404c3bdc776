"""Rendering rows as table, JSON, CSV or ids: shared by the CLI and the exports.

JSON shape (stable): a list of objects, one per row, keys as the column names;
datetimes in ISO 8601 UTC with a `Z`, absent values as `null`.

Stored text is untrusted (see text_safety): the table and `shown` draw control and
bidi characters visibly, CSV cells are visible and formula-free, and JSON keeps the
exact string with those characters as \\u escapes, never raw."""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence

from tasktui.lazy_typing import TYPE_CHECKING
from tasktui.text_safety import csv_cell, json_safe, visible_line

if TYPE_CHECKING:
    from typing import Any

FORMATS = ("table", "json", "csv", "ids")
MAX_CELL = 60


def iso(value: dt.datetime | None) -> str | None:
    """A stored (naive UTC) datetime as ISO 8601 with a `Z`."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.isoformat(timespec="seconds") + "Z"


def local(value: dt.datetime | None) -> str:
    """A stored (naive UTC) datetime in the local time zone, to the minute."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC).astimezone().strftime("%Y-%m-%d %H:%M")


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return iso(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return local(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def shown(value: Any) -> str:
    """A value as one line for a terminal: `_text`, with control and bidi characters
    drawn visibly (stored text may predate input cleaning)."""
    return visible_line(_text(value))


def _cell(value: Any) -> str:
    text = shown(value)
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def cell_width(text: str) -> int:
    """The cells `text` takes on a terminal: wide (East Asian wide and fullwidth)
    characters two, combining marks and zero-width characters none, others one."""
    if text.isascii():
        return len(text)
    import unicodedata

    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def _padded(text: str, width: int) -> str:
    """`text` filled with spaces to `width` cells."""
    return text + " " * (width - cell_width(text))


def fit_widths(natural: list[int], minimum: list[int], available: int) -> list[int]:
    """Widths (in cells, without padding) for columns whose content needs `natural`
    cells, so that together they take at most `available` cells.

    When the natural widths fit they are kept. Otherwise the widest column gives up a
    cell, again and again (leftmost first among equals), never below its `minimum`:
    long columns are cut (their cells ellipsised) and short ones stay whole. When even
    the minimums do not fit, the minimums are returned."""
    widths = list(natural)
    excess = sum(widths) - available
    while excess > 0:
        shrinkable = [i for i, width in enumerate(widths) if width > minimum[i]]
        if not shrinkable:
            break
        widest = max(shrinkable, key=lambda i: widths[i])
        widths[widest] -= 1
        excess -= 1
    return widths


def terminal_width() -> int | None:
    """The width of the terminal stdout is, or None when stdout is a file or a pipe
    (a script reads whole rows)."""
    try:
        if not sys.stdout.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    import shutil  # only for a terminal: a script's pipe never pays for it

    return shutil.get_terminal_size().columns


#: A column cut to fit the terminal keeps at least this many cells (or its header's).
MIN_FITTED_CELL = 6


def _fitted(text: str, width: int) -> str:
    """`text` cut to `width` cells, with "…" when cut."""
    if cell_width(text) <= width:
        return text
    kept, used = [], 0
    for ch in text:
        cells = cell_width(ch)
        if used + cells > width - 1:
            break
        kept.append(ch)
        used += cells
    return "".join(kept) + "…" if width > 0 else ""


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str], width: int | None = None) -> str:
    """A plain aligned text table with a header line. On a terminal (or with `width`)
    it fits the width: the widest columns are cut with "…", and a row is never wrapped
    (a line that still does not fit is cut at the edge)."""
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    natural = [max([len(c)] + [cell_width(row[i]) for row in cells]) for i, c in enumerate(columns)]
    width = width or terminal_width()
    widths = _table_widths(natural, columns, width)
    return "\n".join(_table_line(row, widths, width) for row in [[c.upper() for c in columns], *cells])


def streamed_table(
    rows: Callable[[], Iterable[dict[str, Any]]], columns: Sequence[str], width: int | None = None
) -> Iterator[str]:
    """The lines of `table(list(rows()), columns, width)`, without holding the rows:
    `rows()` is called twice (the widths, then the lines), for tables of a million
    rows read back from a file."""
    natural = [len(c) for c in columns]
    for r in rows():
        for i, c in enumerate(columns):
            natural[i] = max(natural[i], cell_width(_cell(r.get(c))))
    width = width or terminal_width()
    widths = _table_widths(natural, columns, width)
    yield _table_line([c.upper() for c in columns], widths, width)
    for r in rows():
        yield _table_line([_cell(r.get(c)) for c in columns], widths, width)


def _table_widths(natural: list[int], columns: Sequence[str], width: int | None) -> list[int]:
    if not width:
        return natural
    minimum = [min(w, max(len(c), MIN_FITTED_CELL)) for c, w in zip(columns, natural)]
    return fit_widths(natural, minimum, width - 2 * (len(columns) - 1))


def _table_line(row: list[str], widths: list[int], width: int | None) -> str:
    line = "  ".join(_padded(_fitted(v, w), w) for v, w in zip(row, widths)).rstrip()
    return _fitted(line, width) if width else line


def json_text(rows: Sequence[dict[str, Any]] | dict[str, Any]) -> str:
    """Rows (or one object) as indented JSON: non-ASCII text as is, but no raw
    control or bidi character (`json_safe`)."""
    if isinstance(rows, dict):
        return json_safe(json.dumps({k: _json_value(v) for k, v in rows.items()}, indent=2, ensure_ascii=False))
    return "\n".join(streamed_json(rows))


def streamed_json(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The lines of `json_text(list(rows))`, one piece per row (the first opens the
    list, the last closes it; joined by newlines they are the whole text), without
    holding the rows."""
    pending: str | None = None
    for r in rows:
        item = json.dumps({k: _json_value(v) for k, v in r.items()}, indent=2, ensure_ascii=False)
        piece = json_safe("  " + item.replace("\n", "\n  "))
        if pending is None:
            pending = "[\n" + piece
        else:
            yield pending + ","
            pending = piece
    yield "[]" if pending is None else pending + "\n]"


def csv_value(value: Any) -> Any:
    """One CSV cell of a value: blank for None, ISO 8601 for datetimes, text through
    `csv_cell` (no formula, no raw control character)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return iso(value)
    return csv_cell(value) if isinstance(value, str) else value


def csv_text(rows: Iterable[dict[str, Any]], columns: Sequence[str], header: bool = True) -> str:
    """Rows as CSV (datetimes in ISO 8601); text cells through `csv_cell`, so a
    spreadsheet runs no formula and a terminal gets no control character."""
    import csv

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow(columns)
    for r in rows:
        writer.writerow([csv_value(r.get(c)) for c in columns])
    return out.getvalue().rstrip("\n")


def render(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str, id_key: str = "id", width: int | None = None
) -> str:
    """Rows in one of FORMATS; JSON keeps every key of the rows, the others `columns`."""
    if fmt == "json":
        return json_text(rows)
    if fmt == "csv":
        return csv_text(rows, columns)
    if fmt == "ids":
        return "\n".join(str(r[id_key]) for r in rows)
    return table(rows, columns, width)
