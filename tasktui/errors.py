"""The typed errors of tasktui. Each carries a user-facing one-line message and the
exit code the command line maps it to (PRODUCT.md section 3)."""

from __future__ import annotations


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
