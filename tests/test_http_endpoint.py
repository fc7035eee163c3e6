"""HTTP endpoint destinations: the request Firehose sends, retries on the fake clock, and the
S3 backup once the endpoint has failed for longer than RetryOptions.DurationInSeconds.

``responses`` plays the endpoint; nothing leaves the process."""

from __future__ import annotations

import base64
import gzip
import json
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import boto3
import pytest
import requests
import responses
from conftest import S3, put
from moto import mock_aws

from pytest_firehose import FirehoseFake
from pytest_firehose._errors import UsageError

URL = "https://collector.example.com/firehose"
ENDPOINT = {"Url": URL, "Name": "collector", "AccessKey": "secret-key"}
ARN = "arn:aws:firehose:us-east-1:123456789012:deliverystream/events"


def ms(at: datetime) -> int:
    return int((at - datetime(1970, 1, 1, tzinfo=timezone.utc)).total_seconds() * 1000)


def create(client: Any, **extra: Any) -> None:
    client.create_delivery_stream(
        DeliveryStreamName="events",
        HttpEndpointDestinationConfiguration={
            "EndpointConfiguration": ENDPOINT,
            "BufferingHints": {"IntervalInSeconds": 60},
            "RetryOptions": {"DurationInSeconds": 120},
            "S3Configuration": {**S3, "ErrorOutputPrefix": "failed/"},
            **extra,
        },
    )


def backups(fake: FirehoseFake) -> list[Any]:
    return fake.world.firehose().streams["events"].backed_up


@pytest.fixture
def endpoint() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def test_sends_the_spec_request(fake, client, endpoint):
    endpoint.add(responses.POST, URL, json={"requestId": "x", "timestamp": 0})
    create(client)
    put(client, b"a\n", b"bc\n")
    stream = fake.firehose["events"]
    fake.firehose.clock.advance(seconds=59)
    assert len(endpoint.calls) == 0
    assert stream.pending == [b"a\n", b"bc\n"]
    fake.firehose.clock.advance(seconds=1)
    assert stream.delivered == [b"a\n", b"bc\n"]
    [call] = endpoint.calls
    request = call.request
    body = json.loads(request.body)
    assert request.method == "POST"
    assert request.url == URL
    assert {k: v for k, v in request.headers.items() if k != "Content-Length"} == {
        "X-Amz-Firehose-Protocol-Version": "1.0",
        "X-Amz-Firehose-Request-Id": body["requestId"],
        "Content-Type": "application/json",
        "X-Amz-Firehose-Source-Arn": ARN,
        "X-Amz-Firehose-Access-Key": "secret-key",
    }
    arrived = stream.records[0].arrived_at
    assert body == {
        "requestId": body["requestId"],
        "timestamp": ms(arrived) + 60_000,
        "records": [{"data": "YQo="}, {"data": "YmMK"}],
    }
    assert len(body["requestId"]) == 36
    assert body["requestId"][14] == "4"
    assert stream.pending == []
    assert stream.backed_up == []
    assert stream.expired == []


def test_gzip_and_common_attributes(fake, client, endpoint):
    endpoint.add(responses.POST, URL)
    attributes = [{"AttributeName": "env", "AttributeValue": "test"}]
    create(
        client,
        EndpointConfiguration={"Url": URL},
        RequestConfiguration={"ContentEncoding": "GZIP", "CommonAttributes": attributes},
    )
    put(client, b"x")
    fake.firehose.clock.advance(seconds=60)
    assert fake.firehose["events"].delivered == [b"x"]
    request = endpoint.calls[0].request
    assert request.headers["Content-Encoding"] == "gzip"
    assert "X-Amz-Firehose-Access-Key" not in request.headers
    assert json.loads(request.headers["X-Amz-Firehose-Common-Attributes"]) == {
        "commonAttributes": {"env": "test"}
    }
    assert json.loads(gzip.decompress(request.body))["records"] == [{"data": "eA=="}]


def test_retries_a_failed_delivery_with_the_same_request_id(fake, client, endpoint):
    endpoint.add(responses.POST, URL, status=500, json={"errorMessage": "busy"})
    endpoint.add(responses.POST, URL, status=200)
    create(client)
    put(client, b"a", b"b")
    fake.firehose.clock.advance(seconds=61)
    stream = fake.firehose["events"]
    assert stream.delivered == [b"a", b"b"]
    assert len(stream.objects) == 1
    first, second = (json.loads(call.request.body) for call in endpoint.calls)
    ids = {call.request.headers["X-Amz-Firehose-Request-Id"] for call in endpoint.calls}
    assert ids == {first["requestId"]} == {second["requestId"]}
    assert second["timestamp"] - first["timestamp"] == 1000
    assert stream.pending == []
    assert stream.backed_up == []


def test_a_new_batch_with_the_same_payloads_gets_a_new_request_id(fake, client, endpoint):
    endpoint.add(responses.POST, URL)
    create(client)
    put(client, b"same")
    fake.firehose.clock.advance(seconds=60)
    put(client, b"same")
    fake.firehose.clock.advance(seconds=60)
    assert fake.firehose["events"].delivered == [b"same", b"same"]
    ids = [call.request.headers["X-Amz-Firehose-Request-Id"] for call in endpoint.calls]
    assert len(set(ids)) == 2


