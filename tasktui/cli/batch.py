"""`tasktui raise --batch`: one raise per JSON line on stdin, all or nothing.

See `tasktui.services.transfer.batch` for the line format and the rule. Output: one result per
line — table `line 3: created task 12 (event, occurrences: 1)`, JSON a list of
`{"line", "task_id", "outcome", "occurrences", "event"}`, ids one task id per line.
A bad batch prints one `tasktui: error: line N: ...` line per bad line on stderr,
then a summary line, and exits 2 with nothing raised.
"""

from __future__ import annotations

import dataclasses

from tasktui import formats
from tasktui.cli.outcome import echo
from tasktui.cli.state import CliState
from tasktui.text_safety import visible_line


def raise_batch_from_stdin(st: CliState, fmt: str) -> None:
    """Read the batch from stdin, raise it, print one result per line."""
    from tasktui.bounded_read import stdin_lines
    from tasktui.limits import MAX_BATCH_LINE, MAX_BATCH_LINES
    from tasktui.services.transfer.batch import BatchRejected, parse_lines, raise_batch

    # Lines end at "\n" only: a JSON string may hold U+2028 and other line breaks raw.
    # Each is read only up to MAX_BATCH_LINE, so `/dev/zero` is refused at once.
    items, bad_lines = parse_lines(stdin_lines(MAX_BATCH_LINE, MAX_BATCH_LINES, "raise --batch"))
    actor = st.open()
    try:
        results = raise_batch(actor, items, bad_lines)
    except BatchRejected as e:
        for error in e.errors:
            echo(f"tasktui: error: {visible_line(str(error))}", err=True)
        raise
    if fmt == "json":
        echo(formats.json_text([_result_dict(r) for r in results]))
    elif fmt == "ids":
        if results:
            echo("\n".join(str(r.task_id) for r in results))
    else:
        lines = [
            f"line {r.line}: {r.outcome} task {r.task_id} ({r.event}, occurrences: {r.occurrences})" for r in results
        ]
        if lines:
            echo("\n".join(lines))


def _result_dict(result) -> dict:
    data = dataclasses.asdict(result)
    return {"line": data.pop("line"), **data}
