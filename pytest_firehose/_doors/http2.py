"""HTTP/2 on the local server: cleartext with prior knowledge (h2c), as Node's
``http2.connect`` speaks it to an ``http://`` URL, so the AWS SDK for JavaScript v3's default
Kinesis client (``NodeHttp2Handler``) works against the server unchanged.

The protocol is the ``h2`` library's (the ``http2`` extra); this module only moves bytes
between it and the socket and answers each request stream in a thread of its own, since a
client multiplexes every call (an open SubscribeToShard among them) over one connection.
Without ``h2`` the server answers the connection preface with an empty SETTINGS frame and a
GOAWAY ``HTTP_1_1_REQUIRED`` whose debug data names the extra.

A scripted timeout closes the whole connection without an answer, as over HTTP/1.1: the
client sees the connection drop and retries. A connection is closed after ``idle_timeout``
seconds of silence, also when a request's end has not come; one with an answer in flight
(an open event stream) stays. An answer whose client keeps its flow-control window closed
for ``idle_timeout`` seconds is given up, its stream reset (``CANCEL``), so that no client
holds one of the server's threads by not reading. A request body over ``MAX_BODY`` is
answered 413 and not kept, as over HTTP/1.1; what a connection keeps of the bodies still
coming is bounded by flow control (``http2_bodies.py``).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol
from urllib.parse import urlsplit

from pytest_firehose._doors.http2_bodies import Incoming, IncomingBodies
from pytest_firehose._errors import NetworkFault
from pytest_firehose._wire.codec import HttpRequest, HttpResponse
from pytest_firehose._wire.front import error_body, too_large

#: The first line of the HTTP/2 connection preface, which an HTTP/1.1 server reads as a
#: request line (RFC 9113, section 3.4); the rest of the preface follows it.
PREFACE_LINE = b"PRI * HTTP/2.0\r\n"
PREFACE_REST = b"\r\nSM\r\n\r\n"
#: Logged, and sent in the GOAWAY's debug data, when a client speaks HTTP/2 without ``h2``.
MISSING_H2 = (
    "the client speaks HTTP/2 (the AWS SDK for JavaScript v3's Kinesis client does by "
    "default); the server speaks it with the h2 library: pip install 'pytest-firehose[http2]', "
    "or give the client an HTTP/1.1 handler (NodeHttpHandler)"
)
#: Headers of an HTTP/1.1 answer that HTTP/2 forbids (RFC 9113, section 8.2.2).
_CONNECTION_HEADERS = frozenset(
    {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"}
)
_READ_SIZE = 65536
_FRAME_HEAD = struct.Struct(">HBBBI")  # 24-bit length as 16 + 8 bits, type, flags, stream
_SETTINGS, _GOAWAY, _HTTP_1_1_REQUIRED = 0x4, 0x7, 0xD
#: The error code of a stream reset because its answer could not be sent (RFC 9113, 7).
_CANCEL = 0x8
JSON = "application/json"


class Respond(Protocol):
    """The server's answer to one request (``FirehoseServer.respond``): raises
    :class:`NetworkFault` where a scripted timeout drops the connection. ``listening``:
    whether the client still waits for this answer (an event stream ends when not)."""

    def __call__(self, request: HttpRequest, listening: Callable[[], bool]) -> HttpResponse: ...


class BadHost(ValueError):
    """A request's ``Host`` (or ``:authority``) that is no host[:port]; the message is the
    server's 400 answer."""


def request_url(host: str, path: str) -> str:
    """The URL of a request to ``host`` (its ``Host`` header, or HTTP/2's ``:authority``)
    for ``path``; raises :class:`BadHost` when ``host`` is no host[:port]."""
    url = f"http://{host}{path}"
    try:
        urlsplit(url).port  # noqa: B018 - parses the host and port, or raises
    except ValueError as error:
        raise BadHost(f"the Host header {host!r} is not a host[:port] ({error})") from None
    return url


