"""Custom attribute definitions: typed fields that tasks carry.

Changing a definition that is in use never destroys stored values; such changes are
refused with the reason and the number of values concerned:

- the type of an attribute cannot change while tasks hold values for it;
- a choice cannot be removed from a choice attribute while values use it;
- an attribute cannot be deleted while tasks hold values for it.

Labels, the required flag, the default, the group and the position may always
change; the required flag applies to raises and edits from then on.

Display groups live in `attribute_groups`, attribute sets (which attributes an
event's tasks carry) in `attribute_sets`, and the checks and lookups the three share
in `attribute_checks`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from tasktui.db import lock_keys, write_transaction
from tasktui.errors import Invalid, Refused
from tasktui.models import AttributeDef, AttributeGroup, AttributeSet, AttributeSetItem, TaskAttribute
from tasktui.services.attributes.checks import (
    UNSET,
    check_choices,
    check_key,
    check_label,
    choices_of,
    get_attribute,
    get_attribute_group,
    localized,
    next_position,
    plural,
)

# The attributes screen (tasktui/tui/screens/attributes.py) reaches groups and sets
# through this module as `svc.*`; these names stay importable from here for it.
from tasktui.services.attributes.types import ValueProblem, canonical, check_type, parse
from tasktui.services.audit import record, record_changes, summary
from tasktui.services.context import Actor


@dataclass(frozen=True)
class AttributeInfo:
    """An attribute definition as listings and screens show it."""

    id: int
    key: str
    label_en: str
    label_de: str | None
    label: str
    type: str
    required: bool
    default: str | None
    choices: list[str]
    group: str | None
    position: int
    value_count: int | None = None
    sets: list[str] = field(default_factory=list)


def value_count(attribute_id: int) -> int:
    """How many tasks hold a value for this attribute."""
    return TaskAttribute.select().where(TaskAttribute.attribute == attribute_id).count()


def attribute_info(defn: AttributeDef, lang: str = "en", with_usage: bool = False) -> AttributeInfo:
    """The plain view of a definition; `with_usage` adds its value count and sets."""
    group = AttributeGroup.get_by_id(defn.group_id) if defn.group_id else None
    sets: list[str] = []
    if with_usage:
        sets = [
            s.key
            for s in AttributeSet.select(AttributeSet.key)
            .join(AttributeSetItem)
            .where(AttributeSetItem.attribute == defn.id)
            .order_by(AttributeSet.key)
        ]
    return AttributeInfo(
        id=defn.id,
        key=defn.key,
        label_en=defn.label_en,
        label_de=defn.label_de,
        label=localized(defn.label_en, defn.label_de, lang),
        type=defn.type,
        required=bool(defn.required),
        default=defn.default,
        choices=choices_of(defn),
        group=group.key if group else None,
        position=defn.position,
        value_count=value_count(defn.id) if with_usage else None,
        sets=sets,
    )


def _audited(defn: AttributeDef) -> dict[str, object]:
    """The fields of a definition the audit log follows (the group by key)."""
    group = AttributeGroup.get_by_id(defn.group_id) if defn.group_id else None
    return {
        "label_en": defn.label_en,
        "label_de": defn.label_de,
        "type": defn.type,
        "required": bool(defn.required),
        "default": defn.default,
        "choices": choices_of(defn),
        "group": group.key if group else None,
        "position": defn.position,
    }


def list_attributes(lang: str = "en", with_usage: bool = False) -> list[AttributeInfo]:
    """Every attribute definition in display order."""
    query = AttributeDef.select().order_by(AttributeDef.position, AttributeDef.key)
    return [attribute_info(d, lang, with_usage) for d in query]


def _default_text(key: str, type_name: str, default: str | None, choices: list[str]) -> str | None:
    if default is None or not default.strip():
        return None
    try:
        return canonical(type_name, parse(type_name, default, choices))
    except ValueProblem as problem:
        raise Invalid(f"attribute {key!r}: the default {default!r} is not {problem}") from None


def create_attribute(
    key: str,
    label_en: str,
    type_name: str,
    *,
    label_de: str | None = None,
    required: bool = False,
    default: str | None = None,
    choices: Sequence[str] | None = None,
    group: str | None = None,
    position: int | None = None,
    lang: str = "en",
    actor: Actor | None = None,
) -> AttributeInfo:
    """Define an attribute (recorded in the audit log). The default is validated for
    the type; a choice attribute needs its choices, other types take none."""
    check_key(key)
    label_en = check_label(label_en, "en", required=True)
    label_de = check_label(label_de, "de", required=False)
    check_type(type_name)
    if type_name == "choice":
        choice_list = check_choices(choices or [])
    elif choices:
        raise Invalid(f"only choice attributes have choices, not {type_name} attributes")
    else:
        choice_list = []
    default_text = _default_text(key, type_name, default, choice_list)
    with write_transaction():
        lock_keys([f"attribute:{key}"])  # concurrent creators of one name take turns (PostgreSQL)
        if AttributeDef.select().where(AttributeDef.key == key).exists():
            raise Refused(f"attribute {key!r} already exists")
        group_row = get_attribute_group(group) if group else None
        defn = AttributeDef.create(
            key=key,
            label_en=label_en,
            label_de=label_de,
            type=type_name,
            required=required,
            default=default_text,
            choices=json.dumps(choice_list) if choice_list else None,
            group=group_row,
            position=next_position(AttributeDef) if position is None else position,
        )
        record(actor, "attribute", key, "create", new=summary(_audited(defn)))
    return attribute_info(defn, lang)


def _removed_choices_in_use(defn: AttributeDef, new_choices: list[str]) -> None:
    removed = [c for c in choices_of(defn) if c not in new_choices]
    for choice in removed:
        used = (
            TaskAttribute.select().where((TaskAttribute.attribute == defn.id) & (TaskAttribute.value == choice)).count()
        )
        if used:
            raise Refused(
                f"choice {choice!r} of attribute {defn.key!r} is held by {plural(used, 'task')}: "
                "it cannot be removed while values use it"
            )


def edit_attribute(
    key: str,
    *,
    label_en: str | None = None,
    label_de: str | object | None = UNSET,
    type_name: str | None = None,
    required: bool | None = None,
    default: str | object | None = UNSET,
    choices: Sequence[str] | None = None,
    group: str | object | None = UNSET,
    position: int | None = None,
    lang: str = "en",
    actor: Actor | None = None,
) -> AttributeInfo:
    """Change a definition (each changed field is recorded in the audit log). Changing the type while tasks hold values, or removing a
    choice that values use, is refused (stored values are never destroyed). Passing
    None (or "") for label_de, default or group clears it."""
    with write_transaction():
        defn = get_attribute(key)
        before = _audited(defn)
        if label_en is not None:
            defn.label_en = check_label(label_en, "en", required=True)
        if label_de is not UNSET:
            defn.label_de = check_label(label_de, "de", required=False)  # type: ignore[arg-type]
        new_type = defn.type if type_name is None else check_type(type_name)
        if new_type != defn.type:
            count = value_count(defn.id)
            if count:
                raise Refused(
                    f"attribute {key!r} has {plural(count, 'stored value')}: its type cannot change from "
                    f"{defn.type} to {new_type} (the values would no longer fit); define a new attribute instead"
                )
        if new_type == "choice":
            new_choices = check_choices(choices) if choices is not None else choices_of(defn)
            if not new_choices:
                raise Invalid("a choice attribute needs at least one choice (--choice)")
            _removed_choices_in_use(defn, new_choices)
        elif choices:
            raise Invalid(f"only choice attributes have choices, not {new_type} attributes")
        else:
            new_choices = []
        defn.type = new_type
        defn.choices = json.dumps(new_choices) if new_choices else None
        raw_default = defn.default if default is UNSET else default
        defn.default = _default_text(key, new_type, raw_default, new_choices)  # type: ignore[arg-type]
        if required is not None:
            defn.required = required
        if group is not UNSET:
            defn.group_id = get_attribute_group(group).id if group else None  # type: ignore[arg-type]
        if position is not None:
            defn.position = position
        defn.save()
        record_changes(actor, "attribute", defn.key, before, _audited(defn))
    return attribute_info(defn, lang, with_usage=True)


def delete_attribute(key: str, *, actor: Actor | None = None) -> AttributeInfo:
    """Delete a definition no task holds a value for; it leaves every set it was in.
    With values, deleting is refused."""
    with write_transaction():
        defn = get_attribute(key)
        info = attribute_info(defn, with_usage=True)
        if info.value_count:
            raise Refused(
                f"attribute {key!r} has {plural(info.value_count, 'stored value')} on tasks and cannot be "
                "deleted (the values would be lost)"
            )
        record(actor, "attribute", defn.key, "delete", old=summary(_audited(defn) | {"sets": info.sets}))
        AttributeSetItem.delete().where(AttributeSetItem.attribute == defn.id).execute()
        defn.delete_instance()
    return info
