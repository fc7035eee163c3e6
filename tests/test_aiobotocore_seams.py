"""The aiobotocore internals pytest-firehose stands on, checked one by one.

``pytest_firehose/_doors/aiobotocore.py`` is the one module that touches them; when an aiobotocore
release moves one, the test for it here fails with a message naming the seam. Every client
points at a loopback port nobody listens on and ``AioEndpoint._send`` is replaced, so even a
moved seam cannot make a request leave the machine.

Every test here needs aiobotocore (marker ``aio``), which is imported only where installed:
the suite also runs without it, against the newest botocore, with ``-m "not aio"``.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from botocore.config import Config
from botocore.retries import bucket
from conftest import RealWaits, aiobotocore_installed
from test_botocore_seams import (
    LISTING,
    MAX_ATTEMPTS,
    NETWORK_ERRORS,
    NOWHERE,
    SLOW_DOWN,
    Send,
    parameters,
    text_headers,
)

if aiobotocore_installed():
    import aiobotocore
    import aiobotocore.endpoint
    import aiobotocore.waiter
    from aiobotocore.awsrequest import AioAWSResponse
    from aiobotocore.endpoint import AioEndpoint
    from aiobotocore.retries import bucket as aio_bucket
    from aiobotocore.session import AioSession

    AIO_SEAM = (
        f"aiobotocore {aiobotocore.__version__} moved a seam pytest_firehose/_doors/aiobotocore.py "
        "relies on: "
    )

pytestmark = pytest.mark.aio


class AsyncBody:
    """A response ``raw`` with only what the fake hands aiobotocore: ``await read()`` and
    ``raw_headers``."""

    def __init__(self, body: bytes, headers: dict[str, str]) -> None:
        self.body = body
        self.raw_headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]

    async def read(self, *_: Any) -> bytes:
        return self.body


def aio_answer(status: int, payload: dict[str, Any]) -> AioAWSResponse:
    body = json.dumps(payload).encode()
    headers = {"x-amzn-requestid": "r-1", "content-type": "application/x-amz-json-1.1"}
    return AioAWSResponse(NOWHERE + "/", status, headers, AsyncBody(body, headers))


def aio_sending(send: Send) -> Any:
    """Patch ``AioEndpoint._send`` as the interceptor does: a coroutine function."""

    async def _send(endpoint: Any, request: Any) -> Any:
        return send(endpoint, request)

    return mock.patch.object(AioEndpoint, "_send", _send)


class RecordingAsyncio:
    """``aiobotocore.endpoint.asyncio`` with ``sleep`` recorded instead of slept."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    async def sleep(self, seconds: float, result: Any = None) -> Any:
        self.slept.append(seconds)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)


def offline_aio_client(config: Config | None = None) -> Any:
    """A fresh aiobotocore Firehose client that points nowhere (an async context manager)."""
    return AioSession().create_client(
        "firehose",
        region_name="us-east-1",
        endpoint_url=NOWHERE,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=config,
    )


def offline_call(method: str, config: Config | None = None, **params: Any) -> Any:
    """Call ``method`` on a fresh aiobotocore client that points nowhere; returns the
    result, or the exception raised."""

    async def call() -> Any:
        async with offline_aio_client(
            config or Config(retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS})
        ) as client:
            try:
                return await asyncio.wait_for(getattr(client, method)(**params), 10)
            except Exception as error:
                return error

    return asyncio.run(call())


@pytest.fixture
def aio_slept() -> Iterator[list[float]]:
    recording = RecordingAsyncio()
    with mock.patch.object(aiobotocore.endpoint, "asyncio", recording):
        yield recording.slept


def test_aio_endpoint_send_is_a_coroutine_taking_the_request_alone() -> None:
    assert parameters(AioEndpoint._send) == ["self", "request"], (
        f"{AIO_SEAM}AioEndpoint._send{inspect.signature(AioEndpoint._send)} is no longer "
        "_send(self, request); the interceptor replaces exactly that method"
    )
    assert inspect.iscoroutinefunction(AioEndpoint._send), (
        f"{AIO_SEAM}AioEndpoint._send is no longer a coroutine function"
    )


def test_aio_send_runs_after_before_send_and_an_answer_with_read_alone_is_parsed() -> None:
    log: list[str] = []
    send = Send(aio_answer(200, LISTING), log=log)

    async def call() -> Any:
        async with offline_aio_client() as client:
            client.meta.events.register(
                "before-send.firehose", lambda **_: log.append("before-send")
            )
            return await client.list_delivery_streams(Limit=5)

    with aio_sending(send):
        result = asyncio.run(call())
    assert log == ["before-send", "_send"], (
        f"{AIO_SEAM}AioEndpoint._do_get_response no longer emits before-send and then "
        f"awaits self._send(request) (saw {log})"
    )
    assert result["DeliveryStreamNames"] == ["events"], (
        f"{AIO_SEAM}an AioAWSResponse whose raw has only read() and raw_headers was not "
        "parsed into the operation's result"
    )
    (request,) = send.requests
    headers = text_headers(request)
    assert (headers.get("x-amz-target"), json.loads(request.body)) == (
        "Firehose_20150804.ListDeliveryStreams",
        {"Limit": 5},
    ), f"{AIO_SEAM}the request handed to _send no longer carries what the fake routes on"


