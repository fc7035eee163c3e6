"""The AWS JSON 1.1 wire codec: the only module that knows how requests and answers look.

Requests arrive as ``POST /`` with ``X-Amz-Target: <prefix>.<Operation>`` and a JSON body
(or a CBOR one, ``application/x-amz-cbor-1.1``: ``cbor.py``); answers are bodies in the
request's form with ``x-amzn-RequestId`` and ``x-amz-id-2`` headers, errors carry
``{"__type": code, "message": text}`` and the error's HTTP status. An operation whose output
is empty answers an empty body, as AWS does. Where a request goes (service, operation,
region) is read in ``routing.py``; what the server answers before any service sees a
request (signatures, CORS, other content types) in ``front.py``.
"""

from __future__ import annotations

import base64
import functools
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from json.encoder import encode_basestring_ascii
from typing import Any, NamedTuple

from botocore.model import Shape
from botocore.serialize import create_serializer

from pytest_firehose._clock import epoch_seconds
from pytest_firehose._errors import ServiceError, UsageError
from pytest_firehose._wire import cbor, jsontext
from pytest_firehose._wire.conformance import conforms
from pytest_firehose._wire.shapes import decode_input, operation_model

CONTENT_TYPE = "application/x-amz-json-1.1"
CBOR_CONTENT_TYPE = cbor.CBOR_CONTENT_TYPE

#: X-Amz-Target prefix -> service name, from the services' API models.
TARGET_PREFIXES = {"Firehose_20150804": "firehose", "Kinesis_20131202": "kinesis"}
SERVICE_TARGETS = {service: prefix for prefix, service in TARGET_PREFIXES.items()}


class HttpRequest(NamedTuple):
    """One HTTP request as it left the client (a named tuple: one is made for every
    request). Header names are lower case.

    ``read_timeout`` is how long the client waits for an answer, in seconds, where known.
    ``serialized``: the body is, byte for byte, what botocore's serializer wrote (no hook
    replaced it), so its blobs are canonical base64; ``written``: the JSON value it wrote
    that body from, when known (what reading the body gives, but for an escape).
    """

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes
    read_timeout: float | None = None
    serialized: bool = False
    written: Any = None


#: ``HttpRequest(*fields)`` (all seven) without the named tuple's ``__new__``, a Python
#: function: the in-process door makes one for every request.
new_request: Callable[
    [tuple[str, str, Mapping[str, str], bytes, float | None, bool, Any]], HttpRequest
] = functools.partial(tuple.__new__, HttpRequest)


#: The request headers the engine reads (routing: ``routing.py``; the body's media type;
#: the front end's signature check: ``front.py``): a door may hand it only these.
READ_HEADERS = (
    "authorization",
    "x-amz-target",
    "amz-sdk-request",
    "amz-sdk-invocation-id",
    "content-type",
    "x-amz-date",
    "date",
)


def media_of(headers: Mapping[str, str]) -> str:
    """The content type a request's answer is written in: CBOR for a CBOR request (when
    ``cbor2`` can write it), JSON 1.1 otherwise."""
    sent = headers.get("content-type", "")
    if sent == CONTENT_TYPE:  # as botocore writes it: nothing to take off
        return CONTENT_TYPE
    sent = sent.split(";")[0].strip().lower()
    return CBOR_CONTENT_TYPE if sent == CBOR_CONTENT_TYPE and cbor.available() else CONTENT_TYPE


def is_cbor(headers: Mapping[str, str]) -> bool:
    """Whether the request's body is CBOR."""
    sent = headers.get("content-type", "")
    return sent != CONTENT_TYPE and sent.split(";")[0].strip().lower() == CBOR_CONTENT_TYPE


@dataclass(frozen=True)
class HttpResponse:
    """An answer. ``stream``: the rest of a streaming answer (an event stream), produced
    as the reader pulls it, after ``body``."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    stream: Iterator[bytes] | None = None

    def __init__(
        self,
        status: int,
        body: bytes,
        headers: dict[str, str] | None = None,
        stream: Iterator[bytes] | None = None,
    ) -> None:
        # The frozen dataclass's own ``__init__`` sets each field through
        # ``object.__setattr__``: one call here instead of four (one answer a request).
        object.__setattr__(
            self,
            "__dict__",
            {
                "status": status,
                "body": body,
                "headers": {} if headers is None else headers,
                "stream": stream,
            },
        )


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _parse(body: bytes) -> Any:
    """The JSON of ``body``, or ``None`` when the front end cannot read it: not JSON (NaN
    and Infinity are not), nested deeper than a parser goes, or holding a string with an
    unpaired UTF-16 surrogate, which no UTF-8 text can carry."""
    try:
        raw = jsontext.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    # A lone surrogate can only come from an escape such as \uD800: look only then (a
    # backslash is rare in botocore's bodies, and looking for one costs next to nothing).
    if b"\\" in body and _SURROGATE_ESCAPE.search(body) and _has_lone_surrogate(raw):
        return None
    return raw


#: Per thread, the last body ``parses`` read and what it read: the server's front end asks
#: first, and ``decode_request`` then takes the value instead of parsing the body again.
_READ = threading.local()


def parses(body: bytes, *, cbor_body: bool = False) -> bool:
    """Whether ``body`` is one JSON (or CBOR) object, as a request's body must be."""
    raw = cbor.parse(body) if cbor_body else _parse(body)
    _READ.last = (body, cbor_body, raw)
    return isinstance(raw, dict)


