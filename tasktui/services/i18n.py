"""The UI language of a user: English or German, remembered per user.

Precedence (see `config.resolve` and `context.acting_user`): `--lang` >
`TASKTUI_LANG` > the config file > the language remembered here > English. Event
names are shown in it, falling back to English where no German name exists."""

from __future__ import annotations

import dataclasses

from tasktui.config import LANGUAGES, check_lang
from tasktui.services.context import Actor, get_setting, set_setting

SETTING_KEY = "lang"
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch"}


def remembered_language(actor: Actor) -> str | None:
    """The language the user chose last (None when never chosen)."""
    value = get_setting(actor, SETTING_KEY)
    return value if value in LANGUAGES else None


def remember_language(actor: Actor, lang: str) -> Actor:
    """Store `lang` as the user's language (Invalid when unsupported) and return the
    actor acting in it."""
    set_setting(actor, SETTING_KEY, check_lang(lang))
    return dataclasses.replace(actor, lang=lang)


def next_language(lang: str) -> str:
    """The language after `lang` in LANGUAGES (for a toggle key)."""
    return LANGUAGES[(LANGUAGES.index(lang) + 1) % len(LANGUAGES)] if lang in LANGUAGES else LANGUAGES[0]
