"""`tasktui web`: serve the TUI to browsers; `tasktui web token ...`: who may come in.

Serving needs the optional extra `web` (textual-serve, aiohttp), imported only here,
when the server starts; the token commands need neither.
"""

from __future__ import annotations

from typing import Optional

import typer

from tasktui import formats
from tasktui.cli.state import check_format_in, parse_id, state
from tasktui.web.addresses import DEFAULT_LISTEN

web_app = typer.Typer(
    help="Serve the TUI to browsers (needs the extra: pip install 'tasktui\\[web]').",  # \\[ keeps Rich from reading [web] as markup
    invoke_without_command=True,
)
token_app = typer.Typer(help="Login tokens of browser mode: add, list, revoke.", no_args_is_help=True)

EXTRA_MISSING = "browser mode needs the optional extra 'web': pip install 'tasktui[web]' (textual-serve, aiohttp)"
LISTEN_HELP = "HOST:PORT to listen on (default 127.0.0.1:8765; [::1]:8765 for IPv6)."
PUBLIC_HELP = "The URL users open when a proxy serves this (e.g. https://tasks.example): its host is accepted."


def _addresses(listen: str, public_url: Optional[str]):
    from tasktui.web.addresses import parse_listen, parse_public_url

    return parse_listen(listen), parse_public_url(public_url) if public_url else None


@web_app.callback()
def web(
    ctx: typer.Context,
    listen: str = typer.Option(DEFAULT_LISTEN, "--listen", help=LISTEN_HELP),
    public_url: Optional[str] = typer.Option(None, "--public-url", help=PUBLIC_HELP),
    max_sessions: int = typer.Option(8, "--max-sessions", min=1, max=1000, help="Open sessions (tabs) at most."),
) -> None:
    """Serve the TUI to browsers until SIGTERM or Ctrl+C (each tab runs as its token's user)."""
    if ctx.invoked_subcommand is not None:
        return
    bind, public = _addresses(listen, public_url)
    try:
        import aiohttp  # noqa: F401
        import textual_serve  # noqa: F401
    except ImportError:
        from tasktui.cli import fail

        fail(EXTRA_MISSING, 2)
    import asyncio
    import logging

    from tasktui.db import open_database
    from tasktui.errors import Unavailable
    from tasktui.log_safety import log_redacted
    from tasktui.web.server import COOKIE_SECRET, WebConfig, serve

    st = state(ctx)
    url = st.settings.db
    open_database(url)
    database = str(url.path.resolve()) if url.path is not None else f"{url.scheme}://{url.rest}"
    # stderr: the server's log, one line per request and per session; aiohttp quotes a
    # malformed request's raw line (a token URL): redacted
    log_redacted(
        ("tasktui.web", "aiohttp.access", "aiohttp.server", "textual-serve"),
        logging.Formatter("%(asctime)s %(name)s: %(message)s"),
        extra=COOKIE_SECRET,
        level=logging.INFO,
    )
    config = WebConfig(database=database, listen=bind, public=public, max_sessions=max_sessions)

    def ready(address: str) -> None:
        shown = public.origin if public is not None else f"http://{address}"
        logging.getLogger("tasktui.web").info(
            "serving %s on %s (open a URL from `tasktui web token add LOGIN`; SIGTERM or Ctrl+C stops)",
            url,
            shown,
        )

    try:
        asyncio.run(serve(config, ready))
    except OSError as e:
        raise Unavailable(f"cannot listen on {listen}: {e.strerror or e}") from None


@token_app.command("add")
def token_add(
    ctx: typer.Context,
    login: str = typer.Argument(..., help="The user the token lets in."),
    listen: str = typer.Option(DEFAULT_LISTEN, "--listen", help="The server's --listen (for the printed URL)."),
    public_url: Optional[str] = typer.Option(None, "--public-url", help="The server's --public-url (for the URL)."),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
) -> None:
    """Add a login token for LOGIN: printed once, with the URL to open (stored hashed)."""
    from tasktui.services.web_tokens import add_token
    from tasktui.web.addresses import base_url, token_url

    check_format_in(fmt, ("table", "json"), command="web token add")
    bind, public = _addresses(listen, public_url)
    actor = state(ctx).open()
    new = add_token(login, actor=actor)
    url = token_url(base_url(bind, public), new.secret)
    if fmt == "json":
        typer.echo(formats.json_text({"id": new.info.id, "login": new.info.login, "token": new.secret, "url": url}))
        return
    typer.echo(
        f"token {new.info.id} for {new.info.login} (shown once; revoke with `tasktui web token revoke {new.info.id}`):"
    )
    typer.echo(new.secret)
    typer.echo(f"open: {url}")


@token_app.command("list")
def token_list(
    ctx: typer.Context,
    all_: bool = typer.Option(False, "--all", help="Include revoked tokens."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, json or csv."),
) -> None:
    """List login tokens (never their secrets)."""
    from tasktui.services.web_tokens import list_tokens

    check_format_in(fmt, ("table", "json", "csv"), command="web token list")
    state(ctx).open()
    rows = [
        {
            "id": t.id,
            "login": t.login,
            "created_at": formats.iso(t.created_at),
            "created_by": t.created_by,
            "last_used_at": formats.iso(t.last_used_at),
            "revoked_at": formats.iso(t.revoked_at),
        }
        for t in list_tokens(include_revoked=all_)
    ]
    if fmt == "json":
        typer.echo(formats.json_text(rows))
    elif rows:
        typer.echo(formats.render(rows, list(rows[0]), fmt))


@token_app.command("revoke")
def token_revoke(
    ctx: typer.Context,
    token_id: str = typer.Argument(..., help="The id `token list` shows."),
) -> None:
    """Revoke a token: it lets nobody in, and its open sessions end within seconds."""
    from tasktui.services.web_tokens import revoke_token

    number = parse_id(token_id, "token id")
    actor = state(ctx).open()
    info = revoke_token(number, actor=actor)
    typer.echo(f"revoked token {info.id} of {info.login}")


web_app.add_typer(token_app, name="token")


def register(app: typer.Typer) -> None:
    """Add `web ...` to the root app."""
    app.add_typer(web_app, name="web")
