"""A request botocore prepared, read as the engine's ``HttpRequest`` (the botocore door's,
``botocore.py``): its body, the headers the engine reads, the client's read timeout, and the
head a router needs to tell whose request it is.

botocore's JSON serializer is wrapped while a fake runs (``_remembering``, and
``JSON_WRITTEN`` in place of the ``json`` name of ``botocore.serialize``): it notes the
bodies it wrote, each with the value it wrote it from, so that a request reaching the HTTP
layer with that very body is known to be botocore's own bytes (``HttpRequest.serialized``
and ``.written``), checked and read no further than they need to be.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from typing import Any

from botocore.awsrequest import HeadersDict

from pytest_firehose._wire.codec import READ_HEADERS, HttpRequest, new_request


def _as_text(value: str | bytes) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def read_timeout(
    endpoint: Any, request: Any, names: tuple[str, ...] = ("read_timeout",)
) -> float | None:
    """The client's read timeout: a per-request override in the request's context, else
    the HTTP session's (a number, or a timeout object whose read part is under one of
    ``names``: urllib3's ``Timeout.read_timeout`` here)."""
    override = (getattr(request, "context", None) or {}).get("read_timeout")
    if override is not None:
        return float(override)
    timeout = getattr(getattr(endpoint, "http_session", None), "_timeout", None)
    if isinstance(timeout, (int, float)):
        return float(timeout)
    # A client's session keeps one timeout object for its life: the last one read is
    # read again for every request of that client (urllib3's takes two Python calls).
    last = _LAST_TIMEOUT[0]
    if last[0] is timeout and last[1] == names:
        return last[2]
    found = None
    for name in names:
        read = getattr(timeout, name, None)
        if isinstance(read, (int, float)):
            found = float(read)
            break
    if timeout is not None:
        _LAST_TIMEOUT[0] = (timeout, names, found)
    return found


#: The timeout object ``read_timeout`` read last, the names it read it by, and the read
#: timeout it found there (replaced whole: threads read it too).
_LAST_TIMEOUT: list[tuple[Any, tuple[str, ...], float | None]] = [(None, (), None)]


#: The headers that say which service a request is for.
_ROUTING_HEADERS = ("X-Amz-Target", "Authorization")


def _request_head(request: Any) -> HttpRequest:
    """Just enough of a request to route it: no body (which may be a stream others still
    have to read), only the headers that name its service."""
    headers = {
        name.lower(): _as_text(value)
        for name in _ROUTING_HEADERS
        if (value := request.headers.get(name)) is not None
    }
    return HttpRequest(request.method, request.url, headers, b"")


class SerializedBodies:
    """The bodies botocore's JSON serializer wrote lately, held by identity, each with the
    JSON value it wrote the body from. A request whose body is one of them, the very
    object, reached the HTTP layer as the serializer wrote it: no ``before-call`` or
    ``before-send`` hook replaced it (bytes cannot change in place), so its blobs are base64
    botocore encoded, canonical by construction, and the value is what reading the body
    would give (the engine still reads a body holding an escape, see ``decode_request``).

    A few are kept (a body another hook answered is never sent): holding them keeps their
    ids from being reused by other objects."""

    KEPT = 16

    def __init__(self) -> None:
        #: By the body's id: the body, and the value it was written from. A request's
        #: door takes its body's (``_http_request``) with one ``pop``, atomic: only adding
        #: holds the lock. Taken, it is forgotten: a retry is read and checked in full.
        self.bodies: dict[int, tuple[bytes, Any]] = {}
        self._lock = threading.Lock()

    def add(self, body: bytes, value: Any) -> None:
        with self._lock:
            bodies = self.bodies
            bodies[id(body)] = (body, value)
            if len(bodies) > self.KEPT:
                # A request takes its body without the lock: one taken between the look
                # at the oldest and its removal changes the table's size under the look.
                with contextlib.suppress(RuntimeError, StopIteration):
                    bodies.pop(next(iter(bodies)), None)


SERIALIZED = SerializedBodies()


class _JsonWritten:
    """Stands in for the ``json`` module inside ``botocore.serialize``: ``dumps`` writes as
    the real one does, and, while ``noting`` (while ``serialize_to_request`` runs), notes
    in ``last`` the value it wrote without options (as that writes a body), the text it
    made of it, and the thread that wrote it; everything else is the real module. Plain
    attributes, not a thread's own: each note says its thread."""

    def __init__(self) -> None:
        self.noting = False
        self.last: tuple[int, Any, str] | None = None

    def dumps(self, value: Any, *args: Any, **kwargs: Any) -> str:
        if args or kwargs:
            return json.dumps(value, *args, **kwargs)
        # What ``json.dumps(value)`` runs (its default encoder's ``encode``), without its
        # look at a dozen options.
        text: str = _ENCODE(value)
        if self.noting:
            self.last = (threading.get_ident(), value, text)
        return text

    def __getattr__(self, name: str) -> Any:
        return getattr(json, name)


