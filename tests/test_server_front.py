"""The server's HTTP front end as clients in other languages meet it: signatures, methods,
content types, CORS, CBOR, request ids and empty answers, through raw HTTP.

Every recorded fact here comes from kinesalite's connection tests (test/connection.js),
which its author ran against Kinesis; each test names the assertion it follows.
"""

from __future__ import annotations

import base64
import io
import itertools
import json
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from http.client import HTTPConnection
from typing import Any

import boto3
import cbor2
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from pytest_firehose import FirehoseFake
from pytest_firehose._doors.server import FirehoseServer
from pytest_firehose._wire import cbor as wire_cbor
from pytest_firehose._wire import front, jsontext
from pytest_firehose._wire.codec import HttpRequest
from pytest_firehose._wire.routing import route_of

JSON = "application/x-amz-json-1.1"
CBOR = "application/x-amz-cbor-1.1"
UUID = re.compile(r"[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}")
KINESIS = "Kinesis_20131202."
FIREHOSE = "Firehose_20150804."
#: A secret the fake cannot know: a well-formed signature is accepted whatever its key.
CREDENTIALS = Credentials("AKIDEXAMPLE", "not-the-real-secret")


@pytest.fixture
def server() -> Iterator[FirehoseServer]:
    log = io.StringIO()
    with FirehoseServer(log=log) as served:
        served.log_text = log  # type: ignore[attr-defined]
        yield served


def signed_headers(
    server: FirehoseServer, target: str, body: bytes, content_type: str = JSON
) -> dict[str, str]:
    """The headers botocore's SigV4 signer gives a request to ``server``."""
    service = "kinesis" if target.startswith(KINESIS) else "firehose"
    headers = {"X-Amz-Target": target, "Content-Type": content_type}
    request = AWSRequest("POST", server.url + "/", data=body, headers=headers)
    SigV4Auth(CREDENTIALS, service, "us-east-1").add_auth(request)
    return dict(request.headers.items())


