"""Event rules of PRODUCT.md section 1: identifiers, edit locks, delete, obsolete."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tasktui.errors import Invalid, NotFound, Refused
from tasktui.models import Event
from tasktui.services import people
from tasktui.services.events import definitions as events
from tasktui.services.events.definitions import check_identifier, identifier_problem
from tasktui.services.tasks.raising import raise_task


@pytest.mark.parametrize(
    ("identifier", "rule"),
    [
        ("stock-diff", "may only contain A-Z, a-z, 0-9 and _"),
        ("stock diff", "may only contain A-Z, a-z, 0-9 and _"),
        ("stöck", "may only contain A-Z, a-z, 0-9 and _"),
        ("1stock", "must not start with a digit"),
        ("stock__diff", "must not contain a double underscore"),
        ("stock_", "must not end with _"),
        ("", "must not be empty"),
    ],
)
def test_each_identifier_rule_is_named(identifier, rule):
    with pytest.raises(Invalid) as err:
        check_identifier(identifier)
    assert rule in str(err.value)
    assert repr(identifier) in str(err.value)


@pytest.mark.parametrize("identifier", ["stock_diff", "A", "_private", "x1", "Order_Import_2"])
def test_valid_identifiers(identifier):
    assert check_identifier(identifier) == identifier


def test_identifier_unique_and_case_sensitive(database):
    events.create_event("stock_diff", "Stock")
    with pytest.raises(Refused, match="already exists"):
        events.create_event("stock_diff", "Again")
    assert events.create_event("Stock_diff", "Other case").identifier == "Stock_diff"


def _reference_valid(s: str) -> bool:
    return (
        re.fullmatch(r"[A-Za-z0-9_]+", s) is not None
        and not s[0].isdigit()
        and "__" not in s
        and not s.endswith("_")
        and len(s) <= events.MAX_IDENTIFIER
    )


@given(st.text(alphabet="aZ09_-é ", max_size=12))
def test_identifier_validator_matches_the_rules(s):
    assert (identifier_problem(s) is None) == _reference_valid(s)


def test_create_with_responsibility_and_warning(database):
    people.add_user("bob")
    people.add_group("warehouse")
    info = events.create_event("stock_diff", "Stock", "Bestand", responsible_user="bob", responsible_group="warehouse")
    assert (info.responsible_user, info.responsible_group, info.name_de, info.warnings) == (
        "bob",
        "warehouse",
        "Bestand",
        [],
    )
    bare = events.create_event("no_owner", "Nobody")
    assert bare.warnings and "no responsible user or group" in bare.warnings[0]
    assert bare.plugin_label == "Manually created"
    with pytest.raises(NotFound, match="unknown user 'ghost'"):
        events.create_event("ghosted", "x", responsible_user="ghost")
    with pytest.raises(Invalid, match="English name is required"):
        events.create_event("nameless", "  ")


@pytest.mark.parametrize("field", ["identifier", "plugin", "attribute_set"])
def test_locked_fields_refused(database, field):
    events.create_event("stock_diff", "Stock", plugin="warehouse")
    with pytest.raises(Refused, match="cannot be changed after creation"):
        events.edit_event("stock_diff", **{field: "other"})
    event = Event.get(Event.identifier == "stock_diff")
    assert (event.identifier, event.plugin, event.attribute_set_id) == ("stock_diff", "warehouse", None)


def test_edit_names_and_responsibility_affects_only_later_tasks(database, actor):
    people.add_user("bob")
    people.add_user("carol")
    events.create_event("stock_diff", "Stock", responsible_user="bob")
    first = raise_task(actor, "stock_diff", "before")
    info = events.edit_event("stock_diff", name_en="Stock difference", name_de="Bestand", responsible_user="carol")
    assert (info.name_en, info.name_de, info.responsible_user) == ("Stock difference", "Bestand", "carol")
    second = raise_task(actor, "stock_diff", "after")
    from tasktui.models import Task

    assert Task.get_by_id(first.task_id).assignee.login == "bob"
    assert Task.get_by_id(second.task_id).assignee.login == "carol"
    cleared = events.edit_event("stock_diff", name_de=None, responsible_user=None)
    assert (cleared.name_de, cleared.responsible_user) == (None, None)
    with pytest.raises(Invalid, match="unknown event field"):
        events.edit_event("stock_diff", colour="red")


def test_delete_only_without_tasks(database, actor):
    events.create_event("unused", "Unused")
    events.create_event("used", "Used")
    raise_task(actor, "used", "a task")
    assert events.delete_event("unused").identifier == "unused"
    with pytest.raises(NotFound):
        events.get_event("unused")
    with pytest.raises(Refused, match="has 1 task and cannot be deleted; mark it obsolete"):
        events.delete_event("used")
    assert events.get_event("used").identifier == "used"


def test_an_obsolete_event_still_counts_a_raise_on_the_open_task_of_its_dedup_key(database, actor):
    """Obsolete: no new tasks; but a monitoring resend still counts on the task it
    opened (else it would start a second task under another event)."""
    from tasktui.models import Task

    events.create_event("old_event", "Old")
    first = raise_task(actor, "old_event", "kept", dedup_key="k")
    events.set_obsolete("old_event")
    again = raise_task(actor, "old_event", "kept", dedup_key="k")
    assert (again.outcome, again.task_id, again.occurrences) == ("deduplicated", first.task_id, 2)
    from tasktui.services.tasks.transitions import mark_done

    mark_done(actor, [first.task_id])
    with pytest.raises(Refused, match="obsolete and raises no new tasks"):
        raise_task(actor, "old_event", "kept", dedup_key="k")
    assert Task.select().count() == 1


def test_obsolete_refuses_raise_and_can_be_undone(database, actor):
    events.create_event("old_event", "Old")
    raise_task(actor, "old_event", "kept")
    assert events.set_obsolete("old_event").state == "Obsolete"
    with pytest.raises(Refused, match="obsolete"):
        raise_task(actor, "old_event", "refused")
    with pytest.raises(Refused, match="obsolete"):  # a dedup key with no open task: refused too
        raise_task(actor, "old_event", "refused", dedup_key="k")
    from tasktui.models import Task

    assert Task.select().count() == 1
    assert events.set_obsolete("old_event", False).state == "Active"
    assert raise_task(actor, "old_event", "again").outcome == "created"


def test_get_event_by_id_and_unknown(database):
    info = events.create_event("stock_diff", "Stock")
    assert events.get_event(str(info.id)).identifier == "stock_diff"
    with pytest.raises(NotFound, match="unknown event 'nope'"):
        events.get_event("nope")


def test_list_events_search_and_language(database):
    events.create_event("stock_diff", "Stock", "Bestand")
    events.create_event("refund", "Refund")
    events.set_obsolete("refund")
    assert [e.identifier for e in events.list_events()] == ["refund", "stock_diff"]
    assert [e.name for e in events.list_events("stock", lang="de")] == ["Bestand"]
    assert [e.name for e in events.list_events(lang="de")] == ["Refund", "Bestand"]
    assert [e.identifier for e in events.list_events(include_obsolete=False)] == ["stock_diff"]
