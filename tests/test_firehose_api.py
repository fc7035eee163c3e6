"""Every Firehose operation through boto3, and the handle a test reads the results from."""

from __future__ import annotations

import base64
import re
from typing import Any

import boto3
import pytest
from conftest import (
    BUCKET,
    FROM_KINESIS,
    KINESIS,
    REGION,
    ROLE,
    S3,
    SEED,
    ShapeChecked,
    as_answered,
    create_s3,
    describe,
    needs_botocore,
    put,
    refused,
)

from pytest_firehose import FirehoseFake

DESTINATION_ID = "destinationId-000000000001"
UUID4 = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


# --------------------------------------------------------------------------- create / describe


def test_create_defaults_to_an_active_direct_put_stream(fake, api):
    answer = api.create_delivery_stream(DeliveryStreamName="events")

    arn = answer["DeliveryStreamARN"]
    assert arn == f"arn:aws:firehose:{REGION}:{fake.world.account_id}:deliverystream/events"
    assert re.fullmatch(r"arn:aws:firehose:us-east-1:\d{12}:deliverystream/events", arn)
    description = describe(api)
    assert description["DeliveryStreamARN"] == arn
    assert description["DeliveryStreamStatus"] == "ACTIVE"
    assert description["DeliveryStreamType"] == "DirectPut"
    assert description["VersionId"] == "1"
    assert description["DeliveryStreamEncryptionConfiguration"] == {"Status": "DISABLED"}
    assert description["HasMoreDestinations"] is False
    assert [d["DestinationId"] for d in description["Destinations"]] == [DESTINATION_ID]
    assert "LastUpdateTimestamp" not in description
    assert "Source" not in description


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("cn-north-1", "aws-cn"),
        ("cn-northwest-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-iso-east-1", "aws-iso"),
        ("eu-west-1", "aws"),
    ],
)
def test_a_streams_arn_names_the_partition_of_its_region(fake, region, partition):
    client = boto3.client("firehose", region_name=region)

    arn = client.create_delivery_stream(DeliveryStreamName="events")["DeliveryStreamARN"]

    account = fake.world.account_id
    assert arn == f"arn:{partition}:firehose:{region}:{account}:deliverystream/events"
    described = client.describe_delivery_stream(DeliveryStreamName="events")
    assert described["DeliveryStreamDescription"]["DeliveryStreamARN"] == arn
    assert fake.firehose.stream("events", region=region).arn == arn


@needs_botocore("firehose CreateDeliveryStream.DirectPutSourceConfiguration")
def test_a_direct_put_streams_throughput_hint_is_described_as_its_source(api):
    api.create_delivery_stream(
        DeliveryStreamName="events", DirectPutSourceConfiguration={"ThroughputHintInMBs": 20}
    )

    description = describe(api)
    assert description["Source"] == {"DirectPutSourceDescription": {"ThroughputHintInMBs": 20}}
    assert description["DeliveryStreamEncryptionConfiguration"] == {"Status": "DISABLED"}


def test_extended_s3_is_described_twice_with_service_defaults(api):
    create_s3(api)

    (destination,) = describe(api)["Destinations"]
    extended = destination["ExtendedS3DestinationDescription"]
    plain = destination["S3DestinationDescription"]
    for block in (extended, plain):
        assert block["RoleARN"] == ROLE
        assert block["BucketARN"] == BUCKET
        assert block["BufferingHints"] == {"SizeInMBs": 5, "IntervalInSeconds": 300}
        assert block["CompressionFormat"] == "UNCOMPRESSED"
        assert block["EncryptionConfiguration"] == {"NoEncryptionConfig": "NoEncryption"}
        assert block["CloudWatchLoggingOptions"] == {"Enabled": False}
        assert "Prefix" not in block
        assert "ErrorOutputPrefix" not in block
    assert extended["S3BackupMode"] == "Disabled"
    assert "S3BackupMode" not in plain


def test_given_s3_settings_are_described_as_given(api):
    hints = {"SizeInMBs": 64, "IntervalInSeconds": 60}
    create_s3(api, Prefix="raw/", ErrorOutputPrefix="bad/", BufferingHints=hints)

    (destination,) = describe(api)["Destinations"]
    for key in ("ExtendedS3DestinationDescription", "S3DestinationDescription"):
        block = destination[key]
        assert (block["Prefix"], block["ErrorOutputPrefix"]) == ("raw/", "bad/")
        assert block["BufferingHints"] == hints


def test_kinesis_stream_as_source_has_a_source_and_no_encryption_block(api):
    api.create_delivery_stream(
        DeliveryStreamName="events", ExtendedS3DestinationConfiguration=S3, **FROM_KINESIS
    )

    description = describe(api)
    assert description["DeliveryStreamType"] == "KinesisStreamAsSource"
    assert "DeliveryStreamEncryptionConfiguration" not in description
    source = description["Source"]["KinesisStreamSourceDescription"]
    assert (source["KinesisStreamARN"], source["RoleARN"]) == (KINESIS["KinesisStreamARN"], ROLE)
    assert "DeliveryStartTimestamp" in source


#: A partitioning stream reading Kinesis, as created and as DescribeDeliveryStream described
#: it (LocalStack's AWS-validated snapshot, test_firehose_stack_with_kinesis_as_source, 2022).
PARTITIONED = {
    "BucketARN": BUCKET,
    "RoleARN": ROLE,
    "BufferingHints": {"IntervalInSeconds": 60, "SizeInMBs": 64},
    "Prefix": "firehoseTest/!{partitionKeyFromQuery:s3Prefix}",
    "ErrorOutputPrefix": "firehoseTest-errors/!{firehose:error-output-type}/",
}
QUERY = [
    {"ParameterName": "MetadataExtractionQuery", "ParameterValue": "{s3Prefix: .tableName}"},
    {"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-1.6"},
]


