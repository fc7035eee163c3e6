"""The invocation records of batches a Kinesis event source mapping gave up on reach its
OnFailure queue, topic or bucket: moto's, under ``mock_aws``; without anything standing in
for the service they stay on ``trigger.failures``, with a warning that says so."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from pytest_firehose import FirehoseFake
from pytest_firehose._services.firehose.settings import UnmodelledSettingWarning

REGION = "us-east-1"
ACCOUNT = "123456789012"


def always_fails(event: dict[str, Any], context: Any) -> None:
    raise ValueError("cannot process")


def failing_trigger(fake: FirehoseFake, destination: str, **options: Any) -> Any:
    stream = fake.kinesis.create_stream("s")
    return stream.lambda_trigger(
        always_fails,
        MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": destination}},
        **options,
    )


def put(client: Any, *payloads: bytes) -> None:
    for payload in payloads:
        client.put_record(StreamName="s", Data=payload, PartitionKey="k")


def test_records_go_to_the_sqs_queue_under_mock_aws(fake: FirehoseFake) -> None:
    kinesis = boto3.client("kinesis", region_name=REGION)
    with mock_aws():
        sqs = boto3.client("sqs", region_name=REGION)
        url = sqs.create_queue(QueueName="dlq")["QueueUrl"]
        trigger = failing_trigger(fake, f"arn:aws:sqs:{REGION}:{ACCOUNT}:dlq")
        put(kinesis, b"a", b"b")

        trigger.drain()

        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(message["Body"]) for message in messages] == trigger.failures
    [record] = trigger.failures
    assert record["KinesisBatchInfo"]["batchSize"] == 2
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"


def test_records_go_to_the_sns_topic_under_mock_aws(fake: FirehoseFake) -> None:
    kinesis = boto3.client("kinesis", region_name=REGION)
    with mock_aws():
        sns = boto3.client("sns", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        topic = sns.create_topic(Name="failures")["TopicArn"]
        url = sqs.create_queue(QueueName="seen")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        trigger = failing_trigger(fake, topic)
        put(kinesis, b"a")

        trigger.drain()

        [message] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert json.loads(json.loads(message["Body"])["Message"]) == trigger.failures[0]


def test_records_go_to_the_s3_bucket_with_the_batch_under_mock_aws(fake: FirehoseFake) -> None:
    # AWS's object (LocalStack's AWS-validated snapshot, 2025): the key
    # aws/lambda/<mapping UUID>/<shard>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<UUID>, the body
    # the invocation record with its keys in order and the batch's event as "payload".
    kinesis = boto3.client("kinesis", region_name=REGION)
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="failures")
        trigger = failing_trigger(fake, "arn:aws:s3:::failures")
        put(kinesis, b"a", b"b")

        trigger.drain()

        [listed] = s3.list_objects_v2(Bucket="failures")["Contents"]
        body = json.loads(s3.get_object(Bucket="failures", Key=listed["Key"])["Body"].read())
    [record] = trigger.failures
    at = datetime.fromisoformat(record["timestamp"].replace("Z", "+00:00"))
    shard = record["KinesisBatchInfo"]["shardId"]
    prefix = f"aws/lambda/{trigger.uuid}/{shard}/{at:%Y/%m/%d}/{at:%Y-%m-%dT%H.%M.%S}-"
    assert listed["Key"].startswith(prefix)
    assert re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", listed["Key"][len(prefix) :])
    assert list(body) == [
        "KinesisBatchInfo",
        "payload",
        "requestContext",
        "responseContext",
        "timestamp",
        "version",
    ]
    assert list(body["requestContext"]) == sorted(record["requestContext"])
    assert {key: value for key, value in body.items() if key != "payload"} == record
    assert body["payload"] == trigger.invocations[-1].event
    assert next(iter(body["payload"]["Records"][0]["kinesis"])) == "kinesisSchemaVersion"


def test_without_a_stand_in_the_records_stay_on_the_trigger_with_a_warning(
    fake: FirehoseFake,
) -> None:
    kinesis = boto3.client("kinesis", region_name=REGION)
    trigger = failing_trigger(fake, f"arn:aws:sqs:{REGION}:{ACCOUNT}:dlq", BatchSize=1)
    put(kinesis, b"a", b"b")

    with pytest.warns(UnmodelledSettingWarning, match="nothing stands in for SQS") as warned:
        trigger.drain()

    assert [r["KinesisBatchInfo"]["batchSize"] for r in trigger.failures] == [1, 1]
    assert len(warned) == 1  # once, however many records stay behind


def test_records_go_to_a_queue_of_another_region(fake: FirehoseFake) -> None:
    kinesis = boto3.client("kinesis", region_name=REGION)
    with mock_aws():
        sqs = boto3.client("sqs", region_name="eu-west-1")
        url = sqs.create_queue(QueueName="dlq")["QueueUrl"]
        trigger = failing_trigger(fake, f"arn:aws:sqs:eu-west-1:{ACCOUNT}:dlq")
        put(kinesis, b"a")

        trigger.drain()

        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(message["Body"]) for message in messages] == trigger.failures
