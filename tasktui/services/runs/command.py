"""Running a command for `tasktui run`: its output passes through live, the last
lines are kept, and the outcome says how it ended.

Output: the command's stdout goes to our stdout and its stderr to our stderr, as it
comes (chunks, not lines), so pipes and log files keep the two apart. The command
sees pipes, not a terminal. The kept tail is the last `TAIL_LINES` lines of both
streams interleaved in the order they arrived (the order between the two streams is
as close as two pipes allow).

Signals: SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 sent to the wrapper
are forwarded to the command, which runs in the wrapper's process group (a daemon's
reload or log-reopen signal reaches it; none of them kills the wrapper and leaves the
command running unwatched). What a terminal sends its foreground process group
(Ctrl-C, Ctrl-\\, a hangup) already reaches the command the same way, so it is not
forwarded a second time. A signal we were started ignoring (`nohup`, `cmd &` in a
script) stays ignored, by the command too. A SIGCHLD our parent ignores is reset to
the default for the command (ignored, the kernel would reap it and its exit code
would be lost). When our stdout is closed (`tasktui run -- cmd | head -1`), our end
of the command's pipe is closed too, so the command sees the broken pipe it would
see unwrapped.

Exit codes as a shell reports them: the command's own, 128+N when signal N killed
it, 127 when it was not found, 126 when it could not be executed.

No database and no Textual here: this module is imported by every `tasktui run`.
"""

from __future__ import annotations

import datetime as dt
import os
import shlex
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import field

from tasktui.records import Record
from tasktui.text_safety import clean_text

TAIL_LINES = 50
#: A kept line longer than this is cut (the description must stay readable).
MAX_LINE_CHARS = 1000
FORWARDED_SIGNALS = tuple(
    getattr(signal, name)
    for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2")
    if hasattr(signal, name)
)
#: The ones a terminal sends to its whole foreground process group.
_TERMINAL_SIGNALS = {getattr(signal, name) for name in ("SIGINT", "SIGQUIT", "SIGHUP") if hasattr(signal, name)}
#: POSIX: the wait takes the forwarded signals and the command's end with sigwait.
_SIGWAIT = hasattr(signal, "sigwait") and hasattr(signal, "SIGCHLD")
NOT_FOUND_EXIT = 127
CANNOT_EXECUTE_EXIT = 126
#: How long to wait for the output pipes after the command ended (a background
#: process started by the command may keep them open).
DRAIN_TIMEOUT_S = 2.0
TITLE_COMMAND_CHARS = 80


def _now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class OutputTail:
    """The last lines of a command's output, fed with raw chunks from several streams
    (thread-safe). A carriage return keeps only what follows it (progress bars)."""

    def __init__(self, lines: int = TAIL_LINES, max_chars: int = MAX_LINE_CHARS) -> None:
        self._lines: deque[str] = deque(maxlen=lines)
        self._partial: dict[str, bytearray] = {}
        self._max_chars = max_chars
        self._lock = threading.Lock()
        self.total_lines = 0

    def _line(self, raw: bytes) -> None:
        raw = raw.rstrip(b"\r")
        raw = raw[raw.rfind(b"\r") + 1 :]
        # whole colour/OSC sequences go before the length is measured (text_safety)
        text = clean_text(raw[: self._max_chars * 4].decode("utf-8", errors="replace"))
        if len(text) > self._max_chars:
            text = text[: self._max_chars] + " …(cut)"
        self._lines.append(text)
        self.total_lines += 1

    def feed(self, stream: str, data: bytes) -> None:
        """Add a chunk of output of `stream` (complete lines are kept at once)."""
        with self._lock:
            buffer = self._partial.setdefault(stream, bytearray())
            buffer += data
            *complete, rest = bytes(buffer).split(b"\n")
            for raw in complete:
                self._line(raw)
            limit = self._max_chars * 8
            if len(rest) > limit:  # no newline for a long while: keep it bounded
                carriage = rest.rfind(b"\r", 0, len(rest) - 1)
                rest = rest[carriage + 1 :] if carriage >= 0 else rest[:limit]
            self._partial[stream] = bytearray(rest)

    def end(self, stream: str) -> None:
        """The stream is closed: its unfinished last line counts as a line."""
        with self._lock:
            rest = self._partial.pop(stream, b"")
            if rest:
                self._line(bytes(rest))

    def lines(self) -> list[str]:
        """The kept lines, oldest first."""
        with self._lock:
            return list(self._lines)


