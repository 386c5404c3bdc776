"""`json_stream.iter_json_array` (the reader of `tasktui import`) reads any JSON
array item by item exactly as `json.loads` reads it whole — whatever the chunk size
cuts through — and refuses bad or oversized input with one `Invalid`."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasktui import json_stream
from tasktui.errors import Invalid
from tasktui.json_stream import NotAnArray, NotJson, iter_json_array

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)


def _read(data: bytes, max_item: int = 10_000) -> list:
    return list(iter_json_array(io.BytesIO(data), max_item, "f.json"))


@settings(max_examples=200, deadline=None)
@given(items=st.lists(values, max_size=8), chunk=st.integers(1, 40), indent=st.sampled_from([None, 0, 2]))
def test_items_are_read_as_json_loads_reads_the_whole(items, chunk, indent):
    text = json.dumps(items, indent=indent, ensure_ascii=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(json_stream, "CHUNK", chunk)
        assert _read(text.encode()) == json.loads(text)


@pytest.fixture
def monkeypatch_chunk(monkeypatch):
    """Set the reader's chunk size (small chunks cut values, strings and escapes)."""
    return lambda size: monkeypatch.setattr(json_stream, "CHUNK", size)


BAD = {
    b"": "not JSON (Expecting value at line 1, column 1)",
    b"{oops": "not JSON (Expecting property name enclosed in double quotes at line 1, column 2)",
    b'[1,\n2,\n{"a" 3}]': "not JSON (Expecting ':' delimiter at line 3, column 6)",
    b"[1, 2": "not JSON (the array is not closed)",
    b"[1 2]": "not JSON (expected ',' or ']' after record 1)",
    b"[1] x": "not JSON (extra data after the array)",
    b"\x00" * 100: "not JSON (Expecting value at line 1, column 1)",
    b'[1, "\xff"]': "not UTF-8 text (byte 6)",
    b"[" + b"[" * 100_000: "record 1 is nested too deeply",
    b"[" + b"9" * 5000 + b"]": "record 1 holds a number too long to read",
    b'[1, "' + b"x" * 20_000 + b'"]': "record 2 is larger than the limit of 10,000 characters",
    b"[" + b" " * 20_000 + b"1]": "more than 10,000 characters of white space in a row",
}


@pytest.mark.parametrize("data", list(BAD), ids=[repr(k[:12]) for k in BAD])
@pytest.mark.parametrize("chunk", [7, 65536])
def test_bad_input_is_one_invalid(monkeypatch_chunk, data, chunk):
    monkeypatch_chunk(chunk)
    with pytest.raises(Invalid) as caught:
        _read(data)
    assert str(caught.value) == f"f.json: {BAD[data]}"


def test_another_top_level_value_says_what_it_is_and_keeps_the_head():
    with pytest.raises(NotAnArray) as caught:
        _read(b'{"tasks": []}')
    assert caught.value.value == {"tasks": []}
    with pytest.raises(NotJson) as not_json:
        _read(b"id,created_at,status\n1,2,3\n")
    assert not_json.value.head.startswith("id,created_at,")
