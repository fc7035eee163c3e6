"""The server's HTTP framing under hostile clients: every refusal is JSON a client can read,
no request makes it print a traceback or allocate without bound, and idle or surplus
connections are let go. Raw sockets, since no HTTP library sends these requests."""

from __future__ import annotations

import http.client
import io
import json
import socket
import sys
from collections.abc import Iterator

import pytest

from pytest_firehose._doors.server import MAX_CONNECTIONS, FirehoseServer, _HTTPServer
from pytest_firehose._wire.front import MAX_BODY

#: How long a test waits for an answer that must come: only a failing test waits this long.
PATIENCE = 10.0
PUT = (
    b'{"DeliveryStreamName": "events", "Record": {"Data": "aGk="}}'
)  # fmt: skip


@pytest.fixture
def server() -> Iterator[FirehoseServer]:
    with FirehoseServer(idle_timeout=0.2, max_connections=3) as served:
        served.firehose.create_delivery_stream("events")
        yield served


def connect(server: FirehoseServer) -> socket.socket:
    return socket.create_connection((server.host, server.port), timeout=PATIENCE)


def answer_to(connection: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Read one answer: status, headers, body (up to Content-Length)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        assert chunk, f"the connection closed with no answer after {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    length = int(headers["content-length"])
    while len(body) < length:
        chunk = connection.recv(65536)
        assert chunk
        body += chunk
    return int(status_line.split()[1]), headers, body


def exchange(server: FirehoseServer, raw: bytes) -> tuple[int, dict[str, str], dict[str, str]]:
    with connect(server) as connection:
        connection.sendall(raw)
        status, headers, body = answer_to(connection)
    assert headers["content-type"] == "application/json"
    return status, headers, json.loads(body)


#: A signature in the form the front end checks (its value never is).
SIGNED = (
    "Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/firehose/"
    "aws4_request, SignedHeaders=host, Signature=0\r\nX-Amz-Date: 20260101T000000Z\r\n"
)


def aws_head(length: int | str, extra: str = "") -> bytes:
    return (
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "X-Amz-Target: Firehose_20150804.PutRecord\r\n"
        "Content-Type: application/x-amz-json-1.1\r\n"
        f"Content-Length: {length}\r\n{extra}\r\n"
    ).encode()


def test_a_body_too_large_is_refused_413_unread(
    server: FirehoseServer, capfd: pytest.CaptureFixture[str]
) -> None:
    status, headers, body = exchange(server, aws_head(10**12))
    assert status == 413
    assert headers["connection"] == "close"
    assert "larger than" in body["message"]
    assert "Traceback" not in capfd.readouterr().err


def test_a_content_length_of_thousands_of_digits_is_read_as_its_number(
    server: FirehoseServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Python reads no integer of more than 4,300 digits: the connection closed with no
    # answer, and the server printed the ValueError.
    failures: list[BaseException | None] = []
    monkeypatch.setattr(
        _HTTPServer, "handle_error", lambda self, *_: failures.append(sys.exc_info()[1])
    )
    status, headers, body = exchange(server, aws_head("1" * 5000) + PUT)
    assert (status, headers["connection"]) == (413, "close")
    assert "larger than" in body["message"]
    padded = aws_head("0" * 5000 + str(len(PUT)), extra=SIGNED) + PUT
    with connect(server) as connection:
        connection.sendall(padded)
        assert answer_to(connection)[0] == 200
    assert server.firehose["events"].records[0].data == b"hi"
    assert failures == []


def test_a_huge_chunk_is_refused_413(server: FirehoseServer) -> None:
    raw = aws_head(0).replace(b"Content-Length: 0", b"Transfer-Encoding: chunked")
    status, _, body = exchange(server, raw + b"FFFFFFFFFFFF\r\nabc")
    assert status == 413
    assert "larger than" in body["message"]


@pytest.mark.parametrize("size", [b"zz", b"-1", b"-2", b"+3", b"1_0", b" "])
def test_a_chunk_size_that_is_not_hexadecimal_is_a_400(
    server: FirehoseServer, size: bytes, capfd: pytest.CaptureFixture[str]
) -> None:
    raw = aws_head(0).replace(b"Content-Length: 0", b"Transfer-Encoding: chunked")
    status, _, body = exchange(server, raw + size + b"\r\nabc\r\n0\r\n\r\n")
    assert status == 400
    assert "hexadecimal" in body["message"]
    assert "Traceback" not in capfd.readouterr().err
    assert server.firehose["events"].records == []


@pytest.mark.parametrize("line", [b"broken header", b": no name"])
def test_a_header_line_that_is_not_a_header_is_a_400(server: FirehoseServer, line: bytes) -> None:
    # The headers after it, Content-Length among them, were dropped: the request was
    # answered as one without a target, and its body read as the next request.
    head = aws_head(len(PUT), extra=SIGNED)
    raw = head.replace(b"X-Amz-Target", line + b"\r\nX-Amz-Target") + PUT
    status, headers, body = exchange(server, raw)
    assert (status, headers["connection"]) == (400, "close")
    assert "a header line is not 'Name: value'" in body["message"]
    assert server.firehose["events"].records == []


def test_two_different_content_lengths_are_a_400(server: FirehoseServer) -> None:
    # The first was taken, and what the second counted read as the next request.
    raw = aws_head(len(PUT), extra=SIGNED + f"Content-Length: {len(PUT) + 3}\r\n")
    raw += PUT + b"xyz"
    status, headers, body = exchange(server, raw)
    assert (status, headers["connection"]) == (400, "close")
    assert body["message"] == f"Content-Length is given twice: {len(PUT)} and {len(PUT) + 3}"
    assert server.firehose["events"].records == []


def chunked_put(codings: str, version: str = "HTTP/1.1") -> bytes:
    """The put with ``Transfer-Encoding: codings``, its body in one chunk."""
    head = aws_head(0, extra=SIGNED).replace(
        b"Content-Length: 0", f"Transfer-Encoding: {codings}".encode()
    )
    head = head.replace(b"HTTP/1.1", version.encode(), 1)
    return head + f"{len(PUT):x}\r\n".encode() + PUT + b"\r\n0\r\n\r\n"


@pytest.mark.parametrize("codings", ["gzip, chunked", "deflate,chunked", "x-custom, chunked"])
def test_a_transfer_coding_before_chunked_that_is_not_decoded_is_a_501(
    server: FirehoseServer, codings: str
) -> None:
    # RFC 9112, 6.1: a coding the server does not understand.
    status, headers, body = exchange(server, chunked_put(codings))
    assert (status, headers["connection"]) == (501, "close")
    assert "is not supported: send the body with Content-Length" in body["message"]
    assert server.firehose["events"].records == []


@pytest.mark.parametrize(
    "codings",
    ["chunked, chunked", "chunked,chunked", "chunked\r\nTransfer-Encoding: chunked", "gzip",
     "chunked, gzip", "identity", "chunked;x=1", ""],
)  # fmt: skip
def test_a_transfer_encoding_that_does_not_end_with_one_chunked_is_a_400(
    server: FirehoseServer, codings: str
) -> None:
    # RFC 9112, 6.3: chunked not the final coding, the length cannot be told: 400, and the
    # connection closed. 6.1: chunked is applied once. Chunked twice was read as chunked
    # once (and committed); a coding without chunked was a 501.
    with connect(server) as connection:
        connection.sendall(chunked_put(codings))
        status, headers, raw = answer_to(connection)
        assert connection.recv(1) == b""
    assert (status, headers["connection"]) == (400, "close")
    assert "does not tell the body's length: give chunked once" in json.loads(raw)["message"]
    assert server.firehose["events"].records == []


def test_a_transfer_encoding_from_an_http_1_0_client_is_a_400(server: FirehoseServer) -> None:
    # RFC 9112, 6.1: HTTP/1.0 has no transfer codings; its framing is faulty. It was read
    # as chunks and committed.
    with connect(server) as connection:
        connection.sendall(chunked_put("chunked", version="HTTP/1.0"))
        status, headers, raw = answer_to(connection)
        assert connection.recv(1) == b""
    assert (status, headers["connection"]) == (400, "close")
    assert "in an HTTP/1.0 request" in json.loads(raw)["message"]
    assert server.firehose["events"].records == []


def test_chunks_and_a_content_length_are_read_as_chunks_and_the_connection_closed(
    server: FirehoseServer,
) -> None:
    chunked = f"{len(PUT):x}\r\n".encode() + PUT + b"\r\n0\r\n\r\n"
    raw = aws_head(3, extra=SIGNED + "Transfer-Encoding: chunked\r\n") + chunked
    with connect(server) as connection:
        connection.sendall(raw)
        status, headers, _ = answer_to(connection)
        assert connection.recv(1) == b""  # what follows may be framed either way
    assert (status, headers["connection"]) == (200, "close")
    assert server.firehose["events"].records[0].data == b"hi"


def test_an_attempt_number_of_thousands_of_digits_is_no_attempt(server: FirehoseServer) -> None:
    # Python reads no integer of more than 4,300 digits: this was a 500 InternalFailure
    # naming the ValueError.
    raw = aws_head(len(PUT), extra=SIGNED + f"amz-sdk-request: attempt={'9' * 5000}\r\n")
    with connect(server) as connection:
        connection.sendall(raw + PUT)
        status, _, _ = answer_to(connection)
    assert status == 200
    assert [call.attempt for call in server.world.calls] == [None]
    assert server.firehose["events"].records[0].data == b"hi"


def test_white_space_around_a_header_value_is_not_part_of_it(server: FirehoseServer) -> None:
    # RFC 9110, 5.5: a field value excludes leading and trailing white space. The target
    # and content type were read with their trailing blanks: an unknown operation (400),
    # or a body in no spoken content type (403 in XML).
    raw = aws_head(len(PUT), extra=SIGNED)
    raw = raw.replace(b"PutRecord\r\n", b"PutRecord \t\r\n").replace(b"1.1\r\n", b"1.1 \r\n")
    with connect(server) as connection:
        connection.sendall(raw + PUT)
        status, _, body = answer_to(connection)
    assert (status, json.loads(body)["RecordId"] != "") == (200, True)
    assert server.firehose["events"].records[0].data == b"hi"


@pytest.mark.parametrize("host", ["[", "127.0.0.1:port", "[::1"])
def test_a_host_header_that_is_no_host_is_a_400(server: FirehoseServer, host: str) -> None:
    raw = aws_head(len(PUT)).replace(b"Host: 127.0.0.1", f"Host: {host}".encode()) + PUT
    status, _, body = exchange(server, raw)
    assert status == 400
    assert "Host header" in body["message"]
    assert server.firehose["events"].records == []


@pytest.mark.parametrize(
    ("line", "expected"), [(b"NOT HTTP AT ALL", 400), (b"GET", 400), (b"GET / HTTP/9.9", 505)]
)
def test_a_bad_request_line_is_answered_in_json_without_a_traceback(
    server: FirehoseServer, monkeypatch: pytest.MonkeyPatch, line: bytes, expected: int
) -> None:
    failures: list[BaseException | None] = []
    monkeypatch.setattr(
        _HTTPServer, "handle_error", lambda self, *_: failures.append(sys.exc_info()[1])
    )
    with connect(server) as connection:
        connection.sendall(line + b"\r\n\r\n")
        status, headers, body = answer_to(connection)
        # The server closes the connection after its handler (and any error) is done.
        assert connection.recv(1) == b""
    assert (status, headers["content-type"]) == (expected, "application/json")
    assert json.loads(body)["message"]
    assert failures == []


def test_a_body_shorter_than_its_length_is_not_committed(server: FirehoseServer) -> None:
    with connect(server) as connection:
        connection.sendall(aws_head(len(PUT) + 50) + PUT)
        connection.shutdown(socket.SHUT_WR)
        status, _, body = answer_to(connection)
    assert status == 400
    assert b"ended after" in body
    assert server.firehose["events"].records == []
    assert server.world.calls == []


def test_a_client_that_stops_half_way_is_disconnected(
    server: FirehoseServer, capfd: pytest.CaptureFixture[str]
) -> None:
    with connect(server) as connection:
        connection.sendall(aws_head(len(PUT)) + PUT[:10])  # and then nothing
        assert connection.recv(65536) == b""  # closed by the server, with no answer
    with connect(server) as connection:
        connection.sendall(b"POST / HTTP/1.1\r\nHost: 1")  # headers never finished
        assert connection.recv(65536) == b""
    assert server.firehose["events"].records == []
    assert "Traceback" not in capfd.readouterr().err


def test_connections_past_the_limit_are_answered_503() -> None:
    with FirehoseServer(idle_timeout=PATIENCE, max_connections=3) as server:
        server.firehose.create_delivery_stream("events")
        past_the_limit(server)


def past_the_limit(server: FirehoseServer) -> None:
    idle = [connect(server) for _ in range(3)]
    try:
        # The server accepts in order, so these three hold every place when the fourth comes.
        status, headers, body = exchange(server, aws_head(len(PUT)) + PUT)
        assert status == 503
        assert body["__type"] == "ServiceUnavailableException"
        assert headers["connection"] == "close"
    finally:
        for connection in idle:
            connection.close()
    assert server.firehose["events"].records == []


def test_the_listen_backlog_takes_a_burst_of_clients() -> None:
    """The kernel queues this many connections while the server accepts (it was 5)."""
    assert MAX_CONNECTIONS == 128
    with FirehoseServer() as served:
        assert served._httpd.request_queue_size == MAX_CONNECTIONS


def chunked(*chunks: bytes, end: bytes = b"0\r\n\r\n") -> bytes:
    """The put's head with ``Transfer-Encoding: chunked``, then ``chunks`` and ``end``."""
    head = aws_head(0, extra=SIGNED).replace(b"Content-Length: 0", b"Transfer-Encoding: chunked")
    return head + b"".join(chunks) + end


def one_chunk(data: bytes, after: bytes = b"\r\n") -> bytes:
    return f"{len(data):x}\r\n".encode() + data + after


@pytest.mark.parametrize(
    "end",
    [b"0\r\n", b"0\r\nX-Trailer: 1\r\n", b"0\r\nX-Trail", b"0"],
    ids=["no-blank", "trailer", "cut-trailer", "cut-size"],
)
def test_a_chunked_body_cut_before_its_end_is_not_committed(
    server: FirehoseServer, end: bytes
) -> None:
    # The body's end is the blank line after the last chunk (RFC 9112, 7.1): the put was
    # committed when the connection closed before it.
    with connect(server) as connection:
        connection.sendall(chunked(one_chunk(PUT), end=end))
        connection.shutdown(socket.SHUT_WR)
        status, headers, body = answer_to(connection)
    assert (status, headers["connection"]) == (400, "close")
    assert "the body ended" in json.loads(body)["message"]
    assert server.firehose["events"].records == []
    assert server.world.calls == []


@pytest.mark.parametrize("after", [b"XX\r\n", b"\r", b" \r\n"])
def test_chunk_data_not_followed_by_its_crlf_is_a_400(server: FirehoseServer, after: bytes) -> None:
    # The line after the data was skipped whatever it held: "XX" was taken for the CRLF,
    # and the chunks on either side of it joined into one body.
    raw = chunked(one_chunk(PUT[:10], after=after), one_chunk(PUT[10:]))
    status, headers, body = exchange(server, raw)
    assert (status, headers["connection"]) == (400, "close")
    assert body["message"] == "a chunk's data must be followed by CRLF"
    assert server.firehose["events"].records == []


def test_a_chunk_line_too_long_is_a_400_not_read_as_data(server: FirehoseServer) -> None:
    # Its first 1,024 bytes were read as the line and the rest of the extension as data.
    data = b"a" * 2000
    raw = chunked(f"{len(PUT):x};x=".encode() + data + b"\r\n" + PUT + b"\r\n")
    status, headers, body = exchange(server, raw)
    assert (status, headers["connection"]) == (400, "close")
    assert body["message"] == "a chunk's size line is longer than 1024 bytes"
    assert server.firehose["events"].records == []


def test_trailers_are_bounded_as_header_fields_are(server: FirehoseServer) -> None:
    # Trailer lines were read, and dropped, for as long as the client sent them.
    many = b"".join(b"X-T%d: 1\r\n" % i for i in range(101))
    status, headers, body = exchange(server, chunked(one_chunk(PUT), end=b"0\r\n" + many + b"\r\n"))
    assert (status, headers["connection"]) == (431, "close")
    assert body["message"] == "the trailer section has more than 100 fields"
    status, _, body = exchange(
        server, chunked(one_chunk(PUT), end=b"0\r\nX-T: " + b"a" * 70000 + b"\r\n\r\n")
    )
    assert status == 431
    assert body["message"] == "a trailer field is longer than 65536 bytes"
    assert server.firehose["events"].records == []


def test_a_chunked_body_with_trailers_is_taken(server: FirehoseServer) -> None:
    raw = chunked(one_chunk(PUT[:7]), one_chunk(PUT[7:]), end=b"0;x=1\r\nX-T: 1\r\n\r\n")
    with connect(server) as connection:
        for _ in range(2):  # and the next request on the same connection
            connection.sendall(raw)
            assert answer_to(connection)[0] == 200
    assert [r.data for r in server.firehose["events"].records] == [b"hi", b"hi"]


def test_a_head_cut_before_its_blank_line_is_a_400(server: FirehoseServer) -> None:
    # It was answered as a whole request, with the headers that had come.
    with connect(server) as connection:
        connection.sendall(aws_head(len(PUT), extra=SIGNED)[:-2])
        connection.shutdown(socket.SHUT_WR)
        status, headers, body = answer_to(connection)
    assert (status, headers["connection"]) == (400, "close")
    assert json.loads(body)["message"] == (
        "the request's head ended before the blank line that ends it"
    )
    assert server.world.calls == []


def test_a_body_too_large_gets_no_100_continue(server: FirehoseServer) -> None:
    # "100 Continue" came first, asking the client for the body the 413 then refused.
    with connect(server) as connection:
        connection.sendall(aws_head(10**12, extra="Expect: 100-continue\r\n"))
        status, headers, _ = answer_to(connection)
    assert (status, headers["connection"]) == (413, "close")
    with connect(server) as connection:
        connection.sendall(aws_head(len(PUT), extra=SIGNED + "Expect: 100-continue\r\n"))
        assert connection.recv(65536) == b"HTTP/1.1 100 Continue\r\n\r\n"
        connection.sendall(PUT)
        assert answer_to(connection)[0] == 200


def test_a_bad_request_line_after_a_request_is_logged_as_the_line_sent() -> None:
    # It was logged as "None /": the method of the bad line and the path of the one before.
    log = io.StringIO()
    with FirehoseServer(log=log) as server, connect(server) as connection:
        connection.sendall(b"GET /_fake/health HTTP/1.1\r\n\r\n")
        assert answer_to(connection)[0] == 200
        connection.sendall(b"NOT HTTP\r\n\r\n")
        assert answer_to(connection)[0] == 400
    assert log.getvalue().splitlines()[-1] == "'NOT HTTP' -> 400"


@pytest.mark.parametrize(
    ("size", "headers", "status"),
    [
        (MAX_BODY + 1, {}, 413),
        (4 * 1024 * 1024, {"Transfer-Encoding": "gzip"}, 400),
    ],
)
def test_a_client_sending_a_refused_body_reads_the_refusal(
    size: int, headers: dict[str, str], status: int
) -> None:
    # The server answered and closed with the body unread: the client, still sending it,
    # met a broken pipe (http.client raised it) instead of the answer.
    with FirehoseServer() as server:
        connection = http.client.HTTPConnection(server.host, server.port, timeout=PATIENCE)
        try:
            connection.request("POST", "/", body=b"x" * size, headers=headers)
            answer = connection.getresponse()
            assert (answer.status, answer.getheader("Connection")) == (status, "close")
            assert json.loads(answer.read())["message"]
        finally:
            connection.close()