def test_a_partitioning_kinesis_sourced_stream_is_described_as_recorded(api):
    processing = {
        "Enabled": True,
        "Processors": [{"Type": "MetadataExtraction", "Parameters": QUERY}],
    }
    api.create_delivery_stream(
        DeliveryStreamName="events",
        ExtendedS3DestinationConfiguration={
            **PARTITIONED,
            "ProcessingConfiguration": processing,
            "DynamicPartitioningConfiguration": {"Enabled": True},
            "DataFormatConversionConfiguration": {"Enabled": False},
        },
        **FROM_KINESIS,
    )

    description = describe(api)
    plain = {
        **PARTITIONED,
        "CloudWatchLoggingOptions": {"Enabled": False},
        "CompressionFormat": "UNCOMPRESSED",
        "EncryptionConfiguration": {"NoEncryptionConfig": "NoEncryption"},
    }
    assert description["Destinations"] == [
        {
            "DestinationId": DESTINATION_ID,
            "ExtendedS3DestinationDescription": {
                **plain,
                "DataFormatConversionConfiguration": {"Enabled": False},
                "DynamicPartitioningConfiguration": {
                    "Enabled": True,
                    "RetryOptions": {"DurationInSeconds": 300},
                },
                "ProcessingConfiguration": processing,
                "S3BackupMode": "Disabled",
            },
            "S3DestinationDescription": plain,
        }
    ]
    assert (description["HasMoreDestinations"], description["VersionId"]) == (False, "1")
    assert set(description) == {
        "CreateTimestamp",
        "DeliveryStreamARN",
        "DeliveryStreamName",
        "DeliveryStreamStatus",
        "DeliveryStreamType",
        "Destinations",
        "HasMoreDestinations",
        "Source",
        "VersionId",
    }
    assert set(description["Source"]["KinesisStreamSourceDescription"]) == {
        "DeliveryStartTimestamp",
        "KinesisStreamARN",
        "RoleARN",
    }


def test_a_processing_configuration_without_processors_is_described_as_sent(api):
    processing = {"Enabled": False, "Processors": []}
    create_s3(api, ProcessingConfiguration=processing)

    extended = describe(api)["Destinations"][0]["ExtendedS3DestinationDescription"]

    assert extended["ProcessingConfiguration"] == processing


def test_creating_an_existing_name_is_resource_in_use(client):
    client.create_delivery_stream(DeliveryStreamName="events")

    with pytest.raises(client.exceptions.ResourceInUseException) as caught:
        client.create_delivery_stream(DeliveryStreamName="events")

    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_two_destination_configurations_are_refused_and_nothing_is_created(api):
    answer = refused(
        api.create_delivery_stream,
        DeliveryStreamName="events",
        ExtendedS3DestinationConfiguration=S3,
        S3DestinationConfiguration=S3,
    )

    assert answer["Error"]["Code"] == "InvalidArgumentException"
    assert answer["Error"]["Message"] == (
        "Only one destination configuration can be specified, found: "
        "S3DestinationConfiguration, ExtendedS3DestinationConfiguration"
    )
    assert api.list_delivery_streams()["DeliveryStreamNames"] == []


#: What Firehose answers a logging configuration without its log group (REAL: the text as
#: CloudFormation relayed Firehose's 400, Uniswap/uniswapx-parameterization-api#279, 2024).
NO_LOG_GROUP = "CloudWatch Log Group Name is required if CloudWatch Logging is enabled"
NO_LOG_STREAM = "CloudWatch Log Stream Name is required if CloudWatch Logging is enabled"
LOG_GROUP = "/aws/kinesisfirehose/events"


@pytest.mark.parametrize(
    ("logging", "message"),
    [
        ({"Enabled": True}, NO_LOG_GROUP),
        ({"Enabled": True, "LogGroupName": "", "LogStreamName": "S3Delivery"}, NO_LOG_GROUP),
        ({"Enabled": True, "LogGroupName": LOG_GROUP}, NO_LOG_STREAM),
    ],
)
@pytest.mark.parametrize("where", ["destination", "its S3 configuration"])
def test_logging_enabled_without_its_log_group_or_stream_is_refused(api, logging, message, where):
    endpoint: dict[str, Any] = {
        "EndpointConfiguration": {"Url": "https://example.com"},
        "S3Configuration": S3,
        "RoleARN": ROLE,
    }
    if where == "destination":
        endpoint["CloudWatchLoggingOptions"] = logging
    else:
        endpoint["S3Configuration"] = {**S3, "CloudWatchLoggingOptions": logging}

    response = refused(
        api.create_delivery_stream,
        DeliveryStreamName="events",
        HttpEndpointDestinationConfiguration=endpoint,
    )

    assert response["Error"] == {"Code": "InvalidArgumentException", "Message": message}
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert api.list_delivery_streams()["DeliveryStreamNames"] == []


def test_logging_named_or_disabled_is_taken(api):
    create_s3(api, CloudWatchLoggingOptions={"Enabled": False})
    named = {"Enabled": True, "LogGroupName": LOG_GROUP, "LogStreamName": "S3Delivery"}
    update(api, "1", ExtendedS3DestinationUpdate={"CloudWatchLoggingOptions": named})

    (destination,) = describe(api)["Destinations"]
    assert destination["ExtendedS3DestinationDescription"]["CloudWatchLoggingOptions"] == named


def test_an_update_enabling_logging_without_its_log_group_is_refused(api):
    create_s3(api)

    response = refused_update(
        api,
        ExtendedS3DestinationUpdate={"CloudWatchLoggingOptions": {"Enabled": True}},
    )

    assert response["Error"] == {"Code": "InvalidArgumentException", "Message": NO_LOG_GROUP}
    assert describe(api)["VersionId"] == "1"


KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
EXACTLY_ONE = "Exactly one of NoEncryptionConfig or KMSEncryptionConfig must be specified"
SSE_KMS = {"KMSEncryptionConfig": {"AWSKMSKeyARN": KEY}}
NO_SSE = {"NoEncryptionConfig": "NoEncryption"}


