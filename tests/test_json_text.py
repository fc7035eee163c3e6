"""The JSON reader and writer the wire uses give what Python's json module gives: the same
values read from any body, the same bytes written for any answer they write."""

from __future__ import annotations

import base64
import json
import math
import re
from datetime import datetime, timezone
from typing import Any

import pytest
from botocore.model import ShapeResolver
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_firehose._clock import epoch_seconds
from pytest_firehose._wire import jsontext
from pytest_firehose._wire.shapes import operation_model

LIST_STREAMS = operation_model("kinesis", "ListStreams").output_shape
GET_RECORDS = operation_model("kinesis", "GetRecords").output_shape

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


@settings(max_examples=examples(400))
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


@settings(max_examples=examples(400))
@given(st.lists(st.text()), st.booleans(), st.text())
def test_a_plain_answer_is_written_as_json_dumps_writes_it(
    names: list[str], more: bool, token: str
) -> None:
    value = {"StreamNames": names, "HasMoreStreams": more, "NextToken": token}
    written = jsontext.fast_answer(value, LIST_STREAMS)
    if written is not None:
        assert written == json.dumps(value, separators=(",", ":")).encode()
    else:  # text past ASCII's printable characters, which json escapes its own way
        assert max(json.dumps(value, ensure_ascii=False)) >= "\x7f"


@pytest.mark.parametrize("text", ["\x7f", "é ☃ \U0001f600", "\u2028"])
def test_text_past_printable_ascii_is_left_to_json(text: str) -> None:
    assert jsontext.fast_answer({"StreamNames": [text]}, LIST_STREAMS) is None


@pytest.mark.parametrize("text", ["\x00\x1f\b\f\n\r\t", '"\\/'])
def test_escapes_within_ascii_are_written_as_json_writes_them(text: str) -> None:
    value = {"StreamNames": [text]}
    expected = json.dumps(value, separators=(",", ":")).encode()
    assert jsontext.fast_answer(value, LIST_STREAMS) == expected


def test_a_member_the_shape_lacks_is_left_to_json() -> None:
    assert jsontext.fast_answer({"StreamNames": [], "Other": 1}, LIST_STREAMS) is None


def _record(at: datetime, data: Any, **more: Any) -> dict[str, Any]:
    return {"SequenceNumber": "1", "ApproximateArrivalTimestamp": at, "Data": data, **more}


@settings(max_examples=examples(200))
@given(
    st.lists(
        st.builds(
            _record,
            st.datetimes(timezones=st.just(timezone.utc)),
            st.binary(max_size=20) | st.text(alphabet="AB+/=", max_size=8),
            PartitionKey=st.text(alphabet=st.characters(max_codepoint=126), max_size=5),
        ),
        max_size=5,
    ),
    st.integers(min_value=0, max_value=2**60),
)
def test_an_answer_with_times_and_bytes_is_written_as_json_dumps_writes_it(
    records: list[dict[str, Any]], millis: int
) -> None:
    answer = {"Records": records, "MillisBehindLatest": millis}
    written = jsontext.fast_answer(answer, GET_RECORDS)
    if written is not None:
        assert written == jsontext.dumps(answer, default)


def default(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    assert isinstance(value, datetime)
    return epoch_seconds(value)


def test_floats_msgspec_would_write_otherwise_are_written_as_json_writes_them() -> None:
    records = [_record(seconds, "") for seconds in (1e16, 1e-05, 1.5e300, 0.1, -0.0)]
    written = jsontext.fast_answer({"Records": records}, GET_RECORDS)
    assert written is not None
    stamps = re.findall(rb'"ApproximateArrivalTimestamp":([^,]*),', written)
    assert stamps == [b"1e+16", b"1e-05", b"1.5e+300", b"0.1", b"-0.0"]


def test_a_structure_met_twice_in_one_answer_has_its_times_written_both_times() -> None:
    resolver = ShapeResolver(
        {
            "Answer": {
                "type": "structure",
                "members": {"First": {"shape": "Span"}, "Second": {"shape": "Span"}},
            },
            "Span": {"type": "structure", "members": {"At": {"shape": "Time"}}},
            "Time": {"type": "timestamp"},
        }
    )
    at = datetime(2024, 3, 1, tzinfo=timezone.utc)
    answer = {"First": {"At": at}, "Second": {"At": at}}

    written = jsontext.fast_answer(answer, resolver.get_shape_by_name("Answer"))

    assert written == b'{"First":{"At":1709251200.0},"Second":{"At":1709251200.0}}'
