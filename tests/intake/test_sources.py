"""`tasktui intake source add|list|show|remove|rotate`: a token printed once, only its
hash stored, the source as acting user."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tasktui.services.intake.sources import authenticate, token_hash
from tests.intake.conftest import add_events, add_source


@pytest.mark.sqlite_only  # looks for the token in the SQLite file's bytes
def test_add_prints_a_token_once_and_stores_only_its_hash(cli):
    cli("init")
    add_events(cli, "alerts")
    token = add_source(cli, "am", "alertmanager", "alerts")
    assert token.startswith("tt_") and len(token) >= 40
    raw = cli.db_path.read_bytes()
    assert token.encode() not in raw
    con = sqlite3.connect(cli.db_path)
    try:
        ((stored,),) = con.execute("SELECT token_hash FROM intake_source WHERE name = 'am'").fetchall()
    finally:
        con.close()
    assert stored == token_hash(token) and stored != token
    for command in (["list", "--format", "json"], ["show", "am", "--format", "json"], ["list"], ["show", "am"]):
        result = cli("intake", "source", *command)
        assert result.exit_code == 0, result.stderr
        assert token not in result.stdout and stored not in result.stdout


def test_table_output_of_add(cli):
    cli("init")
    add_events(cli, "alerts")
    result = cli("intake", "source", "add", "pd", "--kind", "pagerduty", "--event", "alerts")
    assert result.exit_code == 0
    first, token = result.stdout.strip().splitlines()
    assert first == "added intake source pd; its token (shown only now):"
    assert token.startswith("tt_")


def test_list_show_rotate_remove(cli, database):
    cli("init")
    add_events(cli, "alerts", "backup_failed")
    old = add_source(
        cli, "am", "alertmanager", "alerts", "--route", "job=backup:backup_failed", "--on-resolve", "comment"
    )
    shown = json.loads(cli("intake", "source", "show", "am", "--format", "json").stdout)
    assert shown["kind"] == "alertmanager" and shown["default_event"] == "alerts"
    assert shown["routes"] == ["job=backup:backup_failed"] and shown["on_resolve"] == "comment"
    listed = json.loads(cli("intake", "source", "list", "--format", "json").stdout)
    assert [s["name"] for s in listed] == ["am"]
    rotated = cli("intake", "source", "rotate", "am", "--format", "json")
    assert rotated.exit_code == 0
    new = json.loads(rotated.stdout)["token"]
    assert new != old
    assert authenticate(new, ["alertmanager"]).name == "am"
    removed = cli("intake", "source", "remove", "am")
    assert removed.exit_code == 0 and removed.stdout.strip() == "removed intake source am"
    assert cli("intake", "source", "show", "am").exit_code == 3
    assert json.loads(cli("intake", "source", "list", "--format", "json").stdout) == []


def test_refusals(cli):
    cli("init")
    add_events(cli, "alerts")
    bad_kind = cli("intake", "source", "add", "x", "--kind", "nagios", "--event", "alerts")
    assert bad_kind.exit_code == 2 and "unknown source kind 'nagios'" in bad_kind.stderr
    unknown_event = cli("intake", "source", "add", "x", "--kind", "json", "--event", "nope")
    assert unknown_event.exit_code == 3 and "unknown event 'nope'" in unknown_event.stderr
    bad_route = cli("intake", "source", "add", "x", "--kind", "json", "--event", "alerts", "--route", "team")
    assert bad_route.exit_code == 2 and "LABEL=VALUE:EVENT" in bad_route.stderr
    bad_resolve = cli("intake", "source", "add", "x", "--kind", "json", "--event", "alerts", "--on-resolve", "drop")
    assert bad_resolve.exit_code == 2
    person = cli("intake", "source", "add", "alice", "--kind", "json", "--event", "alerts")
    assert person.exit_code == 1 and "a user 'alice' exists already" in person.stderr
    bad_name = cli("intake", "source", "add", "a b", "--kind", "json", "--event", "alerts")
    assert bad_name.exit_code == 2
    add_source(cli, "j", "json", "alerts")
    again = cli("intake", "source", "add", "j", "--kind", "json", "--event", "alerts")
    assert again.exit_code == 1 and "exists already" in again.stderr
    assert cli("intake", "source", "remove", "nobody").exit_code == 3
    assert json.loads(cli("intake", "source", "list", "--format", "json").stdout)[0]["name"] == "j"


def test_a_removed_source_can_come_back_under_its_user(cli):
    cli("init")
    add_events(cli, "alerts")
    add_source(cli, "j", "json", "alerts")
    assert cli("intake", "source", "remove", "j").exit_code == 0
    add_source(cli, "j", "json", "alerts")


def test_authentication_checks_the_kind_and_the_token(cli, database):
    cli("init")
    add_events(cli, "alerts")
    token = add_source(cli, "am", "alertmanager", "alerts")
    import pytest

    from tasktui.services.intake.sources import Unauthorized

    assert authenticate(token, ["alertmanager"]).actor.os_login == "intake:am"
    for bad, kinds in (
        (token, ["pagerduty"]),
        (token + "x", ["alertmanager"]),
        ("", ["alertmanager"]),
        (None, ["json"]),
    ):
        with pytest.raises(Unauthorized):
            authenticate(bad, kinds)


def test_source_changes_are_audited(cli):
    cli("init")
    add_events(cli, "alerts")
    add_source(cli, "am", "alertmanager", "alerts")
    cli("intake", "source", "rotate", "am")
    cli("intake", "source", "remove", "am")
    audit = json.loads(cli("audit", "--entity", "intake_source", "--format", "json").stdout)
    assert sorted(e["action"] for e in audit) == ["create", "delete", "rotate"]
