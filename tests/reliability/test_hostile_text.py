"""Untrusted task text never reaches a terminal raw (text_safety).

Input: every way in (raise with stdin, batch, import, run, comments, events,
manifests, people, attribute values) stores text without escape sequences or control
characters. Output: a database that holds them anyway (written before cleaning) is
shown by every command with the controls drawn visibly, CSV without formulas, and
JSON with the exact stored string, never a raw ESC."""

from __future__ import annotations

import csv
import io
import json
import sys

import pytest

from tests.hostile_text import (
    CSI,
    HOSTILE,
    HOSTILE_TEXT,
    OSC0,
    OSC52,
    RLO,
    assert_no_raw,
    assert_visible,
    store_raw_hostile_task,
)

#: What the input cleaners make of the hostile texts: sequences gone whole, CR a
#: space in a line and a newline in a text, the bidi override kept (shown on output).
CLEAN_TITLE = f"Order 1234 failed red over{RLO}txt.exe"
CLEAN_TEXT = f"first line\nsecond line\nthird{RLO} line"


# ------------------------------------------------------------------ output


@pytest.fixture
def stored(actor, cli):
    """A database holding raw escape sequences in every text of one task."""
    return store_raw_hostile_task(actor), cli


def test_task_list_table_and_show_draw_controls_visibly(stored):
    hostile, cli = stored
    listing = cli.run("task", "list", "--status", "all")
    assert listing.exit_code == 0, listing.stderr
    assert_visible(listing.stdout, "task list", "␛]52;c;cHduZWQ=␇")
    shown = cli.run("task", "show", str(hostile.task_id))
    assert shown.exit_code == 0, shown.stderr
    assert_visible(shown.stdout, "task show")
    assert "second ␛]52;c;cHduZWQ=␇line" in shown.stdout.splitlines()  # description keeps its lines
    assert "Event ␛]0;pwned␇<U+202E>name" in shown.stdout


def test_json_keeps_the_exact_string_without_a_raw_control(stored):
    hostile, cli = stored
    listing = cli.run("task", "list", "--status", "all", "--format", "json")
    assert_no_raw(listing.stdout, "task list json")
    [row] = json.loads(listing.stdout)
    assert (row["title"], row["description"], row["attributes"]) == (HOSTILE, HOSTILE_TEXT, {"note": HOSTILE})
    shown = cli.run("task", "show", str(hostile.task_id), "--format", "json")
    assert_no_raw(shown.stdout, "task show json")
    data = json.loads(shown.stdout)
    assert (data["link"], data["comments"][0]["new"]) == (f"https://x/{OSC52}{RLO}", HOSTILE_TEXT)


def test_csv_draws_controls_visibly_and_neutralises_formulas(stored, actor):
    from tasktui.services.tasks.raising import raise_task

    _, cli = stored
    for title in ('=HYPERLINK("http://evil")', "+1+1", "-2", "@SUM(A1)"):
        raise_task(actor, "hostile_event", title)
    listing = cli.run("task", "list", "--format", "csv")
    assert listing.exit_code == 0, listing.stderr
    assert_visible(listing.stdout, "task list csv", "␛]52;c;cHduZWQ=␇")
    titles = [r["title"] for r in csv.DictReader(io.StringIO(listing.stdout))]
    assert titles[:4] == ["'@SUM(A1)", "'-2", "'+1+1", '\'=HYPERLINK("http://evil")']


def test_export_files_are_safe_too(stored, tmp_path):
    _, cli = stored
    for name in ("out.csv", "out.json"):
        result = cli.run("export", str(tmp_path / name), "--status", "all")
        assert result.exit_code == 0, result.stderr
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert_no_raw(text, name)
    assert "␛]52;c;cHduZWQ=␇" in (tmp_path / "out.csv").read_text(encoding="utf-8")
    [task] = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert (task["title"], task["description"]) == (HOSTILE, HOSTILE_TEXT)


def test_event_user_and_group_listings_draw_controls_visibly(stored):
    hostile, cli = stored
    for args in (("event", "list"), ("event", "show", hostile.event)):
        result = cli.run(*args)
        assert result.exit_code == 0, result.stderr
        assert_visible(result.stdout, " ".join(args), "␛]0;pwned␇<U+202E>name")
    users = cli.run("user", "list")
    assert_visible(users.stdout, "user list", "␛]52;c;cHduZWQ=␇")
    groups = cli.run("group", "list")
    assert_visible(groups.stdout, "group list", "first ␛[31mline␍ second")


def test_set_attr_echo_draws_the_old_value_visibly(stored):
    hostile, cli = stored
    result = cli.run("task", "set-attr", str(hostile.task_id), "note=plain")
    assert result.exit_code == 0, result.stderr
    assert_visible(result.stdout, "set-attr", "␛]52;c;cHduZWQ=␇")


# ------------------------------------------------------------------ input


@pytest.fixture
def noted(cli):
    """Event `noted_event` with a text attribute `note`."""
    for args in (
        ("attribute", "add", "note", "--label", "Note", "--type", "text"),
        ("attribute", "set", "add", "noted", "--name", "Noted", "--attr", "note"),
        ("event", "create", "noted_event", "--name", "Noted"),
        ("event", "create", "with_note", "--name", "With note", "--attribute-set", "noted"),
    ):
        result = cli(*args)
        assert result.exit_code == 0, (args, result.stderr)
    return cli


