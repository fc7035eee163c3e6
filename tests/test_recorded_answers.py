"""Exchanges recorded against the real services, replayed against the fake: each test sends
what the recording sent and asserts the answer it holds (docs/fidelity.md, "Exactly as AWS").

The recordings: LocalStack's AWS-validated snapshots (localstack/localstack,
``tests/aws/services/kinesis/test_kinesis.snapshot.json`` and
``tests/aws/services/lambda_/event_source_mapping/test_lambda_integration_kinesis.snapshot.json``,
2022 to 2025), whose ``<...>`` placeholders stand for the values no replay can repeat; and
the acceptance tests of hashicorp/terraform-provider-aws, run against AWS, with the answers
their code and comments quote (``internal/service/firehose/delivery_stream_test.go``,
``internal/service/kinesis/stream.go``); what issue threads report of streams run on AWS
(risingwavelabs/risingwave#9961, awslabs/amazon-kinesis-connector-flink#44); and the AWS
SDKs' integration tests, run against AWS (aws/aws-sdk-java-v2, ``services/kinesis/src/it``,
with aws/aws-sdk-java-v2#5949; aws/aws-sdk-net, ``sdk/test/Services/Kinesis/IntegrationTests``)."""

from __future__ import annotations

import base64
import json
import warnings
from typing import Any

import boto3
import cbor2
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import REGION, ROLE, S3, SEED
from lambda_support import batches, put
from test_server_front import CBOR, KINESIS, server, signed  # noqa: F401  (the fixture)

from pytest_firehose import FirehoseFake
from pytest_firehose._doors.server import FirehoseServer
from pytest_firehose._services.firehose.settings import UnmodelledSettingWarning

QUEUE = "arn:aws:sqs:us-east-1:123456789012:failures"


