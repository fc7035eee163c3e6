"""Redshift, OpenSearch, OpenSearch Serverless, Elasticsearch, Splunk, Snowflake and Iceberg
destinations: what DescribeDeliveryStream shows of each (the configuration with the
service's defaults, never a secret; every answer checked against botocore's output shape),
when each one's buffer falls due, Redshift's staging of objects in its intermediate bucket,
and the backup of every record to S3."""

from __future__ import annotations

import base64
import gzip
import json
import re
import warnings
from datetime import timedelta
from typing import Any

import boto3
import pytest
from conftest import ROLE, S3, describe, landing_bucket, needs_botocore, refused
from moto import mock_aws
from test_lambda_transform import answer_each, ok, processing

from pytest_firehose import FirehoseFake, UnmodelledSettingWarning

DESTINATION_ID = "destinationId-000000000001"
#: A plain S3 block as DescribeDeliveryStream shows ``S3`` with nothing else given.
S3_DESCRIBED = {
    **S3,
    "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 300},
    "CompressionFormat": "UNCOMPRESSED",
    "EncryptionConfiguration": {"NoEncryptionConfig": "NoEncryption"},
    "CloudWatchLoggingOptions": {"Enabled": False},
}
NO_LOGGING = {"Enabled": False}
SEARCH = {"RoleARN": ROLE, "IndexName": "logs", "S3Configuration": S3}
DOMAIN = "arn:aws:es:us-east-1:123456789012:domain/logs"
REDSHIFT = {
    "RoleARN": ROLE,
    "ClusterJDBCURL": "jdbc:redshift://cluster.abc123.us-east-1.redshift.amazonaws.com:5439/db",
    "CopyCommand": {"DataTableName": "events"},
    "Username": "loader",
    "Password": "hunter2-redshift",
    "S3Configuration": S3,
}
SPLUNK = {
    "HECEndpoint": "https://splunk.example.com:8088",
    "HECEndpointType": "Raw",
    "HECToken": "0000-token",
    "S3Configuration": S3,
}
SNOWFLAKE = {
    "AccountUrl": "https://example.us-east-1.snowflakecomputing.com",
    "PrivateKey": "PRIVATEKEY" * 26,  # base64 text, 256 characters or more
    "KeyPassphrase": "passphrase-material",
    "User": "loader",
    "Database": "RAW",
    "Schema": "EVENTS",
    "Table": "CLICKS",
    "RoleARN": ROLE,
    "S3Configuration": S3,
}
ICEBERG = {
    "RoleARN": ROLE,
    "CatalogConfiguration": {"CatalogARN": "arn:aws:glue:us-east-1:123456789012:catalog"},
    "S3Configuration": S3,
}

#: Destinations and members older botocore releases do not have (tox's oldest env).
SNOWFLAKE_MODELLED = needs_botocore(
    "firehose CreateDeliveryStream.SnowflakeDestinationConfiguration"
)
ICEBERG_MODELLED = needs_botocore("firehose CreateDeliveryStream.IcebergDestinationConfiguration")
SPLUNK_BUFFERING = needs_botocore(
    "firehose CreateDeliveryStream.SplunkDestinationConfiguration.BufferingHints"
)
MODELLED = {
    "SnowflakeDestinationConfiguration": SNOWFLAKE_MODELLED,
    "IcebergDestinationConfiguration": ICEBERG_MODELLED,
}


def cases(*rows: tuple[Any, ...], marks: dict[str, Any] = MODELLED) -> list[Any]:
    """``rows`` (each starting with a configuration parameter) as parameters, skipped where
    botocore lacks that destination (or, by ``marks``, what the row needs of it)."""
    return [pytest.param(*row, marks=marks.get(row[0], ()), id=row[0]) for row in rows]


