"""One browser session's app process: the TUI as the session's user.

The server starts `python -m tasktui.web.session_process` per browser tab (no shell
in between), with Textual's web driver and, in the environment (never on the command
line, where `ps` would show a database password): `TASKTUI_DB`, the login the
session's token lets in (`TASKTUI_WEB_LOGIN`) and the browser's address
(`TASKTUI_WEB_REMOTE`). History records the login as the acting user and
`web:<address>` as the OS login.

The process ends by itself when the server that started it is gone without ending
it (killed, crashed): the server names itself in `TASKTUI_WEB_SERVER_PID`, and a
watcher thread ends the app once that is no longer its parent process.
"""

from __future__ import annotations

import os
import sys
import threading
import time

LOGIN_ENV = "TASKTUI_WEB_LOGIN"
REMOTE_ENV = "TASKTUI_WEB_REMOTE"
SERVER_PID_ENV = "TASKTUI_WEB_SERVER_PID"
#: How often the watcher looks for the server (seconds).
PARENT_CHECK_S = 1.0
#: The exit status when the server went away (as a hang-up: 128 + SIGHUP).
SERVER_GONE_EXIT = 129


def os_login_for(remote: str) -> str:
    """What the audit trail names as the OS login of a browser session."""
    return f"web:{remote or 'unknown'}"


def watch_server(server_pid: int, interval: float = PARENT_CHECK_S) -> threading.Thread:
    """A daemon thread that ends this process (at once: its output has nowhere to go)
    as soon as `server_pid` is no longer its parent, the server having died without
    ending it; re-parented, the process would otherwise run on unseen."""

    def watch() -> None:
        while os.getppid() == server_pid:
            time.sleep(interval)
        os._exit(SERVER_GONE_EXIT)

    thread = threading.Thread(target=watch, name="tasktui-web-server-watch", daemon=True)
    thread.start()
    return thread


def main() -> int:
    """Open the database as the session's user and run the app until the browser
    leaves (or the server tells it to quit)."""
    from tasktui.db import open_database
    from tasktui.errors import TaskTuiError
    from tasktui.services.context import acting_user
    from tasktui.text_safety import visible_line

    login = os.environ.get(LOGIN_ENV, "")
    database = os.environ.get("TASKTUI_DB", "")
    server_pid = os.environ.get(SERVER_PID_ENV, "")
    if not login or not database or not server_pid.isdigit():
        print(f"tasktui web session: {LOGIN_ENV}, {SERVER_PID_ENV} and TASKTUI_DB must be set", file=sys.stderr)
        return 2
    watch_server(int(server_pid))
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