def test_records_read_back_as_put_with_the_recorded_members(fake, kinesis_client):
    # test_record_lifecycle_data_integrity (2022): an empty record, text in several scripts
    # and 1,000 bytes come back as put, each with these four members and no EncryptionType.
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    shard = kinesis_client.list_shards(StreamName="s")["Shards"][0]["ShardId"]
    iterator = kinesis_client.get_shard_iterator(
        StreamName="s", ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    sent = ["test", "ünicödé 统一码 💣💻🔥", "a" * 1000, ""]
    for data in sent:
        kinesis_client.put_record(StreamName="s", Data=data, PartitionKey="1")

    records = kinesis_client.get_records(ShardIterator=iterator)["Records"]

    assert [record["Data"] for record in records] == [data.encode() for data in sent]
    assert {frozenset(record) for record in records} == {
        frozenset({"SequenceNumber", "ApproximateArrivalTimestamp", "Data", "PartitionKey"})
    }
    assert {record["PartitionKey"] for record in records} == {"1"}


def test_a_consumer_is_listed_and_described_with_the_recorded_members(fake, kinesis_client):
    # test_stream_consumers (2022): ListStreamConsumers lists a consumer's name, ARN, status
    # and creation time; DescribeStreamConsumer adds the stream's ARN.
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    stream_arn = kinesis_client.describe_stream(StreamName="s")["StreamDescription"]["StreamARN"]
    kinesis_client.register_stream_consumer(StreamARN=stream_arn, ConsumerName="consumer")
    fake.kinesis.clock.advance(seconds=10)

    (listed,) = kinesis_client.list_stream_consumers(StreamARN=stream_arn)["Consumers"]
    described = kinesis_client.describe_stream_consumer(
        StreamARN=stream_arn, ConsumerName="consumer"
    )["ConsumerDescription"]

    assert set(listed) == {
        "ConsumerName",
        "ConsumerARN",
        "ConsumerStatus",
        "ConsumerCreationTimestamp",
    }
    assert (listed["ConsumerName"], listed["ConsumerStatus"]) == ("consumer", "ACTIVE")
    assert described == {**listed, "StreamARN": stream_arn}


def test_a_cbor_error_is_its_type_and_message_alone(server: FirehoseServer) -> None:  # noqa: F811
    # test_cbor_exceptions (2025): DescribeStream by the ARN of a stream that does not exist,
    # in CBOR, answers 400 with these two members.
    arn = "arn:aws:kinesis:us-east-1:123456789012:stream/wrong-stream-name"

    status, headers, body = signed(server, KINESIS + "DescribeStream", {"StreamARN": arn}, CBOR)

    assert (status, headers["content-type"]) == (400, CBOR)
    assert cbor2.loads(body) == {
        "__type": "ResourceNotFoundException",
        "message": "Stream wrong-stream-name under account 123456789012 not found.",
    }


def _mapping(fake: FirehoseFake, answer: Any) -> Any:
    """test_kinesis_report_batch_item_*_scenarios' mapping (2025): one record a batch, two
    retries, partial batch responses, failures to a queue; the function answers ``answer``
    (raises when it is an exception)."""

    def handler(event: dict[str, Any], context: Any) -> Any:
        if isinstance(answer, Exception):
            raise answer
        return answer

    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(
        handler,
        FunctionName="f",
        StartingPosition="TRIM_HORIZON",
        BatchSize=1,
        MaximumBatchingWindowInSeconds=1,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        MaximumRetryAttempts=2,
        DestinationConfig={"OnFailure": {"Destination": QUEUE}},
    )
    put(b"hello", key="test")
    # No queue stands in for SQS here: the fake keeps the invocation record on the trigger
    # and says so.
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always", UnmodelledSettingWarning)
        trigger.drain()
    warned = [w for w in said if "nothing stands in for SQS" in str(w.message)]
    assert len(warned) == len(trigger.failures)
    return trigger


@pytest.mark.parametrize(
    ("answer", "function_error"),
    [
        ({"batchItemFailures": [{"itemIdentifier": 123}]}, None),
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, None),
        ({"batchItemFailures": [{"itemIdentifier": None}]}, None),
        ({"batchItemFailures": [{"foo": 123}]}, None),
        ({"batchItemFailures": [{"foo": None}]}, None),
        (ZeroDivisionError("division by zero"), "Unhandled"),
    ],
    ids=[
        "item_identifier_not_present",
        "empty_string_item_identifier",
        "null_item_identifier",
        "invalid_key_foo",
        "invalid_key_foo_null_value",
        "unhandled_exception_in_function",
    ],
)
def test_a_report_naming_no_record_of_the_batch_fails_it_whole(
    fake: FirehoseFake, answer: Any, function_error: str | None
) -> None:
    # The recording: three invocations of the one record, then one invocation record on the
    # queue, RetryAttemptsExhausted after 3 invocations, the function's answer a 200 with
    # functionError null (or "Unhandled" when it raised).
    trigger = _mapping(fake, answer)

    assert batches(trigger) == [[b"hello"]] * 3
    (failure,) = trigger.failures
    assert {
        key: failure["requestContext"][key] for key in ("condition", "approximateInvokeCount")
    } == {"condition": "RetryAttemptsExhausted", "approximateInvokeCount": 3}
    assert failure["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": function_error,
    }
    assert failure["version"] == "1.0"
    info = failure["KinesisBatchInfo"]
    assert (info["shardId"], info["batchSize"]) == ("shardId-000000000000", 1)
    assert info["startSequenceNumber"] == info["endSequenceNumber"]


@pytest.mark.parametrize(
    "answer",
    ["", [], None, {}, {"batchItemFailures": []}, {"batchItemFailures": None}],
    ids=[
        "empty_string",
        "empty_list",
        "null",
        "empty_dict",
        "empty_batch_item_failure",
        "null_batch_item_failure",
    ],
)
def test_a_report_naming_no_failure_is_success(fake: FirehoseFake, answer: Any) -> None:
    # The recording: one invocation, nothing on the queue.
    trigger = _mapping(fake, answer)

    assert batches(trigger) == [[b"hello"]]
    assert trigger.failures == []


