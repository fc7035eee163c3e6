"""A Snowflake destination's table: the row each record becomes under each
``DataLoadingOption`` (the JSON object's keys; the record in the content column; and the
record's source in the metadata column, for a record put and for one read from Kinesis), a
record that is no JSON object written at once to ``snowflake-failed/`` with
``Snowflake.InvalidInput`` while the rest of its batch is loaded, refusals and outages as
before, the columns CreateDeliveryStream requires, and the rows on the control API."""

from __future__ import annotations

import http.client
import json
import warnings
from datetime import timedelta
from typing import Any

import boto3
import pytest
from conftest import needs_botocore, put, reading_kinesis, refused
from test_other_destinations import SNOWFLAKE

from pytest_firehose import FirehoseFake, UnmodelledSettingWarning
from pytest_firehose._doors.server import FirehoseServer

pytestmark = needs_botocore("firehose CreateDeliveryStream.SnowflakeDestinationConfiguration")

CONTENT = {"DataLoadingOption": "VARIANT_CONTENT_MAPPING", "ContentColumnName": "RECORD"}
WITH_METADATA = {
    "DataLoadingOption": "VARIANT_CONTENT_AND_METADATA_MAPPING",
    "ContentColumnName": "RECORD",
    "MetaDataColumnName": "RECORD_METADATA",
}


def snowflake(fake: FirehoseFake, **options: Any) -> Any:
    """Delivery stream ``events`` to the Snowflake table, with ``options`` (its members)."""
    return fake.firehose.create_delivery_stream(
        "events", SnowflakeDestinationConfiguration={**SNOWFLAKE, **options}
    )


def failed_lines(s3: Any) -> list[dict[str, Any]]:
    lines = []
    for listed in s3.list_objects_v2(Bucket="landing", Prefix="snowflake-failed/")["Contents"]:
        body = s3.get_object(Bucket="landing", Key=listed["Key"])["Body"].read()
        lines += [json.loads(line) for line in body.decode().splitlines()]
    return lines


def test_json_mapping_loads_each_json_object_as_a_row_of_its_keys(
    fake: FirehoseFake, client: Any
) -> None:
    stream = snowflake(fake)
    put(client, b'{"id": 1, "tags": ["a"], "who": {"n": null}}\n', b'{"ID": 2.5, "ok": true}')
    fake.firehose.flush()

    # JSON_MAPPING is the default option; values keep their JSON types.
    assert stream.rows == [
        {"id": 1, "tags": ["a"], "who": {"n": None}},
        {"ID": 2.5, "ok": True},
    ]
    assert stream.delivered == [
        b'{"id": 1, "tags": ["a"], "who": {"n": null}}\n',
        b'{"ID": 2.5, "ok": true}',
    ]
    assert stream.backed_up == []


def test_variant_content_mapping_puts_the_record_in_the_content_column(
    fake: FirehoseFake, client: Any
) -> None:
    stream = snowflake(fake, **CONTENT)
    put(client, b'{"id": 1, "page": "/"}')
    fake.firehose.flush()

    assert stream.rows == [{"RECORD": {"id": 1, "page": "/"}}]


def test_the_metadata_column_names_the_stream_and_ingestion_time_of_a_record_put(
    fake: FirehoseFake, client: Any
) -> None:
    stream = snowflake(fake, **WITH_METADATA)
    put(client, b'{"id": 1}')
    arrived = stream.records[0].arrived_at
    fake.firehose.clock.advance(seconds=5)
    fake.firehose.flush()

    assert stream.rows == [
        {
            "RECORD": {"id": 1},
            "RECORD_METADATA": {
                "firehoseDeliveryStreamName": "events",
                "IngestionTime": int(arrived.timestamp() * 1000),
            },
        }
    ]


@pytest.fixture
def from_clicks(fake: FirehoseFake) -> Any:
    """Delivery stream ``events``, loading the Snowflake table with metadata from the
    one-shard Kinesis stream ``clicks``, 5 seconds after it was created."""
    fake.kinesis.create_stream("clicks", shard_count=1)
    stream = reading_kinesis(
        fake, source="clicks", SnowflakeDestinationConfiguration={**SNOWFLAKE, **WITH_METADATA}
    )
    fake.firehose.clock.advance(seconds=5)
    return stream


