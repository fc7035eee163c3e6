"""``POST /_fake/secret``: a test in another language registers the Secrets Manager secret
an HTTP endpoint destination of the local server reads its access key from, as a Python
test does with ``firehose.secret``; under ``python -m pytest_firehose serve`` nothing else
stands in for Secrets Manager.

``responses`` plays the endpoint; the server's deliveries run in this process."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import responses
from conftest import (
    REGION,
    S3,
    access_keys,
    ask_control,
    needs_botocore,
    put,
    server_client,
    taking_endpoint,
)

from pytest_firehose._doors.server import FirehoseServer
from pytest_firehose._engine.world import World

#: HTTP endpoints' Secrets Manager settings came with a botocore newer than the oldest supported.
pytestmark = needs_botocore(
    "firehose CreateDeliveryStream.HttpEndpointDestinationConfiguration.SecretsManagerConfiguration"
)

URL = "https://collector.example.com/firehose"
PARTIAL = f"arn:aws:secretsmanager:{REGION}:123456789012:secret:collector"


@pytest.fixture
def served() -> Iterator[FirehoseServer]:
    # As under `python -m pytest_firehose serve`: no fake intercepts botocore's requests.
    with FirehoseServer(World(region=REGION)) as server:
        yield server


@pytest.fixture
def endpoint() -> Iterator[responses.RequestsMock]:
    with taking_endpoint(URL) as mock:
        yield mock


def create(server: FirehoseServer, secret_arn: str = PARTIAL) -> Any:
    firehose = server_client(server)
    firehose.create_delivery_stream(
        DeliveryStreamName="events",
        HttpEndpointDestinationConfiguration={
            "EndpointConfiguration": {"Url": URL, "Name": "collector"},
            "RetryOptions": {"DurationInSeconds": 60},
            "S3Configuration": S3,
            "SecretsManagerConfiguration": {"Enabled": True, "SecretARN": secret_arn},
        },
    )
    return firehose


def test_a_secret_registered_over_http_is_the_access_key_the_endpoint_receives(
    served: FirehoseServer, endpoint: responses.RequestsMock
) -> None:
    body = {"secret": "collector", "value": {"api_key": "from-http"}}
    status, registered = ask_control(served, "POST", "/_fake/secret", body)
    firehose = create(served)
    put(firehose, b"a")
    assert ask_control(served, "POST", "/_fake/flush")[0] == 200

    assert status == 201
    assert registered["name"] == "collector"
    assert re.fullmatch(rf"{re.escape(PARTIAL)}-[A-Za-z0-9]{{6}}", registered["arn"])
    assert access_keys(endpoint) == ["from-http"]
    status, shown = ask_control(served, "GET", "/_fake/streams/events")
    assert shown["delivered"] == ["YQ=="]


def test_a_secret_given_as_text_in_another_region_by_its_arn(
    served: FirehoseServer, endpoint: responses.RequestsMock
) -> None:
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:collector-AbC123"
    body = {"secret": arn, "value": '{"api_key": "west"}', "region": "eu-west-1"}
    assert ask_control(served, "POST", "/_fake/secret", body) == (
        201,
        {"name": "collector", "arn": arn},
    )
    firehose = server_client(served, region_name="eu-west-1")
    firehose.create_delivery_stream(
        DeliveryStreamName="events",
        HttpEndpointDestinationConfiguration={
            "EndpointConfiguration": {"Url": URL},
            "S3Configuration": S3,
            "SecretsManagerConfiguration": {"Enabled": True, "SecretARN": arn},
        },
    )
    firehose.put_record(DeliveryStreamName="events", Record={"Data": b"a"})
    ask_control(served, "POST", "/_fake/flush")

    assert access_keys(endpoint) == ["west"]


def test_registering_again_over_http_rotates_the_key_after_10_minutes(
    served: FirehoseServer, endpoint: responses.RequestsMock
) -> None:
    ask_control(served, "POST", "/_fake/secret", {"secret": "collector", "value": {"api_key": "1"}})
    firehose = create(served)
    put(firehose, b"a")
    ask_control(served, "POST", "/_fake/flush")
    ask_control(served, "POST", "/_fake/secret", {"secret": "collector", "value": {"api_key": "2"}})
    put(firehose, b"b")
    ask_control(served, "POST", "/_fake/flush")
    ask_control(served, "POST", "/_fake/clock", {"advance": 600})
    put(firehose, b"c")
    ask_control(served, "POST", "/_fake/flush")

    assert access_keys(endpoint) == ["1", "1", "2"]


def test_without_a_registered_secret_the_failure_names_the_endpoint_that_registers_it(
    served: FirehoseServer, endpoint: responses.RequestsMock
) -> None:
    put(create(served), b"a")
    with pytest.raises(AssertionError) as failure:
        served.firehose["events"].assert_delivered([b"a"])

    shown = str(failure.value)
    assert (
        "POST /_fake/secret with " + json.dumps({"secret": PARTIAL, "value": {"api_key": "..."}})
        in shown
    )
    assert "EndpointConfiguration.AccessKey" in shown
    assert len(endpoint.calls) == 0


def test_a_reset_forgets_the_secrets_registered(
    served: FirehoseServer, endpoint: responses.RequestsMock
) -> None:
    body = {"secret": "collector", "value": {"api_key": "k"}}
    assert ask_control(served, "POST", "/_fake/secret", body)[0] == 201
    ask_control(served, "POST", "/_fake/reset")
    put(create(served), b"a")
    ask_control(served, "POST", "/_fake/flush")

    assert len(endpoint.calls) == 0


@pytest.mark.parametrize(
    ("body", "refusal"),
    [
        (
            {"value": {"api_key": "k"}},
            'POST /_fake/secret: a secret is named by a string, a name such as "collector", or '
            'an ARN such as "arn:aws:secretsmanager:us-east-1:123456789012:secret:collector", '
            "not null",
        ),
        (
            {"secret": "my secret", "value": {"api_key": "k"}},
            'POST /_fake/secret: "my secret" is not a name Secrets Manager takes',
        ),
        (
            {"secret": "collector"},
            "POST /_fake/secret: the secret's value is its SecretString, a string, or an "
            'object, such as {"api_key": "..."}; not null',
        ),
        (
            {"secret": "collector", "value": ""},
            "POST /_fake/secret: Secrets Manager stores a SecretString of 1 to 65,536 "
            "characters; this one has 0",
        ),
        (
            {"secret": PARTIAL, "value": "{}", "region": "eu-west-1"},
            'POST /_fake/secret: the ARN names the region us-east-1, and "region": "eu-west-1" '
            'another; drop "region"',
        ),
        (
            {"secret": "collector", "value": "{}", "region": "nowhere"},
            '"region" is a region name such as "eu-west-1", not "nowhere"',
        ),
        (
            {"secret": "collector", "value": "{}", "name": "collector"},
            'POST /_fake/secret takes no "name" (its body takes "secret", "value", "region")',
        ),
    ],
    ids=["no-secret", "bad-name", "no-value", "empty", "two-regions", "bad-region", "stray"],
)
def test_what_the_python_api_refuses_is_refused_in_the_clients_terms(
    served: FirehoseServer, body: dict[str, Any], refusal: str
) -> None:
    status, answer = ask_control(served, "POST", "/_fake/secret", body)

    assert (status, answer["error"].startswith(refusal)) == (400, True), answer
    assert served.world.firehose().secrets.names() == []
