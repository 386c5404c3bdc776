"""What attribute definitions, groups and sets share: the checks of their keys,
labels and choices, and the lookups by key that raise NotFound.

Kept in one place so the three kinds of row follow the same rules, and so
`attributes`, `attribute_groups` and `attribute_sets` need not import each other.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Literal, TypeVar, overload

import peewee as pw

from tasktui.errors import Invalid, NotFound
from tasktui.limits import MAX_CHOICES, MAX_LABEL
from tasktui.models import AttributeDef, AttributeGroup, AttributeSet, AttributeSetItem
from tasktui.services.events.definitions import identifier_problem
from tasktui.text_safety import clean_name

#: "Not given" for keyword arguments where None means "clear it".
UNSET: object = object()


def plural(count: int, word: str) -> str:
    """'1 task', '2 tasks': counts in refusal messages."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def check_key(key: str, what: str = "attribute") -> str:
    """A key follows the event identifier rules, or Invalid naming the rule."""
    problem = identifier_problem(key)
    if problem:
        raise Invalid(f"invalid {what} key {key!r}: {problem}")
    return key


@overload
def check_label(label: str | None, lang: str, required: Literal[True]) -> str: ...
@overload
def check_label(label: str | None, lang: str, required: bool) -> str | None: ...
def check_label(label: str | None, lang: str, required: bool) -> str | None:
    """A label is one line of at most MAX_LABEL characters, cleaned like every name
    (escape sequences and control characters removed: text_safety); an empty one is
    None (Invalid when `required`, as the English label is)."""
    label = clean_name(label)  # a newline stays, refused below
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
        choice = clean_name(raw)  # a newline stays, refused below
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


def localized(label_en: str, label_de: str | None, lang: str) -> str:
    """The label in `lang`, falling back to English."""
    return label_de if lang == "de" and label_de else label_en


def next_position(
    model: type[AttributeGroup | AttributeDef | AttributeSetItem], where: pw.Expression | None = None
) -> int:
    """The position after the last row of `model` (optionally among `where`)."""
    query = model.select(pw.fn.MAX(model.position))
    if where is not None:
        query = query.where(where)
    top = query.scalar()
    return 0 if top is None else top + 1


_Keyed = TypeVar("_Keyed", AttributeDef, AttributeGroup, AttributeSet)


def _by_key(model: type[_Keyed], key: str, what: str) -> _Keyed:
    row = model.get_or_none(model.key == key)
    if row is None:
        raise NotFound(f"unknown {what} {key!r}")
    return row


def get_attribute(key: str) -> AttributeDef:
    """The attribute definition with this key, or NotFound."""
    return _by_key(AttributeDef, key, "attribute")


def get_attribute_group(key: str) -> AttributeGroup:
    """The attribute group with this key, or NotFound."""
    return _by_key(AttributeGroup, key, "attribute group")


def get_attribute_set(key: str) -> AttributeSet:
    """The attribute set with this key, or NotFound."""
    return _by_key(AttributeSet, key, "attribute set")
