"""`Record`: a dataclass that costs a fresh process under a third of what `@dataclass` does.

`@dataclass(frozen=True)` compiles six methods per class when the module is imported
(about 4 million instructions, a millisecond and more, per class; a Record 1.3 million); a `tasktui raise`
defines a dozen such classes before it touches the database (issue 20). A subclass of
`Record` is a real dataclass (`dataclasses.fields`, `replace`, `asdict` work) whose
`__init__` alone is generated; equality, hashing and the repr are written once here,
and compare the fields the way the generated methods would. Immutability is checked
by the type checker (`frozen_default`), not at run time: nothing assigns to a record.
`class X(Record, frozen=False)` is a mutable one, unhashable like a mutable dataclass.
"""

from __future__ import annotations

import dataclasses
import functools

from tasktui.lazy_typing import TYPE_CHECKING, dataclass_transform

if TYPE_CHECKING:
    from typing import Any


@functools.cache
def _field_names(cls: Any) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def shallow_dict(obj: Any) -> dict[str, Any]:
    """The fields of a dataclass instance by name, as `dataclasses.asdict` gives them
    for fields of plain values, without its deep copy of every value (seconds over a
    million rows)."""
    cls: type = type(obj)
    return {name: getattr(obj, name) for name in _field_names(cls)}


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, dataclasses.Field))
class Record:
    """The base of tasktui's records (see the module's docstring)."""

    __slots__ = ()
    _compared_names: tuple[str, ...] = ()
    _shown_names: tuple[str, ...] = ()

    def __init_subclass__(cls, frozen: bool = True, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        dataclasses.dataclass(eq=False, repr=False)(cls)
        fields = dataclasses.fields(cls)  # type: ignore[arg-type]  # a dataclass now
        cls._compared_names = tuple(f.name for f in fields if f.compare)
        cls._shown_names = tuple(f.name for f in fields if f.repr)
        if not frozen:
            cls.__hash__ = None  # type: ignore[assignment]  # as a mutable dataclass

    def _compared(self) -> tuple[Any, ...]:
        return tuple([getattr(self, name) for name in self._compared_names])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._compared() == other._compared()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._compared())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._shown_names)
        return f"{self.__class__.__qualname__}({shown})"
