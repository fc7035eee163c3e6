"""HTTP/2 on the local server (h2c with prior knowledge), driven by a client made of the
``h2`` library over a plain socket: requests multiplexed on one connection, SubscribeToShard's
event stream among them, the control API, a scripted timeout, and the refusal without ``h2``."""

from __future__ import annotations

import base64
import json
import socket
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.eventstream import EventStreamBuffer

from pytest_firehose import FirehoseFake, FirehoseServer
from pytest_firehose._doors import http1, http2_bodies
from pytest_firehose._doors.server import serve_fake
from pytest_firehose._engine.exchange import pushed

h2_connection = pytest.importorskip("h2.connection")
h2_config = pytest.importorskip("h2.config")
h2_events = pytest.importorskip("h2.events")
h2_errors = pytest.importorskip("h2.errors")
h2_settings = pytest.importorskip("h2.settings")

REGION = "us-east-1"
SHARD = "shardId-000000000000"
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#: Only so that an answer that never comes fails the test instead of hanging it.
HANG_GUARD = 120.0


@dataclass
class Answer:
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytearray = field(default_factory=bytearray)
    ended: bool = False
    #: The error code of the server's RST_STREAM, if it reset the stream.
    reset: int | None = None


class Client:
    """An HTTP/2 client connection to the server, one request stream after another or
    several at once."""

    def __init__(self, server: FirehoseServer) -> None:
        self.server = server
        self.socket = socket.create_connection((server.host, server.port), timeout=HANG_GUARD)
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as SDKs do
        config = h2_config.H2Configuration(client_side=True, header_encoding="utf-8")
        self.h2 = h2_connection.H2Connection(config=config)
        self.h2.initiate_connection()
        self.answers: dict[int, Answer] = {}
        self.closed = False
        self._flush()

    def _flush(self) -> None:
        try:
            self.socket.sendall(self.h2.data_to_send())
        except (BrokenPipeError, ConnectionResetError):
            # The server dropped the connection before taking what we had left to send
            # (an acknowledgement, the rest of a body): a drop, as a read of it says.
            self.closed = True

    def send(
        self,
        path: str,
        body: bytes,
        headers: dict[str, str] | None = None,
        method: str = "POST",
    ) -> int:
        stream_id: int = self.h2.get_next_available_stream_id()
        self.h2.send_headers(
            stream_id,
            [
                (":method", method),
                (":scheme", "http"),
                (":authority", self.server.netloc),
                (":path", path),
                *(headers or {}).items(),
            ],
        )
        self.answers[stream_id] = Answer()
        while True:  # as the flow-control windows let it go
            window = self.h2.local_flow_control_window(stream_id)
            room = min(window, self.h2.max_outbound_frame_size)
            if body and room <= 0:
                self.pump()  # until the server opens the window
                continue
            piece, body = body[:room], body[room:]
            self.h2.send_data(stream_id, piece, end_stream=not body)
            self._flush()
            if not body:
                return stream_id

    def kinesis(self, operation: str, params: dict[str, Any]) -> int:
        headers = {
            "content-type": "application/x-amz-json-1.1",
            "x-amz-target": f"Kinesis_20131202.{operation}",
            "x-amz-date": "20250101T000000Z",
            "authorization": (
                "AWS4-HMAC-SHA256 Credential=any/20250101/us-east-1/kinesis/aws4_request, "
                "SignedHeaders=host, Signature=0"
            ),
        }
        return self.send("/", json.dumps(params).encode(), headers)

    def pump(self) -> None:
        """Read once from the server and take in what it sent."""
        try:
            data = self.socket.recv(65536)
        except ConnectionResetError:  # a drop with our frames unread is a reset, not an end
            data = b""
        if not data:
            self.closed = True
            return
        for event in self.h2.receive_data(data):
            answer = self.answers.get(getattr(event, "stream_id", 0))
            if isinstance(event, h2_events.ResponseReceived) and answer is not None:
                headers = dict(event.headers)
                answer.status = int(headers.pop(":status"))
                answer.headers = headers
            elif isinstance(event, h2_events.DataReceived) and answer is not None:
                answer.body += event.data
                self.h2.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2_events.StreamEnded) and answer is not None:
                answer.ended = True
            elif isinstance(event, h2_events.StreamReset) and answer is not None:
                answer.reset = event.error_code
            elif isinstance(event, h2_events.ConnectionTerminated):
                self.closed = True
        self._flush()

    def until(self, done: Any) -> None:
        while not done() and not self.closed:
            self.pump()

    def answer(self, stream_id: int) -> Answer:
        self.until(lambda: self.answers[stream_id].ended)
        return self.answers[stream_id]

    def json(self, stream_id: int) -> Any:
        answer = self.answer(stream_id)
        assert answer.status == 200, bytes(answer.body)
        return json.loads(answer.body)

    def close(self) -> None:
        self.socket.close()


