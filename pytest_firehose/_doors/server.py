"""The local server: one fake world over HTTP, for SDKs in other languages and the AWS CLI.

``POST /`` with ``X-Amz-Target`` goes to the same engine the in-process interceptor uses
(``World.handle``); everything under ``/_fake/`` is the control API (``control.py``).
HTTP/1.1 with keep-alive (``http1.py``), on the standard library's ``ThreadingHTTPServer``;
a connection that opens with HTTP/2's preface is served in HTTP/2 (``http2.py``, the
``http2`` extra). An event stream (SubscribeToShard) is pushed as the world makes its
events (``exchange.pushed``): the client cannot move the fake clock as it reads.

Over a real socket a scripted timeout (``timeout="commit"``, ``"lost"``, ``"connect"``)
closes the connection without an answer, after committing or not: the client sees the
connection drop (botocore: ``ConnectionClosedError``; Node: ``ECONNRESET`` / "socket hang
up") and retries, as it would after a read timeout. The server cannot know the client's read
timeout, so ``latency=`` only moves the fake clock and the answer comes at once.

Resources are bounded: a listen backlog of 128, at most ``max_connections`` open connections
(one more is answered ``503`` and closed), a body of at most 16 MiB (a larger one is answered
``413`` unread) and ``idle_timeout`` seconds to send each part of a request (a client that
stops half-way is disconnected). Every error the server itself answers is JSON.
"""

from __future__ import annotations

import contextlib
import os
import socket
import socketserver
import sys
import threading
import traceback
from collections.abc import Iterator
from datetime import datetime
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urlsplit

from pytest_firehose._doors.botocore import interceptor_installed
from pytest_firehose._doors.control import Control
from pytest_firehose._doors.control_input import ControlError
from pytest_firehose._doors.environment import FAKE_CREDENTIALS, NO_METADATA
from pytest_firehose._doors.http1 import Handler
from pytest_firehose._doors.http2 import JSON
from pytest_firehose._doors.server_settings import DEFAULT_HOST as DEFAULT_HOST
from pytest_firehose._doors.server_settings import IDLE_TIMEOUT as IDLE_TIMEOUT
from pytest_firehose._doors.server_settings import MAX_CONNECTIONS as MAX_CONNECTIONS
from pytest_firehose._doors.server_settings import check_server
from pytest_firehose._engine.exchange import EventPull
from pytest_firehose._engine.world import World
from pytest_firehose._errors import NetworkFault, ServiceError, UsageError
from pytest_firehose._handles.firehose import FirehoseHandle
from pytest_firehose._handles.kinesis import KinesisHandle
from pytest_firehose._wire.codec import HttpRequest, HttpResponse, encode_unserved_error
from pytest_firehose._wire.front import cors_headers, error_body, foreign, json_bytes, passing
from pytest_firehose._wire.routing import route_of

if TYPE_CHECKING:
    from pytest_firehose._doors.fake import FirehoseFake

DEFAULT_PORT = 4573
CONTROL_PREFIX = "/_fake"
#: Dropped from ``FirehoseServer.env``: they would send requests elsewhere, or make the SDK
#: look for a profile or credentials other than the fake ones.
_OVERRIDING = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
)
#: Set in ``FirehoseServer.env``: the fake's own credentials, so that no real ones are ever
#: used (without a session token: the fake's key pair needs none).
_FAKE_KEYS = {k: v for k, v in FAKE_CREDENTIALS.items() if k not in _OVERRIDING}
#: Logged when a request names an operation the server does not serve: AWS's answer to it
#: carries no message, so the fix goes to the log.
_FOREIGN_HINT = (
    "refused: the server answers Firehose and Kinesis requests only (JSON 1.1 or CBOR, signed, "
    "with X-Amz-Target); point only their clients here, e.g. with AWS_ENDPOINT_URL_FIREHOSE "
    "and AWS_ENDPOINT_URL_KINESIS"
)