def test_a_mapping_that_invoked_its_function_reads_ok(fake: FirehoseFake) -> None:
    # test_kinesis_empty_provided (2025): GetEventSourceMapping after one invocation that
    # succeeded reads LastProcessingResult "OK", State "Enabled".
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(
        lambda event, context: None,
        FunctionName="f",
        StartingPosition="TRIM_HORIZON",
        BatchSize=1,
        MaximumBatchingWindowInSeconds=1,
        MaximumRetryAttempts=2,
    )
    put(b"hello", key="test")

    trigger.drain()

    described = trigger.describe()
    assert (described["LastProcessingResult"], described["State"]) == ("OK", "Enabled")
    assert {
        key: described[key]
        for key in ("BatchSize", "MaximumRetryAttempts", "StartingPosition", "DestinationConfig")
    } == {
        "BatchSize": 1,
        "MaximumRetryAttempts": 2,
        "StartingPosition": "TRIM_HORIZON",
        "DestinationConfig": {"OnFailure": {}},
    }


def test_a_converting_destination_under_64_mib_is_refused_with_the_recorded_text(client):
    # TestAccFirehoseDeliveryStream_ExtendedS3DataFormatConversion*: every converting
    # destination there asks for 128 MiB, the comment beside it quoting what AWS answered a
    # smaller buffer.
    conversion = {
        "SchemaConfiguration": {"DatabaseName": "d", "TableName": "t", "RoleARN": ROLE},
        "InputFormatConfiguration": {"Deserializer": {"HiveJsonSerDe": {}}},
        "OutputFormatConfiguration": {"Serializer": {"OrcSerDe": {}}},
    }

    with pytest.raises(ClientError) as caught:
        client.create_delivery_stream(
            DeliveryStreamName="s",
            ExtendedS3DestinationConfiguration={
                **S3,
                "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 300},
                "DataFormatConversionConfiguration": conversion,
            },
        )

    assert caught.value.response["Error"] == {
        "Code": "InvalidArgumentException",
        "Message": (
            "BufferingHints.SizeInMBs must be at least 64 when data format conversion is enabled."
        ),
    }


def test_stopping_encryption_as_none_is_refused_with_the_recorded_text(kinesis_client):
    # The provider's updateKinesisStreamEncryption (stream.go) passes the old type and key to
    # StopStreamEncryption because passing NONE answered this.
    kinesis_client.create_stream(StreamName="s", ShardCount=1)

    with pytest.raises(ClientError) as caught:
        kinesis_client.stop_stream_encryption(
            StreamName="s", EncryptionType="NONE", KeyId="alias/aws/kinesis"
        )

    assert caught.value.response["Error"] == {
        "Code": "InvalidArgumentException",
        "Message": "Encryption type cannot be NONE.",
    }


def test_scaling_two_shards_to_three_leaves_four_closed(fake, kinesis_client):
    # TestAccKinesisStreamDataSource_basic: a 2-shard stream scaled to 3 by UpdateShardCount
    # (UNIFORM_SCALING) lists 3 open shards and 4 closed ones.
    kinesis_client.create_stream(StreamName="s", ShardCount=2)
    kinesis_client.update_shard_count(
        StreamName="s", TargetShardCount=3, ScalingType="UNIFORM_SCALING"
    )
    fake.kinesis.clock.advance(seconds=60)

    shards = kinesis_client.list_shards(StreamName="s")["Shards"]

    closed = [s for s in shards if "EndingSequenceNumber" in s["SequenceNumberRange"]]
    assert (len(shards) - len(closed), len(closed)) == (3, 4)


