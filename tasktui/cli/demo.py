"""`tasktui demo`: fill the database with demo data to look around."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer

from tasktui.cli.state import state


@contextmanager
def _progress_bar(tasks: int) -> Iterator[Callable[[int, int], None] | None]:
    """A progress callback for `load_demo`: a bar on stderr when it is a terminal
    (a large demo takes a while), nothing otherwise (scripts, pipes, logs)."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("demo"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        bar_task = bar.add_task("demo", total=tasks + 1)

        def advance(done: int, total: int) -> None:
            bar.update(bar_task, completed=done, total=total)

        yield advance


def demo(
    ctx: typer.Context,
    tasks: int = typer.Option(300, "--tasks", "-n", min=1, max=100_000, help="How many demo tasks to raise."),
) -> None:
    """Load realistic users, groups, the shipped events and a few hundred tasks, all or
    nothing (running it again adds nothing)."""
    from tasktui.services.admin.demo import load_demo

    actor = state(ctx).open()
    with _progress_bar(tasks) as progress:
        result = load_demo(actor, tasks, progress=progress)
    typer.echo(result.summary())


def register(app: typer.Typer) -> None:
    """Add `demo` to the root command."""
    app.command("demo")(demo)
