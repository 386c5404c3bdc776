"""The stand-ins of `tasktui.deferred`: a module peewee imports but a command does not
use is loaded on first use, and then it is the real module for everyone."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _fresh(code: str) -> str:
    """Run `code` in a fresh interpreter (nothing imported yet); its stdout."""
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_peewee_loads_without_the_modules_it_does_not_need():
    out = _fresh(
        """
        import sys
        import tasktui, peewee
        from tasktui.deferred import PEEWEE_UNUSED, is_stand_in
        print([n for n in PEEWEE_UNUSED if not is_stand_in(sys.modules[n])])
        print(peewee.isclass(int), peewee.isclass(3))
        """
    )
    assert out.splitlines() == ["[]", "True False"]


def test_first_use_loads_the_real_module_for_every_holder():
    out = _fresh(
        """
        import sys
        import tasktui
        import inspect as kept  # the stand-in
        from tasktui.deferred import is_stand_in
        assert is_stand_in(kept)
        import uuid
        print(len(str(uuid.uuid4())))  # first use: the real uuid
        assert not is_stand_in(sys.modules["uuid"]) and type(sys.modules["uuid"]).__name__ == "module"
        print(kept.signature(lambda a, b=1: None))  # the kept stand-in answers like inspect
        import inspect
        print(inspect is sys.modules["inspect"], kept.signature is inspect.signature)
        from socket import AF_INET, socket
        print(socket.__module__)
        try:
            kept.no_such_name
        except AttributeError as e:
            print("AttributeError", "no_such_name" in str(e))
        """
    )
    assert out.splitlines() == ["36", "(a, b=1)", "True True", "socket", "AttributeError True"]


def test_threads_touching_a_stand_in_at_once_all_get_the_one_real_module():
    out = _fresh(
        """
        import sys, threading
        import tasktui
        import hashlib as stand_in
        barrier = threading.Barrier(8)
        seen = []
        def use():
            barrier.wait()
            seen.append((stand_in.sha256(b"x").hexdigest()[:8], id(sys.modules["hashlib"])))
        threads = [threading.Thread(target=use) for _ in range(8)]
        for t in threads: t.start()
        for t in threads: t.join()
        print(len(seen), len(set(seen)), seen[0][0])
        """
    )
    assert out == "8 1 2d711642"


def test_a_module_imported_before_tasktui_is_left_alone():
    out = _fresh(
        """
        import sys, calendar
        real = sys.modules["calendar"]
        import tasktui
        print(sys.modules["calendar"] is real, calendar.isleap(2028))
        """
    )
    assert out == "True True"


def test_peewee_logs_through_logging_once_it_is_imported_and_configured():
    out = _fresh(
        """
        import sys
        import tasktui, peewee
        from tasktui.deferred import is_stand_in
        db = peewee.SqliteDatabase(":memory:")
        db.execute_sql("SELECT 1")  # peewee asks whether debug is on: logging stays unloaded
        print(is_stand_in(sys.modules["logging"]))
        import logging
        print(type(logging.getLogger("app")).__name__)  # a real logger for anyone else
        logging.basicConfig(stream=sys.stdout, format="%(name)s %(message)s")
        logging.getLogger("peewee").setLevel(logging.DEBUG)
        db.execute_sql("SELECT 2")
        print([type(h).__name__ for h in logging.getLogger("peewee").handlers])
        """
    )
    assert out.splitlines() == ["True", "Logger", "peewee ('SELECT 2', None)", "['NullHandler']"]


def test_peewee_logger_answers_as_without_the_stand_ins():
    """Levels asked before logging is imported, then a warning (peewee's null handler
    keeps it from stderr) and an error: the same with and without tasktui first."""
    code = (
        "import peewee; lg = peewee.logger\n"
        "print([lg.isEnabledFor(n) for n in (10, 20, 30, 40)])\n"
        "lg.warning('careful'); lg.error('bad')\n"
        "print(lg.getEffectiveLevel(), [type(h).__name__ for h in lg.handlers])\n"
    )
    runs = [
        subprocess.run([sys.executable, "-c", first + code], capture_output=True, text=True, timeout=60)
        for first in ("import tasktui\n", "")
    ]
    assert [(r.returncode, r.stdout, r.stderr) for r in runs] == [(0, runs[1].stdout, runs[1].stderr)] * 2
    assert runs[0].stdout.splitlines() == ["[False, False, True, True]", "30 ['NullHandler']"]
