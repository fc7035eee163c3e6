"""Channels on Kinesis streams (CreateChannel, DescribeChannel, ListChannels, UpdateChannel,
DeleteChannel) and their delivery to a general purpose bucket on the fake clock.

botocore sends these operations from 1.44 on; older releases cannot call them."""

from __future__ import annotations

import base64
import gzip
import http.client
import json
import re
import sys
import warnings
import zlib
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import freezegun
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.validate import validate_parameters
from conftest import REGION, SEED, needs_botocore, refused, server_client
from moto import mock_aws

from pytest_firehose import FirehoseFake, UnmodelledSettingWarning
from pytest_firehose._doors.server import FirehoseServer

pytestmark = needs_botocore("kinesis CreateChannel")

ROLE = "arn:aws:iam::123456789012:role/channel"
BUCKET = "arn:aws:s3:::channel-bucket"
OWNER = "123456789012"


@pytest.fixture
def kinesis(fake: FirehoseFake) -> Any:
    client = boto3.client("kinesis", region_name=REGION)
    client.create_stream(StreamName="s", StreamModeDetails={"StreamMode": "ON_DEMAND"})
    return client


def stream_arn(client: Any, name: str = "s") -> str:
    arn: str = client.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"][
        "StreamARN"
    ]
    return arn


def s3_destination(**storage: Any) -> dict[str, Any]:
    return {
        "StorageConfiguration": {
            "BucketARN": BUCKET,
            "ExpectedBucketOwner": OWNER,
            "CompressionType": "NONE",
            **storage,
        }
    }


def tables_destination() -> dict[str, Any]:
    return {
        "DeadLetterQueueS3Configuration": {"BucketARN": BUCKET, "ExpectedBucketOwner": OWNER},
        "S3TablesConfigurationList": [
            {
                "TableBucketARN": f"arn:aws:s3tables:{REGION}:123456789012:bucket/tables",
                "Namespace": "ns",
                "TableName": "events",
                "CompressionType": "ZSTD",
            }
        ],
    }


def create(
    client: Any, name: str = "c", record_format: str = "JSON", stream: str = "s", **params: Any
) -> dict[str, Any]:
    record: dict[str, Any] = {"RecordFormatType": record_format}
    if "S3TablesDestinationConfiguration" in params:
        record["GSRSchemaARN"] = "arn:aws:glue:us-east-1:123456789012:schema/registry/events"
    if (
        "S3TablesDestinationConfiguration" not in params
        and "S3DestinationConfiguration" not in params
    ):
        params["S3DestinationConfiguration"] = s3_destination()
    answer = client.create_channel(
        ChannelName=name,
        ServiceExecutionRoleARN=ROLE,
        StreamConfigurationList=[
            {"StreamARN": stream_arn(client, stream), "RecordConfiguration": record}
        ],
        **params,
    )
    check_shape(client, "CreateChannel", answer)
    description: dict[str, Any] = answer["ChannelDescription"]
    return description


def check_shape(client: Any, operation: str, answer: dict[str, Any]) -> None:
    body = {key: value for key, value in answer.items() if key != "ResponseMetadata"}
    validate_parameters(body, client.meta.service_model.operation_model(operation).output_shape)


def error(answer: dict[str, Any]) -> tuple[str, str]:
    return answer["Error"]["Code"], answer["Error"]["Message"]


# --------------------------------------------------------------------------- control plane


def test_a_channel_is_created_described_and_listed(kinesis):
    created = create(kinesis)

    assert created["ChannelStatus"] == "CREATING"
    assert created["ChannelARN"] == (
        f"arn:aws:kinesis:{REGION}:123456789012:channel/{created['ChannelId']}"
    )
    described = kinesis.describe_channel(ChannelARN=created["ChannelARN"])
    check_shape(kinesis, "DescribeChannel", described)
    description = described["ChannelDescription"]
    assert description["ChannelStatus"] == "ACTIVE"
    # The defaults, described: freshness 300 s, the DLQ in the destination bucket, no logs.
    assert description["S3DestinationConfiguration"]["DataFreshnessInSeconds"] == 300
    assert description["S3DestinationConfiguration"]["DeadLetterQueueS3Configuration"] == {
        "BucketARN": BUCKET,
        "ExpectedBucketOwner": OWNER,
    }
    assert description["LoggingConfiguration"] == {"CloudWatchLogs": {"Enabled": False}}
    listed = kinesis.list_channels()
    check_shape(kinesis, "ListChannels", listed)
    (summary,) = listed["ChannelSummaries"]
    assert (summary["ChannelName"], summary["ChannelDestinationType"]) == ("c", "S3")
    assert summary["Streams"][0]["StreamARN"] == stream_arn(kinesis)


@pytest.mark.filterwarnings("ignore::pytest_firehose.UnmodelledSettingWarning")
def test_the_stream_summary_counts_the_stream_s_channels(kinesis):
    def channel_count() -> Any:
        summary = kinesis.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"]
        return summary.get("ChannelCount")

    before = channel_count()
    create(kinesis, "to-bucket")
    create(kinesis, "to-table", S3TablesDestinationConfiguration=tables_destination())

    assert (before, channel_count()) == (0, 2)


