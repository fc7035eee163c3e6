"""What botocore gets back from the fake (the botocore door's, ``botocore.py``): an answer
as the ``AWSResponse`` botocore's HTTP layer hands on, assembled directly where this
botocore's layout is the one checked at import, its body read from a ``raw`` that ends a
streaming answer as urllib3 does when the connection drops; and a scripted network fault
as the exception botocore's HTTP layer raises for it, so the retry loop treats it as it
would a real one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

import botocore.awsrequest
from botocore.awsrequest import AWSResponse, HeadersDict
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from urllib3.exceptions import ProtocolError

from pytest_firehose._errors import NetworkFault
from pytest_firehose._wire.codec import HttpResponse


class _RawBody(tuple[bytes, "Iterator[bytes] | None"]):
    """The ``raw`` botocore reads a response body from (``b"".join(raw.stream())``): the
    body, and the rest of a streaming answer (or ``None``); for an event stream,
    ``EventStream`` pulls one frame at a time from ``stream()`` and may ``close()`` it
    early. A tuple, made by ``_raw_body`` without a Python call: one is made for every
    answer."""

    __slots__ = ()

    def stream(self, **_: Any) -> Iterator[bytes]:
        body, rest = self
        yield body
        if rest is not None:
            try:
                yield from rest
            except NetworkFault:
                # What urllib3 raises when the connection drops inside a chunked answer.
                raise ProtocolError("Response ended prematurely") from None

    def close(self) -> None:
        close = getattr(self[1], "close", None)
        if close is not None:
            close()


#: ``_RawBody((body, rest))``.
_raw_body: Callable[[tuple[bytes, Iterator[bytes] | None]], _RawBody] = functools.partial(
    tuple.__new__, _RawBody
)


def _network_error(fault: NetworkFault, url: str) -> Exception:
    kinds: dict[str, Any] = {
        "read-timeout": ReadTimeoutError,
        "connect-timeout": ConnectTimeoutError,
        "connection-error": EndpointConnectionError,
    }
    error: Exception = kinds[fault.kind](endpoint_url=url)
    return error


def to_botocore_response(url: str, response: HttpResponse) -> AWSResponse:
    """``response`` as botocore's HTTP layer hands it on: what ``AWSResponse(url, status,
    headers, raw)`` makes, built without ``HeadersDict``'s Python mapping methods (a call
    per header and per key) where this botocore's layout allows it (``_ASSEMBLED``); an
    answer that is not a stream is already read, as ``content`` would read it."""
    if not _ASSEMBLED:
        raw = _raw_body((response.body, response.stream))
        return AWSResponse(url, response.status, response.headers, raw)
    return _assembled(url, response)


#: botocore's key for each header name an answer carries (a handful: bounded all the same).
_HEADER_KEYS: dict[str, Any] = {}
#: The class of those keys (None: this botocore has none, answers are made the slow way).
_HEADER_KEY: Any = getattr(botocore.awsrequest, "_HeaderKey", None)


def _header_key(name: str) -> Any:
    """botocore's key for a header name not met yet, kept for the answers to come."""
    key = _HEADER_KEY(name)
    if len(_HEADER_KEYS) < 64:
        _HEADER_KEYS[name] = key
    return key


def _assembled(url: str, response: HttpResponse) -> AWSResponse:
    body, rest = response.body, response.stream
    keys, found = _HEADER_KEYS, {}
    for name, value in response.headers.items():  # a loop: a comprehension is a call
        found[keys.get(name) or _header_key(name)] = value
    table = HeadersDict.__new__(HeadersDict)
    table._dict = found
    built = AWSResponse.__new__(AWSResponse)
    built.url, built.status_code, built.headers = url, response.status, table
    built.raw = _raw_body((body, rest))
    built._content = body if rest is None else None
    return built


def _assembles_alike() -> bool:
    """Whether ``_assembled`` makes what ``AWSResponse`` does in this botocore (its layout
    since 1.11: a ``HeadersDict`` whose table maps a key per name to its value, and the
    response's five attributes); if a release changes either, answers are made the slow
    way, never wrongly."""
    headers = {"x-amzn-RequestId": "r", "Content-Length": "2"}
    try:
        made = AWSResponse("u", 200, headers, None)
        built = _assembled("u", HttpResponse(200, b"", headers))
        return (
            type(made.headers) is HeadersDict
            and vars(made).keys() == vars(built).keys()
            and vars(made.headers).keys() == vars(built.headers).keys()
            and [(str(key), key._lower, value) for key, value in made.headers._dict.items()]
            == [(str(key), key._lower, value) for key, value in built.headers._dict.items()]
        )
    except (AttributeError, TypeError):  # no _HeaderKey, or keys made otherwise
        return False


_ASSEMBLED = _assembles_alike()
