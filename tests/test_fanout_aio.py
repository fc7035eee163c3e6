"""SubscribeToShard through aiobotocore: its async event stream reads the same events, on the
same fake clock, as botocore's (marker ``aio``: the suite also runs without aiobotocore)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from conftest import aiobotocore_installed

from pytest_firehose import FirehoseFake

if aiobotocore_installed():
    from aiobotocore.session import get_session
    from botocore.exceptions import EventStreamError

pytestmark = pytest.mark.aio

REGION = "us-east-1"
SHARD = "shardId-000000000000"


async def _subscribe_and_read(fake: FirehoseFake, *, takeover: bool = False) -> list[Any]:
    async with get_session().create_client("kinesis", region_name=REGION) as client:
        registered = await client.register_stream_consumer(
            StreamARN=fake.kinesis["s"].arn, ConsumerName="app"
        )
        consumer = registered["Consumer"]["ConsumerARN"]
        await client.put_record(StreamName="s", Data=b"a", PartitionKey="k")
        position = {"Type": "TRIM_HORIZON"}
        answer = await client.subscribe_to_shard(
            ConsumerARN=consumer, ShardId=SHARD, StartingPosition=position
        )
        read: list[Any] = []
        async for event in answer["EventStream"]:
            read.append(event["SubscribeToShardEvent"])
            if len(read) == 1:
                await client.put_record(StreamName="s", Data=b"b", PartitionKey="k")
            if takeover and len(read) == 2:
                fake.kinesis.clock.advance(seconds=5)
                await client.subscribe_to_shard(
                    ConsumerARN=consumer, ShardId=SHARD, StartingPosition=position
                )
        return read


def test_an_async_client_reads_every_event_until_the_five_minutes_end():
    with FirehoseFake(region=REGION) as fake:
        fake.kinesis.create_stream("s")
        started = fake.kinesis.clock.now()
        read = asyncio.run(_subscribe_and_read(fake))
        assert [r["Data"] for event in read for r in event["Records"]] == [b"a", b"b"]
        assert len(read) == 300
        assert fake.kinesis.clock.now() == started + timedelta(minutes=5)


def test_an_async_client_hears_the_takeover_as_an_error_event():
    with FirehoseFake(region=REGION) as fake:
        fake.kinesis.create_stream("s")
        with pytest.raises(EventStreamError) as caught:
            asyncio.run(_subscribe_and_read(fake, takeover=True))
        assert caught.value.response["Error"]["Code"] == "ResourceInUseException"


async def _read_until_dropped(fake: FirehoseFake) -> tuple[list[Any], Exception | None]:
    async with get_session().create_client("kinesis", region_name=REGION) as client:
        registered = await client.register_stream_consumer(
            StreamARN=fake.kinesis["s"].arn, ConsumerName="app"
        )
        fake.kinesis.fail(operation="SubscribeToShard", timeout="lost", events=2)
        answer = await client.subscribe_to_shard(
            ConsumerARN=registered["Consumer"]["ConsumerARN"],
            ShardId=SHARD,
            StartingPosition={"Type": "TRIM_HORIZON"},
        )
        read: list[Any] = []
        try:
            async for event in answer["EventStream"]:
                read.append(event["SubscribeToShardEvent"])
        except Exception as error:  # the test asserts which
            return read, error
        return read, None


def test_an_async_client_sees_the_connection_drop_as_aiohttp_reports_it():
    from aiohttp import ClientPayloadError

    with FirehoseFake(region=REGION) as fake:
        fake.kinesis.create_stream("s")
        read, error = asyncio.run(_read_until_dropped(fake))
        assert len(read) == 2
        assert isinstance(error, ClientPayloadError)