@pytest.mark.parametrize("encryption", [{**SSE_KMS, **NO_SSE}, {}], ids=["both", "neither"])
@pytest.mark.parametrize("where", ["destination", "its S3 backup"])
def test_an_s3_encryption_block_with_both_members_or_neither_is_refused(api, encryption, where):
    if where == "destination":
        refused_by = {"EncryptionConfiguration": encryption}
    else:
        backup = {**S3, "EncryptionConfiguration": encryption}
        refused_by = {"S3BackupMode": "Enabled", "S3BackupConfiguration": backup}

    response = refused(
        api.create_delivery_stream,
        DeliveryStreamName="events",
        ExtendedS3DestinationConfiguration={**S3, **refused_by},
    )

    assert response["Error"] == {"Code": "InvalidArgumentException", "Message": EXACTLY_ONE}
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert api.list_delivery_streams()["DeliveryStreamNames"] == []


@pytest.mark.parametrize(("before", "after"), [(NO_SSE, SSE_KMS), (SSE_KMS, NO_SSE)])
def test_an_update_of_the_s3_encryption_replaces_it_whole(api, before, after):
    create_s3(api, EncryptionConfiguration=before)

    update(api, "1", ExtendedS3DestinationUpdate={"EncryptionConfiguration": after})

    (destination,) = describe(api)["Destinations"]
    assert destination["ExtendedS3DestinationDescription"]["EncryptionConfiguration"] == after
    assert destination["S3DestinationDescription"]["EncryptionConfiguration"] == after


def test_an_update_giving_both_encryption_members_is_refused(api):
    create_s3(api)

    response = refused_update(
        api,
        ExtendedS3DestinationUpdate={"EncryptionConfiguration": {**SSE_KMS, **NO_SSE}},
    )

    assert response["Error"] == {"Code": "InvalidArgumentException", "Message": EXACTLY_ONE}
    assert describe(api)["VersionId"] == "1"


# --------------------------------------------------------------------------- list / delete


def test_a_region_holds_5000_streams(fake, client):
    for number in range(5000):
        fake.firehose.create_delivery_stream(f"s{number:04}")

    response = refused(client.create_delivery_stream, DeliveryStreamName="one-more")

    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # The words AWS answered with its quota at 50 (terraform-provider-aws#7408, 2019).
    names = ", ".join(f"s{number:04}" for number in range(5000))
    assert response["Error"] == {
        "Code": "LimitExceededException",
        "Message": "You have already consumed your firehose quota of 5000 hoses. "
        f"Firehose names: [{names}]",
    }
    assert "one-more" not in fake.firehose
    assert len(client.list_delivery_streams(Limit=10000)["DeliveryStreamNames"]) == 5000
    client.delete_delivery_stream(DeliveryStreamName="s0000")
    client.create_delivery_stream(DeliveryStreamName="one-more")
    assert "one-more" in fake.firehose


def test_list_is_alphabetical_and_pages_ten_at_a_time(api):
    names = [f"stream-{letter}" for letter in "lkjihgfedcba"]
    for name in names:
        api.create_delivery_stream(DeliveryStreamName=name)

    first = api.list_delivery_streams()
    last = first["DeliveryStreamNames"][-1]
    rest = api.list_delivery_streams(ExclusiveStartDeliveryStreamName=last)

    assert first["DeliveryStreamNames"] == sorted(names)[:10]
    assert first["HasMoreDeliveryStreams"] is True
    assert rest["DeliveryStreamNames"] == sorted(names)[10:]
    assert rest["HasMoreDeliveryStreams"] is False


def test_list_limit_and_type_filter(api):
    for name in ("c", "a", "b"):
        api.create_delivery_stream(DeliveryStreamName=name)
    api.create_delivery_stream(DeliveryStreamName="k", **FROM_KINESIS)

    limited = api.list_delivery_streams(Limit=2)
    direct = api.list_delivery_streams(DeliveryStreamType="DirectPut")
    kinesis = api.list_delivery_streams(DeliveryStreamType="KinesisStreamAsSource")

    assert limited["DeliveryStreamNames"] == ["a", "b"]
    assert limited["HasMoreDeliveryStreams"] is True
    assert direct["DeliveryStreamNames"] == ["a", "b", "c"]
    assert kinesis["DeliveryStreamNames"] == ["k"]


def test_a_page_holding_every_stream_left_has_no_more(api):
    for name in ("c", "a", "b"):
        api.create_delivery_stream(DeliveryStreamName=name)

    page = api.list_delivery_streams(Limit=3)
    rest = api.list_delivery_streams(Limit=2, ExclusiveStartDeliveryStreamName="a")

    assert (page["DeliveryStreamNames"], page["HasMoreDeliveryStreams"]) == (["a", "b", "c"], False)
    assert (rest["DeliveryStreamNames"], rest["HasMoreDeliveryStreams"]) == (["b", "c"], False)


def test_list_starts_after_a_name_no_stream_has(api):
    for name in ("b", "Z", "d", "a"):
        api.create_delivery_stream(DeliveryStreamName=name)

    def names(start: str, **params: Any) -> tuple[list[str], bool]:
        page = api.list_delivery_streams(ExclusiveStartDeliveryStreamName=start, **params)
        return page["DeliveryStreamNames"], page["HasMoreDeliveryStreams"]

    assert names("A") == (["Z", "a", "b", "d"], False)
    assert names("ab", Limit=1) == (["b"], True)
    assert names("c") == (["d"], False)
    assert names("e") == ([], False)


def test_deleted_stream_is_gone(fake, api):
    api.create_delivery_stream(DeliveryStreamName="events")

    api.delete_delivery_stream(DeliveryStreamName="events")

    assert api.list_delivery_streams()["DeliveryStreamNames"] == []
    error = refused(api.describe_delivery_stream, DeliveryStreamName="events")["Error"]
    assert error["Code"] == "ResourceNotFoundException"
    assert "events" not in fake.firehose


