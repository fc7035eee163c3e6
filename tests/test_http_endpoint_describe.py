"""What DescribeDeliveryStream shows of an HTTP endpoint delivery stream, and how
UpdateDestination changes one: every answer checked against botocore's output shape, so a
member AWS never returns (the endpoint's access key) cannot slip into a description."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import S3, describe, refused

URL = "https://collector.example.com/firehose"
ENDPOINT = {"Url": URL, "Name": "collector", "AccessKey": "secret-key"}


def destination(api: Any) -> dict[str, Any]:
    described: dict[str, Any] = describe(api)["Destinations"][0]
    return described


def create_http(api: Any, **extra: Any) -> None:
    api.create_delivery_stream(
        DeliveryStreamName="events",
        HttpEndpointDestinationConfiguration={
            "EndpointConfiguration": ENDPOINT,
            "S3Configuration": S3,
            **extra,
        },
    )


def test_an_http_endpoint_is_described_with_its_defaults_and_without_its_access_key(api):
    create_http(api)

    described = destination(api)["HttpEndpointDestinationDescription"]

    assert described["EndpointConfiguration"] == {"Url": URL, "Name": "collector"}
    assert described["BufferingHints"] == {"SizeInMBs": 5, "IntervalInSeconds": 300}
    assert described["RequestConfiguration"] == {"ContentEncoding": "NONE"}
    assert described["RetryOptions"] == {"DurationInSeconds": 300}
    assert described["S3BackupMode"] == "FailedDataOnly"
    assert described["S3DestinationDescription"]["BucketARN"] == S3["BucketARN"]
    assert "secret-key" not in repr(describe(api))


def test_empty_retry_options_are_described_with_the_default_duration(api):
    create_http(api, RetryOptions={})

    described = destination(api)["HttpEndpointDestinationDescription"]

    assert described["RetryOptions"] == {"DurationInSeconds": 300}


def test_an_http_endpoint_keeps_what_was_configured_and_fills_its_processor(api):
    lambda_arn = "arn:aws:lambda:us-east-1:123456789012:function:enrich"
    create_http(
        api,
        RoleARN=S3["RoleARN"],
        BufferingHints={"SizeInMBs": 1},
        RequestConfiguration={"ContentEncoding": "GZIP"},
        RetryOptions={"DurationInSeconds": 60},
        S3BackupMode="FailedDataOnly",
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

    described = destination(api)["HttpEndpointDestinationDescription"]

    assert described["BufferingHints"] == {"SizeInMBs": 1, "IntervalInSeconds": 300}
    assert described["RequestConfiguration"] == {"ContentEncoding": "GZIP"}
    assert described["RetryOptions"] == {"DurationInSeconds": 60}
    assert described["RoleARN"] == S3["RoleARN"]
    parameters = described["ProcessingConfiguration"]["Processors"][0]["Parameters"]
    assert [p["ParameterName"] for p in parameters] == [
        "LambdaArn",
        "NumberOfRetries",
        "RoleArn",
        "BufferSizeInMBs",
        "BufferIntervalInSeconds",
    ]


def test_an_update_of_the_endpoint_merges_into_it(api):
    create_http(api)
    version = describe(api)["VersionId"]

    api.update_destination(
        DeliveryStreamName="events",
        CurrentDeliveryStreamVersionId=version,
        DestinationId="destinationId-000000000001",
        HttpEndpointDestinationUpdate={
            "EndpointConfiguration": {"Url": "https://other.example.com/in"},
            "RetryOptions": {"DurationInSeconds": 30},
        },
    )

    described = destination(api)["HttpEndpointDestinationDescription"]
    assert described["EndpointConfiguration"] == {
        "Url": "https://other.example.com/in",
        "Name": "collector",
    }
    assert described["RetryOptions"] == {"DurationInSeconds": 30}
    assert described["S3DestinationDescription"]["BucketARN"] == S3["BucketARN"]


@pytest.mark.parametrize(
    ("update", "missing"),
    [
        ({"S3Update": S3}, "EndpointConfiguration"),
        ({"EndpointConfiguration": {"Url": URL}}, "S3Update"),
    ],
)
def test_switching_to_an_http_endpoint_needs_what_it_requires(api, update, missing):
    api.create_delivery_stream(DeliveryStreamName="events", ExtendedS3DestinationConfiguration=S3)
    version = describe(api)["VersionId"]

    answer = refused(
        api.update_destination,
        DeliveryStreamName="events",
        CurrentDeliveryStreamVersionId=version,
        DestinationId="destinationId-000000000001",
        HttpEndpointDestinationUpdate=update,
    )

    assert answer["Error"]["Code"] == "InvalidArgumentException"
    assert answer["Error"]["Message"] == (
        f"{missing} must be specified when changing the destination to HttpEndpointDestination."
    )
    assert "ExtendedS3DestinationDescription" in destination(api)
