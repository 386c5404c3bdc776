"""Standard modules Peewee imports but a command seldom uses, loaded on first use.

Peewee imports inspect, calendar, hashlib, socket and uuid when it is imported (with
what they import: ast, dis, tokenize, locale, platform, OpenSSL...), and logging and
pathlib bring traceback and ipaddress: together a fifth of the instructions of a
`tasktui raise`, while a command touches them only for a UUID, IP or timestamp
column, which tasktui's tables do not have, or to format a traceback (issue 20). `defer(names)` puts a stand-in module under each name that is not
imported yet; the first attribute the stand-in lacks imports the real module, puts
it back in `sys.modules` and copies its names into the stand-in, so that code which
kept the stand-in sees the real module's functions from then on. A stand-in can
carry presets: peewee's `from inspect import isclass` takes one without loading
inspect.
"""

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Callable, Iterable, Mapping
from typing import Any

_LOCK = threading.Lock()


class _StandIn(types.ModuleType):
    """A module not imported yet: its first missing attribute imports it."""

    def __getattr__(self, attr: str) -> Any:
        if attr == "__path__":  # asked by every `from NAME import x`: none of them is a package
            raise AttributeError(attr)
        return getattr(load(self), attr)


def load(stand_in: types.ModuleType) -> types.ModuleType:
    """The real module of `stand_in` (imported now if it is not yet). The lock only
    guards taking the stand-in out of `sys.modules`; the import runs outside it, so
    threads using a stand-in at once wait on the import system's own module lock (no
    second lock to deadlock with) and all get the one real module."""
    name = stand_in.__name__
    with _LOCK:
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]
    real = __import__(name)
    stand_in.__dict__.update(real.__dict__)
    return real


def _isclass(obj: object) -> bool:
    """`inspect.isclass`, as inspect defines it."""
    return isinstance(obj, type)


#: What a stand-in answers without importing its module.
PRESETS: Mapping[str, Mapping[str, Callable[..., Any]]] = {"inspect": {"isclass": _isclass}}

#: Peewee's imports that no tasktui table needs at import or at run time.
PEEWEE_UNUSED = ("inspect", "calendar", "hashlib", "socket", "uuid", "traceback", "ipaddress")


def defer(names: Iterable[str]) -> list[str]:
    """Stand-ins for the modules of `names` not imported yet; their names."""
    deferred = []
    with _LOCK:
        for name in names:
            if name in sys.modules:
                continue
            stand_in = _StandIn(name)
            stand_in.__dict__.update(PRESETS.get(name, {}))
            sys.modules[name] = stand_in
            deferred.append(name)
    return deferred


def is_stand_in(module: object) -> bool:
    """Whether `module` is a stand-in whose real module was never imported."""
    return isinstance(module, _StandIn) and sys.modules.get(module.__name__) is module
