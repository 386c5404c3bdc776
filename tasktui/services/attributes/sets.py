"""Attribute sets: which attributes the tasks of an event carry, in display order.

An event's set is fixed when the event is created. Changes that would hide or lose
stored values are refused with the reason and the number of values concerned:

- an attribute cannot be removed from a set while tasks of events using that set
  hold values for it;
- a set cannot be deleted while events use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import cast

from tasktui.db import lock_keys, write_transaction
from tasktui.errors import Invalid, NotFound, Refused
from tasktui.models import AttributeDef, AttributeSet, AttributeSetItem, Event, Task, TaskAttribute
from tasktui.services.attributes.checks import (
    MAX_LABEL,
    check_key,
    get_attribute,
    get_attribute_set,
    next_position,
    plural,
)
from tasktui.services.audit import record, summary
from tasktui.services.context import Actor
from tasktui.text_safety import clean_name


@dataclass(frozen=True)
class SetInfo:
    """An attribute set: its attributes in display order, and how many events use it."""

    id: int
    key: str
    name: str
    attributes: list[str] = field(default_factory=list)
    event_count: int = 0


def set_attributes(set_id: int | None) -> list[AttributeDef]:
    """The attributes of a set in display order (none for None)."""
    if set_id is None:
        return []
    return list(
        AttributeDef.select()
        .join(AttributeSetItem, on=(AttributeSetItem.attribute == AttributeDef.id))
        .where(AttributeSetItem.attribute_set == set_id)
        .order_by(AttributeSetItem.position, AttributeDef.position, AttributeDef.key)
    )


def set_info(aset: AttributeSet) -> SetInfo:
    """The plain view of an attribute set."""
    return SetInfo(
        id=aset.id,
        key=aset.key,
        name=aset.name,
        attributes=[d.key for d in set_attributes(aset.id)],
        event_count=Event.select().where(Event.attribute_set == aset.id).count(),
    )


def list_attribute_sets() -> list[SetInfo]:
    """Every attribute set, by key."""
    return [set_info(s) for s in AttributeSet.select().order_by(AttributeSet.key)]


def _check_name(name: str) -> str:
    name = clean_name(name)  # a newline stays, refused below
    if len(name) > MAX_LABEL or "\n" in name:
        raise Invalid(f"the set name must be one line of at most {MAX_LABEL} characters")
    return name


def create_attribute_set(
    key: str, name: str = "", attributes: Sequence[str] = (), *, actor: Actor | None = None
) -> SetInfo:
    """Create an attribute set, optionally with its first attributes (in order);
    recorded in the audit log."""
    check_key(key, "attribute set")
    name = _check_name(name)
    with write_transaction():
        lock_keys([f"attribute-set:{key}"])  # concurrent creators of one name take turns (PostgreSQL)
        if AttributeSet.select().where(AttributeSet.key == key).exists():
            raise Refused(f"attribute set {key!r} already exists")
        aset = AttributeSet.create(key=key, name=name)
        _add_items(aset, attributes)
        record(actor, "attribute_set", key, "create", new=summary({"name": name, "attributes": list(attributes)}))
    return set_info(aset)


def _add_items(aset: AttributeSet, keys: Sequence[str]) -> None:
    if len(set(keys)) != len(keys):
        raise Invalid("an attribute is named twice")
    position = next_position(AttributeSetItem, AttributeSetItem.attribute_set == aset.id)
    for key in keys:
        defn = get_attribute(key)
        exists = AttributeSetItem.select().where(
            (AttributeSetItem.attribute_set == aset.id) & (AttributeSetItem.attribute == defn.id)
        )
        if exists.exists():
            raise Refused(f"attribute {key!r} is already in set {aset.key!r}")
        AttributeSetItem.create(attribute_set=aset.id, attribute=defn.id, position=position)
        position += 1


def add_to_set(set_key: str, attribute_keys: Sequence[str], *, actor: Actor | None = None) -> SetInfo:
    """Add attributes to a set (at its end). Tasks raised from then on carry them;
    existing tasks get no value (and required ones are only enforced on new raises)."""
    if not attribute_keys:
        raise Invalid("name at least one attribute to add")
    with write_transaction():
        aset = get_attribute_set(set_key)
        _add_items(aset, list(attribute_keys))
        for key in attribute_keys:
            record(actor, "attribute_set", aset.key, "add_attribute", "attributes", new=key)
    return set_info(aset)


def values_in_set(set_id: int, attribute_id: int) -> int:
    """How many tasks of events using the set hold a value for the attribute."""
    return (
        TaskAttribute.select()
        .join(Task, on=(TaskAttribute.task == Task.id))
        .join(Event, on=(Task.event == Event.id))
        .where((Event.attribute_set == set_id) & (TaskAttribute.attribute == attribute_id))
        .count()
    )


def remove_from_set(set_key: str, attribute_key: str, *, actor: Actor | None = None) -> SetInfo:
    """Remove an attribute from a set; refused while tasks of events using the set
    hold values for it (they would be hidden)."""
    with write_transaction():
        aset = get_attribute_set(set_key)
        defn = get_attribute(attribute_key)
        item = AttributeSetItem.get_or_none(
            (AttributeSetItem.attribute_set == aset.id) & (AttributeSetItem.attribute == defn.id)
        )
        if item is None:
            raise NotFound(f"attribute {attribute_key!r} is not in set {set_key!r}")
        count = values_in_set(aset.id, defn.id)
        if count:
            raise Refused(
                f"attribute {attribute_key!r} has {plural(count, 'stored value')} on tasks of events using set "
                f"{set_key!r}: it cannot be removed from the set while those values exist"
            )
        item.delete_instance()
        record(actor, "attribute_set", aset.key, "remove_attribute", "attributes", old=defn.key)
    return set_info(aset)


def edit_attribute_set(set_key: str, name: str, *, actor: Actor | None = None) -> SetInfo:
    """Rename an attribute set (its key never changes); audited when it changes."""
    name = _check_name(name)
    with write_transaction():
        aset = get_attribute_set(set_key)
        if aset.name != name:
            record(actor, "attribute_set", aset.key, "edit", "name", aset.name, name)
        aset.name = name
        aset.save()
    return set_info(aset)


def delete_attribute_set(set_key: str, *, actor: Actor | None = None) -> SetInfo:
    """Delete a set no event uses (an event's set is fixed at its creation)."""
    with write_transaction():
        aset = get_attribute_set(set_key)
        info = set_info(aset)
        if info.event_count:
            raise Refused(
                f"attribute set {set_key!r} is used by {plural(info.event_count, 'event')} and cannot be deleted"
            )
        record(
            actor, "attribute_set", aset.key, "delete", old=summary({"name": info.name, "attributes": info.attributes})
        )
        aset.delete_instance()
    return info


def attribute_set_choices() -> list[tuple[str, str]]:
    """(key, label) of the attribute sets, sorted by key."""
    query = AttributeSet.select(AttributeSet.key, AttributeSet.name).order_by(AttributeSet.key)
    return [
        (key, f"{name} ({key})" if name and name != key else key)
        for key, name in cast("Iterable[tuple[str, str]]", query.tuples())
    ]
