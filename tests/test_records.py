"""`Record` behaves as the dataclass it replaces: equality, hashing, repr, the
dataclasses functions, defaults, subclasses."""

from __future__ import annotations

import dataclasses

import pytest

from tasktui.records import Record


class Point(Record):
    """A frozen record."""

    x: int
    y: int = 0
    tags: list[str] = dataclasses.field(default_factory=list)
    note: str = dataclasses.field(default="", compare=False, repr=False)


class Counter(Record, frozen=False):
    """A mutable record."""

    name: str
    count: int = 0


class Point3(Point):
    """A subclass adds a field."""

    z: int = 0


@dataclasses.dataclass(frozen=True)
class FrozenPoint:
    """What Point stands for."""

    x: int
    y: int = 0
    tags: list[str] = dataclasses.field(default_factory=list)
    note: str = dataclasses.field(default="", compare=False, repr=False)


class Pair(Record):
    """A hashable record."""

    a: int
    b: str = ""


@dataclasses.dataclass(frozen=True)
class FrozenPair:
    """What Pair stands for."""

    a: int
    b: str = ""


def test_a_record_compares_hashes_and_shows_like_the_dataclass():
    a, b = Point(1, 2, ["t"], note="one"), Point(1, 2, ["t"], note="other")
    assert a == b and a != Point(1, 3)
    assert a != (1, 2, ["t"]) and a != Point3(1, 2, ["t"])  # another class is never equal
    assert repr(a) == "Point(x=1, y=2, tags=['t'])"
    assert repr(a) == repr(FrozenPoint(1, 2, ["t"])).replace("FrozenPoint", "Point")
    assert Point(1).tags == [] and Point(1).tags is not Point(1).tags
    assert hash(Pair(1, "a")) == hash(Pair(1, "a")) == hash(FrozenPair(1, "a"))  # hash of the compared fields
    assert {Pair(1, "a"): "found"}[Pair(1, "a")] == "found"
    with pytest.raises(TypeError):
        hash(Point(1))  # a list field is unhashable, as in the dataclass
    with pytest.raises(TypeError):
        hash(FrozenPoint(1))


def test_the_dataclasses_functions_work_on_records():
    a = Point(1, 2, note="n")
    assert dataclasses.is_dataclass(a)
    assert [f.name for f in dataclasses.fields(a)] == ["x", "y", "tags", "note"]
    assert dataclasses.replace(a, y=5) == Point(1, 5)
    assert dataclasses.asdict(a) == {"x": 1, "y": 2, "tags": [], "note": "n"}
    assert Point3(1, 2, z=3) == Point3(1, 2, [], "", 3) and Point3(1).z == 0
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]  # x is required


def test_a_mutable_record_changes_and_is_not_hashable():
    c = Counter("raises")
    c.count += 1
    assert c == Counter("raises", 1) and repr(c) == "Counter(name='raises', count=1)"
    with pytest.raises(TypeError):
        hash(c)


def test_shallow_dict_gives_what_asdict_gives_without_copying():
    from tasktui.records import shallow_dict

    a = Point(1, 2, ["t"], note="n")
    got = shallow_dict(a)
    assert got == dataclasses.asdict(a) and got["tags"] is a.tags
    assert shallow_dict(FrozenPair(3, "b")) == {"a": 3, "b": "b"}
