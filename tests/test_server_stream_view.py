"""``GET /_fake/streams/{name}``: what a test in another language reads of a delivery
stream, the same as a Python test reads on its handle."""

from __future__ import annotations

import base64
import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import responses
from conftest import BUCKET, REGION, ROLE, server_client

from pytest_firehose._doors.server import FirehoseServer
from pytest_firehose._engine.world import World

URL = "https://collector.example.com/in"
PARTITIONED = {
    "RoleARN": ROLE,
    "BucketARN": BUCKET,
    "Prefix": "customer=!{partitionKeyFromQuery:customer}/",
    "ErrorOutputPrefix": "errors/!{firehose:error-output-type}/",
    "BufferingHints": {"SizeInMBs": 64, "IntervalInSeconds": 60},
    "DynamicPartitioningConfiguration": {"Enabled": True},
    "ProcessingConfiguration": {
        "Enabled": True,
        "Processors": [
            {
                "Type": "MetadataExtraction",
                "Parameters": [
                    {
                        "ParameterName": "MetadataExtractionQuery",
                        "ParameterValue": "{customer: .customer}",
                    },
                    {"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-1.6"},
                ],
            }
        ],
    },
    "S3BackupMode": "Enabled",
    "S3BackupConfiguration": {"RoleARN": ROLE, "BucketARN": BUCKET, "Prefix": "source/"},
}


@pytest.fixture
def served() -> Iterator[FirehoseServer]:
    with FirehoseServer(World(region=REGION)) as server:
        yield server


def shown(server: FirehoseServer, name: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{server.url}/_fake/streams/{name}", timeout=10) as answer:
        view: dict[str, Any] = json.loads(answer.read())
    return view


def firehose(server: FirehoseServer) -> Any:
    return server_client(server)


def broken_endpoint(request: Any) -> Any:
    raise ValueError("the endpoint's mock is broken")


def decoded(payloads: list[str]) -> list[bytes]:
    return [base64.b64decode(payload) for payload in payloads]


def test_a_stream_shows_its_failed_records_backups_and_error_output(
    served: FirehoseServer,
) -> None:
    stream = served.firehose.create_delivery_stream(
        "events", ExtendedS3DestinationConfiguration=PARTITIONED
    )
    firehose(served).put_record_batch(
        DeliveryStreamName="events",
        Records=[{"Data": b"plain text"}, {"Data": b'{"customer": "a"}'}],
    )
    stream.flush()

    view = shown(served, "events")

    assert view["arn"] == stream.arn
    assert decoded(view["partitioning_failed"]) == [b"plain text"] == stream.partitioning_failed
    assert decoded(view["source_backup"]) == [b"plain text", b'{"customer": "a"}']
    assert [obj["key"] for obj in view["source_backup_objects"]] == [
        obj.key for obj in stream.source_backup_objects
    ]
    (error_object,) = view["error_objects"]
    assert error_object["key"].startswith("errors/partitioning-failed/")
    assert base64.b64decode(error_object["body"]) == stream.error_objects[0].body
    for empty in (
        "refused",
        "dropped",
        "processing_failed",
        "decompression_failed",
        "conversion_failed",
        "delivery_errors",
    ):
        assert view[empty] == []


def test_a_destination_error_is_shown_with_its_delivery(served: FirehoseServer) -> None:
    stream = served.firehose.create_delivery_stream(
        "events",
        HttpEndpointDestinationConfiguration={
            "EndpointConfiguration": {"Url": URL},
            "S3Configuration": {"RoleARN": ROLE, "BucketARN": BUCKET},
        },
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as endpoint:
        endpoint.add_callback(responses.POST, URL, callback=broken_endpoint)
        firehose(served).put_record(DeliveryStreamName="events", Record={"Data": b"a"})
        stream.flush()

    (error,) = shown(served, "events")["delivery_errors"]
    (raised,) = stream.delivery_errors
    assert error == {
        "at": raised.at.isoformat(),
        "delivery_id": raised.delivery_id,
        "records": 1,
        "error": "ValueError: the endpoint's mock is broken",
    }


def test_a_glue_table_nobody_registered_is_shown_with_the_route_that_registers_it(
    served: FirehoseServer,
) -> None:
    # The delivery error advised firehose.glue_table('web', 'clicks', ...), a Python call
    # a client of the server cannot make; a Python test still reads that call.
    conversion = {
        "SchemaConfiguration": {"RoleARN": ROLE, "DatabaseName": "web", "TableName": "clicks"},
        "InputFormatConfiguration": {"Deserializer": {"OpenXJsonSerDe": {}}},
        "OutputFormatConfiguration": {"Serializer": {"ParquetSerDe": {}}},
    }
    stream = served.firehose.create_delivery_stream(
        "events",
        ExtendedS3DestinationConfiguration={
            "RoleARN": ROLE,
            "BucketARN": BUCKET,
            "BufferingHints": {"SizeInMBs": 64},
            "DataFormatConversionConfiguration": conversion,
        },
    )
    firehose(served).put_record(DeliveryStreamName="events", Record={"Data": b'{"id": 1}'})
    stream.flush()

    (error,) = shown(served, "events")["delivery_errors"]
    assert error["error"] == (
        'UsageError: record format conversion of "events" reads the Glue table web.clicks, '
        "which no test registered: register it with POST /_fake/glue, e.g. "
        '{"database": "web", "table": "clicks", "columns": {"id": "bigint"}}'
    )
    (raised,) = stream.delivery_errors
    assert str(raised.error) == (
        "record format conversion of 'events' reads the Glue table web.clicks, which no test "
        "registered: register it with firehose.glue_table('web', 'clicks', "
        "{'column': 'type', ...}) or create it in moto's Glue under mock_aws"
    )
