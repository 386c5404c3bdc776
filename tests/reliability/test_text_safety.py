"""The cleaners and the visible rendering of text_safety, on hostile and on random text."""

from __future__ import annotations

import json
import re

from hypothesis import example, given
from hypothesis import strategies as st

from tasktui.text_safety import clean_line, clean_text, csv_cell, json_safe, strip_unsafe, visible_line, visible_text
from tests.hostile_text import HOSTILE, HOSTILE_TEXT, OSC52, RLO

CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # tab and newline allowed
anything = st.text(alphabet=st.characters(codec="utf-8"), max_size=60)


def test_escape_sequences_go_whole_and_line_breaks_follow_the_field():
    assert clean_line(HOSTILE) == f"Order 1234 failed red over{RLO}txt.exe"
    assert clean_text(HOSTILE_TEXT) == f"first line\nsecond line\nthird{RLO} line"
    assert clean_text("a\tb\r\nc\rd\x00e") == "a\tb\nc\nde"
    assert clean_line("a\tb\r\nc\x7fd\x85e") == "a b cd e"
    assert clean_text("a\u2028b\x85c\x84") == "a\u2028b\x85c"  # line separators stay
    # an unterminated OSC loses its introducer, not the rest of the text
    assert clean_line("x\x1b]0;title") == "x0;title"


def test_visible_rendering_shows_what_was_there():
    assert visible_line(f"a{OSC52}\r\n\tb{RLO}\x9b\x7f") == "a␛]52;c;cHduZWQ=␇␍  b<U+202E><U+009B>␡"
    assert visible_text("one\n\ttwo\x1b[2J\r") == "one\n\ttwo␛[2J␍"


@given(anything)
@example(HOSTILE)
@example(HOSTILE_TEXT)
def test_cleaned_text_has_no_control_and_cleaning_twice_changes_nothing(text):
    line, multi = clean_line(text), clean_text(text)
    assert not CONTROLS.search(line) and "\n" not in line and "\t" not in line
    assert not CONTROLS.search(multi.replace("\x85", ""))
    assert (clean_line(line), clean_text(multi)) == (line, multi)


@given(anything)
@example(HOSTILE)
def test_visible_and_json_output_never_hold_a_raw_unsafe_character(text):
    assert strip_unsafe(visible_line(text)) == visible_line(text)
    assert strip_unsafe(visible_text(text).replace("\n", "").replace("\t", "")) == visible_text(text).replace(
        "\n", ""
    ).replace("\t", "")
    dumped = json_safe(json.dumps({"t": text}, ensure_ascii=False, indent=2))
    assert strip_unsafe(dumped.replace("\n", "")) == dumped.replace("\n", "")
    assert json.loads(dumped) == {"t": text}


def test_csv_cells_lose_formula_power():
    assert [csv_cell(v) for v in ("=1+1", "+1", "-1", "@A1", "\tx", "ok", "a=b")] == [
        "'=1+1", "'+1", "'-1", "'@A1", "'\tx", "ok", "a=b"
    ]  # fmt: skip
    assert csv_cell(f"x{OSC52}") == "x␛]52;c;cHduZWQ=␇"


ascii_text = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x7F), max_size=60)


@given(st.one_of(ascii_text, anything))
@example("plain title")
@example("two\nlines\twith a tab")
@example("escape \x1b[31m red")
@example("carriage\r\nreturn")
@example("del\x7f")
def test_the_raise_paths_fast_path_for_plain_text_cleans_exactly_like_text_safety(text):
    """`raise_plan` skips the regular expressions for plain ASCII (a big batch's common
    case): its results must be exactly those of the cleaners, for any text."""
    from tasktui.errors import Invalid
    from tasktui.limits import MAX_TITLE
    from tasktui.services.tasks.raise_plan import _plain_line, _plain_text, check_title, clean_task_text

    assert clean_task_text(text, text) == (clean_text(text), clean_line(text).strip())
    if _plain_line(text):
        assert clean_line(text) == text
    if _plain_text(text):
        assert clean_text(text) == text
    stripped = text.strip()
    expected = None if "\n" in stripped else clean_line(stripped).strip()
    try:
        title = check_title(text)
    except Invalid:
        assert expected is None or not expected or len(expected) > MAX_TITLE
    else:
        assert title == expected