def test_scaling_four_shards_to_three_leaves_six_nine_and_ten_open(fake, kinesis_client):
    # risingwavelabs/risingwave#9961 (2023), from a stream scaled on AWS: 4 shards to 3 split
    # shards 1 and 2 and merged the halves with shards 0 and 3 and with each other; of the
    # 11 shards, 6, 9 and 10 alone are open.
    kinesis_client.create_stream(StreamName="s", ShardCount=4)
    kinesis_client.update_shard_count(
        StreamName="s", TargetShardCount=3, ScalingType="UNIFORM_SCALING"
    )
    fake.kinesis.clock.advance(seconds=60)

    shards = kinesis_client.list_shards(StreamName="s")["Shards"]

    def index(shard_id: str) -> int:
        return int(shard_id.split("-")[1])

    opened = [s for s in shards if "EndingSequenceNumber" not in s["SequenceNumberRange"]]
    assert (len(shards), [index(s["ShardId"]) for s in opened]) == (11, [6, 9, 10])
    split = {
        index(s["ParentShardId"])
        for s in shards
        if "AdjacentParentShardId" not in s and "ParentShardId" in s
    }
    merged = [(index(s["ParentShardId"]), index(s["AdjacentParentShardId"])) for s in opened]
    assert split == {1, 2}
    assert (merged[0][0], merged[-1][1]) == (0, 3)


def test_an_s3_encryption_with_both_members_is_refused_with_the_recorded_text(client):
    # aws/aws-cdk#16291 (2021): a template whose extended S3 destination gave
    # NoEncryptionConfig beside a KMSEncryptionConfig with the alias aws/s3, refused by
    # Firehose with these words as CloudFormation relayed them.
    encryption = {
        "KMSEncryptionConfig": {"AWSKMSKeyARN": "arn:aws:kms:us-east-1:123456789012:alias/aws/s3"},
        "NoEncryptionConfig": "NoEncryption",
    }

    with pytest.raises(ClientError) as caught:
        client.create_delivery_stream(
            DeliveryStreamName="s",
            ExtendedS3DestinationConfiguration={**S3, "EncryptionConfiguration": encryption},
        )

    assert caught.value.response["Error"]["Message"] == (
        "Exactly one of NoEncryptionConfig or KMSEncryptionConfig must be specified"
    )


def test_listing_the_shards_of_a_stream_not_yet_active_is_refused_with_the_recorded_text():
    # aws/aws-sdk-java-v2#5949 (2025): SubscribeToShardIntegrationTest's setup, run against
    # Kinesis, lists the shards of the stream it has just created and met this answer while
    # the stream was CREATING; the fix waits until ListShards stops refusing. The Kinesis
    # Client Library (KinesisShardDetector.listShards) reads ResourceInUseException there as
    # "not in Active/Updating status".
    with FirehoseFake(region=REGION, seed=SEED, creation_delay=30) as slow:
        kinesis = boto3.client("kinesis", region_name=REGION)
        kinesis.create_stream(StreamName="subscribe-to-shard-integ-test", ShardCount=1)

        with pytest.raises(ClientError) as caught:
            kinesis.list_shards(StreamName="subscribe-to-shard-integ-test")
        slow.kinesis.clock.advance(seconds=30)
        listed = kinesis.list_shards(StreamName="subscribe-to-shard-integ-test")["Shards"]

    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert caught.value.response["Error"] == {
        "Code": "ResourceInUseException",
        "Message": (
            "Stream subscribe-to-shard-integ-test under account 123456789012 not ACTIVE or "
            "UPDATING, instead in state CREATING"
        ),
    }
    assert [shard["ShardId"] for shard in listed] == ["shardId-000000000000"]