def frames(body: bytearray) -> list[Any]:
    reader = EventStreamBuffer()
    reader.add_data(bytes(body))
    return list(reader)


def event_types(body: bytearray) -> list[str]:
    return [message.headers[":event-type"] for message in frames(body)]


@pytest.fixture
def fake() -> Iterator[FirehoseFake]:
    with FirehoseFake(region=REGION) as fake:
        fake.kinesis.create_stream("s")
        yield fake


@pytest.fixture
def server(fake: FirehoseFake) -> Iterator[FirehoseServer]:
    with serve_fake(fake) as server:
        yield server


@pytest.fixture
def client(server: FirehoseServer) -> Iterator[Client]:
    client = Client(server)
    yield client
    client.close()


@pytest.fixture
def consumer(fake: FirehoseFake, client: Client) -> str:
    registered = client.json(
        client.kinesis(
            "RegisterStreamConsumer", {"StreamARN": fake.kinesis["s"].arn, "ConsumerName": "app"}
        )
    )
    arn: str = registered["Consumer"]["ConsumerARN"]
    return arn


def put(client: Client, data: bytes) -> None:
    client.json(
        client.kinesis(
            "PutRecord",
            {"StreamName": "s", "Data": base64.b64encode(data).decode(), "PartitionKey": "k"},
        )
    )


def test_a_request_over_http2_is_answered_as_over_http1(fake, client):
    answer = client.answer(client.kinesis("ListStreams", {}))
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/x-amz-json-1.1"
    assert "x-amzn-requestid" in answer.headers
    assert json.loads(answer.body)["StreamNames"] == ["s"]
    assert "connection" not in answer.headers


def test_an_error_over_http2_is_aws_error(client):
    answer = client.answer(client.kinesis("DescribeStream", {"StreamName": "missing"}))
    assert answer.status == 400
    assert json.loads(answer.body)["__type"] == "ResourceNotFoundException"


def test_a_body_over_the_limit_is_refused_413_unread(fake, client):
    """As over HTTP/1.1 and in process: a bare 413 before any service reads the request."""
    records = [{"Data": "A" * 40_000, "PartitionKey": "k"}] * 450  # 18 MB of JSON
    stream_id = client.kinesis("PutRecords", {"StreamName": "s", "Records": records})
    answer = client.answer(stream_id)
    assert answer.status == 413
    assert "__type" not in json.loads(answer.body)
    assert fake.kinesis["s"].records == []
    assert json.loads(client.answer(client.kinesis("ListStreams", {})).body)["StreamNames"] == ["s"]


def test_the_control_api_answers_over_http2(fake, client):
    moved = client.json(client.send("/_fake/clock", json.dumps({"advance": 30}).encode()))
    assert moved["now"] == fake.kinesis.clock.now().isoformat()


def test_a_subscription_streams_beside_other_calls_on_one_connection(fake, client, consumer):
    put(client, b"a")
    subscription = client.kinesis(
        "SubscribeToShard",
        {"ConsumerARN": consumer, "ShardId": SHARD, "StartingPosition": {"Type": "TRIM_HORIZON"}},
    )
    opened = client.answers[subscription]
    client.until(lambda: len(frames(opened.body)) == 2)
    assert opened.status == 200
    assert opened.headers["content-type"] == "application/vnd.amazon.eventstream"
    put(client, b"b")  # on the same connection, while the stream is open
    client.until(lambda: len(frames(opened.body)) == 3)
    first, second = (json.loads(message.payload) for message in frames(opened.body)[1:])
    assert [record["Data"] for record in first["Records"] + second["Records"]] == [
        "YQ==",
        "Yg==",
    ]
    fake.kinesis.clock.advance(minutes=5)
    assert client.answer(subscription).ended
    assert event_types(opened.body)[0] == "initial-response"


def test_the_first_event_comes_though_the_clock_passed_five_minutes_before_it_was_pushed(
    fake, client, consumer, monkeypatch
):
    def late(world: Any, feed: Any, **reader: Any) -> Iterator[Any]:
        # Runs as the server starts pushing: the subscription began, nothing was sent yet.
        fake.kinesis.clock.advance(minutes=6)
        yield from pushed(world, feed, **reader)

    monkeypatch.setattr(http1, "pushed", late)
    put(client, b"a")
    subscription = client.kinesis(
        "SubscribeToShard",
        {"ConsumerARN": consumer, "ShardId": SHARD, "StartingPosition": {"Type": "TRIM_HORIZON"}},
    )
    answer = client.answer(subscription)
    assert answer.ended
    assert event_types(answer.body) == ["initial-response", "SubscribeToShardEvent"]
    event = json.loads(frames(answer.body)[1].payload)
    assert [record["Data"] for record in event["Records"]] == ["YQ=="]
    assert "ContinuationSequenceNumber" in event


