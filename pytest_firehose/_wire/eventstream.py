"""The event-stream encoding (``application/vnd.amazon.eventstream``) of SubscribeToShard's
answer: one frame per event, written here and nowhere else.

A frame (the AWS SDKs' event-stream specification; botocore's ``botocore.eventstream``
reads it) is a 12-byte prelude (total length, headers length, both 32-bit big-endian, then
the CRC32 of those 8 bytes), the headers, the payload and the CRC32 of everything before
it. A header is its name's length (1 byte), the name, a type byte and the value; this
module writes the types an AWS service sends: booleans, longs, byte arrays and strings.

For a JSON service's event stream (Kinesis): the first frame is the ``initial-response``
event (the operation's output without its event stream, ``{}`` here), then one event per
``SubscribeToShardEvent``; a modelled error is an ``exception`` frame that names it in
``:exception-type``.
"""

from __future__ import annotations

import base64
import functools
import json
import struct
import zlib
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Any

from pytest_firehose._clock import epoch_seconds
from pytest_firehose._wire.codec import HttpResponse
from pytest_firehose._wire.shapes import operation_names, service_model

CONTENT_TYPE = "application/vnd.amazon.eventstream"

#: The largest headers section and payload a reader accepts (botocore's limits).
MAX_HEADERS_BYTES = 128 * 1024
MAX_PAYLOAD_BYTES = 24 * 1024 * 1024

_PRELUDE = struct.Struct(">II")
_CRC = struct.Struct(">I")
_TRUE, _FALSE, _LONG, _BYTES, _STRING = 0, 1, 5, 6, 7

HeaderValue = bool | int | bytes | str


def _header(name: str, value: HeaderValue) -> bytes:
    encoded_name = name.encode("utf-8")
    if not 0 < len(encoded_name) < 256:
        raise ValueError(f"an event-stream header name has 1 to 255 bytes: {name!r}")
    head = bytes((len(encoded_name),)) + encoded_name
    if isinstance(value, bool):  # before int: a bool is an int too
        return head + bytes((_TRUE if value else _FALSE,))
    if isinstance(value, int):
        return head + bytes((_LONG,)) + struct.pack(">q", value)
    raw = value if isinstance(value, bytes) else value.encode("utf-8")
    if len(raw) > 0xFFFF:
        raise ValueError(f"an event-stream header value has at most 65535 bytes: {name!r}")
    kind = _BYTES if isinstance(value, bytes) else _STRING
    return head + bytes((kind,)) + struct.pack(">H", len(raw)) + raw


def frame(headers: Mapping[str, HeaderValue], payload: bytes) -> bytes:
    """One event-stream message: prelude, headers, payload and both CRC32s."""
    section = b"".join(_header(name, value) for name, value in headers.items())
    if len(section) > MAX_HEADERS_BYTES or len(payload) > MAX_PAYLOAD_BYTES:
        raise ValueError("an event-stream message past the readers' size limits")
    total = _PRELUDE.size + _CRC.size + len(section) + len(payload) + _CRC.size
    prelude = _PRELUDE.pack(total, len(section))
    head = prelude + _CRC.pack(zlib.crc32(prelude)) + section + payload
    return head + _CRC.pack(zlib.crc32(head))


def _json_default(value: Any) -> Any:
    """Blobs as base64 and timestamps as epoch seconds, as in a JSON 1.1 body."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime):
        return epoch_seconds(value)
    raise TypeError(f"cannot put {type(value).__name__} in an event")


def _json(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":"), default=_json_default).encode("utf-8")


def event_frame(event_type: str, body: Mapping[str, Any]) -> bytes:
    """An event of a JSON service's stream: its members as JSON (blobs base64, timestamps
    epoch seconds, as in a JSON 1.1 body)."""
    return frame(
        {
            ":event-type": event_type,
            ":content-type": "application/json",
            ":message-type": "event",
        },
        _json(body),
    )


def initial_response() -> bytes:
    """The first frame of a JSON service's event stream: the rest of the operation's
    output, which for SubscribeToShard is empty."""
    return event_frame("initial-response", {})


def exception_frame(code: str, message: str) -> bytes:
    """A modelled error of the stream (``ResourceInUseException``, ``KMS...``,
    ``InternalFailureException``): botocore raises it as ``EventStreamError`` with that
    code and message."""
    return frame(
        {
            ":exception-type": code,
            ":content-type": "application/json",
            ":message-type": "exception",
        },
        _json({"message": message}),
    )


def _frames(events: Iterable[tuple[str, Mapping[str, Any], bool]]) -> Iterator[bytes]:
    for kind, body, error in events:
        yield (
            exception_frame(kind, str(body.get("message", "")))
            if error
            else event_frame(kind, body)
        )


def encode_event_stream(
    events: Iterable[tuple[str, Mapping[str, Any], bool]],
    *,
    request_id: str,
    extended_id: str,
    date: datetime,
) -> HttpResponse:
    """An event-stream answer: its head and the ``initial-response`` frame now, and one
    frame per event (type, members, whether it is an exception) as the reader pulls it.
    It has no ``Content-Length``: AWS's stream ends when the subscription does."""
    headers = {
        "x-amzn-RequestId": request_id,
        "x-amz-id-2": extended_id,
        "Content-Type": CONTENT_TYPE,
        "Date": format_datetime(date.astimezone(timezone.utc), usegmt=True),
    }
    return HttpResponse(200, initial_response(), headers, stream=_frames(events))


@functools.cache
def stream_errors(service: str, operation: str) -> frozenset[str]:
    """The modelled errors an operation's event stream carries (SubscribeToShard's:
    ``ResourceNotFoundException``, ``ResourceInUseException``, the KMS errors and
    ``InternalFailureException``); none for an operation without one."""
    api = service_model(service)
    if operation not in api.operation_names:
        return frozenset()
    output = api.operation_model(operation).output_shape
    streams = [
        member
        for member in (output.members.values() if output is not None else ())
        if member.serialization.get("eventstream")
    ]
    return frozenset(
        name
        for stream in streams
        for name, member in stream.members.items()
        if member.metadata.get("exception")
    )


@functools.cache
def stream_only_errors(service: str, operation: str) -> frozenset[str]:
    """The errors an operation's event stream carries that its answer never does (for
    SubscribeToShard: the KMS errors and ``InternalFailureException``): AWS sends them as
    an exception event once the stream is open, never as the HTTP answer."""
    if operation not in operation_names(service):
        return frozenset()
    model = service_model(service).operation_model(operation)
    answered = {error.name for error in model.error_shapes}
    return stream_errors(service, operation) - answered
