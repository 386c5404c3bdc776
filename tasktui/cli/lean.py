"""The lean dispatch: the hot scripted commands without Typer, Click or Pydantic.

Importing Typer costs ~50-100 ms in every fresh process, more than the whole work of
`tasktui raise` (issue 20). This parser reads the parameters of the hot commands from
`lean_table` (generated from the Typer app, so the Typer commands stay the one
definition of every option) and takes a command line only when it can reproduce
Typer's reading of it exactly: known options (`--opt VALUE`, `--opt=VALUE`,
`-o VALUE`), flags, positional arguments, `--`, plain values (a string, an integer in
range). Anything else — `--help`, completion, `--version`, an unknown or clustered
option, a missing or bad value, an extra argument — returns None, and the Typer app
handles the command line as it always did (its usage errors and help included).

The parsed values go to the same body functions the Typer commands call
(`task_commands`, `wrapped_run`, and `tui_command.start_tui` for global options
alone: the TUI); errors become the same one line and exit code (`outcome`).
"""

from __future__ import annotations

import os
import re

from tasktui.cli.lean_table import TABLE
from tasktui.lazy_typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

_INTEGER = re.compile(r"[+-]?[0-9]+")


#: The path of the TUI: global options and no command. Its start pays for Textual's
#: imports already; building the whole Typer app on top took another 50-100 ms.
TUI = ""
TUI_BODY = ("tasktui.cli.tui_command", "start_tui")


class Defer(Exception):
    """This command line is for the Typer app."""


def _completion_requested() -> bool:
    """Click's shell completion runs when `_<PROG>_COMPLETE` is set."""
    return any(name.startswith("_") and name.endswith("_COMPLETE") for name in os.environ)


def _value(param: dict[str, Any], word: str) -> Any:
    """A value as Typer converts it, or Defer (Typer then prints its own error)."""
    kind = param["kind"]
    if kind in ("str", "list"):
        return word
    if kind == "int" and _INTEGER.fullmatch(word):
        number = int(word)
        low, high = param["min"], param["max"]
        if (low is None or number >= low) and (high is None or number <= high):
            return number
    raise Defer


class _Options:
    """The options of one command, by every name they answer to."""

    def __init__(self, params: list[dict[str, Any]]) -> None:
        self.by_name: dict[str, tuple[dict[str, Any], bool]] = {}
        for param in params:
            if param["argument"]:
                continue
            for opt in param["opts"]:
                self.by_name[opt] = (param, True)
            for opt in param["secondary_opts"]:
                self.by_name[opt] = (param, False)

    def take(self, word: str, words: list[str], values: dict[str, Any]) -> None:
        """Read the option `word` (and its value from `words`) into `values`."""
        name, equals, attached = word.partition("=") if word.startswith("--") else (word, "", "")
        found = self.by_name.get(name)
        if found is None:
            raise Defer
        param, primary = found
        if param["defer"]:  # given: e.g. --version (a callback)
            raise Defer
        if param["flag"]:
            if equals:
                raise Defer
            values[param["name"]] = primary
            return
        if equals:
            value = attached
        elif words:
            value = words.pop(0)
        else:
            raise Defer  # a missing value: Typer's message
        converted = _value(param, value)
        if param["multiple"]:
            values.setdefault(param["name"], []).append(converted)
        else:
            values[param["name"]] = converted


def _is_option(word: str) -> bool:
    return word.startswith("-") and len(word) > 1


def _parse_command(spec: dict[str, Any], words: list[str], help_options: tuple[str, ...]) -> dict[str, Any]:
    """The keyword arguments of the command's body, as Typer would pass them."""
    params = spec["params"]
    if any(param["defer"] for param in params):
        raise Defer  # a callback or the like runs even for a default value
    options = _Options(params)
    values: dict[str, Any] = {}
    positional: list[str] = []
    while words:
        word = words.pop(0)
        if word == "--":
            positional.extend(words)
            break
        if _is_option(word) and not (positional and not spec["interspersed"]):
            if word in help_options:
                raise Defer
            options.take(word, words, values)
        else:
            positional.append(word)
            if not spec["interspersed"]:
                positional.extend(words)
                break
    for param in params:
        name = param["name"]
        if param["argument"]:
            if param["nargs"] == -1:
                taken, positional = positional, []
                if not taken and param["required"]:
                    raise Defer
                values[name] = [_value(param, w) for w in taken] if taken else param["default"]
            elif positional:
                values[name] = _value(param, positional.pop(0))
            elif param["required"]:
                raise Defer
            else:
                values[name] = param["default"]
        elif name not in values:
            if param["required"]:
                raise Defer
            values[name] = param["default"]
    if positional:
        raise Defer  # an extra argument: Typer's message
    return values


def parse(args: list[str]) -> tuple[str, dict[str, Any], dict[str, Any]] | None:
    """(command path, global options, the command's values) when the lean dispatch
    takes `args`, else None. Global options alone are the TUI (path `TUI`)."""
    if _completion_requested():
        return None
    help_options = TABLE["help_options"]
    words = list(args)
    root = _Options(TABLE["root"])
    global_values: dict[str, Any] = {}
    try:
        while words and _is_option(words[0]):
            word = words.pop(0)
            if word in help_options or word == "--":
                return None
            root.take(word, words, global_values)
        if not words:
            path, values = TUI, {}
        else:
            path = words.pop(0)
            if path not in TABLE["commands"]:
                if not words or f"{path} {words[0]}" not in TABLE["commands"]:
                    return None
                path = f"{path} {words.pop(0)}"
            values = _parse_command(TABLE["commands"][path], words, help_options)
    except Defer:
        return None
    for param in TABLE["root"]:
        global_values.setdefault(param["name"], param["default"])
    return path, global_values, values


def dispatch(args: list[str]) -> int | None:
    """Run a hot command and return its exit code, or None when the Typer app must
    take this command line (nothing has been done then)."""
    parsed = parse(args)
    if parsed is None:
        return None
    path, global_values, values = parsed
    import importlib

    from tasktui.cli.outcome import close_database, exit_code_for
    from tasktui.cli.state import CliState

    module, function = TUI_BODY if path == TUI else TABLE["commands"][path]["body"]
    body = getattr(importlib.import_module(module), function)
    st = CliState(
        db=global_values["db"],
        user=global_values["user"],
        lang=global_values["lang"],
        register=global_values["register"],
    )
    try:
        try:
            result = body(st, **values)
        finally:
            close_database()
    except (Exception, KeyboardInterrupt) as e:
        return exit_code_for(e)
    return result if isinstance(result, int) else 0