def test_describe_pages_through_the_destinations_from_an_exclusive_start(api):
    create_s3(api)

    def page(**params: Any) -> tuple[list[str], bool]:
        described = describe_page(api, **params)
        ids = [destination["DestinationId"] for destination in described["Destinations"]]
        return ids, described["HasMoreDestinations"]

    assert page(Limit=1) == ([DESTINATION_ID], False)
    assert page(ExclusiveStartDestinationId="destinationId-000000000000") == (
        [DESTINATION_ID],
        False,
    )
    assert page(ExclusiveStartDestinationId=DESTINATION_ID) == ([], False)
    assert page(ExclusiveStartDestinationId="destinationId-000000000002") == ([], False)
    assert page(ExclusiveStartDestinationId="zzz", Limit=1) == ([], False)


def describe_page(api: Any, **params: Any) -> dict[str, Any]:
    answer = api.describe_delivery_stream(DeliveryStreamName="events", **params)
    description: dict[str, Any] = answer["DeliveryStreamDescription"]
    return description


def test_a_creating_stream_cannot_be_deleted_or_updated():
    with FirehoseFake(region=REGION, seed=SEED, creation_delay=30) as creating:
        check_creating_stream(creating, ShapeChecked(boto3.client("firehose", region_name=REGION)))


def check_creating_stream(creating: FirehoseFake, api: Any) -> None:
    create_s3(api)
    account = creating.world.account_id
    in_creating = f"Firehose events under account {account} is in CREATING state and cannot be"

    deleting = refused(api.delete_delivery_stream, DeliveryStreamName="events")
    updating = refused_update(
        api,
        ExtendedS3DestinationUpdate={"Prefix": "late/"},
    )

    assert deleting["Error"] == {
        "Code": "ResourceInUseException",
        "Message": f"{in_creating} deleted.",
    }
    assert updating["Error"] == {
        "Code": "ResourceInUseException",
        "Message": f"{in_creating} updated.",
    }
    assert updating["ResponseMetadata"]["HTTPStatusCode"] == 400
    description = describe(api)
    assert (description["DeliveryStreamStatus"], description["VersionId"]) == ("CREATING", "1")
    assert "Prefix" not in description["Destinations"][0]["ExtendedS3DestinationDescription"]
    creating.firehose.clock.advance(seconds=30)
    update(api, "1", ExtendedS3DestinationUpdate={"Prefix": "late/"})
    assert describe(api)["VersionId"] == "2"
    api.delete_delivery_stream(DeliveryStreamName="events")


def test_a_deleted_stream_is_deleting_for_the_creation_delay():
    with FirehoseFake(region=REGION, creation_delay=30) as fake:
        api = ShapeChecked(boto3.client("firehose", region_name=REGION))
        clock = fake.firehose.clock
        create_s3(api)
        clock.advance(seconds=30)
        account = fake.world.account_id

        api.delete_delivery_stream(DeliveryStreamName="events")

        assert describe(api)["DeliveryStreamStatus"] == "DELETING"
        assert api.list_delivery_streams()["DeliveryStreamNames"] == ["events"]
        # A DELETING stream may still take records (DOC: DeleteDeliveryStream).
        assert put(api, b"late")["FailedPutCount"] == 0
        assert fake.firehose["events"].records == [b"late"]
        api.delete_delivery_stream(DeliveryStreamName="events")
        updating = refused_update(
            api,
            ExtendedS3DestinationUpdate={"Prefix": "late/"},
        )
        assert updating["Error"] == {
            "Code": "ResourceInUseException",
            "Message": f"Firehose events under account {account} is in DELETING state and "
            "cannot be updated.",
        }
        again = refused(api.create_delivery_stream, DeliveryStreamName="events")
        assert again["Error"]["Code"] == "ResourceInUseException"
        clock.advance(seconds=29)
        assert describe(api)["DeliveryStreamStatus"] == "DELETING"

        clock.advance(seconds=1)

        assert api.list_delivery_streams()["DeliveryStreamNames"] == []
        error = refused(api.describe_delivery_stream, DeliveryStreamName="events")["Error"]
        assert error["Code"] == "ResourceNotFoundException"
        assert "events" not in fake.firehose
        create_s3(api)
        assert describe(api)["DeliveryStreamStatus"] == "CREATING"


#: The calls that change a delivery stream's tags or encryption.
SETTINGS_CALLS = {
    "tag": ("tag_delivery_stream", {"Tags": [{"Key": "env", "Value": "prod"}]}),
    "untag": ("untag_delivery_stream", {"TagKeys": ["team"]}),
    "start-sse": ("start_delivery_stream_encryption", {}),
    "stop-sse": ("stop_delivery_stream_encryption", {}),
}


@pytest.mark.parametrize(("method", "extra"), SETTINGS_CALLS.values(), ids=SETTINGS_CALLS.keys())
def test_a_deleting_streams_tags_and_encryption_are_refused_and_still_listed(method, extra):
    with FirehoseFake(region=REGION, creation_delay=30) as fake:
        api = ShapeChecked(boto3.client("firehose", region_name=REGION))
        api.create_delivery_stream(
            DeliveryStreamName="events", Tags=[{"Key": "team", "Value": "data"}]
        )
        getattr(api, method)(DeliveryStreamName="events", **extra)  # taken while CREATING
        fake.firehose.clock.advance(seconds=30)
        settings = describe(api)["DeliveryStreamEncryptionConfiguration"]
        tags = api.list_tags_for_delivery_stream(DeliveryStreamName="events")["Tags"]
        api.delete_delivery_stream(DeliveryStreamName="events")

        response = refused(getattr(api, method), DeliveryStreamName="events", **extra)

        assert response["Error"] == {
            "Code": "ResourceInUseException",
            "Message": f"Firehose events under account {fake.world.account_id} is in "
            "DELETING state and cannot be updated.",
        }
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert api.list_tags_for_delivery_stream(DeliveryStreamName="events")["Tags"] == tags
        assert describe(api)["DeliveryStreamEncryptionConfiguration"] == settings
        assert put(api, b"late")["FailedPutCount"] == 0  # a DELETING stream may take records


