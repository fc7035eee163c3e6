"""How the fake sits behind botocore: ``BotocorePatch`` installs every patch of botocore
while a fake runs and undoes it after, and its ``Endpoint._send`` hands each request to the
router. Every botocore internal pytest-firehose touches is here or in this module's
``botocore_*`` neighbours, which it installs: ``botocore_requests.py`` (a prepared request
read, and the bodies botocore's serializer wrote noted), ``botocore_answers.py`` (the
answer and the network fault botocore is handed), ``botocore_time.py`` (backoff and waiters
on the fake clock) and ``botocore_credentials.py`` (what sessions resolve).

The fake sits in botocore's HTTP layer: ``Endpoint._send`` is the last step before bytes
leave the process. Everything above it runs as in production: parameter validation,
serialization, signing, ``before-send`` hooks (so moto's ``mock_aws`` still answers the
services it mocks), the retry loop and its backoff. Exceptions raised here are the ones
urllib3 failures become, so botocore retries them exactly as it retries a real network.

A client the fake answered or saw made is kept off AWS for good (``keep_off_aws``): once
the fake has stopped, its requests are refused rather than sent.

``tests/test_botocore_seams.py`` fails loudly when a botocore release moves one of these.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import weakref
from collections.abc import Callable
from typing import Any

import botocore.endpoint
import botocore.serialize
import botocore.waiter
from botocore.credentials import CredentialResolver
from botocore.endpoint import Endpoint, EndpointCreator
from botocore.retries import bucket
from botocore.serialize import JSONSerializer

from pytest_firehose._clock import FakeClock
from pytest_firehose._doors.botocore_answers import (
    _ASSEMBLED,
    _assembled,
    _network_error,
    to_botocore_response,
)
from pytest_firehose._doors.botocore_credentials import _load_credentials
from pytest_firehose._doors.botocore_requests import (
    JSON_WRITTEN,
    _http_request,
    _remembering,
    _request_head,
    read_timeout,
)
from pytest_firehose._doors.botocore_time import _EndpointTime, _now, _sleep, token_bucket_acquire
from pytest_firehose._doors.moto import leave_to_fake
from pytest_firehose._doors.replaced import Replaced
from pytest_firehose._errors import NetworkFault, UnmockedRequestError, UsageError
from pytest_firehose._loopback import address_of, reaches_loopback
from pytest_firehose._wire.codec import HttpRequest, HttpResponse
from pytest_firehose._wire.routing import SERVED

#: A router returns an answer, or PASS to let botocore really send the request.
PASS = object()
Router = Callable[[HttpRequest], "HttpResponse | object"]

_MARK = "_pytest_firehose_router"
#: Holds the installed :class:`BotocorePatch` while a fake is active (one at a time).
_ACTIVE: list[BotocorePatch] = []


def interceptor_installed() -> bool:
    """Whether a fake's interceptor sits in botocore's HTTP layer right now (whatever else
    wrapped ``Endpoint._send`` since). Without it (a world inspected after its fake
    stopped), a request nothing else answers would reach the network."""
    return bool(_ACTIVE)


def keep_off_aws(endpoint: Any, url: str) -> None:
    """Keep a client the fake answered or saw made (its ``endpoint``, sync or async) off AWS
    for good: its sends go through a guard that, while no fake is active, refuses them with
    :class:`UnmockedRequestError` instead of letting them reach ``url``'s host. A client of
    a loopback endpoint (a local server's) is left alone: it cannot leave the machine."""
    if "_send" in vars(endpoint) or reaches_loopback(url):
        return
    kind = type(endpoint)
    own = weakref.ref(endpoint)  # no cycle: a client's endpoint still goes with the client

    def _send(request: Any) -> Any:
        if not _ACTIVE:  # interceptor_installed(), without a call
            raise _stopped_fake_refusal(request.url)
        return kind._send(own(), request)  # the active fake's send

    endpoint._send = _send


def guarding(create_endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """``EndpointCreator.create_endpoint`` (or aiobotocore's) that keeps the endpoint of a
    client made for a service the fake serves off AWS (``keep_off_aws``), so that a client
    made while a fake runs but first used after it stopped is refused too."""

    def create(creator: Any, service_model: Any, *args: Any, **kwargs: Any) -> Any:
        endpoint = create_endpoint(creator, service_model, *args, **kwargs)
        if service_model.service_name in SERVED:
            keep_off_aws(endpoint, endpoint.host)
        return endpoint

    return create


def _stopped_fake_refusal(url: str) -> UnmockedRequestError:
    return UnmockedRequestError(
        f"pytest-firehose refused a request to {address_of(url).host!r} ({url}): this "
        "botocore client was made or answered while a pytest-firehose fake ran, and the fake "
        "has stopped since (the test, fixture or `with FirehoseFake()` block ended), so the "
        "request would reach AWS itself. Make the client where it is used, inside the test "
        "or a fixture of it, or let this test use the `firehose` (or `kinesis`) fixture too."
    )


def route(router: Router, request: Any, timeout: float | None) -> HttpResponse | object:
    """Hand a prepared botocore request (``AWSPreparedRequest``, sync or async client alike)
    to ``router``: its answer, or PASS. A scripted network fault becomes the exception
    botocore's HTTP layer raises for it, so the retry loop treats it as it would a real one."""
    try:
        return router(_http_request(request, timeout))
    except NetworkFault as fault:
        raise _network_error(fault, request.url) from None


def _gevent_turn() -> Callable[[], None] | None:
    """Under gevent's monkey patching of ``socket``: a turn for the other greenlets, which
    a request over a patched socket gives while it waits for its answer (a greenlet that
    polls the fake without a sleep of its own would otherwise keep them from running).
    None without it: gevent patches before anything imports boto3, so before a fake
    starts."""
    monkey = sys.modules.get("gevent.monkey")
    if monkey is None or not monkey.is_module_patched("socket"):
        return None
    sleep: Callable[[float], None] = sys.modules["gevent"].sleep  # imported with its monkey
    return functools.partial(sleep, 0)


class BotocorePatch:
    """While installed: every botocore client's HTTP sends go through ``router``,
    botocore's retry waits pass ``clock`` time instead of real time, sessions resolve no
    credentials but the environment's static keys or the fake's own, and moto (if in use)
    leaves the requests ``serves`` claims to the router."""

    def __init__(
        self, router: Router, clock: FakeClock, serves: Callable[[HttpRequest], bool]
    ) -> None:
        self._router = router
        self._clock = clock
        self._serves = serves
        self._stack: contextlib.ExitStack | None = None

    def install(self) -> None:
        current = Endpoint._send
        if getattr(current, _MARK, None) is not None:
            raise UsageError(
                "another FirehoseFake is already active in this process; use the one "
                "fixture (or one `with FirehoseFake()` block) at a time"
            )
        router = self._router
        clock = self._clock
        turn = _gevent_turn()

        def send(endpoint: Any, request: Any) -> Any:
            try:  # ``route``, inlined: a call fewer for every request
                routed = router(_http_request(request, read_timeout(endpoint, request)))
            except NetworkFault as fault:
                if turn is not None:
                    turn()
                raise _network_error(fault, request.url) from None
            if routed is PASS:
                return current(endpoint, request)
            if turn is not None:
                turn()
            assert isinstance(routed, HttpResponse)
            if "_send" not in vars(endpoint):  # not kept off yet (keep_off_aws's own check)
                keep_off_aws(endpoint, request.url)
            if _ASSEMBLED:  # ``to_botocore_response``'s way, a call fewer
                return _assembled(request.url, routed)
            return to_botocore_response(request.url, routed)

        setattr(send, _MARK, router)
        with contextlib.ExitStack() as stack:
            stack.enter_context(Replaced(Endpoint, "_send", send))
            stack.enter_context(
                Replaced(
                    JSONSerializer,
                    "serialize_to_request",
                    _remembering(JSONSerializer.serialize_to_request),
                )
            )
            stack.enter_context(Replaced(botocore.serialize, "json", JSON_WRITTEN))
            serves = self._serves
            stack.enter_context(leave_to_fake(lambda request: serves(_request_head(request))))
            stack.enter_context(Replaced(botocore.endpoint, "time", _EndpointTime(clock)))
            stack.enter_context(Replaced(botocore.waiter, "time", _EndpointTime(clock)))
            stack.enter_context(Replaced(bucket.Clock, "current_time", _now(clock)))
            stack.enter_context(Replaced(bucket.Clock, "sleep", _sleep(clock)))
            stack.enter_context(
                Replaced(bucket.TokenBucket, "_acquire", token_bucket_acquire(clock))
            )
            stack.enter_context(Replaced(CredentialResolver, "load_credentials", _load_credentials))
            stack.enter_context(
                Replaced(
                    EndpointCreator, "create_endpoint", guarding(EndpointCreator.create_endpoint)
                )
            )
            self._stack = stack.pop_all()
        _ACTIVE.append(self)

    def uninstall(self) -> None:
        if self._stack is not None:
            _ACTIVE.remove(self)
            self._stack.close()
            self._stack = None
