"""`tasktui demo`: fill the database with demo data to look around."""

from __future__ import annotations

import typer

from tasktui.cli.state import state


def demo(
    ctx: typer.Context,
    tasks: int = typer.Option(300, "--tasks", "-n", min=1, max=100_000, help="How many demo tasks to raise."),
) -> None:
    """Load realistic users, groups, the shipped events and a few hundred tasks
    (running it again adds nothing)."""
    from tasktui.services.demo import load_demo

    actor = state(ctx).open()
    typer.echo(load_demo(actor, tasks).summary())


def register(app: typer.Typer) -> None:
    """Add `demo` to the root command."""
    app.command("demo")(demo)