# --------------------------------------------------------------------------- unknown stream

STREAM_CALLS = {
    "describe": ("describe_delivery_stream", {}),
    "delete": ("delete_delivery_stream", {}),
    "put": ("put_record", {"Record": {"Data": b"x"}}),
    "batch": ("put_record_batch", {"Records": [{"Data": b"x"}]}),
    "tag": ("tag_delivery_stream", {"Tags": [{"Key": "k", "Value": "v"}]}),
    "untag": ("untag_delivery_stream", {"TagKeys": ["k"]}),
    "list-tags": ("list_tags_for_delivery_stream", {}),
    "start-sse": ("start_delivery_stream_encryption", {}),
    "stop-sse": ("stop_delivery_stream_encryption", {}),
    "update": (
        "update_destination",
        {"CurrentDeliveryStreamVersionId": "1", "DestinationId": DESTINATION_ID},
    ),
}


@pytest.mark.parametrize(("method", "extra"), STREAM_CALLS.values(), ids=STREAM_CALLS.keys())
def test_unknown_stream_is_resource_not_found(fake, client, method, extra):
    client.create_delivery_stream(DeliveryStreamName="events")

    with pytest.raises(client.exceptions.ResourceNotFoundException) as caught:
        getattr(client, method)(DeliveryStreamName="evnts", **extra)

    response = caught.value.response
    account = fake.world.account_id
    assert response["Error"]["Message"] == f"Firehose evnts under account {account} not found."
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400


# --------------------------------------------------------------------------- puts


def put_both_ways(api: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    one = api.put_record(DeliveryStreamName="events", Record={"Data": b"a"})
    batch = api.put_record_batch(DeliveryStreamName="events", Records=[{"Data": b"b"}] * 2)
    return one, batch


def test_record_ids_look_like_aws_and_name_the_stored_records(fake, api):
    fake.firehose.create_delivery_stream("events")

    one, batch = put_both_ways(api)

    ids = [one["RecordId"], *(entry["RecordId"] for entry in batch["RequestResponses"])]
    for record_id in ids:
        assert re.fullmatch(r"[A-Za-z0-9+/]{224}", record_id)
        assert len(base64.b64decode(record_id, validate=True)) == 168
    assert len(set(ids)) == 3
    assert batch["FailedPutCount"] == 0
    assert [record.record_id for record in fake.firehose["events"].records] == ids


def record_ids_of_a_run(seed: int) -> list[str]:
    with FirehoseFake(region=REGION, seed=seed) as run:
        run.firehose.create_delivery_stream("events")
        client = boto3.client("firehose", region_name=REGION)
        client.put_record_batch(DeliveryStreamName="events", Records=[{"Data": b"x"}] * 3)
        client.put_record(DeliveryStreamName="events", Record={"Data": b"y"})
        return [record.record_id for record in run.firehose["events"].records]


def test_record_ids_are_reproducible_with_the_same_seed():
    first, again, other = record_ids_of_a_run(7), record_ids_of_a_run(7), record_ids_of_a_run(8)

    assert first == again
    assert len(set(first)) == 4
    assert not set(first) & set(other)


def test_encrypted_follows_server_side_encryption(fake, api):
    fake.firehose.create_delivery_stream("events")

    def encrypted() -> list[bool]:
        return [answer["Encrypted"] for answer in put_both_ways(api)]

    assert encrypted() == [False, False]
    api.start_delivery_stream_encryption(DeliveryStreamName="events")
    assert describe(api)["DeliveryStreamEncryptionConfiguration"]["Status"] == "ENABLED"
    assert encrypted() == [True, True]
    api.stop_delivery_stream_encryption(DeliveryStreamName="events")
    assert describe(api)["DeliveryStreamEncryptionConfiguration"]["Status"] == "DISABLED"
    assert encrypted() == [False, False]


@pytest.mark.parametrize(("method", "extra"), [STREAM_CALLS["put"], STREAM_CALLS["batch"]])
def test_put_on_kinesis_source_stream_is_not_permitted(fake, client, method, extra):
    fake.firehose.create_delivery_stream("events", **FROM_KINESIS)

    with pytest.raises(client.exceptions.InvalidArgumentException) as caught:
        getattr(client, method)(DeliveryStreamName="events", **extra)

    response = caught.value.response
    assert response["Error"]["Message"] == (
        "This operation is not permitted on KinesisStreamAsSource delivery stream type."
    )
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert fake.firehose["events"].records == []


# --------------------------------------------------------------------------- sources and encryption

MSK = {
    "MSKClusterARN": "arn:aws:kafka:us-east-1:123456789012:cluster/c/1",
    "TopicName": "t",
    "AuthenticationConfiguration": {"RoleARN": ROLE, "Connectivity": "PRIVATE"},
}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"KinesisStreamSourceConfiguration": KINESIS},
            "KinesisStreamSourceConfiguration is only allowed for a delivery stream of type "
            "KinesisStreamAsSource, not DirectPut.",
        ),
        pytest.param(
            {**FROM_KINESIS, "DirectPutSourceConfiguration": {"ThroughputHintInMBs": 1}},
            "DirectPutSourceConfiguration is only allowed for a delivery stream of type "
            "DirectPut, not KinesisStreamAsSource.",
            marks=needs_botocore("firehose CreateDeliveryStream.DirectPutSourceConfiguration"),
        ),
        (
            {"DeliveryStreamType": "MSKAsSource"},
            "MSKSourceConfiguration is required for a delivery stream of type MSKAsSource.",
        ),
        (
            {
                **FROM_KINESIS,
                "DeliveryStreamEncryptionConfigurationInput": {"KeyType": "AWS_OWNED_CMK"},
            },
            "DeliveryStreamEncryptionConfigurationInput is only allowed for a delivery stream "
            "of type DirectPut, not KinesisStreamAsSource: server-side encryption is for "
            "streams that take PutRecord and PutRecordBatch.",
        ),
    ],
    ids=["source-on-direct-put", "hint-on-kinesis-source", "msk-without-source", "sse-on-kinesis"],
)
def test_a_source_setting_that_does_not_fit_the_type_is_refused(fake, api, params, message):
    response = refused(
        api.create_delivery_stream,
        DeliveryStreamName="events",
        ExtendedS3DestinationConfiguration=S3,
        **params,
    )

    assert response["Error"] == {"Code": "InvalidArgumentException", "Message": message}
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "events" not in fake.firehose