def test_an_active_stream_deleted_is_described_deleting_until_gone():
    # aws/aws-sdk-net, sdk/test/Services/Kinesis/IntegrationTests/Kinesis.cs, KinesisCRUD,
    # run against Kinesis: a stream just created is described CREATING, with
    # HasMoreShards false and an ARN; its retention period doubled and halved again is
    # described each time; it is listed; and, right after DeleteStream, DescribeStream
    # shows it DELETING.
    name = "dotnet-integ-test-stream-638000000000000000"
    with FirehoseFake(region=REGION, seed=SEED, creation_delay=30) as slow:
        kinesis = boto3.client("kinesis", region_name=REGION)
        kinesis.create_stream(StreamName=name, ShardCount=1)
        created = kinesis.describe_stream(StreamName=name)["StreamDescription"]
        slow.kinesis.clock.advance(seconds=30)
        hours = created["RetentionPeriodHours"]
        kinesis.increase_stream_retention_period(StreamName=name, RetentionPeriodHours=hours * 2)
        doubled = kinesis.describe_stream(StreamName=name)["StreamDescription"]
        kinesis.decrease_stream_retention_period(StreamName=name, RetentionPeriodHours=hours)
        halved = kinesis.describe_stream(StreamName=name)["StreamDescription"]
        listed = kinesis.list_streams()["StreamNames"]
        kinesis.delete_stream(StreamName=name)
        deleting = kinesis.describe_stream(StreamName=name)["StreamDescription"]
        slow.kinesis.clock.advance(seconds=30)
        with pytest.raises(ClientError) as gone:
            kinesis.describe_stream(StreamName=name)

    assert (created["StreamStatus"], created["HasMoreShards"]) == ("CREATING", False)
    assert created["StreamARN"] == f"arn:aws:kinesis:{REGION}:123456789012:stream/{name}"
    assert (doubled["RetentionPeriodHours"], halved["RetentionPeriodHours"]) == (48, 24)
    assert name in listed
    assert deleting["StreamStatus"] == "DELETING"
    assert gone.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_a_delivery_stream_takes_records_as_the_dotnet_sdk_recorded(client):
    # aws/aws-sdk-net, sdk/test/Services/Kinesis/IntegrationTests/KinesisFirehose.cs:
    # TestPutRecord answers a RecordId, TestPutRecordNonExistantStream
    # ResourceNotFoundException, and TestPutRecordBatch of 8 records 8 distinct RecordIds
    # with FailedPutCount 0 (an S3DestinationConfiguration stream).
    client.create_delivery_stream(
        DeliveryStreamName="dotnet-test-delivery-stream", S3DestinationConfiguration=S3
    )
    data = b"DATAdataDATAdataDATAdata"

    single = client.put_record(
        DeliveryStreamName="dotnet-test-delivery-stream", Record={"Data": data}
    )
    with pytest.raises(ClientError) as missing:
        client.put_record(DeliveryStreamName="NonExistantStream", Record={"Data": data})
    batch = client.put_record_batch(
        DeliveryStreamName="dotnet-test-delivery-stream",
        Records=[{"Data": f"DATA{i}data{i}DATA{i}data{i}".encode()} for i in range(8)],
    )

    assert single["RecordId"]
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert batch["FailedPutCount"] == 0
    assert len({answer["RecordId"] for answer in batch["RequestResponses"]}) == 8


