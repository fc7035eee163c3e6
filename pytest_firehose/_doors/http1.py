"""The local server's HTTP/1.1 side: one connection's requests, one after another
(keep-alive), read and answered on the standard library's ``BaseHTTPRequestHandler``.

A request's body is read whole (``Content-Length`` or chunks, at most ``MAX_BODY``); an
event stream (SubscribeToShard) is a chunked answer whose events are pushed as the world
makes them (``exchange.pushed``). A connection that opens with HTTP/2's preface goes on in
HTTP/2 (``http2.py``). What the requests mean is the server's (``FirehoseServer.respond``).
"""

from __future__ import annotations

import contextlib
import email.errors
import http
import select
import socket
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from pytest_firehose._doors.http1_body import HttpError, framing, read_chunks, read_exactly
from pytest_firehose._doors.http2 import (
    JSON,
    MISSING_H2,
    PREFACE_LINE,
    PREFACE_REST,
    BadHost,
    Http2Connection,
    h2_installed,
    header_fields,
    refusal,
    request_url,
)
from pytest_firehose._engine.exchange import Engine, Event, EventFeed, pushed
from pytest_firehose._errors import NetworkFault
from pytest_firehose._wire.codec import HttpRequest, HttpResponse
from pytest_firehose._wire.front import MAX_BODY, error_body

if TYPE_CHECKING:
    from pytest_firehose._doors.server import _HTTPServer

#: What the standard library finds wrong with a multipart body it was not given (it reads
#: the head alone): a ``Content-Type: multipart/...`` request, whose head is sound.
_BODY_DEFECTS = (
    email.errors.NoBoundaryInMultipartDefect,
    email.errors.StartBoundaryNotFoundDefect,
    email.errors.CloseBoundaryNotFoundDefect,
    email.errors.MultipartInvariantViolationDefect,
)
#: How much of a refused request the server reads, and drops, after its answer before it
#: closes the connection: a client still sending the body reads the answer, where a close
#: with bytes unread would reset the connection under it (RFC 9112, 9.6).
LINGER_BYTES = 4 * MAX_BODY
#: Seconds an event stream waits for the world to change before it looks whether its
#: client is still there (events themselves come as soon as the world signals them).
STREAM_RECHECK = 0.5


