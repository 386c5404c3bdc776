"""`tasktui audit [--since …] [--entity KIND] [--limit N] [--format table|json|csv]`:
newest first, a stable JSON shape, and a cut list says so on stderr."""

from __future__ import annotations

import csv
import io
import json

JSON_KEYS = ["id", "at", "actor", "os_login", "entity", "key", "action", "field", "old", "new"]


def test_json_shape_newest_first(cli):
    assert cli("event", "create", "stock_diff", "--name", "Stock").exit_code == 0
    assert cli("event", "edit", "stock_diff", "--name", "Stock difference").exit_code == 0
    result = cli("audit", "--format", "json")
    assert result.exit_code == 0 and result.stderr == ""
    rows = json.loads(result.stdout)
    assert all(list(row) == JSON_KEYS for row in rows)
    assert [(r["entity"], r["key"], r["action"], r["field"], r["old"], r["new"]) for r in rows[:2]] == [
        ("event", "stock_diff", "edit", "name_en", "Stock", "Stock difference"),
        ("event", "stock_diff", "create", None, None, '{"name_en": "Stock", "severity": "normal"}'),
    ]
    assert rows[0]["actor"] == "alice" and rows[0]["os_login"] and rows[0]["at"].endswith("Z")
    assert rows[0]["id"] > rows[1]["id"]


def test_a_cut_list_says_so_on_stderr(cli):
    for name in ("g1", "g2", "g3"):
        cli("group", "add", name)
    cut = cli("audit", "--entity", "group", "--limit", "2", "--format", "csv")
    assert cut.exit_code == 0
    assert [r["key"] for r in csv.DictReader(io.StringIO(cut.stdout))] == ["g3", "g2"]
    assert cut.stderr == ("tasktui: showing the newest 2 of 3 audit entries: use --limit, --since or --entity\n")
    whole = cli("audit", "--entity", "group", "--limit", "3")
    assert whole.stderr == "" and whole.stdout.splitlines()[0].split() == [
        "AT",
        "ACTOR",
        "OS_LOGIN",
        "ENTITY",
        "KEY",
        "ACTION",
        "FIELD",
        "OLD",
        "NEW",
    ]


def test_since_and_bad_options(cli):
    cli("group", "add", "g1")
    assert json.loads(cli("audit", "--since", "1h", "--format", "json").stdout)
    assert json.loads(cli("audit", "--since", "2999-01-01", "--format", "json").stdout) == []
    for args, message in (
        (("--since", "yesterday"), "--since 'yesterday' is neither a span"),
        (("--entity", "groups"), "unknown entity 'groups'"),
        (("--format", "ids"), "unknown format 'ids' for audit"),
        (("--limit", "0"), "--limit must be at least 1"),
    ):
        result = cli("audit", *args)
        assert result.exit_code == 2 and message in result.stderr and result.stderr.count("\n") == 1


def test_every_kind_of_change_from_the_command_line_names_the_actor(cli, tmp_path):
    """The CLI passes its actor to every audited service: no entry without one."""
    manifest = tmp_path / "m.toml"
    manifest.write_text('plugin = "Shop"\n[[event]]\nidentifier = "shop_failed"\nname.en = "Shop"\n')
    commands = [
        ("user", "add", "bob"),
        ("user", "edit", "bob", "--name", "Bob"),
        ("group", "add", "wh"),
        ("group", "add-member", "wh", "bob"),
        ("group", "remove-member", "wh", "bob"),
        ("event", "create", "e1", "--name", "E"),
        ("event", "edit", "e1", "--name", "E2"),
        ("event", "obsolete", "e1"),
        ("event", "delete", "e1", "--yes"),
        ("event", "register", str(manifest)),
        ("attribute", "group", "add", "g", "--label", "G"),
        ("attribute", "add", "qty", "--label", "Q", "--type", "integer"),
        ("attribute", "edit", "qty", "--label", "Qty"),
        ("attribute", "set", "add", "s", "--attr", "qty"),
        ("attribute", "set", "rename", "s", "S"),
        ("email", "settings", "set", "--host", "smtp.example.com"),
        ("email", "default", "off"),
        ("email", "event", "shop_failed", "on"),
    ]
    for command in commands:
        result = cli(*command)
        assert result.exit_code == 0, (command, result.stderr)
    rows = json.loads(cli("audit", "--limit", "1000", "--format", "json").stdout)
    assert {r["actor"] for r in rows} == {"alice"}
    kinds = {r["entity"] for r in rows}
    assert kinds == {
        "user",
        "group",
        "event",
        "attribute",
        "attribute_group",
        "attribute_set",
        "email_settings",
        "event_email",
    }
