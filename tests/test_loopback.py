"""The loopback gate reads a URL's host as urllib3 connects to it: a URL that
``urllib.parse`` reads as 127.0.0.1 but that connects elsewhere is refused, by the HTTP
endpoint destination and by the fake's ``allow_hosts`` and ``send_over_network``."""

from __future__ import annotations

from typing import Any

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