def test_the_status_follows_the_fake_clock():
    with FirehoseFake(region=REGION, seed=SEED, creation_delay=10) as fake:
        client = boto3.client("kinesis", region_name=REGION)
        client.create_stream(StreamName="s", StreamModeDetails={"StreamMode": "ON_DEMAND"})
        fake.kinesis.clock.advance(seconds=10)
        arn = create(client)["ChannelARN"]

        def status() -> str:
            return str(
                client.describe_channel(ChannelARN=arn)["ChannelDescription"]["ChannelStatus"]
            )

        assert status() == "CREATING"
        creating = refused(
            client.update_channel,
            ChannelARN=arn,
            S3DestinationConfiguration={"DataFreshnessInSeconds": 600},
        )
        fake.kinesis.clock.advance(seconds=10)
        assert status() == "ACTIVE"
        client.delete_channel(ChannelARN=arn)
        assert status() == "DELETING"
        fake.kinesis.clock.advance(seconds=10)
        answer = refused(client.describe_channel, ChannelARN=arn)
        assert error(answer) == ("ResourceNotFoundException", f"Channel {arn} not found.")
        assert error(creating) == (
            "ResourceInUseException",
            f"Channel {arn} under account 123456789012 not ACTIVE, instead in state CREATING",
        )


@pytest.mark.parametrize(
    ("params", "code", "words"),
    [
        (
            {
                "S3TablesDestinationConfiguration": tables_destination(),
                "S3DestinationConfiguration": s3_destination(),
            },
            "ValidationException",
            "Exactly one",
        ),
        (
            {"S3DestinationConfiguration": {**s3_destination(), "DataFreshnessInSeconds": 299}},
            "ValidationException",
            "Value '299' at 's3DestinationConfiguration.dataFreshnessInSeconds' failed to"
            " satisfy constraint: Member must have value greater than or equal to 300",
        ),
        (
            {"S3DestinationConfiguration": {**s3_destination(), "DataFreshnessInSeconds": 901}},
            "ValidationException",
            "less than or equal to 900",
        ),
        ({"record_format": "GSR_JSON"}, "ValidationException", "GSR_JSON is not supported for S3"),
        (
            {"record_format": "STRING", "S3TablesDestinationConfiguration": tables_destination()},
            "ValidationException",
            "STRING is not supported for S3_TABLES",
        ),
        (
            {"S3DestinationConfiguration": s3_destination(OutputKeyTemplate="a/!{nope}")},
            "InvalidArgumentException",
            "unknown variable !{nope}",
        ),
        (
            {"S3DestinationConfiguration": s3_destination(OutputKeyTemplate="a/../b")},
            "InvalidArgumentException",
            "must not contain '..'",
        ),
        (
            {"S3DestinationConfiguration": s3_destination(OutputKeyTemplate="a/!{yyyy")},
            "InvalidArgumentException",
            "without its closing",
        ),
        (
            {"S3DestinationConfiguration": s3_destination(OutputKeyTemplate="a/")},
            "InvalidArgumentException",
            "must not start or end with '/'",
        ),
        (
            {"EncryptionConfiguration": {"EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"}},
            "InvalidArgumentException",
            "service key (aws/kinesis) cannot be used",
        ),
        (
            {
                "EncryptionConfiguration": {
                    "EncryptionType": "KMS",
                    "KeyId": f"arn:aws:kms:{REGION}:123456789012:alias/aws/kinesis",
                }
            },
            "InvalidArgumentException",
            "service key (aws/kinesis) cannot be used",
        ),
    ],
)
def test_a_configuration_the_service_refuses_is_refused(kinesis, params, code, words):
    with pytest.raises(ClientError) as caught:
        create(kinesis, **params)

    assert caught.value.response["Error"]["Code"] == code
    assert words in caught.value.response["Error"]["Message"]
    assert kinesis.list_channels()["ChannelSummaries"] == []


def test_a_provisioned_stream_a_missing_stream_and_a_taken_name_are_refused(kinesis):
    kinesis.create_stream(StreamName="p", ShardCount=1)
    with pytest.raises(ClientError) as provisioned:
        create(kinesis, stream="p")
    create(kinesis)
    kinesis.create_stream(StreamName="t", StreamModeDetails={"StreamMode": "ON_DEMAND"})
    with pytest.raises(ClientError) as taken:
        create(kinesis, stream="t")
    missing = refused(
        kinesis.create_channel,
        ChannelName="m",
        ServiceExecutionRoleARN=ROLE,
        StreamConfigurationList=[
            {
                "StreamARN": stream_arn(kinesis).replace("/s", "/gone"),
                "RecordConfiguration": {"RecordFormatType": "JSON"},
            }
        ],
        S3DestinationConfiguration=s3_destination(),
    )

    assert provisioned.value.response["Error"]["Code"] == "ValidationException"
    assert "on-demand" in provisioned.value.response["Error"]["Message"]
    assert error(taken.value.response) == (
        "ResourceInUseException",
        "Channel c under account 123456789012 already exists.",
    )
    assert missing["Error"]["Code"] == "ResourceNotFoundException"