class RunOutcome(Record, frozen=False):
    """How a wrapped command ended, with what a task about it needs."""

    argv: list[str]
    started_at: dt.datetime
    duration_s: float
    exit_code: int
    pid: int | None = None
    killed_by: int | None = None
    start_error: str | None = None
    tail: list[str] = field(default_factory=list)
    total_lines: int = 0
    forwarded: list[int] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """True unless the command ran and exited 0."""
        return self.exit_code != 0

    @property
    def command_line(self) -> str:
        """The command, quoted so it can be pasted into a shell."""
        return shlex.join(self.argv)

    def how_it_ended(self) -> str:
        """`exit code 3`, `killed by SIGTERM (exit code 143)`, `could not be started: ...`."""
        if self.start_error is not None:
            return f"could not be started: {self.start_error} (exit code {self.exit_code})"
        if self.killed_by is not None:
            return f"killed by {_signal_name(self.killed_by)} (exit code {self.exit_code})"
        return f"exit code {self.exit_code}"

    def default_title(self) -> str:
        """A one-line title: the (shortened) command and how it failed."""
        command = " ".join(self.command_line.split())
        if len(command) > TITLE_COMMAND_CHARS:
            command = command[: TITLE_COMMAND_CHARS - 1] + "…"
        if self.start_error is not None:
            return f"{command} could not be started (exit {self.exit_code})"
        if self.killed_by is not None:
            return f"{command} was killed by {_signal_name(self.killed_by)} (exit {self.exit_code})"
        return f"{command} failed (exit {self.exit_code})"

    def description(self, host: str | None = None, directory: str | None = None, max_chars: int | None = None) -> str:
        """The task description: command line, result, start, duration, where it ran,
        and the last lines of output (the oldest dropped to stay within `max_chars`)."""
        tail = list(self.tail)
        while True:
            text = self._description(host, directory, tail)
            if max_chars is None or len(text) <= max_chars or not tail:
                return text if max_chars is None else text[:max_chars]
            tail.pop(0)

    def _description(self, host: str | None, directory: str | None, tail: list[str]) -> str:
        lines = [
            f"Command: {self.command_line}",
            f"Result: {self.how_it_ended()}",
            f"Started: {self.started_at.isoformat(timespec='seconds')}Z",
            f"Duration: {self.duration_s:.3f} s",
        ]
        if self.pid is not None:
            lines.append(f"Process id: {self.pid}")
        if host:
            lines.append(f"Host: {host}")
        if directory:
            lines.append(f"Directory: {directory}")
        if self.forwarded:
            lines.append("Signals forwarded to it: " + ", ".join(_signal_name(s) for s in self.forwarded))
        lines.append("")
        if not tail:
            lines.append("Output: (none)")
        else:
            shown = len(tail)
            of = f"last {shown} of {self.total_lines} lines" if self.total_lines > shown else f"{shown} lines"
            lines.append(f"Output ({of}; stdout and stderr in the order they arrived):")
            lines.extend(tail)
        return "\n".join(lines)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _pump(read_fd: int, write_fd: int, stream: str, tail: OutputTail) -> None:
    """Copy one output stream of the command to ours as it comes, feeding the tail
    (started by `_pump_and_wait`, with the waited-for signals blocked)."""
    passing = True
    try:
        while True:
            try:
                data = os.read(read_fd, 65536)
            except OSError:
                break
            if not data:
                break
            tail.feed(stream, data)
            if passing:
                try:
                    _write_all(write_fd, data)
                except BrokenPipeError:  # our reader went away: so does the command's
                    break
                except OSError:  # our stream is unusable (closed): keep the tail going
                    passing = False
    finally:
        tail.end(stream)
        os.close(read_fd)


