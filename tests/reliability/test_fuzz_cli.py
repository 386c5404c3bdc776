"""A fuzz test of the whole command line: random argv for every command and
subcommand of `tasktui.cli.app` (found by walking the command tree, so a new
command is fuzzed without touching this file), built from its real parameters —
option names, hostile values (huge, negative and non-ASCII-digit numbers, empty
strings, control characters and escape sequences, long strings, `-`, missing paths
and directories) and the ids, logins and event identifiers of a seeded database —
mixed with random tokens, with random text (or nothing) on stdin.

After every call: an exit code 0-4; a failure is exactly one stderr line
`tasktui: error: ...` (or, for a command group given without its subcommand, the
help on stdout and exit 2, which is how the CLI answers that); no traceback; no raw
ESC, BEL or C1 control in the output; and the database file passes
`PRAGMA integrity_check` and `PRAGMA foreign_key_check`.

Bounded: a few examples per command, derandomized, in the normal run (a few seconds
in all). `TASKTUI_FUZZ_EXAMPLES=N` runs N random examples per command instead
(`TASKTUI_FUZZ_EXAMPLES=300 pytest tests/reliability/test_fuzz_cli.py` takes
about ten minutes).
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import typer
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tasktui import cli as cli_package

LONG_RUN = int(os.environ.get("TASKTUI_FUZZ_EXAMPLES", "0") or 0)
FUZZ = settings(
    max_examples=LONG_RUN or 2,
    derandomize=not LONG_RUN,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)

# ------------------------------------------------------------------ the command tree


@dataclass
class Command:
    """One command (or group, fuzzed with stray words only): its words after
    `tasktui`, its options and arguments."""

    path: tuple[str, ...]
    options: list = field(default_factory=list)  # click options
    arguments: list = field(default_factory=list)  # click arguments
    is_group: bool = False


def walk_commands() -> list[Command]:
    """Every command and group of the full app (the root aside), depth first."""
    root = typer.main.get_command(cli_package.app)
    found: list[Command] = []

    def walk(command, path: tuple[str, ...]) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands is not None:
            if path:
                found.append(Command(path, is_group=True))
            for name, sub in subcommands.items():
                walk(sub, (*path, name))
            return
        options = [p for p in command.params if type(p).__name__.endswith("Option")]
        arguments = [p for p in command.params if type(p).__name__.endswith("Argument")]
        found.append(Command(path, options, arguments))

    walk(root, ())
    return found


COMMANDS = walk_commands()


def test_the_walk_finds_every_top_level_command():
    assert {c.path[0] for c in COMMANDS} == set(cli_package.COMMAND_MODULES)
    assert len(COMMANDS) > len(cli_package.COMMAND_MODULES)  # and the subcommands of the groups
    assert ("attribute", "set", "add-attr") in {c.path for c in COMMANDS}


# ------------------------------------------------------------------ the seeded database

SEED_USERS = ["alice", "bob", "carol"]
SEED_GROUPS = ["ops", "shop"]
SEED_EVENTS = ["fz_stock", "fz_plain", "fz_old"]
SEED_ATTRIBUTES = ["qty", "price", "ok", "colour", "site", "due", "seen", "note"]


def closed_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def invoke(db_path: Path, args: list[str], stdin: str | None = "", user: str = "alice"):
    """`tasktui --db DB --register --user USER ARGS` in-process, with the app that
    `tasktui.cli.main` builds for these words (only the named command: 3x faster)."""
    argv = ["--db", str(db_path), "--register", "--user", user, *args]
    # Bytes, as a real stdin gives: a lone surrogate becomes bytes that are not UTF-8.
    data = stdin.encode("utf-8", "surrogatepass") if stdin is not None else None
    return CliRunner().invoke(cli_package.app_for(argv), argv, input=data, catch_exceptions=False)


def seed(db_path: Path, files: Path) -> None:
    """Users, groups, attributes (in a group and a set), events (one obsolete, one with
    the set), tasks with attribute values, comments, a dependency, done and assigned
    ones, email settings pointing at a closed port, an outbox, an export file."""
    steps = [
        ["init"],
        *[["user", "add", login, "--name", login.title(), "--email", f"{login}@example.com"] for login in SEED_USERS[1:]],
        ["user", "edit", "alice", "--email", "alice@example.com"],
        ["group", "add", "ops", "--description", "Operations"],
        ["group", "add", "shop"],
        ["group", "add-member", "ops", "alice", "bob"],
        ["attribute", "group", "add", "stock", "--label", "Stock"],
        ["attribute", "add", "qty", "--label", "Quantity", "--type", "integer", "--group", "stock"],
        ["attribute", "add", "price", "--label", "Price", "--type", "decimal"],
        ["attribute", "add", "ok", "--label", "Checked", "--type", "boolean", "--default", "no"],
        ["attribute", "add", "colour", "--label", "Colour", "--type", "choice", "--choice", "red", "--choice", "green"],
        ["attribute", "add", "site", "--label", "Site", "--type", "url"],
        ["attribute", "add", "due", "--label", "Due", "--type", "date"],
        ["attribute", "add", "seen", "--label", "Seen", "--type", "datetime"],
        ["attribute", "add", "note", "--label", "Note", "--type", "text"],
        ["attribute", "set", "add", "stock_set", "--name", "Stock", *[w for a in SEED_ATTRIBUTES for w in ("--attr", a)]],
        ["event", "create", "fz_stock", "--name", "Difference in stock", "--attribute-set", "stock_set",
         "--responsible-user", "alice"],
        ["event", "create", "fz_plain", "--name", "Plain", "--responsible-group", "ops"],
        ["event", "create", "fz_old", "--name", "Old", "--responsible-user", "bob"],
        ["email", "settings", "set", "--host", "127.0.0.1", "--port", str(closed_port()), "--security", "none",
         "--from", "tasktui@example.com"],
        ["email", "default", "on"],
        ["raise", "fz_stock", "--title", "stock 1", "--attr", "qty=3", "--attr", "colour=red", "--dedup-key", "k1"],
        ["raise", "fz_stock", "--title", "stock 2", "--attr", "qty=4", "--link", "https://shop.example/1"],
        ["raise", "fz_plain", "--title", "plain 3", "--description", "line one\nline two", "--process", "run-42"],
        ["raise", "fz_plain", "--title", "plain 4", "--assignee", "bob"],
        ["raise", "fz_plain", "--title", "plain 5", "--group", "shop"],
        ["task", "comment", "1", "a comment"],
        ["task", "depend", "2", "--on", "1"],
        ["task", "done", "4"],
        ["task", "assign", "3", "--to", "carol"],
        ["event", "obsolete", "fz_old"],
        ["export", str(files / "export.json"), "--format", "json"],
    ]  # fmt: skip
    for args in steps:
        result = invoke(db_path, args)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
    (files / "plugin.toml").write_text(
        'plugin = "Shop plugin"\n[[event]]\nidentifier = "shop_sync"\nname = { en = "Shop sync" }\n', encoding="utf-8"
    )
    (files / "broken.toml").write_bytes(b'plugin = "x"\n[[event]\n\xff')
    (files / "tasks.jsonl").write_text(json.dumps({"title": "x"}) + "\n", encoding="utf-8")
    (files / "a directory").mkdir()
    (files / "not a database.txt").write_text("hello\n", encoding="utf-8")
    (files / "batch.jsonl").write_text(
        json.dumps({"event": "fz_plain", "title": "from a batch"}) + "\n" + "not json\n", encoding="utf-8"
    )


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, Path]:
    """The seeded database (made once per module) and its side files."""
    files = tmp_path_factory.mktemp("fuzz-files")
    db_path = tmp_path_factory.mktemp("fuzz-template") / "tasks.db"
    seed(db_path, files)
    return db_path, files


@pytest.fixture
def seeded(template, tmp_path, monkeypatch) -> tuple[Path, Path]:
    """A copy of the seeded database for one test; the working directory is a fresh
    temporary one (relative paths given by the fuzzer land there)."""
    source, files = template
    db_path = tmp_path / "tasks.db"
    with sqlite3.connect(source) as src, sqlite3.connect(db_path) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    # The environment of the tests' own user must not leak into the runs.
    for name in ("TASKTUI_DB", "TASKTUI_USER", "TASKTUI_LANG", "TASKTUI_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    return db_path, files


# ------------------------------------------------------------------ values

NUMBERS = ["0", "1", "2", "3", "5", "-1", "-0", "+1", "007", "1.5", "1e3", "1e309", "nan", "inf", "-inf", "0x10",
           "9" * 30, str(2**63 - 1), str(2**63), str(-(2**63)), str(-(2**63) - 1), str(2**31), str(2**64),
           "١٢٣", "²", "１２", "৫", "1_000", " 1", "1 "]  # fmt: skip
CONTROL = ["\x1b[31mred\x1b[0m", "\x1b]0;owned\x07", "\x1b]52;c;aGk=\x07", "\x07", "\r", "a\rb", "\n", "a\nb", "\t",
           "\x1b", "\x9b31m", "\x85", "\u202e", "\u2028", "\x7f", "\x08", "\x1b[2J\x1b[H"]  # fmt: skip
TEXTS = ["", " ", "-", "--", "x", "é€😀", "'; DROP TABLE task; --", "%s", "{0}", "\\", '"', "null", "true",
         "x" * 600, "y" * 5000, "z" * 70_000, "on", "off", "yes", "y", "json", "csv", "ids", "table", "open",
         "done", "all", "created", "updated", "title", "2024-02-29", "2024-13-01", "2024-01-02T10:00:00", "today",
         "https://example.com/x", "javascript:alert(1)", "a@example.com", "not an email", "--help", "-h",
         "none", "starttls", "tls", "en", "de", "fr", "me", "qty=3", "qty=x", "colour=blue", "=", "k=", "=v",
         "note=\x1b[31m"]  # fmt: skip
IDENTIFIERS = [*SEED_EVENTS, "shop_sync", "missing_event", "a__b", "9lives", "new_event"]
PEOPLE = [*SEED_USERS, *SEED_GROUPS, "nobody", "dave", "ALICE", "alice ", "root"]
KEYS = [*SEED_ATTRIBUTES, "stock", "stock_set", "nokey", "new_key", "Qty"]
IDS = ["1", "2", "3", "4", "5", "6", "99", "0", "-1", "1,2", "1-3", "#1"]


def path_values(files: Path) -> list[str]:
    return [str(files / name) for name in ("export.json", "plugin.toml", "broken.toml", "tasks.jsonl", "batch.jsonl",
                                           "a directory", "missing.json", "missing/dir/file.json")] + [
        "-", ".", "..", "/", "/dev/null", "/dev/zero", "/nonexistent/x", "out.json", "out.csv", "sub/out.json",
        "backup.db", str(files), str(files / "export.json") + "/x"]  # fmt: skip


def random_text(max_size: int = 20) -> st.SearchStrategy[str]:
    """Any text an argv can hold (no NUL), surrogates (undecodable bytes) included."""
    return st.text(st.characters(exclude_characters="\x00", codec=None), max_size=max_size)


def values(files: Path) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(NUMBERS),
        st.sampled_from(CONTROL),
        st.sampled_from(TEXTS),
        st.sampled_from(IDENTIFIERS + PEOPLE + KEYS + IDS),
        st.sampled_from(path_values(files)),
        st.integers(-(2**70), 2**70).map(str),
        st.tuples(st.sampled_from(KEYS), st.one_of(st.sampled_from(NUMBERS + CONTROL + TEXTS[:20]), random_text())).map(
            "=".join
        ),
        random_text(),
    )


# Values that would make a run long or blocking, replaced by bounded ones (each with why).
BOUNDED_VALUES = {
    # a valid count up to 100,000 loads that many demo tasks (seconds to minutes): keep the
    # hostile values, and valid counts small
    ("demo", "--tasks"): ["0", "-1", "100001", "", "x", "١", "1e3", "1", "3", str(2**63)],
    # a valid pause of up to a minute between backup steps blocks that long
    ("db", "backup", "--pause-ms"): ["0", "1", "-1", "60001", "", "x", "١", str(2**63)],
}
# Options always given (with a bounded value) when the fuzzer leaves them out, each with why.
DEFAULTS_BOUNDED = {
    # the default count, 300 demo tasks, takes two seconds
    ("demo",): {"--tasks": "3"},
    # `web` alone serves until a signal: an address that cannot be bound ends it at once (exit 4)
    ("web",): {"--listen": "256.1.1.1:1"},
}
# A port something listens on: `intake serve` runs until a signal, so the fuzzer only
# ever lets it fail to bind (its HTTP side is fuzzed in tests/intake).
_TAKEN = socket.socket()
_TAKEN.bind(("127.0.0.1", 0))
_TAKEN.listen()
TAKEN_ADDRESS = f"127.0.0.1:{_TAKEN.getsockname()[1]}"
BOUNDED_VALUES[("intake", "serve", "--listen")] = [TAKEN_ADDRESS, "", "x", "127.0.0.1:65536", "[::1]", ":-1"]
BOUNDED_VALUES[("intake", "serve", "--metrics-listen")] = [TAKEN_ADDRESS, "", "1:2:3", "\x1b"]
DEFAULTS_BOUNDED[("intake", "serve")] = {"--listen": TAKEN_ADDRESS}
# Options never given (each with why).
EXCLUDED_OPTIONS = {
    # runs until a signal: the fuzzer tests one delivery run of notify instead
    ("notify", "--loop"),
}


def option_value(command: Command, option, files: Path) -> st.SearchStrategy[str]:
    bounded = BOUNDED_VALUES.get((*command.path, option.opts[0]))
    if bounded is not None:
        return st.sampled_from(bounded)
    return values(files)


def option_words(command: Command, option, files: Path, value_optional: bool) -> st.SearchStrategy[list[str]]:
    """One use of an option: `--flag`, `--opt VALUE`, `--opt=VALUE`, or (rarely) an
    option whose value is missing."""
    names = st.sampled_from(option.opts + option.secondary_opts)
    if option.is_flag:
        return names.map(lambda name: [name])
    value = option_value(command, option, files)
    long_names = [n for n in option.opts if n.startswith("--")]
    forms = [st.tuples(names, value).map(list)]
    if long_names:
        forms.append(st.tuples(st.sampled_from(long_names), value).map(lambda p: [f"{p[0]}={p[1]}"]))
    if value_optional:
        forms.append(names.map(lambda name: [name]))
    return st.one_of(*forms)


def other_databases(files: Path) -> list[str]:
    """`--db` values other than the seeded file: unusable ones, and a new file in the
    working directory."""
    return [str(files / "a directory"), str(files / "not a database.txt"), "/dev/null", "/nonexistent/dir/x.db",
            "other.db", str(files / "a directory") + "/"]  # fmt: skip


def global_options(files: Path) -> st.SearchStrategy[list[str]]:
    """A global option before the command (`--version` ends the run at once)."""
    return st.one_of(GLOBAL_OPTIONS, st.tuples(st.just("--db"), st.sampled_from(other_databases(files))).map(list))


GLOBAL_OPTIONS = st.one_of(
    st.just([]),
    st.tuples(st.just("--lang"), st.sampled_from(["en", "de", "fr", "", "EN", "\x1b[31m"])).map(list),
    st.tuples(st.just("--user"), st.sampled_from([*SEED_USERS, "dave", "", " ", "a b", "\x1b]0;x\x07", "x" * 300])).map(
        list
    ),
    st.just(["--version"]),
)


@st.composite
def argv_for(draw, command: Command, files: Path) -> list[str]:
    """The words after `tasktui` for one call of `command`."""
    parts: list[list[str]] = []
    for argument in command.arguments:
        if argument.nargs == -1:
            count = draw(st.integers(0, 4))
        else:
            count = draw(st.sampled_from([argument.nargs] * 6 + [0, argument.nargs + 1]))
        parts += [[draw(values(files))] for _ in range(count)]
    usable = [o for o in command.options if (*command.path, o.opts[0]) not in EXCLUDED_OPTIONS]
    if usable:
        chosen = draw(st.lists(st.sampled_from(usable), max_size=min(len(usable) + 2, 6)))
        parts += [draw(option_words(command, o, files, value_optional=draw(st.integers(0, 15)) == 0)) for o in chosen]
    noise = draw(
        st.lists(
            st.one_of(st.sampled_from(["--bogus", "-Z", "--", "-", "--format", "--help"]), values(files)), max_size=2
        )
    )
    if command.is_group or draw(st.integers(0, 3)) == 0:
        parts += [[word] for word in noise]
    parts = draw(st.permutations(parts)) if parts else parts
    words = [w for part in parts for w in part]
    for option, value in DEFAULTS_BOUNDED.get(command.path, {}).items():
        if not any(w == option or w.startswith(f"{option}=") for w in words):
            words += [option, value]
    prefix = draw(global_options(files)) if draw(st.integers(0, 5)) == 0 else []
    return [*prefix, *command.path, *words]


@st.composite
def run_argv(draw, command: Command, files: Path) -> list[str]:
    """`run` executes the first word that is not an option: its options only (never a
    stray word), then `-- true` or `-- false`. Values never start with '-', which
    would be taken for an unknown option — and then for the command to run."""
    words: list[str] = []
    for option in draw(st.lists(st.sampled_from(command.options), max_size=6)):
        name = draw(st.sampled_from(option.opts + option.secondary_opts))
        words.append(name)
        if not option.is_flag:
            words.append(draw(values(files).filter(lambda v: not v.startswith("-"))))
    return [*command.path, *words, "--", draw(st.sampled_from(["true", "false"]))]


STDIN_EXAMPLES = ["1\n2\n", "1\n", "99\n", "x\n", "y\n", "-1\n", "1\n\n3\n", "[]", "\x1b[31m\n", "y" * 70_000,
                  '{"event": "fz_plain", "title": "from stdin"}\n']  # fmt: skip
stdin_texts = st.one_of(st.just(""), st.just(""), st.sampled_from(STDIN_EXAMPLES), random_text(200))

# ------------------------------------------------------------------ the checks

RAW_CONTROLS = {"\x1b", "\x07", *map(chr, range(0x80, 0xA0))}


def database_problems(db_path: Path) -> list:
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        integrity = [row[0] for row in con.execute("PRAGMA integrity_check")]
        foreign = con.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        con.close()
    return ([] if integrity == ["ok"] else integrity) + foreign


#: Commands that report each problem they found on its own error line (documented):
#: an import names each bad record (up to 20, then '... and N more'), `db check`
#: each problem of the file.
PROBLEM_REPORTS = {("import",), ("db", "check")}


def without_echoed_input(out: str, stdin: str) -> str:
    """stdout without the answers to prompts, which CliRunner echoes there as a
    terminal would (the terminal, not tasktui, shows what the user types)."""
    for line in stdin.splitlines():
        out = out.replace(f": {line}\n", ": \n", 1)
    return out


def check_call(db_path: Path, command: Command, args: list[str], stdin: str, result) -> None:
    code, out, err = result.exit_code, result.stdout, result.stderr
    note(f"exit {code}\nstdout: {out[:2000]!r}\nstderr: {err[:2000]!r}")
    assert code in (0, 1, 2, 3, 4), (args, code, err)
    assert "Traceback" not in out + err, (args, err)
    raw = RAW_CONTROLS.intersection(without_echoed_input(out, stdin) + err)
    assert not raw, (args, "raw terminal controls in the output", raw)
    if code != 0:
        lines = err.splitlines()
        if command.path[0] == "run":  # the wrapper's own lines, and the command's exit code
            assert all(line.startswith("tasktui: ") for line in lines), (args, err)
        elif command.path in PROBLEM_REPORTS:
            assert lines and all(line.startswith("tasktui: error: ") for line in lines), (args, code, err)
            assert len(lines) <= 25, (args, "a report of problems should stay short", err)
        elif command.is_group and args[-1] == command.path[-1] and not err and code == 2:
            assert out.lstrip().startswith("Usage:"), (args, out)  # a group alone: its help, as Typer prints it
        else:
            assert len(lines) == 1 and lines[0].startswith("tasktui: error: "), (args, code, err)
            assert "internal error" not in lines[0], (args, err)
    problems = database_problems(db_path)
    assert not problems, (args, "the database is damaged", problems)


def reset_mail_server(db_path: Path) -> None:
    """Point the SMTP settings back at a closed port on 127.0.0.1 (the fuzzer may have
    set any host), so a delivery fails at once and never reaches the network."""
    args = ["email", "settings", "set", "--host", "127.0.0.1", "--port", str(closed_port()), "--security", "none",
            "--no-password", "--ca-file", "", "--login", "", "--from", "tasktui@example.com"]  # fmt: skip
    result = invoke(db_path, args)
    assert result.exit_code == 0, result.stderr


SENDS_MAIL = {("email", "test"), ("notify",)}


def call(db_path: Path, files: Path, command: Command, args: list[str], stdin: str) -> None:
    if command.path in SENDS_MAIL:
        reset_mail_server(db_path)
    note(f"argv: {args!r}\nstdin: {stdin[:200]!r}")
    check_call(db_path, command, args, stdin, invoke(db_path, args, stdin=stdin))
    # A file given as --db that is not a database is refused, never adopted or changed.
    assert (files / "not a database.txt").read_text(encoding="utf-8") == "hello\n", args


# ------------------------------------------------------------------ the fuzz test


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: "-".join(c.path))
def test_fuzz_command(seeded, command: Command):
    db_path, files = seeded
    make_argv = run_argv if command.path == ("run",) else argv_for

    @FUZZ
    @given(args=make_argv(command, files), stdin=stdin_texts)
    def fuzz(args: list[str], stdin: str) -> None:
        call(db_path, files, command, args, stdin)

    fuzz()


# ------------------------------------------------------------------ found by the fuzzer


def assert_one_error_line(result, code: int) -> str:
    assert result.exit_code == code, result.stderr
    lines = result.stderr.splitlines()  # as Python splits lines: U+2028 and NEL too
    assert len(lines) == 1 and lines[0].startswith("tasktui: error: "), result.stderr
    return lines[0]


def test_a_line_separator_in_a_usage_error_is_shown_not_sent(cli):
    line = assert_one_error_line(cli("task", "show", "0", "\u2028"), 2)
    assert "(<U+2028>)" in line


def test_db_backup_shows_a_control_character_of_its_target(cli, tmp_path, monkeypatch):
    assert cli("init").exit_code == 0
    monkeypatch.chdir(tmp_path)
    result = cli("db", "backup", "\x85")
    assert result.exit_code == 0, result.stderr
    assert "to <U+0085> (" in result.stdout and "\x85" not in result.stdout
    assert (tmp_path / "\x85").is_file()


def test_export_import_and_init_show_a_control_character_of_their_path(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    initialised = cli("--db", "\x85.db", "init")
    assert initialised.exit_code == 0 and "database ready: <U+0085>.db" in initialised.stdout
    exported = cli("export", "\x85x.json")
    assert exported.exit_code == 0 and "to <U+0085>x.json (json)" in exported.stdout
    imported = cli("import", "\x85x.json")
    assert imported.exit_code == 0 and "from <U+0085>x.json" in imported.stdout
    assert not {"\x85"} & set(initialised.stdout + exported.stdout + imported.stdout)