def test_aio_an_answer_from_before_send_skips_send() -> None:
    send = Send(aio_answer(500, SLOW_DOWN))

    async def call() -> Any:
        async with offline_aio_client() as client:
            client.meta.events.register(
                "before-send.firehose", lambda **_: aio_answer(200, LISTING)
            )
            return await client.list_delivery_streams()

    with aio_sending(send):
        result = asyncio.run(call())
    assert send.requests == [], f"{AIO_SEAM}AioEndpoint._send ran although before-send answered"
    assert result["DeliveryStreamNames"] == ["events"]


def test_aio_the_client_read_timeout_is_found_on_the_endpoint() -> None:
    send = Send(aio_answer(200, LISTING))
    with aio_sending(send):
        offline_call("list_delivery_streams", Config(read_timeout=7.5, connect_timeout=2))
    (endpoint,) = send.endpoints
    timeout = getattr(endpoint.http_session, "_timeout", None)
    found = [getattr(timeout, name, None) for name in ("sock_read", "read")]
    assert 7.5 in found, (
        f"{AIO_SEAM}endpoint.http_session._timeout no longer holds the client's read timeout "
        f"as .sock_read (aiohttp) or .read (httpx) (found {timeout!r})"
    )


@pytest.mark.parametrize("error_class", NETWORK_ERRORS)
def test_aio_network_errors_are_retried_and_backoff_sleeps_through_the_module_asyncio(
    aio_slept: list[float], error_class: type[Exception], real_waits: RealWaits
) -> None:
    send = Send(error_class(endpoint_url=NOWHERE))
    with real_waits, aio_sending(send):
        raised = offline_call("list_delivery_streams")
    assert isinstance(raised, error_class)
    assert len(send.requests) == MAX_ATTEMPTS, (
        f"{AIO_SEAM}aiobotocore no longer retries {error_class.__name__} raised by _send"
    )
    assert len(aio_slept) == MAX_ATTEMPTS - 1, (
        f"{AIO_SEAM}retry backoff no longer awaits asyncio.sleep through the `asyncio` name "
        f"of aiobotocore.endpoint (recorded {aio_slept})"
    )
    assert real_waits.asked == [], f"the backoff really slept: {real_waits.asked}"


def test_aio_other_exceptions_from_send_reach_the_caller_untouched() -> None:
    class Refused(Exception):
        pass

    send = Send(Refused("not for us"))
    with aio_sending(send):
        raised = offline_call("list_delivery_streams")
    assert isinstance(raised, Refused)
    assert len(send.requests) == 1, f"{AIO_SEAM}an unknown exception from _send was retried"


def test_aio_waiters_sleep_through_the_waiter_module_asyncio() -> None:
    assert getattr(aiobotocore.waiter, "asyncio", None) is asyncio, (
        f"{AIO_SEAM}aiobotocore.waiter no longer sleeps through its module's `asyncio`; "
        "async waiters would sleep in real time"
    )
    assert getattr(aiobotocore.endpoint, "asyncio", None) is asyncio


def test_aio_adaptive_rate_limiter_waits_in_async_token_bucket_acquire() -> None:
    tokens_class = aio_bucket.AsyncTokenBucket
    seams = {
        "AsyncTokenBucket._acquire": parameters(tokens_class._acquire),
        "AsyncTokenBucket._sleep_amount": parameters(tokens_class._sleep_amount),
        "AsyncTokenBucket._refill": parameters(tokens_class._refill),
    }
    assert seams == {
        "AsyncTokenBucket._acquire": ["self", "amount", "block"],
        "AsyncTokenBucket._sleep_amount": ["self", "amount"],
        "AsyncTokenBucket._refill": ["self"],
    }, f"{AIO_SEAM}aiobotocore.retries.bucket changed; the fake's _acquire no longer fits"
    assert inspect.iscoroutinefunction(tokens_class._acquire)
    assert aio_bucket.Clock is bucket.Clock, (
        f"{AIO_SEAM}the async rate limiter no longer reads botocore's bucket.Clock, which "
        "_botocore.py points at the fake clock"
    )

    now = [1000.0]
    clock = mock.Mock(spec=bucket.Clock, current_time=lambda: now[0])

    async def check() -> None:
        tokens = tokens_class(max_rate=2, clock=clock)
        tokens._refill()
        now[0] += 1
        tokens._refill()
        assert tokens._current_capacity == 2, f"{AIO_SEAM}AsyncTokenBucket stopped refilling"
        assert tokens._sleep_amount(3) == 0.5, f"{AIO_SEAM}_sleep_amount changed meaning"

        async def acquired(*_: Any, **__: Any) -> bool:
            return True

        with mock.patch.object(tokens_class, "_acquire", side_effect=acquired) as acquire:
            await tokens.acquire(amount=1, block=False)
        acquire.assert_called_once_with(amount=1, block=False)

    asyncio.run(check())


def test_aio_sessions_resolve_credentials_through_the_resolver_load_credentials() -> None:
    from aiobotocore.credentials import AioCredentialResolver, AioCredentials

    session = AioSession()
    resolver = session.get_component("credential_provider")
    assert isinstance(resolver, AioCredentialResolver), (
        f"{AIO_SEAM}an AioSession's credential_provider is no longer an AioCredentialResolver; "
        "the fake patches AioCredentialResolver.load_credentials"
    )
    given = AioCredentials("seam", "seam")

    async def load(_self: Any) -> Any:
        return given

    with mock.patch.object(AioCredentialResolver, "load_credentials", load):
        found = asyncio.run(session.get_credentials())
    assert found is given, (
        f"{AIO_SEAM}AioSession.get_credentials no longer awaits "
        "AioCredentialResolver.load_credentials; real credentials could be looked up"
    )
