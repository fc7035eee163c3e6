"""The event a Lambda function receives for Kinesis records, as AWS builds it, and the
invocation record an event source mapping writes when it gives up."""

from __future__ import annotations

import base64
from datetime import datetime, timezone
from typing import Any

import aws_lambda_powertools.utilities.parser as powertools_parser
import aws_lambda_powertools.utilities.parser.models as powertools_models
import boto3
import pytest
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import KinesisDataStreamModel
from lambda_support import put

from pytest_firehose import FirehoseFake
from pytest_firehose._errors import UsageError
from pytest_firehose._lambda.kinesis_events import invocation_record, iso_millis

ARN = "arn:aws:kinesis:us-east-1:123456789012:stream/s"

# powertools loads its parser models lazily, on first attribute access, and freezegun reads
# every attribute of every loaded module when a freeze starts: the load would then run
# under frozen time, and pydantic refuses freezegun's datetime class, breaking every later
# freeze in this process. Loading them all now keeps the rest of the suite's freezes whole.
for _module in (powertools_parser, powertools_models):
    for _name in dir(_module):
        getattr(_module, _name)


def test_the_event_has_every_field_lambda_sends(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    put(b"hello")
    record = stream.records[0]

    event = stream.lambda_event(role="arn:aws:iam::123456789012:role/reader")

    millis = int(record.arrived_at.timestamp() * 1000)
    assert event == {
        "Records": [
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": "k",
                    "sequenceNumber": record.sequence_number,
                    "data": base64.b64encode(b"hello").decode(),
                    "approximateArrivalTimestamp": millis / 1000,
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": f"shardId-000000000000:{record.sequence_number}",
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": "arn:aws:iam::123456789012:role/reader",
                "awsRegion": "us-east-1",
                "eventSourceARN": ARN,
            }
        ]
    }


def test_the_event_parses_with_powertools_model(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    put(b'{"order": 1}', b'{"order": 2}')

    parsed = parse(event=stream.lambda_event(), model=KinesisDataStreamModel)

    assert [entry.kinesis.data for entry in parsed.Records] == [b'{"order": 1}', b'{"order": 2}']
    assert [entry.kinesis.sequenceNumber for entry in parsed.Records] == [
        record.sequence_number for record in stream.records
    ]


def test_records_of_an_encrypted_stream_say_so(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    client = boto3.client("kinesis", region_name="us-east-1")
    client.start_stream_encryption(StreamName="s", EncryptionType="KMS", KeyId="alias/aws/kinesis")
    put(b"secret")

    (entry,) = stream.lambda_event()["Records"]

    assert entry["kinesis"]["encryptionType"] == "KMS"


def test_an_event_holds_one_shards_records_only(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s", shard_count=2)
    client = boto3.client("kinesis", region_name="us-east-1")
    for key in ("a", "b", "c", "d", "e"):
        client.put_record(StreamName="s", Data=key.encode(), PartitionKey=key)
    assert len({record.shard_id for record in stream.records}) == 2

    with pytest.raises(UsageError, match="one shard's records per event"):
        stream.lambda_event()
    first = stream.shards[0]
    assert len(stream.lambda_event(first.records)["Records"]) == len(first.records)


class _Record:
    def __init__(self, number: str, second: int) -> None:
        self.data = b"x"
        self.partition_key = "k"
        self.sequence_number = number
        self.shard_id = "shardId-000000000001"
        self.arrived_at = datetime(2019, 11, 14, 0, 38, second, 835_000, tzinfo=timezone.utc)
        self.encryption = "NONE"


class _Source:
    stream_arn = ARN
    region = "us-east-1"
    role_arn = "arn:aws:iam::123456789012:role/r"


def _record(condition: str, error: str | None) -> dict[str, Any]:
    return invocation_record(
        [_Record("1", 4), _Record("2", 5)],
        _Source(),
        request_id="c9b8fa9f-5a7f-4b6f-af9c-0c604cde93a5",
        function_arn="arn:aws:lambda:us-east-1:123456789012:function:f",
        condition=condition,
        invoke_count=3,
        function_error=error,
        executed_version="$LATEST",
        at=datetime(2019, 11, 14, 0, 38, 6, 21_000, tzinfo=timezone.utc),
    )


def test_the_invocation_record_has_the_documented_shape() -> None:
    assert _record("RetryAttemptsExhausted", "Unhandled") == {
        "requestContext": {
            "requestId": "c9b8fa9f-5a7f-4b6f-af9c-0c604cde93a5",
            "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:f",
            "condition": "RetryAttemptsExhausted",
            "approximateInvokeCount": 3,
        },
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": "Unhandled",
        },
        "version": "1.0",
        "timestamp": "2019-11-14T00:38:06.021Z",
        "KinesisBatchInfo": {
            "shardId": "shardId-000000000001",
            "startSequenceNumber": "1",
            "endSequenceNumber": "2",
            "approximateArrivalOfFirstRecord": "2019-11-14T00:38:04.835Z",
            "approximateArrivalOfLastRecord": "2019-11-14T00:38:05.835Z",
            "batchSize": 2,
            "streamArn": ARN,
        },
    }


def test_an_age_record_has_no_response_context() -> None:
    assert "responseContext" not in _record("RecordAgeExceeded", None)


def test_timestamps_keep_milliseconds_and_read_utc() -> None:
    assert iso_millis(datetime(2026, 1, 2, 3, 4, 5, 6_999, tzinfo=timezone.utc)) == (
        "2026-01-02T03:04:05.006Z"
    )
