"""Custom attribute definitions, attribute groups (display sections) and attribute
sets (which attributes the tasks of an event carry).

Changing a definition that is in use never destroys stored values; such changes are
refused with the reason and the number of values concerned:

- the type of an attribute cannot change while tasks hold values for it;
- a choice cannot be removed from a choice attribute while values use it;
- an attribute cannot be deleted while tasks hold values for it;
- an attribute cannot be removed from a set while tasks of events using that set
  hold values for it;
- a set cannot be deleted while events use it.

Labels, the required flag, the default, the group and the position may always
change; the required flag applies to raises and edits from then on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import peewee as pw

from tasktui.db import write_transaction
from tasktui.errors import Invalid, NotFound, Refused
from tasktui.models import AttributeDef, AttributeGroup, AttributeSet, AttributeSetItem, Event, Task, TaskAttribute
from tasktui.services.attribute_types import ValueProblem, canonical, check_type, parse
from tasktui.services.events import identifier_problem

MAX_LABEL = 200
MAX_CHOICES = 200
_UNSET: object = object()


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def check_key(key: str, what: str = "attribute") -> str:
    """A key follows the event identifier rules, or Invalid naming the rule."""
    problem = identifier_problem(key)
    if problem:
        raise Invalid(f"invalid {what} key {key!r}: {problem}")
    return key


def _check_label(label: str | None, lang: str, required: bool) -> str | None:
    label = (label or "").strip()
    if not label:
        if required:
            raise Invalid("the English label is required")
        return None
    if len(label) > MAX_LABEL or "\n" in label:
        raise Invalid(f"the {lang} label must be one line of at most {MAX_LABEL} characters")
    return label


def check_choices(choices: Iterable[str]) -> list[str]:
    """Choices are distinct (ignoring case), one line each, without surrounding spaces."""
    result: list[str] = []
    for raw in choices:
        choice = raw.strip()
        if not choice or "\n" in choice or len(choice) > MAX_LABEL:
            raise Invalid(f"invalid choice {raw!r}: a choice is one non-empty line of at most {MAX_LABEL} characters")
        if any(c.casefold() == choice.casefold() for c in result):
            raise Invalid(f"choice {choice!r} is given twice")
        result.append(choice)
    if not result:
        raise Invalid("a choice attribute needs at least one choice")
    if len(result) > MAX_CHOICES:
        raise Invalid(f"a choice attribute has at most {MAX_CHOICES} choices")
    return result


def choices_of(defn: AttributeDef) -> list[str]:
    """The choices of a definition (empty for other types)."""
    return json.loads(defn.choices) if defn.choices else []


def _label(label_en: str, label_de: str | None, lang: str) -> str:
    return label_de if lang == "de" and label_de else label_en


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


@dataclass(frozen=True)
class SetInfo:
    """An attribute set: its attributes in display order, and how many events use it."""

    id: int
    key: str
    name: str
    attributes: list[str] = field(default_factory=list)
    event_count: int = 0


# --------------------------------------------------------------------------- lookups


def get_attribute(key: str) -> AttributeDef:
    """The attribute definition with this key, or NotFound."""
    defn = AttributeDef.get_or_none(AttributeDef.key == key)
    if defn is None:
        raise NotFound(f"unknown attribute {key!r}")
    return defn


def get_attribute_group(key: str) -> AttributeGroup:
    """The attribute group with this key, or NotFound."""
    group = AttributeGroup.get_or_none(AttributeGroup.key == key)
    if group is None:
        raise NotFound(f"unknown attribute group {key!r}")
    return group


def get_attribute_set(key: str) -> AttributeSet:
    """The attribute set with this key, or NotFound."""
    aset = AttributeSet.get_or_none(AttributeSet.key == key)
    if aset is None:
        raise NotFound(f"unknown attribute set {key!r}")
    return aset


def value_count(attribute_id: int) -> int:
    """How many tasks hold a value for this attribute."""
    return TaskAttribute.select().where(TaskAttribute.attribute == attribute_id).count()


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
        label=_label(defn.label_en, defn.label_de, lang),
        type=defn.type,
        required=bool(defn.required),
        default=defn.default,
        choices=choices_of(defn),
        group=group.key if group else None,
        position=defn.position,
        value_count=value_count(defn.id) if with_usage else None,
        sets=sets,
    )


def list_attributes(lang: str = "en", with_usage: bool = False) -> list[AttributeInfo]:
    """Every attribute definition in display order."""
    query = AttributeDef.select().order_by(AttributeDef.position, AttributeDef.key)
    return [attribute_info(d, lang, with_usage) for d in query]


# --------------------------------------------------------------------------- definitions


def _default_text(key: str, type_name: str, default: str | None, choices: list[str]) -> str | None:
    if default is None or not default.strip():
        return None
    try:
        return canonical(type_name, parse(type_name, default, choices))
    except ValueProblem as problem:
        raise Invalid(f"attribute {key!r}: the default {default!r} is not {problem}") from None


def _next_position(model: type[pw.Model], where: pw.Expression | None = None) -> int:
    query = model.select(pw.fn.MAX(model.position))
    if where is not None:
        query = query.where(where)
    top = query.scalar()
    return 0 if top is None else top + 1


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
) -> AttributeInfo:
    """Define an attribute. The default is validated for the type; a choice attribute
    needs its choices, other types take none."""
    check_key(key)
    label_en = _check_label(label_en, "en", required=True)
    label_de = _check_label(label_de, "de", required=False)
    check_type(type_name)
    if type_name == "choice":
        choice_list = check_choices(choices or [])
    elif choices:
        raise Invalid(f"only choice attributes have choices, not {type_name} attributes")
    else:
        choice_list = []
    default_text = _default_text(key, type_name, default, choice_list)
    with write_transaction():
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
            position=_next_position(AttributeDef) if position is None else position,
        )
    return attribute_info(defn, lang)


def _removed_choices_in_use(defn: AttributeDef, new_choices: list[str]) -> None:
    removed = [c for c in choices_of(defn) if c not in new_choices]
    for choice in removed:
        used = (
            TaskAttribute.select()
            .where((TaskAttribute.attribute == defn.id) & (TaskAttribute.value == choice))
            .count()
        )
        if used:
            raise Refused(
                f"choice {choice!r} of attribute {defn.key!r} is held by {_plural(used, 'task')}: "
                "it cannot be removed while values use it"
            )


def edit_attribute(
    key: str,
    *,
    label_en: str | None = None,
    label_de: str | None | object = _UNSET,
    type_name: str | None = None,
    required: bool | None = None,
    default: str | None | object = _UNSET,
    choices: Sequence[str] | None = None,
    group: str | None | object = _UNSET,
    position: int | None = None,
    lang: str = "en",
) -> AttributeInfo:
    """Change a definition. Changing the type while tasks hold values, or removing a
    choice that values use, is refused (stored values are never destroyed). Passing
    None (or "") for label_de, default or group clears it."""
    with write_transaction():
        defn = get_attribute(key)
        if label_en is not None:
            defn.label_en = _check_label(label_en, "en", required=True)
        if label_de is not _UNSET:
            defn.label_de = _check_label(label_de, "de", required=False)  # type: ignore[arg-type]
        new_type = defn.type if type_name is None else check_type(type_name)
        if new_type != defn.type:
            count = value_count(defn.id)
            if count:
                raise Refused(
                    f"attribute {key!r} has {_plural(count, 'stored value')}: its type cannot change from "
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
        raw_default = defn.default if default is _UNSET else default
        defn.default = _default_text(key, new_type, raw_default, new_choices)  # type: ignore[arg-type]
        if required is not None:
            defn.required = required
        if group is not _UNSET:
            defn.group = get_attribute_group(group).id if group else None  # type: ignore[arg-type]
        if position is not None:
            defn.position = position
        defn.save()
    return attribute_info(defn, lang, with_usage=True)


def delete_attribute(key: str) -> AttributeInfo:
    """Delete a definition no task holds a value for; it leaves every set it was in.
    With values, deleting is refused."""
    with write_transaction():
        defn = get_attribute(key)
        info = attribute_info(defn, with_usage=True)
        if info.value_count:
            raise Refused(
                f"attribute {key!r} has {_plural(info.value_count, 'stored value')} on tasks and cannot be "
                "deleted (the values would be lost)"
            )
        AttributeSetItem.delete().where(AttributeSetItem.attribute == defn.id).execute()
        defn.delete_instance()
    return info


# --------------------------------------------------------------------------- groups


def group_info(group: AttributeGroup, lang: str = "en") -> GroupInfo:
    """The plain view of an attribute group, with its attributes' keys."""
    keys = [
        d.key
        for d in AttributeDef.select(AttributeDef.key)
        .where(AttributeDef.group == group.id)
        .order_by(AttributeDef.position, AttributeDef.key)
    ]
    return GroupInfo(
        group.id, group.key, group.label_en, group.label_de, _label(group.label_en, group.label_de, lang), group.position, keys
    )


