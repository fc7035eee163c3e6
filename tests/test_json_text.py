"""The JSON reader and writer the wire uses give what Python's json module gives: the same
values read from any body, the same bytes written for any answer they write."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_firehose._wire import jsontext

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner), max_leaves=25
)
PLAIN = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=25,
)


def same(read: Any, expected: Any) -> bool:
    """Equal values of equal types, dict keys in the same order, -0.0 told from 0.0."""
    if type(read) is not type(expected):
        return False
    if isinstance(expected, dict):
        return list(read) == list(expected) and all(same(read[k], expected[k]) for k in read)
    if isinstance(expected, list):
        return len(read) == len(expected) and all(map(same, read, expected))
    if isinstance(expected, float):
        return read == expected and math.copysign(1, read) == math.copysign(1, expected)
    return bool(read == expected)


@settings(max_examples=400)
@given(VALUES, st.booleans(), st.sampled_from([(",", ":"), (", ", ": ")]))
def test_any_body_reads_as_json_loads_reads_it(
    value: Any, ascii_only: bool, separators: tuple[str, str]
) -> None:
    body = json.dumps(value, ensure_ascii=ascii_only, separators=separators).encode("utf-8")
    assert same(jsontext.loads(body), json.loads(body))


@pytest.mark.parametrize(
    "body",
    [
        b'{"a": 1, "b": 2, "a": 3}',
        b'{"big": 123456789012345678901234567890, "small": -92233720368547758090}',
        b'{"huge": 1e400, "tiny": 1e-400, "neg": -0.0}',
        b"\xef\xbb\xbf" + b'{"bom": true}',
        '{"utf16": "\u00e9"}'.encode("utf-16"),
        b'"\\ud83d\\ude00"',
        b'"\\ud800"',
        b"[" * 300 + b"]" * 300,
    ],
    ids=["repeated-key", "big-ints", "out-of-range", "bom", "utf-16", "pair", "lone", "deep"],
)
def test_bodies_at_the_edges_read_as_json_loads_reads_them(body: bytes) -> None:
    assert same(jsontext.loads(body), json.loads(body))


@pytest.mark.parametrize("body", [b'{"a": NaN}', b"[Infinity]", b"-Infinity", b'"\x00"', b"{"])
def test_what_json_refuses_stays_refused(body: bytes) -> None:
    with pytest.raises(ValueError):
        jsontext.loads(body)


@settings(max_examples=400)
@given(PLAIN)
def test_a_plain_answer_is_written_as_json_dumps_writes_it(value: Any) -> None:
    assert jsontext.dumps_plain(value) == json.dumps(value, separators=(",", ":")).encode()


@pytest.mark.parametrize("text", ["\x7f", "\x00\x1f\b\f\n\r\t", '"\\/', "é ☃ \U0001f600", "\u2028"])
def test_text_json_escapes_is_written_as_json_writes_it(text: str) -> None:
    value = {text: [text]}
    assert jsontext.dumps_plain(value) == json.dumps(value, separators=(",", ":")).encode()