#: (configuration parameter, configuration, its description without the S3 block).
DESTINATIONS: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (
        "RedshiftDestinationConfiguration",
        REDSHIFT,
        {
            **{k: v for k, v in REDSHIFT.items() if k not in ("Password", "S3Configuration")},
            "RetryOptions": {"DurationInSeconds": 3600},
            "S3BackupMode": "Disabled",
            "CloudWatchLoggingOptions": NO_LOGGING,
        },
    ),
    *[
        (
            kind,
            {**SEARCH, "DomainARN": DOMAIN},
            {
                "RoleARN": ROLE,
                "DomainARN": DOMAIN,
                "IndexName": "logs",
                "IndexRotationPeriod": "OneDay",
                "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 300},
                "RetryOptions": {"DurationInSeconds": 300},
                "S3BackupMode": "FailedDocumentsOnly",
                "CloudWatchLoggingOptions": NO_LOGGING,
            },
        )
        for kind in (
            "AmazonopensearchserviceDestinationConfiguration",
            "ElasticsearchDestinationConfiguration",
        )
    ],
    (
        "AmazonOpenSearchServerlessDestinationConfiguration",
        {**SEARCH, "CollectionEndpoint": "https://abc123.us-east-1.aoss.amazonaws.com"},
        {
            "RoleARN": ROLE,
            "CollectionEndpoint": "https://abc123.us-east-1.aoss.amazonaws.com",
            "IndexName": "logs",
            "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 300},
            "RetryOptions": {"DurationInSeconds": 300},
            "S3BackupMode": "FailedDocumentsOnly",
            "CloudWatchLoggingOptions": NO_LOGGING,
        },
    ),
    (
        "SplunkDestinationConfiguration",
        SPLUNK,
        {
            **{k: v for k, v in SPLUNK.items() if k != "S3Configuration"},
            "HECAcknowledgmentTimeoutInSeconds": 180,
            "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 60},
            "RetryOptions": {"DurationInSeconds": 3600},
            "S3BackupMode": "FailedEventsOnly",
            "CloudWatchLoggingOptions": NO_LOGGING,
        },
    ),
    (
        "SnowflakeDestinationConfiguration",
        SNOWFLAKE,
        {
            **{
                k: v
                for k, v in SNOWFLAKE.items()
                if k not in ("PrivateKey", "KeyPassphrase", "S3Configuration")
            },
            "DataLoadingOption": "JSON_MAPPING",
            "BufferingHints": {"SizeInMBs": 128, "IntervalInSeconds": 0},
            "RetryOptions": {"DurationInSeconds": 60},
            "S3BackupMode": "FailedDataOnly",
            "CloudWatchLoggingOptions": NO_LOGGING,
        },
    ),
    (
        "IcebergDestinationConfiguration",
        ICEBERG,
        {
            **{k: v for k, v in ICEBERG.items() if k != "S3Configuration"},
            "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 300},
            "RetryOptions": {"DurationInSeconds": 300},
            "S3BackupMode": "FailedDataOnly",
            "AppendOnly": False,
            "CloudWatchLoggingOptions": NO_LOGGING,
        },
    ),
]


def described(api: Any) -> dict[str, Any]:
    destination: dict[str, Any] = describe(api)["Destinations"][0]
    return destination


def create(api: Any, kind: str, config: dict[str, Any], **extra: Any) -> None:
    api.create_delivery_stream(DeliveryStreamName="events", **{kind: {**config, **extra}})


@pytest.mark.parametrize(
    ("kind", "config", "expected"),
    # Splunk's description has BufferingHints: older botocore drops the member.
    cases(*DESTINATIONS, marks={**MODELLED, "SplunkDestinationConfiguration": SPLUNK_BUFFERING}),
)
def test_each_destination_is_described_with_the_service_defaults(
    api: Any, kind: str, config: dict[str, Any], expected: dict[str, Any]
) -> None:
    create(api, kind, config)

    description = kind.replace("Configuration", "Description")
    assert described(api) == {
        "DestinationId": DESTINATION_ID,
        description: {**expected, "S3DestinationDescription": S3_DESCRIBED},
    }