def list_attribute_groups(lang: str = "en") -> list[GroupInfo]:
    """Every attribute group in display order."""
    return [group_info(g, lang) for g in AttributeGroup.select().order_by(AttributeGroup.position, AttributeGroup.key)]


def create_attribute_group(
    key: str, label_en: str, label_de: str | None = None, position: int | None = None, lang: str = "en"
) -> GroupInfo:
    """Create a display section for attributes."""
    check_key(key, "attribute group")
    label_en = _check_label(label_en, "en", required=True)
    label_de = _check_label(label_de, "de", required=False)
    with write_transaction():
        if AttributeGroup.select().where(AttributeGroup.key == key).exists():
            raise Refused(f"attribute group {key!r} already exists")
        group = AttributeGroup.create(
            key=key,
            label_en=label_en,
            label_de=label_de,
            position=_next_position(AttributeGroup) if position is None else position,
        )
    return group_info(group, lang)


def edit_attribute_group(
    key: str,
    *,
    label_en: str | None = None,
    label_de: str | None | object = _UNSET,
    position: int | None = None,
    lang: str = "en",
) -> GroupInfo:
    """Change the labels or position of an attribute group."""
    with write_transaction():
        group = get_attribute_group(key)
        if label_en is not None:
            group.label_en = _check_label(label_en, "en", required=True)
        if label_de is not _UNSET:
            group.label_de = _check_label(label_de, "de", required=False)  # type: ignore[arg-type]
        if position is not None:
            group.position = position
        group.save()
    return group_info(group, lang)


