"""A destination that raises an error of its own (not a refused delivery) loses no record:
the batch stays pending and is retried, and the error is shown to the test."""

from __future__ import annotations

import json
from typing import Any

import pytest
import responses

from pytest_firehose import FirehoseFake

URL = "https://collector.example.com/firehose"
S3 = {"RoleARN": "arn:aws:iam::123456789012:role/firehose", "BucketARN": "arn:aws:s3:::bucket"}


def broken_endpoint(request: Any) -> Any:
    raise ValueError("the endpoint's mock is broken")


def working_endpoint(request: Any) -> tuple[int, dict[str, str], str]:
    request_id = request.headers["X-Amz-Firehose-Request-Id"]
    return 200, {}, json.dumps({"requestId": request_id, "timestamp": 1578090903599})


@pytest.fixture
def stream(fake: FirehoseFake) -> Any:
    return fake.firehose.create_delivery_stream(
        "events",
        HttpEndpointDestinationConfiguration={
            "EndpointConfiguration": {"Url": URL},
            "BufferingHints": {"IntervalInSeconds": 60},
            "S3Configuration": S3,
        },
    )


def test_records_stay_pending_when_the_destination_raises(fake, client, stream):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as endpoint:
        endpoint.add_callback(responses.POST, URL, callback=broken_endpoint)
        client.put_record(DeliveryStreamName="events", Record={"Data": b"a"})
        stream.flush()

        assert (stream.pending, stream.delivered, stream.expired) == ([b"a"], [], [])
        (error,) = stream.delivery_errors
        assert "ValueError: the endpoint's mock is broken" in str(error)

        endpoint.replace(
            responses.CallbackResponse(
                responses.POST, URL, callback=working_endpoint, content_type="application/json"
            )
        )
        stream.flush()
    assert (stream.pending, stream.delivered) == ([], [b"a"])


def test_the_failure_report_and_assert_delivered_show_the_error(fake, client, stream):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as endpoint:
        endpoint.add_callback(responses.POST, URL, callback=broken_endpoint)
        client.put_record(DeliveryStreamName="events", Record={"Data": b"a"})

        with pytest.raises(AssertionError, match="delivery errors") as failed:
            stream.assert_delivered([b"a"])
    assert "ValueError: the endpoint's mock is broken" in str(failed.value)
    report = fake.failure_report()
    assert "delivery errors (the records stayed pending)" in report
    assert "ValueError: the endpoint's mock is broken" in report