def test_the_metadata_column_of_a_record_read_from_kinesis_names_its_shard_and_sequence(
    fake: FirehoseFake, from_clicks: Any
) -> None:
    kinesis = boto3.client("kinesis", region_name="us-east-1")
    answer = kinesis.put_record(StreamName="clicks", Data=b'{"id": 7}', PartitionKey="user-7")
    fake.firehose.clock.advance(seconds=1)
    fake.firehose.flush()

    [read] = fake.kinesis["clicks"].records
    assert from_clicks.rows == [
        {
            "RECORD": {"id": 7},
            "RECORD_METADATA": {
                "kinesisStreamName": "clicks",
                "kinesisShardId": answer["ShardId"],
                "kinesisPartitionKey": "user-7",
                "kinesisSequenceNumber": answer["SequenceNumber"],
                "subsequenceNumber": "0",
                "IngestionTime": int(read.arrived_at.timestamp() * 1000),
            },
        }
    ]


def test_a_record_read_from_kinesis_keeps_its_metadata_across_an_update_destination(
    fake: FirehoseFake, from_clicks: Any
) -> None:
    from_clicks.destination_down()
    kinesis = boto3.client("kinesis", region_name="us-east-1")
    kinesis.put_record(StreamName="clicks", Data=b'{"id": 7}', PartitionKey="user-7")
    fake.firehose.clock.advance(seconds=1)
    firehose = boto3.client("firehose", region_name="us-east-1")
    firehose.update_destination(
        DeliveryStreamName="events",
        CurrentDeliveryStreamVersionId="1",
        DestinationId="destinationId-000000000001",
        SnowflakeDestinationUpdate={"Table": "CLICKS_V2"},
    )
    from_clicks.destination_up()
    fake.firehose.flush()

    [row] = from_clicks.rows
    assert row["RECORD_METADATA"]["kinesisPartitionKey"] == "user-7"


def test_records_that_are_no_json_object_go_to_the_bucket_at_once_and_the_rest_load(
    fake: FirehoseFake, client: Any, landing_s3: Any
) -> None:
    stream = snowflake(fake, **CONTENT)
    bad = [b"not json", b"[1, 2]", b'{"a": 1}{"b": 2}', b"\xff{}", b'{"a": NaN}', b"7"]
    put(client, bad[0], b'{"id": 1}', *bad[1:], "{}".encode("utf-16"))
    fake.firehose.flush()
    lines = failed_lines(landing_s3)

    assert stream.rows == [{"RECORD": {"id": 1}}]
    assert stream.delivered == [b'{"id": 1}']
    assert stream.backed_up == [*bad, "{}".encode("utf-16")]
    assert stream.pending == []
    assert {line["errorCode"] for line in lines} == {"Snowflake.InvalidInput"}
    assert [line["attemptsMade"] for line in lines] == [1] * 7
    assert lines[0]["errorMessage"] == "The record is not a single JSON object."
    assert lines[0]["rawData"] == "bm90IGpzb24="


def test_without_a_bucket_mocked_the_failed_rows_are_kept_in_memory(
    fake: FirehoseFake, client: Any
) -> None:
    stream = snowflake(fake)
    put(client, b"oops", b'{"id": 1}')
    fake.firehose.flush()

    assert stream.backed_up == [b"oops"]
    assert stream.rows == [{"id": 1}]


def test_refused_rows_and_rows_that_are_no_json_each_name_their_own_code(
    fake: FirehoseFake, client: Any, landing_s3: Any
) -> None:
    stream = snowflake(fake)
    stream.destination_refuses(lambda record: b"extra" in record, error="Snowflake.ExtraColumns")
    put(client, b'{"extra": 1}', b"bad", b'{"id": 2}')
    fake.firehose.flush()
    lines = failed_lines(landing_s3)

    assert stream.rows == [{"id": 2}]
    assert [(line["rawData"], line["errorCode"]) for line in lines] == [
        ("eyJleHRyYSI6IDF9", "Snowflake.ExtraColumns"),
        ("YmFk", "Snowflake.InvalidInput"),
    ]