def test_a_subscription_outlives_the_client_closing_its_session(fake, server, client, consumer):
    # The JavaScript SDK closes its session (GOAWAY, NO_ERROR) right after the request.
    subscription = client.kinesis(
        "SubscribeToShard",
        {"ConsumerARN": consumer, "ShardId": SHARD, "StartingPosition": {"Type": "LATEST"}},
    )
    opened = client.answers[subscription]
    client.until(lambda: len(frames(opened.body)) == 2)
    client.socket.sendall(_goaway(error_code=0))
    other = Client(server)
    try:
        put(other, b"a")
    finally:
        other.close()
    client.until(lambda: len(frames(opened.body)) == 3)
    assert json.loads(frames(opened.body)[2].payload)["Records"][0]["Data"] == "YQ=="


def test_head_gets_gets_head_and_no_content(client):
    got = client.answer(client.send("/_fake/health", b"", method="GET"))
    head = client.answer(client.send("/_fake/health", b"", method="HEAD"))

    assert head.status == got.status == 200
    assert head.headers["content-length"] == str(len(got.body)) != "0"
    assert head.body == b""


def test_a_scripted_timeout_drops_the_connection(fake, client):
    fake.kinesis.fail(operation="ListStreams", timeout="lost")
    client.kinesis("ListStreams", {})
    client.until(lambda: False)
    assert client.closed
    (call,) = [c for c in fake.kinesis.calls if c.operation == "ListStreams"]
    assert call.outcome == "timeout"


def test_a_stream_dropped_mid_way_drops_the_connection(fake, client, consumer):
    fake.kinesis.fail(operation="SubscribeToShard", timeout="lost", events=1)
    subscription = client.kinesis(
        "SubscribeToShard",
        {"ConsumerARN": consumer, "ShardId": SHARD, "StartingPosition": {"Type": "LATEST"}},
    )
    client.until(lambda: False)
    assert client.closed
    assert event_types(client.answers[subscription].body) == [
        "initial-response",
        "SubscribeToShardEvent",
    ]
    assert not client.answers[subscription].ended


def test_without_h2_the_client_is_told_the_extra(server, monkeypatch):
    monkeypatch.setattr(http1, "h2_installed", lambda: False)
    connection = socket.create_connection((server.host, server.port), timeout=HANG_GUARD)
    with connection:
        connection.sendall(PREFACE)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    settings, goaway = _frames(received)
    assert settings == (0x4, b"")
    kind, payload = goaway
    assert kind == 0x7
    assert struct.unpack(">II", payload[:8]) == (0, 0xD)  # HTTP_1_1_REQUIRED
    assert "pytest-firehose[http2]" in payload[8:].decode()


def _goaway(error_code: int) -> bytes:
    payload = struct.pack(">II", 0, error_code)
    return struct.pack(">I", len(payload))[1:] + bytes((0x7, 0)) + bytes(4) + payload


def _frames(data: bytes) -> list[tuple[int, bytes]]:
    found = []
    while data:
        length = int.from_bytes(data[:3], "big")
        found.append((data[3], data[9 : 9 + length]))
        data = data[9 + length :]
    return found


def test_an_authority_that_is_no_host_is_a_400_and_the_connection_goes_on(client):
    """As a Host header that is no host over HTTP/1.1 (the stream was left unanswered, with
    a traceback in the server's thread)."""
    stream_id = client.h2.get_next_available_stream_id()
    client.h2.send_headers(
        stream_id,
        [(":method", "POST"), (":scheme", "http"), (":authority", "[::1"), (":path", "/")],
        end_stream=True,
    )
    client._flush()
    client.answers[stream_id] = Answer()
    client.socket.settimeout(5.0)  # it never came
    answer = client.answer(stream_id)
    assert (answer.status, answer.headers["content-type"]) == (400, "application/json")
    assert json.loads(answer.body)["message"].startswith("the Host header '[::1' is not a host")
    assert client.json(client.kinesis("ListStreams", {}))["StreamNames"] == ["s"]


def test_a_client_silent_mid_request_is_disconnected(fake):
    """As over HTTP/1.1: a request whose end never comes does not hold the connection."""
    with FirehoseServer(fake.world, idle_timeout=0.2) as server:
        client = Client(server)
        try:
            stream_id = client.h2.get_next_available_stream_id()
            headers = [(":method", "POST"), (":scheme", "http"), (":authority", server.netloc)]
            client.h2.send_headers(stream_id, [*headers, (":path", "/")])  # no end of stream
            client._flush()
            client.socket.settimeout(5.0)  # it was never closed
            client.until(lambda: False)
            assert client.closed
        finally:
            client.close()