def _pump_and_wait(
    child: subprocess.Popen,
    pumps: list[threading.Thread],
    forward: Callable[[int, object], None],
    forwarding: Sequence[int],
) -> int:
    """Start the pumps and wait for the command, passing the `forwarding` signals to
    `forward` as they come; its return code.

    On POSIX, when there is a signal to forward (only the main thread sets handlers,
    so there is none elsewhere), those signals and SIGCHLD are blocked from before
    the pumps start until the command has ended, and the main thread takes them with
    `sigwait`, so none is missed. A thread starts with its creator's mask, so no pump
    can take one (it would wake nothing: Python runs handlers in the main thread only,
    and a dropped SIGCHLD would leave the wait hanging); and a Python handler runs only
    between bytecodes, so one that came in the instant before a blocking `waitpid`
    started would run only once the command had ended by itself."""
    if not _SIGWAIT or not forwarding:
        for pump in pumps:
            pump.start()
        return child.wait()
    waited = (*forwarding, signal.SIGCHLD)
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, waited)  # the handler of an earlier one runs here
    try:
        for pump in pumps:
            pump.start()
        while child.poll() is None:  # SIGCHLD is blocked: an end before this is seen here
            signum = signal.sigwait(waited)
            if signum != signal.SIGCHLD:
                forward(signum, None)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    return child.returncode


def _terminal_delivered(signum: int) -> bool:
    """True when a SIGINT, SIGQUIT or SIGHUP most likely came from the terminal: stdin
    is a terminal whose foreground process group is ours (and so the command's, which
    got it too)."""
    if signum not in _TERMINAL_SIGNALS:
        return False
    try:
        return os.isatty(0) and os.tcgetpgrp(0) == os.getpgrp()
    except OSError:
        return False


def run_command(
    argv: Sequence[str],
    *,
    stdout_fd: int = 1,
    stderr_fd: int = 2,
    on_start: Callable[[int], None] | None = None,
) -> RunOutcome:
    """Run `argv`, passing its output through to `stdout_fd` / `stderr_fd` live and
    forwarding `FORWARDED_SIGNALS` to it (when called from the main thread); return
    how it ended. Never raises for a command that fails or cannot be started."""
    argv = list(argv)
    if not argv:
        raise ValueError("no command given")
    tail = OutputTail()
    started_at = _now_utc()
    started = time.monotonic()
    forwarded: list[int] = []
    pending: list[int] = []
    child: subprocess.Popen | None = None

    def forward(signum: int, _frame: object) -> None:
        if _terminal_delivered(signum):
            return
        if child is None:
            pending.append(signum)
            return
        forwarded.append(signum)
        child.send_signal(signum)  # no-op once the child has been reaped

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for signum in FORWARDED_SIGNALS:
            # an ignored one stays so, for the command too; one with a handler set
            # outside Python (getsignal: None) could not be put back
            if signal.getsignal(signum) not in (signal.SIG_IGN, None):
                previous[signum] = signal.signal(signum, forward)
        if _SIGWAIT and signal.getsignal(signal.SIGCHLD) == signal.SIG_IGN:
            # inherited from our parent: the kernel would reap the command itself (no
            # exit code, no SIGCHLD to wait for), so the command runs with the default
            previous[signal.SIGCHLD] = signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    try:
        try:
            child = subprocess.Popen(argv, stdout=out_w, stderr=err_w)
        except OSError as e:
            for fd in (out_r, out_w, err_r, err_w):
                os.close(fd)
            code = NOT_FOUND_EXIT if isinstance(e, FileNotFoundError) else CANNOT_EXECUTE_EXIT
            reason = f"{e.strerror or e}: {argv[0]}"
            return RunOutcome(argv, started_at, time.monotonic() - started, code, start_error=reason)
        os.close(out_w)
        os.close(err_w)
        if on_start is not None:
            on_start(child.pid)
        pumps = [
            threading.Thread(target=_pump, args=(out_r, stdout_fd, "stdout", tail), daemon=True),
            threading.Thread(target=_pump, args=(err_r, stderr_fd, "stderr", tail), daemon=True),
        ]
        for signum in pending:
            forwarded.append(signum)
            child.send_signal(signum)
        forwarding = [signum for signum in previous if signum in FORWARDED_SIGNALS]
        returncode = _pump_and_wait(child, pumps, forward, forwarding)
        duration = time.monotonic() - started
        deadline = time.monotonic() + DRAIN_TIMEOUT_S
        for pump in pumps:
            pump.join(max(0.0, deadline - time.monotonic()))
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    killed_by = -returncode if returncode < 0 else None
    exit_code = 128 + killed_by if killed_by is not None else returncode
    return RunOutcome(
        argv,
        started_at,
        duration,
        exit_code,
        pid=child.pid,
        killed_by=killed_by,
        tail=tail.lines(),
        total_lines=tail.total_lines,
        forwarded=forwarded,
    )
