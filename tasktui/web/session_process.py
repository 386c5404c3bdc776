"""One browser session's app process: the TUI as the session's user.

The server starts `python -m tasktui.web.session_process` per browser tab (no shell
in between), with Textual's web driver and, in the environment (never on the command
line, where `ps` would show a database password): `TASKTUI_DB`, the login the
session's token lets in (`TASKTUI_WEB_LOGIN`) and the browser's address
(`TASKTUI_WEB_REMOTE`). History records the login as the acting user and
`web:<address>` as the OS login.
"""

from __future__ import annotations

import os
import sys

LOGIN_ENV = "TASKTUI_WEB_LOGIN"
REMOTE_ENV = "TASKTUI_WEB_REMOTE"


def os_login_for(remote: str) -> str:
    """What the audit trail names as the OS login of a browser session."""
    return f"web:{remote or 'unknown'}"


def main() -> int:
    """Open the database as the session's user and run the app until the browser
    leaves (or the server tells it to quit)."""
    from tasktui.db import open_database
    from tasktui.errors import TaskTuiError
    from tasktui.services.context import acting_user
    from tasktui.text_safety import visible_line

    login = os.environ.get(LOGIN_ENV, "")
    database = os.environ.get("TASKTUI_DB", "")
    if not login or not database:
        print(f"tasktui web session: {LOGIN_ENV} and TASKTUI_DB must be set", file=sys.stderr)
        return 2
    try:
        open_database(database)
        actor = acting_user(login, os_login_for(os.environ.get(REMOTE_ENV, "")))
    except TaskTuiError as e:
        print(f"tasktui web session: {visible_line(str(e))}", file=sys.stderr)
        return e.exit_code
    from tasktui.tui.app import make_app

    app = make_app(database, actor)
    app.run()
    return app.return_code or 0


if __name__ == "__main__":
    sys.exit(main())