#: ``json.dumps`` without options: an encoder with every default, as its own is.
_ENCODE = json.JSONEncoder().encode

JSON_WRITTEN = _JsonWritten()


def _remembering(serialize: Callable[..., Any]) -> Callable[..., Any]:
    """``JSONSerializer.serialize_to_request`` that notes the body it wrote, and the value
    it wrote the body from (the text ``json.dumps`` made of it is the body). The value is
    the last one this thread wrote while it ran: one another thread wrote meanwhile in
    ``last``'s place is not this body's, and the body is then read as any other."""

    def serialize_to_request(serializer: Any, parameters: Any, operation_model: Any) -> Any:
        noted = JSON_WRITTEN
        noted.noting, noted.last = True, None
        try:
            serialized = serialize(serializer, parameters, operation_model)
        finally:
            found = noted.last  # the last value written, and its text
            noted.noting, noted.last = False, None
        body = serialized.get("body")
        if type(body) is bytes:
            value = None
            if found is not None:
                thread, written, text = found
                if (
                    thread == threading.get_ident()
                    and type(written) is dict
                    and len(text) == len(body)
                ):
                    value = written
            SERIALIZED.add(body, value)
        return serialized

    return serialize_to_request


def _http_request(request: Any, timeout: float | None) -> HttpRequest:
    body = request.body
    # Whether the body is one the serializer wrote, and the value it wrote it from.
    kept = SERIALIZED.bodies.pop(id(body), None)
    serialized = kept is not None and kept[0] is body
    written = kept[1] if serialized else None  # type: ignore[index]
    if type(body) is not bytes:
        if body is None:
            body = b""
        elif isinstance(body, str):
            body = body.encode("utf-8")
        elif isinstance(body, (bytes, bytearray)):
            body = bytes(body)
        else:
            body = _read_body(request)
    return new_request(
        (request.method, request.url, _lowered(request.headers), body, timeout, serialized, written)
    )


def _read_body(request: Any) -> bytes:
    """A body that is not bytes, read as urllib3 sends it (a file, something bytes-like,
    or an iterable of chunks), and left for urllib3 to send all the same should the
    request pass the fake by: a file is rewound, anything read once is replaced by what it
    held (it was read to its end)."""
    body = request.body
    if hasattr(body, "read"):
        start = _position(body)
        data = body.read()
        data = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        if start is None:
            request.body = data
        else:
            body.seek(start)
        return data
    try:
        return bytes(memoryview(body))
    except TypeError:
        pass
    try:
        chunks = list(body)
    except TypeError:
        # urllib3's words for a body it cannot send.
        raise TypeError(
            "'body' must be a bytes-like object, file-like object, or iterable. "
            f"Instead was {body!r}"
        ) from None
    data = b"".join(c.encode("utf-8") if isinstance(c, str) else bytes(c) for c in chunks)
    request.body = data
    return data


def _position(stream: Any) -> int | None:
    """Where a file-like body stands, or ``None`` when it cannot be rewound."""
    try:
        if not stream.seekable():
            return None
        position: int = stream.tell()
    except (AttributeError, OSError, ValueError):
        return None
    return position


#: The headers the engine reads.
_READ = frozenset(READ_HEADERS)


def _lowered(headers: Any) -> dict[str, str]:
    """The headers of a request the engine reads (``READ_HEADERS``), as text (botocore
    signs their values as bytes), under lower-case names. botocore's ``HeadersDict`` keeps
    each name lower-cased already, beside its value: read them straight from its table
    rather than through its mapping methods (a lookup per header), when it has the layout
    botocore has kept since 1.11 and every value is UTF-8."""
    if type(headers) is HeadersDict:
        lowered: dict[str, str] = {}
        try:
            for key, value in headers._dict.items():
                name = key._lower
                if name in _READ:
                    lowered[name] = value.decode() if type(value) is bytes else value
        except (AttributeError, UnicodeDecodeError):
            pass  # read as any mapping is, below
        else:
            return lowered
    return {
        name: _as_text(value)
        for key, value in headers.items()
        if (name := _as_text(key).lower()) in _READ
    }
