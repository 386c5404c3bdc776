"""What tasktui's hot modules need of `typing` at run time, without importing it.

Importing typing costs about 13 million instructions, 5% of a `tasktui raise`, and
nothing else on a scripted command's path imports it (issue 20). Annotations are text
(`from __future__ import annotations`), so the names of types matter only to mypy:
a module imports them under `if TYPE_CHECKING:` with TYPE_CHECKING from here (mypy
takes any name TYPE_CHECKING as true). At run time `cast` returns its value and
`dataclass_transform` leaves the class as it is, which is all typing's do that
tasktui relies on.
"""

TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import cast as cast
    from typing import dataclass_transform as dataclass_transform
else:

    def cast(typ, value):
        """`typing.cast`: `value` itself."""
        return value

    def dataclass_transform(**kwargs):
        """`typing.dataclass_transform`: a decorator that leaves its class as it is."""
        return lambda cls: cls