@SNOWFLAKE_MODELLED
def test_no_description_shows_a_secret(api: Any) -> None:
    for name, (kind, config) in {
        "redshift": ("RedshiftDestinationConfiguration", REDSHIFT),
        "snowflake": ("SnowflakeDestinationConfiguration", SNOWFLAKE),
    }.items():
        api.create_delivery_stream(DeliveryStreamName=name, **{kind: config})
        text = repr(describe(api, name))
        for secret in ("hunter2-redshift", "PRIVATEKEY", "passphrase-material"):
            assert secret not in text


#: Each destination type with buffering hints of its own, and its default hints.
BUFFERED = [
    ("ExtendedS3DestinationConfiguration", S3, {"SizeInMBs": 5, "IntervalInSeconds": 300}),
    (
        "HttpEndpointDestinationConfiguration",
        {"EndpointConfiguration": {"Url": "https://example.com/in"}, "S3Configuration": S3},
        {"SizeInMBs": 5, "IntervalInSeconds": 300},
    ),
    *[
        (kind, config, expected["BufferingHints"])
        for kind, config, expected in DESTINATIONS
        if "BufferingHints" in expected  # Redshift buffers as its S3Configuration says
    ],
]


@pytest.mark.parametrize(
    ("kind", "config", "defaults"),
    cases(*BUFFERED, marks={**MODELLED, "SplunkDestinationConfiguration": SPLUNK_BUFFERING}),
)
@pytest.mark.parametrize("member", ["SizeInMBs", "IntervalInSeconds"])
def test_buffering_hints_with_one_member_take_the_default_for_the_other(
    api: Any, kind: str, config: dict[str, Any], defaults: dict[str, int], member: str
) -> None:
    # The API reference asks for both, yet AWS took ElasticsearchBufferingHints with only
    # SizeInMBs from every Elasticsearch stream Terraform 0.7 created (its provider read the
    # interval from a key its schema did not have: hashicorp/terraform#9595, #10112).
    # Not the default, and within every model's range (Splunk waits at most 60 s, older
    # models at least 60 s elsewhere).
    value = 1 if member == "SizeInMBs" else 30 if kind.startswith("Splunk") else 120
    given = {member: value}
    create(api, kind, config, BufferingHints=given)

    block = next(v for k, v in described(api).items() if k != "DestinationId")
    assert block["BufferingHints"] == {**defaults, **given}


@pytest.mark.parametrize(("kind", "config", "expected"), cases(*DESTINATIONS))
def test_empty_retry_options_take_the_destinations_default_duration(
    api: Any, kind: str, config: dict[str, Any], expected: dict[str, Any]
) -> None:
    create(api, kind, config, RetryOptions={})

    block = next(v for k, v in described(api).items() if k != "DestinationId")
    assert block["RetryOptions"] == expected["RetryOptions"]


@SPLUNK_BUFFERING
def test_what_was_configured_is_kept_and_fills_only_what_was_left_out(api: Any) -> None:
    lambda_arn = "arn:aws:lambda:us-east-1:123456789012:function:enrich"
    create(
        api,
        "SplunkDestinationConfiguration",
        SPLUNK,
        BufferingHints={"IntervalInSeconds": 10},
        RetryOptions={"DurationInSeconds": 30},
        S3BackupMode="AllEvents",
        ProcessingConfiguration={
            "Enabled": True,
            "Processors": [
                {
                    "Type": "Lambda",
                    "Parameters": [{"ParameterName": "LambdaArn", "ParameterValue": lambda_arn}],
                }
            ],
        },
    )

    splunk = described(api)["SplunkDestinationDescription"]
    assert splunk["BufferingHints"] == {"SizeInMBs": 5, "IntervalInSeconds": 10}
    assert splunk["RetryOptions"] == {"DurationInSeconds": 30}
    assert splunk["S3BackupMode"] == "AllEvents"
    parameters = splunk["ProcessingConfiguration"]["Processors"][0]["Parameters"]
    assert {p["ParameterName"]: p["ParameterValue"] for p in parameters} == {
        "LambdaArn": lambda_arn,
        "NumberOfRetries": "3",
        "BufferSizeInMBs": "0.25",  # Splunk's processor buffers 256 KB by default
        "BufferIntervalInSeconds": "60",
    }


