"""Every botocore internal pytest-firehose touches, in this one module.

The fake sits in botocore's HTTP layer: ``Endpoint._send`` is the last step before bytes
leave the process. Everything above it runs as in production: parameter validation,
serialization, signing, ``before-send`` hooks (so moto's ``mock_aws`` still answers the
services it mocks), the retry loop and its backoff. Exceptions raised here are the ones
urllib3 failures become, so botocore retries them exactly as it retries a real network.

Waiters (``botocore.waiter``, ``stream_exists``...) sleep through their module's ``time``
name too, and are given the same stand-in.

Backoff passes fake time instead of real time, in the two places botocore waits:
``Endpoint._needs_retry`` calls ``time.sleep`` through the ``time`` name of
``botocore.endpoint`` (legacy and standard modes), and adaptive mode's client-side rate
limiter waits in ``TokenBucket._acquire`` on a condition variable, timed by
``bucket.Clock``. Both are replaced for the fake's lifetime; ``time.sleep`` itself is not.

Credentials: ``CredentialResolver.load_credentials`` is where every session resolves the
credentials nothing explicit gave it (``Session.get_credentials`` calls it once, for sessions
made before the fake started too). While a fake is active it reads the environment's static
keys and otherwise gives the fake's own: the shared files' keys, ``credential_process``, SSO,
assume-role, container and instance-metadata providers are never consulted. Keys passed to
``boto3.Session(...)`` or a client are used as given; they never leave the process.

``tests/test_botocore_seams.py`` fails loudly when a botocore release moves one of these.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import botocore.awsrequest
import botocore.endpoint
import botocore.serialize
import botocore.waiter
from botocore.awsrequest import AWSResponse, HeadersDict
from botocore.credentials import CredentialResolver, Credentials, EnvProvider
from botocore.endpoint import Endpoint, EndpointCreator
from botocore.exceptions import (
    CapacityNotAvailableError,
    ConnectTimeoutError,
    EndpointConnectionError,
    PartialCredentialsError,
    ReadTimeoutError,
)
from botocore.retries import bucket
from botocore.serialize import JSONSerializer
from urllib3.exceptions import ProtocolError

from pytest_firehose._clock import FakeClock
from pytest_firehose._doors.environment import FAKE_CREDENTIALS
from pytest_firehose._doors.moto import leave_to_fake
from pytest_firehose._doors.replaced import Replaced
from pytest_firehose._errors import NetworkFault, UnmockedRequestError, UsageError
from pytest_firehose._loopback import address_of, reaches_loopback
from pytest_firehose._wire.codec import READ_HEADERS, HttpRequest, HttpResponse, new_request
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


def _network_error(fault: NetworkFault, url: str) -> Exception:
    kinds: dict[str, Any] = {
        "read-timeout": ReadTimeoutError,
        "connect-timeout": ConnectTimeoutError,
        "connection-error": EndpointConnectionError,
    }
    error: Exception = kinds[fault.kind](endpoint_url=url)
    return error


def route(router: Router, request: Any, timeout: float | None) -> HttpResponse | object:
    """Hand a prepared botocore request (``AWSPreparedRequest``, sync or async client alike)
    to ``router``: its answer, or PASS. A scripted network fault becomes the exception
    botocore's HTTP layer raises for it, so the retry loop treats it as it would a real one."""
    try:
        return router(_http_request(request, timeout))
    except NetworkFault as fault:
        raise _network_error(fault, request.url) from None


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


#: The ``method`` botocore records for the fake's own credentials.
FAKE_METHOD = "pytest-firehose"


def environment_credentials(provider: Any) -> Any:
    """The static keys ``AWS_ACCESS_KEY_ID`` and ``AWS_SECRET_ACCESS_KEY`` give (``provider``
    reads ``os.environ`` only), or ``None`` when they are unset, empty or half given."""
    try:
        return provider.load()
    except PartialCredentialsError:
        return None


def fake_credentials(kind: type[Credentials] = Credentials) -> Credentials:
    """The fake's own credentials, as ``kind`` (aiobotocore has its own class)."""
    return kind(
        FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        FAKE_CREDENTIALS["AWS_SESSION_TOKEN"],
        method=FAKE_METHOD,
    )


def _load_credentials(_resolver: Any) -> Credentials:
    """``CredentialResolver.load_credentials`` while a fake is active: nothing but the
    environment's static keys, else the fake's own."""
    found: Credentials | None = environment_credentials(EnvProvider())
    return found if found is not None else fake_credentials()


class _EndpointTime:
    """Stands in for the ``time`` module inside ``botocore.endpoint``: ``sleep`` passes
    fake time; everything else is the real module."""

    def __init__(self, clock: FakeClock) -> None:
        self._clock = clock

    def sleep(self, seconds: float) -> None:
        self._clock.sleep(seconds)

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


def token_bucket_acquire(clock: FakeClock) -> Callable[..., bool]:
    """``TokenBucket._acquire`` that passes fake time where the original waits. It needs
    only the bucket's ``_refill``, ``_sleep_amount`` and ``_current_capacity``, which
    aiobotocore's ``AsyncTokenBucket`` has too."""

    def _acquire(token_bucket: Any, amount: float, block: bool) -> bool:
        token_bucket._refill()
        while amount > token_bucket._current_capacity:
            if not block:
                raise CapacityNotAvailableError()
            clock.sleep(max(token_bucket._sleep_amount(amount), 1e-6))
            token_bucket._refill()
        token_bucket._current_capacity -= amount
        return True

    return _acquire


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


def _now(clock: FakeClock) -> Callable[[Any], float]:
    return lambda _self: clock.time()


def _sleep(clock: FakeClock) -> Callable[[Any, float], None]:
    return lambda _self, seconds: clock.sleep(seconds)
