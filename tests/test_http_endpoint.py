"""HTTP endpoint destinations: the request Firehose sends, retries on the fake clock, and the
S3 backup once the endpoint has failed for longer than RetryOptions.DurationInSeconds.

``responses`` plays the endpoint; nothing leaves the process."""

from __future__ import annotations

import base64
import gzip
import json
import queue
import socket
import ssl
import sys
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
from conftest import LANDING, S3, endpoint_took_it, landing_bucket, put
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
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


def accept(endpoint: responses.RequestsMock) -> None:
    endpoint.add_callback(
        responses.POST, URL, callback=endpoint_took_it, content_type="application/json"
    )


def test_sends_the_spec_request(fake, client, endpoint):
    accept(endpoint)
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
        "User-Agent": "Amazon Kinesis Data Firehose Agent/1.0",
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


def _one_delivery(fake, client, endpoint):
    """The request that delivers one record put on a stream the endpoint accepts."""
    accept(endpoint)
    create(client)
    put(client, b"a")
    fake.firehose.clock.advance(seconds=60)
    assert fake.firehose["events"].delivered == [b"a"]
    [call] = endpoint.calls
    return call


def test_gzip_and_common_attributes(fake, client, endpoint):
    accept(endpoint)
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
    # Java's GZIPOutputStream header: no time stamp (RFC 1952's MTIME 0), no extra flags,
    # operating system 0; the same bytes on every Python.
    assert request.body[:10] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x00"


def test_no_proxy_or_netrc_credentials_of_the_environment_reach_the_endpoint(
    fake, client, endpoint, tmp_path, monkeypatch
):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine collector.example.com login someone password hunter2\n")
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("HTTPS_PROXY", "http://someone:hunter2@proxy.example.com:3128")
    call = _one_delivery(fake, client, endpoint)
    assert "Authorization" not in call.request.headers
    assert "Proxy-Authorization" not in call.request.headers
    assert not call.request.req_kwargs.get("proxies")


def test_retries_a_failed_delivery_with_the_same_request_id(fake, client, endpoint):
    endpoint.add(responses.POST, URL, status=500, json={"errorMessage": "busy"})
    accept(endpoint)
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
    accept(endpoint)
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
    assert [line["dataId"] for line in lines] == [f"{r.record_id}.0" for r in stream.records]
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
        "Delivery to the endpoint was unsuccessful. See Troubleshooting HTTP Endpoints in the "
        "Firehose documentation for more information. Response received with status code. "
        "503: down for maintenance"
    )


def test_without_retry_options_the_batch_is_retried_for_300_seconds(fake, client, endpoint):
    endpoint.add(responses.POST, URL, status=500)
    fake.firehose.create_delivery_stream(
        "events",
        HttpEndpointDestinationConfiguration={
            "EndpointConfiguration": ENDPOINT,
            "BufferingHints": {"IntervalInSeconds": 60},
            "S3Configuration": S3,
        },
    )
    stream = fake.firehose["events"]
    put(client, b"a")
    # The first attempt at 60 s; the retries at 61, 63, 67, 75, 91, 123, 187 and 307 s.
    fake.firehose.clock.advance(seconds=60 + 299)
    stream.flush()
    assert stream.pending == [b"a"]
    fake.firehose.clock.advance(seconds=1)
    stream.flush()  # 300 s after the first try
    assert stream.backed_up == [b"a"]
    assert stream.pending == []