def test_a_stream_has_one_channel_of_each_destination_type(kinesis):
    create(kinesis, "first")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnmodelledSettingWarning)
        create(kinesis, "tables", S3TablesDestinationConfiguration=tables_destination())
    with pytest.raises(ClientError) as caught:
        create(kinesis, "second")

    assert caught.value.response["Error"]["Code"] == "LimitExceededException"
    assert (
        "already has a channel with destination type S3"
        in caught.value.response["Error"]["Message"]
    )


def test_list_channels_filters_by_stream_and_pages(kinesis):
    kinesis.create_stream(StreamName="t", StreamModeDetails={"StreamMode": "ON_DEMAND"})
    create(kinesis, "b")
    create(kinesis, "a", stream="t")

    filtered = kinesis.list_channels(StreamFilter=[{"StreamARN": stream_arn(kinesis, "t")}])
    first = kinesis.list_channels(MaxResults=1)
    second = kinesis.list_channels(MaxResults=1, NextToken=first["NextToken"])
    queues_token = refused(kinesis.list_queues, NextToken=first["NextToken"])

    assert [c["ChannelName"] for c in filtered["ChannelSummaries"]] == ["a"]
    assert [c["ChannelName"] for c in first["ChannelSummaries"]] == ["a"]
    assert [c["ChannelName"] for c in second["ChannelSummaries"]] == ["b"]
    assert "NextToken" not in second
    assert error(queues_token) == ("InvalidArgumentException", "Invalid NextToken.")


def test_update_changes_the_freshness_and_the_logging_only(kinesis):
    arn = create(kinesis)["ChannelARN"]

    updated = kinesis.update_channel(
        ChannelARN=arn, S3DestinationConfiguration={"DataFreshnessInSeconds": 600}
    )
    wrong_type = refused(
        kinesis.update_channel,
        ChannelARN=arn,
        S3TablesDestinationConfiguration={"DataFreshnessInSeconds": 600},
    )
    nothing = refused(kinesis.update_channel, ChannelARN=arn)
    out_of_range = refused(
        kinesis.update_channel,
        ChannelARN=arn,
        S3DestinationConfiguration={"DataFreshnessInSeconds": 60},
    )
    logged = kinesis.update_channel(
        ChannelARN=arn,
        LoggingConfiguration={"CloudWatchLogs": {"Enabled": False, "LogGroupName": "g"}},
    )

    check_shape(kinesis, "UpdateChannel", updated)
    assert updated["ChannelDescription"]["ChannelStatus"] == "UPDATING"
    described = kinesis.describe_channel(ChannelARN=arn)["ChannelDescription"]
    assert described["S3DestinationConfiguration"]["DataFreshnessInSeconds"] == 600
    assert described["LoggingConfiguration"] == logged["ChannelDescription"]["LoggingConfiguration"]
    assert described["LoggingConfiguration"]["CloudWatchLogs"]["LogGroupName"] == "g"
    assert wrong_type["Error"]["Code"] == "ValidationException"
    assert "its destination cannot be changed" in wrong_type["Error"]["Message"]
    assert nothing["Error"]["Code"] == "ValidationException"
    assert error(out_of_range) == (
        "ValidationException",
        "1 validation error detected: Value '60' at"
        " 's3DestinationConfiguration.dataFreshnessInSeconds' failed to satisfy constraint:"
        " Member must have value greater than or equal to 300",
    )


def test_an_update_says_updating_for_the_update_delay():
    with FirehoseFake(region=REGION, seed=SEED, update_delay=10) as fake:
        client = boto3.client("kinesis", region_name=REGION)
        client.create_stream(StreamName="s", StreamModeDetails={"StreamMode": "ON_DEMAND"})
        arn = create(client)["ChannelARN"]

        def status() -> str:
            return str(
                client.describe_channel(ChannelARN=arn)["ChannelDescription"]["ChannelStatus"]
            )

        client.update_channel(
            ChannelARN=arn, S3DestinationConfiguration={"DataFreshnessInSeconds": 600}
        )
        updating = status()
        listed = client.list_channels()["ChannelSummaries"][0]["ChannelStatus"]
        fake.kinesis.clock.advance(seconds=10)

        assert (updating, listed, status()) == ("UPDATING", "UPDATING", "ACTIVE")


def test_a_stream_with_channels_cannot_be_deleted_nor_made_provisioned(kinesis):
    arn = create(kinesis)["ChannelARN"]

    deleting = refused(kinesis.delete_stream, StreamName="s")
    switching = refused(
        kinesis.update_stream_mode,
        StreamARN=stream_arn(kinesis),
        StreamModeDetails={"StreamMode": "PROVISIONED"},
    )
    kinesis.delete_channel(ChannelARN=arn)
    kinesis.delete_stream(StreamName="s")

    assert deleting["Error"]["Code"] == "ResourceInUseException"
    assert "has channels (1)" in deleting["Error"]["Message"]
    assert switching["Error"]["Code"] == "ResourceInUseException"
    assert kinesis.list_streams()["StreamNames"] == []


