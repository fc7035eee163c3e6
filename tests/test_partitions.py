"""ARNs in every partition: a stream, consumer or function of a China, GovCloud or ISO region
has that partition's ARN (``arn:aws-cn:...``), as AWS issues it, so that the client that
got it can send it back: botocore's endpoint rules refuse an ARN whose partition is not the
client's (``Partition: aws from ARN doesn't match with partition name: aws-cn.``)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from pytest_firehose import FirehoseFake

ACCOUNT = "123456789012"
PARTITIONS = [
    ("eu-west-1", "aws"),
    ("cn-north-1", "aws-cn"),
    ("us-gov-west-1", "aws-us-gov"),
    ("us-iso-east-1", "aws-iso"),
]


@pytest.fixture
def fake() -> Any:
    with FirehoseFake(account_id=ACCOUNT) as fake:
        yield fake


@pytest.mark.parametrize(("region", "partition"), PARTITIONS)
def test_a_stream_and_its_consumer_have_their_regions_partition(
    fake: FirehoseFake, region: str, partition: str
) -> None:
    kinesis = boto3.client("kinesis", region_name=region)
    kinesis.create_stream(StreamName="s", ShardCount=1)
    arn = kinesis.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"]["StreamARN"]
    assert arn == f"arn:{partition}:kinesis:{region}:{ACCOUNT}:stream/s"
    assert fake.kinesis.stream("s", region=region).arn == arn

    # Sent back as it came (botocore refused it client-side, in another partition than aws).
    summary = kinesis.describe_stream_summary(StreamARN=arn)["StreamDescriptionSummary"]
    assert summary["StreamName"] == "s"
    consumer = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="c")["Consumer"]
    assert consumer["ConsumerARN"].startswith(f"{arn}/consumer/c:")
    described = kinesis.describe_stream_consumer(ConsumerARN=consumer["ConsumerARN"])
    assert described["ConsumerDescription"]["StreamARN"] == arn


@pytest.mark.parametrize(("region", "partition"), PARTITIONS)
def test_a_delivery_stream_has_its_regions_partition(
    fake: FirehoseFake, region: str, partition: str
) -> None:
    firehose = boto3.client("firehose", region_name=region)
    arn = firehose.create_delivery_stream(DeliveryStreamName="d")["DeliveryStreamARN"]
    assert arn == f"arn:{partition}:firehose:{region}:{ACCOUNT}:deliverystream/d"
    described = firehose.describe_delivery_stream(DeliveryStreamName="d")
    assert described["DeliveryStreamDescription"]["DeliveryStreamARN"] == arn


def test_a_trigger_in_china_names_the_china_partition(fake: FirehoseFake) -> None:
    region = "cn-north-1"
    stream = fake.kinesis.create_stream("s", region=region)
    seen: list[tuple[str, str]] = []

    def handler(event: dict[str, Any], context: Any) -> None:
        seen.append((event["Records"][0]["eventSourceARN"], context.invoked_function_arn))

    trigger = stream.lambda_trigger(handler, FunctionName="reader")
    boto3.client("kinesis", region_name=region).put_record(
        StreamName="s", Data=b"a", PartitionKey="k"
    )
    trigger.drain()

    function = f"arn:aws-cn:lambda:{region}:{ACCOUNT}:function:reader"
    assert seen == [(f"arn:aws-cn:kinesis:{region}:{ACCOUNT}:stream/s", function)]
    described = trigger.describe()
    assert described["FunctionArn"] == function
    assert described["EventSourceArn"] == stream.arn
    if "EventSourceMappingArn" in described:  # botocore 1.34.0's model lacks it
        assert described["EventSourceMappingArn"].startswith(
            f"arn:aws-cn:lambda:{region}:{ACCOUNT}:event-source-mapping:"
        )


@pytest.mark.parametrize("service", ["kinesis", "firehose"])
def test_a_scripted_access_denial_names_the_callers_partition(
    fake: FirehoseFake, service: str
) -> None:
    region = "cn-north-1"
    if service == "kinesis":
        fake.kinesis.create_stream("s", region=region)
        fake.kinesis.fail(error="AccessDeniedException")
        call = {"StreamName": "s", "Data": b"a", "PartitionKey": "k"}
        operation, stream = "put_record", f"arn:aws-cn:kinesis:{region}:{ACCOUNT}:stream/s"
    else:
        fake.firehose.create_delivery_stream("s", region=region)
        fake.firehose.fail(error="AccessDeniedException")
        call = {"DeliveryStreamName": "s", "Record": {"Data": b"a"}}
        operation = "put_record"
        stream = f"arn:aws-cn:firehose:{region}:{ACCOUNT}:deliverystream/s"
    client = boto3.client(service, region_name=region)

    with pytest.raises(client.exceptions.ClientError) as refused:
        getattr(client, operation)(**call)

    message = refused.value.response["Error"]["Message"]
    assert message.startswith(f"User: arn:aws-cn:sts::{ACCOUNT}:assumed-role/")
    assert f"on resource: {stream} because" in message