def send(
    server: FirehoseServer,
    method: str = "POST",
    path: str = "/",
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    connection = HTTPConnection(server.host, server.port, timeout=10)
    try:
        connection.request(method, path, body=body or None, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        connection.close()


def signed(
    server: FirehoseServer, target: str, value: Any, content_type: str = JSON
) -> tuple[int, dict[str, str], bytes]:
    body = cbor2.dumps(value) if content_type == CBOR else json.dumps(value).encode()
    return send(server, body=body, headers=signed_headers(server, target, body, content_type))


def unsigned(
    server: FirehoseServer, target: str, body: bytes = b"{}", **extra: str
) -> tuple[int, dict[str, str], Any]:
    headers = {"X-Amz-Target": target, "Content-Type": JSON, **extra}
    return send(server, body=body, headers=headers)


def read_cbor(body: bytes) -> Any:
    """A CBOR answer, its tag 1 timestamps kept as ("ms", value): AWS writes milliseconds."""
    return cbor2.loads(body, semantic_decoders={1: lambda value, _immutable: ("ms", value)})


def assert_ids(headers: dict[str, str]) -> None:
    """kinesalite's assertBody: a uuid request id and an x-amz-id-2 of 64 to 80 bytes."""
    assert UUID.fullmatch(headers["x-amzn-requestid"])
    assert 64 <= len(base64.b64decode(headers["x-amz-id-2"], validate=True)) <= 80


# ---------------------------------------------------------------- signatures


def test_an_unsigned_request_is_missing_its_token(server: FirehoseServer) -> None:
    # assertMissing: 400, {"__type": "MissingAuthenticationTokenException", "message": ...}
    status, headers, body = unsigned(server, KINESIS + "ListStreams")
    assert status == 400
    assert headers["content-type"] == JSON
    assert json.loads(body) == {
        "__type": "MissingAuthenticationTokenException",
        "message": "Missing Authentication Token",
    }
    assert_ids(headers)


def test_a_malformed_authorization_header_is_an_incomplete_signature(
    server: FirehoseServer,
) -> None:
    # "should return IncompleteSignatureException if invalid auth"
    status, headers, body = unsigned(server, KINESIS + "ListStreams", Authorization="X")
    assert status == 400
    assert json.loads(body) == {
        "__type": "IncompleteSignatureException",
        "message": "Authorization header requires 'Credential' parameter. "
        "Authorization header requires 'Signature' parameter. "
        "Authorization header requires 'SignedHeaders' parameter. "
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        "Authorization=X",
    }
    assert_ids(headers)


def test_a_header_missing_only_signed_headers_names_it(server: FirehoseServer) -> None:
    # "should return IncompleteSignatureException if header is 'AWS4- Signature=b, ...'"
    auth = "AWS4- Signature=b, Credential=a"
    _, _, body = unsigned(server, KINESIS + "ListStreams", Authorization=auth, Date="a")
    assert json.loads(body)["message"] == (
        f"Authorization header requires 'SignedHeaders' parameter. Authorization={auth}"
    )


def test_a_request_signed_in_query_and_header_has_an_invalid_signature(
    server: FirehoseServer,
) -> None:
    # "should return InvalidSignatureException if both auth header and query"
    headers = {"X-Amz-Target": KINESIS + "ListStreams", "Content-Type": JSON, "Authorization": "X"}
    status, answer_headers, body = send(
        server, path="/?X-Amz-Algorithm", body=b"{}", headers=headers
    )
    assert status == 400
    assert json.loads(body) == {
        "__type": "InvalidSignatureException",
        "message": "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' "
        "as HTTP header.",
    }
    assert_ids(answer_headers)


def test_an_incomplete_query_signature_names_what_is_missing(server: FirehoseServer) -> None:
    # "should return IncompleteSignatureException if missing X-Amz-SignedHeaders query"
    headers = {"X-Amz-Target": KINESIS + "ListStreams", "Content-Type": JSON}
    path = "/?X-Amz-Algorithm=a&X-Amz-Credential=b&X-Amz-Signature=c&X-Amz-Date=d"
    _, _, body = send(server, path=path, body=b"{}", headers=headers)
    assert json.loads(body)["message"] == (
        "AWS query-string parameters must include 'X-Amz-SignedHeaders'. "
        "Re-examine the query-string parameters."
    )


def test_a_well_formed_signature_is_accepted_whatever_its_secret(server: FirehoseServer) -> None:
    status, headers, body = signed(server, KINESIS + "ListStreams", {})
    assert status == 200
    assert json.loads(body)["StreamNames"] == []
    assert_ids(headers)


def test_a_body_that_does_not_parse_is_refused_before_the_signature(
    server: FirehoseServer,
) -> None:
    # "should return SerializationException if non-JSON body" (unsigned)
    status, _, body = unsigned(server, KINESIS + "ListStreams", b"hello")
    assert (status, json.loads(body)) == (400, {"__type": "SerializationException"})


# ---------------------------------------------------------------- other methods and forms


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "TRACE", "CONNECT", "BREW"])
def test_another_method_is_access_denied_in_xml(server: FirehoseServer, method: str) -> None:
    # assertAccessDeniedXml: 403, no Content-Type, this exact body
    headers = signed_headers(server, "", b"")
    del headers["X-Amz-Target"], headers["Content-Type"]
    status, answer_headers, body = send(server, method, headers=headers)
    assert status == 403
    assert "content-type" not in answer_headers
    assert body == (
        b"<AccessDeniedException>\n"
        b"  <Message>Unable to determine service/operation name to be authorized</Message>\n"
        b"</AccessDeniedException>\n"
    )
    assert_ids(answer_headers)


def test_a_body_with_no_target_or_content_type_is_access_denied(server: FirehoseServer) -> None:
    # "should return AccessDeniedException if body and no Content-Type"
    headers = signed_headers(server, "", b"{}")
    del headers["X-Amz-Target"], headers["Content-Type"]
    status, answer_headers, body = send(server, body=b"{}", headers=headers)
    assert status == 403
    assert body.startswith(b"<AccessDeniedException>\n")
    assert_ids(answer_headers)


def test_an_unsigned_get_is_missing_its_token_in_xml(server: FirehoseServer) -> None:
    # assertMissingTokenXml (the order-of-checks matrix: no signature, not POST)
    status, headers, body = send(server, "GET")
    assert (status, "content-type" in headers) == (403, False)
    assert body == (
        b"<MissingAuthenticationTokenException>\n"
        b"  <Message>Missing Authentication Token</Message>\n"
        b"</MissingAuthenticationTokenException>\n"
    )


