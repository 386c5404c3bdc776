"""Keys that arrive in one burst (fast typing over SSH, a paste of keystrokes, tmux
`send-keys`) act in the order they were typed, in every screen and form.

Why it goes wrong in Textual alone: the App hands each key to the widget focused *at
that moment* (it puts the key into that widget's message queue) and goes on with the
next key at once. A key the focused widget does not take itself (Tab, Enter on a
screen, an Input's Backspace or cursor keys: bindings) acts only once it has bubbled
back up to the App; by then the App has already handed the keys typed after it to the
widget. `ident<Tab>Name` typed in one burst gave `identName` in the first field and
nothing in the second; `abc<Backspace>d` gave `abc`.

`KeysInOrderApp` hands a key on only when the one before it is done: it follows the
key up the DOM, from the widget it was handed to up to the App, with a callback
posted behind it into each node's queue (a queue is first in, first out, so the
callback runs once that node has handled the key, or never got it because a node
below took it); at the App, the next key is handed on through the App's queue once
more, so what the key's binding queued there comes first (`Widget.focus()` moves the
focus through the App's queue). A key handled by a priority binding is done at once.
The keys that arrive meanwhile wait in `_held`, in order. So the Tab moves the focus
before the next character is handed on, and the character goes to the new field. If
a key is lost on its way (its widget removed), the next ones go on after
`STUCK_AFTER_S`.

The keys are in order; the `Changed` messages of the fields they typed into may still
be on their way up to the screen when the next key acts: a form's Save, Escape or a
picker's Enter reads the values from the widgets themselves, not from those messages.
"""

from __future__ import annotations

import time
from collections import deque

from textual import events
from textual.app import App
from textual.message_pump import MessagePump
from textual.timer import Timer

#: Seconds after which keys waiting behind a key that never came back go on anyway.
STUCK_AFTER_S = 0.25


class KeysInOrderApp(App):
    """An App whose keys act one after the other; see the module docstring."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        #: The key handed on and not done yet, if any.
        self._key_in_flight: events.Key | None = None
        self._in_flight_since = 0.0
        #: Keys that arrived while one was in flight, oldest first.
        self._held: deque[events.Key] = deque()
        self._stuck_timer: Timer | None = None

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            if self._key_in_flight is not None or self._held:
                self._held.append(event)
                self._watch_for_stuck()
                return
            await self._hand_on(event)
            return
        await super().on_event(event)

    async def _hand_on(self, key: events.Key) -> None:
        """Let Textual handle `key` (priority bindings, else to the focused widget),
        then follow it until it is done."""
        self._key_in_flight = key
        self._in_flight_since = time.monotonic()
        await super().on_event(key)
        if not key.is_forwarded:  # a priority binding took it, or the App itself
            self._key_done(key)
            return
        target = self.focused or self.screen
        if not target.call_later(self._follow, key, target):
            self._key_done(key)

    def _follow(self, key: events.Key, node: MessagePump) -> None:
        """Runs on `node` once it has handled `key` (or once `key` could no longer
        reach it): follow it to the parent, up to the App, where it is done."""
        if key is not self._key_in_flight:
            return
        parent = node._parent
        if node is self or parent is None:
            self._key_done(key)
            return
        if not parent.call_later(self._follow, key, parent):
            self._key_done(key)

    def _key_done(self, key: events.Key) -> None:
        """`key` has acted: hand on the next waiting key (through the App's queue, so
        whatever the App still has to do for this one comes first)."""
        if key is not self._key_in_flight:
            return
        self._key_in_flight = None
        if self._held:
            self.call_later(self._next_held)

    async def _next_held(self) -> None:
        if self._key_in_flight is None and self._held:
            await self._hand_on(self._held.popleft())

    def _watch_for_stuck(self) -> None:
        if self._stuck_timer is None:
            self._stuck_timer = self.set_timer(STUCK_AFTER_S, self._unstick)

    def _unstick(self) -> None:
        """A key never came back (its widget went away): the others go on."""
        self._stuck_timer = None
        stuck = self._key_in_flight
        if stuck is not None and time.monotonic() - self._in_flight_since >= STUCK_AFTER_S:
            self._key_done(stuck)
        if self._held:
            self._watch_for_stuck()
