"""Issue 17 on the command line: `--severity` on raise, events and list (with the
sort), `task ack|unack|snooze|unsnooze` with ids or stdin and their exit codes, the
JSON fields, export and import carrying them, and saved views (`view ...`,
`task list --view`), on both engines."""

from __future__ import annotations

import json

from tests.conftest import Cli
from tests.hostile_text import OSC0, OSC52, RLO, assert_visible


def _raise(cli, title: str, *extra: str) -> int:
    result = cli("raise", "disk_full", "--title", title, "--format", "ids", *extra)
    assert result.exit_code == 0, result.stderr
    return int(result.stdout)


def _list(cli, *args: str) -> list[dict]:
    result = cli("task", "list", "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _setup(cli) -> None:
    assert cli("init").exit_code == 0
    created = cli("event", "create", "disk_full", "--name", "Disk full", "--severity", "high", "--format", "json")
    assert created.exit_code == 0 and json.loads(created.stdout)["severity"] == "high"


def test_severity_on_events_raise_list_filter_and_sort(cli):
    _setup(cli)
    low = _raise(cli, "low one", "--severity", "low")
    default = _raise(cli, "event default")
    crit = _raise(cli, "critical one", "--severity", "critical")
    assert cli("raise", "disk_full", "--title", "x", "--severity", "urgent").exit_code == 2
    assert [t["id"] for t in _list(cli, "--sort", "severity")] == [crit, default, low]
    assert [t["id"] for t in _list(cli, "--sort", "severity", "--asc")] == [low, default, crit]
    assert {t["id"] for t in _list(cli, "--severity", "high+")} == {crit, default}
    assert [t["severity"] for t in _list(cli, "--severity", "low")] == ["low"]
    assert cli("task", "list", "--severity", "high+", "--count").stdout.strip() == "2"
    assert cli("task", "list", "--severity", "hgh").exit_code == 2
    assert cli("event", "edit", "disk_full", "--severity", "low").exit_code == 0
    assert json.loads(cli("event", "show", "disk_full", "--format", "json").stdout)["severity"] == "low"
    table = cli("task", "list").stdout
    assert "SEVERITY" in table.splitlines()[0] and "critical" in table


def test_ack_snooze_commands_with_stdin_exit_codes_and_json(cli):
    _setup(cli)
    a, b = _raise(cli, "a"), _raise(cli, "b")
    assert cli("task", "ack", str(a)).stdout.strip() == "acknowledge: 1 changed"
    again = cli("task", "ack", str(a), str(b))
    assert again.exit_code == 1 and "already acknowledged by you" in again.stderr
    (row,) = [t for t in _list(cli) if t["id"] == a]
    assert row["acknowledged_by"] == "alice" and row["acknowledged_at"] and row["snoozed_until"] is None
    shown = json.loads(cli("task", "show", str(a), "--format", "json").stdout)
    assert shown["acknowledged_by"] == "alice" and shown["severity"] == "high"
    assert [t["id"] for t in _list(cli, "--acknowledged", "unacknowledged")] == []  # b too was acknowledged
    assert cli("task", "unack", "-", input=f"{a}\n").exit_code == 0
    snoozed = cli("task", "snooze", str(a), "--until", "2h", "--format", "json")
    assert snoozed.exit_code == 0 and json.loads(snoozed.stdout)["changed"] == [a]
    assert [t["id"] for t in _list(cli)] == [b]
    assert [t["id"] for t in _list(cli, "--snoozed", "snoozed")] == [a]
    assert _list(cli, "--snoozed", "snoozed")[0]["snoozed_until"]
    past = cli("task", "snooze", str(b), "--until", "2020-01-01T08:00")
    assert past.exit_code == 2 and "in the past" in past.stderr
    assert cli("task", "snooze", str(b)).exit_code == 2  # --until is required
    assert cli("task", "unsnooze", str(a)).exit_code == 0
    assert cli("task", "unsnooze", str(a)).exit_code == 1  # not snoozed any more
    assert cli("task", "ack", "999").exit_code == 3


def test_export_and_import_carry_severity_acknowledgement_and_snooze(cli, tmp_path):
    _setup(cli)
    a = _raise(cli, "a", "--severity", "critical")
    b = _raise(cli, "b")
    cli("task", "ack", str(a))
    cli("task", "snooze", str(b), "--until", "tomorrow 23:00")
    path = tmp_path / "tasks.json"
    assert cli("export", str(path)).exit_code == 0
    records = {r["title"]: r for r in json.loads(path.read_text())}
    assert records["a"]["severity"] == "critical" and records["a"]["acknowledged_by"] == "alice"
    assert records["b"]["snoozed_until"] and records["b"]["severity"] == "high"
    target = Cli(str(tmp_path / "target.db"))  # another database (SQLite: across engines from PostgreSQL)
    _setup(target)
    imported = target("import", str(path))
    assert imported.exit_code == 0, imported.stderr
    rows = {t["title"]: t for t in _list(target, "--snoozed", "any")}
    assert rows["a"]["severity"] == "critical" and rows["a"]["acknowledged_by"] == "alice"
    assert rows["b"]["snoozed_until"] and [t["title"] for t in _list(target)] == ["a"]  # b sleeps there too


def test_saved_views_save_list_refine_rename_delete_and_share(cli):
    _setup(cli)
    crit = _raise(cli, "critical one", "--severity", "critical")
    _raise(cli, "plain", "--severity", "normal")
    names = [v["name"] for v in json.loads(cli("view", "list", "--format", "json").stdout)]
    assert names == ["Mine", "Unassigned", "Critical", "All open"]  # the defaults of a new user
    assert [t["id"] for t in _list(cli, "--view", "Critical")] == [crit]
    saved = cli("view", "save", "Hot", "--severity", "high+", "--sort", "severity", "--shared")
    assert saved.exit_code == 0 and "--severity high+" in saved.stdout
    assert [t["title"] for t in _list(cli, "--view", "Hot")] == ["critical one"]
    assert [t["title"] for t in _list(cli, "--view", "All open", "--severity", "normal")] == ["plain"]  # refined
    assert cli("view", "save", "Bad", "--severity", "urgent").exit_code == 2
    hostile = cli("view", "save", "Odd", "--search", f"a{OSC0}b{OSC52}{RLO}")
    assert hostile.exit_code == 0, hostile.stderr
    assert_visible(hostile.stdout, "view save", "␛]0;pwned␇", "␛]52;c;cHduZWQ=␇", "<U+202E>")
    assert cli("view", "save", "Bad", "--event", "no_such_event").exit_code == 3
    bob_views = json.loads(cli("view", "list", "--format", "json", user="bob").stdout)
    assert "Hot" in [v["name"] for v in bob_views]  # shared with everyone ...
    refused = cli("view", "delete", "Hot", user="bob")
    assert refused.exit_code == 1 and "only its owner" in refused.stderr  # ... editable by its owner only
    assert cli("view", "rename", "Hot", "Hotter").exit_code == 0
    assert cli("task", "list", "--view", "Hot").exit_code == 3
    assert cli("view", "delete", "Hotter").exit_code == 0
    assert cli("view", "show", "Hotter").exit_code == 3


def test_a_view_naming_a_removed_event_is_an_error_naming_it(cli):
    _setup(cli)
    cli("event", "create", "temp_event", "--name", "Temp")
    assert cli("view", "save", "Temp", "--event", "temp_event").exit_code == 0
    assert cli("event", "delete", "temp_event", "--yes").exit_code == 0
    broken = cli("task", "list", "--view", "Temp")
    assert broken.exit_code == 3 and "view 'Temp': unknown event 'temp_event'" in broken.stderr
    assert cli("view", "list").exit_code == 0  # listing the views still works
