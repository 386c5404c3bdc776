"""Attribute services against a real SQLite file: definitions, sets, raise, edit,
filters, text search and the rules protecting stored values."""

from __future__ import annotations

import pytest

from tasktui.db import query_plan
from tasktui.errors import Invalid, NotFound, Refused
from tasktui.models import Task
from tasktui.services.attributes import definitions as attrs
from tasktui.services.attributes import groups as attr_groups
from tasktui.services.attributes import sets as attr_sets
from tasktui.services.tasks.attribute_values import (
    history_of_attributes,
    set_task_attribute,
    set_task_attributes,
    task_attribute_fields,
    typed_values,
)
from tasktui.services.tasks.counts import count_tasks
from tasktui.services.tasks.detail import task_detail
from tasktui.services.tasks.filters import TaskFilter
from tasktui.services.tasks.listing import list_tasks, page_query
from tasktui.services.tasks.raising import raise_task


def _raise(actor, **values):
    return raise_task(actor, "stock_diff", "count differs", attributes=values).task_id


def test_definitions_validate_keys_labels_types_defaults_and_choices(actor):
    with pytest.raises(Invalid, match="invalid attribute key '1qty': must not start with a digit"):
        attrs.create_attribute("1qty", "Quantity", "integer")
    with pytest.raises(Invalid, match="English label is required"):
        attrs.create_attribute("qty", " ", "integer")
    with pytest.raises(Invalid, match="unknown attribute type 'money'"):
        attrs.create_attribute("qty", "Quantity", "money")
    with pytest.raises(Invalid, match=r"attribute 'qty': the default 'many' is not an integer"):
        attrs.create_attribute("qty", "Quantity", "integer", default="many")
    with pytest.raises(Invalid, match="needs at least one choice"):
        attrs.create_attribute("colour", "Colour", "choice")
    with pytest.raises(Invalid, match="given twice"):
        attrs.create_attribute("colour", "Colour", "choice", choices=["red", "Red"])
    with pytest.raises(Invalid, match="only choice attributes have choices"):
        attrs.create_attribute("qty", "Quantity", "integer", choices=["1"])
    with pytest.raises(NotFound, match="unknown attribute group 'nope'"):
        attrs.create_attribute("qty", "Quantity", "integer", group="nope")
    info = attrs.create_attribute("qty", "Quantity", "integer", default="+007", label_de="Menge", lang="de")
    assert (info.default, info.label, info.required) == ("7", "Menge", False)
    with pytest.raises(Refused, match="already exists"):
        attrs.create_attribute("qty", "Quantity", "integer")
    assert [a.key for a in attrs.list_attributes()] == ["qty"]


def test_raise_converts_values_applies_defaults_and_stores_canonical_text(catalogue):
    task_id = _raise(
        catalogue,
        qty="007",
        price="1.50",
        colour="light blue",
        site="HTTPS://example.com/x",
        seen="2024-05-01T12:00+02:00",
    )
    fields = {f.key: f.value for f in task_attribute_fields(task_id)}
    assert fields["qty"] == "7" and fields["price"] == "1.5" and fields["ok"] == "false"
    assert fields["colour"] == "Light Blue" and fields["site"] == "https://example.com/x"
    assert fields["seen"] == "2024-05-01T10:00:00Z" and fields["note"] is None
    assert typed_values([task_id])[task_id] == {
        "qty": 7,
        "price": 1.5,
        "ok": False,
        "colour": "Light Blue",
        "site": "https://example.com/x",
        "seen": "2024-05-01T10:00:00Z",
    }


def test_raise_refuses_bad_values_missing_required_and_foreign_attributes(catalogue):
    with pytest.raises(Invalid, match=r"^attribute 'qty': 'abc' is not an integer$"):
        _raise(catalogue, qty="abc")
    with pytest.raises(Invalid, match=r"attribute 'qty' \(an integer\) is required by event 'stock_diff'"):
        _raise(catalogue, price="1")
    with pytest.raises(Invalid, match=r"attribute 'size' not in the attribute set of event 'stock_diff'"):
        _raise(catalogue, qty="1", size="L")
    with pytest.raises(Invalid, match="event 'plain' has no attribute set"):
        raise_task(catalogue, "plain", "t", attributes={"qty": "1"})
    assert Task.select().count() == 0  # nothing half-written


def test_dedup_validates_but_keeps_the_first_values(catalogue):
    first = raise_task(catalogue, "stock_diff", "t", dedup_key="k", attributes={"qty": "1"})
    with pytest.raises(Invalid, match="is not an integer"):
        raise_task(catalogue, "stock_diff", "t", dedup_key="k", attributes={"qty": "x"})
    again = raise_task(catalogue, "stock_diff", "t", dedup_key="k", attributes={"qty": "2"})
    assert again.outcome == "deduplicated" and again.task_id == first.task_id
    assert typed_values([first.task_id])[first.task_id]["qty"] == 1


