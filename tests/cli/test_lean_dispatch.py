"""The lean dispatch of the hot commands (`tasktui.cli.lean`) reads a command line
exactly as the Typer app does, or leaves it to the Typer app.

The property: whenever the lean parser takes a command line, the Typer app, given
the same words, calls the same body with the same values (and the same global
options). Command lines are drawn from the options of the hot commands and awkward
values (negative numbers, `-`, `--`, `=`, ids with `#`, out-of-range integers).
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tasktui.cli import lean, lean_build
from tasktui.cli.lean_table import TABLE


def test_the_table_is_generated_from_the_typer_app():
    """After changing an option of a hot command: `python -m tasktui.cli.lean_build`."""
    assert lean_build.table_source() == lean_build.TABLE_PATH.read_text()


@pytest.mark.parametrize("path", sorted(TABLE["commands"]))
def test_each_body_takes_the_options_of_its_command(path):
    spec = TABLE["commands"][path]
    module, function = spec["body"]
    body = getattr(__import__(module, fromlist=[function]), function)
    names = list(inspect.signature(body).parameters)
    assert names == ["st", *(p["name"] for p in spec["params"])]


class Recorder:
    """Stands in for the bodies: records what each was called with."""

    def __init__(self, monkeypatch) -> None:
        self.calls: list[tuple[str, dict, dict]] = []
        for path, spec in TABLE["commands"].items():
            module_name, function = spec["body"]
            module = __import__(module_name, fromlist=[function])
            real = getattr(module, function)
            monkeypatch.setattr(module, function, self._recording(path, inspect.signature(real)))
        from tasktui.cli import tui_command  # the TUI: global options alone

        monkeypatch.setattr(
            tui_command, "start_tui", self._recording(lean.TUI, inspect.signature(tui_command.start_tui))
        )

    def _recording(self, path, signature):
        def body(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            values = dict(bound.arguments)
            state = values.pop("st")
            glob = {"db": state.db, "user": state.user, "lang": state.lang, "register": state.register}
            self.calls.append((path, glob, {k: _plain(v) for k, v in values.items()}))

        return body


def _plain(value):
    return list(value) if isinstance(value, tuple) else value


def typer_reading(recorder: Recorder, args: list[str]):
    """What the Typer app calls for `args`: (path, globals, values), or None."""
    from tasktui.cli import app_for

    recorder.calls.clear()
    CliRunner().invoke(app_for(args), args, input="")
    return recorder.calls[0] if recorder.calls else None


def lean_reading(args: list[str]):
    parsed = lean.parse(args)
    if parsed is None:
        return None
    path, glob, values = parsed
    glob = {name: glob[name] for name in ("db", "user", "lang", "register")}  # what CliState keeps
    return path, glob, {k: _plain(v) for k, v in values.items()}


TAKEN = [
    [],
    ["--db", "x.db"],
    ["--user", "bob", "--register", "--lang=de", "--db=y.db"],
    ["raise", "ev", "-t", "T"],
    ["--db", "x.db", "--user", "bob", "--lang", "de", "--register", "raise", "ev", "--title=T"],
    ["--db=x.db", "raise", "ev", "-t", "-h", "-d", "-", "-l", "L", "--assignee", "a", "--group", "g"],
    ["raise", "--dedup-key", "k", "--reopen", "--process", "p", "--process-source", "cron", "ev", "-t", "T"],
    ["raise", "ev", "-t", "T", "--exit-code", "-5", "-a", "k=v", "--attr", "x=y", "-f", "json"],
    ["raise", "ev", "-t", "T", "--exit-code", "007"],
    ["raise", "--batch", "-f", "ids"],
    ["task", "list"],
    ["task", "list", "-n", "5", "--count"],
    ["task", "list", "-q", "text", "-s", "all", "--asc", "--sort", "title", "-e", "ev", "--all", "-f", "ids"],
    ["task", "list", "--assigned", "direct", "--for", "bob", "--assignee", "anna", "--group", "g", "-a", "k=v"],
    ["task", "list", "--search=a=b", "--limit=3", "--limit", "4"],
    ["task", "show", "5"],
    ["task", "show", "-f", "json", "#5"],
    ["task", "done", "1", "2", "3"],
    ["task", "done", "-"],
    ["task", "done"],
    ["task", "done", "1", "-f", "json", "2"],
    ["task", "reopen", "4"],
    ["task", "assign", "1", "2", "--to", "bob"],
    ["task", "assign", "--group", "ops", "7"],
    ["task", "unassign", "3", "--group"],
    ["run", "-e", "ev", "--", "true"],
    ["run", "-e", "ev", "--dedup-key", "k", "--resolve-on-success", "-t", "T", "--reopen", "--", "sh", "-c", "x"],
    ["run", "--event=ev", "-l", "L", "--assignee", "a", "--group", "g", "true", "-x", "--", "-e"],
    ["run", "-e", "ev", "--", "--help"],
]

DECLINED = [
    ["--help"],
    ["--version"],
    ["--db", "x.db", "-h"],
    ["--db"],
    ["--bogus"],
    ["--db", "x.db", "--"],
    ["--version", "raise", "ev", "-t", "T"],
    ["raise", "--help"],
    ["task", "list", "-h"],
    ["raise", "ev", "-t"],
    ["raise", "ev", "-tT"],
    ["raise", "ev", "-t", "T", "--exit-code", "x"],
    ["raise", "ev", "-t", "T", "--exit-code", "99999999999999999999999"],
    ["raise", "ev", "extra", "-t", "T"],
    ["task", "list", "--limit", "0"],
    ["task", "list", "-n", "abc"],
    ["task", "list", "--count=1"],
    ["task", "list", "--bogus"],
    ["task", "show"],
    ["task", "show", "1", "2"],
    ["task", "show", "-5"],
    ["task"],
    ["task", "--help", "list"],
    ["task", "comment", "1", "x"],
    ["event", "list"],
    ["frobnicate"],
    ["run", "--", "true"],
    ["run", "-e", "ev"],
    ["run", "-e", "ev", "--bogus", "--", "true"],
    ["raise", "ev", "-t", "T", "--db", "x.db"],
]


@pytest.fixture
def recorder(monkeypatch):
    monkeypatch.delenv("_TASKTUI_COMPLETE", raising=False)
    return Recorder(monkeypatch)


@pytest.mark.parametrize("args", TAKEN, ids=" ".join)
def test_lean_reads_a_command_line_as_typer_does(recorder, args):
    assert lean_reading(args) is not None, "the lean dispatch should take this command line"
    assert lean_reading(args) == typer_reading(recorder, args)


@pytest.mark.parametrize("args", DECLINED, ids=" ".join)
def test_the_rest_goes_to_the_typer_app(args):
    assert lean.parse(args) is None


def test_completion_goes_to_the_typer_app(monkeypatch):
    monkeypatch.setenv("_TASKTUI_COMPLETE", "bash_complete")
    assert lean.parse(["raise", "ev", "-t", "T"]) is None


def _words_of(path: str) -> list[str]:
    words = ["--", "-", "=", "x", "k=v", "#3", "0", "1", "-1", "+2", "007", "9223372036854775808", "-h", "--help"]
    for param in TABLE["commands"][path]["params"]:
        words.extend(param["opts"])
        words.extend(f"{opt}=v" for opt in param["opts"] if opt.startswith("--"))
    return words


@st.composite
def command_lines(draw):
    path = draw(st.sampled_from([lean.TUI, *sorted(TABLE["commands"])]))
    globals_ = draw(
        st.lists(st.sampled_from(["--db", "g.db", "--user", "u", "--register", "--lang", "--db=z"]), max_size=4)
    )
    if path == lean.TUI:  # global options alone, or with what may follow them
        words = draw(st.lists(st.sampled_from(["--", "-h", "--help", "--version", "--db", "x", "-"]), max_size=2))
    else:
        words = draw(st.lists(st.sampled_from(_words_of(path)), max_size=8))
    return [*globals_, *path.split(), *words]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(args=command_lines())
def test_whatever_lean_takes_typer_reads_alike(recorder, args):
    lean_view = lean_reading(args)
    if lean_view is not None:
        assert lean_view == typer_reading(recorder, args)


def _modules_after(args: list[str], env: dict) -> tuple[int, set[str]]:
    probe = (
        "import sys, json\n"
        f"sys.argv = ['tasktui', *{args!r}]\n"
        "from tasktui.cli import main\n"
        "code = 0\n"
        "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
        "from tasktui.deferred import PEEWEE_UNUSED, is_stand_in\n"
        "loaded = [f'loaded:{n}' for n in PEEWEE_UNUSED if not is_stand_in(sys.modules.get(n))]\n"
        "print(json.dumps([code, sorted(sys.modules) + loaded]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env={**os.environ, **env})
    assert proc.returncode == 0, proc.stderr
    code, modules = json.loads(proc.stdout.splitlines()[-1])
    return code, set(modules)


HEAVY = ("typer", "click", "pydantic", "rich", "textual")


def test_scripted_commands_import_no_typer_pydantic_rich_or_textual(cli, db_path):
    assert cli.run("event", "create", "disk_full", "--name", "Disk full").exit_code == 0
    task_id = cli.run("raise", "disk_full", "-t", "light", "-f", "ids").stdout.strip()
    commands = {
        "raise": (["raise", "disk_full", "-t", "again"], "tasktui.services.tasks.raising"),
        "list": (["task", "list", "-e", "disk_full", "-s", "all"], "tasktui.services.tasks.listing"),
        "list default limit": (["task", "list"], "tasktui.services.tasks.listing"),
        "count": (["task", "list", "--count"], "tasktui.services.tasks.counts"),
        "search": (["task", "list", "-q", "light"], "tasktui.services.tasks.listing"),
        "show": (["task", "show", task_id], "tasktui.services.tasks.detail"),
        "show json": (["task", "show", task_id, "-f", "json"], "tasktui.services.tasks.detail"),
        "assign": (["task", "assign", task_id, "--to", "alice"], "tasktui.services.tasks.transitions"),
        "done": (["task", "done", task_id], "tasktui.services.tasks.transitions"),
        "reopen": (["task", "reopen", task_id], "tasktui.services.tasks.transitions"),
        "run": (["run", "-e", "disk_full", "--", "true"], "tasktui.services.runs.command"),
    }
    env = {"TASKTUI_USER": "alice"}
    for name, (args, ran) in commands.items():
        code, modules = _modules_after(["--db", str(db_path), *args], env)
        assert code in (0, None), (name, code)
        assert ran in modules, name  # the command really ran
        heavy = sorted({m for m in modules if m.split(".")[0] in HEAVY})
        assert not heavy, (name, heavy[:5])
        # what peewee imports but no command uses stays unloaded on SQLite
        # (tasktui.deferred; psycopg needs some), so does typing (tasktui.lazy_typing),
        # and a raise never imports the event, people or audit services
        if "://" not in str(db_path):
            assert not [m for m in modules if m.startswith("loaded:")], name
            assert "typing" not in modules, name
        if name == "raise":
            services = ("events.definitions", "people", "audit")
            assert not {f"tasktui.services.{s}" for s in services} & modules


def test_the_tui_starts_without_building_the_typer_app(cli, db_path):
    """`tasktui` with global options alone reaches `start_tui` (here a stand-in that
    records what was loaded) without importing Typer, Click or Pydantic."""
    probe = (
        "import json, sys\n"
        "from tasktui.cli import tui_command\n"
        "def start(st):\n"
        "    print(json.dumps([st.db, st.user, sorted(sys.modules)]))\n"
        "tui_command.start_tui = start\n"
        f"sys.argv = ['tasktui', '--db', {str(db_path)!r}, '--user', 'alice']\n"
        "from tasktui.cli import main\n"
        "main()\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    db, user, modules = json.loads(proc.stdout)
    assert (db, user) == (str(db_path), "alice")
    assert not sorted({m for m in modules if m.split(".")[0] in ("typer", "click", "pydantic")})


def test_help_still_comes_from_the_typer_app(cli):
    helped = cli.run("raise", "--help")
    assert helped.exit_code == 0 and "--dedup-key" in helped.stdout
    assert "Usage" in cli.run("task", "list", "-h").stdout
