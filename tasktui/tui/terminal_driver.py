"""The terminal driver: Textual's Linux driver, made to end the app when its terminal
goes away.

Textual's input thread treats an empty read as "stdin is piped" and keeps polling: when
the terminal is gone (a killed tmux pane, a dropped SSH connection where SIGHUP does not
reach the app, e.g. under `nohup` or a parent that ignores SIGHUP) the app spun at 80 %
of a core for as long as nobody killed it, holding the database open. Here an end of
file or an I/O error on the terminal, and SIGHUP, end the app within a second, with
exit code 129 (hang-up) or 1 (the terminal failed), and writes to a terminal that is
gone are dropped instead of stopping the writer thread (whose queue would then fill and
block the app's shutdown).
"""

from __future__ import annotations

import os
import selectors
import signal
from codecs import getincrementaldecoder
from typing import IO, Any

from textual._parser import ParseError
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

#: The exit code after SIGHUP (128 + the signal number, as a shell reports it).
HANGUP_EXIT_CODE = 128 + signal.SIGHUP
#: The exit code when reading the terminal failed or hit its end.
TERMINAL_LOST_EXIT_CODE = 1


class TerminalOutput:
    """The terminal as the writer thread sees it: once a write fails (the terminal
    is gone), later writes are dropped, so the writer never dies and never blocks."""

    def __init__(self, file: IO[str], on_lost: Any) -> None:
        self._file = file
        self._on_lost = on_lost
        self.lost = False

    def write(self, text: str) -> int:
        """Write to the terminal, unless it is gone."""
        if self.lost:
            return len(text)
        try:
            return self._file.write(text)
        except (OSError, ValueError):
            self._lose()
            return len(text)

    def flush(self) -> None:
        """Flush to the terminal, unless it is gone."""
        if self.lost:
            return
        try:
            self._file.flush()
        except (OSError, ValueError):
            self._lose()

    def fileno(self) -> int:
        """The terminal's file descriptor (Textual asks for it to query the size)."""
        return self._file.fileno()

    def _lose(self) -> None:
        self.lost = True
        self._on_lost()


class HangupAwareDriver(LinuxDriver):
    """Textual's Linux driver that ends the app when its terminal goes away."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._file = TerminalOutput(self._file, self._terminal_lost)
        self._lost_reported = False

    def start_application_mode(self) -> None:
        """Textual's start, plus SIGHUP ending the app (also where it was ignored, as
        under `nohup`: a TUI without a terminal has nobody to serve)."""
        super().start_application_mode()
        self._loop.add_signal_handler(signal.SIGHUP, self._exit_app, HANGUP_EXIT_CODE)

    def stop_application_mode(self) -> None:
        """Textual's stop, and SIGHUP back to its default."""
        try:
            self._loop.remove_signal_handler(signal.SIGHUP)
        except (RuntimeError, ValueError):  # the loop is already closed
            pass
        super().stop_application_mode()

    def _terminal_lost(self) -> None:
        """From any thread: the terminal cannot be read or written any more."""
        if self._lost_reported:
            return
        self._lost_reported = True
        try:
            self._loop.call_soon_threadsafe(self._exit_app, TERMINAL_LOST_EXIT_CODE)
        except RuntimeError:  # the loop is closed: the app is ending anyway
            pass

    def _exit_app(self, return_code: int) -> None:
        self._app.exit(return_code=return_code)

    def run_input_thread(self) -> None:
        """Textual's input loop (textual/drivers/linux_driver.py), except that an end
        of file or an error reading the terminal ends the app instead of polling a
        dead terminal for ever."""
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode

        def read_events(final: bool = False) -> bool:
            """Read what the terminal sent; False when it is gone."""
            for _key, mask in selector.select(0.1):
                if mask & selectors.EVENT_READ:
                    try:
                        data = os.read(self.fileno, 1024 * 4)
                    except OSError:
                        return False
                    if not data:
                        return False
                    for event in parser.feed(decode(data, final=final)):
                        self.process_message(event)
            for event in parser.tick():
                self.process_message(event)
            return True

        try:
            while not self.exit_event.is_set():
                if not read_events():
                    self._terminal_lost()
                    return
            selector.unregister(self.fileno)
        finally:
            selector.close()
            try:
                for _event in parser.feed(""):
                    pass
            except (EOFError, ParseError):
                pass
