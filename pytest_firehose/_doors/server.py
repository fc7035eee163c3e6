"""The local server: one fake world over HTTP, for SDKs in other languages and the AWS CLI.

``POST /`` with ``X-Amz-Target`` goes to the same engine the in-process interceptor uses
(``World.handle``); everything under ``/_fake/`` is the control API (``_control.py``).
HTTP/1.1 with keep-alive, on the standard library's ``ThreadingHTTPServer``.

Over a real socket a scripted timeout (``timeout="commit"``, ``"lost"``, ``"connect"``)
closes the connection without an answer, after committing or not: the client sees the
connection drop (botocore: ``ConnectionClosedError``; Node: ``ECONNRESET`` / "socket hang
up") and retries, as it would after a read timeout. The server cannot know the client's read
timeout, so ``latency=`` only moves the fake clock and the answer comes at once.
"""

from __future__ import annotations

import contextlib
import http
import json
import os
import socket
import socketserver
import sys
import threading
import traceback
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import parse_qsl

from pytest_firehose._doors.botocore import interceptor_installed
from pytest_firehose._doors.control import Control, ControlError
from pytest_firehose._doors.environment import FAKE_CREDENTIALS, NO_METADATA
from pytest_firehose._engine.world import World
from pytest_firehose._errors import NetworkFault, ServiceError
from pytest_firehose._handles.firehose import FirehoseHandle
from pytest_firehose._handles.kinesis import KinesisHandle
from pytest_firehose._wire.codec import (
    CONTENT_TYPE,
    HttpRequest,
    HttpResponse,
    encode_unserved_error,
)
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


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


class _Handler(BaseHTTPRequestHandler):
    """One connection: requests one after another (HTTP/1.1 keep-alive)."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _HTTPServer

    def do_POST(self) -> None:
        self._serve()

    do_GET = do_PUT = do_DELETE = do_PATCH = do_POST

    def _serve(self) -> None:
        owner = self.server.owner
        try:
            body = self._read_body()
        except ValueError as error:
            self.close_connection = True
            self._send(HttpResponse(400, _json_bytes({"error": str(error)})), _JSON)
            return
        path, _, query = self.path.partition("?")
        if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
            self._send(owner.control_answer(self.command, path, query, body), _JSON)
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        host = headers.get("host") or owner.netloc
        request = HttpRequest(self.command, f"http://{host}{self.path}", headers, body)
        try:
            response = owner.aws_answer(request)
        except NetworkFault as fault:
            # The wire form of a timeout: the connection closes with no answer.
            owner.log(f"{self.command} {self.path} -> connection closed ({fault.kind})")
            self.close_connection = True
            return
        self._send(response, CONTENT_TYPE)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():  # trailers
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        if not length.isdigit():
            raise ValueError(f"Content-Length must be a number of bytes, not {length!r}")
        return self.rfile.read(int(length))

    def _send(self, response: HttpResponse, content_type: str) -> None:
        """Status line, headers and body in one write (no wait for delayed ACKs)."""
        headers = {"Content-Type": content_type, **response.headers}
        headers["Content-Length"] = str(len(response.body))
        if self.close_connection:
            headers["Connection"] = "close"
        phrase = http.HTTPStatus(response.status).phrase
        lines = [f"{self.protocol_version} {response.status} {phrase}"]
        lines.extend(f"{name}: {value}" for name, value in headers.items())
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head + response.body)
        self.server.owner.log(f"{self.command} {self.path} -> {response.status}")

    def log_message(self, format: str, *args: Any) -> None:
        self.server.owner.log(format % args)


class _HTTPServer(ThreadingHTTPServer):
    """``ThreadingHTTPServer`` that knows its connections, to close them when it stops, and
    binds without a reverse DNS lookup of its host."""

    daemon_threads = True

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
            self._connections.add(request)
        super().process_request(request, client_address)

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
    ) -> None:
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

    def aws_answer(self, request: HttpRequest) -> HttpResponse:
        """An AWS request's answer, as the in-process fake gives it. Raises
        :class:`NetworkFault` for a scripted timeout."""
        route = route_of(request, self.world.region)
        if route is None:
            return encode_unserved_error(
                ServiceError(
                    "UnknownOperationException",
                    "pytest-firehose serves Firehose and Kinesis only (JSON 1.1 with "
                    "X-Amz-Target); point only their clients here, e.g. with "
                    "AWS_ENDPOINT_URL_FIREHOSE and AWS_ENDPOINT_URL_KINESIS",
                )
            )
        try:
            return self.world.handle(request, route)
        except NetworkFault:
            raise
        except Exception as error:  # the fake itself failed: say so, keep serving
            traceback.print_exc(file=sys.stderr)
            failure = ServiceError("InternalFailure", f"pytest-firehose: {error!r}", 500)
            return encode_unserved_error(failure)

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
