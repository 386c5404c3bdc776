"""How `--help` reads to a scripter: conventional metavars and sentences that flow.

Typer 0.29 names each value by its Python type (`<str>`, `<list[str]>`, `<bool>` even
on plain flags, `<int range> [1<=x<=9223372036854775807]`) and keeps every line break
of a docstring. `tidy_help` walks the Click command tree once and gives each value a
conventional name (`LOGIN`, `EVENT`, `FILE`, `[en|de]`; nothing on a flag; an
argument by its name, `EVENT`) and joins the lines of each paragraph of the help
texts, so the terminal wraps them at its own width. Only names and help texts are
touched: parsing and validation stay Typer's.
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

from typer.core import TyperArgument, TyperOption

from tasktui.limits import MAX_INTEGER

#: The names of the help option of every command.
HELP_OPTION_NAMES = ["-h", "--help"]

#: The value name of an option, by its long name (others: see `_metavar`).
OPTION_METAVARS: dict[str, str] = {
    "--db": "PATH|URL",
    "--user": "LOGIN",
    "--for": "LOGIN",
    "--assignee": "LOGIN",
    "--responsible-user": "LOGIN",
    "--login": "LOGIN",
    "--group": "GROUP",
    "--responsible-group": "GROUP",
    "--event": "EVENT",
    "--lang": "[en|de]",
    "--status": "[open|done|all]",
    "--assigned": "MODE",
    "--format": "FORMAT",
    "--sort": "COLUMN",
    "--attr": "KEY=VALUE",
    "--search": "TEXT",
    "--title": "TEXT",
    "--description": "TEXT|-",
    "--link": "URL",
    "--email": "ADDRESS",
    "--to": "ADDRESS",
    "--from": "ADDRESS",
    "--host": "HOST",
    "--port": "PORT",
    "--default-port": "PORT",
    "--name": "NAME",
    "--name-de": "NAME",
    "--label": "LABEL",
    "--label-de": "LABEL",
    "--type": "TYPE",
    "--choice": "CHOICE",
    "--default": "VALUE",
    "--since": "DATE",
    "--process": "ID",
    "--task": "ID",
    "--attribute-set": "SET",
}


def _metavar(param: TyperOption) -> str:
    long_names = [o for o in param.opts if o.startswith("--")]
    name = long_names[0] if long_names else param.opts[0]
    if name in OPTION_METAVARS:
        return OPTION_METAVARS[name]
    if getattr(getattr(param, "type_descriptor", None), "annotation", None) is int:
        return "N"
    if name.endswith("-file"):
        return "FILE"
    return name.lstrip("-").rsplit("-", 1)[-1].upper()


def flowing(text: str | None) -> str | None:
    """`text` with the lines of each paragraph joined (blank lines and indented lines,
    such as examples, are kept)."""
    if not text:
        return text
    paragraphs = re.split(r"\n\s*\n", text.strip("\n"))
    joined = []
    for paragraph in paragraphs:
        lines = paragraph.split("\n")
        if any(line.startswith((" ", "\t")) for line in lines[1:]):
            joined.append(paragraph)
        else:
            joined.append(" ".join(line.strip() for line in lines))
    return "\n\n".join(joined)


def _range_text(param: TyperOption):
    """The number range Typer prints next to an option, without the storage limit
    (`[x>=1]`, not `[1<=x<=9223372036854775807]`)."""
    low = getattr(param, "min", None)
    return lambda: f"x>={low}" if low is not None else None


def _name_argument(param: TyperArgument) -> None:
    """An argument is named by its metavar or its name in capitals, `ID` when required,
    `[ID]` when not, `...` when repeatable (Typer writes `{ID}` and adds a type)."""
    name = param.metavar or (param.name or "value").upper()
    if "[" in name or name.endswith("..."):  # a metavar that says it all already
        usage = rich = name
    else:
        many = "..." if param.nargs != 1 else ""
        usage = (name if param.required else f"[{name}]") + many
        rich = name + many
    param.metavar = name
    param._usage_display_name = lambda: usage  # type: ignore[method-assign]
    param._rich_display_name = lambda: rich  # type: ignore[method-assign]
    param.display_type_rich = lambda ctx: None  # type: ignore[method-assign]  # the name says it


def tidy_help(command: Any) -> None:
    """Conventional value names and flowing help texts for `command` and every
    command below it (see the module docstring)."""
    command.help = flowing(command.help)
    command.short_help = flowing(command.short_help)
    for param in command.params:
        if isinstance(param, TyperOption):
            param.help = flowing(param.help)
            if param.metavar is None:
                param.metavar = "" if param.is_flag else _metavar(param)
            if getattr(param, "max", None) == MAX_INTEGER:
                param._get_number_range_help_str = _range_text(param)  # type: ignore[attr-defined]
        elif isinstance(param, TyperArgument):
            _name_argument(param)
    get_help_option = getattr(command, "get_help_option", None)
    if get_help_option is not None:
        help_option = get_help_option(SimpleNamespace(help_option_names=HELP_OPTION_NAMES))
        if help_option is not None:
            help_option.metavar = ""
    for sub in getattr(command, "commands", {}).values():
        tidy_help(sub)
