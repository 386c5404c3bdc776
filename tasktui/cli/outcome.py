"""How a command ends: one error line on stderr and an exit code, never a traceback.

Shared by the Typer app (`root.ErrorMappingGroup`) and the lean dispatch of the hot
commands (`lean`), so both print the same line and exit with the same code for the
same error. Imports neither Typer nor Click: `tasktui raise` must stay light.

Exit codes: 0 ok, 1 refused, 2 invalid, 3 not found, 4 database busy or unavailable,
70 internal error, 130 interrupted (set `TASKTUI_DEBUG=1` to see a traceback).
"""

from __future__ import annotations

import os
import sys

from tasktui.errors import DISK_FULL_ERRNOS, TaskTuiError, write_failed
from tasktui.text_safety import visible_line

INTERNAL_ERROR = 70


def echo(message: str, err: bool = False) -> None:
    """Print one line (and flush), as `typer.echo` does for text."""
    stream = sys.stderr if err else sys.stdout
    if stream is None:  # no such stream (pythonw, a closed descriptor at start)
        return
    stream.write(f"{message}\n")
    stream.flush()


def error_line(message: str) -> None:
    """Print one error line on stderr, if stderr takes it (on a full disk it does not,
    and the exit code alone must tell: never a traceback). An error may quote
    untrusted input, so its controls are drawn visibly: one line, nothing for the
    terminal to run."""
    try:
        echo(f"tasktui: error: {visible_line(message)}", err=True)
    except (OSError, ValueError):
        pass


def output_failed(error: OSError) -> int:
    """One line and the exit code for output that could not be written (stdout on a
    full disk: 4, "disk full: ..."; a closed pipe: 0, as `head` expects)."""
    if isinstance(error, BrokenPipeError):
        try:
            sys.stderr.close()
        except OSError:
            pass
        return 0
    failure = write_failed(error, "the output")
    error_line(str(failure))
    return failure.exit_code


def _bad_byte(error: UnicodeError) -> str:
    """' (byte 0xff)' for the first byte that is not UTF-8 (an undecodable byte comes
    from argv and stdin as a lone surrogate), or '' when it cannot be told."""
    start = getattr(error, "start", 0)
    bad = getattr(error, "object", b"")[start : start + 1]
    code = ord(bad) - 0xDC00 if isinstance(bad, str) and bad else (bad[0] if bad else -1)
    return f" (byte 0x{code:02x})" if 0 <= code < 256 else ""


def exit_code_for(error: BaseException) -> int:
    """Print the one line for an error a command raised; return its exit code. With
    `TASKTUI_DEBUG` set, an unexpected error is raised again (its traceback shows)."""
    import peewee as pw  # loaded already: every command that opens a database has it

    debug = bool(os.environ.get("TASKTUI_DEBUG"))
    if isinstance(error, TaskTuiError):
        error_line(str(error))
        return error.exit_code
    if isinstance(error, pw.OperationalError):
        if debug:
            raise error
        from tasktui.db import database_error_message  # busy, disk full, read-only

        error_line(database_error_message(error) or f"database error: {error}")
        return 4
    if isinstance(error, pw.DatabaseError):
        if debug:
            raise error
        from tasktui.db import database_error_message

        error_line(database_error_message(error) or f"database is unusable: {error}")
        return 4
    if isinstance(error, KeyboardInterrupt):
        error_line("interrupted")
        return 130
    if isinstance(error, BrokenPipeError):
        sys.stderr.close()
        return 0
    if isinstance(error, UnicodeError):  # bytes that are not UTF-8 in an argument or on stdin
        if debug:
            raise error
        error_line(f"the input is not valid UTF-8 text{_bad_byte(error)}")
        return 2
    if not isinstance(error, Exception) or debug:  # SystemExit and the like pass through
        raise error
    if isinstance(error, OSError) and error.errno in DISK_FULL_ERRNOS:  # stdout on a full disk
        return output_failed(error)
    from tasktui.db import driver_error_message  # a driver error peewee did not wrap

    message = driver_error_message(error)
    if message is not None:
        error_line(message)
        return 4
    error_line(f"internal error: {type(error).__name__}: {error} (set TASKTUI_DEBUG=1 for details)")
    return INTERNAL_ERROR


def close_database() -> None:
    """Close the database a command opened (if any): a connection left open in a
    process that opens the file again can lose its locks (see `db.close_database`),
    which matters for in-process runs such as tests."""
    if "tasktui.db" in sys.modules:
        try:
            sys.modules["tasktui.db"].close_database()
        except Exception:  # closing must never hide the command's own result
            pass
