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


def test_invisible_characters_are_shown_and_joiners_kept():
    """Two titles that look alike may differ by a zero-width space, a word joiner or
    a BOM: a terminal shows where they are (and JSON escapes them). The joiners that
    shape scripts and emoji stay as they are; input keeps all of them."""
    assert visible_line("Pay\u200binvoice\u2060 \ufeff#12") == "Pay<U+200B>invoice<U+2060> <U+FEFF>#12"
    assert visible_text("a\u2063b\nc") == "a<U+2063>b\nc"
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467 \u0645\u200c\u06cc"  # ZWJ emoji, ZWNJ in Persian
    assert visible_line(family) == family
    assert json_safe('"Pay\u200binvoice"') == '"Pay\\u200binvoice"'
    assert clean_line("Pay\u200binvoice") == "Pay\u200binvoice"


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


def test_no_pattern_matches_a_printable_character():
    """The functions return printable text untouched without running a pattern:
    right only because every pattern needs a character `str.isprintable` rejects."""
    from tasktui import text_safety as ts

    classes = [ts._CONTROLS, ts._LINE_BREAKS, ts._UNSAFE, ts._UNSAFE_IN_LINE, ts._UNSAFE_IN_TEXT, ts._UNSAFE_IN_JSON]
    printable = "".join(c for c in map(chr, range(0x10000)) if c.isprintable())
    assert all(re.search(p, printable) is None for p in classes)
    # an escape sequence starts with ESC, CSI or another C1 introducer
    introducers = "\x1b\x9b\x90\x98\x9d\x9e\x9f"
    assert not any(c.isprintable() for c in introducers)
    assert all(re.match(ts._ESCAPE_SEQUENCE, c + "[0m]0;x\x07") is None for c in printable[:2000])


@given(anything)
@example(HOSTILE)
@example(HOSTILE_TEXT)
@example("plain text, printable only")
@example("two\nlines\twith a tab")
def test_the_shortcut_gives_what_the_patterns_give(text):
    """Each function equals its patterns applied to the text, printable or not."""
    from tasktui import text_safety as ts

    def sub(pattern, repl, value):
        return re.compile(pattern).sub(repl, value)

    escaped = sub(ts._ESCAPE_SEQUENCE, "", text)
    assert clean_line(text) == sub(ts._CONTROLS, "", sub(ts._LINE_BREAKS, " ", escaped))
    assert clean_text(text) == sub(ts._CONTROLS, "", escaped.replace("\r\n", "\n").replace("\r", "\n"))
    assert visible_line(text) == sub(ts._UNSAFE_IN_LINE, ts._picture, text.replace("\n", " ").replace("\t", " "))
    assert visible_text(text) == sub(ts._UNSAFE_IN_TEXT, ts._picture, text)
    assert strip_unsafe(text) == sub(ts._UNSAFE, "", text)
    assert ts.has_unsafe(text) == (re.search(ts._UNSAFE, text) is not None)
    assert json_safe(text) == sub(ts._UNSAFE_IN_JSON, lambda m: f"\\u{ord(m.group()):04x}", text)
