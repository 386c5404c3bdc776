"""Real processes: exit codes, one-line errors without tracebacks, ids through a pipe,
usage errors, and the import weight of `tasktui raise` (no Textual, no Pydantic)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TASKTUI = [sys.executable, "-m", "tasktui"]


def _one_line_error(result, code: int, text: str) -> None:
    assert result.exit_code == code, (result.exit_code, result.stderr)
    assert result.stderr.startswith("tasktui: error: ") and result.stderr.count("\n") == 1, result.stderr
    assert text in result.stderr and "Traceback" not in result.stderr + result.stdout


@pytest.fixture
def ready(cli):
    assert cli.run("event", "create", "disk_full", "--name", "Disk full").exit_code == 0
    return cli


def test_errors_are_one_line_with_exit_codes(ready, tmp_path):
    task_id = ready.run("raise", "disk_full", "-t", "t", "--format", "ids").stdout.strip()
    _one_line_error(ready.run("task", "show", "4711"), 3, "unknown task 4711")
    _one_line_error(ready.run("raise", "no_such_event", "-t", "x"), 3, "unknown event 'no_such_event'")
    _one_line_error(ready.run("event", "create", "bad_", "--name", "x"), 2, "must not end with _")
    assert ready.run("event", "obsolete", "disk_full").exit_code == 0
    _one_line_error(ready.run("raise", "disk_full", "-t", "x"), 1, "obsolete")
    _one_line_error(ready.run("task", "reopen", task_id), 1, "already open")
    missing_dir = tmp_path / "missing" / "t.db"
    result = subprocess.run([*TASKTUI, "--db", str(missing_dir), "task", "list"], capture_output=True, text=True)
    _one_line_error(_Result(result), 4, "does not exist")
    assert not missing_dir.parent.exists()
    not_db = tmp_path / "notes.txt"
    not_db.write_text("just some notes\n")
    result = subprocess.run([*TASKTUI, "--db", str(not_db), "task", "list"], capture_output=True, text=True)
    _one_line_error(_Result(result), 4, "not a tasktui database")
    assert not_db.read_text() == "just some notes\n"


class _Result:
    """A subprocess result shaped like the `cli` fixture's."""

    def __init__(self, proc: subprocess.CompletedProcess) -> None:
        self.exit_code, self.stdout, self.stderr = proc.returncode, proc.stdout, proc.stderr


def test_ids_through_a_pipe(ready, db_path):
    for i in range(3):
        assert ready.run("raise", "disk_full", "-t", f"t{i}").exit_code == 0
    env = {**os.environ, "TASKTUI_USER": "alice", "TASKTUI_DB": str(db_path)}
    lister = subprocess.Popen([*TASKTUI, "task", "list", "--format", "ids"], stdout=subprocess.PIPE, env=env)
    doer = subprocess.run([*TASKTUI, "task", "done", "-"], stdin=lister.stdout, capture_output=True, text=True, env=env)
    lister.stdout.close()
    assert lister.wait() == 0
    assert (doer.returncode, doer.stdout.strip()) == (0, "mark done: 3 changed"), doer.stderr
    assert ready.run("task", "list", "--count").stdout.strip() == "0"
    # no argument and stdin not a terminal: ids are read from stdin too
    reopened = ready.run("task", "reopen", input="1\n2\n")
    assert (reopened.exit_code, reopened.stdout.strip()) == (0, "reopen: 2 changed")


def test_usage_errors_are_one_line_exit_2(ready):
    _one_line_error(ready.run("task", "list", "--bogus"), 2, "No such option: --bogus (try '")
    assert "task list --help')" in ready.run("task", "list", "--bogus").stderr
    _one_line_error(ready.run("frobnicate"), 2, "No such command 'frobnicate'")
    _one_line_error(ready.run("raise"), 2, "Missing argument")
    _one_line_error(ready.run("task", "show", "abc"), 2, "task_id")
    _one_line_error(ready.run("task", "list", "--limit", "0"), 2, "--limit")
    helped = ready.run("task", "list", "--help")
    assert helped.exit_code == 0 and "--assigned" in helped.stdout and not helped.stderr
    assert ready.run("--help").exit_code == 0
    bare = ready.run("task")  # a group without a command shows its help
    assert bare.exit_code == 2 and "list" in bare.stdout + bare.stderr


def _modules_after(code: str, env: dict | None = None) -> set[str]:
    probe = code + "\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env={**os.environ, **(env or {})}
    )
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stdout.splitlines()[-1]))


def test_raise_imports_neither_textual_nor_pydantic(ready, db_path):
    code = (
        "import sys\n"
        f"sys.argv = ['tasktui', '--db', {str(db_path)!r}, '--user', 'alice', 'raise', 'disk_full', '-t', 'light']\n"
        "from tasktui.cli import main\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert e.code in (0, None), e.code\n"
    )
    modules = _modules_after(code)
    assert "tasktui.services.tasks.raising" in modules  # the raise really ran
    assert not {m for m in modules if m.split(".")[0] in ("textual", "pydantic", "rich")}
    assert ready.run("task", "list", "--search", "light", "--count").stdout.strip() == "1"


def test_core_modules_do_not_import_textual():
    modules = _modules_after(
        "import tasktui.config, tasktui.db, tasktui.models, tasktui.formats, tasktui.errors\n"
        "import pkgutil, importlib, tasktui.services\n"
        "for m in pkgutil.walk_packages(tasktui.services.__path__, 'tasktui.services.'):\n"
        "    importlib.import_module(m.name)\n"
    )
    assert {
        "tasktui.services.tasks.raising",
        "tasktui.services.mail.delivery",
        "tasktui.services.admin.demo",
    } <= modules
    assert not [m for m in modules if m.split(".")[0] == "textual"]


def test_console_script_runs(ready, db_path):
    script = Path(sys.executable).with_name("tasktui")
    if not script.exists():
        pytest.skip("no console script next to this interpreter")
    proc = subprocess.run([str(script), "--db", str(db_path), "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("tasktui ")