def _read(body: bytes, cbor_body: bool) -> Any:
    """What ``body`` reads as: ``parses``'s value when it read this very body last in this
    thread (taken once: decoding changes it), else parsed now."""
    last = getattr(_READ, "last", None)
    if last is not None:
        _READ.last = None
        if last[0] is body and last[1] == cbor_body:
            return last[2]
    return _parse_cbor(body) if cbor_body else _parse(body)


def _has_lone_surrogate(raw: Any) -> bool:
    pending = [raw]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str) and not _encodable(value):
            return True
    return False


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def decode_request(
    service: str,
    operation: str,
    body: bytes,
    *,
    cbor_body: bool = False,
    serialized: bool = False,
    written: Any = None,
) -> tuple[dict[str, Any], bool]:
    """Typed parameters of a request, or the ``SerializationException`` AWS answers with,
    and whether they are known to be valid already (so ``validate_input`` can be skipped).

    A body that needs no converting (an SDK's, nearly always) is checked in one read-only
    pass (``conforms``), which checks everything the full decoding would; any other is
    decoded and left for ``validate_input``, which words the errors.
    ``cbor_body``: the body is CBOR (refused with the extra to install when ``cbor2`` is
    missing). ``serialized``: the body is what botocore's serializer wrote, unchanged: its
    base64 needs no checking (every other constraint is still checked). ``written``: the
    JSON value botocore wrote the body from, taken for what reading it would give when the
    body holds no escape (one may hide a lone surrogate, which reading refuses) and passes
    the one-pass check (which refuses NaN and infinities, written but never read).
    """
    if (
        written is not None
        and b"\\" not in body
        and conforms(service, operation, written, serialized=serialized)
    ):
        return written, True
    raw = _read(body, cbor_body)
    if isinstance(raw, list):
        raise ServiceError(
            "SerializationException",
            "Start of list found where not expected",
            message_key="Message",
        )
    if not isinstance(raw, dict):
        # Not JSON, empty, a bare null or another bare value: refused without a message.
        raise ServiceError("SerializationException", None)
    if conforms(service, operation, raw, serialized=serialized):
        return raw, True
    return decode_input(service, operation, raw), False


#: botocore's JSON serializer, without its validator (``unsendable`` words its refusals).
_SERIALIZER = create_serializer("json", include_validation=False)


def decode_as_written(service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """Read ``params`` (made in the process, by a handle) as the service reads them once
    botocore has written them, and return what it read: parameters of their own, sharing
    no dict or list with ``params`` (a test may change its dicts afterwards), as a request
    would carry them. Raises the ``SerializationException`` the service answers to a value
    botocore writes but the front end cannot read (botocore's validator takes ``True``
    where an integer goes, and writes ``true``), or a ``UsageError`` when botocore cannot
    write them at all."""
    try:
        written = _SERIALIZER.serialize_to_request(params, operation_model(service, operation))
    except (TypeError, ValueError, OverflowError) as error:
        raise UsageError(f"{operation}: botocore cannot write these parameters: {error}") from None
    read, _ = decode_request(service, operation, written["body"])
    return read


def _parse_cbor(body: bytes) -> Any:
    if not cbor.available():
        raise ServiceError("SerializationException", cbor.MISSING_EXTRA, message_key="Message")
    return cbor.parse(body)


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime):
        return epoch_seconds(value)
    raise TypeError(f"cannot put {type(value).__name__} on the wire")


@functools.lru_cache(maxsize=4)
def _http_date(seconds: int) -> str:
    return format_datetime(datetime.fromtimestamp(seconds, timezone.utc), usegmt=True)


def _headers(
    request_id: str, extended_id: str, date: datetime, body: bytes, media: str
) -> dict[str, str]:
    return {
        "x-amzn-RequestId": request_id,
        "x-amz-id-2": extended_id,
        "Content-Type": media,
        "Content-Length": str(len(body)),
        "Date": _http_date(int(date.timestamp())),
    }


