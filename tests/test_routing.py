"""Routing: which service, operation, region and attempt a request names, read once."""

from __future__ import annotations

import itertools
import re

import pytest

from pytest_firehose._wire import routing
from pytest_firehose._wire.codec import HttpRequest
from pytest_firehose._wire.routing import Route, attempt_of, route_of, route_to, service_of

SCOPE = "AWS4-HMAC-SHA256 Credential=testing/20260101/{}/{}/aws4_request, SignedHeaders=host"


def request(url: str = "http://127.0.0.1:4573/", **headers: str) -> HttpRequest:
    return HttpRequest("POST", url, {k.replace("_", "-"): v for k, v in headers.items()}, b"")


def test_a_target_names_service_and_operation_and_the_scope_the_region() -> None:
    sent = request(
        x_amz_target="Kinesis_20131202.PutRecords",
        authorization=SCOPE.format("eu-west-1", "kinesis"),
        amz_sdk_request="attempt=2; max=5",
        amz_sdk_invocation_id="abc",
    )
    assert route_of(sent, "us-east-1") == Route("kinesis", "PutRecords", "eu-west-1", 2, "abc")


@pytest.mark.parametrize(
    ("url", "headers", "expected"),
    [
        ("https://firehose.eu-west-2.amazonaws.com/", {}, ("firehose", "eu-west-2")),
        ("https://kinesis-fips.us-west-1.amazonaws.com/", {}, ("kinesis", "us-west-1")),
        (
            "http://127.0.0.1:4573/",
            {"authorization": SCOPE.format("ap-south-1", "firehose")},
            ("firehose", "ap-south-1"),
        ),
        ("http://127.0.0.1:4573/", {"x_amz_target": "Firehose_20150804.X"}, ("firehose", "sa")),
    ],
)
def test_the_service_comes_from_the_target_else_the_host_else_the_scope(
    url: str, headers: dict[str, str], expected: tuple[str, str]
) -> None:
    route = route_of(request(url, **headers), "sa")
    assert route is not None
    assert (route.service, route.region) == expected


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("https://s3.us-east-1.amazonaws.com/bucket", {}),
        # The host names S3: the signing scope is not asked.
        ("https://s3.us-east-1.amazonaws.com/", {"authorization": SCOPE.format("x", "firehose")}),
        ("http://localhost:9000/", {"x_amz_target": "DynamoDB_20120810.GetItem"}),
        ("http://localhost:9000/", {}),
    ],
)
def test_a_request_for_someone_else_has_no_route(url: str, headers: dict[str, str]) -> None:
    assert route_of(request(url, **headers), "us-east-1") is None
    assert service_of(request(url, **headers)) is None


def test_a_target_without_an_operation_routes_with_none() -> None:
    route = route_of(request(x_amz_target="Firehose_20150804"), "us-east-1")
    assert route == Route("firehose", "", "us-east-1", None, None)


def test_route_to_takes_the_service_given() -> None:
    sent = request("http://localhost/", x_amz_target="Kinesis_20131202.ListStreams")
    assert route_to("firehose", sent, "us-east-2") == Route(
        "firehose", "ListStreams", "us-east-2", None, None
    )


def test_attempt_of_reads_botocores_header() -> None:
    assert attempt_of({"amz-sdk-request": "ttl=x; attempt=3; max=3"}) == 3
    assert attempt_of({}) is None


def test_an_attempt_number_no_client_sends_is_no_attempt() -> None:
    # Python reads no integer of more than 4,300 digits: the server answered such a
    # header with a 500 naming the ValueError.
    assert attempt_of({"amz-sdk-request": "attempt=" + "9" * 5000}) is None
    assert attempt_of({"amz-sdk-request": "attempt=" + "9" * 10 + "; max=3"}) is None
    assert attempt_of({"amz-sdk-request": "attempt=123456789"}) == 123456789


def test_the_attempt_is_read_as_the_pattern_reads_it() -> None:
    """The quick reading of botocore's own form gives what the pattern gives, for headers
    of that form and near it."""
    pattern = re.compile(r"attempt=(\d{1,9})(?!\d)")
    for digits, tail in itertools.product(
        ["", "0", "1", "12", "123456789", "1234567890", "٣", "1a", "a1", " 1"],
        ["", ";", "; max=5", ";1", "5; max=5", " ; max=5", "; attempt=7"],
    ):
        for value in (f"attempt={digits}{tail}", f"ttl=x; attempt={digits}{tail}"):
            match = pattern.search(value)
            expected = int(match.group(1)) if match else None
            assert attempt_of({"amz-sdk-request": value}) == expected, value


def test_attempts_read_again_and_many_read_once_read_as_the_pattern_reads_them() -> None:
    """A header read before gives what it gave then (most requests repeat one), and a run
    of new ones (adaptive retries write a new ttl= every attempt) leaves only a few kept."""
    pattern = re.compile(r"attempt=(\d{1,9})(?!\d)")
    values = [f"ttl=20260101T0000{i:02d}Z; attempt={i % 5 + 1}; max=5" for i in range(200)]
    for value in values + values[:10] + ["attempt=1; max=3"] * 3:
        match = pattern.search(value)
        expected = int(match.group(1)) if match else None
        assert attempt_of({"amz-sdk-request": value}) == expected, value
    assert len(routing._ATTEMPTS) <= 64
    long = "attempt=2; max=3" + ";" * 100
    assert attempt_of({"amz-sdk-request": long}) == 2
    assert long not in routing._ATTEMPTS