def delete_attribute_group(key: str) -> GroupInfo:
    """Delete a display section; its attributes (and their values) stay, ungrouped."""
    with write_transaction():
        group = get_attribute_group(key)
        info = group_info(group)
        AttributeDef.update({AttributeDef.group: None}).where(AttributeDef.group == group.id).execute()
        group.delete_instance()
    return info


# --------------------------------------------------------------------------- sets


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


def create_attribute_set(key: str, name: str = "", attributes: Sequence[str] = ()) -> SetInfo:
    """Create an attribute set, optionally with its first attributes (in order)."""
    check_key(key, "attribute set")
    name = (name or "").strip()
    if len(name) > MAX_LABEL or "\n" in name:
        raise Invalid(f"the set name must be one line of at most {MAX_LABEL} characters")
    with write_transaction():
        if AttributeSet.select().where(AttributeSet.key == key).exists():
            raise Refused(f"attribute set {key!r} already exists")
        aset = AttributeSet.create(key=key, name=name)
        _add_items(aset, attributes)
    return set_info(aset)


def _add_items(aset: AttributeSet, keys: Sequence[str]) -> None:
    if len(set(keys)) != len(keys):
        raise Invalid("an attribute is named twice")
    position = _next_position(AttributeSetItem, AttributeSetItem.attribute_set == aset.id)
    for key in keys:
        defn = get_attribute(key)
        exists = AttributeSetItem.select().where(
            (AttributeSetItem.attribute_set == aset.id) & (AttributeSetItem.attribute == defn.id)
        )
        if exists.exists():
            raise Refused(f"attribute {key!r} is already in set {aset.key!r}")
        AttributeSetItem.create(attribute_set=aset.id, attribute=defn.id, position=position)
        position += 1


def add_to_set(set_key: str, attribute_keys: Sequence[str]) -> SetInfo:
    """Add attributes to a set (at its end). Tasks raised from then on carry them;
    existing tasks get no value (and required ones are only enforced on new raises)."""
    if not attribute_keys:
        raise Invalid("name at least one attribute to add")
    with write_transaction():
        aset = get_attribute_set(set_key)
        _add_items(aset, list(attribute_keys))
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


def remove_from_set(set_key: str, attribute_key: str) -> SetInfo:
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
                f"attribute {attribute_key!r} has {_plural(count, 'stored value')} on tasks of events using set "
                f"{set_key!r}: it cannot be removed from the set while those values exist"
            )
        item.delete_instance()
    return set_info(aset)


def edit_attribute_set(set_key: str, name: str) -> SetInfo:
    """Rename an attribute set (its key never changes)."""
    name = (name or "").strip()
    if len(name) > MAX_LABEL or "\n" in name:
        raise Invalid(f"the set name must be one line of at most {MAX_LABEL} characters")
    with write_transaction():
        aset = get_attribute_set(set_key)
        aset.name = name
        aset.save()
    return set_info(aset)


def delete_attribute_set(set_key: str) -> SetInfo:
    """Delete a set no event uses (an event's set is fixed at its creation)."""
    with write_transaction():
        aset = get_attribute_set(set_key)
        info = set_info(aset)
        if info.event_count:
            raise Refused(
                f"attribute set {set_key!r} is used by {_plural(info.event_count, 'event')} and cannot be deleted"
            )
        aset.delete_instance()
    return info
