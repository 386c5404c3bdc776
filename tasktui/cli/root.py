"""The Typer app of the command line: every command, `--help`, completion, usage
errors. `tasktui.cli.main` runs the hot commands through the lean dispatch
(`tasktui.cli.lean`) and everything else through this app.

Commands are thin: parse, call a service, print. Every `TaskTuiError` becomes one
line on stderr and its exit code (see `tasktui.cli.outcome`); no traceback reaches
the user. Textual is imported only when the TUI starts.
"""

from __future__ import annotations

import sys
from typing import Optional

import typer
from typer.core import TyperGroup
from typer.exceptions import TyperException

from tasktui import __version__
from tasktui.cli import light_coercion
from tasktui.cli.help_text import HELP_OPTION_NAMES
from tasktui.cli.outcome import INTERNAL_ERROR, close_database, error_line, exit_code_for, output_failed
from tasktui.cli.state import CliState
from tasktui.text_safety import visible_line

light_coercion.install()

__all__ = ["INTERNAL_ERROR", "ErrorMappingGroup", "app_for", "build_app", "fail"]


def fail(message: str, code: int) -> None:
    """Print one error line and exit with `code`."""
    error_line(message)
    raise typer.Exit(code)


class ErrorMappingGroup(TyperGroup):
    """The root group: maps every error raised by a command to one line and an exit
    code, for real runs and for `CliRunner` tests alike."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        # Typer prints usage errors as a multi-line box; scripts get one line instead:
        # `tasktui: error: No such option: --bogus (try 'tasktui task list --help')`.
        from tasktui.cli.help_text import tidy_help

        tidy_help(self)  # LOGIN, EVENT, no <str>; help texts that flow
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except TyperException as e:  # usage errors (exit 2) and other Typer errors
            if type(e).__name__ == "NoArgsIsHelpError":  # the help was printed already
                sys.exit(e.exit_code)
            ctx = getattr(e, "ctx", None)
            hint = f" (try '{ctx.command_path} --help')" if ctx is not None and e.exit_code == 2 else ""
            typer.echo(f"tasktui: error: {visible_line(e.format_message())}{hint}", err=True)
            sys.exit(e.exit_code)
        except typer.Abort:
            typer.echo("tasktui: error: aborted", err=True)
            sys.exit(1)
        except OSError as e:  # the help or a usage message could not be written
            sys.exit(output_failed(e))
        sys.exit(result if isinstance(result, int) else 0)

    def invoke(self, ctx: typer.Context):
        try:
            try:
                return super().invoke(ctx)
            finally:
                close_database()
        except (typer.Exit, typer.Abort, TyperException):
            raise
        except (Exception, KeyboardInterrupt) as e:
            raise typer.Exit(exit_code_for(e)) from None


def _new_app() -> typer.Typer:
    """A root app with the global options and no command yet."""
    root_app = typer.Typer(
        cls=ErrorMappingGroup,
        help="tasktui: triage the work that machines could not finish. Without a command, starts the TUI.",
        pretty_exceptions_enable=False,
        add_completion=True,
        no_args_is_help=False,
        context_settings={"help_option_names": HELP_OPTION_NAMES},
    )
    root_app.callback(invoke_without_command=True)(root)
    return root_app


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tasktui {__version__}")
        raise typer.Exit()


def root(
    ctx: typer.Context,
    db: Optional[str] = typer.Option(
        None, "--db", help="Database file or URL (env TASKTUI_DB; default: user data dir)."
    ),
    user: Optional[str] = typer.Option(None, "--user", help="Act as this user (env TASKTUI_USER; default: OS login)."),
    lang: Optional[str] = typer.Option(None, "--lang", help="UI language: en or de (env TASKTUI_LANG)."),
    register: bool = typer.Option(
        False,
        "--register",
        help="Register the --user / TASKTUI_USER login if it is new (else an unknown one is an error).",
    ),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """Global options; with no command, start the TUI."""
    ctx.obj = CliState(db=db, user=user, lang=lang, register=register)
    if ctx.invoked_subcommand is None:
        from tasktui.cli.tui_command import start_tui

        start_tui(ctx.obj)


#: The module of `tasktui.cli` that registers each command, in the order of `--help`.
COMMAND_MODULES = {
    "init": "tasks",
    "raise": "tasks",
    "task": "tasks",
    "view": "views",
    "event": "events",
    "lang": "language",
    "user": "people",
    "group": "people",
    "attribute": "attributes",
    "email": "email",
    "notify": "email",
    "outbox": "email",
    "export": "export",
    "import": "task_import",
    "undo": "undo",
    "preview": "undo",
    "stats": "stats",
    "demo": "demo",
    "db": "db",
    "run": "run",
    "audit": "audit",
    "intake": "intake",
    "web": "web",
}


def build_app(modules: list[str] | None = None) -> typer.Typer:
    """The root app with the commands of `modules` (default: every command).
    Importing a command module costs about 1 ms, so a single command imports only
    its own (`tasktui raise` must stay light)."""
    import importlib

    root_app = _new_app()
    for module in dict.fromkeys(modules if modules is not None else COMMAND_MODULES.values()):
        importlib.import_module(f"tasktui.cli.{module}").register(root_app)
    return root_app


def __getattr__(name: str) -> typer.Typer:
    """`tasktui.cli.app`: the full app (tests, `CliRunner`), built on first use."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    full = globals()["app"] = build_app()
    return full


#: Global options that take a value (skipped when looking for the command name).
_GLOBAL_VALUE_OPTIONS = ("--db", "--user", "--lang")


def _command_name(args: list[str]) -> str | None:
    """The first command word of a command line, after the global options."""
    words = iter(args)
    for word in words:
        if word == "--":
            return None
        if word in _GLOBAL_VALUE_OPTIONS:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def app_for(args: list[str]) -> typer.Typer:
    """The root app with only the command that `args` names (the full app when no
    command matches: the TUI, `--help`, a typo). Typer builds the parser of every
    registered command on each run — about 10 ms for all of them — and `tasktui
    raise` must stay light; help, errors and behaviour of the named command are the
    same."""
    name = _command_name(args)
    module = COMMAND_MODULES.get(name or "")
    if module is None:
        return build_app()
    slim = build_app([module])
    slim.registered_commands = [
        c for c in slim.registered_commands if (c.name or c.callback.__name__.replace("_", "-")) == name
    ]
    slim.registered_groups = [g for g in slim.registered_groups if g.name == name]
    return slim
