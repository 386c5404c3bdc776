"""The audit log (point 9): every change to events, people, attribute definitions and
email settings is recorded in its own transaction — who, OS login, when, old -> new —
and a refused change records nothing. Real SQLite files; no mocks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tasktui.errors import Invalid, Refused
from tasktui.models import AuditEntry, utcnow
from tasktui.services import people
from tasktui.services.attributes import definitions as attributes
from tasktui.services.attributes import groups as attribute_groups
from tasktui.services.attributes import sets as attribute_sets
from tasktui.services.audit import list_audit, parse_since
from tasktui.services.events import definitions as events
from tasktui.services.events.manifests import register_manifests
from tasktui.services.mail import settings as email_settings
from tasktui.services.tasks.raising import raise_task


def entries(entity: str | None = None) -> list[tuple]:
    """(actor, os_login, entity, key, action, field, old, new) oldest first."""
    query = AuditEntry.select().order_by(AuditEntry.id)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    return [(e.actor, e.os_login, e.entity, e.entity_key, e.action, e.field, e.old, e.new) for e in query]


def test_event_changes_are_recorded_field_by_field(actor):
    people.add_user("bob", actor=actor)
    people.add_group("warehouse", actor=actor)
    AuditEntry.delete().execute()
    events.create_event("stock_diff", "Stock", responsible_user="bob", actor=actor)
    events.edit_event(
        "stock_diff", name_en="Stock difference", responsible_user=None, responsible_group="warehouse", actor=actor
    )
    events.edit_event("stock_diff", name_en="Stock difference", actor=actor)  # no change: nothing recorded
    events.set_obsolete("stock_diff", True, actor=actor)
    events.set_obsolete("stock_diff", False, actor=actor)
    events.delete_event("stock_diff", actor=actor)
    who = ("alice", "ops", "event", "stock_diff")
    assert entries() == [
        (*who, "create", None, None, '{"name_en": "Stock", "responsible_user": "bob", "severity": "normal"}'),
        (*who, "edit", "name_en", "Stock", "Stock difference"),
        (*who, "edit", "responsible_user", "bob", None),
        (*who, "edit", "responsible_group", None, "warehouse"),
        (*who, "obsolete", "state", "active", "obsolete"),
        (*who, "activate", "state", "obsolete", "active"),
        (
            *who,
            "delete",
            None,
            '{"name_en": "Stock difference", "responsible_group": "warehouse", "severity": "normal"}',
            None,
        ),
    ]


def test_a_refused_change_records_nothing(actor):
    events.create_event("stock_diff", "Stock", actor=actor)
    raise_task(actor, "stock_diff", "a task")
    before = entries()
    with pytest.raises(Refused):
        events.delete_event("stock_diff", actor=actor)
    with pytest.raises(Refused):
        events.edit_event("stock_diff", name_en="New", attribute_set="x", actor=actor)
    with pytest.raises(Refused):
        people.add_user("alice", actor=actor)  # taken
    assert entries() == before


def test_users_groups_and_members(actor):
    people.add_user("bob", "Bob B", "bob@example.com", actor=actor)
    people.edit_user("bob", email="", active=False, actor=actor)
    people.add_group("warehouse", "Pickers", actor=actor)
    people.add_member("warehouse", "bob", actor=actor)
    people.add_member("warehouse", "bob", actor=actor)  # already a member: no entry
    people.remove_member("warehouse", "bob", actor=actor)
    rows = [e[2:] for e in entries() if e[3] != "alice"]
    assert rows == [
        ("user", "bob", "create", None, None, '{"display_name": "Bob B", "email": "bob@example.com", "active": true}'),
        ("user", "bob", "edit", "email", "bob@example.com", None),
        ("user", "bob", "edit", "active", "true", "false"),
        ("group", "warehouse", "create", None, None, '{"description": "Pickers"}'),
        ("group", "warehouse", "add_member", "member", None, "bob"),
        ("group", "warehouse", "remove_member", "member", "bob", None),
    ]


def test_attribute_definitions_groups_and_sets(actor):
    attribute_groups.create_attribute_group("order", "Order", actor=actor)
    attributes.create_attribute("qty", "Quantity", "integer", actor=actor)
    attributes.edit_attribute("qty", label_de="Menge", required=True, group="order", actor=actor)
    attribute_sets.create_attribute_set("orders", "Orders", ["qty"], actor=actor)
    attributes.create_attribute("sku", "SKU", "text", actor=actor)
    attribute_sets.add_to_set("orders", ["sku"], actor=actor)
    attribute_sets.remove_from_set("orders", "sku", actor=actor)
    attribute_sets.edit_attribute_set("orders", "All orders", actor=actor)
    attribute_groups.edit_attribute_group("order", label_en="Orders", actor=actor)
    attributes.delete_attribute("sku", actor=actor)
    attribute_sets.delete_attribute_set("orders", actor=actor)
    attribute_groups.delete_attribute_group("order", actor=actor)
    got = [e[2:] for e in entries() if e[2] != "user"]
    assert got == [
        ("attribute_group", "order", "create", None, None, '{"label_en": "Order", "position": 0}'),
        (
            "attribute",
            "qty",
            "create",
            None,
            None,
            '{"label_en": "Quantity", "type": "integer", "required": false, "position": 0}',
        ),
        ("attribute", "qty", "edit", "label_de", None, "Menge"),
        ("attribute", "qty", "edit", "required", "false", "true"),
        ("attribute", "qty", "edit", "group", None, "order"),
        ("attribute_set", "orders", "create", None, None, '{"name": "Orders", "attributes": ["qty"]}'),
        (
            "attribute",
            "sku",
            "create",
            None,
            None,
            '{"label_en": "SKU", "type": "text", "required": false, "position": 1}',
        ),
        ("attribute_set", "orders", "add_attribute", "attributes", None, "sku"),
        ("attribute_set", "orders", "remove_attribute", "attributes", "sku", None),
        ("attribute_set", "orders", "edit", "name", "Orders", "All orders"),
        ("attribute_group", "order", "edit", "label_en", "Order", "Orders"),
        (
            "attribute",
            "sku",
            "delete",
            None,
            '{"label_en": "SKU", "type": "text", "required": false, "position": 1}',
            None,
        ),
        ("attribute_set", "orders", "delete", None, '{"name": "All orders", "attributes": ["qty"]}', None),
        (
            "attribute_group",
            "order",
            "delete",
            None,
            '{"label_en": "Orders", "position": 0, "attributes": ["qty"]}',
            None,
        ),
    ]


def test_email_settings_record_the_password_source_never_a_secret(actor, tmp_path, monkeypatch):
    monkeypatch.setenv("SMTP_SECRET", "hunter2-password")
    secret_file = tmp_path / "pw"
    secret_file.write_text("file-secret-value\n")
    events.create_event("stock_diff", "Stock", actor=actor)
    email_settings.update_settings(host="smtp.example.com", password_env="SMTP_SECRET", actor=actor)
    email_settings.update_settings(password_file=str(secret_file), actor=actor)
    email_settings.update_settings(host="smtp.example.com", actor=actor)  # unchanged: nothing
    email_settings.set_apply_default(False, actor=actor)
    email_settings.set_apply_default(False, actor=actor)  # unchanged: nothing
    email_settings.set_event_sending("stock_diff", True, actor=actor)
    email_settings.set_event_sending("stock_diff", False, actor=actor)
    got = [e[2:] for e in entries() if e[2] not in ("event", "user")]
    assert got == [
        ("email_settings", "smtp", "edit", "host", "", "smtp.example.com"),
        ("email_settings", "smtp", "edit", "password_env", None, "SMTP_SECRET"),
        ("email_settings", "smtp", "edit", "password_file", None, str(secret_file)),
        ("email_settings", "smtp", "edit", "password_env", "SMTP_SECRET", None),
        ("email_settings", "smtp", "edit", "apply_default", "true", "false"),
        ("event_email", "stock_diff", "edit", "enabled", None, "true"),
        ("event_email", "stock_diff", "edit", "enabled", "true", "false"),
    ]
    stored = " ".join(str(v) for e in entries() for v in e)
    assert "hunter2" not in stored and "file-secret-value" not in stored


def test_manifest_registration_records_what_it_created_or_changed(actor, tmp_path: Path):
    manifest = tmp_path / "wh.toml"
    manifest.write_text('plugin = "Warehouse"\n[[event]]\nidentifier = "stock_diff"\nname.en = "Stock"\n')
    register_manifests([manifest], actor=actor)
    register_manifests([manifest], actor=actor)  # unchanged: nothing more
    manifest.write_text('plugin = "Warehouse"\n[[event]]\nidentifier = "stock_diff"\nname.en = "Stock v2"\n')
    register_manifests([manifest], actor=actor)
    assert entries("event") == [
        (
            "alice",
            "ops",
            "event",
            "stock_diff",
            "register",
            None,
            None,
            '{"name_en": "Stock", "plugin": "Warehouse", "severity": "normal"}',
        ),
        ("alice", "ops", "event", "stock_diff", "register", "name_en", "Stock", "Stock v2"),
    ]


def test_list_audit_newest_first_with_filters_limit_and_total(actor):
    for i in range(5):
        people.add_group(f"g{i}", actor=actor)
    events.create_event("stock_diff", "Stock", actor=actor)
    records, total = list_audit(limit=3)
    assert [r.key for r in records] == ["stock_diff", "g4", "g3"] and total == 7  # + alice's registration
    records, total = list_audit(entity="group", limit=100)
    assert [r.key for r in records] == ["g4", "g3", "g2", "g1", "g0"] and total == 5
    assert list_audit(since=utcnow() + dt.timedelta(minutes=1)) == ([], 0)
    with pytest.raises(Invalid, match="unknown entity 'groups'"):
        list_audit(entity="groups")


def test_parse_since():
    now = dt.datetime(2026, 11, 30, 12, 0, 0)
    assert parse_since("30d", now) == dt.datetime(2026, 10, 31, 12, 0, 0)
    assert parse_since("12h", now) == dt.datetime(2026, 11, 30, 0, 0, 0)
    assert parse_since("90m", now) == dt.datetime(2026, 11, 30, 10, 30, 0)
    assert parse_since("2w", now) == dt.datetime(2026, 11, 16, 12, 0, 0)
    assert parse_since("2026-11-01T08:30Z") == dt.datetime(2026, 11, 1, 8, 30)
    local_midnight = dt.datetime(2026, 11, 1).astimezone().astimezone(dt.UTC).replace(tzinfo=None)
    assert parse_since("2026-11-01") == local_midnight
    for bad in ("yesterday", "30 days", "-3d", "2026-13-01"):
        with pytest.raises(Invalid, match="--since"):
            parse_since(bad)


def test_demo_people_are_audited_once(actor):
    from tasktui.services.admin.demo import load_demo

    load_demo(actor, tasks=5)
    created = [e for e in entries("user") if e[4] == "create"]
    assert ("alice", "ops", "user", "anna", "create") in [e[:5] for e in created]
    memberships = len([e for e in entries("group") if e[4] == "add_member"])
    assert memberships > 0
    load_demo(actor, tasks=5)
    assert len([e for e in entries("user") if e[4] == "create"]) == len(created)
    assert len([e for e in entries("group") if e[4] == "add_member"]) == memberships
