"""Starting the TUI: the only place the command line imports Textual."""

from __future__ import annotations

from tasktui.cli.state import CliState


def start_tui(st: CliState) -> None:
    """Open the database as the acting user and run the app until it exits."""
    actor = st.open()
    from tasktui.tui.app import make_app

    make_app(st.settings.db_path, actor).run()