@pytest.mark.parametrize(
    ("kind", "config", "interval"),
    cases(
        ("SplunkDestinationConfiguration", SPLUNK, 60),
        ("SnowflakeDestinationConfiguration", SNOWFLAKE, 30),
    ),
)
def test_a_splunk_or_snowflake_processor_buffers_256_kb_by_default(
    fake: FirehoseFake, kind: str, config: dict[str, Any], interval: int
) -> None:
    # Developer guide, "Data transformation flow": the processor's default buffer is 256 KB
    # for Splunk and Snowflake (1 MB elsewhere), its interval 30 s for Snowflake (60 s
    # elsewhere); the API reference's ProcessorParameter says 256 KB for Splunk too.
    fake.firehose.lambda_function("orders-transform", answer_each(ok))
    stream = fake.firehose.create_delivery_stream(
        "events", **{kind: {**config, "ProcessingConfiguration": processing()}}
    )
    client = boto3.client("firehose", region_name="us-east-1")
    client.put_record(DeliveryStreamName="events", Record={"Data": b"x" * (200 * 1024)})
    fake.firehose.clock.advance(seconds=interval - 1)
    assert stream.invocations == []
    client.put_record(DeliveryStreamName="events", Record={"Data": b"y" * (100 * 1024)})
    assert len(stream.invocations) == 1  # 300 KB waited: past 256 KB
    client.put_record(DeliveryStreamName="events", Record={"Data": b"z"})
    fake.firehose.clock.advance(seconds=interval - 1)
    assert len(stream.invocations) == 1
    fake.firehose.clock.advance(seconds=1)

    assert [len(i.event["records"]) for i in stream.invocations] == [2, 1]


def test_a_vpc_is_described_with_the_vpc_its_subnets_are_in(api: Any) -> None:
    vpc = {"SubnetIds": ["subnet-b", "subnet-a"], "RoleARN": ROLE, "SecurityGroupIds": ["sg-1"]}
    for name in ("one", "two"):
        api.create_delivery_stream(
            DeliveryStreamName=name,
            AmazonopensearchserviceDestinationConfiguration={
                **SEARCH,
                "DomainARN": DOMAIN,
                "VpcConfiguration": vpc,
            },
        )
    first, second = (
        describe(api, name)["Destinations"][0]["AmazonopensearchserviceDestinationDescription"][
            "VpcConfigurationDescription"
        ]
        for name in ("one", "two")
    )

    assert {k: v for k, v in first.items() if k != "VpcId"} == vpc
    assert re.fullmatch(r"vpc-[0-9a-f]{17}", first["VpcId"]), "an id in AWS's long format"
    assert second["VpcId"] == first["VpcId"]


def test_a_redshift_description_shows_its_source_record_backup(api: Any) -> None:
    backup = {**S3, "BucketARN": "arn:aws:s3:::raw"}
    create(
        api,
        "RedshiftDestinationConfiguration",
        REDSHIFT,
        S3BackupMode="Enabled",
        S3BackupConfiguration=backup,
    )

    redshift = described(api)["RedshiftDestinationDescription"]
    assert redshift["S3BackupMode"] == "Enabled"
    assert redshift["S3BackupDescription"] == {**S3_DESCRIBED, "BucketARN": "arn:aws:s3:::raw"}