def encrypt_at_creation(api: Any, settings: dict[str, str]) -> None:
    api.create_delivery_stream(
        DeliveryStreamName="events",
        ExtendedS3DestinationConfiguration=S3,
        DeliveryStreamEncryptionConfigurationInput=settings,
    )


def encrypt_later(api: Any, settings: dict[str, str]) -> None:
    api.create_delivery_stream(DeliveryStreamName="events", ExtendedS3DestinationConfiguration=S3)
    api.start_delivery_stream_encryption(
        DeliveryStreamName="events", DeliveryStreamEncryptionConfigurationInput=settings
    )


ENCRYPT = pytest.mark.parametrize("encrypt", [encrypt_at_creation, encrypt_later])


@ENCRYPT
@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"KeyType": "CUSTOMER_MANAGED_CMK"},
            "KeyARN is required when KeyType is CUSTOMER_MANAGED_CMK.",
        ),
        (
            {"KeyType": "AWS_OWNED_CMK", "KeyARN": KEY},
            "KeyARN must not be specified when KeyType is AWS_OWNED_CMK.",
        ),
    ],
    ids=["customer-key-without-arn", "aws-key-with-arn"],
)
def test_a_key_type_and_arn_that_do_not_fit_are_refused(api, encrypt, settings, message):
    response = refused(encrypt, api=api, settings=settings)

    assert response["Error"] == {"Code": "InvalidArgumentException", "Message": message}
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400


@ENCRYPT
@pytest.mark.parametrize(
    "settings",
    [{"KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": KEY}, {"KeyType": "AWS_OWNED_CMK"}],
    ids=["customer-key", "aws-key"],
)
def test_the_key_is_described_as_given(api, encrypt, settings):
    encrypt(api, settings)

    described = describe(api)["DeliveryStreamEncryptionConfiguration"]
    assert described == {**settings, "Status": "ENABLED"}


OTHER_KEY = KEY.replace("1", "2")


@ENCRYPT
@pytest.mark.parametrize(
    ("settings", "again", "named"),
    [
        ({"KeyType": "AWS_OWNED_CMK"}, {"KeyType": "AWS_OWNED_CMK"}, "AWS_OWNED_CMK"),
        (
            {"KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": KEY},
            {"KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": KEY},
            KEY,
        ),
        ({"KeyType": "AWS_OWNED_CMK"}, None, "AWS_OWNED_CMK"),
    ],
    ids=["aws-key", "customer-key", "aws-key-by-default"],
)
def test_starting_the_encryption_it_has_is_refused(fake, api, encrypt, settings, again, named):
    # The CloudFormation resource provider (UpdateHandler.areEncryptionParametersUnchanged)
    # skips such a call "as the firehose backend fails in those cases".
    encrypt(api, settings)
    given = {} if again is None else {"DeliveryStreamEncryptionConfigurationInput": again}

    response = refused(api.start_delivery_stream_encryption, DeliveryStreamName="events", **given)

    assert response["Error"] == {
        "Code": "InvalidArgumentException",
        "Message": f"Firehose events under account {fake.world.account_id} already has its "
        f"encryption ENABLED with {named}; StartDeliveryStreamEncryption changes the key "
        "type or the CMK.",
    }
    assert describe(api)["DeliveryStreamEncryptionConfiguration"] == {
        **settings,
        "Status": "ENABLED",
    }


@ENCRYPT
@pytest.mark.parametrize(
    ("settings", "change"),
    [
        ({"KeyType": "AWS_OWNED_CMK"}, {"KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": KEY}),
        ({"KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": KEY}, {"KeyType": "AWS_OWNED_CMK"}),
        (
            {"KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": KEY},
            {"KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": OTHER_KEY},
        ),
    ],
    ids=["to-customer-key", "to-aws-key", "to-another-customer-key"],
)
def test_starting_the_encryption_again_changes_its_key(api, encrypt, settings, change):
    # The API reference: encryption that is ENABLED may be started again "to change the ARN
    # of the CMK or both its type and ARN".
    encrypt(api, settings)

    api.start_delivery_stream_encryption(
        DeliveryStreamName="events", DeliveryStreamEncryptionConfigurationInput=change
    )

    assert describe(api)["DeliveryStreamEncryptionConfiguration"] == {**change, "Status": "ENABLED"}


def _msk_stream(api):
    """Delivery stream "events", reading an MSK cluster."""
    api.create_delivery_stream(
        DeliveryStreamName="events",
        DeliveryStreamType="MSKAsSource",
        MSKSourceConfiguration=MSK,
        ExtendedS3DestinationConfiguration=S3,
    )


def test_puts_and_encryption_are_refused_on_an_msk_source_stream(api):
    _msk_stream(api)

    for call in (
        lambda: api.put_record(DeliveryStreamName="events", Record={"Data": b"a"}),
        lambda: api.start_delivery_stream_encryption(DeliveryStreamName="events"),
    ):
        with pytest.raises(api.exceptions.InvalidArgumentException) as caught:
            call()
        assert caught.value.response["Error"]["Message"] == (
            "This operation is not permitted on MSKAsSource delivery stream type."
        )
    assert "DeliveryStreamEncryptionConfiguration" not in describe(api)


def test_an_msk_source_is_described_with_its_delivery_start(fake, api):
    _msk_stream(api)

    source = describe(api)["Source"]["MSKSourceDescription"]
    assert source == {**MSK, "DeliveryStartTimestamp": source["DeliveryStartTimestamp"]}
    assert source["DeliveryStartTimestamp"] == as_answered(fake.firehose.clock.now())