def test_a_client_that_keeps_its_window_closed_has_its_answer_given_up(fake):
    """An answer that cannot be sent frees its thread after idle_timeout: it waited for
    the window to open for as long as the connection lasted."""
    with FirehoseServer(fake.world, idle_timeout=0.2) as server:
        client = Client(server)
        try:
            client.h2.update_settings({h2_settings.SettingCodes.INITIAL_WINDOW_SIZE: 0})
            stream_id = client.send("/_fake/health", b"", method="GET")
            client.socket.settimeout(10.0)  # only a failing test waits this long
            client.until(lambda: client.answers[stream_id].reset is not None)
            answer = client.answers[stream_id]
        finally:
            client.close()
    assert (answer.status, answer.body, answer.ended) == (200, bytearray(), False)
    assert answer.reset == h2_errors.ErrorCodes.CANCEL


def test_a_target_given_twice_is_refused_alike_over_http1_and_http2(fake, server, client):
    """Both name PutRecord last: HTTP/1.1 took the last value and committed the record,
    HTTP/2 joined the two, which name no operation."""
    put = json.dumps({"StreamName": "s", "Data": "YQ==", "PartitionKey": "k"}).encode()
    head = [
        ("content-type", "application/x-amz-json-1.1"),
        ("x-amz-date", "20250101T000000Z"),
        (
            "authorization",
            "AWS4-HMAC-SHA256 Credential=any/20250101/us-east-1/kinesis/aws4_request, "
            "SignedHeaders=host, Signature=0",
        ),
        ("x-amz-target", "Kinesis_20131202.ListStreams"),
        ("x-amz-target", "Kinesis_20131202.PutRecord"),
    ]
    stream_id = client.h2.get_next_available_stream_id()
    client.h2.send_headers(
        stream_id,
        [
            (":method", "POST"),
            (":scheme", "http"),
            (":authority", server.netloc),
            (":path", "/"),
            *head,
        ],
    )
    client.h2.send_data(stream_id, put, end_stream=True)
    client._flush()
    client.answers[stream_id] = Answer()
    over_http2 = client.answer(stream_id)
    lines = [f"{name}: {value}" for name, value in [("host", server.netloc), *head]]
    request = "\r\n".join(["POST / HTTP/1.1", *lines, f"content-length: {len(put)}", "", ""])
    with socket.create_connection((server.host, server.port), timeout=HANG_GUARD) as plain:
        plain.sendall(request.encode() + put)
        received = b""
        while not received.endswith(b"}"):
            received += plain.recv(65536)
    status_line, _, rest = received.partition(b"\r\n")
    over_http1 = (int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2])
    assert (over_http2.status, bytes(over_http2.body)) == over_http1
    assert over_http1 == (400, b'{"__type":"UnknownOperationException"}')
    assert fake.kinesis["s"].records == []


def test_the_request_bodies_a_connection_keeps_are_bounded_by_flow_control(
    fake, client, monkeypatch
):
    # Every DATA frame was acknowledged as it came: one connection could make the server
    # keep 100 streams of up to 16 MiB each.
    monkeypatch.setattr(http2_bodies, "KEPT_BODIES", 50_000)
    h2 = client.h2
    head = [(":method", "POST"), (":scheme", "http"), (":authority", client.server.netloc)]
    for stream_id in (1, 3):
        h2.send_headers(stream_id, [*head, (":path", "/_fake/health")])
        client.answers[stream_id] = Answer()

    def sent_and_seen(stream_id: int, data: bytes) -> None:
        """Send ``data`` on the stream, then wait until the server has taken it in (its
        answer to a request sent after it comes after what it sent for the data)."""
        for start in range(0, len(data), 16_384):  # the most a frame may carry
            h2.send_data(stream_id, data[start : start + 16_384])
        if not data:
            h2.end_stream(stream_id)
        client._flush()
        client.answer(client.send("/_fake/health", b"", method="GET"))

    window = h2.local_flow_control_window
    sent_and_seen(1, b"x" * 40_000)
    assert window(1) == 65_535  # under the bound: credited
    sent_and_seen(3, b"y" * 40_000)
    assert window(3) == 65_535 - 40_000  # past it, and not the oldest: no credit
    assert h2.outbound_flow_control_window == 65_535  # the connection's is given back
    sent_and_seen(1, b"")  # the oldest ends: its body is no longer kept
    assert window(3) == 65_535
    sent_and_seen(3, b"")
    assert client.answer(1).status == client.answer(3).status == 405  # both answered
