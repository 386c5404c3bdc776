"""The command line. `tasktui` alone starts the TUI; subcommands serve scripts.

Two ways through, one definition of every command: the Typer app (`root`, built on
first use) owns the options, `--help`, completion and usage errors; the hot scripted
commands (`raise`, `run`, `task list|show|done|reopen|assign|unassign`) are parsed by
the lean dispatch (`lean`) from a table generated from that app, without importing
Typer, Click or Pydantic (each costs tens of milliseconds in every fresh process).
Anything the lean dispatch does not fully understand — help, completion, a bad value,
an unknown option — goes to the Typer app, which then prints exactly what it always
did. Every error is one line on stderr and an exit code (`outcome`).
"""

from __future__ import annotations

import sys

from tasktui.lazy_typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

#: Names of `tasktui.cli.root` offered here too (`from tasktui.cli import app`).
_ROOT_NAMES = ("app", "app_for", "build_app", "fail", "ErrorMappingGroup", "COMMAND_MODULES", "INTERNAL_ERROR")


def __getattr__(name: str) -> Any:
    """`tasktui.cli.app` (the full Typer app, for tests and `CliRunner`) and the other
    names of `tasktui.cli.root`, imported on first use."""
    if name not in _ROOT_NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from tasktui.cli import root

    value = getattr(root, name)
    globals()[name] = value
    return value


def main() -> None:
    """Console-script entry point: the lean dispatch when it takes the command line,
    else the Typer app."""
    args = sys.argv[1:]
    from tasktui.cli import lean

    code = lean.dispatch(args)
    if code is not None:
        sys.exit(code)
    from tasktui.cli.root import app_for

    app_for(args)(prog_name="tasktui")  # usage lines and completion say `tasktui`