def test_tags_at_creation_and_by_arn(kinesis):
    arn = create(kinesis, Tags={"team": "data"})["ChannelARN"]

    kinesis.tag_resource(ResourceARN=arn, Tags={"env": "test"})
    kinesis.untag_resource(ResourceARN=arn, TagKeys=["team"])

    assert kinesis.list_tags_for_resource(ResourceARN=arn)["Tags"] == [
        {"Key": "env", "Value": "test"}
    ]


def test_a_channels_tag_refusals_name_the_channel(kinesis):
    arn = create(kinesis, name="lake", Tags={f"k{n}": "v" for n in range(50)})["ChannelARN"]

    with pytest.raises(ClientError) as too_many:
        kinesis.tag_resource(ResourceARN=arn, Tags={"one": "more"})
    kinesis.create_stream(StreamName="t", StreamModeDetails={"StreamMode": "ON_DEMAND"})
    with pytest.raises(ClientError) as percent:  # on another stream: one S3 channel a stream
        create(kinesis, name="raw", stream="t", Tags={"rate": "5%"})

    assert error(too_many.value.response) == (
        "InvalidArgumentException",
        "Failed to add tags to channel lake under account 123456789012 because a given "
        "channel cannot have more than 50 tags associated with it.",
    )
    assert error(percent.value.response)[1].startswith(
        "Failed to add tags to channel raw under account 123456789012 because some tags "
        "contained illegal characters."
    )


def test_logging_enabled_is_described_with_its_defaults(kinesis):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        created = create(kinesis, LoggingConfiguration={"CloudWatchLogs": {"Enabled": True}})

    assert created["LoggingConfiguration"] == {
        "CloudWatchLogs": {
            "Enabled": True,
            "LogGroupName": f"/aws/kinesis/c/{created['ChannelId']}",
            "LogStreamName": "DestinationDelivery",
        }
    }


def test_what_is_not_modelled_is_refused_under_unmodelled_error():
    with FirehoseFake(region=REGION, seed=SEED, unmodelled="error"):
        client = boto3.client("kinesis", region_name=REGION)
        client.create_stream(StreamName="s", StreamModeDetails={"StreamMode": "ON_DEMAND"})
        with pytest.raises(ClientError) as caught:
            create(client, "tables", S3TablesDestinationConfiguration=tables_destination())

        assert caught.value.response["Error"]["Code"] == "InvalidArgumentException"
        assert "no Parquet file is written" in caught.value.response["Error"]["Message"]
        assert client.list_channels()["ChannelSummaries"] == []


@pytest.mark.filterwarnings("error::pytest_firehose.UnmodelledSettingWarning")
def test_a_warning_made_an_error_leaves_no_channel(kinesis):
    with pytest.raises(UnmodelledSettingWarning, match="no Parquet file is written"):
        create(kinesis, "tables", S3TablesDestinationConfiguration=tables_destination())

    assert kinesis.list_channels()["ChannelSummaries"] == []


# --------------------------------------------------------------------------- delivery


def put(client: Any, *payloads: bytes) -> None:
    client.put_records(
        StreamName="s", Records=[{"Data": data, "PartitionKey": "k"} for data in payloads]
    )


def test_records_put_once_active_are_written_when_the_freshness_runs_out():
    with FirehoseFake(region=REGION, seed=SEED, creation_delay=10) as fake:
        client = boto3.client("kinesis", region_name=REGION)
        client.create_stream(StreamName="s", StreamModeDetails={"StreamMode": "ON_DEMAND"})
        fake.kinesis.clock.advance(seconds=10)
        create(
            client, S3DestinationConfiguration={**s3_destination(), "DataFreshnessInSeconds": 400}
        )
        put(client, b'{"before": "active"}')
        fake.kinesis.clock.advance(seconds=10)
        put(client, b'{"a": 1}', b'{"b": 2}\n')
        fake.kinesis.clock.advance(seconds=399)
        (waiting,) = fake.kinesis["s"].channels
        fake.kinesis.clock.advance(seconds=1)
        put(client, b'{"c": 3}')
        (channel,) = fake.kinesis["s"].channels

        assert (waiting.objects, waiting.pending) == ([], [b'{"a": 1}', b'{"b": 2}\n'])
        (obj,) = channel.objects
        assert obj.body == b'{"a": 1}\n{"b": 2}\n'
        assert channel.pending == [b'{"c": 3}']
        channel_id, oldest = (
            channel.channel_id,
            fake.kinesis["s"].records[1].arrived_at.astimezone(timezone.utc),
        )
        prefix = (
            f"kinesis-channel/c/{channel_id}/{oldest:%Y/%m/%d/%H}/"
            f"c-{channel_id}-{oldest:%Y-%m-%d-%H-%M}-"
        )
        assert re.fullmatch(re.escape(prefix) + "[0-9a-f]{12}", obj.key), obj.key