def assert_backed_up(fake, payloads, code, attempts):
    stream = fake.firehose["events"]
    assert stream.backed_up == payloads
    assert stream.pending == []
    assert stream.expired == []
    assert stream.delivered == []
    [backup] = backups(fake)
    arrived = stream.records[0].arrived_at
    assert backup.key.startswith(f"failed/http-endpoint-failed/{arrived:%Y/%m/%d/%H}/events-1-")
    lines = [json.loads(line) for line in backup.body.decode().splitlines()]
    assert [base64.b64decode(line["rawData"]) for line in lines] == payloads
    assert [line["dataId"] for line in lines] == [r.record_id for r in stream.records]
    for line in lines:
        assert line["errorCode"] == code
        assert line["attemptsMade"] == attempts
        assert line["subsequenceNumber"] == 0
        assert line["arrivalTimestamp"] == ms(arrived)
        # Attempts at 60, 61, 63, 67, 75, 91, 123 and 187 s: 127 s after the first try.
        assert line["attemptEndingTimestamp"] == ms(arrived) + 187_000
    return backup, lines


def test_backs_up_after_the_retry_duration(fake, client, endpoint):
    endpoint.add(responses.POST, URL, status=503, body="down for maintenance")
    create(client)
    put(client, b"a", b"b")
    fake.firehose.clock.advance(seconds=186)
    assert fake.firehose["events"].pending == [b"a", b"b"]
    assert len(endpoint.calls) == 7
    fake.firehose.clock.advance(seconds=1)
    backup, lines = assert_backed_up(fake, [b"a", b"b"], "HttpEndpoint.DestinationException", 8)
    request_ids = {call.request.headers["X-Amz-Firehose-Request-Id"] for call in endpoint.calls}
    assert len(endpoint.calls) == 8
    assert len(request_ids) == 1
    assert backup.key.endswith(f"-{request_ids.pop()}")
    assert lines[0]["errorMessage"] == (
        "Received the following response from the endpoint destination. 503: down for maintenance"
    )


def test_destination_down_backs_up_the_same_way(fake, client, endpoint):
    create(client)
    fake.firehose["events"].destination_down()
    put(client, b"a")
    fake.firehose.clock.advance(minutes=10)
    assert len(endpoint.calls) == 0
    assert_backed_up(fake, [b"a"], "HttpEndpoint.ConnectionFailed", 8)


def test_every_record_is_in_exactly_one_place(fake, client, endpoint):
    status = {"code": 200}
    endpoint.add_callback(responses.POST, URL, callback=lambda _: (status["code"], {}, "{}"))
    create(client)
    stream = fake.firehose["events"]
    put(client, b"delivered")
    fake.firehose.clock.advance(seconds=60)
    assert stream.delivered == [b"delivered"]
    status["code"] = 500
    put(client, b"backed-up")
    fake.firehose.clock.advance(seconds=60 + 127)
    put(client, b"retrying")
    fake.firehose.clock.advance(seconds=61)
    put(client, b"buffered")
    assert stream.delivered == [b"delivered"]
    assert stream.backed_up == [b"backed-up"]
    assert stream.pending == [b"retrying", b"buffered"]
    places = stream.delivered + stream.pending + stream.expired + stream.backed_up
    assert sorted(places) == sorted(r.data for r in stream.records)
    status["code"] = 200
    stream.flush()
    assert stream.delivered == [b"delivered", b"retrying", b"buffered"]
    assert stream.pending == []
    assert stream.backed_up == [b"backed-up"]


def test_an_unmocked_endpoint_is_never_contacted(fake, client, monkeypatch):
    def no_network(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the fake tried to reach the network")

    monkeypatch.setattr(
        requests.adapters.HTTPAdapter, "get_connection_with_tls_context", no_network
    )
    create(client, RetryOptions={"DurationInSeconds": 0})
    put(client, b"a")
    fake.firehose.clock.advance(seconds=60)
    assert fake.firehose["events"].backed_up == [b"a"]
    [line] = backups(fake)[0].body.decode().splitlines()
    assert "nothing intercepts https://collector.example.com" in json.loads(line)["errorMessage"]


def test_requests_missing_is_a_usage_error(fake, monkeypatch):
    monkeypatch.setitem(sys.modules, "requests", None)
    with pytest.raises(UsageError, match="pip install requests"):
        fake.firehose.create_delivery_stream(
            "events",
            HttpEndpointDestinationConfiguration={
                "EndpointConfiguration": ENDPOINT,
                "S3Configuration": S3,
            },
        )
    assert "events" not in fake.firehose


def test_the_backup_lands_in_the_s3_backup_bucket(fake, client, endpoint):
    endpoint.add(responses.POST, URL, status=500)
    bucket = S3["BucketARN"].rsplit(":", 1)[1]
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=bucket)
        create(client)
        put(client, b"a")
        fake.firehose.clock.advance(minutes=10)

        (backup,) = backups(fake)
        (listed,) = s3.list_objects_v2(Bucket=bucket)["Contents"]
        assert listed["Key"] == backup.key
        assert listed["Key"].startswith("failed/http-endpoint-failed/")
        stored = s3.get_object(Bucket=bucket, Key=backup.key)
        lines = stored["Body"].read().decode().splitlines()
        assert [base64.b64decode(json.loads(line)["rawData"]) for line in lines] == [b"a"]
