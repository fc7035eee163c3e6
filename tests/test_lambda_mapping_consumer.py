"""A Kinesis event source mapping that reads through an enhanced fan-out consumer: the
consumer it takes, the events and invocation records it writes, and how it shares the
consumer's subscriptions with the test's own SubscribeToShard calls (docs/lambda.md)."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, EventStreamError
from conftest import REGION, SEED
from lambda_support import batches, put

from pytest_firehose import FirehoseFake
from pytest_firehose._errors import UsageError

SHARD = "shardId-000000000000"


def _kinesis() -> Any:
    return boto3.client("kinesis", region_name=REGION)


def _register(stream: Any, name: str = "lambda") -> str:
    answer = _kinesis().register_stream_consumer(StreamARN=stream.arn, ConsumerName=name)
    arn: str = answer["Consumer"]["ConsumerARN"]
    return arn


def _subscribe(consumer: str) -> Any:
    answer = _kinesis().subscribe_to_shard(
        ConsumerARN=consumer, ShardId=SHARD, StartingPosition={"Type": "TRIM_HORIZON"}
    )
    return answer["EventStream"]


def test_a_consumer_as_the_source_hands_every_record_to_the_handler(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    consumer = _register(stream)
    trigger = stream.lambda_trigger(
        lambda event, context: None, EventSourceArn=consumer, BatchSize=2
    )
    put(b"a", b"b", b"c")

    trigger.drain()

    assert batches(trigger) == [[b"a", b"b"], [b"c"]]
    sources = {r["eventSourceARN"] for i in trigger.invocations for r in i.event["Records"]}
    assert sources == {stream.arn}


def test_the_invocation_record_names_the_stream_not_the_consumer(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    consumer = _register(stream)

    def failing(event: dict[str, Any], context: Any) -> None:
        raise ValueError("cannot process")

    trigger = stream.lambda_trigger(
        failing, EventSourceArn=consumer, MaximumRetryAttempts=1, BisectBatchOnFunctionError=True
    )
    put(b"a", b"b")

    trigger.drain()

    assert batches(trigger) == [[b"a", b"b"], [b"a"], [b"a"], [b"b"], [b"b"]]
    assert [f["KinesisBatchInfo"]["streamArn"] for f in trigger.failures] == [stream.arn] * 2


def test_a_parent_shard_is_read_to_its_end_before_its_children(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(lambda event, context: None, EventSourceArn=_register(stream))
    put(b"parent")
    stream.split_shard(SHARD, 2**127)
    put(b"child")

    trigger.drain()

    assert batches(trigger) == [[b"parent"], [b"child"]]


def test_a_consumer_arn_that_names_no_consumer_is_refused(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    missing = f"{stream.arn}/consumer/nobody:1700000000"

    with pytest.raises(UsageError) as refused:
        stream.lambda_trigger(lambda event, context: None, EventSourceArn=missing)

    assert (
        "CreateEventSourceMapping would answer InvalidParameterValueException: "
        f"Stream not found: {missing}"
    ) in str(refused.value)


def test_a_deregistered_consumer_is_refused(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    consumer = _register(stream)
    _kinesis().deregister_stream_consumer(ConsumerARN=consumer)

    with pytest.raises(UsageError, match=f"Stream not found: {consumer}"):
        stream.lambda_trigger(lambda event, context: None, EventSourceArn=consumer)


def test_a_consumer_is_taken_once_it_is_active() -> None:
    with FirehoseFake(region=REGION, seed=SEED, creation_delay=10) as fake:
        stream = fake.kinesis.create_stream("s")
        fake.kinesis.clock.advance(seconds=10)
        consumer = _register(stream)

        with pytest.raises(UsageError) as refused:
            stream.lambda_trigger(lambda event, context: None, EventSourceArn=consumer)
        fake.kinesis.clock.advance(seconds=10)
        trigger = stream.lambda_trigger(lambda event, context: None, EventSourceArn=consumer)

    assert "InvalidParameterValueException: Consumer lambda with creation timestamp" in str(
        refused.value
    )
    assert "under stream s and account 123456789012 is not in ACTIVE status." in str(refused.value)
    assert trigger.invocations == []


def test_the_mapping_holds_the_consumers_subscription_to_each_shard(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    consumer = _register(stream)
    trigger = stream.lambda_trigger(lambda event, context: None, EventSourceArn=consumer)
    put(b"a")
    trigger.drain()

    with pytest.raises(ClientError) as refused:
        _subscribe(consumer)
    other = _subscribe(_register(stream, "other"))

    assert refused.value.response["Error"]["Code"] == "ResourceInUseException"
    assert refused.value.response["Error"]["Message"].startswith(
        "Another active subscription exists for this consumer"
    )
    assert [record["Data"] for record in next(iter(other))["SubscribeToShardEvent"]["Records"]] == [
        b"a"
    ]


def test_a_subscription_that_took_the_shard_over_is_taken_back_five_seconds_on(
    fake: FirehoseFake,
) -> None:
    stream = fake.kinesis.create_stream("s")
    consumer = _register(stream)
    trigger = stream.lambda_trigger(lambda event, context: None, EventSourceArn=consumer)
    trigger.drain()
    fake.kinesis.clock.advance(seconds=5)
    theirs = _subscribe(consumer)
    subscribed_at = fake.kinesis.clock.now()
    put(b"a")

    trigger.drain()

    (invocation,) = trigger.invocations
    assert invocation.at - subscribed_at == timedelta(seconds=5)
    with pytest.raises(EventStreamError, match="ResourceInUseException"):
        list(theirs)


def test_a_mapping_with_nothing_to_read_leaves_a_subscription_that_took_over_alone(
    fake: FirehoseFake,
) -> None:
    # The drain waited out the takeover though the shard held nothing new for it.
    stream = fake.kinesis.create_stream("s")
    consumer = _register(stream)
    trigger = stream.lambda_trigger(lambda event, context: None, EventSourceArn=consumer)
    put(b"a")
    trigger.drain()
    fake.kinesis.clock.advance(seconds=5)
    theirs = _subscribe(consumer)
    subscribed_at = fake.kinesis.clock.now()

    trigger.drain()

    assert fake.kinesis.clock.now() == subscribed_at
    assert batches(trigger) == [[b"a"]]
    assert [
        record["Data"] for record in next(iter(theirs))["SubscribeToShardEvent"]["Records"]
    ] == [b"a"]


def test_the_mapping_keeps_one_subscription_taken_over_five_seconds_after_it_began(
    fake: FirehoseFake,
) -> None:
    # DOC (SubscribeToShard): a call 5 seconds or more after a successful one takes over.
    # The mapping's reads meanwhile are within its subscription, not new ones.
    stream = fake.kinesis.create_stream("s")
    consumer = _register(stream)
    trigger = stream.lambda_trigger(lambda event, context: None, EventSourceArn=consumer)
    trigger.drain()
    fake.kinesis.clock.advance(seconds=3)
    put(b"a")
    trigger.drain()
    fake.kinesis.clock.advance(seconds=2)

    theirs = _subscribe(consumer)

    assert batches(trigger) == [[b"a"]]
    assert [
        record["Data"] for record in next(iter(theirs))["SubscribeToShardEvent"]["Records"]
    ] == [b"a"]


def test_a_consumer_deregistered_while_the_mapping_reads_stops_it(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    consumer = _register(stream)
    trigger = stream.lambda_trigger(lambda event, context: None, EventSourceArn=consumer)
    put(b"a")
    trigger.drain()
    _kinesis().deregister_stream_consumer(ConsumerARN=consumer)
    put(b"b")

    with pytest.raises(UsageError, match="was deregistered or whose stream was deleted"):
        trigger.drain()

    assert batches(trigger) == [[b"a"]]


def test_a_consumer_deregistered_by_the_handler_hands_over_no_other_shards_records(
    fake: FirehoseFake,
) -> None:
    # The next shard's subscription was taken on the deregistered consumer, and its
    # record handed over, before the drain stopped.
    stream = fake.kinesis.create_stream("s", 2)
    consumer = _register(stream)

    def handler(event: dict[str, Any], context: Any) -> None:
        _kinesis().deregister_stream_consumer(ConsumerARN=consumer)

    trigger = stream.lambda_trigger(handler, EventSourceArn=consumer)
    shards = _kinesis().list_shards(StreamName="s")["Shards"]
    for data, shard in zip((b"first", b"second"), shards, strict=True):
        hash_key = shard["HashKeyRange"]["StartingHashKey"]
        _kinesis().put_record(StreamName="s", Data=data, PartitionKey="k", ExplicitHashKey=hash_key)

    with pytest.raises(UsageError, match="was deregistered or whose stream was deleted"):
        trigger.drain()

    assert batches(trigger) == [[b"first"]]


def test_a_stream_deleted_with_its_consumers_stops_the_mapping(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    consumer = _register(stream)
    trigger = stream.lambda_trigger(lambda event, context: None, EventSourceArn=consumer)
    put(b"a")
    _kinesis().delete_stream(StreamName="s", EnforceConsumerDeletion=True)

    with pytest.raises(UsageError, match=consumer):
        trigger.drain()

    assert trigger.invocations == []


def test_the_mappings_reads_use_none_of_the_shards_read_quota(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(lambda event, context: None, EventSourceArn=_register(stream))
    fake.kinesis.enforce_read_quotas()
    put(b"a")
    client = _kinesis()
    iterator = client.get_shard_iterator(
        StreamName="s", ShardId=SHARD, ShardIteratorType="TRIM_HORIZON"
    )

    trigger.drain()
    answers = [client.get_records(ShardIterator=iterator["ShardIterator"]) for _ in range(5)]

    assert [len(answer["Records"]) for answer in answers] == [1] * 5
    assert base64.b64decode(trigger.invocations[0].event["Records"][0]["kinesis"]["data"]) == b"a"


def test_a_consumer_being_deregistered_is_not_active() -> None:
    with FirehoseFake(region=REGION, seed=SEED, creation_delay=10) as fake:
        stream = fake.kinesis.create_stream("s")
        fake.kinesis.clock.advance(seconds=10)
        consumer = _register(stream)
        fake.kinesis.clock.advance(seconds=10)
        _kinesis().deregister_stream_consumer(ConsumerARN=consumer)

        with pytest.raises(UsageError, match="is not in ACTIVE status"):
            stream.lambda_trigger(lambda event, context: None, EventSourceArn=consumer)


def test_the_mapping_renews_its_subscription_when_it_ends(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    consumer = _register(stream)
    trigger = stream.lambda_trigger(lambda event, context: None, EventSourceArn=consumer)
    trigger.drain()
    fake.kinesis.clock.advance(minutes=5)
    put(b"a")

    trigger.drain()

    assert batches(trigger) == [[b"a"]]
    with pytest.raises(ClientError, match="Another active subscription exists"):
        _subscribe(consumer)


def test_a_consumer_mapping_takes_a_batching_window_at_creation_and_update(
    fake: FirehoseFake,
) -> None:
    stream = fake.kinesis.create_stream("s")
    consumer = _register(stream)
    trigger = stream.lambda_trigger(
        lambda event, context: None,
        EventSourceArn=consumer,
        BatchSize=3,
        MaximumBatchingWindowInSeconds=5,
    )
    put(b"a", b"b", b"c", b"d")

    trigger.drain()

    assert batches(trigger) == [[b"a", b"b", b"c"], [b"d"]]
    # The full batch went at once; the last one waited for its window.
    assert trigger.invocations[1].at - trigger.invocations[0].at == timedelta(seconds=5)
    described = trigger.describe()
    assert (described["EventSourceArn"], described["MaximumBatchingWindowInSeconds"]) == (
        consumer,
        5,
    )
    answer = trigger.update(MaximumBatchingWindowInSeconds=20)
    assert answer["MaximumBatchingWindowInSeconds"] == 20
