"""What every command shares: the global options, the open database, the actor.
Imports no Typer (the lean dispatch of the hot commands uses it too)."""

from __future__ import annotations

import re
import sys
from dataclasses import field

from tasktui import config
from tasktui.errors import Invalid
from tasktui.formats import FORMATS
from tasktui.lazy_typing import TYPE_CHECKING
from tasktui.limits import MAX_INTEGER, MAX_STDIN_IDS
from tasktui.records import Record

if TYPE_CHECKING:
    import typer


class CliState(Record, frozen=False):
    """Global options of the command line, resolved lazily (the database is opened
    only by commands that need it)."""

    db: str | None = None
    user: str | None = None
    lang: str | None = None
    register: bool = False
    _settings: config.Settings | None = field(default=None, repr=False)

    @property
    def settings(self) -> config.Settings:
        """The resolved settings (flags > env > config file > defaults)."""
        if self._settings is None:
            self._settings = config.resolve(self.db, self.user, self.lang)
        return self._settings

    def open(self, migrate: bool = True, register: bool = False):
        """Open the database and return the acting user. Only the OS login is
        registered on first use; another unknown login is NotFound unless the global
        `--register` (or `register`, which `init` passes) asks to register it."""
        from tasktui.db import open_database
        from tasktui.services.context import acting_user

        s = self.settings
        open_database(s.db, migrate=migrate)
        how = "--register" if self.register else "init" if register else "first use"
        return acting_user(s.login, s.os_login, s.lang, register=self.register or register, how=how)


def state(ctx: typer.Context) -> CliState:
    """The CliState of the root command."""
    return ctx.find_root().obj


def check_format(fmt: str) -> str:
    """One of table|json|csv|ids, or Invalid."""
    if fmt not in FORMATS:
        raise Invalid(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    return fmt


FORMAT_HELP = "Output format: table, json, csv or ids."


def check_format_in(fmt: str, allowed: tuple[str, ...] = ("table", "json"), command: str | None = None) -> str:
    """`fmt` for a command that prints only the `allowed` formats, or Invalid naming them."""
    if fmt not in allowed:
        where = f" for {command}" if command else ""
        raise Invalid(f"unknown format {fmt!r}{where}: use {', '.join(allowed[:-1])} or {allowed[-1]}")
    return fmt


def given(**options: object) -> dict:
    """The options that were given (not None), as keyword arguments for an edit
    service: an option left out keeps the value, an empty one clears it."""
    return {name: value for name, value in options.items() if value is not None}


#: An id as the command line takes it: ASCII digits, optionally after one '#' (as
#: `task show` prints ids). `str.isdigit` and `int` would also take '²' or '٣'.
_ID = re.compile(r"#?([0-9]+)")
#: The longest line that can hold an id on stdin ('#', 19 digits, blanks, CR).
_ID_LINE_BYTES = 64


def _shown(word: str) -> str:
    """`word` quoted for an error message, shortened when it is long."""
    return repr(word if len(word) <= 40 else word[:37] + "...")


def parse_id(word: str, what: str = "task id", param: str | None = None) -> int:
    """The id in `word` (ASCII digits, at most MAX_INTEGER: SQLite's largest), or
    Invalid saying why not — the one id parser of every argument, option and stdin
    list. `param` names the argument or option, as Typer's own usage errors do."""
    where = f"Invalid value for {param!r}: " if param else ""
    match = _ID.fullmatch(word.strip())
    if match is None:
        raise Invalid(f"{where}{what} {_shown(word)} is not a number (ASCII digits 0-9)")
    digits = match.group(1).lstrip("0") or "0"
    if len(digits) > len(str(MAX_INTEGER)) or int(digits) > MAX_INTEGER:
        raise Invalid(f"{where}{what} {_shown(word)} is too large (at most {MAX_INTEGER})")
    return int(digits)


def read_ids(args: list[str], what: str = "task id") -> list[int]:
    """Task ids from the arguments, or one per line on stdin (`-`, or no argument
    with stdin not a terminal). Blank lines are ignored; anything else is Invalid.
    Stdin is read line by line, each line and the number of lines bounded
    (`/dev/zero` is refused at once)."""
    words = list(args)
    if words == ["-"] or (not words and sys.stdin is not None and not sys.stdin.isatty()):
        from tasktui.bounded_read import stdin_lines

        words = list(stdin_lines(_ID_LINE_BYTES, MAX_STDIN_IDS, f"{what}s"))
    elif "-" in words:
        raise Invalid("'-' (read ids from stdin) must be the only id argument")
    ids: list[int] = []
    for word in words:
        if not word.strip():
            continue
        ids.append(parse_id(word, what))
    if not ids:
        raise Invalid("no task ids given (pass ids as arguments or one per line on stdin)")
    return ids
