"""The JSON 1.1 codec: raw HTTP requests to the world, and the same answers through boto3."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

from pytest_firehose import FirehoseFake
from pytest_firehose._wire.codec import HttpRequest, HttpResponse

URL = "https://firehose.us-east-1.amazonaws.com/"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def send(fake: FirehoseFake, target: str, body: bytes | dict[str, Any]) -> HttpResponse:
    """POST one raw request, as an SDK in another language would, and return the answer."""
    if isinstance(body, dict):
        body = json.dumps(body).encode()
    headers = {"x-amz-target": target, "content-type": "application/x-amz-json-1.1"}
    return fake.world.handle(HttpRequest("POST", URL, headers, body), "firehose")


def op(name: str) -> str:
    return f"Firehose_20150804.{name}"


def on_the_wire(
    client: Any, operation: str, *, body: bytes | None = None, target: str = ""
) -> None:
    """Send ``body`` or ``target`` for every ``operation`` request this client makes."""

    def rewrite(params: dict[str, Any], **_: Any) -> None:
        if body is not None:
            params["body"] = body
        if target:
            params["headers"]["X-Amz-Target"] = target

    client.meta.events.register(f"before-call.firehose.{operation}", rewrite)


# --------------------------------------------------------------------------- not JSON


@pytest.mark.parametrize(
    "body",
    [b"{not json", b'{"DeliveryStreamName": "s"', b"\xff\xfe\x00", b"", b"   ", b"null"],
    ids=["garbage", "truncated", "not-utf8", "empty", "blank", "null"],
)
def test_body_that_is_not_json_is_a_serialization_exception_without_message(fake, body):
    fake.firehose.create_delivery_stream("s")

    response = send(fake, op("DescribeDeliveryStream"), body)

    assert response.status == 400
    assert json.loads(response.body) == {"__type": "SerializationException"}


def test_boto3_sees_serialization_exception_with_empty_message(fake, client):
    on_the_wire(client, "ListDeliveryStreams", body=b"{oops")

    with pytest.raises(ClientError) as caught:
        client.list_delivery_streams()

    error = caught.value.response
    assert error["Error"] == {"Code": "SerializationException", "Message": ""}
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400


# --------------------------------------------------------------------------- target


@pytest.mark.parametrize(
    "target",
    [
        "Firehose_20150804.PutRecords",
        "Firehose_20150804.putRecord",
        "Firehose_20150804.",
        "Firehose_20150804",
        "Kinesis_20131202.PutRecords",
        "",
    ],
)
def test_unknown_target_is_unknown_operation_without_message(fake, target):
    response = send(fake, target, {"DeliveryStreamName": "s"})

    assert response.status == 400
    assert json.loads(response.body) == {"__type": "UnknownOperationException"}


def test_boto3_sees_unknown_operation(fake, client):
    on_the_wire(client, "ListDeliveryStreams", target=op("ListEverything"))

    with pytest.raises(ClientError) as caught:
        client.list_delivery_streams()

    error = caught.value.response
    assert error["Error"] == {"Code": "UnknownOperationException", "Message": ""}
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400


# --------------------------------------------------------------------------- headers


@pytest.mark.parametrize(
    ("target", "body", "status"),
    [
        (op("ListDeliveryStreams"), {}, 200),
        (op("DescribeDeliveryStream"), {"DeliveryStreamName": "missing"}, 400),
        (op("Nope"), {}, 400),
    ],
    ids=["success", "service-error", "unknown-operation"],
)
def test_every_answer_carries_request_ids_and_json_content_type(fake, target, body, status):
    response = send(fake, target, body)

    headers = {name.lower(): value for name, value in response.headers.items()}
    assert response.status == status
    assert UUID.fullmatch(headers["x-amzn-requestid"])
    assert len(base64.b64decode(headers["x-amz-id-2"], validate=True)) >= 48
    assert headers["content-type"] == "application/x-amz-json-1.1"
    assert headers["content-length"] == str(len(response.body))


def test_request_ids_reach_boto3_response_metadata_and_differ_per_request(fake, client):
    first = client.list_delivery_streams()["ResponseMetadata"]
    second = client.list_delivery_streams()["ResponseMetadata"]

    assert first["RequestId"] == first["HTTPHeaders"]["x-amzn-requestid"]
    assert UUID.fullmatch(first["RequestId"])
    assert first["HTTPHeaders"]["content-type"] == "application/x-amz-json-1.1"
    assert first["HTTPHeaders"]["x-amz-id-2"]
    assert first["RequestId"] != second["RequestId"]
    assert first["HTTPHeaders"]["x-amz-id-2"] != second["HTTPHeaders"]["x-amz-id-2"]


def test_error_request_id_reaches_boto3(fake, client):
    with pytest.raises(ClientError) as caught:
        client.describe_delivery_stream(DeliveryStreamName="missing")

    metadata = caught.value.response["ResponseMetadata"]
    assert UUID.fullmatch(metadata["RequestId"])
    assert metadata["HTTPHeaders"]["x-amz-id-2"]


# --------------------------------------------------------------------------- blobs


def test_raw_base64_data_is_stored_decoded(fake):
    fake.firehose.create_delivery_stream("s")
    payload = bytes(range(256))

    response = send(
        fake,
        op("PutRecordBatch"),
        {
            "DeliveryStreamName": "s",
            "Records": [{"Data": base64.b64encode(payload).decode()}, {"Data": ""}],
        },
    )

    assert response.status == 200
    assert json.loads(response.body)["FailedPutCount"] == 0
    assert fake.firehose["s"].records == [payload, b""]


@pytest.mark.parametrize("data", ["not base64!", "YQ", "YQ==="], ids=["symbols", "short", "pad"])
def test_raw_data_that_is_not_base64_is_refused_and_not_committed(fake, data):
    fake.firehose.create_delivery_stream("s")

    response = send(fake, op("PutRecord"), {"DeliveryStreamName": "s", "Record": {"Data": data}})

    assert response.status == 400
    assert json.loads(response.body)["__type"] == "SerializationException"
    assert fake.firehose["s"].records == []


def test_boto3_binary_payloads_round_trip(fake, client):
    fake.firehose.create_delivery_stream("s")
    payloads = [bytes(range(256)), b"\x00", "héllo\n".encode()]

    client.put_record(DeliveryStreamName="s", Record={"Data": payloads[0]})
    client.put_record_batch(DeliveryStreamName="s", Records=[{"Data": p} for p in payloads[1:]])

    assert fake.firehose["s"].records == payloads
    assert [call.records for call in fake.firehose.calls] == [payloads[:1], payloads[1:]]


# --------------------------------------------------------------------------- timestamps


def test_timestamps_are_epoch_seconds_on_the_wire(fake):
    fake.firehose.create_delivery_stream("s")

    response = send(fake, op("DescribeDeliveryStream"), {"DeliveryStreamName": "s"})

    created = json.loads(response.body)["DeliveryStreamDescription"]["CreateTimestamp"]
    assert isinstance(created, (int, float))
    assert not isinstance(created, bool)
    assert created == pytest.approx(fake.firehose.clock.time(), abs=0.001)


def test_boto3_parses_timestamps_as_the_fake_clock_time(fake, client):
    created_at = fake.firehose.clock.now()
    client.create_delivery_stream(DeliveryStreamName="s")
    updated_at = fake.firehose.clock.advance(hours=1, minutes=30)
    client.update_destination(
        DeliveryStreamName="s",
        CurrentDeliveryStreamVersionId="1",
        DestinationId="destinationId-000000000001",
    )

    described = client.describe_delivery_stream(DeliveryStreamName="s")
    description = described["DeliveryStreamDescription"]
    assert description["CreateTimestamp"].timestamp() == pytest.approx(
        created_at.timestamp(), abs=0.001
    )
    assert description["LastUpdateTimestamp"].timestamp() == pytest.approx(
        updated_at.timestamp(), abs=0.001
    )


# --------------------------------------------------------------------------- type mismatch


@pytest.mark.parametrize(
    ("target", "body", "message"),
    [
        (
            op("PutRecordBatch"),
            {"DeliveryStreamName": "s", "Records": "abc"},
            "Expected list or null",
        ),
        # A scalar where a structure goes: "Expected null" (kinesalite's test/helpers.js,
        # run against Kinesis; the same text measured on Athena's JSON 1.1 front end, 2026).
        (op("PutRecord"), {"DeliveryStreamName": "s", "Record": "abc"}, "Expected null"),
        (
            op("DescribeDeliveryStream"),
            {"DeliveryStreamName": {"nested": 1}},
            "Start of structure or map found where not expected.",
        ),
        (
            op("PutRecordBatch"),
            {"DeliveryStreamName": "s", "Records": [{"Data": ["a"]}]},
            "Start of list found where not expected",
        ),
    ],
    ids=["list-as-string", "structure-as-string", "string-as-map", "blob-as-list"],
)
def test_json_type_mismatch_is_serialization_exception_with_capital_message(
    fake, target, body, message
):
    fake.firehose.create_delivery_stream("s")

    response = send(fake, target, body)

    assert response.status == 400
    assert json.loads(response.body) == {"__type": "SerializationException", "Message": message}
    assert fake.firehose["s"].records == []


def test_boto3_sees_type_mismatch_message(fake, client):
    fake.firehose.create_delivery_stream("s")
    on_the_wire(
        client,
        "PutRecordBatch",
        body=json.dumps({"DeliveryStreamName": "s", "Records": "abc"}).encode(),
    )

    with pytest.raises(ClientError) as caught:
        client.put_record_batch(DeliveryStreamName="s", Records=[{"Data": b"x"}])

    error = caught.value.response
    assert error["Error"] == {"Code": "SerializationException", "Message": "Expected list or null"}
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert fake.firehose["s"].records == []