def test_encryption_calls_are_limited_to_25_a_stream_in_24_hours(fake, api):
    api.create_delivery_stream(DeliveryStreamName="events", ExtendedS3DestinationConfiguration=S3)
    calls = [api.start_delivery_stream_encryption, api.stop_delivery_stream_encryption]
    for turn in range(25):
        calls[turn % 2](DeliveryStreamName="events")
        fake.firehose.clock.advance(minutes=1)

    response = refused(api.stop_delivery_stream_encryption, DeliveryStreamName="events")

    assert response["Error"]["Code"] == "LimitExceededException"
    assert "at most 25 times" in response["Error"]["Message"]
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert describe(api)["DeliveryStreamEncryptionConfiguration"]["Status"] == "ENABLED"
    # The first call leaves the window 24 hours after it was made.
    fake.firehose.clock.advance(hours=24, minutes=-25)
    api.stop_delivery_stream_encryption(DeliveryStreamName="events")
    assert describe(api)["DeliveryStreamEncryptionConfiguration"]["Status"] == "DISABLED"


@pytest.mark.parametrize("first", ["start", "stop"])
def test_encryption_calls_are_refused_while_a_change_is_under_way(first):
    with FirehoseFake(region=REGION, encryption_delay=10) as fake:
        api = ShapeChecked(boto3.client("firehose", region_name=REGION))
        api.create_delivery_stream(DeliveryStreamName="events")
        if first == "stop":
            api.start_delivery_stream_encryption(DeliveryStreamName="events")
            fake.firehose.clock.advance(seconds=10)
        calls = {
            "start": api.start_delivery_stream_encryption,
            "stop": api.stop_delivery_stream_encryption,
        }
        calls[first](DeliveryStreamName="events")
        changing = describe(api)["DeliveryStreamEncryptionConfiguration"]["Status"]
        assert changing == {"start": "ENABLING", "stop": "DISABLING"}[first]
        account = fake.world.account_id

        for operation, call in (
            ("StartDeliveryStreamEncryption", calls["start"]),
            ("StopDeliveryStreamEncryption", calls["stop"]),
        ):
            response = refused(call, DeliveryStreamName="events")
            assert response["Error"] == {
                "Code": "ResourceInUseException",
                "Message": f"Firehose events under account {account} has its encryption in "
                f"{changing} state; {operation} can be called once it is ENABLED or DISABLED.",
            }
            assert response["ResponseMetadata"]["HTTPStatusCode"] == 400

        fake.firehose.clock.advance(seconds=10)
        final = {"start": "ENABLED", "stop": "DISABLED"}[first]
        assert describe(api)["DeliveryStreamEncryptionConfiguration"]["Status"] == final
        # The refused calls were not counted: 24 more fit in the day.
        used = 2 if first == "stop" else 1
        # Alternating, as starting what is ENABLED is refused for that.
        turns = [calls["stop"], calls["start"]] if final == "ENABLED" else list(calls.values())
        for turn in range(25 - used):
            turns[turn % 2](DeliveryStreamName="events")
            fake.firehose.clock.advance(seconds=10)
        limited = refused(turns[(25 - used) % 2], DeliveryStreamName="events")
        assert limited["Error"]["Code"] == "LimitExceededException"


# --------------------------------------------------------------------------- tags


def tags(*keys: str) -> list[dict[str, str]]:
    return [{"Key": key, "Value": key.upper()} for key in keys]


def all_tags(api: Any, limit: int) -> list[dict[str, str]]:
    """Every tag, read page by page as a careful caller does."""
    found: list[dict[str, str]] = []
    params: dict[str, Any] = {"DeliveryStreamName": "events", "Limit": limit}
    while True:
        page = api.list_tags_for_delivery_stream(**params)
        found.extend(page["Tags"])
        if not page["HasMoreTags"]:
            return found
        params["ExclusiveStartTagKey"] = page["Tags"][-1]["Key"]


def test_tag_untag_and_list(api):
    api.create_delivery_stream(DeliveryStreamName="events", Tags=tags("team"))

    api.tag_delivery_stream(DeliveryStreamName="events", Tags=tags("env"))
    api.untag_delivery_stream(DeliveryStreamName="events", TagKeys=["team", "never-set"])

    page = api.list_tags_for_delivery_stream(DeliveryStreamName="events")
    assert page["Tags"] == [{"Key": "env", "Value": "ENV"}]
    assert page["HasMoreTags"] is False


def test_list_tags_limit_pages_through_every_tag(api):
    keys = ["zeta", "alpha", "mu", "beta"]
    api.create_delivery_stream(DeliveryStreamName="events")
    api.tag_delivery_stream(DeliveryStreamName="events", Tags=tags(*keys))

    first = api.list_tags_for_delivery_stream(DeliveryStreamName="events", Limit=2)

    assert (len(first["Tags"]), first["HasMoreTags"]) == (2, True)
    assert sorted(tag["Key"] for tag in all_tags(api, limit=1)) == sorted(keys)


def test_more_than_50_tags_is_limit_exceeded(api):
    api.create_delivery_stream(DeliveryStreamName="events")
    api.tag_delivery_stream(DeliveryStreamName="events", Tags=tags(*(f"k{i}" for i in range(50))))

    response = refused(api.tag_delivery_stream, DeliveryStreamName="events", Tags=tags("more"))

    assert response["Error"]["Code"] == "LimitExceededException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert len(all_tags(api, limit=50)) == 50


# --------------------------------------------------------------------------- update destination


def update(api: Any, version: str, **destination: Any) -> None:
    api.update_destination(
        DeliveryStreamName="events",
        CurrentDeliveryStreamVersionId=version,
        DestinationId=DESTINATION_ID,
        **destination,
    )