class _HTTPServer(ThreadingHTTPServer):
    """``ThreadingHTTPServer`` that knows its connections, to close them when it stops, and
    binds without a reverse DNS lookup of its host."""

    daemon_threads = True
    request_queue_size = MAX_CONNECTIONS

    def __init__(self, address: tuple[str, int], owner: FirehoseServer) -> None:
        self.owner = owner
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Condition()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)
        host, port = self.socket.getsockname()[:2]
        self.server_name, self.server_port = host, port

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            full = len(self._connections) >= self.owner.max_connections
            if not full:
                self._connections.add(request)
        if full:
            self._refuse(request)
            return
        super().process_request(request, client_address)

    def _refuse(self, request: socket.socket) -> None:
        """Answer a connection past the limit 503 (botocore retries it) and close it."""
        message = f"the server has {self.owner.max_connections} connections open; retry"
        body = error_body(503, message)
        head = (
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        with contextlib.suppress(OSError):
            request.settimeout(1.0)
            request.sendall(head.encode("latin-1") + body)
        self.owner._write_log(f"connection from {request.getpeername()!r} -> 503 (full)")
        socketserver.TCPServer.shutdown_request(self, request)

    def shutdown_request(self, request: Any) -> None:
        super().shutdown_request(request)
        with self._connections_lock:
            self._connections.discard(request)
            self._connections_lock.notify_all()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that went away mid-answer is no news; anything else goes to stderr.
        error = sys.exc_info()[1]
        if not isinstance(error, (ConnectionError, TimeoutError)):
            traceback.print_exc(file=sys.stderr)

    def close_connections(self, timeout: float = 5.0) -> None:
        """End every open connection (idle keep-alive ones included) and wait for them."""
        with self._connections_lock:
            for connection in list(self._connections):
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
            self._connections_lock.wait_for(lambda: not self._connections, timeout)


class FirehoseServer:
    """A fake world served over HTTP on ``host:port`` (port 0: a free one).

    ``idle_timeout`` is how many seconds a client may take to send each part of a request
    (then it is disconnected); ``max_connections`` how many connections may be open at once
    (one more is answered ``503``).

    The ``firehose_server`` fixture gives one that serves the test's own world, in a thread;
    ``python -m pytest_firehose serve`` runs one in the foreground. ``url`` is the endpoint
    to point clients at, ``env`` the environment for a subprocess client, ``firehose`` and
    ``kinesis`` the handles on the world it serves.
    """

    def __init__(
        self,
        world: World | None = None,
        *,
        host: str = DEFAULT_HOST,
        port: int = 0,
        firehose: FirehoseHandle | None = None,
        kinesis: KinesisHandle | None = None,
        log: TextIO | None = None,
        idle_timeout: float = IDLE_TIMEOUT,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        check_server(
            world,
            host=host,
            port=port,
            idle_timeout=idle_timeout,
            max_connections=max_connections,
            log=log,
            handles={"firehose": (firehose, FirehoseHandle), "kinesis": (kinesis, KinesisHandle)},
        )
        #: Seconds a client may take to send each part of a request.
        self.idle_timeout = idle_timeout
        #: Connections open at once before the next is answered 503.
        self.max_connections = max_connections
        #: The world the server answers from (the test's own under the fixture).
        self.world = world if world is not None else World(contained=interceptor_installed)
        #: The handles the ``firehose`` and ``kinesis`` fixtures give, on that world.
        self.firehose = firehose if firehose is not None else FirehoseHandle(self.world)
        self.kinesis = kinesis if kinesis is not None else KinesisHandle(self.world)
        self._log = log
        self._control = Control(self.world, self.firehose, self.kinesis, lambda: self.url)
        self._httpd = _HTTPServer((host, port), self)
        self._thread: threading.Thread | None = None
        self._stopped = False
        #: Whether a loop answers requests (``start``'s thread, or ``serve_forever`` called
        #: in the foreground), under the lock that lets one begin at a time.
        self._serving = False
        self._lifecycle = threading.Lock()

    # ------------------------------------------------------------------ addresses

    @property
    def host(self) -> str:
        """The address the server listens on."""
        return str(self._httpd.server_name)

    @property
    def port(self) -> int:
        """The port the server listens on (the one picked when it was given 0)."""
        return int(self._httpd.server_port)

    @property
    def netloc(self) -> str:
        """``host:port`` as a URL writes it (an IPv6 host in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def url(self) -> str:
        """The endpoint URL, e.g. ``http://127.0.0.1:4573``."""
        return f"http://{self.netloc}"

    @property
    def env(self) -> dict[str, str]:
        """``os.environ`` with what a subprocess needs to talk to this server, and only to
        it: ``AWS_ENDPOINT_URL``, fake credentials, the region, no metadata service."""
        env = {
            name: value
            for name, value in os.environ.items()
            if name not in _OVERRIDING and not name.startswith("AWS_ENDPOINT_URL_")
        }
        env.update(_FAKE_KEYS)
        env.update(NO_METADATA)
        env.update(
            AWS_ENDPOINT_URL=self.url,
            AWS_DEFAULT_REGION=self.world.region,
            AWS_REGION=self.world.region,
        )
        return env

    # ------------------------------------------------------------------ answering

    @property
    def _stopping(self) -> bool:
        """Whether :meth:`stop` was called: open event streams end."""
        return self._stopped

    @staticmethod
    def _is_control(request: HttpRequest) -> bool:
        """Whether ``request`` is for the control API (under ``/_fake``)."""
        path = urlsplit(request.url).path
        return path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")

    def _respond(self, request: HttpRequest, pull: EventPull | None = None) -> HttpResponse:
        """The answer to any request the server reads, over HTTP/1.1 or HTTP/2: the control
        API's, or AWS's (see :meth:`aws_answer`)."""
        if not self._is_control(request):
            return self.aws_answer(request, pull)
        parts = urlsplit(request.url)
        response = self._control_answer(request.method, parts.path, parts.query, request.body)
        response.headers.setdefault("Content-Type", JSON)
        return response

    def aws_answer(self, request: HttpRequest, pull: EventPull | None = None) -> HttpResponse:
        """An AWS request's answer, as the in-process fake gives it (``pull``: how a
        streaming answer's events come, see ``World.handle``). Raises
        :class:`NetworkFault` for a scripted timeout."""
        cors = cors_headers(request.headers)
        response = self._answer(request, pull)
        response.headers.update(cors)
        return response

    def _answer(self, request: HttpRequest, pull: EventPull | None) -> HttpResponse:
        try:
            route = passing(request)  # nearly every request: the front end lets it through
            if route is None:
                front = self.world.front(request)
                if front is not None:
                    if foreign(request.headers):
                        self._write_log(f"{request.headers['x-amz-target']}: {_FOREIGN_HINT}")
                    return front
                route = route_of(request, self.world.region)
            if route is None:  # not reached: the front end answers every foreign target
                self._write_log(_FOREIGN_HINT)
                return self._unserved(ServiceError("UnknownOperationException", None))
            return self.world.handle(request, route, pull=pull, refusing=True)
        except NetworkFault:
            raise
        except Exception as error:  # the fake itself failed: say so, keep serving
            traceback.print_exc(file=sys.stderr)
            return self._unserved(
                ServiceError("InternalFailure", f"pytest-firehose: {error!r}", 500)
            )

    def _stamp(self) -> tuple[str, str, datetime]:
        """Request ids and date for an answer no service gave (AWS's carry them too)."""
        with self.world.lock:
            ids = self.world.ids
            return *ids.request_ids(), self.world.clock.now()

    def _unserved(self, error: ServiceError) -> HttpResponse:
        request_id, extended_id, date = self._stamp()
        return encode_unserved_error(
            error, request_id=request_id, extended_id=extended_id, date=date
        )

    def _control_answer(self, method: str, path: str, query: str, body: bytes) -> HttpResponse:
        """The answer of the ``/_fake/`` control API to one request."""
        try:
            status, value = self._control.answer(method, path, query, body)
        except ControlError as error:
            status, value = error.status, {"error": error.message}
        except Exception as error:  # the fake itself failed: say so, keep serving
            traceback.print_exc(file=sys.stderr)
            status, value = 500, {"error": f"pytest-firehose failed: {error!r}"}
        return HttpResponse(status, json_bytes(value))

    def _write_log(self, line: str) -> None:
        """Write one line to the server's log, if it was given one."""
        if self._log is not None:
            print(line, file=self._log, flush=True)

    # ------------------------------------------------------------------ lifecycle

    def serve_forever(self) -> None:
        """Answer requests until :meth:`stop` (from another thread)."""
        self._begin("serve_forever")
        self._serve()

    def start(self) -> FirehoseServer:
        """Serve in a background thread."""
        self._begin("start")
        self._thread = threading.Thread(
            target=self._serve, name=f"pytest-firehose server {self.url}", daemon=True
        )
        self._thread.start()
        return self

    def _begin(self, call: str) -> None:
        """Claim the one loop a server runs, or refuse ``call`` naming why: a second loop on
        one socket, or one on a closed socket (whose thread failed), served nothing."""
        with self._lifecycle:
            if self._stopped:
                raise UsageError(
                    f"FirehoseServer.{call}(): this server has stopped and closed its socket; "
                    "make a new FirehoseServer to serve again"
                )
            if self._serving:
                raise UsageError(
                    f"FirehoseServer.{call}(): this server is serving already (start() or "
                    "serve_forever() ran); one loop answers all its requests"
                )
            self._serving = True

    def _serve(self) -> None:
        try:
            self._httpd.serve_forever(poll_interval=0.05)
        finally:
            self._serving = False

    def stop(self) -> None:
        """Stop serving, close every connection and the listening socket."""
        with self._lifecycle:  # no loop begins from here on
            if self._stopped:
                return
            self._stopped = True
        with self.world.changed:  # open event streams see the server stop
            self.world.changed.notify_all()
        if self._serving:  # in start()'s thread, or serve_forever() in another
            self._httpd.shutdown()
        if self._thread is not None:
            self._thread.join()
        self._httpd.close_connections()
        self._httpd.server_close()

    def __enter__(self) -> FirehoseServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<FirehoseServer {self.url}>"


@contextlib.contextmanager
def serve_fake(fake: FirehoseFake, *, host: str = DEFAULT_HOST) -> Iterator[FirehoseServer]:
    """Serve an active fake's world over HTTP for the ``with`` block. botocore clients in
    this process that are pointed at the server's URL really use the socket."""
    server = FirehoseServer(fake.world, host=host, firehose=fake.firehose, kinesis=fake.kinesis)
    fake.send_over_network(server.url)
    try:
        with server:
            yield server
    finally:
        fake.stop_sending_over_network(server.url)
