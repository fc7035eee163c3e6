"""The local server: one fake world over HTTP, for SDKs in other languages and the AWS CLI.

``POST /`` with ``X-Amz-Target`` goes to the same engine the in-process interceptor uses
(``World.handle``); everything under ``/_fake/`` is the control API (``_control.py``).
HTTP/1.1 with keep-alive, on the standard library's ``ThreadingHTTPServer``; a connection
that opens with HTTP/2's preface is served in HTTP/2 (``http2.py``, the ``http2`` extra).
An event stream (SubscribeToShard) is a chunked answer whose events are pushed as the world
makes them (``exchange.pushed``): the client cannot move the fake clock as it reads.

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
import http
import json
import os
import select
import socket
import socketserver
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import parse_qsl, urlsplit

from pytest_firehose._doors.botocore import interceptor_installed
from pytest_firehose._doors.control import Control, ControlError
from pytest_firehose._doors.environment import FAKE_CREDENTIALS, NO_METADATA
from pytest_firehose._doors.http2 import (
    MISSING_H2,
    PREFACE_LINE,
    PREFACE_REST,
    Http2Connection,
    h2_installed,
    refusal,
)
from pytest_firehose._engine.exchange import Engine, Event, EventFeed, EventPull, pushed
from pytest_firehose._engine.world import World
from pytest_firehose._errors import NetworkFault, ServiceError
from pytest_firehose._handles.firehose import FirehoseHandle
from pytest_firehose._handles.kinesis import KinesisHandle
from pytest_firehose._wire.codec import HttpRequest, HttpResponse, encode_unserved_error
from pytest_firehose._wire.front import FrontAnswer, cors_headers, foreign, front_answer
from pytest_firehose._wire.routing import route_of

if TYPE_CHECKING:
    from pytest_firehose._doors.fake import FirehoseFake

DEFAULT_HOST = "127.0.0.1"
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
_JSON = "application/json"
#: Logged when a request names an operation the server does not serve: AWS's answer to it
#: carries no message, so the fix goes to the log.
_FOREIGN_HINT = (
    "refused: the server answers Firehose and Kinesis requests only (JSON 1.1 or CBOR, signed, "
    "with X-Amz-Target); point only their clients here, e.g. with AWS_ENDPOINT_URL_FIREHOSE "
    "and AWS_ENDPOINT_URL_KINESIS"
)
#: The largest body the server reads: above any valid request (a 10 MiB PutRecords, base64
#: encoded, is about 13.4 MiB). AWS answers an oversized request 413 with no error code.
MAX_BODY = 16 * 1024 * 1024
#: How long a client may take to send each part of a request, by default, in seconds.
IDLE_TIMEOUT = 60.0
#: Open connections at once, by default, and the listen backlog.
MAX_CONNECTIONS = 128
#: Seconds an event stream waits for the world to change before it looks whether its
#: client is still there (events themselves come as soon as the world signals them).
STREAM_RECHECK = 0.5


class _HttpError(Exception):
    """A request the server refuses at the HTTP level: a status and a message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _error_body(status: int, message: str) -> bytes:
    """The JSON a client reads an HTTP-level refusal from: botocore takes the code from
    ``__type`` where the status has a service meaning, and the status alone otherwise."""
    body: dict[str, str] = {"message": message}
    if status == 503:
        body["__type"] = "ServiceUnavailableException"
    return _json_bytes(body)


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