@pytest.mark.parametrize("target", [KINESIS + "Whatever", "Whatever.Whatever", ""])
def test_an_unknown_target_gets_awss_bare_answer_with_ids(
    server: FirehoseServer, target: str
) -> None:
    # assertUnknownJson: 400, {"__type": "UnknownOperationException"}, no message
    status, headers, body = signed(server, target, {})
    assert (status, json.loads(body)) == (400, {"__type": "UnknownOperationException"})
    assert_ids(headers)


@pytest.mark.parametrize(
    ("target", "status", "body"),
    [
        (KINESIS + "ListStreams", 404, b"<UnknownOperationException/>\n"),
        (KINESIS + "Whatever", 500, b"<InternalFailure/>\n"),
        (
            "Whatever.Whatever",
            403,
            b"<UnrecognizedClientException>\n  <Message>No authorization strategy was found for "
            b"service: Whatever, operation: Whatever</Message>\n</UnrecognizedClientException>\n",
        ),
    ],
)
def test_a_signed_get_with_a_target_is_answered_in_xml_by_what_it_names(
    server: FirehoseServer, target: str, status: int, body: bytes
) -> None:
    # the order-of-checks matrix: signed, not POST, then the target decides
    headers = signed_headers(server, target, b"")
    del headers["Content-Type"]
    answer_status, answer_headers, answer = send(server, "GET", headers=headers)
    assert (answer_status, answer) == (status, body)
    assert "content-type" not in answer_headers


def test_an_empty_body_for_an_unknown_target_is_an_unknown_operation(
    server: FirehoseServer,
) -> None:
    headers = signed_headers(server, KINESIS + "Whatever", b"")
    status, _, body = send(server, body=b"", headers=headers)
    assert (status, json.loads(body)) == (400, {"__type": "UnknownOperationException"})


def test_another_services_target_is_logged_with_the_fix(server: FirehoseServer) -> None:
    signed(server, "Logs_20140328.DescribeLogGroups", {})
    assert "AWS_ENDPOINT_URL_KINESIS" in server.log_text.getvalue()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [(b"{}", 404, "UnknownOperationException"), (b"hello", 400, "SerializationException")],
)
def test_json_1_0_gets_the_json_1_0_envelope(
    server: FirehoseServer, body: bytes, status: int, code: str
) -> None:
    # assertUnknownDeprecated / assertSerializationDeprecated
    answer = unsigned(server, KINESIS + "ListStreams", body, **{"Content-Type": "application/json"})
    assert answer[0] == status
    assert answer[1]["content-type"] == "application/json"
    assert json.loads(answer[2]) == {
        "Output": {"__type": f"com.amazon.coral.service#{code}"},
        "Version": "1.0",
    }
    assert_ids(answer[1])


# ---------------------------------------------------------------- empty answers


@pytest.mark.parametrize(
    ("target", "value"),
    [
        (KINESIS + "AddTagsToStream", {"StreamName": "s", "Tags": {"k": "v"}}),
        (
            KINESIS + "IncreaseStreamRetentionPeriod",
            {"StreamName": "s", "RetentionPeriodHours": 48},
        ),
        (KINESIS + "DeleteStream", {"StreamName": "s"}),
        (FIREHOSE + "TagDeliveryStream", {"DeliveryStreamName": "d", "Tags": [{"Key": "k"}]}),
        (FIREHOSE + "DeleteDeliveryStream", {"DeliveryStreamName": "d"}),
    ],
)
def test_an_empty_output_is_an_empty_body(
    server: FirehoseServer, target: str, value: dict[str, Any]
) -> None:
    # kinesalite's action tests assert res.body '' for these operations
    server.kinesis.create_stream("s")
    server.firehose.create_delivery_stream("d")
    status, headers, body = signed(server, target, value)
    assert (status, body, headers["content-length"]) == (200, b"", "0")
    assert_ids(headers)


def test_create_stream_answers_an_empty_body(server: FirehoseServer) -> None:
    status, _, body = signed(server, KINESIS + "CreateStream", {"StreamName": "t", "ShardCount": 1})
    assert (status, body) == (200, b"")