def test_an_update_shows_in_the_next_description(api: Any) -> None:
    create(api, "SplunkDestinationConfiguration", SPLUNK)

    api.update_destination(
        DeliveryStreamName="events",
        CurrentDeliveryStreamVersionId="1",
        DestinationId=DESTINATION_ID,
        SplunkDestinationUpdate={
            "HECAcknowledgmentTimeoutInSeconds": 300,
            "S3Update": {"Prefix": "failed/"},
        },
    )

    splunk = described(api)["SplunkDestinationDescription"]
    assert splunk["HECAcknowledgmentTimeoutInSeconds"] == 300
    assert splunk["S3DestinationDescription"] == {**S3_DESCRIBED, "Prefix": "failed/"}
    assert splunk["HECEndpoint"] == SPLUNK["HECEndpoint"]


@pytest.mark.parametrize(
    ("kind", "config", "due"),
    cases(
        ("SplunkDestinationConfiguration", SPLUNK, 60),
        ("SnowflakeDestinationConfiguration", SNOWFLAKE, 0),
        ("AmazonopensearchserviceDestinationConfiguration", {**SEARCH, "DomainARN": DOMAIN}, 300),
    ),
)
def test_a_buffer_falls_due_after_the_destinations_own_default_interval(
    fake: FirehoseFake, kind: str, config: dict[str, Any], due: int
) -> None:
    stream = fake.firehose.create_delivery_stream("events", **{kind: config})
    client = boto3.client("firehose", region_name="us-east-1")
    # A JSON object: a Snowflake table takes nothing else.
    client.put_record(DeliveryStreamName="events", Record={"Data": b'{"one": 1}\n'})

    if due:
        fake.firehose.clock.advance(seconds=due - 1)
        assert stream.objects == []
    fake.firehose.clock.advance(seconds=1)

    assert [obj.records for obj in stream.objects] == [(b'{"one": 1}\n',)]