def test_a_record_put_after_creation_with_the_clock_moved_back_before_it_is_buffered():
    """freezegun moved the clock back to before the channel's creation: a record put then
    is still read, as the channel reads records put once it is ACTIVE. What the stream
    held at the creation is not. The record was passed over for its stamp."""
    start = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
    with freezegun.freeze_time(start) as frozen, FirehoseFake(region=REGION, seed=SEED) as fake:
        client = boto3.client("kinesis", region_name=REGION)
        client.create_stream(StreamName="s", StreamModeDetails={"StreamMode": "ON_DEMAND"})
        put(client, b'{"held": 0}')
        create(client)
        frozen.move_to(start - timedelta(minutes=1))
        put(client, b'{"put": "after"}')

        (channel,) = fake.kinesis["s"].channels

        assert channel.pending == [b'{"put": "after"}']


def test_a_channel_created_before_time_was_frozen_earlier_stays_active(kinesis, fake):
    """Under freezegun frozen a day before the channel's creation, it stays ACTIVE and
    takes updates. It went back to CREATING and refused them."""
    arn = create(kinesis)["ChannelARN"]

    with freezegun.freeze_time(fake.kinesis.clock.now() - timedelta(days=1)):
        kinesis.update_channel(
            ChannelARN=arn, S3DestinationConfiguration={"DataFreshnessInSeconds": 600}
        )
        described = kinesis.describe_channel(ChannelARN=arn)["ChannelDescription"]

    assert described["ChannelStatus"] == "ACTIVE"


def test_without_a_dead_letter_bucket_errors_go_to_the_destination_bucket(kinesis, fake):
    create(kinesis)
    put(kinesis, b"not json")
    fake.kinesis.clock.advance(seconds=300)
    (channel,) = fake.kinesis["s"].channels

    (dead,) = channel.errors
    assert dead.key.startswith(f"kinesis-channel/errors/c/{channel.channel_id}/")


def test_records_that_are_not_json_go_to_the_dead_letter_bucket(kinesis, fake):
    create(
        kinesis,
        S3DestinationConfiguration={
            **s3_destination(),
            "DeadLetterQueueS3Configuration": {
                "BucketARN": "arn:aws:s3:::errors",
                "ExpectedBucketOwner": OWNER,
                "ErrorOutputPrefix": "bad/",
            },
        },
    )
    put(kinesis, b'{"ok": true}', b"not json")
    fake.kinesis.clock.advance(seconds=300)
    (channel,) = fake.kinesis["s"].channels

    assert [obj.body for obj in channel.objects] == [b'{"ok": true}\n']
    (dead,) = channel.errors
    assert dead.key.startswith("bad/c/")
    line = json.loads(dead.body)
    assert (line["errorCode"], line["rawData"], line["partitionKey"]) == (
        "InvalidJson",
        "bm90IGpzb24=",
        "k",
    )


def test_string_records_that_are_not_utf8_go_to_the_dead_letter_bucket(kinesis, fake):
    create(kinesis, record_format="STRING")
    put(kinesis, b"fine", b"\xff\xfe")
    fake.kinesis.clock.advance(seconds=300)
    (channel,) = fake.kinesis["s"].channels

    assert [obj.body for obj in channel.objects] == [b"fine\n"]
    (dead,) = channel.errors
    line = json.loads(dead.body)
    assert (line["errorCode"], line["errorMessage"], line["rawData"]) == (
        "InvalidUtf8",
        "The record is not valid UTF-8.",
        "//4=",
    )


@pytest.mark.parametrize(
    ("record_format", "payloads", "body"),
    [
        ("STRING", [b"one", "two\u00e9".encode()], "one\ntwo\u00e9\n".encode()),
        ("BYTE_ARRAY", [b"\xff\x00", b"\x01"], b"\xff\x00\x01"),
    ],
)
def test_records_keep_their_source_format(kinesis, fake, record_format, payloads, body):
    create(kinesis, record_format=record_format)
    put(kinesis, *payloads)
    fake.kinesis.clock.advance(seconds=300)

    assert [obj.body for obj in fake.kinesis["s"].channels[0].objects] == [body]


def test_a_template_names_the_keys_and_gzip_compresses(kinesis, fake):
    create(
        kinesis,
        S3DestinationConfiguration=s3_destination(
            CompressionType="GZIP", OutputKeyTemplate="out/!{channel-name}/!{yy}-!{mm}!{extension}"
        ),
    )
    put(kinesis, b'{"a": 1}')
    fake.kinesis.clock.advance(seconds=300)
    (obj,) = fake.kinesis["s"].channels[0].objects

    arrived = fake.kinesis["s"].records[0].arrived_at.astimezone(timezone.utc)
    assert obj.key.startswith(f"out/c/{arrived:%y-%M}-")
    assert obj.key.endswith(".gz")
    assert gzip.decompress(obj.body) == b'{"a": 1}\n'