def _encode(value: Mapping[str, Any], media: str, output: Shape | None = None) -> bytes:
    if media == CBOR_CONTENT_TYPE:
        return cbor.dumps(dict(value), output)
    if output is not None:
        fast = jsontext.fast_answer(value, output)
        if fast is not None:
            return fast
        if _holds_blobs(output):
            return _writer(output)(value).encode("ascii")
    return jsontext.dumps(value, _json_default)


def _dumps(value: Any) -> str:
    return jsontext.dumps(value, _json_default).decode("utf-8")


# Answers that carry blobs (GetRecords' Data) are written by a writer that follows the
# output shape, so that base64 text goes out as it is: json.dumps would scan every
# character of it for escapes, which costs more than the rest of the answer. Everything
# else is written exactly as json.dumps writes it (same separators, order and escapes).
Writer = Callable[[Any], str]


@functools.cache
def _holds_blobs(shape: Shape) -> bool:
    return _blobs_in(shape, set())


def _blobs_in(shape: Shape, seen: set[str]) -> bool:
    if shape.name in seen:
        return False
    seen.add(shape.name)
    kind = shape.type_name
    if kind == "blob":
        return True
    if kind == "structure":
        return any(_blobs_in(member, seen) for member in shape.members.values())
    if kind == "list":
        return _blobs_in(shape.member, seen)
    if kind == "map":
        return _blobs_in(shape.value, seen)
    return False


@functools.cache
def _writer(shape: Shape) -> Writer:
    kind = shape.type_name
    if not _holds_blobs(shape):
        return _write_value
    if kind == "blob":
        return _write_blob
    if kind == "list":
        item = _writer(shape.member)
        return lambda value: "[" + ",".join(map(item, value)) + "]"
    if kind == "structure":
        members = {
            name: (encode_basestring_ascii(name) + ":", _writer(member))
            for name, member in shape.members.items()
        }
        return functools.partial(_write_structure, members)
    return _write_value


def _write_structure(members: dict[str, tuple[str, Writer]], value: Mapping[str, Any]) -> str:
    parts = []
    for name, child in value.items():
        member = members.get(name)
        if member is None:
            parts.append(encode_basestring_ascii(name) + ":" + _write_value(child))
        else:
            parts.append(member[0] + member[1](child))
    return "{" + ",".join(parts) + "}"


def _write_blob(value: Any) -> str:
    # Text in a blob is base64 the front end checked (``Payload``): it needs no escapes.
    if type(value) is str and value.isascii():
        return '"' + value + '"'
    return _write_value(value)


def _write_value(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return encode_basestring_ascii(value)
    if kind is int:
        return int.__repr__(value)
    if isinstance(value, datetime):
        return float.__repr__(epoch_seconds(value))  # as _json_default, then dumps
    return _dumps(value)


def encode_result(
    result: Mapping[str, Any],
    *,
    request_id: str,
    extended_id: str,
    date: datetime,
    media: str = CONTENT_TYPE,
    output: Shape | None = None,
) -> HttpResponse:
    """A success answer: the result as JSON (blobs base64, timestamps epoch seconds) or as
    CBOR. An empty result is an empty body: AWS answers an operation whose output shape has
    no members (CreateStream, DeleteStream, AddTagsToStream...) with ``Content-Length: 0``
    (kinesalite's tests, run against AWS, assert ``''`` for them). ``output``: the
    operation's output shape, which lets an answer with blobs be written faster."""
    data = _encode(result, media, output) if result else b""
    return HttpResponse(200, data, _headers(request_id, extended_id, date, data, media))


def _error_payload(error: ServiceError) -> dict[str, str]:
    payload: dict[str, str] = {"__type": error.code}
    if error.message is not None:
        payload[error.message_key] = error.message
    return payload


def encode_error(
    error: ServiceError,
    *,
    request_id: str,
    extended_id: str,
    date: datetime,
    media: str = CONTENT_TYPE,
) -> HttpResponse:
    """A service's error answer: code and message in the request's form, with the error's
    status."""
    data = _encode(_error_payload(error), media)
    return HttpResponse(error.status, data, _headers(request_id, extended_id, date, data, media))


def encode_unserved_error(
    error: ServiceError, *, request_id: str, extended_id: str, date: datetime
) -> HttpResponse:
    """The same error answer for a request no service took (one for another service, or
    one the fake itself failed on): the same ids and headers, though no call is logged."""
    return encode_error(error, request_id=request_id, extended_id=extended_id, date=date)
