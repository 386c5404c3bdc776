"""`tasktui event register MANIFEST.toml`, `tasktui init` and the shipped catalogue.

Each kind of bad manifest is a fixture file in `manifests/`; every refusal names the
file, the line or key, and the problem, exits with the documented code, and
registers nothing."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from tasktui.services.events.manifests import catalogue_dir, catalogue_manifests

MANIFESTS = Path(__file__).parent / "manifests"
REFERENCE_EVENTS = {
    # identifier: (plugin, English name, German name) — from reference/events.md
    "workflow_processes_execution": (
        "Workflows",
        "Workflow process execution failed",
        "Ausführung des Workflow-Prozesses fehlgeschlagen",
    ),
    "stock_diff": ("Warehouse", "Difference in stock", "Bestandsdifferenz"),
    "insufficient_inventory_stock": ("Warehouse", "Insufficient inventory stock", "Unzureichender Lagerbestand"),
    "channel_connection_failed": (
        "Omni-Channel",
        "Sales channel connection failed",
        "Verbindung zum Verkaufskanal fehlgeschlagen",
    ),
    "orders_import_failed": ("Omni-Channel", "Order import failed", "Order Import fehlgeschlagen"),
    "offers_export_failed": ("Omni-Channel", "Offer export failed", "Angebotsexport fehlgeschlagen"),
    "returns_import_failed": ("Omni-Channel", "Return import failed", "Retourenimport fehlgeschlagen"),
    "order_manual_clearance": (
        "Order management",
        "Suspicious order needs manual clearance",
        "Verdächtige Bestellung manuell freigeben",
    ),
    "refund_approval": ("Order management", "Refund needs approval", "Erstattung muss freigegeben werden"),
    "email_delivery_failed": ("Email", "Email could not be delivered", "E-Mail konnte nicht zugestellt werden"),
}


@pytest.fixture
def people(cli):
    """Users bob and carol and the group warehouse exist."""
    for args in (("user", "add", "bob"), ("user", "add", "carol"), ("group", "add", "warehouse")):
        assert cli(*args).exit_code == 0
    return cli


def _events(cli, *extra: str) -> dict[str, dict]:
    result = cli("event", "list", "--format", "json", *extra)
    assert result.exit_code == 0, result.stderr
    return {e["identifier"]: e for e in json.loads(result.stdout)}


def test_register_creates_events_with_plugin_names_and_responsibility(people) -> None:
    result = people("event", "register", str(MANIFESTS / "valid.toml"))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "registered Test plugin: 2 created, 0 updated, 0 unchanged"
    events = _events(people)
    lost = events["parcel_lost"]
    assert (lost["plugin"], lost["name_en"], lost["name_de"]) == ("Test plugin", "Parcel lost", "Paket verloren")
    assert (lost["responsible_user"], lost["responsible_group"]) == ("bob", "warehouse")
    printer = events["label_printer_offline"]
    assert (printer["name_en"], printer["name_de"], printer["responsible_user"]) == (
        "Label printer offline",
        None,
        None,
    )


def test_register_again_changes_nothing(people) -> None:
    manifest = str(MANIFESTS / "valid.toml")
    assert people("event", "register", manifest).exit_code == 0
    before = _events(people)
    again = people("event", "register", manifest, "--format", "json")
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout) == {
        "plugins": ["Test plugin"],
        "created": [],
        "updated": [],
        "unchanged": ["parcel_lost", "label_printer_offline"],
    }
    assert _events(people) == before


def test_reregistering_changed_names_updates_names_and_keeps_local_settings(people) -> None:
    assert people("event", "register", str(MANIFESTS / "valid.toml")).exit_code == 0
    # The site changes responsibility and retires an event; the upgrade must keep that.
    assert people("event", "edit", "parcel_lost", "--responsible-user", "carol").exit_code == 0
    assert people("event", "obsolete", "parcel_lost").exit_code == 0
    result = people("event", "register", str(MANIFESTS / "renamed.toml"))
    assert result.exit_code == 0, result.stderr
    assert "1 created, 1 updated, 0 unchanged" in result.stdout
    events = _events(people)
    lost = events["parcel_lost"]
    assert (lost["name_en"], lost["name_de"]) == ("Parcel lost in transit", None)
    assert (lost["responsible_user"], lost["responsible_group"], lost["state"]) == ("carol", "warehouse", "Obsolete")
    assert "customs_hold" in events
    assert "label_printer_offline" in events  # no longer listed, but kept


# (fixture file, exit code, text the one-line error must contain)
BAD_MANIFESTS = [
    ("syntax_error.toml", 2, "TOML syntax error: "),
    ("unknown_key.toml", 2, ":10: event #2 'parcel_late': unknown key 'colour'"),
    ("unknown_top_key.toml", 2, ":2: unknown key 'version'"),
    (
        "bad_identifier.toml",
        2,
        ":8: event #2 'parcel__late': invalid identifier 'parcel__late': must not contain a double underscore",
    ),
    ("missing_english_name.toml", 2, ":5: event #1 'parcel_lost': missing key 'name.en'"),
    ("empty_english_name.toml", 2, ":5: event #1 'parcel_lost': name.en: the English name is required"),
    ("wrong_type.toml", 2, ":6: event #1 'parcel_lost': responsible_user must be a string"),
    ("duplicate_identifier.toml", 2, ":7: event #2 'parcel_lost': duplicate identifier (also event #1)"),
    ("missing_plugin.toml", 2, "missing key 'plugin'"),
    ("no_events.toml", 2, "lists no events"),
    ("unknown_user.toml", 3, ":7: event #2 'parcel_late': unknown user 'nobody_here'"),
    ("unknown_group.toml", 3, ":3: event #1 'parcel_lost': unknown group 'no_such_group'"),
    ("unknown_attribute_set.toml", 3, ":3: event #1 'parcel_lost': unknown attribute set 'no_such_set'"),
]


@pytest.mark.parametrize(("fixture", "code", "message"), BAD_MANIFESTS, ids=[b[0] for b in BAD_MANIFESTS])
def test_bad_manifest_is_refused_with_file_line_and_problem(people, fixture, code, message) -> None:
    path = MANIFESTS / fixture
    result = people("event", "register", str(MANIFESTS / "other_plugin.toml"), str(path))
    assert result.exit_code == code
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"tasktui: error: {path}")
    assert message in lines[0]
    assert result.stdout == ""
    assert _events(people) == {}  # not even the good manifest given alongside


def test_syntax_error_names_the_line() -> None:
    text = (MANIFESTS / "syntax_error.toml").read_text()
    with pytest.raises(tomllib.TOMLDecodeError, match="line 5"):
        tomllib.loads(text)


def test_identifier_of_another_plugin_is_refused(cli) -> None:
    assert cli("init").exit_code == 0
    result = cli("event", "register", str(MANIFESTS / "taken_by_other_plugin.toml"))
    assert result.exit_code == 1
    assert "'stock_diff': the identifier is already taken by an event created by plugin 'Warehouse'" in result.stderr
    assert _events(cli)["stock_diff"]["name_en"] == "Difference in stock"


def test_identifier_of_a_manual_event_is_refused(people) -> None:
    assert people("event", "create", "parcel_lost", "--name", "Mine").exit_code == 0
    result = people("event", "register", str(MANIFESTS / "valid.toml"))
    assert result.exit_code == 1
    assert "created by hand (Manually created)" in result.stderr
    assert set(_events(people)) == {"parcel_lost"}


def test_an_identifier_listed_by_two_manifests_is_invalid(people) -> None:
    result = people("event", "register", str(MANIFESTS / "valid.toml"), str(MANIFESTS / "renamed.toml"))
    assert result.exit_code == 2
    assert "renamed.toml:5: event 'parcel_lost' is also listed in" in result.stderr
    assert _events(people) == {}


def test_missing_manifest_file_is_not_found(cli) -> None:
    result = cli("event", "register", str(MANIFESTS / "does_not_exist.toml"))
    assert result.exit_code == 3
    assert "does_not_exist.toml: no such manifest file" in result.stderr


def test_init_registers_the_shipped_catalogue_in_both_languages(cli) -> None:
    result = cli("init")
    assert result.exit_code == 0, result.stderr
    assert "event catalogue: registered" in result.stdout
    assert "10 created" in result.stdout
    events = _events(cli)
    assert set(events) == set(REFERENCE_EVENTS)
    for identifier, (plugin, english, german) in REFERENCE_EVENTS.items():
        event = events[identifier]
        assert (event["plugin"], event["name_en"], event["name_de"]) == (plugin, english, german)
        assert event["responsible_user"] is None and event["responsible_group"] is None
        assert event["state"] == "Active"
    german_names = {e["identifier"]: e["name"] for e in _events(cli).values()}
    assert german_names["stock_diff"] == "Difference in stock"
    assert {e["identifier"]: e["name"] for e in json.loads(cli("--lang", "de", "event", "list", "-f", "json").stdout)}[
        "stock_diff"
    ] == "Bestandsdifferenz"


def test_init_twice_keeps_the_catalogue_unchanged(cli) -> None:
    assert cli("init").exit_code == 0
    second = cli("init")
    assert second.exit_code == 0
    assert "0 created, 0 updated, 10 unchanged" in second.stdout


def test_catalogue_is_found_in_the_source_checkout() -> None:
    assert catalogue_dir() == Path(__file__).resolve().parents[2] / "data" / "catalogue"
    assert [p.name for p in catalogue_manifests()] == [
        "email.toml",
        "omni_channel.toml",
        "order_management.toml",
        "warehouse.toml",
        "workflows.toml",
    ]


def test_register_exit_code_in_a_real_process(cli) -> None:
    result = cli.run("event", "register", str(MANIFESTS / "unknown_group.toml"))
    assert result.exit_code == 3
    assert result.stderr.startswith("tasktui: error: ")
    assert "Traceback" not in result.stderr


def test_attribute_set_is_set_on_creation_and_locked_afterwards(people) -> None:
    assert people("attribute", "set", "add", "parcel").exit_code == 0
    assert people("event", "register", str(MANIFESTS / "with_attribute_set.toml")).exit_code == 0
    assert _events(people)["parcel_lost"]["attribute_set"] == "parcel"
    assert "1 unchanged" in people("event", "register", str(MANIFESTS / "with_attribute_set.toml")).stdout
    result = people("event", "register", str(MANIFESTS / "attribute_set_changed.toml"))
    assert result.exit_code == 1
    assert "the attribute set of a registered event cannot change" in result.stderr
    assert _events(people)["parcel_lost"]["attribute_set"] == "parcel"