def test_a_table_down_retries_then_gives_up_and_loads_what_comes_once_it_is_back(
    fake: FirehoseFake, client: Any
) -> None:
    stream = snowflake(fake, RetryOptions={"DurationInSeconds": 60})
    stream.destination_down()
    put(client, b'{"id": 1}')
    fake.firehose.clock.advance(seconds=30)
    assert stream.rows == []
    assert stream.pending == [b'{"id": 1}']
    fake.firehose.clock.advance(seconds=60)
    assert stream.backed_up == [b'{"id": 1}']

    stream.destination_up()
    put(client, b'{"id": 2}')
    fake.firehose.flush()
    assert stream.rows == [{"id": 2}]


def test_a_snowflake_destination_is_not_reported_as_unmodelled(fake: FirehoseFake) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnmodelledSettingWarning)
        snowflake(
            fake,
            SnowflakeRoleConfiguration={"Enabled": True, "SnowflakeRole": "LOADER"},
            **WITH_METADATA,
        )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"DataLoadingOption": "VARIANT_CONTENT_MAPPING"},
            "ContentColumnName is required when DataLoadingOption is VARIANT_CONTENT_MAPPING.",
        ),
        (
            {**WITH_METADATA, "MetaDataColumnName": None},
            "MetaDataColumnName is required when DataLoadingOption is "
            "VARIANT_CONTENT_AND_METADATA_MAPPING.",
        ),
        (
            {"ContentColumnName": "RECORD"},
            "ContentColumnName cannot be specified when DataLoadingOption is JSON_MAPPING.",
        ),
        (
            {**CONTENT, "MetaDataColumnName": "META"},
            "MetaDataColumnName can only be specified when DataLoadingOption is "
            "VARIANT_CONTENT_AND_METADATA_MAPPING.",
        ),
    ],
)
def test_create_refuses_columns_the_data_loading_option_does_not_fit(
    fake: FirehoseFake, client: Any, options: dict[str, Any], message: str
) -> None:
    config = {k: v for k, v in {**SNOWFLAKE, **options}.items() if v is not None}
    answer = refused(
        client.create_delivery_stream,
        DeliveryStreamName="events",
        SnowflakeDestinationConfiguration=config,
    )

    assert answer["Error"] == {"Code": "InvalidArgumentException", "Message": message}
    assert client.list_delivery_streams()["DeliveryStreamNames"] == []


def test_update_destination_changes_how_the_next_records_are_mapped(
    fake: FirehoseFake, client: Any
) -> None:
    stream = snowflake(fake)
    put(client, b'{"id": 1}')
    fake.firehose.flush()
    version = client.describe_delivery_stream(DeliveryStreamName="events")[
        "DeliveryStreamDescription"
    ]["VersionId"]
    client.update_destination(
        DeliveryStreamName="events",
        CurrentDeliveryStreamVersionId=version,
        DestinationId="destinationId-000000000001",
        SnowflakeDestinationUpdate=CONTENT,
    )
    put(client, b'{"id": 2}')
    fake.firehose.flush()

    assert stream.rows == [{"id": 1}, {"RECORD": {"id": 2}}]


def test_the_control_api_shows_the_rows_the_table_received() -> None:
    with FirehoseFake() as fake, FirehoseServer(fake.world) as server:
        snowflake(fake, **CONTENT)
        client = boto3.client("firehose", region_name="us-east-1")
        put(client, b'{"id": 1}')
        fake.firehose.clock.advance(timedelta(seconds=1))
        connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
        try:
            connection.request("GET", "/_fake/streams/events")
            shown = json.loads(connection.getresponse().read())
        finally:
            connection.close()

    assert shown["rows"] == [{"RECORD": {"id": 1}}]
