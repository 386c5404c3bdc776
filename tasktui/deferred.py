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
inspect, and its `logging.getLogger("peewee")` a logger that imports logging only
when it is used for more than asking whether debug output is on (peewee asks before
every statement; importing logging is some 10 million instructions, 4% of a raise).
The logging presets serve peewee's import only (`end_import`): anyone asking logging
for a logger later gets the real module.
"""

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Iterable, Mapping

from tasktui.lazy_typing import TYPE_CHECKING

if TYPE_CHECKING:
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


class _PendingNullHandler:
    """`logging.NullHandler()` while logging is not imported: the logger it is added to
    adds a real one when logging is imported."""


class _PendingLogger:
    """`logging.getLogger(name)` while logging is not imported. Until it is, nothing
    can have set a level or added a handler, so whether a level is on is logging's
    default answer (WARNING and above) and a null handler is only noted; anything else
    imports logging and goes to the real logger of that name, as from then on does
    everything."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._null_handler = False
        self._logger: Any = None

    def _real(self) -> Any:
        if self._logger is None:
            module = sys.modules.get("logging")
            real: Any = load(module) if module is not None and is_stand_in(module) else __import__("logging")
            logger = real.getLogger(self._name)
            if self._null_handler:
                logger.addHandler(real.NullHandler())
            self._logger = logger
        return self._logger

    def isEnabledFor(self, level: int) -> bool:
        if self._logger is None and is_stand_in(sys.modules.get("logging")):
            return level >= _WARNING
        return bool(self._real().isEnabledFor(level))

    def addHandler(self, handler: object) -> None:
        if isinstance(handler, _PendingNullHandler) and self._logger is None:
            self._null_handler = True
        else:
            self._real().addHandler(handler)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._real(), attr)


_DEBUG, _WARNING = 10, 30  # logging.DEBUG, logging.WARNING

#: What a stand-in answers without importing its module.
PRESETS: Mapping[str, Mapping[str, Any]] = {
    "inspect": {"isclass": _isclass},
    "logging": {"getLogger": _PendingLogger, "NullHandler": _PendingNullHandler, "DEBUG": _DEBUG},
}
#: Presets that serve peewee's import only (`end_import` takes them away).
IMPORT_ONLY = {"logging": ("getLogger", "NullHandler")}

#: Peewee's imports that no tasktui table needs at import or at run time.
PEEWEE_UNUSED = ("inspect", "calendar", "hashlib", "socket", "uuid", "traceback", "ipaddress", "logging")


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


def end_import() -> None:
    """Take away the presets that served peewee's import (IMPORT_ONLY): a stand-in
    asked for them later imports its real module."""
    with _LOCK:
        for name, attrs in IMPORT_ONLY.items():
            module = sys.modules.get(name)
            if is_stand_in(module):
                for attr in attrs:
                    module.__dict__.pop(attr, None)
