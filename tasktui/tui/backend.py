"""Every service call of the TUI runs off the UI thread through one helper.

`app.backend.run(fn, *args, on_done=…)` calls `fn` in a Textual worker thread, as one
unit of database work (`tasktui.db.worker_unit`: the thread's connection is closed after),
and delivers the result to `on_done` on the UI thread. Errors go to one handler: a
service's typed error (`TaskTuiError`: Refused, Invalid, NotFound, Unavailable) is shown
as its message, or given to `on_error` when the caller shows it inline; any other
exception (a raw database error, a bug) becomes an "internal error" notification and a
logged traceback. A worker's error never ends the app.

A result (not an error) is dropped when its worker was cancelled meanwhile (an
`exclusive` call superseded it: a search typed on while the previous one ran) or when
its `owner` has left the screen: a late answer never overwrites a newer one or touches
a closed screen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from textual.dom import DOMNode
from textual.worker import Worker, get_current_worker

from tasktui.db.worker_unit import worker_unit
from tasktui.errors import TaskTuiError

if TYPE_CHECKING:
    from textual.app import App

log = logging.getLogger(__name__)

T = TypeVar("T")

#: How long an error notification stays (seconds).
ERROR_TIMEOUT_S = 6


class Backend:
    """The one way screens and widgets reach the services (see the module docstring)."""

    def __init__(self, app: App) -> None:
        self.app = app

    def run(
        self,
        fn: Callable[..., T],
        *args: Any,
        on_done: Callable[[T], object] | None = None,
        on_error: Callable[[TaskTuiError], object] | None = None,
        owner: DOMNode | None = None,
        group: str = "backend",
        exclusive: bool = False,
    ) -> Worker[None]:
        """Call `fn(*args)` in a worker thread; then `on_done(result)` on the UI thread.

        `owner` is the screen or widget the worker belongs to (Textual cancels its
        workers when it goes away; the app by default); `exclusive` cancels the owner's
        earlier workers of the same `group`, as Textual's `@work(exclusive=True)` does.
        `fn` may itself use `app.call_from_thread` to show progress on the way.
        """

        def unit() -> None:
            try:
                with worker_unit():
                    result = fn(*args)
            except Exception as error:  # every error reaches the one handler, none ends the app
                self._deliver(self.handle_error, error, on_error)  # even when superseded: shown
                return
            if on_done is not None and not get_current_worker().is_cancelled:
                self._deliver(on_done, result, owner=owner)

        node = owner if owner is not None else self.app
        return node.run_worker(unit, thread=True, group=group, exclusive=exclusive, exit_on_error=False)

    def _deliver(self, callback: Callable[..., object], *args: Any, owner: DOMNode | None = None) -> None:
        """Run `callback` on the UI thread (dropped when the app has stopped meanwhile)."""
        try:
            self.app.call_from_thread(self._guarded, callback, *args, owner=owner)
        except RuntimeError:  # "App is not running": nobody is left to show it to
            log.debug("app gone: %r not delivered", callback)

    def _guarded(self, callback: Callable[..., object], *args: Any, owner: DOMNode | None = None) -> None:
        """On the UI thread: an error of the callback itself goes to the handler too;
        a result for an owner that has left meanwhile is dropped."""
        if owner is not None and not owner.is_attached:
            return
        try:
            callback(*args)
        except Exception as error:
            if callback == self.handle_error:
                raise
            self.handle_error(error)

    def handle_error(self, error: Exception, on_error: Callable[[TaskTuiError], object] | None = None) -> None:
        """On the UI thread: the one error handler of the TUI's service calls."""
        if isinstance(error, TaskTuiError):
            if on_error is not None:
                on_error(error)
            else:
                self.app.notify(str(error), severity="error", timeout=ERROR_TIMEOUT_S)
            return
        log.error("internal error in a worker", exc_info=error)
        self.app.log.error(f"internal error: {error!r}")
        self.app.notify(f"internal error: {type(error).__name__}: {error}", severity="error", timeout=ERROR_TIMEOUT_S)
