"""Streams deleted under what still refers to them: a delivery stream whose Kinesis source is
deleted and created again, and a handle a test kept across the deletion of its stream."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from conftest import REGION, reading_kinesis

from pytest_firehose import UsageError


def _put(client: Any, *payloads: bytes) -> None:
    for payload in payloads:
        client.put_record(StreamName="s", Data=payload, PartitionKey="alpha")


# --------------------------------------------------------------------------- a re-created source


@pytest.mark.parametrize("pause", [0, 60], ids=["same-instant", "a-minute-later"])
def test_a_recreated_source_is_read_from_its_first_record(fake, kinesis_client, pause):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    events = reading_kinesis(fake)
    _put(kinesis_client, b"a", b"b", b"c")
    kinesis_client.delete_stream(StreamName="s")
    fake.kinesis.clock.advance(seconds=pause)
    kinesis_client.create_stream(StreamName="s", ShardCount=1)

    _put(kinesis_client, b"d", b"e")
    events.flush()

    assert events.records == [b"a", b"b", b"c", b"d", b"e"]
    assert events.delivered == [b"a", b"b", b"c", b"d", b"e"]


def test_a_source_deleted_for_good_leaves_the_delivery_stream_waiting(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    events = reading_kinesis(fake)
    _put(kinesis_client, b"a")
    kinesis_client.delete_stream(StreamName="s")

    fake.firehose.clock.advance(hours=1)
    described = boto3.client("firehose", region_name=REGION).describe_delivery_stream(
        DeliveryStreamName="events"
    )["DeliveryStreamDescription"]

    assert events.delivered == [b"a"]
    assert described["DeliveryStreamStatus"] == "ACTIVE"


def test_a_reading_delivery_stream_deleted_and_made_again_without_a_source_reads_nothing(
    fake, kinesis_client, client
):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    reading_kinesis(fake)
    client.delete_delivery_stream(DeliveryStreamName="events")
    _put(kinesis_client, b"a")  # no delivery stream reads it any more
    direct = fake.firehose.create_delivery_stream("events")

    _put(kinesis_client, b"b")
    direct.flush()

    assert direct.records == []
    assert fake.kinesis["s"].records == [b"a", b"b"]


# ----------------------------------------------------------------- a deleted stream's handle


def _operations(calls: list[Any]) -> list[str]:
    return [call.operation for call in calls]


def test_a_deleted_delivery_streams_handle_shows_its_own_past(fake, client):
    client.create_delivery_stream(DeliveryStreamName="events")
    old = fake.firehose["events"]
    client.put_record(DeliveryStreamName="events", Record={"Data": b"a"})
    old.flush()
    client.put_record(DeliveryStreamName="events", Record={"Data": b"b"})
    client.delete_delivery_stream(DeliveryStreamName="events")
    client.create_delivery_stream(DeliveryStreamName="events")
    client.put_record(DeliveryStreamName="events", Record={"Data": b"c"})
    fake.firehose.flush()

    assert (old.records, old.delivered) == ([b"a", b"b"], [b"a"])
    assert _operations(old.calls) == [
        "CreateDeliveryStream",
        "PutRecord",
        "PutRecord",
        "DeleteDeliveryStream",
    ]
    assert _operations(fake.firehose["events"].calls) == ["CreateDeliveryStream", "PutRecord"]
    old.assert_delivered([b"a"])


@pytest.mark.parametrize(
    "ask",
    [
        lambda h: h.pending,
        lambda h: h.buffered,
        lambda h: h.describe(),
        lambda h: h.flush(),
        lambda h: h.destination_down(),
        lambda h: h.destination_up(),
    ],
    ids=["pending", "buffered", "describe", "flush", "destination_down", "destination_up"],
)
def test_a_deleted_delivery_streams_handle_refuses_live_questions(fake, client, ask):
    old = fake.firehose.create_delivery_stream("events")
    client.put_record(DeliveryStreamName="events", Record={"Data": b"a"})
    client.delete_delivery_stream(DeliveryStreamName="events")

    with pytest.raises(UsageError, match=r"delivery stream 'events' was deleted") as caught:
        ask(old)

    assert "firehose['events']" in str(caught.value)


def test_a_recreated_delivery_streams_handle_starts_at_the_deletion(fake, client):
    client.create_delivery_stream(DeliveryStreamName="events")
    client.delete_delivery_stream(DeliveryStreamName="events")
    new = fake.firehose.create_delivery_stream("events")
    client.put_record(DeliveryStreamName="events", Record={"Data": b"a"})

    assert _operations(new.calls) == ["PutRecord"]
    assert _operations(fake.firehose["events"].calls) == ["PutRecord"]


def test_a_deleted_kinesis_streams_handle_shows_its_own_past(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    old = fake.kinesis["s"]
    _put(kinesis_client, b"a")
    kinesis_client.delete_stream(StreamName="s")
    kinesis_client.create_stream(StreamName="s", ShardCount=2)
    _put(kinesis_client, b"b")

    assert (old.records, len(old.shards)) == ([b"a"], 1)
    assert _operations(old.calls) == ["CreateStream", "PutRecord", "DeleteStream"]
    assert _operations(fake.kinesis["s"].calls) == ["CreateStream", "PutRecord"]
    old.assert_records([b"a"])


def test_a_deletion_the_service_refused_behind_a_timeout_does_not_end_a_handles_calls(
    fake, kinesis_client
):
    # A delete whose client timed out counted as carried out, refused or not: the stream's
    # calls began after it.
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    arn = fake.kinesis["s"].arn
    kinesis_client.register_stream_consumer(StreamARN=arn, ConsumerName="app")
    _put(kinesis_client, b"a")
    fake.kinesis.fail(timeout="commit", operation="DeleteStream")
    with pytest.raises(kinesis_client.exceptions.ResourceInUseException):
        kinesis_client.delete_stream(StreamName="s")  # it has a consumer: refused
    _put(kinesis_client, b"b")

    assert _operations(fake.kinesis["s"].calls) == [
        "CreateStream",
        "RegisterStreamConsumer",
        "PutRecord",
        "DeleteStream",
        "DeleteStream",
        "PutRecord",
    ]
    assert fake.kinesis["s"].calls[3].refusal.code == "ResourceInUseException"


@pytest.mark.parametrize(
    "ask",
    [
        lambda h: h.status,
        lambda h: h.open_shards,
        lambda h: h.update_shard_count(2),
        lambda h: h.split_shard("shardId-000000000000", 2**127),
    ],
    ids=["status", "open_shards", "update_shard_count", "split_shard"],
)
def test_a_deleted_kinesis_streams_handle_refuses_live_questions(fake, kinesis_client, ask):
    old = fake.kinesis.create_stream("s")
    kinesis_client.delete_stream(StreamName="s")
    kinesis_client.create_stream(StreamName="s", ShardCount=1)

    with pytest.raises(UsageError, match=r"stream 's' was deleted") as caught:
        ask(old)

    assert "kinesis['s']" in str(caught.value)
    assert len(fake.kinesis["s"].open_shards) == 1, "the new stream was not resharded"


def test_a_reset_of_the_world_deletes_what_a_handle_was_taken_for(fake):
    old = fake.firehose.create_delivery_stream("events")
    fake._world.reset()  # what the local server's POST /_fake/reset does

    with pytest.raises(UsageError, match=r"delivery stream 'events' was deleted"):
        _ = old.pending
    assert old.deleted
    assert old.calls == []