def test_the_wait_between_retries_doubles_up_to_2_minutes(fake, client, endpoint):
    endpoint.add(responses.POST, URL, status=500)
    create(client, RetryOptions={"DurationInSeconds": 600})
    put(client, b"a")
    # The first attempt at 60 s, the last at 667 s: 607 s after it.
    fake.firehose.clock.advance(seconds=60 + 607)
    stamps = [json.loads(call.request.body)["timestamp"] for call in endpoint.calls]
    waits = [(later - earlier) // 1000 for earlier, later in pairwise(stamps)]
    assert waits == [1, 2, 4, 8, 16, 32, 64, 120, 120, 120, 120]
    assert fake.firehose["events"].backed_up == [b"a"]


def test_destination_down_backs_up_the_same_way(fake, client, endpoint):
    create(client)
    fake.firehose["events"].destination_down()
    put(client, b"a")
    fake.firehose.clock.advance(minutes=10)
    assert len(endpoint.calls) == 0
    _, [line] = assert_backed_up(fake, [b"a"], "HttpEndpoint.ConnectionFailed", 8)
    assert line["errorMessage"] == (
        "Unable to connect to the destination endpoint. "
        "Contact the owner of the endpoint to resolve this issue."
    )


def test_every_record_is_in_exactly_one_place(fake, client, endpoint):
    status = {"code": 200}

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        return endpoint_took_it(request) if status["code"] == 200 else (status["code"], {}, "{}")

    endpoint.add_callback(responses.POST, URL, callback=answer, content_type="application/json")
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


@pytest.mark.parametrize(
    ("compression", "encoding", "decoded"),
    [("UNCOMPRESSED", None, bytes), ("GZIP", "gzip", gzip.decompress)],
)
def test_the_backup_lands_in_the_s3_backup_bucket(
    fake, client, endpoint, compression, encoding, decoded, landing_s3
):
    endpoint.add(responses.POST, URL, status=500)
    backup_to = {**S3, "ErrorOutputPrefix": "failed/", "CompressionFormat": compression}
    create(client, S3Configuration=backup_to)
    put(client, b"a")
    fake.firehose.clock.advance(minutes=10)

    (backup,) = backups(fake)
    (listed,) = landing_s3.list_objects_v2(Bucket=LANDING)["Contents"]
    assert listed["Key"] == backup.key
    assert listed["Key"].startswith("failed/http-endpoint-failed/")
    stored = landing_s3.get_object(Bucket=LANDING, Key=backup.key)
    assert stored["ContentType"] == "application/octet-stream"
    assert stored.get("ContentEncoding") == encoding
    lines = decoded(stored["Body"].read()).decode().splitlines()
    assert [base64.b64decode(json.loads(line)["rawData"]) for line in lines] == [b"a"]


# ------------------------------------------------------------------ the response format

INVALID = "HttpEndpoint.InvalidResponseFromDestination"
JSON = {"Content-Type": "application/json"}


def the_request_id(request: Any) -> str:
    return str(request.headers["X-Amz-Firehose-Request-Id"])


@pytest.mark.parametrize(
    ("headers", "body", "reason"),
    [
        (JSON, lambda _: "OK", "is not recognized as valid JSON or has unexpected fields"),
        (JSON, lambda _: "", "is not recognized as valid JSON or has unexpected fields"),
        (JSON, lambda _: '{"timestamp": NaN}', "is not recognized as valid JSON"),
        (JSON, lambda _: "[" * 5000 + "]" * 5000, "is not recognized as valid JSON"),
        (JSON, lambda r: json.dumps([the_request_id(r)]), "is not recognized as valid JSON"),
        (JSON, lambda _: '{"requestId": null, "timestamp": 1}', "is not recognized as valid"),
        (
            JSON,
            lambda _: json.dumps({"requestId": "some-other-id", "timestamp": 1}),
            "has a requestId other than the request's",
        ),
        (JSON, lambda _: json.dumps({"timestamp": 1}), "does not contain a requestId"),
        (
            JSON,
            lambda r: json.dumps({"requestId": the_request_id(r)}),
            "does not contain a timestamp",
        ),
        (
            JSON,
            lambda r: json.dumps({"requestId": the_request_id(r), "timestamp": "1578090903599"}),
            "has a timestamp that is not a number",
        ),
        (
            JSON,
            lambda r: json.dumps(
                {"requestId": the_request_id(r), "timestamp": 1, "errorMessage": "x" * 8193}
            ),
            "is not recognized as valid JSON or has unexpected fields",
        ),
        (
            {"Content-Type": "text/plain"},
            lambda r: json.dumps({"requestId": the_request_id(r), "timestamp": 1}),
            "does not have the header Content-Type: application/json",
        ),
        (
            {},
            lambda r: json.dumps({"requestId": the_request_id(r), "timestamp": 1}),
            "does not have the header Content-Type: application/json",
        ),
        (
            {**JSON, "Content-Encoding": "compress"},
            lambda r: json.dumps({"requestId": the_request_id(r), "timestamp": 1}),
            "is content-encoded",
        ),
    ],
    ids=[
        "not-json",
        "empty",
        "nan",
        "nested-too-deep",
        "not-an-object",
        "null-request-id",
        "another-request-id",
        "no-request-id",
        "no-timestamp",
        "string-timestamp",
        "error-message-over-8192",
        "text-plain",
        "no-content-type",
        "content-encoded",
    ],
)
def test_a_200_not_in_the_response_format_is_retried_then_backed_up(
    fake, client, endpoint, headers, body, reason
):
    answers = []

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        answers.append(body(request))
        return 200, headers, answers[-1]

    endpoint.add_callback(responses.POST, URL, callback=answer, content_type=None)
    create(client)
    put(client, b"a", b"b")
    fake.firehose.clock.advance(seconds=186)
    assert fake.firehose["events"].pending == [b"a", b"b"]
    assert fake.firehose["events"].delivered == []
    fake.firehose.clock.advance(seconds=1)

    _, lines = assert_backed_up(fake, [b"a", b"b"], INVALID, 8)
    request_id = the_request_id(endpoint.calls[0].request)
    message = lines[0]["errorMessage"]
    assert message.startswith(
        "The response received from the specified endpoint is invalid. Contact the owner of "
        f"the endpoint to resolve the issue. Response for request {request_id} {reason}"
    )
    # The raw answer as the endpoint sent it, cut at 8192 characters.
    assert message.endswith(f". Raw response received: 200 {answers[-1][:8192]}")


def test_an_answer_in_the_format_on_a_retry_delivers(fake, client, endpoint):
    answers = [
        lambda r: json.dumps({"requestId": "some-other-id", "timestamp": 1}),
        # Parameters of the content type and fields the spec does not name are accepted.
        lambda r: json.dumps(
            {"requestId": the_request_id(r), "timestamp": 1.5, "errorMessage": "", "x": 1}
        ),
    ]

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        return 200, {}, answers.pop(0)(request)

    endpoint.add_callback(
        responses.POST, URL, callback=answer, content_type="application/json; charset=utf-8"
    )
    create(client)
    put(client, b"a")
    stream = fake.firehose["events"]
    fake.firehose.clock.advance(seconds=60)
    assert stream.pending == [b"a"]
    assert stream.delivered == []
    fake.firehose.clock.advance(seconds=1)
    assert stream.delivered == [b"a"]
    assert stream.pending == []
    assert stream.backed_up == []
    assert len(endpoint.calls) == 2


def test_an_error_message_of_8192_characters_is_in_the_response_format(fake, client, endpoint):
    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        body = {"requestId": the_request_id(request), "timestamp": 1, "errorMessage": "x" * 8192}
        return 200, {}, json.dumps(body)

    endpoint.add_callback(responses.POST, URL, callback=answer, content_type="application/json")
    create(client)
    put(client, b"a")
    fake.firehose.clock.advance(seconds=60)
    assert fake.firehose["events"].delivered == [b"a"]
    assert len(endpoint.calls) == 1


@pytest.mark.parametrize(("padding", "delivered"), [(0, True), (1, False)])
def test_a_response_body_over_1_mib_is_too_large(fake, client, endpoint, padding, delivered):
    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        body = json.dumps({"requestId": the_request_id(request), "timestamp": 1})
        return 200, {}, body + " " * (1024 * 1024 - len(body) + padding)

    endpoint.add_callback(responses.POST, URL, callback=answer, content_type="application/json")
    create(client)
    put(client, b"a")
    fake.firehose.clock.advance(minutes=10)
    stream = fake.firehose["events"]
    if delivered:
        assert stream.delivered == [b"a"]
        assert stream.backed_up == []
        return
    assert stream.delivered == []
    [line] = backups(fake)[0].body.decode().splitlines()
    assert json.loads(line)["errorCode"] == "HttpEndpoint.ResponseTooLarge"
    assert json.loads(line)["errorMessage"] == (
        "The response received from the endpoint is too large. "
        "Contact the owner of the endpoint to resolve this issue."
    )


# --------------------------------------------------------------------------- a slow endpoint


LOOPBACK = ip_address("127.0.0.1")


def _certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, and its key (PEM files in ``directory``)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(LOOPBACK)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "endpoint.pem", directory / "endpoint.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class SlowEndpoint:
    """An HTTPS endpoint on 127.0.0.1 that answers 200 to each request only once the test
    lets it (``release``); ``arrived`` takes each request's record payloads as it comes.
    With ``hang_up`` set, it closes the connection instead of answering."""

    def __init__(self, directory: Path) -> None:
        cert_path, key_path = _certificate(directory)
        self.ca = str(cert_path)
        self.gate = threading.Event()
        self.hang_up = False
        self.arrived: queue.Queue[list[bytes]] = queue.Queue()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                endpoint.arrived.put([base64.b64decode(r["data"]) for r in body["records"]])
                if endpoint.hang_up:
                    self.close_connection = True
                    return
                endpoint.gate.wait()
                answer = json.dumps({"requestId": body["requestId"], "timestamp": 0}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that gave up on its answer (a timeout) is no error here

        self.server = Server(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}/ingest"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def next_request(self) -> list[bytes]:
        # The timeout only turns a hang into a failure; a request arrives at once.
        return self.arrived.get(timeout=30)

    def release(self) -> None:
        self.gate.set()

    def close(self) -> None:
        self.gate.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def slow_endpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SlowEndpoint]:
    endpoint = SlowEndpoint(tmp_path)
    send = requests.Session.send

    def trusting(session: Any, request: Any, **kwargs: Any) -> Any:
        # The delivery verifies certificates; this one is trusted as a real one would be.
        return send(session, request, **{**kwargs, "verify": endpoint.ca})

    monkeypatch.setattr(requests.Session, "send", trusting)
    yield endpoint
    endpoint.close()


def in_thread(work: Any) -> threading.Thread:
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


def finished(thread: threading.Thread) -> bool:
    # The timeout only turns a deadlock into a failure; it is never reached.
    thread.join(timeout=30)
    return not thread.is_alive()


def slow_stream(fake: FirehoseFake, url: str) -> Any:
    return fake.firehose.create_delivery_stream(
        "events",
        HttpEndpointDestinationConfiguration={
            "EndpointConfiguration": {"Url": url, "AccessKey": "secret-key"},
            "BufferingHints": {"IntervalInSeconds": 60},
            "S3Configuration": S3,
        },
    )


def failed_once(fake: FirehoseFake, client: Any, url: str) -> dict[str, Any]:
    """The backup line of a record whose one attempt at ``url`` failed (no retries)."""
    stream = fake.firehose.create_delivery_stream(
        "events",
        HttpEndpointDestinationConfiguration={
            "EndpointConfiguration": {"Url": url},
            "RetryOptions": {"DurationInSeconds": 0},
            "S3Configuration": S3,
        },
    )
    put(client, b"a")
    stream.flush()
    assert stream.backed_up == [b"a"]
    [line] = backups(fake)[0].body.decode().splitlines()
    return dict(json.loads(line))


def test_an_endpoint_that_hangs_up_is_a_connection_reset(fake, client, slow_endpoint):
    slow_endpoint.hang_up = True
    line = failed_once(fake, client, slow_endpoint.url)
    assert slow_endpoint.next_request() == [b"a"]
    assert line["errorCode"] == "HttpEndpoint.ConnectionReset"
    assert line["errorMessage"] == (
        "Unable to maintain connection with the endpoint. "
        "Contact the owner of the endpoint to resolve this issue."
    )


def test_an_answer_that_does_not_come_in_time_is_a_request_timeout(
    fake, client, slow_endpoint, monkeypatch
):
    # Three minutes, the spec's wait, shortened for the answer only (requests' (connect,
    # read) pair), so a busy machine's slow handshake is not taken for the timeout: the
    # endpoint never answers.
    monkeypatch.setattr("pytest_firehose._destinations.http_endpoint.RESPONSE_TIMEOUT", (60, 0.2))
    line = failed_once(fake, client, slow_endpoint.url)
    assert line["errorCode"] == "HttpEndpoint.RequestTimeout"
    assert line["errorMessage"] == (
        "The delivery timed out before a response was received and will be retried. "
        "If this error persists, contact the AWS Firehose service team."
    )


def test_the_endpoint_is_given_3_minutes_to_answer(fake, client, endpoint):
    call = _one_delivery(fake, client, endpoint)
    assert call.request.req_kwargs["timeout"] == 180


def test_a_certificate_the_delivery_does_not_trust_fails_the_handshake(fake, client, tmp_path):
    endpoint = SlowEndpoint(tmp_path)  # self-signed, and not trusted this time
    try:
        line = failed_once(fake, client, endpoint.url)
    finally:
        endpoint.close()
    assert line["errorCode"] == "HttpEndpoint.SSLHandshakeFailure"
    assert endpoint.arrived.empty()


def test_a_port_nobody_listens_on_cannot_be_connected_to(fake, client):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    line = failed_once(fake, client, f"https://127.0.0.1:{port}/ingest")
    assert line["errorCode"] == "HttpEndpoint.ConnectionFailed"
    assert line["errorMessage"] == (
        "Unable to connect to the destination endpoint. "
        "Contact the owner of the endpoint to resolve this issue."
    )


def test_a_slow_endpoint_does_not_stop_other_clients(fake, client, slow_endpoint):
    stream = slow_stream(fake, slow_endpoint.url)
    other = fake.firehose.create_delivery_stream("other", ExtendedS3DestinationConfiguration=S3)
    put(client, b"first")
    delivering = in_thread(stream.flush)
    assert slow_endpoint.next_request() == [b"first"]

    # The endpoint has not answered: the world still serves every other client.
    producer = in_thread(
        lambda: client.put_record(DeliveryStreamName="other", Record={"Data": b"elsewhere"})
    )
    assert finished(producer)
    assert [r.data for r in other.records] == [b"elsewhere"]
    assert stream.pending == [b"first"]
    assert stream.delivered == []

    slow_endpoint.release()
    assert finished(delivering)
    assert stream.delivered == [b"first"]
    assert stream.pending == []


def test_what_comes_while_the_endpoint_is_waited_for_follows_in_order(fake, client, slow_endpoint):
    stream = slow_stream(fake, slow_endpoint.url)
    put(client, b"first")
    delivering = in_thread(stream.flush)
    assert slow_endpoint.next_request() == [b"first"]

    # Another thread's put to the same stream, a clock move past its interval and a
    # flush: none may reach the endpoint before the first batch is answered.
    assert finished(in_thread(lambda: put(client, b"second")))
    assert finished(in_thread(lambda: fake.firehose.clock.advance(seconds=60)))
    assert finished(in_thread(lambda: put(client, b"third")))
    assert finished(in_thread(stream.flush))
    assert slow_endpoint.arrived.empty()
    assert stream.pending == [b"first", b"second", b"third"]
    assert [r.data for r in stream.records] == [b"first", b"second", b"third"]

    slow_endpoint.release()
    assert finished(delivering)
    assert slow_endpoint.next_request() == [b"second"]
    assert slow_endpoint.next_request() == [b"third"]
    assert stream.delivered == [b"first", b"second", b"third"]
    assert stream.pending == []
    [_, second, third] = fake.world.firehose().streams["events"].delivery.objects
    arrivals = {r.data: r.arrived_at for r in stream.records}
    # The second batch went when its interval ended, the third with the flush.
    assert second.delivered_at == arrivals[b"second"] + timedelta(seconds=60)
    assert third.delivered_at == arrivals[b"third"]


def clock_moved(fake: FirehoseFake, seconds: int) -> bool:
    """Whether a move of the fake clock from another thread ended without an error."""
    raised: list[BaseException] = []

    def move() -> None:
        try:
            fake.firehose.clock.advance(seconds=seconds)
        except BaseException as error:
            raised.append(error)

    return finished(in_thread(move)) and raised == []


def test_clock_moves_in_a_row_while_the_endpoint_is_waited_for_are_carried_out_once_it_answers(
    fake, client, slow_endpoint
):
    stream = slow_stream(fake, slow_endpoint.url)
    put(client, b"first")
    delivering = in_thread(stream.flush)
    assert slow_endpoint.next_request() == [b"first"]

    assert clock_moved(fake, 30)
    assert clock_moved(fake, 30)
    assert finished(in_thread(lambda: put(client, b"second")))
    assert clock_moved(fake, 30)
    assert clock_moved(fake, 30)  # the second record's interval ends
    assert slow_endpoint.arrived.empty()

    slow_endpoint.release()
    assert finished(delivering)
    assert slow_endpoint.next_request() == [b"second"]
    assert stream.delivered == [b"first", b"second"]
    [_, second] = fake.world.firehose().streams["events"].delivery.objects
    arrived = next(r.arrived_at for r in stream.records if r.data == b"second")
    assert second.delivered_at == arrived + timedelta(seconds=60)


class StopTheTest(BaseException):
    """What ``pytest.fail`` or KeyboardInterrupt raise: not an ``Exception``."""


def test_a_mock_that_stops_the_test_loses_no_record(fake, client, endpoint):
    answers = []

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        answers.append(request)
        if len(answers) == 1:
            raise StopTheTest
        return endpoint_took_it(request)

    endpoint.add_callback(responses.POST, URL, callback=answer, content_type="application/json")
    create(client)
    put(client, b"a")
    stream = fake.firehose["events"]

    with pytest.raises(StopTheTest):
        stream.flush()
    # A failed attempt: retried a second later, as after any failure.
    assert stream.pending == [b"a"]
    fake.firehose.clock.advance(seconds=1)
    assert stream.delivered == [b"a"]
    assert stream.pending == []
    assert len(answers) == 2


def test_a_mock_that_stops_a_flush_of_retries_loses_none_of_them(fake, client, endpoint):
    """A flush retries every waiting batch in turn: when the first one's attempt stops the
    test, those behind it are still retried."""
    answers = []

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        answers.append(request)
        if len(answers) <= 3:  # a, then a and b: both wait for a retry
            return 500, {}, "not now"
        if len(answers) == 4:
            raise StopTheTest
        return endpoint_took_it(request)

    endpoint.add_callback(responses.POST, URL, callback=answer, content_type="application/json")
    create(client)
    stream = fake.firehose["events"]
    for data in (b"a", b"b"):
        put(client, data)
        stream.flush()
    assert stream.pending == [b"a", b"b"]

    with pytest.raises(StopTheTest):
        stream.flush()
    assert stream.pending == [b"a"]  # b, due at once, went at the next look
    assert stream.delivered == [b"b"]
    fake.firehose.clock.advance(seconds=4)  # a's third failed attempt: retried 4 s later
    assert sorted(stream.delivered) == [b"a", b"b"]
    assert stream.pending == []


def test_a_413_is_a_permanent_failure_neither_retried_nor_backed_up(fake, client, endpoint):
    """The spec: "Response code 413 (size exceeded) is considered as a permanent failure and
    the record batch is not sent to error bucket if configured"."""
    endpoint.add(responses.POST, URL, status=413, json={"errorMessage": "Payload too large"})
    accept(endpoint)
    create(client)
    stream = fake.firehose["events"]
    put(client, b"a", b"b")
    fake.firehose.clock.advance(minutes=10)
    assert len(endpoint.calls) == 1
    assert stream.refused == [b"a", b"b"]
    assert (stream.delivered, stream.pending, stream.backed_up, stream.expired) == ([], [], [], [])
    assert backups(fake) == []
    put(client, b"c")  # the next batch goes as any other
    fake.firehose.clock.advance(seconds=60)
    assert stream.delivered == [b"c"]
    assert stream.refused == [b"a", b"b"]
    places = stream.delivered + stream.pending + stream.expired + stream.backed_up + stream.refused
    assert sorted(places) == sorted(r.data for r in stream.records)


def test_a_failed_assertion_names_the_batches_an_endpoint_refused(fake, client, endpoint):
    endpoint.add(responses.POST, URL, status=413, body="too big")
    create(client)
    put(client, b"a")
    with pytest.raises(AssertionError) as failure:
        fake.firehose["events"].assert_delivered([b"a"])
    assert "refused for good by the endpoint" in str(failure.value)
    assert "1 record(s): Delivery to the endpoint was unsuccessful. " in (str(failure.value))
    assert "413: too big" in str(failure.value)


def test_a_backup_follows_an_error_output_prefix_with_expressions(fake, client):
    create(
        client,
        RetryOptions={"DurationInSeconds": 0},
        S3Configuration={
            **S3,
            "ErrorOutputPrefix": "failed/!{firehose:error-output-type}/!{timestamp:yyyy}/",
            "CompressionFormat": "GZIP",
        },
    )
    fake.firehose["events"].destination_down()
    put(client, b"a")
    fake.firehose.flush()

    [backup] = backups(fake)
    arrived = fake.firehose["events"].records[0].arrived_at
    assert backup.key.startswith(f"failed/http-endpoint-failed/{arrived:%Y}/events-1-")
    assert backup.key.endswith(".gz")


# ------------------------------------------------------------------ a backup S3 does not take


@pytest.fixture
def without_bucket() -> Iterator[responses.RequestsMock]:
    """moto's S3 without the backup bucket, and the endpoint (mocked inside mock_aws, whose
    own requests mock would answer it otherwise)."""
    with mock_aws(), responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def test_a_backup_s3_refuses_keeps_the_batch_pending_and_retried_until_s3_takes_it(
    fake, client, without_bucket
):
    endpoint = without_bucket
    endpoint.add(responses.POST, URL, status=500)
    create(client)
    put(client, b"a")
    stream = fake.firehose["events"]
    fake.firehose.clock.advance(minutes=10)
    assert stream.backed_up == []
    assert stream.pending == [b"a"]
    tried = len(endpoint.calls)
    assert tried > 8  # the endpoint is still tried after the retry duration

    s3 = landing_bucket()
    fake.firehose.clock.advance(minutes=2)  # the next retry, at most 2 minutes on

    assert stream.backed_up == [b"a"]
    assert stream.pending == []
    (backup,) = backups(fake)
    (listed,) = s3.list_objects_v2(Bucket=LANDING)["Contents"]
    assert listed["Key"] == backup.key
    [line] = s3.get_object(Bucket=LANDING, Key=backup.key)["Body"].read().splitlines()
    assert json.loads(line)["attemptsMade"] == len(endpoint.calls) > tried


def test_an_endpoint_back_before_the_backup_bucket_gets_the_records(fake, client, without_bucket):
    status = {"code": 500}

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        return endpoint_took_it(request) if status["code"] == 200 else (status["code"], {}, "{}")

    without_bucket.add_callback(
        responses.POST, URL, callback=answer, content_type="application/json"
    )
    create(client)
    put(client, b"a")
    stream = fake.firehose["events"]
    fake.firehose.clock.advance(minutes=10)
    status["code"] = 200
    fake.firehose.clock.advance(minutes=2)

    assert stream.delivered == [b"a"]
    assert stream.backed_up == []
    assert stream.pending == []


def test_records_neither_the_endpoint_nor_the_backup_takes_expire_after_24_hours(
    fake, client, without_bucket
):
    create(client)
    stream = fake.firehose["events"]
    stream.destination_down()
    put(client, b"a")
    fake.firehose.clock.advance(hours=24)
    assert stream.pending == [b"a"]
    fake.firehose.clock.advance(minutes=2)

    assert stream.expired == [b"a"]
    assert stream.backed_up == []
    assert stream.pending == []


# ------------------------------------------------------------------ records per request


def test_a_buffer_of_more_than_10000_records_is_sent_as_requests_of_at_most_10000(
    fake, client, endpoint
):
    waiting: list[int] = []

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        # The endpoint takes the small request and fails the full one.
        waiting.append(len(fake.firehose["events"].pending))
        records = json.loads(request.body)["records"]
        return endpoint_took_it(request) if len(records) < 10_000 else (500, {}, "{}")

    endpoint.add_callback(responses.POST, URL, callback=answer, content_type="application/json")
    create(client)
    payloads = [b"%d" % i for i in range(10_001)]
    for start in range(0, len(payloads), 500):
        put(client, *payloads[start : start + 500])
    stream = fake.firehose["events"]

    fake.firehose.clock.advance(seconds=60)

    first, second = (json.loads(call.request.body) for call in endpoint.calls[:2])
    assert [len(first["records"]), len(second["records"])] == [10_000, 1]
    assert first["requestId"] != second["requestId"]
    assert base64.b64decode(second["records"][0]["data"]) == b"10000"
    assert stream.delivered == [b"10000"]
    assert stream.pending == payloads[:10_000]
    # While the first request waits for its answer, the second is pending behind it.
    assert waiting[:2] == [10_001, 10_001]

    fake.firehose.clock.advance(seconds=127)  # the full request's retries run out

    assert stream.backed_up == payloads[:10_000]
    assert stream.delivered == [b"10000"]
    assert stream.pending == []
    (backup,) = backups(fake)
    assert backup.key.endswith(f"-{first['requestId']}")
    # Only the failed request was retried, under its own id.
    retried = {call.request.headers["X-Amz-Firehose-Request-Id"] for call in endpoint.calls[2:]}
    assert retried == {first["requestId"]}


def test_a_mock_that_stops_the_test_loses_no_request_of_a_large_buffer(fake, client, endpoint):
    answers = []

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        answers.append(len(json.loads(request.body)["records"]))
        if len(answers) == 1:
            raise StopTheTest
        return endpoint_took_it(request)

    endpoint.add_callback(responses.POST, URL, callback=answer, content_type="application/json")
    create(client)
    payloads = [b"%d" % i for i in range(10_001)]
    for start in range(0, len(payloads), 500):
        put(client, *payloads[start : start + 500])
    stream = fake.firehose["events"]

    with pytest.raises(StopTheTest):
        stream.flush()
    # The first request failed and waits for its retry; the second was not lost with it.
    assert answers[0] == 10_000
    assert sorted(stream.pending + stream.delivered) == sorted(payloads)
    fake.firehose.clock.advance(seconds=1)
    assert sorted(answers) == [1, 10_000, 10_000]
    assert sorted(stream.delivered) == sorted(payloads)
    assert stream.pending == []