# ---------------------------------------------------------------- CORS


def test_a_preflight_is_allowed_and_echoes_what_it_asks(server: FirehoseServer) -> None:
    # assertCors with headers and method
    status, headers, body = send(
        server,
        "OPTIONS",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Headers": "a, b, c",
            "Access-Control-Request-Method": "d",
        },
    )
    assert (status, body, headers["content-length"]) == (200, b"", "0")
    assert headers["access-control-allow-origin"] == "*"
    assert headers["access-control-allow-headers"] == "a, b, c"
    assert headers["access-control-allow-methods"] == "d"
    assert headers["access-control-max-age"] == "172800"
    assert UUID.fullmatch(headers["x-amzn-requestid"])
    assert "x-amz-id-2" not in headers
    assert "content-type" not in headers


def test_a_request_with_an_origin_exposes_the_headers(server: FirehoseServer) -> None:
    # "should return CBOR UnknownOperationException and set CORS if using Origin"
    status, headers, _ = unsigned(server, KINESIS + "ListStreams", Origin="http://x")
    assert status == 400
    assert headers["access-control-allow-origin"] == "*"
    assert headers["access-control-expose-headers"] == (
        "x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date"
    )


# ---------------------------------------------------------------- CBOR


def test_cbor_is_served_with_blobs_as_bytes_and_timestamps_as_tag_1_millis(
    server: FirehoseServer,
) -> None:
    server.kinesis.create_stream("s")
    status, headers, body = signed(
        server,
        KINESIS + "PutRecord",
        {"StreamName": "s", "Data": b"\x00\xffhi", "PartitionKey": "p"},
        CBOR,
    )
    assert (status, headers["content-type"]) == (200, CBOR)
    shard = cbor2.loads(body)["ShardId"]
    since = cbor2.CBORTag(1, 0)  # the epoch, in the Java SDK's milliseconds
    iterator_request = {
        "StreamName": "s",
        "ShardId": shard,
        "ShardIteratorType": "AT_TIMESTAMP",
        "Timestamp": since,
    }
    _, _, body = signed(server, KINESIS + "GetShardIterator", iterator_request, CBOR)
    iterator = cbor2.loads(body)["ShardIterator"]
    _, _, body = signed(server, KINESIS + "GetRecords", {"ShardIterator": iterator}, CBOR)
    records = read_cbor(body)
    [record] = records["Records"]
    assert record["Data"] == b"\x00\xffhi"
    unit, millis = record["ApproximateArrivalTimestamp"]
    assert unit == "ms"
    assert isinstance(millis, int)
    arrived = datetime.fromtimestamp(millis / 1000, timezone.utc)
    assert abs((arrived - server.world.clock.now()).total_seconds()) < 1


def test_cbor_errors_are_cbor(server: FirehoseServer) -> None:
    status, headers, body = signed(server, KINESIS + "DescribeStream", {"StreamName": "no"}, CBOR)
    assert (status, headers["content-type"]) == (400, CBOR)
    assert cbor2.loads(body)["__type"] == "ResourceNotFoundException"


def test_cbor_in_process_through_world_handle(server: FirehoseServer) -> None:
    body = cbor2.dumps({"StreamName": "in", "ShardCount": 1})
    headers = {
        k.lower(): v
        for k, v in signed_headers(server, KINESIS + "CreateStream", body, CBOR).items()
    }
    answer = server.world.handle(HttpRequest("POST", server.url + "/", headers, body), "kinesis")
    assert (answer.status, answer.body) == (200, b"")
    body = cbor2.dumps({})
    headers["x-amz-target"] = KINESIS + "ListStreams"
    answer = server.world.handle(HttpRequest("POST", server.url + "/", headers, body), "kinesis")
    assert read_cbor(answer.body)["StreamNames"] == ["in"]


def test_without_cbor2_a_cbor_request_names_the_extra(
    server: FirehoseServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wire_cbor, "_cbor2", lambda: None)
    body = cbor2.dumps({})
    headers = signed_headers(server, KINESIS + "ListStreams", body, CBOR)
    status, answer_headers, answer = send(server, body=body, headers=headers)
    assert (status, answer_headers["content-type"]) == (400, JSON)
    assert "pytest-firehose[cbor]" in json.loads(answer)["message"]


