"""The typed errors of tasktui. Each carries a user-facing one-line message and the
exit code the command line maps it to (PRODUCT.md section 3)."""

from __future__ import annotations

import errno


class TaskTuiError(Exception):
    """Base of every error shown to a user; `str(error)` is the one-line message."""

    exit_code = 2


class Refused(TaskTuiError):
    """The operation is not allowed in the current state (e.g. reopen an open task)."""

    exit_code = 1


class Invalid(TaskTuiError):
    """Bad input: a usage or validation error."""

    exit_code = 2


class NotFound(TaskTuiError):
    """A task, event, user, group... that does not exist."""

    exit_code = 3


class Unavailable(TaskTuiError):
    """The database cannot be used: busy after retrying, missing, foreign, corrupt or newer."""

    exit_code = 4


#: The errors of a write that found no room: a full disk, a full quota, a file size limit.
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def write_failed(error: OSError, target: str) -> Unavailable:
    """The one-line error (exit code 4) for a failed write of `target` (a file, or
    "the output"): "disk full: ..." when there was no room, as the database says it."""
    reason = error.strerror or type(error).__name__
    if error.errno in DISK_FULL_ERRNOS:
        return Unavailable(f"disk full: cannot write {target} ({reason})")
    return Unavailable(f"cannot write {target}: {reason}")