class Handler(BaseHTTPRequestHandler):
    """One connection: requests one after another (HTTP/1.1 keep-alive)."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _HTTPServer

    def do_POST(self) -> None:
        self._serve()

    def __getattr__(self, name: str) -> Any:
        """``do_GET``, ``do_TRACE``, any method's: every request is served alike (the front
        end answers a method but POST as AWS does), where ``http.server`` answers a method
        it has no ``do_`` for with its own 501."""
        if name.startswith("do_"):
            return self.do_POST
        raise AttributeError(name)

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.owner.idle_timeout)  # each read of a request
        self._http2 = False
        #: Whether the server refused a request whose rest it did not read.
        self._refused = False

    def finish(self) -> None:
        super().finish()
        if self._refused:
            self._linger()

    def _linger(self) -> None:
        """After refusing a request unread: end the answer (the client reads it to the
        close), then read and drop what the client still sends, up to ``LINGER_BYTES``
        or a silence of ``idle_timeout``, so that the close resets nothing unread."""
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_WR)
            left = LINGER_BYTES
            while left > 0:
                data = self.connection.recv(min(left, 65536))
                if not data:
                    return
                left -= len(data)

    def parse_request(self) -> bool:
        """The request line; the HTTP/2 preface's first line (``PRI * HTTP/2.0``) ends the
        HTTP/1.1 conversation, and ``handle`` goes on in HTTP/2."""
        if getattr(self, "raw_requestline", None) == PREFACE_LINE:
            self._http2 = True
            self.close_connection = True
            return False
        reader = self.rfile
        self.rfile = watched = _LastLine(reader)  # type: ignore[assignment]
        try:
            if not super().parse_request():
                return False
        finally:
            self.rfile = reader
        if watched.last == b"" and self.request_version != "HTTP/0.9":
            # The connection closed before the blank line: the request is not all there.
            self.send_error(400, "the request's head ended before the blank line that ends it")
            return False
        if any(not isinstance(defect, _BODY_DEFECTS) for defect in self.headers.defects):
            # The standard library stops reading headers at a line it cannot read, and
            # the rest (Content-Length among them) would be taken for the body or for the
            # next request.
            self.send_error(400, "Bad header", "a header line is not 'Name: value'")
            return False
        return True

    def handle_expect_100(self) -> bool:
        """``100 Continue`` only for a body the server will read: a request refused from its
        head (a bad header, a body too large, framing it cannot read) gets its final
        answer at once (RFC 9110, 10.1.1), with no invitation to send what is refused."""
        if self.headers.defects:
            return True
        try:
            self._framing()
        except HttpError:
            return True
        return super().handle_expect_100()

    def handle(self) -> None:
        super().handle()
        if self._http2:
            self._serve_http2()

    def _serve_http2(self) -> None:
        owner = self.server.owner
        if self.rfile.read(len(PREFACE_REST)) != PREFACE_REST:
            owner._write_log("a broken HTTP/2 connection preface -> closed")
            return
        if not h2_installed():
            owner._write_log(f"HTTP/2 -> refused: {MISSING_H2}")
            with contextlib.suppress(OSError):
                self.wfile.write(refusal())
            return
        connection = Http2Connection(
            self.connection,
            self._respond_http2,
            host=owner.netloc,
            stopping=lambda: owner._stopping,
            log=owner._write_log,
            send_timeout=owner.idle_timeout,
        )
        connection.serve(self.rfile)

    def _respond_http2(self, request: HttpRequest, listening: Callable[[], bool]) -> HttpResponse:
        def pull(world: Engine, feed: EventFeed) -> Iterator[Event]:
            return pushed(world, feed, listening=listening, recheck=STREAM_RECHECK)

        return self.server.owner._respond(request, pull)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """HTTP-level errors (a bad request line, a header too long...) as JSON, not HTML."""
        self.close_connection = self._refused = True
        text = message or http.HTTPStatus(code).phrase
        if explain:
            text = f"{text}: {explain}"
        self._send(HttpResponse(code, error_body(code, text)), JSON)

    def _serve(self) -> None:
        owner = self.server.owner
        try:
            body = self._read_body()
            url = self._url()
        except HttpError as error:
            self.close_connection = self._refused = True
            self._send(HttpResponse(error.status, error_body(error.status, error.message)), JSON)
            return
        headers = header_fields(self.headers.items())
        request = HttpRequest(self.command, url, headers, body)
        try:
            response = owner._respond(request, self._pull)
        except NetworkFault as fault:
            # The wire form of a timeout: the connection closes with no answer.
            owner._write_log(f"{self.command} {self.path} -> connection closed ({fault.kind})")
            self.close_connection = True
            return
        if response.stream is not None:
            self._send_stream(response)
        else:
            self._send(response, JSON if owner._is_control(request) else None)

    def _pull(self, world: Engine, feed: EventFeed) -> Iterator[Event]:
        """A streaming answer's events as the world makes them: the server cannot move
        the clock as its client reads (see ``exchange.pushed``)."""
        return pushed(world, feed, listening=self._listening, recheck=STREAM_RECHECK)

    def _listening(self) -> bool:
        """Whether the server still serves and the client has not closed the connection."""
        if self.server.owner._stopping:
            return False
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return not readable or self.connection.recv(1, socket.MSG_PEEK) != b""
        except (OSError, ValueError):  # a socket shut down or closed under us
            return False

    def _url(self) -> str:
        """The request's URL, from its Host header (the server's own address without one)."""
        host = self.headers.get("Host") or self.server.owner.netloc
        try:
            return request_url(host, self.path)
        except BadHost as error:
            raise HttpError(400, str(error)) from None

    def _read_body(self) -> bytes:
        """The body, framed as :meth:`_framing` says."""
        length = self._framing()
        return read_chunks(self.rfile) if length is None else read_exactly(self.rfile, length)

    def _framing(self) -> int | None:
        """The body's length from the head (``None``: chunks), or :class:`HttpError`;
        the connection closes after a request framed both ways."""
        length, doubtful = framing(self.headers, self.request_version)
        if doubtful:
            self.close_connection = True
        return length

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
        self.server.owner._write_log(f"{self._request_named()} -> {response.status}")

    def _send_stream(self, response: HttpResponse) -> None:
        """An event stream: the head, then each frame as a chunk the moment it is made,
        and the last chunk when the stream ends (the connection stays open). An HTTP/1.0
        client, which has no chunked coding (RFC 9112, 6.1: no ``Transfer-Encoding`` in an
        answer to it), gets the frames as they are, the end of the stream the connection's
        close (6.3: the length of such an answer)."""
        assert response.stream is not None
        chunked = self.request_version not in ("HTTP/0.9", "HTTP/1.0")
        if chunked:
            headers = {**response.headers, "Transfer-Encoding": "chunked"}
        else:
            self.close_connection = True
            headers = {**response.headers, "Connection": "close"}

        def framed(data: bytes) -> bytes:
            return _chunk(data) if chunked else data

        phrase = http.HTTPStatus(response.status).phrase
        lines = [f"{self.protocol_version} {response.status} {phrase}"]
        lines.extend(f"{name}: {value}" for name, value in headers.items())
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        frames = 0
        try:
            self.wfile.write(head + framed(response.body))
            for frame in response.stream:
                self.wfile.write(framed(frame))
                frames += 1
            if not self._listening():
                self.close_connection = True
                return
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        except OSError:  # the client went away mid-stream
            self.close_connection = True
        except NetworkFault:  # scripted: the connection drops mid-stream
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
        finally:
            _close(response.stream)
            self.server.owner._write_log(
                f"{self._request_named()} -> {response.status} (event stream, {frames} events)"
            )

    def _request_named(self) -> str:
        """The request as the log names it; a request line too broken to read has no
        method or path (``send_error`` answers before they are set; the path may be the
        previous request's)."""
        path = getattr(self, "path", None)
        if self.command is None or path is None:
            return repr(self.requestline)
        return f"{self.command} {path}"

    def log_message(self, format: str, *args: Any) -> None:
        self.server.owner._write_log(format % args)


class _LastLine:
    """A connection's reader that keeps the last line read from it: the head's last line
    is its blank line, or ``b""`` when the connection closed before it."""

    def __init__(self, reader: Any) -> None:
        self._reader = reader
        self.last: bytes | None = None

    def readline(self, limit: int = -1) -> bytes:
        self.last = self._reader.readline(limit)
        return self.last

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reader, name)


def _chunk(data: bytes) -> bytes:
    """``data`` as one chunk of a chunked body."""
    return f"{len(data):x}\r\n".encode("ascii") + data + b"\r\n"


def _close(stream: Iterator[bytes]) -> None:
    """Stop a stream's generator (and the wait of the events under it)."""
    close: Callable[[], None] | None = getattr(stream, "close", None)
    if close is not None:
        close()
