"""Every aiobotocore internal pytest-firehose touches, in this one module.

Imported only when aiobotocore is installed (aiobotocore is optional; aioboto3 builds its
clients on it). aiobotocore subclasses botocore's endpoint as ``AioEndpoint`` with async
methods of its own, so the sync patch in ``_botocore.py`` does not reach it; this module
does the same for async clients, with the same request, fault and routing helpers:

- ``AioEndpoint._send`` (a coroutine) is the last step before aiohttp (or httpx) sends the
  request. The fake answers it with an ``AioAWSResponse`` whose ``raw`` has what
  aiobotocore reads an answer from: ``await raw.read()``, and ``raw.raw_headers`` (header
  bytes pairs, where the 2.11 releases read the headers).
- Retry backoff: ``AioEndpoint._needs_retry`` awaits ``asyncio.sleep`` through the
  ``asyncio`` name of ``aiobotocore.endpoint`` (through ``AioEndpoint._sleep`` since
  aiobotocore 3; ``AnyioEndpoint._sleep`` awaits ``anyio.sleep`` for the httpx backend).
  Waiters sleep the same way in ``aiobotocore.waiter`` (``AIOWaiter``, ``AnyioWaiter``).
  Those names stand in for ``asyncio`` with a ``sleep`` that passes fake time.
- Adaptive mode's client-side rate limiter is ``AsyncTokenBucket``; its ``_acquire`` waits
  on an ``asyncio.Condition`` for at most the time a token takes. It is replaced by the
  same fake-time acquire as botocore's ``TokenBucket._acquire``. Its clock is botocore's
  ``bucket.Clock``, already patched by ``_botocore.py``.

- Credentials: ``AioCredentialResolver`` overrides ``load_credentials`` with a coroutine,
  so botocore's patch does not reach it; it is replaced the same way (the environment's
  static keys through ``AioEnvProvider``, else the fake's own, as ``AioCredentials``).

``tests/test_botocore_seams.py`` fails loudly when an aiobotocore release moves one of these.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import aiobotocore.endpoint
import aiobotocore.waiter
from aiobotocore.awsrequest import AioAWSResponse
from aiobotocore.credentials import AioCredentialResolver, AioCredentials, AioEnvProvider
from aiobotocore.endpoint import AioEndpoint, AioEndpointCreator
from aiobotocore.retries.bucket import AsyncTokenBucket
from aiohttp import ClientPayloadError
from botocore.exceptions import PartialCredentialsError

from pytest_firehose._clock import FakeClock
from pytest_firehose._doors.botocore import _MARK, PASS, Router, guarding, keep_off_aws, route
from pytest_firehose._doors.botocore_credentials import fake_credentials
from pytest_firehose._doors.botocore_requests import read_timeout
from pytest_firehose._doors.botocore_time import token_bucket_acquire
from pytest_firehose._doors.replaced import Replaced
from pytest_firehose._errors import NetworkFault
from pytest_firehose._wire.codec import HttpResponse

#: Where an async HTTP session keeps its read timeout: aiohttp's ``ClientTimeout``, httpx's
#: ``Timeout``.
_READ_TIMEOUT_NAMES = ("sock_read", "read")


class _AioContent:
    """What ``AioEventStream`` reads an event stream from: ``content.iter_chunks()``, pairs
    of bytes and whether an HTTP chunk ended, pulled one frame at a time."""

    def __init__(self, body: bytes, rest: Iterator[bytes] | None) -> None:
        self._body = body
        self._rest = rest

    async def iter_chunks(self) -> AsyncIterator[tuple[bytes, bool]]:
        yield self._body, True
        try:
            for chunk in self._rest or ():
                yield chunk, True
                await asyncio.sleep(0)  # a point where other tasks may run, as on a socket
        except NetworkFault:
            # What aiohttp raises when the connection drops inside a chunked answer.
            raise ClientPayloadError("Response payload is not completed") from None

    def close(self) -> None:
        close = getattr(self._rest, "close", None)
        if close is not None:
            close()


class _AioRawBody:
    """The ``raw`` aiobotocore reads a response body from (``await raw.read()``, or
    ``raw.content`` for an event stream)."""

    def __init__(
        self, body: bytes, headers: dict[str, str], rest: Iterator[bytes] | None = None
    ) -> None:
        self._body = body
        self.raw_headers = [(k.encode(), v.encode()) for k, v in headers.items()]
        self.content = _AioContent(body, rest)

    async def read(self, *_: Any) -> bytes:
        return self._body

    def close(self) -> None:
        self.content.close()


def to_aiobotocore_response(url: str, response: HttpResponse) -> Any:
    headers = {name.lower(): value for name, value in response.headers.items()}
    raw = _AioRawBody(response.body, headers, response.stream)
    return AioAWSResponse(url, response.status, headers, raw)


def _fake_sleep(clock: FakeClock) -> Callable[..., Any]:
    async def sleep(seconds: float, result: Any = None) -> Any:
        clock.sleep(seconds)
        await asyncio.sleep(0)  # still a point where other tasks may run
        return result

    return sleep


class _ModuleAsyncio:
    """Stands in for the ``asyncio`` module inside an aiobotocore module: ``sleep`` passes
    fake time; everything else is the real module."""

    def __init__(self, clock: FakeClock) -> None:
        self.sleep = _fake_sleep(clock)

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)


async def _load_credentials(_resolver: Any) -> Any:
    """``AioCredentialResolver.load_credentials`` while a fake is active: nothing but the
    environment's static keys, else the fake's own."""
    try:
        found = await AioEnvProvider().load()
    except PartialCredentialsError:
        found = None
    return found if found is not None else fake_credentials(AioCredentials)


def _anyio_classes() -> list[type]:
    """The httpx backend's endpoint and waiter (aiobotocore 3+), which sleep with anyio."""
    names = ((aiobotocore.endpoint, "AnyioEndpoint"), (aiobotocore.waiter, "AnyioWaiter"))
    return [cls for module, name in names if (cls := getattr(module, name, None)) is not None]