def test_redshift_stages_its_objects_in_the_intermediate_bucket(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    staging = {
        **S3,
        "Prefix": "staging/",
        "CompressionFormat": "GZIP",
        "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
    }
    stream = fake.firehose.create_delivery_stream(
        "events",
        RedshiftDestinationConfiguration={
            **REDSHIFT,
            "CopyCommand": {"DataTableName": "events", "CopyOptions": "GZIP"},
            "S3Configuration": staging,
        },
    )
    client = boto3.client("firehose", region_name="us-east-1")
    client.put_record_batch(
        DeliveryStreamName="events", Records=[{"Data": b"a|1\n"}, {"Data": b"b|2\n"}]
    )
    fake.firehose.clock.advance(seconds=60)

    keys = [o["Key"] for o in landing_s3.list_objects_v2(Bucket="landing")["Contents"]]
    keys = [key for key in keys if not key.startswith("staging/manifests/")]
    assert len(keys) == 1
    # Keys as an S3 destination's: prefix, the hour, stream name and version, a time.
    assert re.fullmatch(r"staging/\d{4}/\d\d/\d\d/\d\d/events-1-[-\d]+-[-0-9a-f]+\.gz", keys[0])
    body = landing_s3.get_object(Bucket="landing", Key=keys[0])["Body"].read()

    assert gzip.decompress(body) == b"a|1\nb|2\n"
    assert stream.delivered == [b"a|1\n", b"b|2\n"]


@pytest.mark.parametrize(
    ("staging", "text"),
    [
        ({"ErrorOutputPrefix": "errors/"}, "Ths supplied prefix(es) do not satisfy"),
        ({"Prefix": "!{timestamp:yyyy}/"}, "Ths supplied prefix(es) do not satisfy"),
        ({"CompressionFormat": "Snappy"}, "CompressionFormat Snappy is not supported"),
        ({"CompressionFormat": "ZIP"}, "CompressionFormat ZIP is not supported"),
    ],
)
def test_redshift_refuses_an_intermediate_bucket_copy_could_not_load(
    api: Any, staging: dict[str, Any], text: str
) -> None:
    config = {**REDSHIFT, "S3Configuration": {**S3, **staging}}
    answer = refused(
        api.create_delivery_stream,
        DeliveryStreamName="events",
        RedshiftDestinationConfiguration=config,
    )

    assert answer["Error"]["Code"] == "InvalidArgumentException"
    assert text in answer["Error"]["Message"]
    assert api.list_delivery_streams()["DeliveryStreamNames"] == []


def test_an_update_cannot_give_redshift_an_error_prefix(api: Any) -> None:
    create(api, "RedshiftDestinationConfiguration", REDSHIFT)

    answer = refused(
        api.update_destination,
        DeliveryStreamName="events",
        CurrentDeliveryStreamVersionId="1",
        DestinationId=DESTINATION_ID,
        RedshiftDestinationUpdate={"S3Update": {"ErrorOutputPrefix": "errors/"}},
    )

    assert "ErrorOutputPrefix is currently not supported" in answer["Error"]["Message"]
    assert describe(api)["VersionId"] == "1"


@pytest.mark.parametrize(
    ("kind", "config", "mode", "block"),
    [
        (
            "RedshiftDestinationConfiguration",
            {**REDSHIFT, "S3BackupConfiguration": {**S3, "Prefix": "raw/"}},
            "Enabled",
            "S3BackupConfiguration",
        ),
        (
            "AmazonopensearchserviceDestinationConfiguration",
            {**SEARCH, "DomainARN": DOMAIN, "S3Configuration": {**S3, "Prefix": "raw/"}},
            "AllDocuments",
            "S3Configuration",
        ),
        (
            "SplunkDestinationConfiguration",
            {**SPLUNK, "S3Configuration": {**S3, "Prefix": "raw/"}},
            "AllEvents",
            "S3Configuration",
        ),
    ],
)
def test_backing_up_every_record_writes_each_as_put_to_the_backup_bucket(
    fake: FirehoseFake, kind: str, config: dict[str, Any], mode: str, block: str
) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events", **{kind: {**config, "S3BackupMode": mode}}
    )
    client = boto3.client("firehose", region_name="us-east-1")
    client.put_record_batch(DeliveryStreamName="events", Records=[{"Data": b"a"}, {"Data": b"b"}])

    fake.firehose.clock.advance(timedelta(minutes=5))

    assert stream.source_backup == [b"a", b"b"]
    assert all(obj.key.startswith("raw/") for obj in stream.source_backup_objects)


def test_no_destination_is_reported_as_a_whole(fake: FirehoseFake) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UnmodelledSettingWarning)
        fake.firehose.create_delivery_stream("rs", RedshiftDestinationConfiguration=REDSHIFT)
        fake.firehose.create_delivery_stream("sp", SplunkDestinationConfiguration=SPLUNK)

    # Redshift's COPY (test_redshift_copy.py) and Splunk's events (test_splunk_events.py)
    # are modelled.
    assert [str(w.message) for w in caught] == []


def test_records_a_transformation_fails_are_written_to_the_s3_configuration_bucket(
    fake: FirehoseFake,
    landing_s3: Any,
) -> None:
    fake.firehose.lambda_function(
        "orders-transform",
        answer_each(lambda data: {"result": "ProcessingFailed"} if b"bad" in data else ok(data)),
    )
    stream = fake.firehose.create_delivery_stream(
        "events",
        SplunkDestinationConfiguration={
            **SPLUNK,
            "S3Configuration": {**S3, "Prefix": "splunk/"},
            "ProcessingConfiguration": processing(),
        },
    )
    client = boto3.client("firehose", region_name="us-east-1")
    client.put_record_batch(
        DeliveryStreamName="events", Records=[{"Data": b"good\n"}, {"Data": b"bad\n"}]
    )
    fake.firehose.clock.advance(seconds=60)

    keys = [o["Key"] for o in landing_s3.list_objects_v2(Bucket="landing")["Contents"]]
    body = landing_s3.get_object(Bucket="landing", Key=keys[0])["Body"].read()

    assert stream.delivered == [b"good\n"]
    assert len(keys) == 1
    assert keys[0].startswith("splunk/processing-failed/")
    assert json.loads(body)["errorCode"] == "Lambda.ProcessingFailedStatus"
    assert base64.b64decode(json.loads(body)["rawData"]) == b"bad\n"


