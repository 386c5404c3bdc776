"""Export the tasks matching a filter to a CSV or JSON file.

Rows are streamed with `iter_tasks` (keyset pages), so memory stays flat at any size.
The file is written next to its destination under a temporary name and renamed into
place at the end: an interrupted export never leaves half a file under the real name.
An existing file is refused unless `overwrite` is given.

JSON objects carry one key more than the CSV columns: `attributes`, the task's custom
attribute values typed as in `task list --format json` ({} when none), so a JSON
export holds everything `tasktui import` needs to load the tasks into another
database. CSV stays one flat row per task, without attribute values.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from tasktui.errors import Invalid, Refused, write_failed
from tasktui.formats import csv_value, iso
from tasktui.services.tasks.counts import count_tasks
from tasktui.services.tasks.filters import TaskFilter
from tasktui.services.tasks.listing import TaskRow, iter_tasks
from tasktui.text_safety import json_safe

EXPORT_FORMATS = ("csv", "json")
#: The fields of an exported task, in column order (the JSON objects use the same keys).
EXPORT_FIELDS = [
    "id",
    "created_at",
    "status",
    "title",
    "description",
    "plugin",
    "event",
    "event_name",
    "link",
    "done_at",
    "assignee",
    "group",
    "occurrences",
    "last_seen_at",
    "dedup_key",
    "severity",
    "acknowledged_by",
    "acknowledged_at",
    "snoozed_until",
]
#: The progress callback is called after this many rows (and at the end).
PROGRESS_EVERY = 1000
#: Attribute values of a JSON export are fetched for this many tasks at a time.
ATTRIBUTE_CHUNK = 500


@dataclass(frozen=True)
class ExportResult:
    """Where the tasks went and how many."""

    path: Path
    format: str
    count: int


def export_row(row: TaskRow) -> dict[str, Any]:
    """One task as exported: the fields of EXPORT_FIELDS, datetimes in ISO 8601 UTC."""
    data = {name: getattr(row, name) for name in EXPORT_FIELDS}
    for name in ("created_at", "done_at", "last_seen_at", "acknowledged_at", "snoozed_until"):
        data[name] = iso(data[name])
    return data


def _with_attributes(rows: Iterable[TaskRow]) -> Iterator[dict[str, Any]]:
    """Exported rows with their typed attribute values, one query per chunk of tasks."""
    from tasktui.services.tasks.attribute_values import typed_values

    chunk: list[TaskRow] = []

    def flush() -> Iterator[dict[str, Any]]:
        values = typed_values([r.id for r in chunk])
        for r in chunk:
            yield {**export_row(r), "attributes": values[r.id]}
        chunk.clear()

    for row in rows:
        chunk.append(row)
        if len(chunk) >= ATTRIBUTE_CHUNK:
            yield from flush()
    yield from flush()


def format_for(path: Path, fmt: str | None) -> str:
    """The format named, or the one the file name ends with."""
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in EXPORT_FORMATS:
        raise Invalid(f"unknown export format {fmt!r}: use csv or json")
    return fmt


def check_destination(path: Path, overwrite: bool) -> Path:
    """The destination, refused when it exists (without `overwrite`) or its folder
    does not."""
    path = path.expanduser()
    if path.exists() and not overwrite:
        raise Refused(f"{path} already exists: choose another file or overwrite it (--force)")
    if path.exists() and not path.is_file():
        raise Invalid(f"{path} is not a file")
    if not path.parent.is_dir():
        raise Invalid(f"cannot write {path}: folder {path.parent} does not exist")
    return path


def write_tasks(
    out: TextIO,
    flt: TaskFilter,
    fmt: str,
    sort: str = "created",
    descending: bool = True,
    lang: str = "en",
    progress: Callable[[int, int], None] | None = None,
    total: int | None = None,
) -> int:
    """Write every task matching `flt` to `out` as CSV or JSON; returns how many.
    `progress(done, total)` is called every PROGRESS_EVERY rows."""
    total = count_tasks(flt) if total is None else total
    written = 0
    writer = csv.DictWriter(out, EXPORT_FIELDS, lineterminator="\n") if fmt == "csv" else None
    if writer is not None:
        writer.writeheader()
    else:
        out.write("[")
    rows = iter_tasks(flt, sort, descending, lang=lang)
    for data in (export_row(r) for r in rows) if writer is not None else _with_attributes(rows):
        if writer is not None:
            writer.writerow({k: csv_value(v) for k, v in data.items()})
        else:
            out.write(("\n  " if written == 0 else ",\n  ") + json_safe(json.dumps(data, ensure_ascii=False)))
        written += 1
        if progress is not None and written % PROGRESS_EVERY == 0:
            progress(written, max(total, written))
    if writer is None:
        out.write("\n]\n" if written else "]\n")
    return written


#: An export to a browser is held in memory up to this size, then in an unnamed
#: temporary file (gone when closed): nothing named is left on the server's disk.
IN_MEMORY_EXPORT_BYTES = 32 * 1024 * 1024


def export_to_file_object(
    flt: TaskFilter,
    fmt: str,
    sort: str = "created",
    descending: bool = True,
    lang: str = "en",
    progress: Callable[[int, int], None] | None = None,
) -> tuple[BinaryIO, int]:
    """The export as a readable binary file object at its start, and the number of
    tasks: for a browser session, which downloads it instead of writing a file where
    the server runs. The caller closes it (Textual's `deliver_binary` does)."""
    fmt = format_for(Path(f"x.{fmt}"), fmt)
    buffer = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_EXPORT_BYTES, mode="w+b")  # noqa: SIM115 (returned open)
    text = io.TextIOWrapper(buffer, encoding="utf-8", newline="")
    try:
        written = write_tasks(text, flt, fmt, sort, descending, lang, progress)
        text.flush()
        text.detach()
    except BaseException:
        buffer.close()
        raise
    buffer.seek(0)
    if progress is not None:
        progress(written, written)
    return buffer, written  # type: ignore[return-value]


def export_tasks(
    flt: TaskFilter,
    path: Path,
    fmt: str | None = None,
    sort: str = "created",
    descending: bool = True,
    lang: str = "en",
    overwrite: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ExportResult:
    """Write every task matching `flt` to `path` as CSV or JSON. `progress(done,
    total)` is called every PROGRESS_EVERY rows and at the end."""
    path = check_destination(Path(path), overwrite)
    fmt = format_for(path, fmt)
    total = count_tasks(flt)
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as e:
        raise write_failed(e, str(path)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            written = write_tasks(out, flt, fmt, sort, descending, lang, progress, total)
        if overwrite:
            os.replace(temp_name, path)
        else:  # a hard link never replaces a file that appeared while the export ran
            try:
                os.link(temp_name, path)
            except FileExistsError:
                raise Refused(f"{path} already exists: choose another file or overwrite it (--force)") from None
            os.unlink(temp_name)
    except OSError as e:  # a full disk, a quota, a file size limit: one line, exit code 4
        Path(temp_name).unlink(missing_ok=True)
        raise write_failed(e, str(path)) from None
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    if progress is not None:
        progress(written, written)
    return ExportResult(path, fmt, written)
