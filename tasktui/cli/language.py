"""`tasktui lang [en|de]`: show or remember the acting user's UI language."""

from __future__ import annotations

from typing import Optional

import typer

from tasktui.cli.state import state


def lang(
    ctx: typer.Context,
    language: Optional[str] = typer.Argument(None, help="en or de; without it, show the current language."),
) -> None:
    """Show or set your UI language (remembered per user; --lang and TASKTUI_LANG
    override it for one run). Event names are shown in it, falling back to English."""
    from tasktui.config import check_lang
    from tasktui.services.i18n import LANGUAGE_NAMES, remember_language, remembered_language

    st = state(ctx)
    if language is not None:
        check_lang(language)
    actor = st.open()
    if language is None:
        remembered = remembered_language(actor)
        line = f"{actor.lang} ({LANGUAGE_NAMES[actor.lang]})"
        if remembered is None:
            line += "; none remembered for you yet"
        elif remembered != actor.lang:
            line += f"; remembered for you: {remembered}, overridden by --lang, TASKTUI_LANG or the config file"
        typer.echo(line)
        return
    remember_language(actor, language)
    typer.echo(f"language for {actor.login}: {language} ({LANGUAGE_NAMES[language]})")


def register(app: typer.Typer) -> None:
    """Add the command to the root app."""
    app.command("lang")(lang)