def test_a_template_may_name_the_stream_and_give_its_own_extension(kinesis, fake):
    template = "!{stream-name}/!{channel-id}!{extension:.json.gz}"
    create(
        kinesis,
        S3DestinationConfiguration=s3_destination(
            CompressionType="GZIP", OutputKeyTemplate=template
        ),
    )
    put(kinesis, b'{"a": 1}')
    fake.kinesis.clock.advance(seconds=300)
    (channel,) = fake.kinesis["s"].channels

    (obj,) = channel.objects
    assert obj.key.startswith(f"s/{channel.channel_id}-")
    assert obj.key.endswith(".json.gz")


def test_zstd_compresses_with_the_compression_extra(kinesis, fake):
    cramjam = pytest.importorskip("cramjam")
    create(kinesis, S3DestinationConfiguration=s3_destination(CompressionType="ZSTD"))
    put(kinesis, b'{"a": 1}')
    fake.kinesis.clock.advance(seconds=300)
    (obj,) = fake.kinesis["s"].channels[0].objects

    assert obj.key.endswith(".zst")
    assert bytes(cramjam.zstd.decompress(obj.body)) == b'{"a": 1}\n'


def test_an_update_of_the_freshness_applies_to_what_is_buffered(kinesis, fake):
    arn = create(kinesis)["ChannelARN"]
    put(kinesis, b'{"a": 1}')
    kinesis.update_channel(
        ChannelARN=arn, S3DestinationConfiguration={"DataFreshnessInSeconds": 900}
    )
    fake.kinesis.clock.advance(seconds=899)
    (waiting,) = fake.kinesis["s"].channels
    fake.kinesis.clock.advance(seconds=1)
    (channel,) = fake.kinesis["s"].channels

    assert waiting.objects == []
    assert [obj.body for obj in channel.objects] == [b'{"a": 1}\n']


@pytest.fixture
def moto_s3(fake: FirehoseFake) -> Iterator[Any]:
    """moto's ``mock_aws`` active for the test, with no bucket yet: a boto3 S3 client."""
    with mock_aws():
        yield boto3.client("s3", region_name=REGION)


@pytest.fixture
def channel_bucket(moto_s3: Any) -> Any:
    """``moto_s3`` holding the channel destination's bucket, ``channel-bucket``."""
    moto_s3.create_bucket(Bucket="channel-bucket")
    return moto_s3


def test_objects_land_in_the_bucket_with_the_storage_class(fake, kinesis, channel_bucket):
    create(kinesis, S3DestinationConfiguration=s3_destination(StorageClass="GLACIER_IR"))
    put(kinesis, b'{"a": 1}')
    fake.kinesis.clock.advance(seconds=300)
    (obj,) = fake.kinesis["s"].channels[0].objects

    stored = channel_bucket.get_object(Bucket="channel-bucket", Key=obj.key)
    assert stored["Body"].read() == b'{"a": 1}\n'
    assert stored["StorageClass"] == "GLACIER_IR"


def test_zstd_without_the_compression_extra_is_reported(kinesis, monkeypatch):
    monkeypatch.setitem(sys.modules, "cramjam", None)  # import cramjam now fails

    with pytest.warns(UnmodelledSettingWarning, match="ZSTD needs cramjam"):
        create(kinesis, S3DestinationConfiguration=s3_destination(CompressionType="ZSTD"))


def tables_channel(client: Any, record_format: str = "JSON") -> None:
    with pytest.warns(UnmodelledSettingWarning, match="rows each table would receive are kept"):
        create(
            client,
            record_format=record_format,
            S3TablesDestinationConfiguration=tables_destination(),
        )


def gsr(body: bytes, *, compressed: bool = False) -> bytes:
    """A record as the Glue Schema Registry's serializer frames it."""
    header = bytes([3, 5 if compressed else 0]) + bytes(range(16))
    return header + (zlib.compress(body) if compressed else body)


def test_s3_tables_stay_in_the_account_and_a_table_is_one_channel_s(kinesis):
    elsewhere = tables_destination()
    elsewhere["S3TablesConfigurationList"][0]["TableBucketARN"] = (
        f"arn:aws:s3tables:{REGION}:210987654321:bucket/tables"
    )
    kinesis.create_stream(StreamName="t", StreamModeDetails={"StreamMode": "ON_DEMAND"})
    tables_channel(kinesis)

    with pytest.raises(ClientError) as other_account:
        create(kinesis, "other", S3TablesDestinationConfiguration=elsewhere)
    with pytest.raises(ClientError) as taken:
        create(kinesis, "again", stream="t", S3TablesDestinationConfiguration=tables_destination())

    assert error(other_account.value.response)[0] == "ValidationException"
    assert "is not in the stream's account and region" in error(other_account.value.response)[1]
    assert error(taken.value.response)[0] == "ResourceInUseException"
    assert "is the destination of channel c" in error(taken.value.response)[1]


def test_an_s3_tables_channel_keeps_the_rows_its_table_receives(kinesis, fake):
    tables_channel(kinesis)
    put(kinesis, b'{"id": 1, "at": "2026-01-01T00:00:00Z"}', b"[1, 2]", b"nope")
    fake.kinesis.clock.advance(seconds=300)
    (channel,) = fake.kinesis["s"].channels

    assert channel.destination_type == "S3_TABLES"
    assert channel.rows == [{"id": 1, "at": "2026-01-01T00:00:00Z"}]
    assert channel.objects == []
    (dead,) = channel.errors
    assert [json.loads(line)["errorCode"] for line in dead.body.splitlines()] == [
        "InvalidRow",
        "InvalidJson",
    ]