def refused_update(api: Any, **destination: Any) -> dict[str, Any]:
    """The answer refusing an update of the stream "events" at version 1."""
    return refused(
        api.update_destination,
        DeliveryStreamName="events",
        CurrentDeliveryStreamVersionId="1",
        DestinationId=DESTINATION_ID,
        **destination,
    )


def test_update_destination_bumps_the_version_and_merges(fake, api):
    create_s3(api)
    stream = fake.firehose["events"]
    fake.firehose.clock.advance(minutes=5)

    update(api, "1", ExtendedS3DestinationUpdate={"BufferingHints": {"IntervalInSeconds": 60}})

    description = describe(api)
    extended = description["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert description["VersionId"] == "2"
    assert description["LastUpdateTimestamp"] > description["CreateTimestamp"]
    assert extended["BufferingHints"] == {"SizeInMBs": 5, "IntervalInSeconds": 60}
    assert extended["BucketARN"] == BUCKET
    update(api, "2")
    assert describe(api)["VersionId"] == "3"
    put(api, b"x")
    stream.flush()
    assert "/events-3-" in stream.objects[0].key


def test_update_with_a_stale_version_is_concurrent_modification(client, api):
    create_s3(api)
    update(api, "1")

    with pytest.raises(client.exceptions.ConcurrentModificationException) as caught:
        update(api, "1", ExtendedS3DestinationUpdate={"Prefix": "late/"})

    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    description = describe(api)
    assert description["VersionId"] == "2"
    assert "Prefix" not in description["Destinations"][0]["S3DestinationDescription"]


def test_two_destination_updates_are_refused_and_change_nothing(api):
    create_s3(api)

    answer = refused_update(
        api,
        ExtendedS3DestinationUpdate={"Prefix": "extended/"},
        S3DestinationUpdate={"Prefix": "plain/"},
    )

    assert answer["Error"]["Code"] == "InvalidArgumentException"
    assert answer["Error"]["Message"] == (
        "Only one destination update can be specified, found: "
        "S3DestinationUpdate, ExtendedS3DestinationUpdate"
    )
    description = describe(api)
    assert description["VersionId"] == "1"
    assert "Prefix" not in description["Destinations"][0]["S3DestinationDescription"]


def test_update_of_the_s3_backup_is_described(api):
    backup = {"RoleARN": ROLE, "BucketARN": "arn:aws:s3:::old"}
    create_s3(api, S3BackupMode="Enabled", S3BackupConfiguration=backup)
    new_backup = {"BucketARN": "arn:aws:s3:::new"}

    update(api, "1", ExtendedS3DestinationUpdate={"S3BackupUpdate": new_backup})

    extended = describe(api)["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert extended["S3BackupDescription"]["BucketARN"] == "arn:aws:s3:::new"
    assert extended["S3BackupDescription"]["RoleARN"] == ROLE


NO_ERROR_PREFIX = (
    "Ths supplied prefix(es) do not satisfy the following constraint: ErrorOutputPrefix "
    "cannot be null or empty when Prefix contains expressions"
)


@pytest.mark.parametrize(
    "kind", ["S3DestinationConfiguration", "ExtendedS3DestinationConfiguration"]
)
def test_a_prefix_with_expressions_needs_an_error_prefix(fake, api, kind):
    response = refused(
        api.create_delivery_stream,
        DeliveryStreamName="events",
        **{kind: {**S3, "Prefix": "year=!{timestamp:yyyy}/"}},
    )

    assert response["Error"] == {"Code": "InvalidArgumentException", "Message": NO_ERROR_PREFIX}
    assert "events" not in fake.firehose


STRAY = (
    "The sequence !{ can only appear in !{namespace:value} expressions (namespace firehose, "
    "timestamp, partitionKeyFromQuery or partitionKeyFromLambda; firehose's values "
    "error-output-type and random-string): "
)


@pytest.mark.parametrize(
    ("prefixes", "constraint"),
    [
        (
            {"Prefix": "p/!{firehose:error-output-type}/"},
            "Prefix cannot contain !{firehose:error-output-type}",
        ),
        (
            {"ErrorOutputPrefix": "e/!{timestamp:yyyy}/"},
            "ErrorOutputPrefix must contain !{firehose:error-output-type} when it contains "
            "expressions",
        ),
        ({"Prefix": "!{nope}/"}, STRAY + "Prefix has !{nope}"),
        ({"Prefix": "!{Timestamp:yyyy}/"}, STRAY + "Prefix has !{Timestamp:yyyy}"),
        ({"Prefix": "y=!{timestamp:yyyy"}, STRAY + "Prefix has !{timestamp:yyyy"),
        (
            {"ErrorOutputPrefix": "e/!{firehose:error-output-type}/!{firehose:uuid}/"},
            STRAY + "ErrorOutputPrefix has !{firehose:uuid}",
        ),
    ],
)
def test_prefixes_follow_the_expression_rules(fake, api, prefixes, constraint):
    response = refused(
        api.create_delivery_stream,
        DeliveryStreamName="events",
        ExtendedS3DestinationConfiguration={**S3, "ErrorOutputPrefix": "e/", **prefixes},
    )

    assert response["Error"] == {
        "Code": "InvalidArgumentException",
        "Message": "Ths supplied prefix(es) do not satisfy the following constraint: " + constraint,
    }
    assert "events" not in fake.firehose


def test_an_update_may_not_add_expressions_without_an_error_prefix(api):
    create_s3(api, Prefix="raw/")

    response = refused(
        update, api=api, version="1", ExtendedS3DestinationUpdate={"Prefix": "!{timestamp:yyyy}/"}
    )

    assert response["Error"] == {"Code": "InvalidArgumentException", "Message": NO_ERROR_PREFIX}
    description = describe(api)
    assert description["VersionId"] == "1"
    assert description["Destinations"][0]["S3DestinationDescription"]["Prefix"] == "raw/"
    update(
        api,
        "1",
        ExtendedS3DestinationUpdate={"Prefix": "!{timestamp:yyyy}/", "ErrorOutputPrefix": "bad/"},
    )
    assert describe(api)["VersionId"] == "2"