class AiobotocorePatch:
    """While installed: every aiobotocore client's HTTP sends go through ``router`` and its
    retry, waiter and rate-limiter waits pass ``clock`` time instead of real time.
    Installed after, and uninstalled before, :class:`~._botocore.BotocorePatch`."""

    def __init__(self, router: Router, clock: FakeClock) -> None:
        self._router = router
        self._clock = clock
        self._stack: contextlib.ExitStack | None = None

    def install(self) -> None:
        current = AioEndpoint._send
        router = self._router
        clock = self._clock

        async def send(endpoint: Any, request: Any) -> Any:
            timeout = read_timeout(endpoint, request, _READ_TIMEOUT_NAMES)
            try:
                routed = route(router, request, timeout)
            finally:
                # A request sent over a socket waits for its answer (or its timeout), and
                # the event loop runs other tasks meanwhile: a task polling in a loop with
                # no sleep of its own would otherwise starve every other task.
                await asyncio.sleep(0)
            if routed is PASS:
                return await current(endpoint, request)
            assert isinstance(routed, HttpResponse)
            keep_off_aws(endpoint, request.url)
            return to_aiobotocore_response(request.url, routed)

        setattr(send, _MARK, router)
        sleep = _fake_sleep(clock)

        async def sleep_method(_self: Any, seconds: float) -> None:
            await sleep(seconds)

        acquire = token_bucket_acquire(clock)

        async def acquire_tokens(token_bucket: Any, amount: float, block: bool) -> bool:
            return acquire(token_bucket, amount, block)

        with contextlib.ExitStack() as stack:
            stack.enter_context(Replaced(AioEndpoint, "_send", send))
            for module in (aiobotocore.endpoint, aiobotocore.waiter):
                stack.enter_context(Replaced(module, "asyncio", _ModuleAsyncio(clock)))
            for cls in _anyio_classes():
                stack.enter_context(Replaced(cls, "_sleep", sleep_method))
            stack.enter_context(Replaced(AsyncTokenBucket, "_acquire", acquire_tokens))
            stack.enter_context(
                Replaced(AioCredentialResolver, "load_credentials", _load_credentials)
            )
            stack.enter_context(
                Replaced(
                    AioEndpointCreator,
                    "create_endpoint",
                    guarding(AioEndpointCreator.create_endpoint),
                )
            )
            self._stack = stack.pop_all()

    def uninstall(self) -> None:
        if self._stack is not None:
            self._stack.close()
            self._stack = None
