"""What the enhanced fan-out tests share: a world with stream ``s``, a registered consumer,
subscribing to a shard, putting records and reading events' data."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from pytest_firehose import FirehoseFake

REGION = "us-east-1"
SHARD = "shardId-000000000000"


@contextlib.contextmanager
def world_with_stream() -> Iterator[FirehoseFake]:
    """A started fake in ``REGION`` holding the one-shard Kinesis stream ``s``."""
    with FirehoseFake(region=REGION) as fake:
        fake.kinesis.create_stream("s")
        yield fake


def consumer_not_found(consumer_arn: str, account: str = "123456789012") -> str:
    """What AWS answers a lookup by the ARN of a consumer that is not registered (REAL:
    awslabs/amazon-kinesis-connector-flink#44): the ARN's consumer name and creation second
    under its stream."""
    stream, _, rest = consumer_arn.partition(":stream/")[2].partition("/consumer/")
    name, _, created = rest.rpartition(":")
    return (
        f"Consumer {name} with creation timestamp {created} under stream: {stream}, "
        f"account {account} not found."
    )


def register(fake: FirehoseFake, client: Any, name: str = "app") -> str:
    """Register consumer ``name`` of stream ``s``; its ARN."""
    registered = client.register_stream_consumer(StreamARN=fake.kinesis["s"].arn, ConsumerName=name)
    arn: str = registered["Consumer"]["ConsumerARN"]
    return arn


def event_stream(client: Any, consumer: str, shard: str = SHARD, **position: Any) -> Any:
    """SubscribeToShard's event stream, from TRIM_HORIZON unless ``position`` says."""
    position.setdefault("Type", "TRIM_HORIZON")
    answer = client.subscribe_to_shard(
        ConsumerARN=consumer, ShardId=shard, StartingPosition=position
    )
    return answer["EventStream"]


def put(client: Any, *payloads: bytes) -> list[str]:
    """Put each payload to stream ``s`` under one partition key; their sequence numbers."""
    return [
        client.put_record(StreamName="s", Data=data, PartitionKey="k")["SequenceNumber"]
        for data in payloads
    ]


def data(events: Iterator[dict[str, Any]] | list[dict[str, Any]]) -> list[bytes]:
    """The records' data of SubscribeToShardEvents, in order."""
    return [record["Data"] for event in events for record in event["Records"]]
