"""Every botocore internal pytest-firehose touches, in this one module.

The fake sits in botocore's HTTP layer: ``Endpoint._send`` is the last step before bytes
leave the process. Everything above it runs as in production: parameter validation,
serialization, signing, ``before-send`` hooks (so moto's ``mock_aws`` still answers the
services it mocks), the retry loop and its backoff. Exceptions raised here are the ones
urllib3 failures become, so botocore retries them exactly as it retries a real network.

``tests/test_botocore_seams.py`` fails loudly when a botocore release moves one of these.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

from botocore.awsrequest import AWSResponse
from botocore.endpoint import Endpoint
from botocore.exceptions import (
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from ._errors import NetworkFault, UsageError
from ._wire import HttpRequest, HttpResponse

#: A router returns an answer, or PASS to let botocore really send the request.
PASS = object()
Router = Callable[[HttpRequest], "HttpResponse | object"]

_MARK = "_pytest_firehose_router"


class _RawBody:
    """The ``raw`` botocore reads a response body from (``b"".join(raw.stream())``)."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def _as_text(value: str | bytes) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _http_request(request: Any) -> HttpRequest:
    body = request.body
    if body is None:
        body = b""
    elif isinstance(body, str):
        body = body.encode("utf-8")
    elif not isinstance(body, (bytes, bytearray)):
        body = body.read()
    headers = {_as_text(k).lower(): _as_text(v) for k, v in request.headers.items()}
    return HttpRequest(request.method, request.url, headers, bytes(body))


def _network_error(fault: NetworkFault, url: str) -> Exception:
    kinds: dict[str, Any] = {
        "read-timeout": ReadTimeoutError,
        "connect-timeout": ConnectTimeoutError,
        "connection-error": EndpointConnectionError,
    }
    error: Exception = kinds[fault.kind](endpoint_url=url)
    return error


def to_botocore_response(url: str, response: HttpResponse) -> AWSResponse:
    return AWSResponse(url, response.status, response.headers, _RawBody(response.body))


class HttpInterceptor:
    """Routes every botocore client's HTTP sends through ``router`` while installed."""

    def __init__(self, router: Router) -> None:
        self._router = router
        self._patch: Any = None

    def install(self) -> None:
        current = Endpoint._send
        if getattr(current, _MARK, None) is not None:
            raise UsageError(
                "another FirehoseFake is already active in this process; use the one "
                "fixture (or one `with FirehoseFake()` block) at a time"
            )
        router = self._router

        def send(endpoint: Any, request: Any) -> Any:
            try:
                routed = router(_http_request(request))
            except NetworkFault as fault:
                raise _network_error(fault, request.url) from None
            if routed is PASS:
                return current(endpoint, request)
            assert isinstance(routed, HttpResponse)
            return to_botocore_response(request.url, routed)

        setattr(send, _MARK, router)
        self._patch = mock.patch.object(Endpoint, "_send", send)
        self._patch.start()

    def uninstall(self) -> None:
        if self._patch is not None:
            self._patch.stop()
            self._patch = None
