"""Streams deleted under what still refers to them: a delivery stream whose Kinesis source is
deleted and created again, and a handle a test kept across the deletion of its stream."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from conftest import REGION, ROLE


def _from_kinesis(fake: Any, name: str = "events") -> Any:
    """A delivery stream reading Kinesis stream ``s``."""
    return fake.firehose.create_delivery_stream(
        name,
        DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration={
            "KinesisStreamARN": fake.kinesis["s"].arn,
            "RoleARN": ROLE,
        },
    )


def _put(client: Any, *payloads: bytes) -> None:
    for payload in payloads:
        client.put_record(StreamName="s", Data=payload, PartitionKey="alpha")


# --------------------------------------------------------------------------- a re-created source


@pytest.mark.parametrize("pause", [0, 60], ids=["same-instant", "a-minute-later"])
def test_a_recreated_source_is_read_from_its_first_record(fake, kinesis_client, pause):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    events = _from_kinesis(fake)
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
    events = _from_kinesis(fake)
    _put(kinesis_client, b"a")
    kinesis_client.delete_stream(StreamName="s")

    fake.firehose.clock.advance(hours=1)
    described = boto3.client("firehose", region_name=REGION).describe_delivery_stream(
        DeliveryStreamName="events"
    )["DeliveryStreamDescription"]

    assert events.delivered == [b"a"]
    assert described["DeliveryStreamStatus"] == "ACTIVE"
