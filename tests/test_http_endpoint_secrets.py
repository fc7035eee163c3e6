"""An HTTP endpoint destination's access key from AWS Secrets Manager: with
``SecretsManagerConfiguration`` enabled, the secret's ``api_key`` (read from moto's Secrets
Manager, refreshed every 10 minutes of fake time) is the ``X-Amz-Firehose-Access-Key``; a
secret that cannot be read fails the delivery as any failed HTTP delivery fails.

``responses`` plays the endpoint, inside ``mock_aws`` (whose own requests mock would answer it
otherwise); nothing leaves the process."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import responses
from conftest import (
    REGION,
    S3,
    access_keys,
    ask_control,
    endpoint_took_it,
    landing_bucket,
    needs_botocore,
    put,
    server_client,
    taking_endpoint,
)
from moto import mock_aws

from pytest_firehose import FirehoseFake, UnmodelledSettingWarning
from pytest_firehose._doors.server import FirehoseServer, serve_fake
from pytest_firehose._engine.world import World

#: HTTP endpoints' Secrets Manager settings came with a botocore newer than the oldest supported.
pytestmark = needs_botocore(
    "firehose CreateDeliveryStream.HttpEndpointDestinationConfiguration.SecretsManagerConfiguration"
)

URL = "https://collector.example.com/firehose"
#: The partial ARN (no random suffix) of the secret ``secret()`` creates.
SECRET = f"arn:aws:secretsmanager:{REGION}:123456789012:secret:collector"
NOT_RETRIEVED = "HttpEndpoint.SecretRetrievalFailed"
INVALID = "HttpEndpoint.InvalidSecretFormat"


def destination(**extra: Any) -> dict[str, Any]:
    return {
        "EndpointConfiguration": {"Url": URL, "Name": "collector", "AccessKey": "plain-key"},
        "BufferingHints": {"IntervalInSeconds": 60},
        "RetryOptions": {"DurationInSeconds": 120},
        "S3Configuration": {**S3, "ErrorOutputPrefix": "failed/"},
        "SecretsManagerConfiguration": {"Enabled": True, "SecretARN": SECRET},
        **extra,
    }


def create(client: Any, **extra: Any) -> None:
    client.create_delivery_stream(
        DeliveryStreamName="events", HttpEndpointDestinationConfiguration=destination(**extra)
    )


def secret(value: str | None = None, *, binary: bytes | None = None) -> Any:
    """Create the secret ``collector`` in moto's Secrets Manager (``mock_aws`` active); a
    boto3 client on it."""
    manager = boto3.client("secretsmanager", region_name=REGION)
    if binary is not None:
        manager.create_secret(Name="collector", SecretBinary=binary)
    else:
        manager.create_secret(Name="collector", SecretString=value)
    return manager


def api_key(value: str) -> str:
    return json.dumps({"api_key": value})


@pytest.fixture
def endpoint(fake: FirehoseFake) -> Iterator[responses.RequestsMock]:
    """moto for AWS, with the backup bucket, and the endpoint, which takes every request."""
    with mock_aws(), taking_endpoint(URL) as mock:
        landing_bucket()
        yield mock


def failure_lines(fake: FirehoseFake) -> list[dict[str, Any]]:
    """The failed records of the stream's one backup."""
    [backup] = fake.world.firehose().streams["events"].backed_up
    return [json.loads(line) for line in backup.body.decode().splitlines()]


# ------------------------------------------------------------------ the key is sent