def test_subscribing_a_consumer_that_is_gone_is_refused_with_the_recorded_text(
    fake, kinesis_client
):
    # awslabs/amazon-kinesis-connector-flink#44 (2021): an enhanced fan-out job whose
    # consumer had been deregistered failed, with every registration strategy (so on the
    # SubscribeToShard all three make with the consumer's ARN), with this answer, HTTP 400:
    # the consumer's name and creation time read from its ARN.
    kinesis_client.create_stream(StreamName="a204892-msg-dist-kinesis-Development", ShardCount=1)
    stream_arn = kinesis_client.describe_stream(StreamName="a204892-msg-dist-kinesis-Development")[
        "StreamDescription"
    ]["StreamARN"]
    consumer = kinesis_client.register_stream_consumer(
        StreamARN=stream_arn, ConsumerName="a204892-msg-dist-kinesis-Development-efo"
    )["Consumer"]
    kinesis_client.deregister_stream_consumer(ConsumerARN=consumer["ConsumerARN"])
    created = int(consumer["ConsumerCreationTimestamp"].timestamp())

    with pytest.raises(ClientError) as caught:
        kinesis_client.subscribe_to_shard(
            ConsumerARN=consumer["ConsumerARN"],
            ShardId="shardId-000000000000",
            StartingPosition={"Type": "LATEST"},
        )

    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert caught.value.response["Error"] == {
        "Code": "ResourceNotFoundException",
        "Message": (
            "Consumer a204892-msg-dist-kinesis-Development-efo with creation timestamp "
            f"{created} under stream: a204892-msg-dist-kinesis-Development, account "
            "123456789012 not found."
        ),
    }


def test_a_throttled_get_records_is_refused_with_the_recorded_text(fake):
    # awslabs/amazon-kinesis-client#1521 (2025): the Kinesis Client Library's polling
    # reader (PrefetchRecordsPublisher, which calls GetRecords) met this answer, HTTP 400,
    # on a stream read by four applications; risingwavelabs/risingwave#7453 (2023) quotes
    # the same words. Earlier reports (2015 to 2019) read "Rate exceeded for shard SHARD
    # in stream NAME under account ACCOUNT.", which PutRecords still answers per record.
    kinesis = boto3.client(
        "kinesis", region_name=REGION, config=Config(retries={"total_max_attempts": 1})
    )
    kinesis.create_stream(StreamName="event-stream", ShardCount=4)
    iterator = kinesis.get_shard_iterator(
        StreamName="event-stream", ShardId="shardId-000000000003", ShardIteratorType="LATEST"
    )["ShardIterator"]
    fake.kinesis.enforce_read_quotas()
    for _ in range(5):
        kinesis.get_records(ShardIterator=iterator)

    with pytest.raises(ClientError) as caught:
        kinesis.get_records(ShardIterator=iterator)

    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert caught.value.response["Error"] == {
        "Code": "ProvisionedThroughputExceededException",
        "Message": "Rate exceeded for Shard - 123456789012/event-stream/shardId-000000000003",
    }


def _failing(event: dict[str, Any], context: Any) -> None:
    raise RuntimeError("failed")


def _aged_out(fake: FirehoseFake, handler: Any = _failing, **parameters: Any) -> Any:
    """test_kinesis_maximum_record_age_exceeded*'s mapping (2025): a maximum record age of 60
    seconds, batches of ``BatchSize``, failures to a queue; ``handler`` fails every batch
    unless given. No queue stands in for SQS here: the invocation records stay on the
    trigger."""
    trigger = fake.kinesis["s"].lambda_trigger(
        handler,
        FunctionName="f",
        StartingPosition="TRIM_HORIZON",
        MaximumBatchingWindowInSeconds=1,
        MaximumRecordAgeInSeconds=60,
        DestinationConfig={"OnFailure": {"Destination": QUEUE}},
        **parameters,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnmodelledSettingWarning)
        trigger.drain()
    return trigger


def test_a_record_too_old_when_the_mapping_starts_is_given_up_uninvoked(fake):
    # test_kinesis_maximum_record_age_exceeded[expire-before-ingestion] (2025): the record
    # was put, the mapping made 60 seconds later (MaximumRetryAttempts 0); the queue got one
    # RecordAgeExceeded record counting 1 invocation, with no responseContext, for a batch
    # of that one record.
    stream = fake.kinesis.create_stream("s")
    put(b"stream-data", key="test")
    fake.kinesis.clock.advance(seconds=61)

    trigger = _aged_out(fake, BatchSize=1, MaximumRetryAttempts=0)

    assert batches(trigger) == []
    (failure,) = trigger.failures
    assert failure["requestContext"]["condition"] == "RecordAgeExceeded"
    assert failure["requestContext"]["approximateInvokeCount"] == 1
    assert "responseContext" not in failure
    info = failure["KinesisBatchInfo"]
    assert info["batchSize"] == 1
    assert info["startSequenceNumber"] == info["endSequenceNumber"]
    assert info["startSequenceNumber"] == stream.records[0].sequence_number