def test_cbor_put_records_reads_the_list_of_records(server: FirehoseServer) -> None:
    server.kinesis.create_stream("s")
    records = [{"Data": bytes([n]) * 3, "PartitionKey": f"k{n}"} for n in range(3)]
    status, _, body = signed(
        server, KINESIS + "PutRecords", {"StreamName": "s", "Records": records}, CBOR
    )
    assert status == 200
    assert cbor2.loads(body)["FailedRecordCount"] == 0
    assert [r.data for r in server.kinesis["s"].records] == [b"\x00" * 3, b"\x01" * 3, b"\x02" * 3]


def test_unreadable_cbor_is_a_serialization_exception_in_cbor(server: FirehoseServer) -> None:
    body = b"\xff\xff\x00"  # a break code outside any indefinite-length item
    headers = signed_headers(server, KINESIS + "ListStreams", body, CBOR)
    status, answer_headers, answer = send(server, body=body, headers=headers)
    assert (status, answer_headers["content-type"]) == (400, CBOR)
    assert cbor2.loads(answer)["__type"] == "SerializationException"


@pytest.mark.parametrize(
    ("operation", "request_value"),
    [
        # A tag 1 timestamp whose milliseconds no double holds, in a timestamp member and
        # in a string one.
        (
            "GetShardIterator",
            {
                "StreamName": "s",
                "ShardId": "shardId-000000000000",
                "ShardIteratorType": "AT_TIMESTAMP",
                "Timestamp": cbor2.CBORTag(1, 10**400),
            },
        ),
        ("PutRecord", {"StreamName": "s", "Data": b"x", "PartitionKey": cbor2.CBORTag(1, 10**400)}),
        # A map key JSON cannot have: a byte string.
        ("AddTagsToStream", {"StreamName": "s", "Tags": {b"k": "v"}}),
    ],
    ids=["huge-timestamp", "huge-timestamp-as-text", "bytes-key"],
)
def test_cbor_that_json_cannot_say_is_a_serialization_exception(
    server: FirehoseServer, operation: str, request_value: dict[str, object]
) -> None:
    server.kinesis.create_stream("s")
    status, headers, body = signed(server, KINESIS + operation, request_value, CBOR)
    assert (status, headers["content-type"]) == (400, CBOR)
    assert cbor2.loads(body) == {"__type": "SerializationException"}
    assert server.kinesis["s"].records == []


@pytest.mark.parametrize("operation", ["ListShards", "ListStreamConsumers"])
def test_a_cbor_nan_for_an_integer_is_a_serialization_exception(
    server: FirehoseServer, operation: str
) -> None:
    server.kinesis.create_stream("s")
    arn = server.kinesis["s"].arn
    request_value = {"StreamName": "s"} if operation == "ListShards" else {"StreamARN": arn}
    status, _, body = signed(
        server, KINESIS + operation, {**request_value, "MaxResults": float("nan")}, CBOR
    )
    assert status == 400
    assert cbor2.loads(body) == {
        "__type": "SerializationException",
        "Message": "NUMBER_VALUE can not be converted to an Integer",
    }


def test_a_cbor_tag_0_date_string_is_read_as_a_timestamp(server: FirehoseServer) -> None:
    """The Java SDK writes tag 1 milliseconds; a client that writes a tag 0 date-time string
    means the same instant."""
    server.kinesis.create_stream("s")
    signed(
        server, KINESIS + "PutRecord", {"StreamName": "s", "Data": b"x", "PartitionKey": "p"}, CBOR
    )
    shard = server.kinesis["s"].records[0].shard_id
    iterator_request = {
        "StreamName": "s",
        "ShardId": shard,
        "ShardIteratorType": "AT_TIMESTAMP",
        "Timestamp": datetime(2000, 1, 1, tzinfo=timezone.utc),
    }
    status, _, body = signed(server, KINESIS + "GetShardIterator", iterator_request, CBOR)
    assert status == 200
    _, _, body = signed(
        server, KINESIS + "GetRecords", {"ShardIterator": cbor2.loads(body)["ShardIterator"]}, CBOR
    )
    assert [r["Data"] for r in read_cbor(body)["Records"]] == [b"x"]


