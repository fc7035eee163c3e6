"""``DryRun`` on Kinesis's data plane (PutRecord, PutRecords, GetRecords, GetShardIterator,
SubscribeToShard): every check, nothing read or written, and ``DryRunOperationException``
when the call would have succeeded.

botocore sends ``DryRun`` from 1.44 on; ``caller`` (see test_kinesis_queues) sends through
a client where it can, and to the model otherwise."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.config import Config
from conftest import REGION, SEED, botocore_lacks, needs_botocore
from test_kinesis_queues import STREAM_ARN, Call, caller, code

from pytest_firehose import FirehoseFake
from pytest_firehose._clock import FakeClock
from pytest_firehose._errors import ServiceError
from pytest_firehose._ids import IdSource
from pytest_firehose._services.kinesis.model import KinesisService

WIRE = not botocore_lacks("kinesis PutRecord.DryRun", "kinesis GetRecords.DryRun")
DRY_RUN = (
    "DryRunOperationException",
    "The request was rejected because the DryRun parameter was specified.",
)


@pytest.fixture
def call(fake: FirehoseFake) -> Call:
    call = caller(fake, WIRE)
    call("CreateStream", StreamName="s", ShardCount=1)
    return call


def iterator(call: Call, **params: Any) -> str:
    answer = call(
        "GetShardIterator",
        StreamName="s",
        ShardId="shardId-000000000000",
        ShardIteratorType="TRIM_HORIZON",
        **params,
    )
    shard_iterator: str = answer["ShardIterator"]
    return shard_iterator


def test_a_dry_run_put_writes_nothing(fake, call):
    single = code(call, "PutRecord", StreamName="s", Data=b"a", PartitionKey="k", DryRun=True)
    batch = code(
        call,
        "PutRecords",
        StreamName="s",
        Records=[{"Data": b"b", "PartitionKey": "k"}],
        DryRun=True,
    )

    assert single == batch == DRY_RUN
    assert fake.kinesis["s"].records == []


def test_a_dry_run_that_would_fail_answers_the_failure(call):
    missing = code(call, "PutRecord", StreamName="nope", Data=b"a", PartitionKey="k", DryRun=True)
    bad_key = code(
        call,
        "PutRecords",
        StreamName="s",
        Records=[{"Data": b"b", "PartitionKey": "k", "ExplicitHashKey": str(2**128)}],
        DryRun=True,
    )

    assert missing[0] == "ResourceNotFoundException"
    assert bad_key[0] == "InvalidArgumentException"


def test_dry_run_reads_read_nothing(fake, call):
    call("PutRecord", StreamName="s", Data=b"a", PartitionKey="k")
    shard_iterator = iterator(call)

    issued = code(
        call,
        "GetShardIterator",
        StreamName="s",
        ShardId="shardId-000000000000",
        ShardIteratorType="TRIM_HORIZON",
        DryRun=True,
    )
    read = code(call, "GetRecords", ShardIterator=shard_iterator, DryRun=True)
    fake.kinesis.clock.advance(minutes=5, seconds=1)
    expired = code(call, "GetRecords", ShardIterator=shard_iterator, DryRun=True)

    assert issued == read == DRY_RUN
    assert expired[0] == "ExpiredIteratorException"
    assert [r["Data"] for r in call("GetRecords", ShardIterator=iterator(call))["Records"]] == [
        b"a"
    ]


@needs_botocore("kinesis SubscribeToShard.DryRun")
def test_a_dry_run_subscription_subscribes_nothing(fake):
    fake.kinesis.create_stream("s")
    client = boto3.client("kinesis", region_name=REGION)
    consumer = client.register_stream_consumer(StreamARN=STREAM_ARN, ConsumerName="c")["Consumer"][
        "ConsumerARN"
    ]
    params = {
        "ConsumerARN": consumer,
        "ShardId": "shardId-000000000000",
        "StartingPosition": {"Type": "LATEST"},
    }

    with pytest.raises(client.exceptions.DryRunOperationException):
        client.subscribe_to_shard(DryRun=True, **params)
    # No subscription was made: a real one is not refused as a second within 5 seconds.
    events = client.subscribe_to_shard(**params)["EventStream"]

    assert "SubscribeToShardEvent" in next(iter(events))


@needs_botocore("kinesis PutRecord.DryRun")
def test_dry_runs_take_one_a_second_per_stream_when_quotas_are_enforced(fake):
    fake.kinesis.create_stream("s")
    fake.kinesis.enforce_read_quotas()
    client = boto3.client(
        "kinesis", region_name=REGION, config=Config(retries={"total_max_attempts": 1})
    )
    put = {"StreamName": "s", "Data": b"a", "PartitionKey": "k", "DryRun": True}

    errors = []
    for _ in range(2):
        with pytest.raises(client.exceptions.ClientError) as caught:
            client.put_record(**put)
        errors.append(caught.value.response["Error"]["Code"])
    fake.kinesis.clock.advance(seconds=1)
    with pytest.raises(client.exceptions.DryRunOperationException):
        client.put_record(**put)

    assert errors == ["DryRunOperationException", "ThrottlingException"]


def test_a_dry_run_iterator_leaves_the_shards_five_a_second(fake, call):
    # "no other quota is used": a shard takes five GetShardIterator calls a second (DOC)
    fake.kinesis.enforce_read_quotas()

    dry = code(
        call,
        "GetShardIterator",
        StreamName="s",
        ShardId="shardId-000000000000",
        ShardIteratorType="LATEST",
        DryRun=True,
    )
    issued = [iterator(call) for _ in range(5)]

    assert dry == DRY_RUN
    assert len(set(issued)) == 5


def test_the_model_throttles_a_second_dry_run_in_a_second():
    """The rate as the model keeps it (the client test above needs botocore 1.44)."""
    clock = FakeClock(datetime(2024, 1, 1, tzinfo=timezone.utc))
    service = KinesisService(
        account_id="123456789012", region=REGION, clock=clock, ids=IdSource(SEED)
    )
    service.dispatch("CreateStream", {"StreamName": "s", "ShardCount": 1})
    service.read_quotas = True
    put = {"StreamName": "s", "Data": b"a", "PartitionKey": "k", "DryRun": True}

    codes = []
    for _ in range(2):
        with pytest.raises(ServiceError) as caught:
            service.dispatch("PutRecord", put)
        codes.append(caught.value.code)
    clock.advance(timedelta(seconds=1))
    with pytest.raises(ServiceError) as caught:
        service.dispatch("PutRecord", put)

    assert codes == ["DryRunOperationException", "ThrottlingException"]
    assert caught.value.code == "DryRunOperationException"
    assert service.streams["s"].records == []
