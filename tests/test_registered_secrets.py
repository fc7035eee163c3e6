"""``firehose.secret(...)``: a test without moto gives the Secrets Manager secret an HTTP
endpoint destination reads its access key from, found by its complete or partial ARN in the
stream's Region, ahead of moto's Secrets Manager; registering it again is a rotation.

``responses`` plays the endpoint; nothing leaves the process."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import responses
from conftest import REGION, S3, access_keys, landing_bucket, needs_botocore, put, taking_endpoint
from moto import mock_aws

from pytest_firehose import FirehoseFake, UsageError

#: HTTP endpoints' Secrets Manager settings came with a botocore newer than the oldest supported.
pytestmark = needs_botocore(
    "firehose CreateDeliveryStream.HttpEndpointDestinationConfiguration.SecretsManagerConfiguration"
)

URL = "https://collector.example.com/firehose"
ACCOUNT = "123456789012"
#: The partial ARN (no random suffix) of the secret ``collector``.
PARTIAL = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:collector"
INVALID = "HttpEndpoint.InvalidSecretFormat"


def create(client: Any, secret_arn: str = PARTIAL, name: str = "events") -> None:
    client.create_delivery_stream(
        DeliveryStreamName=name,
        HttpEndpointDestinationConfiguration={
            "EndpointConfiguration": {"Url": URL, "Name": "collector", "AccessKey": "plain"},
            "BufferingHints": {"IntervalInSeconds": 60},
            "RetryOptions": {"DurationInSeconds": 60},
            "S3Configuration": S3,
            "SecretsManagerConfiguration": {"Enabled": True, "SecretARN": secret_arn},
        },
    )


@pytest.fixture
def endpoint() -> Iterator[responses.RequestsMock]:
    """The endpoint, which takes every request; no moto."""
    with taking_endpoint(URL) as mock:
        yield mock


def delivered_key(fake: FirehoseFake, client: Any, endpoint: Any, secret_arn: str) -> list[Any]:
    """The keys the endpoint got for one record of a stream reading ``secret_arn``."""
    create(client, secret_arn)
    put(client, b"a")
    fake.firehose["events"].flush()
    return access_keys(endpoint)


# ------------------------------------------------------------------ found and sent


@pytest.mark.parametrize(
    "value", [{"api_key": "registered"}, '{"api_key": "registered"}'], ids=["mapping", "text"]
)
def test_a_registered_secret_is_the_access_key_without_moto(fake, client, endpoint, value):
    fake.firehose.secret("collector", value)

    assert delivered_key(fake, client, endpoint, PARTIAL) == ["registered"]
    assert fake.firehose["events"].delivered == [b"a"]


def test_registering_returns_the_complete_arn_a_destination_finds_it_by(fake, client, endpoint):
    arn = fake.firehose.secret("collector", {"api_key": "k"})

    # Secrets Manager's form: the name, a hyphen and six characters; the same every run.
    assert re.fullmatch(rf"{re.escape(PARTIAL)}-[A-Za-z0-9]{{6}}", arn)
    assert fake.firehose.secret("collector", {"api_key": "k"}) == arn
    assert delivered_key(fake, client, endpoint, arn) == ["k"]


def test_a_secret_registered_by_its_complete_arn_keeps_that_arn(fake, client, endpoint):
    arn = f"{PARTIAL}-AbC123"

    assert fake.firehose.secret(arn, {"api_key": "k"}) == arn
    assert delivered_key(fake, client, endpoint, PARTIAL) == ["k"]


def test_a_complete_arn_with_another_suffix_finds_no_secret(fake, client, endpoint):
    fake.firehose.secret(f"{PARTIAL}-AbC123", {"api_key": "k"})
    create(client, f"{PARTIAL}-XyZ789")
    put(client, b"a")
    stream = fake.firehose["events"]
    with pytest.raises(AssertionError) as failure:
        stream.assert_delivered([b"a"])

    assert len(endpoint.calls) == 0
    assert "ResourceNotFoundException" in str(failure.value)
    assert f"firehose.secret('{PARTIAL}-XyZ789', " in str(failure.value)


def test_a_partial_arn_ending_like_a_complete_one_is_taken_for_one(fake, client, endpoint):
    # Secrets Manager's rule: a name ending in a hyphen and six characters, given as a
    # partial ARN, is read as a complete ARN, which no secret has.
    fake.firehose.secret("collector-abcdef", {"api_key": "k"})
    create(client, f"{PARTIAL}-abcdef")
    put(client, b"a")
    fake.firehose.clock.advance(seconds=60)

    assert fake.firehose["events"].pending == [b"a"]
    assert len(endpoint.calls) == 0


def test_a_secret_lives_in_its_region(fake, client, endpoint):
    elsewhere = fake.firehose.secret("collector", {"api_key": "k"}, region="us-west-2")
    create(client, elsewhere)
    put(client, b"a")
    fake.firehose.clock.advance(seconds=60)

    assert elsewhere.startswith("arn:aws:secretsmanager:us-west-2:")
    assert fake.firehose["events"].pending == [b"a"]
    assert len(endpoint.calls) == 0


def test_an_arn_of_another_region_finds_no_secret_of_the_streams_region(fake, client, endpoint):
    fake.firehose.secret("collector", {"api_key": "k"})
    create(client, PARTIAL.replace(REGION, "us-west-2"))
    put(client, b"a")
    fake.firehose.clock.advance(seconds=60)

    assert fake.firehose["events"].pending == [b"a"]
    assert len(endpoint.calls) == 0


def test_a_stream_of_another_region_reads_the_secret_registered_there(fake, endpoint):
    west = boto3.client("firehose", region_name="us-west-2")
    arn = fake.firehose.secret("collector", {"api_key": "west"}, region="us-west-2")
    create(west, arn)
    west.put_record(DeliveryStreamName="events", Record={"Data": b"a"})
    fake.firehose.flush()

    assert access_keys(endpoint) == ["west"]


def test_registering_again_is_a_rotation_sent_once_the_cache_runs_out(fake, client, endpoint):
    first = fake.firehose.secret("collector", {"api_key": "first"})
    create(client)
    stream = fake.firehose["events"]
    put(client, b"a")
    stream.flush()  # read now

    rotated = fake.firehose.secret(PARTIAL, {"api_key": "rotated"})
    fake.firehose.clock.advance(minutes=9, seconds=59)
    put(client, b"b")
    stream.flush()
    fake.firehose.clock.advance(seconds=1)
    put(client, b"c")
    stream.flush()

    assert rotated == first  # the same secret, a new value
    assert access_keys(endpoint) == ["first", "first", "rotated"]


def test_a_registered_secret_not_in_the_format_fails_the_delivery(fake, client, endpoint):
    fake.firehose.secret("collector", {"apikey": "k"})
    create(client)
    put(client, b"a")
    stream = fake.firehose["events"]
    fake.firehose.clock.advance(seconds=125)

    assert len(endpoint.calls) == 0
    assert stream.backed_up == [b"a"]
    [backup] = stream.backed_up_objects
    [line] = [json.loads(line) for line in backup.body.decode().splitlines()]
    assert line["errorCode"] == INVALID


def test_without_a_registered_secret_or_moto_the_message_says_how_to_register_it(
    fake, client, endpoint
):
    create(client)
    put(client, b"a")
    with pytest.raises(AssertionError) as failure:
        fake.firehose["events"].assert_delivered([b"a"])

    shown = str(failure.value)
    assert f'firehose.secret(\'{PARTIAL}\', {{"api_key": "..."}})' in shown
    assert "POST /_fake/secret" in shown
    assert "mock_aws()" in shown


def test_a_world_reset_forgets_registered_secrets(fake, client, endpoint):
    fake.firehose.secret("collector", {"api_key": "k"})
    fake.world.reset()

    create(client)
    put(client, b"a")
    fake.firehose.clock.advance(seconds=60)

    assert len(endpoint.calls) == 0


# ------------------------------------------------------------------ beside moto


@pytest.fixture
def moto_endpoint(fake: FirehoseFake) -> Iterator[responses.RequestsMock]:
    """moto for AWS, with the backup bucket, and the endpoint."""
    with mock_aws(), taking_endpoint(URL) as mock:
        landing_bucket()
        yield mock


def test_a_registered_secret_wins_over_motos_of_the_same_name(fake, client, moto_endpoint):
    boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name="collector", SecretString=json.dumps({"api_key": "from-moto"})
    )
    fake.firehose.secret("collector", {"api_key": "registered"})

    assert delivered_key(fake, client, moto_endpoint, PARTIAL) == ["registered"]


def test_motos_secret_is_read_where_none_is_registered(fake, client, moto_endpoint):
    boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name="collector", SecretString=json.dumps({"api_key": "from-moto"})
    )
    fake.firehose.secret("other", {"api_key": "registered"})

    assert delivered_key(fake, client, moto_endpoint, PARTIAL) == ["from-moto"]


# ------------------------------------------------------------------ misuse


@pytest.mark.parametrize(
    ("name_or_arn", "value", "region", "refusal"),
    [
        (
            "my secret",
            {"api_key": "k"},
            None,
            "secret('my secret', ...): 'my secret' is not a name Secrets Manager takes: 1 to 512 "
            "ASCII letters, digits and /_+=.@-",
        ),
        ("", {"api_key": "k"}, None, "'' is not a name Secrets Manager takes"),
        ("x" * 513, {"api_key": "k"}, None, "is not a name Secrets Manager takes"),
        (
            None,
            {"api_key": "k"},
            None,
            "secret(None, ...): a secret is named by a string, a name such as 'collector', or "
            "an ARN such as 'arn:aws:secretsmanager:us-east-1:123456789012:secret:collector', "
            "not None",
        ),
        (
            "arn:aws:secretsmanager:us-east-1:1234:secret:collector",
            {"api_key": "k"},
            None,
            "is not a Secrets Manager secret's ARN: "
            "arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME (ACCOUNT 12 digits)",
        ),
        (
            "arn:aws:s3:::collector",
            {"api_key": "k"},
            None,
            "is not a Secrets Manager secret's ARN",
        ),
        (
            "arn:aws-cn:secretsmanager:us-east-1:123456789012:secret:collector",
            {"api_key": "k"},
            None,
            "us-east-1 is in the partition aws, so its ARNs begin arn:aws:, not arn:aws-cn:",
        ),
        (
            PARTIAL,
            {"api_key": "k"},
            "eu-west-1",
            "the ARN names the region us-east-1, and region='eu-west-1' another; drop region",
        ),
        (
            f"{PARTIAL} x",
            {"api_key": "k"},
            None,
            "the ARN's secret name 'collector x' is not a name Secrets Manager takes",
        ),
        (
            "collector",
            b'{"api_key": "k"}',
            None,
            "the secret's value is its SecretString, a str, or a mapping written as JSON, such "
            "as {'api_key': '...'}; an HTTP endpoint reads no SecretBinary",
        ),
        ("collector", 7, None, "the secret's value is its SecretString"),
        ("collector", None, None, "the secret's value is its SecretString"),
        (
            "collector",
            "",
            None,
            "Secrets Manager stores a SecretString of 1 to 65,536 characters; this one has 0",
        ),
        ("collector", "x" * 65537, None, "this one has 65,537"),
        (
            "collector",
            {"api_key": {1, 2}},
            None,
            "the secret's value is written as JSON, and this mapping cannot be",
        ),
        ("collector", {"api_key": float("nan")}, None, "cannot be"),
        ("collector", {"api_key": "k"}, "nowhere", "region is a region name such as"),
    ],
)
def test_what_secrets_manager_would_not_take_is_refused(fake, name_or_arn, value, region, refusal):
    with pytest.raises(UsageError) as refused:
        fake.firehose.secret(name_or_arn, value, region=region)

    assert refusal in str(refused.value)
    assert fake.world.firehose().secrets.names() == []


def test_the_longest_value_and_name_are_taken(fake):
    arn = fake.firehose.secret("n" * 512, "x" * 65536)

    assert arn.split(":secret:")[1].startswith("n" * 512 + "-")


def test_a_stopped_fake_takes_no_secret():
    with FirehoseFake(region=REGION) as stopped:
        handle = stopped.firehose
    with pytest.raises(UsageError, match="has stopped"):
        handle.secret("collector", {"api_key": "k"})