def test_records_a_boto3_client_put_in_process_are_read_in_cbor_as_bytes() -> None:
    """A Python producer in the test and a CBOR consumer (the Java KCL) on the server
    share one world: what botocore sent as base64 text is a byte string in CBOR."""
    with FirehoseFake() as fake, FirehoseServer(fake.world) as server:
        client = boto3.client("kinesis", region_name="us-east-1")
        client.create_stream(StreamName="s", ShardCount=1)
        client.put_record(StreamName="s", Data=b"\x00bytes", PartitionKey="p")
        request = {
            "StreamName": "s",
            "ShardId": "shardId-000000000000",
            "ShardIteratorType": "TRIM_HORIZON",
        }
        _, _, body = signed(server, KINESIS + "GetShardIterator", request, CBOR)
        iterator = cbor2.loads(body)["ShardIterator"]
        _, _, body = signed(server, KINESIS + "GetRecords", {"ShardIterator": iterator}, CBOR)
    assert [r["Data"] for r in read_cbor(body)["Records"]] == [b"\x00bytes"]


def test_without_cbor2_an_answer_cannot_be_written_in_cbor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wire_cbor, "_cbor2", lambda: None)
    assert not wire_cbor.available()
    with pytest.raises(RuntimeError, match=r"pytest-firehose\[cbor\]"):
        wire_cbor.dumps({})


