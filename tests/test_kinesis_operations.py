"""Every operation of the Kinesis API model is answered: the modelled ones by the model, the
others with a message that names them, never a bare UnknownOperationException."""

from __future__ import annotations

from datetime import datetime, timezone

import botocore.session
import pytest
from conftest import REGION, needs_botocore

from pytest_firehose import FirehoseFake
from pytest_firehose._clock import FakeClock
from pytest_firehose._errors import ServiceError
from pytest_firehose._ids import IdSource
from pytest_firehose._payload import payload_bytes
from pytest_firehose._services.kinesis.model import KinesisService

#: What the fake models of Kinesis Data Streams (README and docs/kinesis.md list them).
MODELLED = {
    "AddTagsToStream",
    "CreateStream",
    "DecreaseStreamRetentionPeriod",
    "DeleteResourcePolicy",
    "DeleteStream",
    "DescribeAccountSettings",
    "DeregisterStreamConsumer",
    "DescribeLimits",
    "DescribeStream",
    "DescribeStreamConsumer",
    "DescribeStreamSummary",
    "DisableEnhancedMonitoring",
    "EnableEnhancedMonitoring",
    "GetRecords",
    "GetResourcePolicy",
    "GetShardIterator",
    "IncreaseStreamRetentionPeriod",
    "ListShards",
    "ListStreamConsumers",
    "ListStreams",
    "ListTagsForResource",
    "ListTagsForStream",
    "MergeShards",
    "PutRecord",
    "PutRecords",
    "PutResourcePolicy",
    "RegisterStreamConsumer",
    "RemoveTagsFromStream",
    "SplitShard",
    "StartStreamEncryption",
    "StopStreamEncryption",
    "SubscribeToShard",
    "TagResource",
    "UntagResource",
    "UpdateAccountSettings",
    "UpdateMaxRecordSize",
    "UpdateShardCount",
    "UpdateStreamRecordDistributionStrategy",
    "CreateQueue",
    "DescribeQueue",
    "ListQueues",
    "UpdateQueue",
    "DeleteQueue",
    "ReceiveQueueRecords",
    "AcknowledgeQueueRecords",
    "UpdateQueueRecordsVisibility",
    "ReceiveDeadLetterQueueRecords",
    "AcknowledgeDeadLetterQueueRecords",
    "UpdateDeadLetterQueueRecordsVisibility",
    "RestoreDeadLetterQueueRecords",
    "UpdateStreamMode",
    "UpdateStreamWarmThroughput",
    "CreateChannel",
    "DescribeChannel",
    "ListChannels",
    "UpdateChannel",
    "DeleteChannel",
}
ARN = "arn:aws:kinesis:us-east-1:123456789012:stream/s"
OPERATIONS = botocore.session.get_session().get_service_model("kinesis").operation_names


def message(operation: str) -> str:
    return (
        f"The fake Kinesis Data Streams of pytest-firehose does not model {operation} yet; "
        "docs/kinesis.md lists the operations it answers."
    )


def test_the_model_answers_what_the_docs_list():
    with FirehoseFake(region=REGION) as fake:
        answered = fake.world.kinesis().operations

    assert set(answered) == MODELLED


@needs_botocore(
    "kinesis TagResource",
    "kinesis UntagResource",
    "kinesis ListTagsForResource",
    "kinesis UpdateMaxRecordSize",
    "kinesis DescribeAccountSettings",
    "kinesis UpdateAccountSettings",
    "kinesis UpdateStreamWarmThroughput",
    "kinesis CreateChannel",
)
def test_every_operation_the_docs_list_is_one_of_the_api_model():
    assert set(OPERATIONS) >= MODELLED


#: The model's operations the fake does not answer; botocore 1.44 has none left, so an
#: operation of a later release (a name no model has yet) always stands for them.
NOT_MODELLED = sorted((set(OPERATIONS) - MODELLED) | {"DescribeSomethingNewer"})


@pytest.mark.parametrize("operation", NOT_MODELLED)
def test_an_operation_not_modelled_is_refused_by_name(operation):
    with FirehoseFake(region=REGION) as fake, pytest.raises(ServiceError) as caught:
        fake.world.kinesis().dispatch(operation, {})

    assert (caught.value.code, caught.value.message, caught.value.status) == (
        "UnknownOperationException",
        message(operation),
        400,
    )


@pytest.mark.parametrize(
    ("records", "logged"),
    [
        ([{"Data": "YQ==", "PartitionKey": "k"}, {"Data": b"b"}], [b"a", b"b"]),
        ([{"Data": b"a"}, {"PartitionKey": "k"}, {"Data": b""}, {"Data": "ZA=="}],
         [b"a", b"", b"", b"d"]),
        ([{"Data": b"a"}, "not an object", None, [b"d"]], [b"a", b"", b"", b""]),
        ("not a list", []),
    ],
    ids=["as-botocore-sends-them", "missing-or-empty-data", "entries-not-objects", "no-list"],
)  # fmt: skip
def test_the_call_log_keeps_a_put_s_payloads_in_place_whatever_the_entries(records, logged):
    """What the call log records of a PutRecords, worked out before validation refuses
    anything: every entry keeps its place, an entry without Data logging no bytes."""
    payloads = KinesisService.request_payloads("PutRecords", {"Records": records})

    assert [payload_bytes(payload) for payload in payloads] == logged


def test_an_auto_distribution_stream_spreads_records_round_robin_without_keys():
    """RecordDistributionStrategy AUTO (newer API models only, so through the model): no
    PartitionKey is needed, and records go to the shards in turn, across puts."""
    service = KinesisService(
        account_id="123456789012",
        region="us-east-1",
        clock=FakeClock(datetime(2024, 1, 1, tzinfo=timezone.utc)),
        ids=IdSource(1),
    )
    service.dispatch(
        "CreateStream",
        {
            "StreamName": "s",
            "StreamModeDetails": {"StreamMode": "ON_DEMAND"},
            "RecordDistributionStrategy": "AUTO",
        },
    )

    first = service.put_batch({"StreamName": "s", "Records": [{"Data": b"a"}] * 5}, {})
    second = service.put_batch(
        {"StreamName": "s", "Records": [{"Data": b"b", "PartitionKey": "k"}] * 2}, {}
    )

    shards = [r["ShardId"] for answer in (first, second) for r in answer.body["Records"]]
    assert shards == [f"shardId-00000000000{i}" for i in (0, 1, 2, 3, 0, 1, 2)]