def header_fields(fields: Iterable[tuple[str, str]]) -> dict[str, str]:
    """A request's header fields by lower-case name, each value without the white space
    around it (RFC 9110, 5.5); a name given more than once has its values joined with ", "
    (5.3), over HTTP/1.1 and HTTP/2 alike. So an ``X-Amz-Target`` given twice names no
    operation, whichever comes last."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in fields:
        name, value = raw_name.lower(), raw_value.strip(" \t")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def h2_installed() -> bool:
    """Whether the ``h2`` library can be imported."""
    try:
        importlib.import_module("h2.connection")
    except ImportError:
        return False
    return True


def _frame(kind: int, payload: bytes) -> bytes:
    length = len(payload)
    return _FRAME_HEAD.pack(length >> 8, length & 0xFF, kind, 0, 0) + payload


def refusal() -> bytes:
    """What the server sends an HTTP/2 client without ``h2``: the server's preface (an empty
    SETTINGS frame) and a GOAWAY ``HTTP_1_1_REQUIRED`` with :data:`MISSING_H2`."""
    goaway = struct.pack(">II", 0, _HTTP_1_1_REQUIRED) + MISSING_H2.encode("utf-8")
    return _frame(_SETTINGS, b"") + _frame(_GOAWAY, goaway)


class _Gone(Exception):
    """The stream or the connection closed while an answer was being sent."""


class Http2Connection:
    """One HTTP/2 connection, served until the client or the server closes it."""

    def __init__(
        self,
        connection: socket.socket,
        respond: Respond,
        *,
        host: str,
        stopping: Callable[[], bool],
        log: Callable[[str], None],
        send_timeout: float,
    ) -> None:
        h2_config = importlib.import_module("h2.config")
        h2_connection = importlib.import_module("h2.connection")
        self._events = importlib.import_module("h2.events")
        self._errors = importlib.import_module("h2.exceptions")
        self._open_state = h2_connection.ConnectionState.SERVER_OPEN
        config = h2_config.H2Configuration(client_side=False, header_encoding=None)
        self._h2: Any = h2_connection.H2Connection(config=config)
        self._socket = connection
        self._respond = respond
        self._host = host
        self._stopping = stopping
        self._log = log
        #: Seconds an answer waits for its client to open a closed flow-control window.
        self._send_timeout = send_timeout
        #: Guards the h2 state and the socket's writes; notified when a window opens, a
        #: stream is reset or the connection closes (answers waiting to send look again).
        self._lock = threading.Condition()
        self._incoming = IncomingBodies(self._h2, self._errors.StreamClosedError)
        self._answering: set[int] = set()
        self._reset: set[int] = set()
        self._closed = False

    def serve(self, rfile: io.BufferedIOBase) -> None:
        """Serve the connection, its preface read already; ``rfile`` is the
        buffered reader that read it (it may hold more of what the client sent)."""
        with self._lock:
            self._h2.initiate_connection()
            self._receive(PREFACE_LINE + PREFACE_REST)
            self._flush()
        buffered = rfile.read1(_READ_SIZE)  # whatever the reader holds, then the socket
        while buffered and not self._closed:
            with self._lock:
                self._receive(buffered)
                self._flush()
            buffered = self._read()
        self._close()

    def _read(self) -> bytes:
        """The next bytes from the client; ``b""`` when the connection is over."""
        while not self._closed:
            try:
                return self._socket.recv(_READ_SIZE)
            except TimeoutError:
                with self._lock:
                    # A request whose end has not come counts as silence, as over
                    # HTTP/1.1: only an answer in flight (an event stream) keeps it open.
                    if not self._answering:
                        self._log("HTTP/2 connection idle -> closed")
                        return b""
            except OSError:
                return b""
        return b""

    def _close(self) -> None:
        with self._lock:
            self._closed = True
            self._lock.notify_all()

    # ------------------------------------------------------------------ receiving

    def _receive(self, data: bytes) -> None:
        """Feed the client's bytes to h2 and act on what they were (lock held)."""
        try:
            events = self._h2.receive_data(data)
        except self._errors.ProtocolError as error:
            self._log(f"HTTP/2 protocol error -> closed ({error})")
            self._flush()
            self._closed = True
            return
        for event in events:
            self._on(event)

    def _on(self, event: Any) -> None:
        events = self._events
        if isinstance(event, events.RequestReceived):
            self._incoming.open(event.stream_id, list(event.headers))
        elif isinstance(event, events.DataReceived):
            self._incoming.take(event.stream_id, event.data, event.flow_controlled_length)
        elif isinstance(event, events.StreamEnded):
            self._start(event.stream_id)
        elif isinstance(event, events.StreamReset):
            self._incoming.done(event.stream_id)
            self._reset.add(event.stream_id)
        elif isinstance(event, events.ConnectionTerminated):
            self._on_goaway(event.error_code)
        self._lock.notify_all()  # a window update, a reset or the end: senders look again

    def _on_goaway(self, error_code: int) -> None:
        """A client's GOAWAY. ``NO_ERROR`` is a graceful close: the streams in progress
        still finish (RFC 9113, section 6.8), as the JavaScript SDK expects when it closes
        its session right after sending a request (``disableConcurrentStreams``). h2 closes
        its connection on any GOAWAY (python-hyper/h2 issue 1181), so it is reopened for
        them; the client closes the socket once they are done."""
        if error_code != 0:
            self._closed = True
            return
        self._h2.state_machine.state = self._open_state

    def _start(self, stream_id: int) -> None:
        incoming = self._incoming.done(stream_id)
        if incoming is None:
            return
        self._answering.add(stream_id)
        threading.Thread(
            target=self._answer,
            args=(stream_id, incoming),
            name=f"pytest-firehose HTTP/2 stream {stream_id}",
            daemon=True,
        ).start()

    def _request(self, incoming: Incoming) -> HttpRequest:
        fields = [
            (name.decode("latin-1"), value.decode("latin-1")) for name, value in incoming.headers
        ]
        pseudo = {name: value for name, value in fields if name.startswith(":")}
        headers = header_fields((name, value) for name, value in fields if name not in pseudo)
        authority = pseudo.get(":authority") or headers.get("host") or self._host
        headers.setdefault("host", authority)
        url = request_url(authority, pseudo.get(":path", "/"))
        return HttpRequest(pseudo.get(":method", "GET"), url, headers, b"".join(incoming.body))

    # ------------------------------------------------------------------ answering

    def _answer(self, stream_id: int, incoming: Incoming) -> None:
        """One request stream's answer, in its own thread."""
        named = f"HTTP/2 stream {stream_id}"
        head_only = False
        try:
            request = self._request(incoming)
            named = f"{request.method} {request.url} ({named})"
            # RFC 9110, 9.3.2: HEAD gets GET's head (its content-length too), and no content.
            head_only = request.method == "HEAD"
            if incoming.too_large:
                response = too_large()
            else:
                response = self._respond(request, lambda: self._listening(stream_id))
        except BadHost as error:  # as over HTTP/1.1; the connection's other streams go on
            response = HttpResponse(400, error_body(400, str(error)), {"Content-Type": JSON})
        except NetworkFault as fault:
            # The wire form of a timeout, as over HTTP/1.1: the connection drops.
            self._log(f"{named} -> connection closed ({fault.kind})")
            self._finish(stream_id)
            self._drop()
            return
        frames = 0
        try:
            self._send_head(stream_id, response)
            body = b"" if head_only and response.stream is None else response.body
            self._send(stream_id, body, end=response.stream is None)
            if response.stream is not None:
                for chunk in response.stream:
                    self._send(stream_id, chunk, end=False)
                    frames += 1
                self._send(stream_id, b"", end=True)
        except _Gone:
            pass
        except NetworkFault as fault:  # scripted: the connection drops mid-stream
            self._log(f"{named} -> connection closed mid-stream ({fault.kind})")
            self._drop()
        finally:
            if response.stream is not None:
                _close(response.stream)
            self._finish(stream_id)
            shown = f" (event stream, {frames} events)" if response.stream is not None else ""
            self._log(f"{named} -> {response.status}{shown}")

    def _finish(self, stream_id: int) -> None:
        with self._lock:
            self._answering.discard(stream_id)
            self._reset.discard(stream_id)

    def _listening(self, stream_id: int) -> bool:
        with self._lock:
            return not (self._closed or stream_id in self._reset or self._stopping())

    def _drop(self) -> None:
        """Close the connection with no answer (a scripted timeout)."""
        self._close()
        with contextlib.suppress(OSError):
            self._socket.shutdown(socket.SHUT_RDWR)

    def _send_head(self, stream_id: int, response: HttpResponse) -> None:
        headers = [(":status", str(response.status))]
        headers.extend(
            (name.lower(), value)
            for name, value in response.headers.items()
            if name.lower() not in _CONNECTION_HEADERS and name.lower() != "content-length"
        )
        if response.stream is None:
            headers.append(("content-length", str(len(response.body))))
        with self._lock:
            self._check(stream_id)
            try:
                self._h2.send_headers(stream_id, headers)
            except self._errors.H2Error:
                raise _Gone from None
            self._flush()

    def _send(self, stream_id: int, data: bytes, *, end: bool) -> None:
        """``data`` as DATA frames, as the flow-control windows let it go; the stream is
        reset when they stay closed for ``send_timeout`` seconds."""
        with self._lock:
            closed_since: float | None = None
            while True:
                self._check(stream_id)
                try:
                    room = min(
                        self._h2.local_flow_control_window(stream_id),
                        self._h2.max_outbound_frame_size,
                    )
                    if data and room <= 0:
                        closed_since = closed_since or time.monotonic()
                        left = closed_since + self._send_timeout - time.monotonic()
                        if left <= 0:
                            self._give_up(stream_id)
                        self._lock.wait(left)  # until the client opens the window
                        continue
                    closed_since = None
                    piece, data = data[:room], data[room:]
                    self._h2.send_data(stream_id, piece, end_stream=end and not data)
                except self._errors.H2Error:
                    raise _Gone from None
                self._flush()
                if not data:
                    return

    def _give_up(self, stream_id: int) -> None:
        """Reset a stream whose client kept its window closed too long (lock held)."""
        self._log(
            f"HTTP/2 stream {stream_id}: flow-control window closed for "
            f"{self._send_timeout:g} s -> reset (CANCEL)"
        )
        self._h2.reset_stream(stream_id, error_code=_CANCEL)
        self._flush()
        raise _Gone

    def _check(self, stream_id: int) -> None:
        if self._closed or stream_id in self._reset:
            raise _Gone

    def _flush(self) -> None:
        """Send what h2 has queued (lock held)."""
        data = self._h2.data_to_send()
        if not data:
            return
        try:
            self._socket.sendall(data)
        except OSError:
            self._closed = True
            self._lock.notify_all()


def _close(stream: Iterator[bytes]) -> None:
    close: Callable[[], None] | None = getattr(stream, "close", None)
    if close is not None:
        close()