RETRY_120 = {"DurationInSeconds": 120}


def _gave_up_lines(s3: Any, prefix: str) -> tuple[str, list[dict[str, Any]]]:
    (listed,) = s3.list_objects_v2(Bucket="landing", Prefix=prefix)["Contents"]
    body = s3.get_object(Bucket="landing", Key=listed["Key"])["Body"].read()
    return listed["Key"], [json.loads(line) for line in body.decode().splitlines()]


@pytest.mark.parametrize(
    ("kind", "config", "folder", "fields"),
    cases(
        (
            "AmazonopensearchserviceDestinationConfiguration",
            {**SEARCH, "DomainARN": DOMAIN},
            "AmazonOpenSearchService-failed",
            ["esDocumentId", "esIndexName", "esTypeName", "rawData"],
        ),
        (
            "AmazonOpenSearchServerlessDestinationConfiguration",
            {**SEARCH, "CollectionEndpoint": "https://abc.us-east-1.aoss.amazonaws.com"},
            "AmazonOpenSearchService-failed",
            ["osDocumentId", "osIndexName", "rawData"],
        ),
        ("SplunkDestinationConfiguration", SPLUNK, "splunk-failed", ["rawData", "EventId"]),
        ("SnowflakeDestinationConfiguration", SNOWFLAKE, "snowflake-failed", ["rawData"]),
        ("IcebergDestinationConfiguration", ICEBERG, "iceberg-failed", ["rawData"]),
    ),
)
def test_a_down_destination_writes_its_failed_records_to_s3_once_its_retries_run_out(
    fake: FirehoseFake,
    kind: str,
    config: dict[str, Any],
    folder: str,
    fields: list[str],
    landing_s3: Any,
) -> None:
    s3_config = {**S3, "Prefix": "fh/"}
    stream = fake.firehose.create_delivery_stream(
        "events",
        **{kind: {**config, "S3Configuration": s3_config, "RetryOptions": RETRY_120}},
    )
    stream.destination_down()
    client = boto3.client("firehose", region_name="us-east-1")
    arrived = fake.firehose.clock.now()
    answer = client.put_record_batch(
        DeliveryStreamName="events", Records=[{"Data": b"a\n"}, {"Data": b"b\n"}]
    )
    fake.firehose.flush()  # the first try, which fails
    fake.firehose.clock.advance(seconds=119)
    assert stream.backed_up == []
    assert stream.pending == [b"a\n", b"b\n"]

    fake.firehose.clock.advance(minutes=15)
    key, lines = _gave_up_lines(landing_s3, "fh/")

    assert stream.backed_up == [b"a\n", b"b\n"]
    assert stream.pending == []
    assert stream.delivered == []
    assert key.startswith(f"fh/{folder}/{arrived:%Y/%m/%d/%H}/events-1-")
    common = ["attemptsMade", "arrivalTimestamp", "errorCode", "errorMessage"]
    assert [list(line) for line in lines] == [[*common, "attemptEndingTimestamp", *fields]] * 2
    assert [base64.b64decode(line["rawData"]) for line in lines] == [b"a\n", b"b\n"]
    ids = [r["RecordId"] for r in answer["RequestResponses"]]
    if "esDocumentId" in fields:
        assert [line["esDocumentId"] for line in lines] == ids
        assert lines[0]["esIndexName"] == f"logs-{arrived:%Y-%m-%d}"
    if "EventId" in fields:
        assert [line["EventId"] for line in lines] == [f"{i}.0" for i in ids]
        assert lines[0]["errorCode"] == "Splunk.ConnectionTimeout"
    assert lines[0]["arrivalTimestamp"] == int(arrived.timestamp() * 1000)


