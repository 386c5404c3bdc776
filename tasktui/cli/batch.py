"""`tasktui raise --batch`: one raise per JSON line on stdin, all or nothing.

See `tasktui.services.transfer.batch` for the line format and the rule. Output: one result per
line — table `line 3: created task 12 (event, occurrences: 1)`, JSON a list of
`{"line", "task_id", "outcome", "occurrences", "event"}`, ids one task id per line.
A bad batch prints one `tasktui: error: line N: ...` line per bad line on stderr,
then a summary line, and exits 2 with nothing raised.

Flat memory: stdin is read once (each line checked against the limits, as before
anything is opened) into a temporary file, which the service reads back in chunks
inside its one write transaction (again, when a concurrent writer makes it start
over); the results come back in a compact temporary file and are printed after the
commit, a block at a time.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from typing import IO

from tasktui.cli.outcome import echo
from tasktui.cli.state import CliState
from tasktui.text_safety import json_safe, visible_line

#: Result lines printed per write.
PRINT_BLOCK = 2_000


def raise_batch_from_stdin(st: CliState, fmt: str) -> None:
    """Read the batch from stdin, raise it, print one result per line."""
    from tasktui.bounded_read import stdin_lines
    from tasktui.limits import MAX_BATCH_LINE, MAX_BATCH_LINES
    from tasktui.services.transfer.batch import BatchRejected, raise_batch_lines

    # Lines end at "\n" only: a JSON string may hold U+2028 and other line breaks raw.
    # Each is read only up to MAX_BATCH_LINE, so `/dev/zero` is refused at once.
    with tempfile.TemporaryFile() as spool:
        for text in stdin_lines(MAX_BATCH_LINE, MAX_BATCH_LINES, "raise --batch"):
            spool.write(text.encode("utf-8"))
            spool.write(b"\n")
        actor = st.open()
        try:
            results = raise_batch_lines(actor, lambda: _spooled_lines(spool))
        except BatchRejected as e:
            for error in e.errors:
                echo(f"tasktui: error: {visible_line(str(error))}", err=True)
            raise
    try:
        _print_results(results, fmt)
    finally:
        results.close()


def _spooled_lines(spool: IO[bytes]) -> Iterator[str]:
    """The lines written to `spool`, from its start (split at "\\n" only)."""
    spool.flush()
    spool.seek(0)
    for line in spool:
        yield line[:-1].decode("utf-8")


def _print_results(results, fmt: str) -> None:
    if fmt == "json":
        if not len(results):
            echo("[]")
            return
        events: dict[str, str] = {}
        block = ["["]
        last = len(results) - 1
        for index, r in enumerate(results):
            event = events.get(r.event)
            if event is None:
                event = events[r.event] = json_safe(json.dumps(r.event, ensure_ascii=False))
            block.append(
                f'  {{\n    "line": {r.line},\n    "task_id": {r.task_id},\n    "outcome": "{r.outcome}",\n'
                f'    "occurrences": {r.occurrences},\n    "event": {event}\n  }}' + ("," if index < last else "")
            )
            if len(block) >= PRINT_BLOCK:
                echo("\n".join(block))
                block = []
        block.append("]")
        echo("\n".join(block))
        return
    lines: list[str] = []
    for r in results:
        if fmt == "ids":
            lines.append(str(r.task_id))
        else:
            lines.append(f"line {r.line}: {r.outcome} task {r.task_id} ({r.event}, occurrences: {r.occurrences})")
        if len(lines) >= PRINT_BLOCK:
            echo("\n".join(lines))
            lines = []
    if lines:
        echo("\n".join(lines))