def test_gsr_json_records_are_read_after_their_schema_registry_header(kinesis, fake):
    tables_channel(kinesis, "GSR_JSON")
    put(kinesis, gsr(b'{"id": 1}'), gsr(b'{"id": 2}', compressed=True), b'{"id": 3}')
    fake.kinesis.clock.advance(seconds=300)
    (channel,) = fake.kinesis["s"].channels

    assert channel.rows == [{"id": 1}, {"id": 2}]
    (dead,) = channel.errors
    assert json.loads(dead.body)["errorCode"] == "InvalidGsrRecord"


def test_gsr_json_records_without_a_readable_header_go_to_the_dead_letter_bucket(kinesis, fake):
    tables_channel(kinesis, "GSR_JSON")
    schema_version = bytes(range(16))
    put(
        kinesis,
        b'{"id": 4, "no": "header at all"}',
        bytes([3, 7]) + schema_version + b'{"id": 5}',  # no such compression byte
        bytes([3, 5]) + schema_version + b'{"id": 6}',  # zlib said, not given
        gsr(b""),  # a header and nothing after it
    )
    fake.kinesis.clock.advance(seconds=300)
    (channel,) = fake.kinesis["s"].channels

    assert channel.rows == []
    (dead,) = channel.errors
    assert [
        (line["errorCode"], line["errorMessage"])
        for line in map(json.loads, dead.body.splitlines())
    ] == [
        ("InvalidGsrRecord", "The record has no Glue Schema Registry header."),
        ("InvalidGsrRecord", "The record has no Glue Schema Registry header."),
        ("InvalidGsrRecord", "The record's zlib body cannot be decompressed."),
        ("InvalidJson", "The record is not a valid JSON payload."),
    ]


def test_objects_are_encrypted_with_the_channel_key(fake, kinesis, channel_bucket):
    key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    encryption = {"EncryptionType": "KMS", "KeyId": key}
    created = create(kinesis, EncryptionConfiguration=encryption)
    put(kinesis, b'{"a": 1}')
    fake.kinesis.clock.advance(seconds=300)
    (obj,) = fake.kinesis["s"].channels[0].objects

    head = channel_bucket.head_object(Bucket="channel-bucket", Key=obj.key)
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", key)
    described = kinesis.describe_channel(ChannelARN=created["ChannelARN"])
    assert described["ChannelDescription"]["EncryptionConfiguration"] == encryption


def test_a_deleted_channel_writes_nothing_more(fake, kinesis, channel_bucket):
    arn = create(kinesis)["ChannelARN"]
    put(kinesis, b'{"a": 1}')
    kinesis.delete_channel(ChannelARN=arn)
    fake.kinesis.clock.advance(seconds=300)

    assert fake.kinesis["s"].channels == []
    assert kinesis.list_channels()["ChannelSummaries"] == []
    assert channel_bucket.list_objects_v2(Bucket="channel-bucket")["KeyCount"] == 0


def test_an_object_the_bucket_refuses_is_written_again_a_minute_later(fake, kinesis, moto_s3):
    create(kinesis)
    put(kinesis, b'{"a": 1}')
    fake.kinesis.clock.advance(seconds=300)  # no bucket yet: NoSuchBucket
    moto_s3.create_bucket(Bucket="channel-bucket")
    fake.kinesis.clock.advance(seconds=59)
    before = moto_s3.list_objects_v2(Bucket="channel-bucket")["KeyCount"]
    fake.kinesis.clock.advance(seconds=1)
    (obj,) = fake.kinesis["s"].channels[0].objects

    assert before == 0
    assert moto_s3.get_object(Bucket="channel-bucket", Key=obj.key)["Body"].read() == b'{"a": 1}\n'


def test_an_object_is_written_again_a_minute_later_whatever_is_buffered(fake, kinesis, moto_s3):
    create(kinesis)
    put(kinesis, b'{"a": 1}')
    fake.kinesis.clock.advance(seconds=300)  # no bucket yet: NoSuchBucket
    put(kinesis, b'{"b": 2}')  # due in 300 s
    moto_s3.create_bucket(Bucket="channel-bucket")
    fake.kinesis.clock.advance(seconds=60)
    listed = moto_s3.list_objects_v2(Bucket="channel-bucket")

    assert [
        moto_s3.get_object(Bucket="channel-bucket", Key=o["Key"])["Body"].read()
        for o in listed.get("Contents", [])
    ] == [b'{"a": 1}\n']


