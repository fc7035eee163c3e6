"""The event-stream frames SubscribeToShard answers with, read back by botocore's own parser."""

from __future__ import annotations

import datetime
import zlib

import pytest
from botocore.eventstream import ChecksumMismatch, EventStreamBuffer
from hypothesis import given
from hypothesis import strategies as st

from pytest_firehose._wire.eventstream import (
    event_frame,
    exception_frame,
    frame,
    initial_response,
)

_NAMES = st.text(min_size=1, max_size=40).filter(lambda name: len(name.encode()) < 256)
_VALUES = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.binary(max_size=300),
    st.text(max_size=300),
)


def decoded(data: bytes, chunk: int = 0) -> list[object]:
    """The messages botocore reads from ``data``, fed whole or in ``chunk``-byte pieces."""
    reader = EventStreamBuffer()
    pieces = [data] if not chunk else [data[i : i + chunk] for i in range(0, len(data), chunk)]
    messages = []
    for piece in pieces:
        reader.add_data(piece)
        messages.extend(reader)
    return messages


@given(
    headers=st.dictionaries(_NAMES, _VALUES, max_size=6),
    payload=st.binary(max_size=2000),
    chunk=st.integers(min_value=0, max_value=64),
)
def test_every_frame_decodes_to_what_was_written(
    headers: dict[str, bool | int | bytes | str], payload: bytes, chunk: int
) -> None:
    (message,) = decoded(frame(headers, payload), chunk)
    assert message.headers == headers  # type: ignore[attr-defined]
    assert message.payload == payload  # type: ignore[attr-defined]


@given(payload=st.binary(min_size=1, max_size=200), flip=st.integers(min_value=0))
def test_a_changed_byte_is_caught_by_a_checksum(payload: bytes, flip: int) -> None:
    data = bytearray(frame({":message-type": "event"}, payload))
    # Anywhere past the lengths: a change there is a payload or header the CRCs cover.
    where = 8 + flip % (len(data) - 8)
    data[where] ^= 0x01
    with pytest.raises(ChecksumMismatch):
        decoded(bytes(data))


def test_frames_follow_each_other_in_one_stream() -> None:
    moment = datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc)
    stream = (
        initial_response()
        + event_frame("SubscribeToShardEvent", {"Records": [{"Data": b"a", "At": moment}]})
        + exception_frame("ResourceInUseException", "taken over")
    )
    first, second, third = decoded(stream, chunk=7)
    assert first.headers[":event-type"] == "initial-response"  # type: ignore[attr-defined]
    assert first.payload == b"{}"  # type: ignore[attr-defined]
    assert second.payload == b'{"Records":[{"Data":"YQ==","At":1767312000.0}]}'  # type: ignore[attr-defined]
    assert third.headers == {  # type: ignore[attr-defined]
        ":exception-type": "ResourceInUseException",
        ":content-type": "application/json",
        ":message-type": "exception",
    }
    assert third.payload == b'{"message":"taken over"}'  # type: ignore[attr-defined]


def test_the_message_checksum_covers_the_whole_frame() -> None:
    data = frame({"a": "b"}, b"payload")
    assert int.from_bytes(data[-4:], "big") == zlib.crc32(data[:-4])
    assert int.from_bytes(data[8:12], "big") == zlib.crc32(data[:8])


def test_a_header_name_past_255_bytes_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="1 to 255 bytes"):
        frame({"x" * 256: "y"}, b"")
