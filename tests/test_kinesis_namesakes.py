"""A Kinesis stream deleted and created again under its name, at the same instant of the
fake clock (or within its second): the new stream is another resource, and what the old one
handed out (shard iterators, sequence numbers, consumers) does not reach it, as on AWS,
where the two are created seconds apart at least."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3
import pytest
from conftest import refused
from fanout_support import consumer_not_found, register

from pytest_firehose import FirehoseFake
from pytest_firehose._services.kinesis.records import parse_sequence_number

ACCOUNT = "123456789012"
SHARD_0 = "shardId-000000000000"


@pytest.fixture(autouse=True)
def at_a_whole_second(request: pytest.FixtureRequest) -> None:
    """The fake clock at the start of a second, so that half a second later is the same
    second (the tests that start a fake of their own freeze it at a whole second)."""
    if "fake" in request.fixturenames:
        clock = request.getfixturevalue("fake").kinesis.clock
        clock.advance(timedelta(seconds=1) - timedelta(microseconds=clock.now().microsecond))


def recreate(fake: FirehoseFake, client: Any, gap: timedelta, **params: Any) -> None:
    """Delete stream ``s`` and create it again (one shard) ``gap`` of fake time later."""
    client.delete_stream(StreamName="s", **params)
    fake.kinesis.clock.advance(gap)
    client.create_stream(StreamName="s", ShardCount=1)


def put(client: Any, data: bytes) -> str:
    return str(client.put_record(StreamName="s", Data=data, PartitionKey="k")["SequenceNumber"])


def iterator(client: Any, kind: str, **params: Any) -> str:
    answer = client.get_shard_iterator(
        StreamName="s", ShardId=SHARD_0, ShardIteratorType=kind, **params
    )
    return str(answer["ShardIterator"])


GAPS = pytest.mark.parametrize(
    "gap", [timedelta(0), timedelta(milliseconds=500)], ids=["same-instant", "same-second"]
)


@GAPS
@pytest.mark.parametrize("which", ["from-get-shard-iterator", "next-shard-iterator"])
def test_an_iterator_of_the_deleted_stream_does_not_read_the_new_one(
    fake, kinesis_client, gap, which
):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    put(kinesis_client, b"old")
    old = iterator(kinesis_client, "TRIM_HORIZON")
    if which == "next-shard-iterator":
        old = kinesis_client.get_records(ShardIterator=old)["NextShardIterator"]
    recreate(fake, kinesis_client, gap)
    put(kinesis_client, b"new")

    response = refused(kinesis_client.get_records, ShardIterator=old)

    # The answer AWS gives an iterator of a deleted stream (kinesalite's AWS-validated test).
    assert response["Error"] == {
        "Code": "ResourceNotFoundException",
        "Message": f"Shard {SHARD_0} in stream s under account {ACCOUNT} does not exist",
    }
    new = kinesis_client.get_records(ShardIterator=iterator(kinesis_client, "TRIM_HORIZON"))
    assert [record["Data"] for record in new["Records"]] == [b"new"]


@GAPS
@pytest.mark.parametrize("kind", ["AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"])
def test_a_sequence_number_of_the_deleted_stream_is_no_position_in_the_new_one(
    fake, kinesis_client, gap, kind
):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    number = put(kinesis_client, b"old")
    recreate(fake, kinesis_client, gap)
    put(kinesis_client, b"new")

    response = refused(
        kinesis_client.get_shard_iterator,
        StreamName="s",
        ShardId=SHARD_0,
        ShardIteratorType=kind,
        StartingSequenceNumber=number,
    )

    assert response["Error"] == {
        "Code": "InvalidArgumentException",
        "Message": f"StartingSequenceNumber {number} used in GetShardIterator on shard "
        f"{SHARD_0} in stream s under account {ACCOUNT} is invalid because it did not come "
        "from this stream.",
    }


def test_subscribe_to_shard_refuses_a_sequence_number_of_the_deleted_stream(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    number = put(kinesis_client, b"old")
    recreate(fake, kinesis_client, timedelta(0))
    consumer = register(fake, kinesis_client)
    put(kinesis_client, b"new")

    response = refused(
        kinesis_client.subscribe_to_shard,
        ConsumerARN=consumer,
        ShardId=SHARD_0,
        StartingPosition={"Type": "AT_SEQUENCE_NUMBER", "SequenceNumber": number},
    )

    assert response["Error"]["Code"] == "InvalidArgumentException"
    assert response["Error"]["Message"].endswith("because it did not come from this stream.")


@GAPS
def test_the_new_streams_numbers_are_not_the_deleted_ones(fake, kinesis_client, gap):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    old = put(kinesis_client, b"old")
    old_start = kinesis_client.list_shards(StreamName="s")["Shards"][0]["SequenceNumberRange"]
    recreate(fake, kinesis_client, gap)

    new = put(kinesis_client, b"new")
    new_start = kinesis_client.list_shards(StreamName="s")["Shards"][0]["SequenceNumberRange"]

    assert new != old
    assert len(new) == len(old)
    assert new_start != old_start
    # The new stream's own numbers are positions in it.
    at = iterator(kinesis_client, "AT_SEQUENCE_NUMBER", StartingSequenceNumber=new)
    assert [r["Data"] for r in kinesis_client.get_records(ShardIterator=at)["Records"]] == [b"new"]


def test_a_stream_created_again_twice_in_one_second_numbers_each_time_anew(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    numbers = [put(kinesis_client, b"first")]
    for _ in range(2):
        recreate(fake, kinesis_client, timedelta(0))
        numbers.append(put(kinesis_client, b"again"))

    assert len(set(numbers)) == 3


def test_a_sequence_number_for_ordering_of_the_deleted_stream_leaves_the_counter(
    fake, kinesis_client
):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    for data in (b"a", b"b", b"c"):
        last = put(kinesis_client, data)
    recreate(fake, kinesis_client, timedelta(0))

    kinesis_client.put_record(
        StreamName="s", Data=b"new", PartitionKey="k", SequenceNumberForOrdering=last
    )

    # The new shard's first record, numbered as if no ordering number were given.
    assert [record.sequence_index for record in fake.kinesis["s"].records] == [1]


def test_a_consumer_of_the_deleted_stream_is_not_the_new_streams(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    consumer = register(fake, kinesis_client)
    recreate(fake, kinesis_client, timedelta(0), EnforceConsumerDeletion=True)
    arn = fake.kinesis["s"].arn

    assert kinesis_client.list_stream_consumers(StreamARN=arn)["Consumers"] == []
    summary = kinesis_client.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"]
    assert summary["ConsumerCount"] == 0
    response = refused(
        kinesis_client.subscribe_to_shard,
        ConsumerARN=consumer,
        ShardId=SHARD_0,
        StartingPosition={"Type": "TRIM_HORIZON"},
    )
    assert response["Error"] == {
        "Code": "ResourceNotFoundException",
        "Message": consumer_not_found(consumer, ACCOUNT),
    }


def test_iterators_stay_reproducible_under_a_seed():
    def iterators() -> list[str]:
        with FirehoseFake(region="us-east-1", seed=7, freeze_time="2030-01-01 12:00:00"):
            client = boto3.client("kinesis", region_name="us-east-1")
            client.create_stream(StreamName="s", ShardCount=1)
            taken = [iterator(client, "TRIM_HORIZON")]
            client.delete_stream(StreamName="s")
            client.create_stream(StreamName="s", ShardCount=1)
            return [*taken, iterator(client, "TRIM_HORIZON")]

    first = iterators()
    assert first == iterators()
    assert first[0] != first[1]


def test_a_sequence_number_of_another_stream_created_in_the_same_second_is_refused(
    fake, kinesis_client
):
    # A consumer resuming from a checkpoint kept for another stream (a shared checkpoint
    # table, a stream renamed in its configuration) is refused, as on AWS, even when the
    # two streams were created in the same second of the fake clock.
    kinesis_client.create_stream(StreamName="other", ShardCount=1)
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    foreign = str(
        kinesis_client.put_record(StreamName="other", Data=b"x", PartitionKey="k")["SequenceNumber"]
    )
    put(kinesis_client, b"mine")

    response = refused(
        kinesis_client.get_shard_iterator,
        StreamName="s",
        ShardId=SHARD_0,
        ShardIteratorType="AFTER_SEQUENCE_NUMBER",
        StartingSequenceNumber=foreign,
    )

    assert response["Error"] == {
        "Code": "InvalidArgumentException",
        "Message": f"StartingSequenceNumber {foreign} used in GetShardIterator on shard "
        f"{SHARD_0} in stream s under account {ACCOUNT} is invalid because it did not come "
        "from this stream.",
    }


def test_a_stream_created_again_numbers_past_the_shards_a_reshard_gave_the_deleted_one(
    fake, kinesis_client
):
    # The deleted stream's children are newer than the shard it was created with: the
    # new stream numbers its records after theirs too.
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    fake.kinesis.clock.advance(seconds=5)
    kinesis_client.update_shard_count(
        StreamName="s", TargetShardCount=2, ScalingType="UNIFORM_SCALING"
    )
    fake.kinesis.clock.advance(seconds=1)  # the second the children's numbers encode
    top = str(2**128 - 1)
    old = kinesis_client.put_record(
        StreamName="s", Data=b"old", PartitionKey="k", ExplicitHashKey=top
    )
    kinesis_client.delete_stream(StreamName="s")
    kinesis_client.create_stream(StreamName="s", ShardCount=3)

    new = kinesis_client.put_record(
        StreamName="s", Data=b"new", PartitionKey="k", ExplicitHashKey=top
    )
    response = refused(
        kinesis_client.get_shard_iterator,
        StreamName="s",
        ShardId=new["ShardId"],
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        StartingSequenceNumber=old["SequenceNumber"],
    )

    assert (old["ShardId"][-1], new["ShardId"][-1]) == ("2", "2")
    assert new["SequenceNumber"] != old["SequenceNumber"]
    assert response["Error"]["Message"].endswith("because it did not come from this stream.")


def test_streams_created_in_one_second_after_a_deletion_encode_the_seconds_that_follow(
    fake, kinesis_client
):
    # A shard's numbers encode the second it was created: a namesake of a deleted stream,
    # and any stream created after it in that second, take the next seconds (new_stream).
    now = int(fake.kinesis.clock.now().timestamp())
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    recreate(fake, kinesis_client, timedelta(0))
    kinesis_client.create_stream(StreamName="t", ShardCount=1)

    def encoded(name: str) -> int | None:
        (shard,) = kinesis_client.list_shards(StreamName=name)["Shards"]
        parts = parse_sequence_number(shard["SequenceNumberRange"]["StartingSequenceNumber"])
        return parts.shard_created if parts else None

    assert (encoded("s"), encoded("t")) == (now + 1, now + 2)