def test_the_secret_api_key_is_the_access_key_in_place_of_the_configured_one(
    fake, client, endpoint
):
    secret(api_key("from-the-secret"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnmodelledSettingWarning)  # it is modelled
        create(client)
    put(client, b"a")
    fake.firehose.clock.advance(seconds=60)

    assert fake.firehose["events"].delivered == [b"a"]
    assert access_keys(endpoint) == ["from-the-secret"]


def test_the_secret_is_read_by_its_full_arn(fake, client, endpoint):
    arn = secret(api_key("k")).describe_secret(SecretId="collector")["ARN"]
    create(client, SecretsManagerConfiguration={"Enabled": True, "SecretARN": arn})
    put(client, b"a")
    fake.firehose.clock.advance(seconds=60)

    assert access_keys(endpoint) == ["k"]


def test_secrets_manager_disabled_sends_the_configured_key(fake, client, endpoint):
    secret(api_key("from-the-secret"))
    create(client, SecretsManagerConfiguration={"Enabled": False, "SecretARN": SECRET})
    put(client, b"a")
    fake.firehose.clock.advance(seconds=60)

    assert access_keys(endpoint) == ["plain-key"]


def test_an_enabled_secret_without_an_access_key_configured_sends_the_secret(
    fake, client, endpoint
):
    secret(api_key("k"))
    create(client, EndpointConfiguration={"Url": URL})
    put(client, b"a")
    fake.firehose.clock.advance(seconds=60)

    assert access_keys(endpoint) == ["k"]


def test_a_rotated_secret_is_sent_once_10_minutes_have_passed_since_it_was_read(
    fake, client, endpoint
):
    manager = secret(api_key("first"))
    create(client)
    stream = fake.firehose["events"]
    put(client, b"a")
    stream.flush()  # the secret is read now
    manager.put_secret_value(SecretId="collector", SecretString=api_key("rotated"))

    fake.firehose.clock.advance(minutes=9, seconds=59)
    put(client, b"b")
    stream.flush()
    fake.firehose.clock.advance(seconds=1)
    put(client, b"c")
    stream.flush()

    assert stream.delivered == [b"a", b"b", b"c"]
    assert access_keys(endpoint) == ["first", "first", "rotated"]


def test_each_stream_reads_the_secret_for_itself(fake, client, endpoint):
    manager = secret(api_key("first"))
    create(client)
    put(client, b"a")
    fake.firehose["events"].flush()
    manager.put_secret_value(SecretId="collector", SecretString=api_key("rotated"))
    client.create_delivery_stream(
        DeliveryStreamName="other", HttpEndpointDestinationConfiguration=destination()
    )
    client.put_record(DeliveryStreamName="other", Record={"Data": b"b"})
    put(client, b"c")
    fake.firehose.flush()

    sent = [
        (call.request.headers["X-Amz-Firehose-Source-Arn"].rsplit("/", 1)[1], key)
        for call, key in zip(endpoint.calls, access_keys(endpoint), strict=True)
    ]
    assert sorted(sent) == [("events", "first"), ("events", "first"), ("other", "rotated")]


def test_an_updated_destination_reads_the_secret_again(fake, client, endpoint):
    manager = secret(api_key("first"))
    create(client)
    stream = fake.firehose["events"]
    put(client, b"a")
    stream.flush()
    manager.put_secret_value(SecretId="collector", SecretString=api_key("rotated"))
    described = client.describe_delivery_stream(DeliveryStreamName="events")
    client.update_destination(
        DeliveryStreamName="events",
        CurrentDeliveryStreamVersionId=described["DeliveryStreamDescription"]["VersionId"],
        DestinationId="destinationId-000000000001",
        HttpEndpointDestinationUpdate={"RetryOptions": {"DurationInSeconds": 60}},
    )
    fake.firehose.clock.advance(minutes=1)
    put(client, b"b")
    stream.flush()

    assert access_keys(endpoint) == ["first", "rotated"]


# ------------------------------------------------------------------ the key cannot be read


UNUSABLE = f"The secret {SECRET} is not in the format"


@pytest.mark.parametrize(
    ("stored", "code", "message", "advice"),
    [
        (
            None,
            NOT_RETRIEVED,
            f"Firehose could not retrieve the secret {SECRET} from AWS Secrets Manager: "
            "ResourceNotFoundException: Secrets Manager can't find the specified secret.",
            "neither the test's registered secrets nor whatever stands in for Secrets Manager "
            f"hold a secret {SECRET}",
        ),
        ({"value": "not json"}, INVALID, UNUSABLE, "its current value is not a JSON object"),
        ({"value": '["k"]'}, INVALID, UNUSABLE, "its current value is not a JSON object"),
        ({"value": '{"apikey": "k"}'}, INVALID, UNUSABLE, "has no string 'api_key'"),
        ({"value": '{"api_key": 1}'}, INVALID, UNUSABLE, "has no string 'api_key'"),
        (
            {"binary": b'{"api_key": "k"}'},
            INVALID,
            UNUSABLE,
            "its current value holds SecretBinary, not a SecretString",
        ),
    ],
    ids=["no-such-secret", "not-json", "not-an-object", "no-api-key", "number", "binary"],
)
def test_a_secret_that_cannot_be_used_fails_the_delivery_retried_then_backed_up(
    fake, client, endpoint, stored, code, message, advice
):
    if stored is not None:
        secret(stored.get("value"), binary=stored.get("binary"))
    create(client)
    put(client, b"a", b"b")
    stream = fake.firehose["events"]
    fake.firehose.clock.advance(seconds=186)
    assert stream.pending == [b"a", b"b"]
    fake.firehose.clock.advance(seconds=1)

    assert len(endpoint.calls) == 0  # nothing is sent without the key
    assert stream.backed_up == [b"a", b"b"]
    assert stream.delivered == []
    lines = failure_lines(fake)
    # Attempts at 60, 61, 63, 67, 75, 91, 123 and 187 s, as any failed HTTP delivery.
    assert [line["attemptsMade"] for line in lines] == [8, 8]
    assert {line["errorCode"] for line in lines} == {code}
    [recorded] = {line["errorMessage"] for line in lines}
    assert recorded.startswith(message)
    assert "pytest-firehose" not in recorded  # what Firehose writes holds no advice
    with pytest.raises(AssertionError) as failure:
        stream.assert_delivered([b"a", b"b"])
    # The test's author is told where the records went and what is wrong with the secret.
    shown = str(failure.value)
    assert "backed up once the destination's retries ran out (stream.backed_up) (2)" in shown
    assert "the destination's last refusal" in shown
    assert advice in shown


def test_a_secret_created_while_the_batch_is_retried_delivers_it(fake, client, endpoint):
    create(client)
    put(client, b"a")
    stream = fake.firehose["events"]
    fake.firehose.clock.advance(seconds=61)
    assert stream.pending == [b"a"]

    secret(api_key("k"))  # a failed read is not kept: the next retry reads again
    fake.firehose.clock.advance(seconds=2)

    assert stream.delivered == [b"a"]
    assert access_keys(endpoint) == ["k"]


def test_the_secret_is_read_in_the_streams_region(fake, client, endpoint):
    boto3.client("secretsmanager", region_name="us-west-2").create_secret(
        Name="collector", SecretString=api_key("k")
    )
    elsewhere = SECRET.replace(REGION, "us-west-2")
    create(client, SecretsManagerConfiguration={"Enabled": True, "SecretARN": elsewhere})
    put(client, b"a")
    fake.firehose.clock.advance(seconds=60)

    assert fake.firehose["events"].pending == [b"a"]
    assert len(endpoint.calls) == 0


def test_without_moto_the_failure_message_says_to_create_the_secret(fake, client):
    create(client)
    put(client, b"a")
    stream = fake.firehose["events"]
    with pytest.raises(AssertionError) as failure:
        stream.assert_delivered([b"a"])

    shown = str(failure.value)
    assert "the destination's last refusal" in shown
    assert "ResourceNotFoundException" in shown
    assert "nothing in this test stands in for AWS Secrets Manager" in shown
    assert "mock_aws()" in shown
    assert "create_secret(Name='collector'" in shown
    fake.firehose.clock.advance(minutes=3)
    # Backed up once the retry duration has passed, with AWS's words only.
    assert stream.backed_up == [b"a"]
    [line] = failure_lines(fake)
    assert line["errorCode"] == NOT_RETRIEVED
    assert "mock_aws" not in line["errorMessage"]


def test_an_enabled_configuration_without_a_secret_arn_fails_the_delivery(fake, client, endpoint):
    create(client, SecretsManagerConfiguration={"Enabled": True})
    put(client, b"a")
    with pytest.raises(AssertionError) as failure:
        fake.firehose["events"].assert_delivered([b"a"])

    assert "enabled without a SecretARN" in str(failure.value)
    assert len(endpoint.calls) == 0


# ------------------------------------------------------------------ the local server


def test_the_local_server_sends_the_secret_too(fake):
    # The server answers the test's own world; its deliveries read moto's secret as the
    # in-process clients' do.
    with (
        serve_fake(fake) as server,
        mock_aws(),
        responses.RequestsMock(assert_all_requests_are_fired=False) as endpoint,
    ):
        endpoint.add_callback(
            responses.POST, URL, callback=endpoint_took_it, content_type="application/json"
        )
        secret(api_key("from-the-secret"))
        firehose = server_client(server)
        create(firehose)
        put(firehose, b"a")
        assert ask_control(server, "POST", "/_fake/flush")[0] == 200

        assert fake.firehose["events"].delivered == [b"a"]
        assert access_keys(endpoint) == ["from-the-secret"]


def test_a_server_without_a_fake_in_process_reads_no_secret_and_says_so():
    # As under `python -m pytest_firehose serve`: no fake intercepts botocore's requests,
    # so none is sent to Secrets Manager.
    with FirehoseServer(World(region=REGION)) as server:
        firehose = server_client(server)
        create(firehose)
        put(firehose, b"a")
        stream = server.firehose["events"]
        with pytest.raises(AssertionError) as failure:
            stream.assert_delivered([b"a"])
        server.firehose.clock.advance(minutes=3)

        assert "python -m pytest_firehose serve" in str(failure.value)
        assert "EndpointConfiguration.AccessKey" in str(failure.value)
        assert stream.backed_up == [b"a"]
        [backup] = stream.backed_up_objects
        [line] = [json.loads(line) for line in backup.body.decode().splitlines()]
        assert line["errorCode"] == NOT_RETRIEVED
        assert "ResourceNotFoundException" in line["errorMessage"]
        assert "pytest_firehose" not in line["errorMessage"]