def _shown(cli, task_id: int | str) -> dict:
    result = cli("task", "show", str(task_id), "-f", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_raise_cleans_title_description_link_and_attribute(noted):
    cli = noted
    result = cli.run(
        "raise", "with_note", "--title", HOSTILE, "--description", "-", "--link", f"https://x/{OSC0}1\t",
        "--attr", f"note={HOSTILE}", "-f", "ids", input=HOSTILE_TEXT,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    task = _shown(cli, result.stdout.strip())
    assert (task["title"], task["description"], task["link"]) == (CLEAN_TITLE, CLEAN_TEXT, "https://x/1")
    # a text attribute may hold lines (as before): its CR becomes a newline
    assert list(task["attributes"].values()) == [CLEAN_TITLE.replace(" over", "\nover")]


def test_batch_and_import_clean_like_a_single_raise(noted, tmp_path):
    cli = noted
    line = json.dumps({"event": "noted_event", "title": HOSTILE, "description": HOSTILE_TEXT, "link": OSC52 + "x"})
    batch = cli.run("raise", "--batch", "-f", "ids", input=line + "\n")
    assert batch.exit_code == 0, batch.stderr
    task = _shown(cli, batch.stdout.strip())
    assert (task["title"], task["description"], task["link"]) == (CLEAN_TITLE, CLEAN_TEXT, "x")
    record = {"event": "noted_event", "title": HOSTILE, "description": HOSTILE_TEXT, "link": CSI + "y",
              "created_at": "2024-03-01T08:00:00Z", "status": "open"}  # fmt: skip
    (tmp_path / "old.json").write_text(json.dumps([record]), encoding="utf-8")
    imported = cli.run("import", str(tmp_path / "old.json"))
    assert imported.exit_code == 0, imported.stderr
    rows = json.loads(cli("task", "list", "-f", "json").stdout)
    assert [(r["title"], r["description"], r["link"]) for r in rows] == [
        (CLEAN_TITLE, CLEAN_TEXT, link) for link in "yx"
    ]


def test_run_removes_colour_and_osc_sequences_from_the_output_tail(noted, tmp_path):
    script = tmp_path / "job.py"
    script.write_text(
        "import sys\nsys.stdout.write('\\x1b[1;31mERROR\\x1b[0m disk full\\r\\n\\x1b]0;pwned\\x07done\\n')\nsys.exit(3)\n"
    )
    result = noted.run("run", "--event", "noted_event", "--", sys.executable, str(script))
    assert result.exit_code == 3, result.stderr
    [row] = json.loads(noted("task", "list", "-f", "json").stdout)
    assert_no_raw(row["description"], "run description")
    assert "ERROR disk full\ndone" in row["description"]
    assert "[1;31m" not in row["description"] and "pwned" not in row["description"]


def test_comments_events_manifests_and_people_are_cleaned(noted, tmp_path):
    cli = noted
    task_id = cli("raise", "noted_event", "-t", "t", "-f", "ids").stdout.strip()
    assert cli("task", "comment", task_id, "-", input=HOSTILE_TEXT).exit_code == 0
    assert _shown(cli, task_id)["comments"][0]["new"] == CLEAN_TEXT
    assert cli("event", "create", "named", "--name", HOSTILE, "--name-de", OSC0 + "de").exit_code == 0
    event = json.loads(cli("event", "show", "named", "-f", "json").stdout)
    assert (event["name_en"], event["name_de"]) == (CLEAN_TITLE, "de")
    assert cli("event", "edit", "named", "--name", f"new{CSI}name").exit_code == 0
    assert json.loads(cli("event", "show", "named", "-f", "json").stdout)["name_en"] == "newname"
    manifest = tmp_path / "plugin.toml"
    manifest.write_text(
        'plugin = "Shop\\u001b[2J"\n[[event]]\nidentifier = "shop_failed"\nname.en = "Shop \\u001b]0;x\\u0007failed"\n',
        encoding="utf-8",
    )
    registered = cli("event", "register", str(manifest))
    assert registered.exit_code == 0, registered.stderr
    event = json.loads(cli("event", "show", "shop_failed", "-f", "json").stdout)
    assert (event["name_en"], event["plugin"]) == ("Shop failed", "Shop")
    assert cli("user", "add", "eve", "--name", HOSTILE).exit_code == 0
    assert cli("group", "add", "night", "--description", HOSTILE_TEXT).exit_code == 0
    users = {u["login"]: u for u in json.loads(cli("user", "list", "-f", "json").stdout)}
    groups = {g["name"]: g for g in json.loads(cli("group", "list", "-f", "json").stdout)}
    assert (users["eve"]["display_name"], groups["night"]["description"]) == (CLEAN_TITLE, CLEAN_TEXT)


def test_attribute_labels_choices_groups_and_set_names_are_cleaned(cli):
    """Names shown in every table and the TUI: cleaned on the way in like event and
    display names (escape sequences and control characters gone)."""
    assert cli("attribute", "add", "note", "--label", f"Note{OSC0}{CSI}X", "--type", "text").exit_code == 0
    added = cli(
        "attribute",
        "add",
        "colour",
        "--label",
        "Colour",
        "--type",
        "choice",
        "--choice",
        f"red{OSC52}",
        "--choice",
        "blue",
    )
    assert added.exit_code == 0, added.stderr
    note = json.loads(cli("attribute", "show", "note", "--format", "json").stdout)
    colour = json.loads(cli("attribute", "show", "colour", "--format", "json").stdout)
    assert note["label_en"] == "NoteX" and colour["choices"] == ["red", "blue"]
    created = cli("attribute", "set", "add", "odd", "--name", f"Odd{OSC0}set", "--attr", "note")
    assert created.exit_code == 0, created.stderr
    sets = json.loads(cli("attribute", "set", "list", "--format", "json").stdout)
    assert [s["name"] for s in sets if s["key"] == "odd"] == ["Oddset"]
    assert cli("attribute", "add", "two", "--label", "a\nb", "--type", "text").exit_code == 2  # one line
