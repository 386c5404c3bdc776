"""`tasktui lang`: the UI language is remembered per user, flags and env override it,
and event names follow it with fallback to English."""

from __future__ import annotations

import json

from tasktui.services.i18n import next_language


def _name_of(cli, identifier: str, *global_opts: str, user: str | None = None) -> str:
    result = cli(*global_opts, "event", "show", identifier, "--format", "json", user=user)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["name"]


def test_lang_shows_english_by_default(cli) -> None:
    result = cli("lang")
    assert result.exit_code == 0
    assert result.stdout.strip() == "en (English); none remembered for you yet"


def test_lang_is_remembered_per_user_and_names_follow(cli) -> None:
    assert cli("init").exit_code == 0
    result = cli("lang", "de")
    assert result.exit_code == 0
    assert result.stdout.strip() == "language for alice: de (Deutsch)"
    assert cli("lang").stdout.strip() == "de (Deutsch)"
    assert _name_of(cli, "stock_diff") == "Bestandsdifferenz"
    # another user still sees English
    assert _name_of(cli, "stock_diff", user="bob") == "Difference in stock"


def test_flag_and_env_override_the_remembered_language(cli) -> None:
    assert cli("init").exit_code == 0
    assert cli("lang", "de").exit_code == 0
    assert _name_of(cli, "stock_diff", "--lang", "en") == "Difference in stock"
    shown = cli("--lang", "en", "lang")
    assert "remembered for you: de, overridden" in shown.stdout
    env = cli.run("event", "show", "stock_diff", "--format", "json", env={"TASKTUI_LANG": "en"})
    assert env.exit_code == 0 and json.loads(env.stdout)["name"] == "Difference in stock"


def test_german_falls_back_to_english_without_a_german_name(cli) -> None:
    assert cli("event", "create", "own_event", "--name", "Only English").exit_code == 0
    assert _name_of(cli, "own_event", "--lang", "de") == "Only English"


def test_unknown_language_is_invalid_and_not_stored(cli) -> None:
    result = cli("lang", "fr")
    assert result.exit_code == 2
    assert result.stderr.strip() == "tasktui: error: unknown language 'fr': use one of en, de"
    assert "none remembered" in cli("lang").stdout


def test_next_language_cycles() -> None:
    assert next_language("en") == "de"
    assert next_language("de") == "en"
    assert next_language("xx") == "en"
