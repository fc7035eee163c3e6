"""SubscribeToShard over the local server: boto3 reads the event stream from a real socket,
and events are pushed as the world changes (records, a reshard, the clock moved by the test
or the control API), the fake clock never moving by itself."""

from __future__ import annotations

import json
import socket
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from botocore.config import Config
from botocore.eventstream import EventStreamBuffer
from botocore.exceptions import EventStreamError
from conftest import server_client
from fanout_support import REGION, SHARD, put, register, world_with_stream
from urllib3.exceptions import ProtocolError

from pytest_firehose import FirehoseFake, FirehoseServer
from pytest_firehose._doors import http1
from pytest_firehose._doors.server import serve_fake
from pytest_firehose._engine.exchange import pushed

#: Only so that a stream that never comes fails the test instead of hanging it: every
#: event here is pushed as soon as the test makes it due.
HANG_GUARD = Config(read_timeout=120, retries={"max_attempts": 1})
#: The event streams the test opened, closed when its client is.
OPENED: list[Any] = []


@pytest.fixture
def fake() -> Iterator[FirehoseFake]:
    with world_with_stream() as fake:
        yield fake


@pytest.fixture
def server(fake: FirehoseFake) -> Iterator[FirehoseServer]:
    with serve_fake(fake) as server:
        yield server


@pytest.fixture
def client(server: FirehoseServer) -> Iterator[Any]:
    client = server_client(server, "kinesis", config=HANG_GUARD)
    yield client
    while OPENED:
        OPENED.pop().close()  # a stream read only in part holds its connection
    client.close()


@pytest.fixture
def consumer(fake: FirehoseFake, client: Any) -> str:
    return register(fake, client)