class _Handler(BaseHTTPRequestHandler):
    """One connection: requests one after another (HTTP/1.1 keep-alive)."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _HTTPServer

    def do_POST(self) -> None:
        self._serve()

    do_GET = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = do_POST

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.owner.idle_timeout)  # each read of a request
        self._http2 = False

    def parse_request(self) -> bool:
        """The request line; the HTTP/2 preface's first line (``PRI * HTTP/2.0``) ends the
        HTTP/1.1 conversation, and ``handle`` goes on in HTTP/2."""
        if getattr(self, "raw_requestline", None) == PREFACE_LINE:
            self._http2 = True
            self.close_connection = True
            return False
        return super().parse_request()

    def handle(self) -> None:
        super().handle()
        if self._http2:
            self._serve_http2()

    def _serve_http2(self) -> None:
        owner = self.server.owner
        if self.rfile.read(len(PREFACE_REST)) != PREFACE_REST:
            owner.log("a broken HTTP/2 connection preface -> closed")
            return
        if not h2_installed():
            owner.log(f"HTTP/2 -> refused: {MISSING_H2}")
            with contextlib.suppress(OSError):
                self.wfile.write(refusal())
            return
        connection = Http2Connection(
            self.connection,
            self._respond_http2,
            host=owner.netloc,
            stopping=lambda: owner.stopping,
            log=owner.log,
        )
        connection.serve(self.rfile)

    def _respond_http2(self, request: HttpRequest, listening: Callable[[], bool]) -> HttpResponse:
        def pull(world: Engine, feed: EventFeed) -> Iterator[Event]:
            return pushed(world, feed, listening=listening, recheck=STREAM_RECHECK)

        return self.server.owner.respond(request, pull)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """HTTP-level errors (a bad request line, a header too long...) as JSON, not HTML."""
        self.close_connection = True
        text = message or http.HTTPStatus(code).phrase
        if explain:
            text = f"{text}: {explain}"
        self._send(HttpResponse(code, _error_body(code, text)), _JSON)

    def _serve(self) -> None:
        owner = self.server.owner
        try:
            body = self._read_body()
            url = self._url()
        except _HttpError as error:
            self.close_connection = True
            self._send(HttpResponse(error.status, _error_body(error.status, error.message)), _JSON)
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        request = HttpRequest(self.command, url, headers, body)
        try:
            response = owner.respond(request, self._pull)
        except NetworkFault as fault:
            # The wire form of a timeout: the connection closes with no answer.
            owner.log(f"{self.command} {self.path} -> connection closed ({fault.kind})")
            self.close_connection = True
            return
        if response.stream is not None:
            self._send_stream(response)
        else:
            self._send(response, _JSON if owner.is_control(request) else None)

    def _pull(self, world: Engine, feed: EventFeed) -> Iterator[Event]:
        """A streaming answer's events as the world makes them: the server cannot move
        the clock as its client reads (see ``exchange.pushed``)."""
        return pushed(world, feed, listening=self._listening, recheck=STREAM_RECHECK)

    def _listening(self) -> bool:
        """Whether the server still serves and the client has not closed the connection."""
        if self.server.owner.stopping:
            return False
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return not readable or self.connection.recv(1, socket.MSG_PEEK) != b""
        except (OSError, ValueError):  # a socket shut down or closed under us
            return False

    def _url(self) -> str:
        """The request's URL, from its Host header (the server's own address without one)."""
        host = self.headers.get("Host") or self.server.owner.netloc
        url = f"http://{host}{self.path}"
        try:
            urlsplit(url).port  # noqa: B018 - parses the host and port, or raises
        except ValueError as error:
            message = f"the Host header {host!r} is not a host[:port] ({error})"
            raise _HttpError(400, message) from None
        return url

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunks()
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        if not (length.isascii() and length.isdigit()):
            raise _HttpError(400, f"Content-Length must be a number of bytes, not {length!r}")
        return self._read_exactly(int(length), MAX_BODY)

    def _read_exactly(self, size: int, room: int) -> bytes:
        """``size`` bytes of body, refused unread past ``room``, or ended early."""
        if size > room:
            raise _HttpError(
                413, f"the request body is larger than the server takes ({MAX_BODY} bytes)"
            )
        data = self.rfile.read(size)
        if len(data) < size:
            raise _HttpError(400, f"the body ended after {len(data)} of {size} bytes")
        return data

    def _read_chunks(self) -> bytes:
        chunks: list[bytes] = []
        room = MAX_BODY
        while True:
            line = self.rfile.readline(1024).split(b";")[0].strip()
            try:
                size = int(line, 16)
            except ValueError:
                raise _HttpError(400, f"a chunk size must be hexadecimal, not {line!r}") from None
            if size == 0:
                while self.rfile.readline(8192).strip():  # trailers
                    pass
                return b"".join(chunks)
            chunks.append(self._read_exactly(size, room))
            room -= size
            self.rfile.readline(1024)

    def _send(self, response: HttpResponse, content_type: str | None) -> None:
        """Status line, headers and body in one write (no wait for delayed ACKs).
        ``content_type``: the default, where the answer has none of its own."""
        headers = {"Content-Type": content_type} if content_type else {}
        headers.update(response.headers)
        headers["Content-Length"] = str(len(response.body))
        if self.close_connection:
            headers["Connection"] = "close"
        phrase = http.HTTPStatus(response.status).phrase
        lines = [f"{self.protocol_version} {response.status} {phrase}"]
        lines.extend(f"{name}: {value}" for name, value in headers.items())
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head if self.command == "HEAD" else head + response.body)
        self.server.owner.log(f"{self._request_named()} -> {response.status}")

    def _send_stream(self, response: HttpResponse) -> None:
        """An event stream: the head, then each frame as a chunk the moment it is made,
        and the last chunk when the stream ends (the connection stays open)."""
        assert response.stream is not None
        headers = {**response.headers, "Transfer-Encoding": "chunked"}
        phrase = http.HTTPStatus(response.status).phrase
        lines = [f"{self.protocol_version} {response.status} {phrase}"]
        lines.extend(f"{name}: {value}" for name, value in headers.items())
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        frames = 0
        try:
            self.wfile.write(head + _chunk(response.body))
            for frame in response.stream:
                self.wfile.write(_chunk(frame))
                frames += 1
            if not self._listening():
                self.close_connection = True
                return
            self.wfile.write(b"0\r\n\r\n")
        except OSError:  # the client went away mid-stream
            self.close_connection = True
        except NetworkFault:  # scripted: the connection drops mid-stream
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
        finally:
            _close(response.stream)
            self.server.owner.log(
                f"{self._request_named()} -> {response.status} (event stream, {frames} events)"
            )

    def _request_named(self) -> str:
        """The request as the log names it; a request line too broken to read has no
        method or path (``send_error`` answers before they are set)."""
        path = getattr(self, "path", None)
        return f"{self.command} {path}" if path is not None else repr(self.requestline)

    def log_message(self, format: str, *args: Any) -> None:
        self.server.owner.log(format % args)


def _chunk(data: bytes) -> bytes:
    """``data`` as one chunk of a chunked body."""
    return f"{len(data):x}\r\n".encode("ascii") + data + b"\r\n"


def _close(stream: Iterator[bytes]) -> None:
    """Stop a stream's generator (and the wait of the events under it)."""
    close: Callable[[], None] | None = getattr(stream, "close", None)
    if close is not None:
        close()


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
        super().__init__(address, _Handler)

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
        body = _error_body(503, message)
        head = (
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        with contextlib.suppress(OSError):
            request.settimeout(1.0)
            request.sendall(head.encode("latin-1") + body)
        self.owner.log(f"connection from {request.getpeername()!r} -> 503 (full)")
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
        self.idle_timeout = idle_timeout
        self.max_connections = max_connections
        self.world = world if world is not None else World(contained=interceptor_installed)
        self.firehose = firehose if firehose is not None else FirehoseHandle(self.world)
        self.kinesis = kinesis if kinesis is not None else KinesisHandle(self.world)
        self._log = log
        self._control = Control(self.world, self.firehose, self.kinesis, lambda: self.url)
        self._httpd = _HTTPServer((host, port), self)
        self._thread: threading.Thread | None = None
        self._stopped = False

    # ------------------------------------------------------------------ addresses

    @property
    def host(self) -> str:
        return str(self._httpd.server_name)

    @property
    def port(self) -> int:
        return int(self._httpd.server_port)

    @property
    def netloc(self) -> str:
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
    def stopping(self) -> bool:
        """Whether :meth:`stop` was called: open event streams end."""
        return self._stopped

    @staticmethod
    def is_control(request: HttpRequest) -> bool:
        """Whether ``request`` is for the control API (under ``/_fake``)."""
        path = urlsplit(request.url).path
        return path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")

    def respond(self, request: HttpRequest, pull: EventPull | None = None) -> HttpResponse:
        """The answer to any request the server reads, over HTTP/1.1 or HTTP/2: the control
        API's, or AWS's (see :meth:`aws_answer`)."""
        if not self.is_control(request):
            return self.aws_answer(request, pull)
        parts = urlsplit(request.url)
        response = self.control_answer(request.method, parts.path, parts.query, request.body)
        response.headers.setdefault("Content-Type", _JSON)
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
        front = front_answer(request)
        if front is not None:
            if foreign(request.headers):
                self.log(f"{request.headers['x-amz-target']}: {_FOREIGN_HINT}")
            return self._front_response(front)
        route = route_of(request, self.world.region)
        if route is None:  # not reached: the front end answers every foreign target
            self.log(_FOREIGN_HINT)
            return self._unserved(ServiceError("UnknownOperationException", None))
        try:
            return self.world.handle(request, route, pull=pull)
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
            return ids.uuid(), ids.extended_request_id(), self.world.clock.now()

    def _unserved(self, error: ServiceError) -> HttpResponse:
        request_id, extended_id, date = self._stamp()
        return encode_unserved_error(
            error, request_id=request_id, extended_id=extended_id, date=date
        )

    def _front_response(self, front: FrontAnswer) -> HttpResponse:
        request_id, extended_id, _ = self._stamp()
        headers = {"x-amzn-RequestId": request_id, **front.headers}
        if not front.preflight:  # AWS answers a preflight with no x-amz-id-2
            headers["x-amz-id-2"] = extended_id
        if front.content_type is not None:
            headers["Content-Type"] = front.content_type
        return HttpResponse(front.status, front.body, headers)

    def control_answer(self, method: str, path: str, query: str, body: bytes) -> HttpResponse:
        try:
            status, value = self._control.answer(method, path, dict(parse_qsl(query)), body)
        except ControlError as error:
            status, value = error.status, {"error": error.message}
        except Exception as error:  # the fake itself failed: say so, keep serving
            traceback.print_exc(file=sys.stderr)
            status, value = 500, {"error": f"pytest-firehose failed: {error!r}"}
        return HttpResponse(status, _json_bytes(value))

    def log(self, line: str) -> None:
        if self._log is not None:
            print(line, file=self._log, flush=True)

    # ------------------------------------------------------------------ lifecycle

    def serve_forever(self) -> None:
        """Answer requests until :meth:`stop` (from another thread)."""
        self._httpd.serve_forever(poll_interval=0.05)

    def start(self) -> FirehoseServer:
        """Serve in a background thread."""
        self._thread = threading.Thread(
            target=self.serve_forever, name=f"pytest-firehose server {self.url}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close every connection and the listening socket."""
        if self._stopped:
            return
        self._stopped = True
        with self.world.changed:  # open event streams see the server stop
            self.world.changed.notify_all()
        if self._thread is not None:
            self._httpd.shutdown()
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