def test_a_destination_back_up_before_its_retries_run_out_gets_the_records(
    fake: FirehoseFake,
) -> None:
    stream = fake.firehose.create_delivery_stream("events", SplunkDestinationConfiguration=SPLUNK)
    stream.destination_down()
    client = boto3.client("firehose", region_name="us-east-1")
    client.put_record(DeliveryStreamName="events", Record={"Data": b"a\n"})
    fake.firehose.clock.advance(minutes=30)  # Splunk retries an hour by default

    stream.destination_up()
    fake.firehose.flush()

    assert stream.backed_up == []
    assert stream.delivered == [b"a\n"]


@pytest.mark.parametrize(
    ("rotation", "suffix"),
    [
        ("NoRotation", ""),
        ("OneHour", "-%Y-%m-%d-%H"),
        ("OneDay", "-%Y-%m-%d"),
        ("OneMonth", "-%Y-%m"),
    ],
)
def test_a_failed_document_names_the_rotated_index_it_was_meant_for(
    fake: FirehoseFake, rotation: str, suffix: str
) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events",
        AmazonopensearchserviceDestinationConfiguration={
            **SEARCH,
            "DomainARN": DOMAIN,
            "IndexRotationPeriod": rotation,
            "RetryOptions": {"DurationInSeconds": 0},  # no retries: given up at once
        },
    )
    stream.destination_down()
    arrived = fake.firehose.clock.now()
    boto3.client("firehose", region_name="us-east-1").put_record(
        DeliveryStreamName="events", Record={"Data": b"a"}
    )
    fake.firehose.flush()

    (obj,) = fake.world.firehose().streams["events"].backed_up
    assert json.loads(obj.body)["esIndexName"] == "logs" + arrived.strftime(suffix)


def test_given_up_records_follow_an_error_output_prefix_with_its_type(fake: FirehoseFake) -> None:
    errors = "errors/!{firehose:error-output-type}/!{timestamp:yyyy}/"
    stream = fake.firehose.create_delivery_stream(
        "events",
        SplunkDestinationConfiguration={
            **SPLUNK,
            "S3Configuration": {**S3, "ErrorOutputPrefix": errors, "CompressionFormat": "GZIP"},
            "RetryOptions": {"DurationInSeconds": 0},
        },
    )
    stream.destination_down()
    arrived = fake.firehose.clock.now()
    boto3.client("firehose", region_name="us-east-1").put_record(
        DeliveryStreamName="events", Record={"Data": b"a"}
    )
    fake.firehose.flush()

    (obj,) = fake.world.firehose().streams["events"].backed_up
    assert obj.key.startswith(f"errors/splunk-failed/{arrived:%Y}/events-1-")
    assert obj.key.endswith(".gz")
    assert json.loads(gzip.decompress(obj.body))["errorCode"] == "Splunk.ConnectionTimeout"


def test_failed_records_the_backup_bucket_refuses_stay_pending_until_it_takes_them(
    fake: FirehoseFake,
) -> None:
    with mock_aws():
        stream = fake.firehose.create_delivery_stream(
            "events",
            SplunkDestinationConfiguration={**SPLUNK, "RetryOptions": RETRY_120},
        )
        stream.destination_down()
        client = boto3.client("firehose", region_name="us-east-1")
        client.put_record(DeliveryStreamName="events", Record={"Data": b"a\n"})
        fake.firehose.flush()
        fake.firehose.clock.advance(minutes=30)  # no bucket "landing" yet
        assert stream.backed_up == []
        assert stream.pending == [b"a\n"]

        s3 = landing_bucket()
        fake.firehose.clock.advance(minutes=15)  # the next retry, at most 15 minutes on
        _, [line] = _gave_up_lines(s3, "")

    assert stream.backed_up == [b"a\n"]
    assert stream.pending == []
    assert base64.b64decode(line["rawData"]) == b"a\n"
