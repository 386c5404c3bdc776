"""Starting the TUI: the only place the command line imports Textual."""

from __future__ import annotations

from tasktui.cli.state import CliState


def start_tui(st: CliState) -> None:
    """Open the database as the acting user and run the app until it exits; its exit
    code is the process's (1 after a crash, 129 after a hang-up), so a wrapper or a
    shell sees that the TUI did not end normally."""
    actor = st.open()
    from tasktui.tui.app import make_app

    app = make_app(st.settings.db, actor)
    app.run()
    if app.return_code:
        raise SystemExit(app.return_code)
