"""A setting the fake does not model, reported while ``UnmodelledSettingWarning`` is an
error (``filterwarnings = error``, ``-W error``): the local server answers it as
``unmodelled="error"`` does, a 400 refusal that changed nothing, not a 500 that SDKs retry."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import BUCKET, FROM_KINESIS, REGION, ROLE, S3, ask_control, server_client
from kpl_support import aggregate

from pytest_firehose import UnmodelledSettingWarning
from pytest_firehose._doors.server import FirehoseServer
from pytest_firehose._engine.world import World
from pytest_firehose._services.firehose import aggregation

#: Two settings the fake reports: a delimiter processor it skips and a time zone it lacks.
UNMODELLED = {
    "RoleARN": ROLE,
    "BucketARN": BUCKET,
    "ProcessingConfiguration": {
        "Enabled": True,
        "Processors": [
            {
                "Type": "AppendDelimiterToRecord",
                "Parameters": [{"ParameterName": "Delimiter", "ParameterValue": "\\t"}],
            }
        ],
    },
    "Prefix": "logs/!{timestamp:yyyy-M-d-cc}/",
    "ErrorOutputPrefix": "errors/!{firehose:error-output-type}/",
}
AS_ERROR = pytest.mark.filterwarnings("error::pytest_firehose.UnmodelledSettingWarning")


@pytest.fixture
def served() -> Iterator[FirehoseServer]:
    with FirehoseServer(World(region=REGION)) as server:
        yield server


@pytest.fixture
def strict() -> Iterator[FirehoseServer]:
    with FirehoseServer(World(region=REGION, unmodelled="error")) as server:
        yield server


def firehose(server: FirehoseServer) -> Any:
    return client(server, "firehose")


def client(server: FirehoseServer, service: str) -> Any:
    return server_client(
        server,
        service,
        # Retries a 500 four times, as the AWS CLI does; backoff on a 400 never comes.
        config=Config(retries={"mode": "standard", "max_attempts": 5}),
    )


def create_refused(server: FirehoseServer) -> dict[str, Any]:
    with pytest.raises(ClientError) as caught:
        firehose(server).create_delivery_stream(
            DeliveryStreamName="events", ExtendedS3DestinationConfiguration=UNMODELLED
        )
    return caught.value.response


@AS_ERROR
def test_a_warning_made_an_error_is_refused_once_as_unmodelled_error_refuses_it(
    served: FirehoseServer, strict: FirehoseServer
) -> None:
    answer = create_refused(served)

    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert answer["ResponseMetadata"]["RetryAttempts"] == 0  # one attempt: nothing to retry
    assert answer["Error"] == create_refused(strict)["Error"]
    assert answer["Error"]["Code"] == "InvalidArgumentException"
    message = answer["Error"]["Message"]
    assert "ProcessingConfiguration" in message
    assert "!{timestamp:yyyy-M-d-cc} (Java's DateTimeFormatter refuses it" in message
    assert firehose(served).list_delivery_streams()["DeliveryStreamNames"] == []
    (refused, _) = served.world.calls  # logged as under unmodelled="error", then the list
    (strict_refused,) = strict.world.calls
    assert (refused.operation, refused.status, refused.error, refused.outcome) == (
        strict_refused.operation,
        strict_refused.status,
        strict_refused.error,
        strict_refused.outcome,
    )
    assert refused.error == "InvalidArgumentException"


@AS_ERROR
def test_a_warning_made_an_error_refuses_an_update_and_changes_nothing(
    served: FirehoseServer,
) -> None:
    client = firehose(served)
    client.create_delivery_stream(
        DeliveryStreamName="events",
        ExtendedS3DestinationConfiguration={"RoleARN": ROLE, "BucketARN": BUCKET},
    )
    described = client.describe_delivery_stream(DeliveryStreamName="events")
    version = described["DeliveryStreamDescription"]["VersionId"]

    with pytest.raises(ClientError) as caught:
        client.update_destination(
            DeliveryStreamName="events",
            CurrentDeliveryStreamVersionId=version,
            DestinationId="destinationId-000000000001",
            ExtendedS3DestinationUpdate={
                "Prefix": "logs/!{timestamp:EEE#}/",
                "ErrorOutputPrefix": "errors/!{firehose:error-output-type}/",
            },
        )

    assert caught.value.response["Error"]["Code"] == "InvalidArgumentException"
    message = caught.value.response["Error"]["Message"]
    assert "!{timestamp:EEE#} (Java's DateTimeFormatter refuses it" in message
    assert caught.value.response["ResponseMetadata"]["RetryAttempts"] == 0
    after = client.describe_delivery_stream(DeliveryStreamName="events")
    assert after["DeliveryStreamDescription"]["VersionId"] == version


@AS_ERROR
def test_the_control_api_refuses_a_create_as_under_unmodelled_error(
    served: FirehoseServer, strict: FirehoseServer
) -> None:
    body = {
        "service": "firehose",
        "name": "events",
        "ExtendedS3DestinationConfiguration": UNMODELLED,
    }

    status, answer = ask_control(served, "POST", "/_fake/streams", body)

    assert (status, answer) == ask_control(strict, "POST", "/_fake/streams", body)
    assert status == 400
    assert answer["error"].startswith(
        "CreateDeliveryStream: firehose would answer InvalidArgumentException: pytest-firehose "
        "does not model ExtendedS3DestinationConfiguration.ProcessingConfiguration"
    )
    assert served.firehose.stream_names(REGION) == []


def test_any_other_failure_of_the_fake_is_still_a_500(
    served: FirehoseServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("broken")

    monkeypatch.setattr(served.world, "handle", broken)
    client = server_client(served, config=Config(retries={"mode": "standard", "max_attempts": 1}))
    with pytest.raises(ClientError) as caught:
        client.list_delivery_streams()

    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert caught.value.response["Error"]["Code"] == "InternalFailure"


def test_a_report_made_while_the_world_catches_up_fails_no_request(
    served: FirehoseServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading its Kinesis source, a delivery stream reports KPL aggregates it cannot
    de-aggregate. That report belongs to no request: raised as an error, it failed whichever
    request ran the catch-up (500, retried) and left the catch-up half done."""
    monkeypatch.setattr(aggregation, "_aggregated_record", lambda: None)  # no protobuf
    served.kinesis.create_stream("k")
    stream = served.firehose.create_delivery_stream(
        "events", **FROM_KINESIS, ExtendedS3DestinationConfiguration=S3
    )
    kinesis = client(served, "kinesis")
    payload = aggregate(("a", b"one"), ("b", b"two"))
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("error", UnmodelledSettingWarning)
        kinesis.put_record(StreamName="k", Data=payload, PartitionKey="p")
        listed = kinesis.list_streams()  # the source is read as this request begins
        flushed = ask_control(served, "POST", "/_fake/flush", {"stream": "events"})

    assert (listed["ResponseMetadata"]["RetryAttempts"], listed["StreamNames"]) == (0, ["k"])
    assert flushed == (200, {"flushed": ["events"]})
    assert stream.delivered == [payload]
    (warning,) = [w for w in shown if issubclass(w.category, UnmodelledSettingWarning)]
    assert "events: KPL-aggregated records read from its Kinesis source" in str(warning.message)
