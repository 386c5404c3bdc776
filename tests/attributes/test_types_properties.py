"""Property-based tests of the attribute value parsers and validators (hypothesis).

For every type: values survive a round trip through their canonical text, canonical
text is a fixed point of canonicalisation, accepted spellings of a value all give the
same canonical text, and any input at all either canonicalises or gives `Invalid`
naming the attribute, the value and the expected type - never another exception.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tasktui.errors import Invalid
from tasktui.services.attributes.types import (
    EXPECTED,
    INT_MAX,
    INT_MIN,
    TYPES,
    URL_SCHEMES,
    canonical,
    canonicalise,
    expected,
    json_value,
    parse,
)

CHOICES = ["red", "green", "Light Blue"]
offsets = st.integers(-(23 * 60 + 59), 23 * 60 + 59).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))
texts = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\n\t"), max_size=200)
decimals = st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**20), max_value=10**20, places=12)
hosts = st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z][a-z0-9]{1,10}){0,3}", fullmatch=True)
values_by_type = {
    "text": texts.map(str.strip),
    "integer": st.integers(INT_MIN, INT_MAX),
    "decimal": decimals,
    "boolean": st.booleans(),
    "date": st.dates(),
    "datetime": st.one_of(
        st.datetimes(),
        st.datetimes(min_value=dt.datetime(2, 1, 1), max_value=dt.datetime(9998, 12, 31), timezones=offsets),
    ),
    "choice": st.sampled_from(CHOICES),
    "url": st.builds(
        lambda scheme, host, path: f"{scheme}://{host}{path}",
        st.sampled_from([s for s in URL_SCHEMES if s != "mailto"]),
        hosts,
        st.from_regex(r"(/[A-Za-z0-9._~%-]{0,12}){0,3}(\?[a-z]=[0-9]{1,3})?", fullmatch=True),
    )
    | st.builds(lambda user, host: f"mailto:{user}@{host}", st.from_regex(r"[a-z0-9.]{1,12}", fullmatch=True), hosts),
}


@pytest.mark.parametrize("type_name", TYPES)
@given(data=st.data())
def test_round_trip_through_canonical_text(type_name, data):
    """parse(canonical(x)) == x, and canonical text is a fixed point."""
    value = data.draw(values_by_type[type_name])
    text = canonical(type_name, value)
    assert parse(type_name, text, CHOICES) == value
    assert canonicalise("k", type_name, text, CHOICES) == text


@pytest.mark.parametrize("type_name", TYPES)
@given(raw=st.text(max_size=80))
@example(raw="")
@example(raw="NaN")
@example(raw="Infinity")
@example(raw="1e999999")
@example(raw="9" * 5000)
@example(raw="9999-12-31T23:59:59-01:00")
@example(raw="0001-01-01T00:00:00+01:00")
@example(raw="http://[::1")
@example(raw="http://host:99999/")
@example(raw="2024-02-30")
@example(raw="\x00")
def test_any_input_canonicalises_or_is_invalid_naming_attribute_and_type(type_name, raw):
    try:
        text = canonicalise("qty", type_name, raw, CHOICES)
    except Invalid as e:
        message = str(e)
        assert message.startswith("attribute 'qty': ")
        assert f"is not {expected(type_name, CHOICES)}" in message
        assert repr(raw if len(raw) <= 60 else raw[:57] + "...") in message
    else:
        assert canonicalise("qty", type_name, text, CHOICES) == text


@given(
    value=st.integers(INT_MIN, INT_MAX),
    zeros=st.integers(0, 3),
    plus=st.booleans(),
    pad=st.sampled_from(["", " ", "\t"]),
)
def test_integer_spellings_share_one_canonical_text(value, zeros, plus, pad):
    sign = "-" if value < 0 else ("+" if plus else "")
    raw = f"{pad}{sign}{'0' * zeros}{abs(value)}{pad}"
    assert canonicalise("qty", "integer", raw) == str(value)


@given(value=st.integers(INT_MAX + 1, 10**40) | st.integers(-(10**40), INT_MIN - 1))
def test_integers_outside_64_bits_are_invalid(value):
    with pytest.raises(Invalid, match="is not an integer"):
        canonicalise("qty", "integer", str(value))


@given(value=decimals, trailing=st.integers(0, 4))
def test_decimal_spellings_share_one_canonical_text(value, trailing):
    plain = format(value, "f")
    raw = plain + ("" if "." in plain else ".") + "0" * trailing
    text = canonicalise("price", "decimal", raw)
    assert Decimal(text) == value
    assert "e" not in text.lower()
    assert text == "0" or not (("." in text and text.endswith("0")) or text.endswith("."))
    assert canonicalise("price", "decimal", f"{value:e}") == text or Decimal(f"{value:e}") != value


@given(value=st.booleans(), word=st.integers(0, 3), data=st.data())
def test_boolean_words_in_any_case(value, word, data):
    spelling = (("true", "yes", "on", "1") if value else ("false", "no", "off", "0"))[word]
    cased = "".join(c.upper() if data.draw(st.booleans()) else c for c in spelling)
    assert canonicalise("ok", "boolean", cased) == ("true" if value else "false")


@given(value=st.datetimes(min_value=dt.datetime(2, 1, 1), max_value=dt.datetime(9998, 12, 31), timezones=offsets))
def test_datetimes_with_an_offset_are_stored_in_utc(value):
    text = canonicalise("at", "datetime", value.isoformat())
    assert text.endswith("Z")
    assert parse("datetime", text) == value
    assert dt.datetime.fromisoformat(text[:-1]) == value.astimezone(dt.UTC).replace(tzinfo=None)


@given(value=st.datetimes())
def test_datetimes_without_offset_keep_their_wall_clock_time(value):
    text = canonicalise("at", "datetime", value.isoformat(sep=" "))
    assert not text.endswith("Z")
    assert dt.datetime.fromisoformat(text) == value


@given(choice=st.sampled_from(CHOICES), data=st.data())
def test_choices_match_case_insensitively_and_store_their_own_spelling(choice, data):
    cased = "".join(c.upper() if data.draw(st.booleans()) else c.lower() for c in choice)
    assert canonicalise("colour", "choice", f" {cased} ", CHOICES) == choice


@given(value=st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-(10**12), max_value=10**12))
def test_json_decimals_are_numbers_only_when_no_precision_is_lost(value):
    text = canonical("decimal", value)
    out = json_value("decimal", text)
    if isinstance(out, float):
        assert Decimal(repr(out)) == Decimal(text)
    else:
        assert out == text


def test_examples_and_messages():
    assert canonicalise("qty", "integer", "007") == "7"
    with pytest.raises(Invalid, match=r"^attribute 'qty': 'abc' is not an integer$"):
        canonicalise("qty", "integer", "abc")
    assert canonicalise("price", "decimal", "1e3") == "1000"
    assert canonicalise("price", "decimal", "-0.00") == "0"
    assert canonicalise("at", "datetime", "2024-05-01T12:00+02:00") == "2024-05-01T10:00:00Z"
    assert canonicalise("at", "datetime", "2024-05-01 12:00:00.5") == "2024-05-01T12:00:00.500000"
    assert canonicalise("site", "url", "HTTPS://Example.com/a?b=1") == "https://Example.com/a?b=1"
    for bad in ("example.com", "javascript:alert(1)", "http://", "mailto:nobody", "http://exa mple.com"):
        with pytest.raises(Invalid, match="is not a URL"):
            canonicalise("site", "url", bad)
    with pytest.raises(Invalid, match=r"is not one of: red, green, Light Blue"):
        canonicalise("colour", "choice", "purple", CHOICES)
    assert json_value("integer", "7") == 7 and json_value("boolean", "false") is False
    assert json_value("decimal", "1.5") == 1.5
    assert json_value("decimal", "12345678901234567890.123") == "12345678901234567890.123"
    assert json_value("date", "2024-05-01") == "2024-05-01"
    assert set(EXPECTED) == set(TYPES)
