"""Starting the TUI: the only place the command line imports Textual."""

from __future__ import annotations

import os
import sys

from tasktui.cli.state import CliState
from tasktui.errors import Invalid


def start_tui(st: CliState) -> None:
    """Open the database as the acting user and run the app until it exits. A new
    database is created like `init` creates it (the acting user and the shipped event
    catalogue registered), so the empty screen's example command works. The app's exit
    code is the process's (1 after a crash, 129 after a hang-up), so a wrapper or a
    shell sees that the TUI did not end normally."""
    check_terminal()
    new = _is_new(st)
    actor = st.open(register=new)
    if new:  # a database the TUI creates is made whole, as `init` makes it
        from tasktui.services.events.manifests import register_catalogue

        register_catalogue(actor=actor)
    from tasktui.tui.app import make_app

    app = make_app(st.settings.db, actor)
    app.run()
    if app.return_code:
        raise SystemExit(app.return_code)


def check_terminal() -> None:
    """Refuse to start without a terminal to read keys from and draw on (Textual draws
    on stderr): from cron, a pipe or `< /dev/null` the app would end at once, with a
    traceback. Another Textual driver (TEXTUAL_DRIVER) brings its own input."""
    if os.environ.get("TEXTUAL_DRIVER"):
        return
    for name, stream in (("stdin", sys.__stdin__), ("stderr", sys.__stderr__)):
        try:
            terminal = stream is not None and stream.isatty()
        except (OSError, ValueError):  # closed
            terminal = False
        if not terminal:
            raise Invalid(
                f"the TUI needs a terminal and {name} is not one: run it in a terminal, or give a "
                "command (e.g. 'tasktui task list'; see 'tasktui --help')"
            )


def _is_new(st: CliState) -> bool:
    """True when the database does not exist yet (a file) or holds no tasktui schema
    yet (a server's empty database)."""
    url = st.settings.db
    if url.is_file:
        return not url.file("the TUI").exists()
    from tasktui.db import dialect_for_url

    dialect, url = dialect_for_url(url)
    return dialect.stored_schema_version(url) == 0
