"""Attribute groups: the display sections that attributes are shown in.

A group only orders and labels attributes; deleting it leaves its attributes (and
their values) in place, ungrouped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tasktui.db import lock_keys, write_transaction
from tasktui.errors import Refused
from tasktui.models import AttributeDef, AttributeGroup
from tasktui.services.attributes.checks import (
    UNSET,
    check_key,
    check_label,
    get_attribute_group,
    localized,
    next_position,
)
from tasktui.services.audit import record, record_changes, summary
from tasktui.services.context import Actor


@dataclass(frozen=True)
class GroupInfo:
    """An attribute group (a display section)."""

    id: int
    key: str
    label_en: str
    label_de: str | None
    label: str
    position: int
    attributes: list[str] = field(default_factory=list)


def group_info(group: AttributeGroup, lang: str = "en") -> GroupInfo:
    """The plain view of an attribute group, with its attributes' keys."""
    keys = [
        d.key
        for d in AttributeDef.select(AttributeDef.key)
        .where(AttributeDef.group == group.id)
        .order_by(AttributeDef.position, AttributeDef.key)
    ]
    return GroupInfo(
        group.id,
        group.key,
        group.label_en,
        group.label_de,
        localized(group.label_en, group.label_de, lang),
        group.position,
        keys,
    )


def _audited(group: AttributeGroup) -> dict[str, object]:
    """The fields of an attribute group the audit log follows."""
    return {"label_en": group.label_en, "label_de": group.label_de, "position": group.position}


def list_attribute_groups(lang: str = "en") -> list[GroupInfo]:
    """Every attribute group in display order."""
    return [group_info(g, lang) for g in AttributeGroup.select().order_by(AttributeGroup.position, AttributeGroup.key)]


def create_attribute_group(
    key: str,
    label_en: str,
    label_de: str | None = None,
    position: int | None = None,
    lang: str = "en",
    *,
    actor: Actor | None = None,
) -> GroupInfo:
    """Create a display section for attributes (recorded in the audit log)."""
    check_key(key, "attribute group")
    label_en = check_label(label_en, "en", required=True)
    label_de = check_label(label_de, "de", required=False)
    with write_transaction():
        lock_keys([f"attribute-group:{key}"])  # concurrent creators of one name take turns (PostgreSQL)
        if AttributeGroup.select().where(AttributeGroup.key == key).exists():
            raise Refused(f"attribute group {key!r} already exists")
        group = AttributeGroup.create(
            key=key,
            label_en=label_en,
            label_de=label_de,
            position=next_position(AttributeGroup) if position is None else position,
        )
        record(actor, "attribute_group", key, "create", new=summary(_audited(group)))
    return group_info(group, lang)


def edit_attribute_group(
    key: str,
    *,
    label_en: str | None = None,
    label_de: str | object | None = UNSET,
    position: int | None = None,
    lang: str = "en",
    actor: Actor | None = None,
) -> GroupInfo:
    """Change the labels or position of an attribute group (audited per field)."""
    with write_transaction():
        group = get_attribute_group(key)
        before = _audited(group)
        if label_en is not None:
            group.label_en = check_label(label_en, "en", required=True)
        if label_de is not UNSET:
            group.label_de = check_label(label_de, "de", required=False)  # type: ignore[arg-type]
        if position is not None:
            group.position = position
        group.save()
        record_changes(actor, "attribute_group", group.key, before, _audited(group))
    return group_info(group, lang)


def delete_attribute_group(key: str, *, actor: Actor | None = None) -> GroupInfo:
    """Delete a display section; its attributes (and their values) stay, ungrouped."""
    with write_transaction():
        group = get_attribute_group(key)
        info = group_info(group)
        record(
            actor,
            "attribute_group",
            group.key,
            "delete",
            old=summary(_audited(group) | {"attributes": info.attributes}),
        )
        AttributeDef.update({AttributeDef.group: None}).where(AttributeDef.group == group.id).execute()
        group.delete_instance()
    return info
