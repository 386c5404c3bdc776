"""`tasktui intake serve` and `tasktui intake source add|list|show|remove|rotate`.

The server needs the optional extra `intake` (aiohttp): without it, `serve` is one
error line naming the extra (exit 2). The source commands need nothing extra.
"""

from __future__ import annotations

from typing import Optional

import typer

from tasktui import formats
from tasktui.cli.state import check_format_in, state
from tasktui.errors import Invalid
from tasktui.limits import MAX_INTAKE_BODY, MAX_INTAKE_QUEUE

intake_app = typer.Typer(help="The HTTP intake: monitoring systems raise and resolve tasks.", no_args_is_help=True)
source_app = typer.Typer(help="Senders of the intake and their tokens.", no_args_is_help=True)
intake_app.add_typer(source_app, name="source")

SOURCE_COLUMNS = ["name", "kind", "default_event", "routes", "on_resolve", "raises", "resolves", "token_set_at"]


@intake_app.command("serve")
def serve(
    ctx: typer.Context,
    listen: str = typer.Option("127.0.0.1:8087", "--listen", help="HOST:PORT to listen on (default loopback only)."),
    metrics_listen: Optional[str] = typer.Option(
        None, "--metrics-listen", help="Also serve /metrics without a token on this HOST:PORT."
    ),
    max_body: int = typer.Option(
        MAX_INTAKE_BODY, "--max-body", min=1024, max=64 * 1024 * 1024, help="Body limit in bytes."
    ),
    lock_wait: float = typer.Option(
        5.0, "--lock-wait", min=0.05, max=60, help="Seconds a write waits for another writer before replying 503."
    ),
    max_queue: int = typer.Option(
        MAX_INTAKE_QUEUE,
        "--max-queue",
        min=1,
        max=100_000,
        help="Requests that may wait for the database; more get 503.",
    ),
) -> None:
    """Serve the intake until SIGTERM: POST /intake/alertmanager, /v2/enqueue, /intake/json;
    GET /healthz, /metrics. One line per request on stderr."""
    from tasktui.intake.listen import parse_listen

    address = parse_listen(listen)
    metrics_address = parse_listen(metrics_listen) if metrics_listen else None
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        raise Invalid(
            "tasktui intake serve needs the optional extra 'intake' (aiohttp): pip install 'tasktui[intake]'"
        ) from None
    from tasktui.intake.server import serve as run_server

    state(ctx).open()
    try:
        import asyncio

        asyncio.run(run_server(address, metrics_address, max_body=max_body, lock_wait=lock_wait, max_queue=max_queue))
    except OSError as e:  # the address is taken or not ours
        raise Invalid(f"cannot listen on {listen}: {e.strerror or e}") from None


def _print_sources(sources: list, fmt: str) -> None:
    rows = [s.as_dict() for s in sources]
    if fmt != "json":
        rows = [{**r, "routes": " ".join(r["routes"]) or ("-" if fmt == "table" else "")} for r in rows]
    text = formats.render(rows, SOURCE_COLUMNS, fmt, id_key="name")
    if text:
        typer.echo(text)


@source_app.command("add")
def source_add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Source name (also the acting user of its raises)."),
    kind: str = typer.Option(..., "--kind", help="alertmanager (also Grafana), pagerduty or json."),
    event: str = typer.Option(..., "--event", help="The event raised by default."),
    routes: list[str] = typer.Option([], "--route", help="LABEL=VALUE:EVENT, first match wins (repeatable)."),
    on_resolve: str = typer.Option("done", "--on-resolve", help="What a resolve does: done, comment or ignore."),
    fmt: str = typer.Option("table", "--format", "-f", help="Output format: table or json."),
) -> None:
    """Add a source and print its token, once (only a hash is stored)."""
    from tasktui.services.intake.sources import add_source

    check_format_in(fmt, command="intake source add")
    actor = state(ctx).open()
    info, token = add_source(actor, name, kind, event, routes, on_resolve)
    _print_token(info.name, token, fmt, "added")


def _print_token(name: str, token: str, fmt: str, what: str) -> None:
    if fmt == "json":
        typer.echo(formats.json_text({"name": name, "token": token}))
    else:
        typer.echo(f"{what} intake source {name}; its token (shown only now):")
        typer.echo(token)


@source_app.command("list")
def source_list(
    ctx: typer.Context, fmt: str = typer.Option("table", "--format", "-f", help="Output format: table, json or csv.")
) -> None:
    """List the sources (never their tokens)."""
    from tasktui.services.intake.sources import list_sources

    check_format_in(fmt, ("table", "json", "csv"), command="intake source list")
    state(ctx).open()
    _print_sources(list_sources(), fmt)


@source_app.command("show")
def source_show(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Source name."),
    fmt: str = typer.Option("table", "--format", "-f", help="Output format: table or json."),
) -> None:
    """Show one source."""
    from tasktui.services.intake.sources import get_source
    from tasktui.text_safety import visible_line

    check_format_in(fmt, command="intake source show")
    state(ctx).open()
    data = get_source(name).as_dict()
    if fmt == "json":
        typer.echo(formats.json_text(data))
        return
    for key, value in data.items():
        shown = " ".join(value) if isinstance(value, list) else str(value)
        typer.echo(f"{key}: {visible_line(shown) or '-'}")


@source_app.command("remove")
def source_remove(ctx: typer.Context, name: str = typer.Argument(..., help="Source name.")) -> None:
    """Remove a source: its token stops working at once."""
    from tasktui.services.intake.sources import remove_source

    actor = state(ctx).open()
    typer.echo(f"removed intake source {remove_source(actor, name).name}")


@source_app.command("rotate")
def source_rotate(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Source name."),
    fmt: str = typer.Option("table", "--format", "-f", help="Output format: table or json."),
) -> None:
    """Give a source a new token (printed once); the old one stops working at once."""
    from tasktui.services.intake.sources import rotate_token

    check_format_in(fmt, command="intake source rotate")
    actor = state(ctx).open()
    info, token = rotate_token(actor, name)
    _print_token(info.name, token, fmt, "rotated the token of")


def register(app: typer.Typer) -> None:
    """Add these commands to the root app."""
    app.add_typer(intake_app, name="intake")
