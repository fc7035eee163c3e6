"""The AppendDelimiterToRecord processor: a newline after each record, after the Lambda
processor when there is one, before the destination's buffer."""

from __future__ import annotations

import base64
import json
import warnings
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import responses
from conftest import REGION, S3, describe, put

from pytest_firehose import FirehoseFake, UnmodelledSettingWarning

APPEND = {"Type": "AppendDelimiterToRecord"}
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:upper"
LAMBDA = {
    "Type": "Lambda",
    "Parameters": [{"ParameterName": "LambdaArn", "ParameterValue": FUNCTION}],
}


@pytest.fixture
def no_warnings() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def create(client: Any, *processors: dict[str, Any]) -> None:
    client.create_delivery_stream(
        DeliveryStreamName="events",
        ExtendedS3DestinationConfiguration={
            **S3,
            "ProcessingConfiguration": {"Enabled": True, "Processors": list(processors)},
        },
    )


def upper(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {
        "records": [
            {
                "recordId": record["recordId"],
                "result": "Ok",
                "data": base64.b64encode(base64.b64decode(record["data"]).upper()).decode(),
            }
            for record in event["records"]
        ]
    }


def test_each_record_ends_with_a_newline(
    fake: FirehoseFake, client: Any, no_warnings: None
) -> None:
    create(client, APPEND)
    put(client, b'{"a":1}', b'{"a":2}')
    stream = fake.firehose["events"]
    stream.flush()

    [obj] = stream.objects
    assert obj.body == b'{"a":1}\n{"a":2}\n'
    assert [r.data for r in stream.records] == [b'{"a":1}', b'{"a":2}']
    assert stream.pending == []


def test_the_newline_follows_the_transformation(
    fake: FirehoseFake, client: Any, no_warnings: None
) -> None:
    fake.firehose.lambda_function(FUNCTION, upper)
    create(client, LAMBDA, APPEND)
    put(client, b"a", b"b")
    stream = fake.firehose["events"]
    stream.flush()

    [obj] = stream.objects
    assert obj.body == b"A\nB\n"


def test_the_buffer_size_counts_the_newlines(fake: FirehoseFake, client: Any) -> None:
    client.create_delivery_stream(
        DeliveryStreamName="events",
        ExtendedS3DestinationConfiguration={
            **S3,
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 900},
            "ProcessingConfiguration": {"Enabled": True, "Processors": [APPEND]},
        },
    )
    # 1 MiB exactly once each record has its newline, and not before.
    record = b"x" * (1024 * 1024 // 4 - 1)
    put(client, record, record, record, record)
    assert len(fake.firehose["events"].objects) == 1


def test_described_as_given(fake: FirehoseFake, client: Any) -> None:
    create(client, APPEND)
    described = describe(client)["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert described["ProcessingConfiguration"] == {"Enabled": True, "Processors": [APPEND]}


def test_a_disabled_configuration_adds_nothing(fake: FirehoseFake, client: Any) -> None:
    client.create_delivery_stream(
        DeliveryStreamName="events",
        ExtendedS3DestinationConfiguration={
            **S3,
            "ProcessingConfiguration": {"Enabled": False, "Processors": [APPEND]},
        },
    )
    put(client, b"a")
    fake.firehose["events"].flush()
    assert fake.firehose["events"].objects[0].body == b"a"


def test_the_newline_delimiter_parameter_is_run_as_the_newline(
    fake: FirehoseFake, client: Any, no_warnings: None
) -> None:
    """``\\n``, the two characters, as CloudFormation templates give it."""
    newline = {**APPEND, "Parameters": [{"ParameterName": "Delimiter", "ParameterValue": "\\n"}]}
    create(client, newline)
    put(client, b"a", b"b")
    fake.firehose["events"].flush()
    assert fake.firehose["events"].objects[0].body == b"a\nb\n"


def test_with_parameters_it_is_reported_and_not_run(fake: FirehoseFake, client: Any) -> None:
    custom = {**APPEND, "Parameters": [{"ParameterName": "Delimiter", "ParameterValue": "Cg=="}]}
    with pytest.warns(UnmodelledSettingWarning, match="AppendDelimiterToRecord"):
        create(client, custom)
    put(client, b"a")
    fake.firehose["events"].flush()
    assert fake.firehose["events"].objects[0].body == b"a"


def test_the_http_endpoint_gets_the_newline_too(fake: FirehoseFake, client: Any) -> None:
    url = "https://collector.example.com/in"
    with responses.RequestsMock() as endpoint:
        endpoint.add(responses.POST, url)
        boto3.client("firehose", region_name=REGION).create_delivery_stream(
            DeliveryStreamName="events",
            HttpEndpointDestinationConfiguration={
                "EndpointConfiguration": {"Url": url},
                "S3Configuration": S3,
                "ProcessingConfiguration": {"Enabled": True, "Processors": [APPEND]},
            },
        )
        put(client, b"a")
        fake.firehose["events"].flush()
        body = json.loads(endpoint.calls[0].request.body)
        assert [base64.b64decode(r["data"]) for r in body["records"]] == [b"a\n"]
