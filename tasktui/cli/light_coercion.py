"""Keep `tasktui raise` light: coerce plain command-line values without Pydantic.

Typer 0.29 converts every parameter value through a Pydantic `TypeAdapter`, and
importing Pydantic plus building the adapters costs ~45 ms per process — more than
the whole budget of `tasktui raise` above its floor (issue 3). Our parameters are
plain `str`, `int`, `bool` and `list[str]`; for a value that is already clearly valid
(a string for `str`, digits for `int` within its min/max, a bool for `bool`, strings
for `list[str]`, or no value) the result is the same as Typer's, so it is produced
directly. Everything else — bad values (for Typer's own error message), other types,
custom parsers — goes through Typer's normal Pydantic path, unchanged.

This hooks `typer.core._TyperParameter.get_runtime_param`, a private method; when a
Typer release changes it, `install()` does nothing and the CLI stays correct, only
slower (a test checks that `raise` does not import Pydantic, and would say so).
"""

from __future__ import annotations

import re
from typing import Any

_INTEGER = re.compile(r"[+-]?[0-9]+")


class LightCoercion:
    """The runtime coercion of one parameter: fast for plain values, Typer's otherwise."""

    def __init__(self, param: Any, full: Any) -> None:
        self.param = param
        self._full_factory = full
        self._full: Any = None
        descriptor = param.type_descriptor
        self.annotation = descriptor.annotation
        info = descriptor.parameter_info
        self.plain = descriptor.file_annotation is None and not any(
            getattr(info, name, None) for name in ("parser", "click_type", "clamp")
        )
        self.min = getattr(info, "min", None)
        self.max = getattr(info, "max", None)

    def full(self) -> Any:
        """Typer's own (Pydantic) coercion, built on first need."""
        if self._full is None:
            self._full = self._full_factory(self.param)
        return self._full

    def _fast(self, value: Any, multi: bool) -> tuple[bool, Any]:
        if not self.plain:
            return False, None
        if value is None:
            return True, (() if multi else None)
        annotation = self.annotation
        if annotation is str and isinstance(value, str):
            return True, value
        if annotation is bool and isinstance(value, bool):
            return True, value
        if annotation is int and isinstance(value, str) and _INTEGER.fullmatch(value):
            number = int(value)
            if (self.min is None or number >= self.min) and (self.max is None or number <= self.max):
                return True, number
            return False, None
        if (
            multi
            and isinstance(value, (list, tuple))
            and getattr(annotation, "__origin__", None) is list
            and annotation.__args__ == (str,)
            and all(isinstance(v, str) for v in value)
        ):
            return True, list(value)
        return False, None

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        """Typer's `RuntimeParam.coerce` contract."""
        done, result = self._fast(value, param.multiple or param.nargs == -1)
        if done:
            return result
        return self.full().coerce(value, param=param, ctx=ctx)


def install() -> bool:
    """Route Typer's parameter coercion through `LightCoercion`; False when this Typer
    has no such hook (then nothing changes)."""
    try:
        from typer.core import _TyperParameter
    except ImportError:
        return False
    original = getattr(_TyperParameter, "get_runtime_param", None)
    if original is None or getattr(original, "_tasktui_light", False):
        return original is not None

    def get_runtime_param(self: Any) -> Any:
        light = self.__dict__.get("_tasktui_light_coercion")
        if light is None:
            light = self.__dict__["_tasktui_light_coercion"] = LightCoercion(self, original)
        return light

    get_runtime_param._tasktui_light = True  # type: ignore[attr-defined]
    _TyperParameter.get_runtime_param = get_runtime_param  # type: ignore[method-assign]
    return True
