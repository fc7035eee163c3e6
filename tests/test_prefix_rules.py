"""The developer guide's prefix rules ("Custom prefixes for Amazon S3 objects") in every S3
block whose prefixes Firehose evaluates besides an S3 destination's own: the source record
backup of extended S3 and Redshift (``S3BackupConfiguration``) and the bucket of every
other destination (``S3Configuration``), at CreateDeliveryStream and UpdateDestination; and
the keys those blocks' prefixes give."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from conftest import S3, describe, refused
from test_other_destinations import ICEBERG, REDSHIFT, SEARCH, SNOWFLAKE, SPLUNK, cases

from pytest_firehose import FirehoseFake

DESTINATION_ID = "destinationId-000000000001"
OPENING = "Ths supplied prefix(es) do not satisfy the following constraint: "
HTTP = {"EndpointConfiguration": {"Url": "https://127.0.0.1:9"}, "S3Configuration": S3}
#: (configuration parameter, its configuration, the S3 block whose prefixes the rows set).
BLOCKS: list[tuple[str, dict[str, Any], str]] = [
    (
        "ExtendedS3DestinationConfiguration",
        {**S3, "S3BackupMode": "Enabled"},
        "S3BackupConfiguration",
    ),
    (
        "RedshiftDestinationConfiguration",
        {**REDSHIFT, "S3BackupMode": "Enabled"},
        "S3BackupConfiguration",
    ),
    ("HttpEndpointDestinationConfiguration", HTTP, "S3Configuration"),
    ("AmazonopensearchserviceDestinationConfiguration", SEARCH, "S3Configuration"),
    ("ElasticsearchDestinationConfiguration", SEARCH, "S3Configuration"),
    (
        "AmazonOpenSearchServerlessDestinationConfiguration",
        {**SEARCH, "CollectionEndpoint": "https://abc123.us-east-1.aoss.amazonaws.com"},
        "S3Configuration",
    ),
    ("SplunkDestinationConfiguration", SPLUNK, "S3Configuration"),
    ("SnowflakeDestinationConfiguration", SNOWFLAKE, "S3Configuration"),
    ("IcebergDestinationConfiguration", ICEBERG, "S3Configuration"),
]
#: The namespaces outside dynamic partitioning, as the refusal of a stray ``!{`` lists them.
STRAY = (
    "The sequence !{ can only appear in !{namespace:value} expressions (namespace firehose or "
    "timestamp; firehose's values error-output-type and random-string): "
)
#: (the block's prefixes, the refusal's message with BLOCK for the block's name).
RULES = [
    pytest.param(
        {"Prefix": "p/!{timestamp:yyyy}/"},
        OPENING + "ErrorOutputPrefix cannot be null or empty when Prefix contains expressions",
        id="expressions-without-error-prefix",
    ),
    pytest.param(
        {"Prefix": "!{nope}/", "ErrorOutputPrefix": "e/"},
        OPENING + STRAY + "BLOCK.Prefix has !{nope}",
        id="stray",
    ),
    pytest.param(
        {"Prefix": "p/!{firehose:uuid}/", "ErrorOutputPrefix": "e/!{firehose:error-output-type}/"},
        OPENING + STRAY + "BLOCK.Prefix has !{firehose:uuid}",
        id="firehose-value",
    ),
    pytest.param(
        {"Prefix": "p/!{timestamp:yyyy/", "ErrorOutputPrefix": "e/"},
        OPENING + STRAY + "BLOCK.Prefix has !{timestamp:yyyy/",
        id="unclosed",
    ),
    pytest.param(
        {"Prefix": "k=!{partitionKeyFromQuery:k}/", "ErrorOutputPrefix": "e/"},
        OPENING + STRAY + "BLOCK.Prefix has !{partitionKeyFromQuery:k}",
        id="partition-key",
    ),
    pytest.param(
        {"Prefix": "p/!{firehose:error-output-type}/", "ErrorOutputPrefix": "e/"},
        OPENING + "BLOCK.Prefix cannot contain !{firehose:error-output-type}",
        id="error-type-in-prefix",
    ),
    pytest.param(
        {"ErrorOutputPrefix": "e/!{timestamp:yyyy}/"},
        OPENING + "BLOCK.ErrorOutputPrefix must contain !{firehose:error-output-type} when it "
        "contains expressions",
        id="error-prefix-without-error-type",
    ),
    pytest.param(
        {"ErrorOutputPrefix": "e/!{firehose:error-output-type}/!{partitionKeyFromLambda:k}/"},
        "You cannot use partitionKeyFromLambda and partitionKeyFromQuery namespaces when "
        "creating ErrorOutputPrefix expressions.",
        id="partition-key-in-error-prefix",
    ),
]


@pytest.mark.parametrize(("prefixes", "message"), RULES)
@pytest.mark.parametrize(("kind", "config", "block"), cases(*BLOCKS))
def test_every_evaluated_prefix_follows_the_rules(
    fake: FirehoseFake,
    api: Any,
    kind: str,
    config: dict[str, Any],
    block: str,
    prefixes: dict[str, str],
    message: str,
) -> None:
    response = refused(
        api.create_delivery_stream,
        DeliveryStreamName="events",
        **{kind: {**config, block: {**S3, **prefixes}}},
    )

    assert response["Error"] == {
        "Code": "InvalidArgumentException",
        "Message": message.replace("BLOCK", block),
    }
    assert "events" not in fake.firehose


BACKING_UP = {
    "ExtendedS3DestinationConfiguration": {
        **S3,
        "S3BackupMode": "Enabled",
        "S3BackupConfiguration": {**S3, "Prefix": "raw/"},
    }
}


@pytest.mark.parametrize(
    ("stream", "update", "message"),
    [
        pytest.param(
            BACKING_UP,
            {"ExtendedS3DestinationUpdate": {"S3BackupUpdate": {"Prefix": "!{nope}/"}}},
            OPENING + STRAY + "S3BackupConfiguration.Prefix has !{nope}",
            id="backup-stray",
        ),
        pytest.param(
            BACKING_UP,
            {
                "ExtendedS3DestinationUpdate": {
                    "S3BackupUpdate": {
                        "Prefix": "k=!{partitionKeyFromQuery:k}/",
                        "ErrorOutputPrefix": "e/!{firehose:error-output-type}/",
                    }
                }
            },
            OPENING + STRAY + "S3BackupConfiguration.Prefix has !{partitionKeyFromQuery:k}",
            id="backup-partition-key",
        ),
        pytest.param(
            {"HttpEndpointDestinationConfiguration": HTTP},
            {"HttpEndpointDestinationUpdate": {"S3Update": {"Prefix": "!{timestamp:yyyy}/"}}},
            OPENING + "ErrorOutputPrefix cannot be null or empty when Prefix contains expressions",
            id="http-endpoint-expressions",
        ),
    ],
)
def test_an_update_leaving_a_block_against_the_rules_is_refused_and_changes_nothing(
    fake: FirehoseFake,
    api: Any,
    stream: dict[str, Any],
    update: dict[str, Any],
    message: str,
) -> None:
    api.create_delivery_stream(DeliveryStreamName="events", **stream)
    before = describe(api)

    response = refused(
        api.update_destination,
        DeliveryStreamName="events",
        CurrentDeliveryStreamVersionId="1",
        DestinationId=DESTINATION_ID,
        **update,
    )

    assert response["Error"] == {"Code": "InvalidArgumentException", "Message": message}
    assert describe(api) == before


@pytest.mark.parametrize(
    "kind", ["S3DestinationConfiguration", "ExtendedS3DestinationConfiguration"]
)
def test_a_destinations_error_prefix_takes_no_partition_key_without_partitioning(
    fake: FirehoseFake, api: Any, kind: str
) -> None:
    response = refused(
        api.create_delivery_stream,
        DeliveryStreamName="events",
        **{
            kind: {
                **S3,
                "ErrorOutputPrefix": "e/!{firehose:error-output-type}/!{partitionKeyFromQuery:k}/",
            }
        },
    )

    assert response["Error"] == {
        "Code": "InvalidArgumentException",
        "Message": "You cannot use partitionKeyFromLambda and partitionKeyFromQuery namespaces "
        "when creating ErrorOutputPrefix expressions.",
    }
    assert "events" not in fake.firehose


def test_a_source_backups_prefix_expressions_name_its_keys(fake: FirehoseFake) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events",
        ExtendedS3DestinationConfiguration={
            **S3,
            "S3BackupMode": "Enabled",
            "S3BackupConfiguration": {
                **S3,
                "Prefix": "raw/!{timestamp:yyyy'-'MM}/!{firehose:random-string}/",
                "ErrorOutputPrefix": "raw-errors/!{firehose:error-output-type}/",
            },
        },
    )
    arrived = fake.firehose.clock.now()
    boto3.client("firehose", region_name="us-east-1").put_record(
        DeliveryStreamName="events", Record={"Data": b"a"}
    )
    stream.flush()

    (backup,) = stream.source_backup_objects
    assert backup.key.startswith(f"raw/{arrived:%Y-%m}/")
    random_string, rest = backup.key.removeprefix(f"raw/{arrived:%Y-%m}/").split("/")
    assert len(random_string) == 11
    assert rest.startswith("events-1-")  # no hour folders after a prefix with expressions