def test_editing_values_validates_and_writes_history(catalogue):
    task_id = _raise(catalogue, qty="1")
    change = set_task_attribute(catalogue, task_id, "qty", "0042")
    assert (change.old, change.new) == ("1", "42")
    assert set_task_attribute(catalogue, task_id, "qty", "42") is None  # unchanged: no history
    set_task_attributes(catalogue, task_id, {"note": "  hello  ", "due": "2024-02-29"})
    set_task_attribute(catalogue, task_id, "note", "")  # clears
    with pytest.raises(Invalid, match=r"attribute 'due': '2024-02-30' is not a date"):
        set_task_attribute(catalogue, task_id, "due", "2024-02-30")
    with pytest.raises(Invalid, match="'qty' is required and cannot be cleared"):
        set_task_attribute(catalogue, task_id, "qty", None)
    with pytest.raises(Invalid, match="not in the attribute set"):
        set_task_attribute(catalogue, task_id, "size", "L")
    with pytest.raises(NotFound):
        set_task_attribute(catalogue, 999, "qty", "1")
    changes = [(h.field, h.old, h.new, h.os_login) for h in history_of_attributes(task_id)]
    assert changes == [
        ("qty", "1", "42", "ops"),
        ("note", None, "hello", "ops"),
        ("due", None, "2024-02-29", "ops"),
        ("note", "hello", None, "ops"),
    ]
    detail_history = [(h.action, h.field) for h in task_detail(task_id).history]
    assert ("attribute", "qty") in detail_history


def test_fields_are_grouped_with_ungrouped_last_and_labels_in_language(catalogue):
    task_id = _raise(catalogue, qty="3")
    fields = task_attribute_fields(task_id, lang="de")
    assert [(f.group_label, f.key) for f in fields][:3] == [
        ("Bestand", "qty"),
        ("Bestand", "price"),
        ("Sonstige", "ok"),
    ]
    assert fields[0].label == "Menge" and fields[0].typed == 3 and fields[0].required


@pytest.mark.sqlite_only  # reads SQLite's query plan
def test_attribute_filter_compares_canonical_values_through_the_index(catalogue):
    seven = _raise(catalogue, qty="7", ok="yes")
    _raise(catalogue, qty="8")
    assert [r.id for r in list_tasks(TaskFilter(attributes=(("qty", "007"),)))] == [seven]
    assert count_tasks(TaskFilter(attributes=(("qty", "7"), ("ok", "TRUE")))) == 1
    assert count_tasks(TaskFilter(attributes=(("qty", "7"), ("ok", "false")))) == 0
    with pytest.raises(Invalid, match="'qty': 'seven' is not an integer"):
        count_tasks(TaskFilter(attributes=(("qty", "seven"),)))
    with pytest.raises(NotFound, match="unknown attribute 'size'"):
        count_tasks(TaskFilter(attributes=(("size", "L"),)))
    plan = " ".join(query_plan(page_query(TaskFilter(attributes=(("qty", "7"),)))))
    assert "task_attribute_attribute_id_value (attribute_id=? AND value=?)" in plan


def test_text_search_finds_attribute_values_and_follows_edits(catalogue):
    task_id = _raise(catalogue, qty="1", note="pallet AB-4711 damaged")
    assert [r.id for r in list_tasks(TaskFilter(text="AB-4711"))] == [task_id]
    assert [r.id for r in list_tasks(TaskFilter(text="b-"))] == [task_id]  # short: LIKE path
    set_task_attribute(catalogue, task_id, "note", "pallet XY-1")
    assert list_tasks(TaskFilter(text="AB-4711")) == []
    assert [r.id for r in list_tasks(TaskFilter(text="XY-1"))] == [task_id]


def test_changing_a_definition_in_use_never_destroys_values(catalogue):
    task_id = _raise(catalogue, qty="1", colour="red")
    with pytest.raises(Refused, match=r"'qty' has 1 stored value: its type cannot change from integer to text"):
        attrs.edit_attribute("qty", type_name="text")
    with pytest.raises(Refused, match=r"choice 'red' of attribute 'colour' is held by 1 task"):
        attrs.edit_attribute("colour", choices=["green", "Light Blue"])
    with pytest.raises(Refused, match=r"'qty' has 1 stored value on tasks and cannot be deleted"):
        attrs.delete_attribute("qty")
    with pytest.raises(
        Refused, match=r"'qty' has 1 stored value on tasks of events using set 'stock_set': it cannot be removed"
    ):
        attr_sets.remove_from_set("stock_set", "qty")
    with pytest.raises(Refused, match="used by 1 event"):
        attr_sets.delete_attribute_set("stock_set")
    assert typed_values([task_id])[task_id]["qty"] == 1
    # without values, the same changes are allowed
    info = attrs.edit_attribute("site", type_name="text", label_de="Ort")
    assert (info.type, info.label_de, info.sets) == ("text", "Ort", ["stock_set"])
    attrs.edit_attribute("colour", choices=["red", "blue"])
    attr_sets.remove_from_set("stock_set", "due")
    attrs.delete_attribute("due")
    assert "due" not in attr_sets.set_info(attr_sets.get_attribute_set("stock_set")).attributes
    with pytest.raises(Invalid, match=r"the default 'x' is not an integer"):
        attrs.edit_attribute("note", type_name="integer", default="x")


def test_groups_and_sets(catalogue):
    groups = attr_groups.list_attribute_groups(lang="de")
    assert [(g.key, g.label, g.attributes) for g in groups] == [("stock", "Bestand", ["qty", "price"])]
    attr_groups.delete_attribute_group("stock")
    assert attrs.get_attribute("qty").group_id is None
    aset = attr_sets.create_attribute_set("small", "Small", ["qty"])
    assert (aset.attributes, aset.event_count) == (["qty"], 0)
    with pytest.raises(Refused, match="already in set"):
        attr_sets.add_to_set("small", ["qty"])
    assert attr_sets.add_to_set("small", ["note", "ok"]).attributes == ["qty", "note", "ok"]
    with pytest.raises(NotFound, match="'due' is not in set 'small'"):
        attr_sets.remove_from_set("small", "due")
    assert attr_sets.delete_attribute_set("small").key == "small"
    assert [s.key for s in attr_sets.list_attribute_sets()] == ["stock_set"]