@pytest.fixture
def prompt(server: FirehoseServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A client whose event streams fail the test unless the change they wait for wakes
    them: the streams' recheck (for a client gone, or a clock moved behind the fake's
    back) comes far later than its read timeout."""
    monkeypatch.setattr(http1, "STREAM_RECHECK", 600.0)
    reader = server_client(
        server, "kinesis", config=Config(read_timeout=20, retries={"max_attempts": 1})
    )
    yield reader
    reader.close()


def subscribe(client: Any, consumer: str, **position: Any) -> Iterator[dict[str, Any]]:
    position.setdefault("Type", "TRIM_HORIZON")
    answer = client.subscribe_to_shard(
        ConsumerARN=consumer, ShardId=SHARD, StartingPosition=position
    )
    stream = answer["EventStream"]
    OPENED.append(stream)
    return iter(stream)


def next_event(stream: Iterator[dict[str, Any]]) -> dict[str, Any]:
    event: dict[str, Any] = next(stream)["SubscribeToShardEvent"]
    return event


def http_1_0_subscribe(server: FirehoseServer, consumer: str) -> bytes:
    """A SubscribeToShard request from TRIM_HORIZON as an HTTP/1.0 client sends it."""
    body = json.dumps(
        {"ConsumerARN": consumer, "ShardId": SHARD, "StartingPosition": {"Type": "TRIM_HORIZON"}}
    ).encode()
    return (
        f"POST / HTTP/1.0\r\nHost: {server.netloc}\r\n"
        "X-Amz-Target: Kinesis_20131202.SubscribeToShard\r\n"
        "Content-Type: application/x-amz-json-1.1\r\n"
        f"Authorization: AWS4-HMAC-SHA256 Credential=any/20260101/{REGION}/kinesis/"
        "aws4_request, SignedHeaders=host, Signature=0\r\nX-Amz-Date: 20260101T000000Z\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def data(*events: dict[str, Any]) -> list[bytes]:
    return [record["Data"] for event in events for record in event["Records"]]


def test_records_put_before_and_during_are_pushed_in_order_without_moving_the_clock(
    fake, client, consumer
):
    clock = fake.kinesis.clock
    started = clock.now()
    put(client, b"a", b"b")
    stream = subscribe(client, consumer)
    assert data(next_event(stream)) == [b"a", b"b"]
    put(client, b"c")
    second = next_event(stream)
    put(client, b"d")
    third = next_event(stream)
    assert data(second, third) == [b"c", b"d"]
    assert int(third["ContinuationSequenceNumber"]) > int(third["Records"][-1]["SequenceNumber"])
    assert clock.now() == started


def test_an_empty_event_comes_when_the_clock_reaches_the_next_second(fake, client, consumer):
    clock = fake.kinesis.clock
    stream = subscribe(client, consumer)
    first = next_event(stream)
    clock.advance(seconds=1)
    quiet = next_event(stream)
    assert quiet["Records"] == []
    assert int(quiet["ContinuationSequenceNumber"]) > int(first["ContinuationSequenceNumber"])


def test_a_move_short_of_a_second_pushes_nothing_by_itself(fake, client, consumer):
    stream = subscribe(client, consumer, Type="LATEST")
    next_event(stream)
    fake.kinesis.clock.advance(seconds=0.5)
    put(client, b"a")
    # Had the half second pushed an event, it would have come first, without the record.
    assert data(next_event(stream)) == [b"a"]


def test_the_next_event_falls_a_second_after_one_pushed_early(fake, client, consumer):
    clock = fake.kinesis.clock
    stream = subscribe(client, consumer, Type="LATEST")
    next_event(stream)
    clock.advance(seconds=0.5)
    put(client, b"a")
    assert data(next_event(stream)) == [b"a"]
    # 1.4 s: the regular event moved to 1.5 s, so the next record is pushed at once (an
    # event still due at 1 s would come first). The server may see the clock move and the
    # put in either order: both give the same event.
    clock.advance(seconds=0.9)
    put(client, b"b")
    assert data(next_event(stream)) == [b"b"]
    clock.advance(seconds=1)  # 2.4 s: a second after the event the second record pushed
    assert next_event(stream)["Records"] == []


def test_the_clock_moved_through_the_control_api_pushes_an_event(server, client, consumer):
    stream = subscribe(client, consumer)
    next_event(stream)
    request = urllib.request.Request(
        server.url + "/_fake/clock", data=json.dumps({"advance": 1}).encode(), method="POST"
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        assert answer.status == 200
    assert next_event(stream)["Records"] == []


def test_the_stream_ends_when_the_clock_reaches_five_minutes(fake, client, consumer):
    clock = fake.kinesis.clock
    started = clock.now()
    stream = subscribe(client, consumer)
    next_event(stream)
    clock.advance(minutes=4, seconds=59)
    assert next_event(stream)["Records"] == []
    clock.advance(seconds=1)
    assert list(stream) == []
    assert clock.now() == started + timedelta(minutes=5)
    put(client, b"after")  # the connection the stream ended on is still good
    assert fake.kinesis["s"].records[-1].data == b"after"


def test_the_first_event_comes_though_the_clock_passed_five_minutes_before_it_was_pushed(
    fake, client, consumer, monkeypatch
):
    clock = fake.kinesis.clock
    started = clock.now()

    def late(world: Any, feed: Any, **reader: Any) -> Iterator[Any]:
        # Runs as the server starts pushing: the subscription began, nothing was sent yet.
        clock.advance(minutes=6)
        yield from pushed(world, feed, **reader)

    monkeypatch.setattr(http1, "pushed", late)
    put(client, b"a")
    stream = subscribe(client, consumer)
    events = [event["SubscribeToShardEvent"] for event in stream]
    assert data(*events) == [b"a"]
    assert int(events[0]["ContinuationSequenceNumber"]) > int(
        events[0]["Records"][0]["SequenceNumber"]
    )
    assert clock.now() == started + timedelta(minutes=6)


def test_a_split_ends_the_stream_with_the_children(fake, client, consumer):
    stream = subscribe(client, consumer)
    next_event(stream)
    put(client, b"a")
    assert data(next_event(stream)) == [b"a"]
    fake.kinesis["s"].split_shard(SHARD, 2**127)
    last = next_event(stream)
    assert "ContinuationSequenceNumber" not in last
    assert [child["ShardId"] for child in last["ChildShards"]] == [
        "shardId-000000000001",
        "shardId-000000000002",
    ]
    assert list(stream) == []


def test_deregistering_the_consumer_ends_the_stream(fake, client, consumer):
    stream = subscribe(client, consumer)
    next_event(stream)
    client.deregister_stream_consumer(ConsumerARN=consumer)
    assert list(stream) == []


def test_a_reset_ends_the_stream_as_deleting_its_stream_does(server, prompt, consumer):
    stream = subscribe(prompt, consumer)
    next_event(stream)
    request = urllib.request.Request(f"{server.url}/_fake/reset", data=b"{}", method="POST")
    with urllib.request.urlopen(request) as reset:
        assert reset.status == 200
    assert list(stream) == []  # it waited, unended, on a stream no request could reach


def test_a_subscription_taking_over_fails_the_old_stream(fake, client, consumer):
    old = subscribe(client, consumer)
    next_event(old)
    fake.kinesis.clock.advance(seconds=5)
    next_event(old)  # the clock's move is pushed first
    put(client, b"a")
    assert data(next_event(old)) == [b"a"]
    new = subscribe(client, consumer, Type="LATEST")
    with pytest.raises(EventStreamError) as caught:
        next_event(old)
    assert caught.value.response["Error"]["Code"] == "ResourceInUseException"
    assert next_event(new)["Records"] == []


def test_stopping_the_server_ends_an_open_stream(fake, server, client, consumer):
    stream = subscribe(client, consumer)
    next_event(stream)
    server.stop()
    with pytest.raises(Exception):  # noqa: B017 - the connection closes mid-stream
        next_event(stream)


def test_a_scripted_error_after_an_event_comes_over_the_server(fake, client, consumer):
    fake.kinesis.fail(operation="SubscribeToShard", error="KMSThrottlingException", events=1)
    stream = subscribe(client, consumer)
    next_event(stream)
    fake.kinesis.clock.advance(seconds=1)
    with pytest.raises(EventStreamError) as caught:
        next_event(stream)
    assert caught.value.response["Error"]["Code"] == "KMSThrottlingException"


def test_a_connection_dropped_after_an_event_and_the_consumer_resumes(fake, client, consumer):
    fake.kinesis.fail(operation="SubscribeToShard", timeout="lost", events=1)
    put(client, b"a")
    stream = subscribe(client, consumer)
    first = next_event(stream)
    put(client, b"b")
    with pytest.raises(ProtocolError):
        next_event(stream)
    resumed = subscribe(
        client,
        consumer,
        Type="AFTER_SEQUENCE_NUMBER",
        SequenceNumber=first["ContinuationSequenceNumber"],
    )
    assert data(next_event(resumed)) == [b"b"]


def test_a_client_closing_its_stream_frees_the_connection(fake, server, client, consumer):
    stream = subscribe(client, consumer)
    next_event(stream)
    OPENED.pop().close()  # the consumer stops reading and closes the stream's connection
    connections, changed = server._httpd._connections, server._httpd._connections_lock
    with changed:
        # Nothing changes in the world: the server notices the closed socket by itself.
        assert changed.wait_for(lambda: not connections, timeout=HANG_GUARD.read_timeout)


def test_an_http_1_0_client_gets_the_event_stream_ended_by_the_close(
    fake, server, client, consumer
):
    # HTTP/1.0 has no chunked coding (RFC 9112, 6.1): it was sent chunk sizes and a last
    # chunk, which such a client reads as part of the body.
    put(client, b"a")
    request = http_1_0_subscribe(server, consumer)
    buffer, messages = EventStreamBuffer(), []
    with socket.create_connection((server.host, server.port), timeout=120) as connection:
        connection.sendall(request)
        received = b""
        while b"\r\n\r\n" not in received:
            received += connection.recv(65536)
        head, _, rest = received.partition(b"\r\n\r\n")
        buffer.add_data(rest)
        messages += list(buffer)  # each frame whole, its checksums right
        while len(messages) < 2:  # the event with the record
            rest = connection.recv(65536)
            assert rest, f"the connection closed after {messages}"
            buffer.add_data(rest)
            messages += list(buffer)
        fake.kinesis.clock.advance(minutes=5)  # past the subscription's end
        while rest := connection.recv(65536):  # until the server closes the connection
            buffer.add_data(rest)
    messages += list(buffer)
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (h.partition(":") for h in lines)}
    kinds = [message.headers[":event-type"] for message in messages]

    assert status.split()[1] == "200"
    assert "transfer-encoding" not in headers
    assert "content-length" not in headers
    assert headers["connection"] == "close"
    assert kinds[:2] == ["initial-response", "SubscribeToShardEvent"]
    assert set(kinds[2:]) <= {"SubscribeToShardEvent"}
    first = json.loads(messages[1].payload)
    assert [record["Data"] for record in first["Records"]] == ["YQ=="]


def test_a_stream_taken_over_ends_after_its_one_error_event(fake, server, client, consumer):
    # Read as bytes: botocore stops at the first exception, a raw reader sees what follows.
    buffer, messages = EventStreamBuffer(), []
    with socket.create_connection((server.host, server.port), timeout=120) as connection:
        connection.sendall(http_1_0_subscribe(server, consumer))
        received = b""
        while b"\r\n\r\n" not in received:
            received += connection.recv(65536)
        buffer.add_data(received.partition(b"\r\n\r\n")[2])
        messages += list(buffer)
        while len(messages) < 2:  # the first event
            rest = connection.recv(65536)
            assert rest, f"the connection closed after {messages}"
            buffer.add_data(rest)
            messages += list(buffer)
        fake.kinesis.clock.advance(seconds=5)  # past the takeover window
        client.subscribe_to_shard(
            ConsumerARN=consumer, ShardId=SHARD, StartingPosition={"Type": "LATEST"}
        )["EventStream"].close()
        read = 0
        while (rest := connection.recv(65536)) and read < 1024 * 1024:
            read += len(rest)  # a stream that never ends fails here instead of hanging
            buffer.add_data(rest)
    messages += list(buffer)
    errors = [m.headers[":exception-type"] for m in messages if ":exception-type" in m.headers]

    assert errors == ["ResourceInUseException"]
    assert ":exception-type" in messages[-1].headers


def test_a_put_wakes_a_waiting_stream_at_once(prompt, client, consumer):
    stream = subscribe(prompt, consumer)
    assert data(next_event(stream)) == []  # the first event: nothing to read yet
    put(client, b"a")

    assert data(next_event(stream)) == [b"a"]