@pytest.mark.filterwarnings("ignore::pytest_firehose.UnmodelledSettingWarning")
def test_an_object_waiting_to_be_written_again_is_dropped_by_delete():
    with FirehoseFake(region=REGION, seed=SEED, creation_delay=600) as fake, mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        client = boto3.client("kinesis", region_name=REGION)
        client.create_stream(StreamName="s", StreamModeDetails={"StreamMode": "ON_DEMAND"})
        fake.kinesis.clock.advance(seconds=600)
        arn = create(client)["ChannelARN"]
        create(client, "t", S3TablesDestinationConfiguration=tables_destination())
        fake.kinesis.clock.advance(seconds=600)
        put(client, b'{"a": 1}')
        fake.kinesis.clock.advance(seconds=300)  # no bucket yet: NoSuchBucket
        s3.create_bucket(Bucket="channel-bucket")
        put(client, b'{"b": 2}')  # buffered by both channels
        client.delete_channel(ChannelARN=arn)
        deleting = fake.kinesis["s"].channels[0]
        fake.kinesis.clock.advance(seconds=300)  # still DELETING: gone after 600 s
        status = client.describe_channel(ChannelARN=arn)["ChannelDescription"]["ChannelStatus"]
        rows = fake.kinesis["s"].channels[1].rows

        assert (status, rows) == ("DELETING", [{"a": 1}, {"b": 2}])  # the table's goes on
        assert (deleting.status, deleting.pending) == ("DELETING", [])
        assert s3.list_objects_v2(Bucket="channel-bucket")["KeyCount"] == 0


@pytest.mark.parametrize(
    ("reader", "other", "message"),
    [
        (
            "describe_channel",
            "list_channels",
            "Rate exceeded for stream s under account 123456789012.",
        ),
        ("list_channels", "describe_channel", "Rate exceeded for account 123456789012."),
    ],
)
def test_channel_reads_past_five_a_second_are_refused_when_quotas_are_on(
    kinesis, fake, reader, other, message
):
    arn = create(kinesis)["ChannelARN"]
    once = boto3.client(
        "kinesis", region_name=REGION, config=Config(retries={"total_max_attempts": 1})
    )
    fake.kinesis.enforce_read_quotas()

    def call(operation: str) -> Any:
        if operation == "describe_channel":
            return once.describe_channel(ChannelARN=arn)
        return once.list_channels()

    for _ in range(5):
        call(reader)
    over = refused(call, operation=reader)
    call(other)  # each operation has a rate of its own
    fake.kinesis.clock.advance(seconds=1)
    call(reader)

    assert error(over) == ("LimitExceededException", message)


@pytest.mark.parametrize("operation", ["create_channel", "update_channel", "delete_channel"])
def test_each_channel_change_takes_five_calls_a_second_when_quotas_are_on(fake, operation):
    once = boto3.client(
        "kinesis", region_name=REGION, config=Config(retries={"total_max_attempts": 1})
    )
    streams = [f"s{i}" for i in range(7)]
    for name in streams:  # a stream takes one S3 channel
        once.create_stream(StreamName=name, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    arns = (
        []
        if operation == "create_channel"
        else [create(once, n, stream=n)["ChannelARN"] for n in streams]
    )
    fake.kinesis.clock.advance(seconds=1)
    fake.kinesis.enforce_read_quotas()

    def call(i: int) -> Any:
        if operation == "create_channel":
            return create(once, streams[i], stream=streams[i])
        if operation == "update_channel":
            return once.update_channel(
                ChannelARN=arns[i], S3DestinationConfiguration={"DataFreshnessInSeconds": 600}
            )
        return once.delete_channel(ChannelARN=arns[i])

    for i in range(5):
        call(i)
    with pytest.raises(ClientError) as over:
        call(5)
    described = once.list_channels()  # another operation keeps its own rate
    fake.kinesis.clock.advance(seconds=1)
    call(5)
    call(6)

    assert over.value.response["Error"]["Code"] == "LimitExceededException"
    assert over.value.response["Error"]["Message"] == (
        "Rate exceeded for stream s5 under account 123456789012."
    )
    left = {"create_channel": 5, "update_channel": 7, "delete_channel": 2}[operation]
    assert len(described["ChannelSummaries"]) == left


def test_the_control_api_shows_each_channel_of_a_stream():
    with FirehoseServer() as server:
        client = server_client(server, "kinesis")
        client.create_stream(StreamName="s", StreamModeDetails={"StreamMode": "ON_DEMAND"})
        arn = create(client)["ChannelARN"]
        put(client, b'{"a": 1}', b"oops")
        server.kinesis.clock.advance(seconds=300)
        put(client, b'{"b": 2}')
        connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
        connection.request("GET", f"/_fake/streams/s?service=kinesis&region={REGION}")
        shown = json.loads(connection.getresponse().read())
        connection.close()

    (channel,) = shown["channels"]
    assert (channel["name"], channel["arn"]) == ("c", arn)
    assert (channel["status"], channel["destination_type"]) == ("ACTIVE", "S3")
    (obj,) = channel["objects"]
    assert base64.b64decode(obj["body"]) == b'{"a": 1}\n'
    assert obj["key"].startswith("kinesis-channel/c/")
    (dead,) = channel["errors"]
    assert json.loads(base64.b64decode(dead["body"]))["rawData"] == "b29wcw=="
    assert channel["pending"] == ["eyJiIjogMn0="]
    assert channel["rows"] == []
