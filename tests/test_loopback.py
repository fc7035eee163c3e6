"""The loopback gate reads a URL's host as urllib3 connects to it: a URL that
``urllib.parse`` reads as 127.0.0.1 but that connects elsewhere is refused, by the HTTP
endpoint destination and by the fake's ``allow_hosts`` and ``send_over_network``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import boto3
import pytest
import urllib3.connection
from botocore.config import Config

from pytest_firehose import FirehoseFake
from pytest_firehose._errors import UnmockedRequestError, UsageError
from pytest_firehose._loopback import Address, address_of, reaches_loopback

#: urllib.parse reads 127.0.0.1 here; urllib3 (and so requests and botocore) 192.0.2.10.
BACKSLASH = "https://192.0.2.10\\@127.0.0.1/ingest"
S3 = {"RoleARN": "arn:aws:iam::123456789012:role/firehose", "BucketARN": "arn:aws:s3:::bucket"}


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Hosts anything in the process tried to open a socket to (none is opened)."""
    opened: list[str] = []

    def connect(connection: Any) -> None:
        opened.append(connection.host)
        raise OSError("the test refuses every connection")

    monkeypatch.setattr(urllib3.connection.HTTPConnection, "connect", connect)
    return opened


@pytest.mark.parametrize(
    ("url", "address"),
    [
        (BACKSLASH, Address("192.0.2.10", None)),
        ("http://127.0.0.1:80\\@192.0.2.1/", Address("127.0.0.1", 80)),
        ("http://user@127.0.0.1:4573/", Address("127.0.0.1", 4573)),
        ("http://[::1]:8080/x", Address("::1", 8080)),
        ("http://LOCALHOST/", Address("localhost", None)),
    ],
)
def test_the_host_is_the_one_urllib3_connects_to(url: str, address: Address) -> None:
    assert address_of(url) == address
    assert address_of(url).host == (urllib3.util.parse_url(url).host or "").strip("[]").lower()


def test_a_url_urllib3_cannot_read_has_no_host() -> None:
    assert address_of("http://[") == Address("", None)
    assert not reaches_loopback("http://[")


def test_a_url_that_only_looks_local_is_not_loopback() -> None:
    assert not reaches_loopback(BACKSLASH)
    assert reaches_loopback("https://127.0.0.1:8443/ingest")


def test_the_http_endpoint_refuses_a_url_that_only_looks_local(
    fake: FirehoseFake, client: Any, connections: list[str]
) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events",
        HttpEndpointDestinationConfiguration={
            "EndpointConfiguration": {"Url": BACKSLASH, "AccessKey": "secret"},
            "RetryOptions": {"DurationInSeconds": 0},
            "S3Configuration": S3,
        },
    )
    client.put_record(DeliveryStreamName="events", Record={"Data": b"a"})
    stream.flush()

    assert connections == []
    assert (stream.backed_up, stream.delivery_errors) == ([b"a"], [])
    body = fake.world.firehose().streams["events"].backed_up[0].body
    assert b"nothing intercepts https://192.0.2.10/%5C@127.0.0.1/ingest" in body


def test_allow_hosts_does_not_let_a_url_that_only_looks_local_through(
    connections: list[str],
) -> None:
    with FirehoseFake(allow_hosts=["127.0.0.1"]):
        s3 = boto3.client(
            "s3",
            region_name="us-east-1",
            endpoint_url="http://192.0.2.10\\@127.0.0.1:9000",
            config=Config(retries={"total_max_attempts": 1}),
        )
        with pytest.raises(UnmockedRequestError, match=r"'192\.0\.2\.10'"):
            s3.list_buckets()
    assert connections == []


def test_send_over_network_refuses_a_url_that_only_looks_local() -> None:
    with FirehoseFake() as fake, pytest.raises(UsageError, match="not a loopback URL"):
        fake.send_over_network("http://192.0.2.10\\@127.0.0.1:4573")


class _Bucket(BaseHTTPRequestHandler):
    """The least of an S3 on loopback: PutObject stores, GetObject reads, path-style."""

    objects: ClassVar[dict[str, bytes]] = {}

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.objects[self.path.split("?")[0]] = body
        self.send_response(200)
        self.send_header("ETag", '"0"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def loopback_s3() -> Iterator[tuple[str, dict[str, bytes]]]:
    objects: dict[str, bytes] = {}
    handler = type("Bucket", (_Bucket,), {"objects": objects})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", objects
    server.shutdown()
    server.server_close()
    thread.join()


def test_an_s3_destination_writes_to_an_s3_on_a_loopback_host_the_test_allows(
    loopback_s3: tuple[str, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What async readers of the bucket (s3fs, pandas's s3:// URLs, aioboto3) need: moto's
    mock_aws answers no aiobotocore client, a moto server on loopback does."""
    url, objects = loopback_s3
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", url)
    with FirehoseFake(allow_hosts=["127.0.0.1"]) as fake:
        stream = fake.firehose.create_delivery_stream(
            "events", ExtendedS3DestinationConfiguration={**S3, "Prefix": "raw/"}
        )
        boto3.client("firehose", region_name="us-east-1").put_record(
            DeliveryStreamName="events", Record={"Data": b"a\n"}
        )
        stream.flush()

        (delivered,) = stream.objects
        assert objects == {f"/bucket/{delivered.key}": b"a\n"}