def test_an_aged_record_leaves_its_batch_counted_once_and_the_rest_is_invoked(fake):
    # test_kinesis_maximum_record_age_exceeded_discard_records (2025): one record put, 80
    # seconds, five more, then a mapping of batches of 10 (MaximumRetryAttempts 0): the
    # function got the five; the queue one RecordAgeExceeded record of a batch of the old
    # record alone, counting 1 invocation.
    stream = fake.kinesis.create_stream("s")
    put(b"stream-data", key="test")
    fake.kinesis.clock.advance(seconds=80)
    kinesis = boto3.client("kinesis", region_name=REGION)
    kinesis.put_records(
        StreamName="s",
        Records=[{"Data": f"stream-data-{i + 1}", "PartitionKey": "test"} for i in range(5)],
    )
    taken: list[list[bytes]] = []

    def handler(event: dict[str, Any], context: Any) -> None:
        taken.append([base64.b64decode(r["kinesis"]["data"]) for r in event["Records"]])

    trigger = _aged_out(fake, handler, BatchSize=10, MaximumRetryAttempts=0)

    assert taken == [[f"stream-data-{i + 1}".encode() for i in range(5)]]
    (failure,) = trigger.failures
    assert failure["requestContext"]["condition"] == "RecordAgeExceeded"
    assert failure["requestContext"]["approximateInvokeCount"] == 1
    info = failure["KinesisBatchInfo"]
    assert (info["batchSize"], info["startSequenceNumber"], info["endSequenceNumber"]) == (
        1,
        stream.records[0].sequence_number,
        stream.records[0].sequence_number,
    )


def test_a_reported_failure_is_retried_from_it_as_many_times_as_allowed(fake):
    # test_kinesis_report_batch_item_failures (2025): six records in one PutRecords, batches
    # of 3, MaximumRetryAttempts 3, the function reporting the sixth: the function logged
    # the first five once and the sixth five times; the queue got one
    # RetryAttemptsExhausted record of the sixth alone, counting 4 invocations, with
    # functionError null.
    stream = fake.kinesis.create_stream("s")

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        failed = [
            {"itemIdentifier": r["kinesis"]["sequenceNumber"]}
            for r in event["Records"]
            if json.loads(base64.b64decode(r["kinesis"]["data"]))["should_fail"]
        ]
        return {"batchItemFailures": failed}

    trigger = stream.lambda_trigger(
        handler,
        FunctionName="f",
        BatchSize=3,
        StartingPosition="TRIM_HORIZON",
        MaximumBatchingWindowInSeconds=1,
        MaximumRetryAttempts=3,
        DestinationConfig={"OnFailure": {"Destination": QUEUE}},
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    boto3.client("kinesis", region_name=REGION).put_records(
        StreamName="s",
        Records=[
            {"Data": json.dumps({"should_fail": i == 5}), "PartitionKey": f"test_{i}"}
            for i in range(6)
        ],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnmodelledSettingWarning)
        trigger.drain()

    keys = [
        [r["kinesis"]["partitionKey"] for r in invocation.event["Records"]]
        for invocation in trigger.invocations
    ]
    assert (
        keys == [["test_0", "test_1", "test_2"], ["test_3", "test_4", "test_5"]] + [["test_5"]] * 4
    )
    (failure,) = trigger.failures
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 4
    assert failure["responseContext"]["functionError"] is None
    info = failure["KinesisBatchInfo"]
    assert (info["batchSize"], info["startSequenceNumber"]) == (
        1,
        stream.records[5].sequence_number,
    )