def test_a_body_the_front_end_read_is_not_parsed_again(
    server: FirehoseServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.kinesis.create_stream("s")
    parsed: list[bytes] = []
    loads = jsontext.loads

    def counting(body: bytes) -> Any:
        parsed.append(body)
        return loads(body)

    monkeypatch.setattr(jsontext, "loads", counting)
    status, _, _ = signed(
        server, KINESIS + "PutRecord", {"StreamName": "s", "Data": "eA==", "PartitionKey": "p"}
    )
    assert status == 200
    assert len(parsed) == 1
    assert server.kinesis["s"].records == [b"x"]


@pytest.mark.parametrize("content_type", ["text/plain", "multipart/form-data; boundary=x"])
def test_a_content_type_not_spoken_is_answered_in_xml_by_the_target(
    server: FirehoseServer, content_type: str
) -> None:
    # The standard library reads a multipart head as a multipart message missing its body;
    # that is no broken header line.
    body = b"--x\r\n\r\n{}\r\n--x--\r\n"
    headers = signed_headers(server, FIREHOSE + "PutRecord", body, content_type)
    status, answer_headers, answer = send(server, body=body, headers=headers)
    assert (status, answer) == (404, b"<UnknownOperationException/>\n")
    assert "content-type" not in answer_headers
    assert_ids(answer_headers)


def _passes_as_the_full_checks_would(request: HttpRequest) -> bool:
    """Whether the front end's one-pass reading takes ``request``; and when it does, that
    it finds the route ``route_of`` finds and lets through what ``front_answer`` lets
    through."""
    route = front.passing(request)
    if route is None:
        return False
    assert route == route_of(request, "us-east-1"), request
    assert front.front_answer(request) is None, request
    return True


SIGNED_HEADERS = "host;x-amz-date;x-amz-target"


def test_the_one_pass_reading_takes_only_signatures_its_full_checks_take() -> None:
    """Every signature header built of a signer's parts, some empty, holding a separator
    or a scope of another form, and what may follow them: the one-pass reading takes the
    well-formed ones (with a date), and reads them as the full checks do."""
    scopes = [
        "testing/20260101/eu-west-1/kinesis/aws4_request",
        "AKIA/20260101/us-gov-west-1/firehose/aws4_request",
        "",
        "a/b",
        "a b/20260101/eu-west-1/kinesis/aws4_request",
        "a,b/20260101/eu-west-1/kinesis/aws4_request",
        "te\tst/20260101/eu-west-1/kinesis/aws4_request",
        "/20260101/eu-west-1/kinesis/aws4_request",
        "testing/2026010/eu-west-1/kinesis/aws4_request",
        "testing/٢٠٢٦٠١٠١/eu-west-1/kinesis/aws4_request",  # decimal digits of another script
        "testing/20260101/EU-WEST-1/kinesis/aws4_request",
        "testing/20260101//kinesis/aws4_request",
        "testing/20260101/eu-west-1/kinesis/aws4_requestx",
        "testing/20260101/eu-west-1/kinesis/aws4_request/x",
    ]
    values = ["", "a b", "a,b"]
    taken = 0
    for algorithm, credential, signed, signature, rest, dates in itertools.product(
        ["AWS4-HMAC-SHA256", "AWS4"],
        scopes,
        [SIGNED_HEADERS, *values],
        ["abc123", *values],
        ["", " Credential=", ", Signature=", ",", " x"],
        [{}, {"x-amz-date": "20260101T000000Z"}, {"date": ""}, {"date": "Thu, 01 Jan 2026"}],
    ):
        authorization = (
            f"{algorithm} Credential={credential}, SignedHeaders={signed}, "
            f"Signature={signature}{rest}"
        )
        headers = {
            "authorization": authorization,
            "content-type": JSON,
            "x-amz-target": KINESIS + "PutRecord",
            **dates,
        }
        url = "https://kinesis.ap-south-1.amazonaws.com/"
        taken += _passes_as_the_full_checks_would(HttpRequest("POST", url, headers, b"{}"))
    # The well-formed scopes (the pattern's \d takes any script's decimal digits, as the
    # full reading does), each with its two dates.
    assert taken == 6


def test_the_one_pass_reading_takes_only_requests_its_full_checks_take() -> None:
    """Requests of every method, address, body, content type and target around the one
    every SDK sends, signed as it signs them: the one-pass reading takes that one."""
    headers = {
        "authorization": (
            "AWS4-HMAC-SHA256 Credential=testing/20260101/eu-west-1/kinesis/aws4_request, "
            f"SignedHeaders={SIGNED_HEADERS}, Signature=abc123"
        ),
        "x-amz-date": "20260101T000000Z",
        "amz-sdk-request": "attempt=2; max=3",
        "amz-sdk-invocation-id": "e6c1a3f4-9f8e-4f5a-8b1c-0d2e3f4a5b6c",
    }
    taken = []
    for method, url, body, content_type, target in itertools.product(
        ["POST", "GET", "OPTIONS"],
        ["http://127.0.0.1:4573/", "http://127.0.0.1:4573/?X-Amz-Algorithm=a"],
        [b"", b"{}", b"not json"],
        [JSON, CBOR, "application/json", JSON + "; charset=utf-8", "JSON", None],
        [
            KINESIS + "PutRecord",
            FIREHOSE + "PutRecord",
            KINESIS + "Nope",
            "Other.PutRecord",
            KINESIS[:-1],
            "",
            None,
        ],
    ):
        sent = dict(headers)
        if content_type is not None:
            sent["content-type"] = content_type
        if target is not None:
            sent["x-amz-target"] = target
        request = HttpRequest(method, url, sent, body)
        if _passes_as_the_full_checks_would(request):
            taken.append((body, target))
    assert sorted(taken) == sorted(
        (body, target)
        for body in (b"{}", b"not json")
        for target in (KINESIS + "PutRecord", FIREHOSE + "PutRecord")
    )


def test_the_one_pass_reading_leaves_a_body_over_the_limit_to_the_full_checks() -> None:
    request = botocore_request()
    assert front.passing(request) is not None
    big = request._replace(body=b" " * (front.MAX_BODY + 1))
    assert front.passing(big) is None


def botocore_request() -> HttpRequest:
    """A PutRecord as botocore signs it, its headers under lower-case names."""
    request = AWSRequest(
        "POST",
        "https://kinesis.eu-west-2.amazonaws.com/",
        data=b"{}",
        headers={"Content-Type": JSON, "X-Amz-Target": KINESIS + "PutRecord"},
    )
    SigV4Auth(CREDENTIALS, "kinesis", "eu-west-2").add_auth(request)
    headers = {name.lower(): value for name, value in request.headers.items()}
    return HttpRequest("POST", request.url, headers, b"{}")


def test_botocores_request_is_read_in_one_pass() -> None:
    request = botocore_request()
    assert _passes_as_the_full_checks_would(request)
    assert front.passing(request) == ("kinesis", "PutRecord", "eu-west-2", None, None)
