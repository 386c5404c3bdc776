"""`tasktui attribute ...`, `raise --attr`, `task list --attr`, `task set-attr` and the
typed JSON output, through the CLI (in-process, plus real subprocesses for exit codes)."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def stock(cli):
    """An integer, a choice and a boolean attribute in a set used by event `stock_diff`."""
    for args in (
        ("attribute", "group", "add", "stock", "--label", "Stock", "--label-de", "Bestand"),
        ("attribute", "add", "qty", "--label", "Quantity", "--type", "integer", "--required", "--group", "stock"),
        ("attribute", "add", "colour", "--label", "Colour", "--type", "choice", "--choice", "red", "--choice", "blue"),
        ("attribute", "add", "ok", "--label", "Checked", "--type", "boolean", "--default", "no"),
        ("attribute", "add", "price", "--label", "Price", "--type", "decimal"),
        (
            "attribute",
            "set",
            "add",
            "stock_set",
            "--name",
            "Stock",
            "--attr",
            "qty",
            "--attr",
            "colour",
            "--attr",
            "ok",
        ),
        ("event", "create", "stock_diff_x", "--name", "Stock", "--attribute-set", "stock_set"),
    ):
        result = cli(*args)
        assert result.exit_code == 0, (args, result.stderr)
    return cli


def _ids(result) -> list[int]:
    assert result.exit_code == 0, result.stderr
    return [int(i) for i in result.stdout.split()]


def test_raise_with_attributes_and_filter_and_typed_json(stock):
    cli = stock
    seven = _ids(cli("raise", "stock_diff_x", "-t", "a", "--attr", "qty=007", "--attr", "colour=RED", "-f", "ids"))[0]
    eight = _ids(cli("raise", "stock_diff_x", "-t", "b", "-a", "qty=8", "-f", "ids"))[0]
    assert _ids(cli("task", "list", "--attr", "qty=7", "-f", "ids")) == [seven]
    assert _ids(cli("task", "list", "--attr", "ok=false", "-f", "ids")) == [eight, seven]
    assert _ids(cli("task", "list", "--attr", "ok=no", "--attr", "colour=red", "-f", "ids")) == [seven]
    rows = json.loads(cli("task", "list", "-f", "json").stdout)
    assert {r["id"]: r["attributes"] for r in rows} == {
        seven: {"qty": 7, "colour": "red", "ok": False},
        eight: {"qty": 8, "ok": False},
    }
    shown = json.loads(cli("task", "show", str(seven), "-f", "json").stdout)
    assert shown["attributes"] == {"qty": 7, "colour": "red", "ok": False}  # the shape of `task list`
    assert {a["key"]: a["value"] for a in shown["attribute_fields"]} == shown["attributes"]


def test_raise_refusals_exit_2_with_one_line(stock):
    cli = stock
    bad = cli("raise", "stock_diff_x", "-t", "a", "--attr", "qty=abc")
    assert (bad.exit_code, bad.stderr) == (2, "tasktui: error: attribute 'qty': 'abc' is not an integer\n")
    missing = cli("raise", "stock_diff_x", "-t", "a")
    assert missing.exit_code == 2 and "attribute 'qty' (an integer) is required" in missing.stderr
    foreign = cli("raise", "stock_diff_x", "-t", "a", "--attr", "qty=1", "--attr", "price=2")
    assert foreign.exit_code == 2 and "'price' not in the attribute set" in foreign.stderr
    for word in ("qty", "=1"):
        malformed = cli("raise", "stock_diff_x", "-t", "a", "--attr", word)
        assert malformed.exit_code == 2 and "--attr expects key=value" in malformed.stderr
    twice = cli("raise", "stock_diff_x", "-t", "a", "--attr", "qty=1", "--attr", "qty=2")
    assert twice.exit_code == 2 and "given twice" in twice.stderr
    assert _ids(cli("task", "list", "--status", "all", "-f", "ids")) == []


def test_set_attr_records_history_and_validates(stock):
    cli = stock
    task = _ids(cli("raise", "stock_diff_x", "-t", "a", "--attr", "qty=1", "-f", "ids"))[0]
    changed = cli("task", "set-attr", str(task), "qty=2", "colour=blue")
    assert changed.exit_code == 0 and "qty: 1 -> 2" in changed.stdout and "colour: (none) -> blue" in changed.stdout
    bad = cli("task", "set-attr", str(task), "colour=green")
    assert bad.exit_code == 2 and "attribute 'colour': 'green' is not one of: red, blue" in bad.stderr
    cleared = cli("task", "set-attr", str(task), "colour=")
    assert cleared.exit_code == 0 and "colour: blue -> (none)" in cleared.stdout
    history = json.loads(cli("task", "show", str(task), "-f", "json").stdout)["history"]
    assert [(h["field"], h["old"], h["new"]) for h in history if h["action"] == "attribute"] == [
        ("qty", "1", "2"),
        ("colour", None, "blue"),
        ("colour", "blue", None),
    ]
    assert cli("task", "set-attr", "999", "qty=1").exit_code == 3


def test_definition_commands_and_refusals(stock):
    cli = stock
    listed = json.loads(cli("attribute", "list", "--usage", "-f", "json").stdout)
    assert [(a["key"], a["type"], a["default"], a["value_count"]) for a in listed] == [
        ("qty", "integer", None, 0),
        ("colour", "choice", None, 0),
        ("ok", "boolean", False, 0),
        ("price", "decimal", None, 0),
    ]
    assert "stock_set" in cli("attribute", "show", "qty").stdout
    cli("raise", "stock_diff_x", "-t", "a", "--attr", "qty=1", "--attr", "colour=red")
    retype = cli("attribute", "edit", "qty", "--type", "text")
    assert retype.exit_code == 1 and "has 1 stored value: its type cannot change" in retype.stderr
    assert cli("attribute", "edit", "colour", "--choice", "blue").exit_code == 1
    assert cli("attribute", "delete", "qty", "--yes").exit_code == 1
    remove = cli("attribute", "set", "remove-attr", "stock_set", "qty")
    assert remove.exit_code == 1 and "1 stored value on tasks of events using set 'stock_set'" in remove.stderr
    assert cli("attribute", "set", "remove-attr", "stock_set", "colour").exit_code == 1
    assert cli("attribute", "set", "remove-attr", "stock_set", "ok").exit_code == 1  # its default was stored
    assert cli("attribute", "set", "add-attr", "stock_set", "price").stdout.strip().endswith("ok, price")
    assert cli("attribute", "set", "remove-attr", "stock_set", "price").exit_code == 0
    assert cli("attribute", "edit", "price", "--type", "integer", "--default", "3").exit_code == 0
    assert cli("attribute", "delete", "price", "--yes").exit_code == 0
    assert cli("attribute", "show", "price").exit_code == 3
    sets = json.loads(cli("attribute", "set", "list", "-f", "json").stdout)
    assert sets == [
        {"id": 1, "key": "stock_set", "name": "Stock", "attributes": ["qty", "colour", "ok"], "event_count": 1}
    ]
    groups = cli("attribute", "group", "list", "-f", "json")
    assert json.loads(groups.stdout)[0]["attributes"] == ["qty"]
    assert cli("attribute", "add", "x", "--label", "X", "--type", "money").exit_code == 2


def test_exit_codes_in_real_processes(stock):
    cli = stock
    bad = cli.run("raise", "stock_diff_x", "-t", "a", "--attr", "qty=1.5")
    assert (bad.exit_code, bad.stderr) == (2, "tasktui: error: attribute 'qty': '1.5' is not an integer\n")
    ok = cli.run("raise", "stock_diff_x", "-t", "a", "--attr", "qty=1", "-f", "ids")
    assert ok.exit_code == 0, ok.stderr
    refused = cli.run("attribute", "delete", "qty", "--yes")
    assert refused.exit_code == 1 and refused.stderr.count("\n") == 1
    unknown = cli.run("task", "list", "--attr", "nope=1")
    assert (unknown.exit_code, unknown.stderr) == (3, "tasktui: error: unknown attribute 'nope'\n")
