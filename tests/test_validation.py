"""Model constraints and request limits, answered with AWS's exact codes, messages, statuses.

botocore checks only ``required``, ``min`` and types before sending; limits above that
(record count, record size, name length and pattern) reach the service, which refuses the
whole request. Where botocore would refuse locally, the client runs with
``parameter_validation=False`` so the request reaches the fake as it would reach AWS.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import REGION

MAX_RECORD = 1_024_000
MAX_BATCH = 4 * 1024 * 1024
NAME_PATTERN = "[a-zA-Z0-9_.-]+"


def records(*sizes: int) -> list[dict[str, bytes]]:
    return [{"Data": b"x" * size} for size in sizes]


def refused(call: Any, **params: Any) -> dict[str, Any]:
    """The error response of a call that must fail."""
    with pytest.raises(ClientError) as caught:
        call(**params)
    return caught.value.response


def validation_message(*violations: str) -> str:
    count = len(violations)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(violations)


def too_long(path: str, limit: int) -> str:
    return (
        f"Value at '{path}' failed to satisfy constraint: "
        f"Member must have length less than or equal to {limit}"
    )


@pytest.fixture
def stream(fake):
    return fake.firehose.create_delivery_stream("events")


@pytest.fixture
def unchecked(fake):
    """A client that sends what botocore would refuse locally."""
    return boto3.client("firehose", region_name=REGION, config=Config(parameter_validation=False))


def assert_validation_error(response: dict[str, Any], message: str) -> None:
    __tracebackhide__ = True
    assert response["Error"] == {"Code": "ValidationException", "Message": message}
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400


# --------------------------------------------------------------------------- record count


def test_more_than_500_records_is_refused_whole(client, stream):
    response = refused(
        client.put_record_batch, DeliveryStreamName="events", Records=records(*[1] * 501)
    )

    assert_validation_error(
        response,
        "1 validation error detected: Value at 'records' failed to satisfy constraint: "
        "Member must have length less than or equal to 500",
    )
    assert stream.records == []
    assert [call.outcome for call in stream.calls] == ["error"]


def test_500_records_are_accepted(client, stream):
    answer = client.put_record_batch(DeliveryStreamName="events", Records=records(*[1] * 500))

    assert answer["FailedPutCount"] == 0
    assert len(stream.records) == 500


def test_empty_batch_is_refused_by_the_service(unchecked, stream):
    response = refused(unchecked.put_record_batch, DeliveryStreamName="events", Records=[])

    assert_validation_error(
        response,
        validation_message(
            "Value at 'records' failed to satisfy constraint: "
            "Member must have length greater than or equal to 1"
        ),
    )


# --------------------------------------------------------------------------- record size


def test_oversized_record_is_named_by_its_1_based_position(client, stream):
    batch = records(10, 10, MAX_RECORD + 1, 10)

    response = refused(client.put_record_batch, DeliveryStreamName="events", Records=batch)

    assert_validation_error(
        response, validation_message(too_long("records.3.member.data", MAX_RECORD))
    )
    assert stream.records == []


def test_several_oversized_records_are_reported_together(client, stream):
    batch = records(MAX_RECORD + 1, 5, MAX_RECORD + 500)

    response = refused(client.put_record_batch, DeliveryStreamName="events", Records=batch)

    assert_validation_error(
        response,
        validation_message(
            too_long("records.1.member.data", MAX_RECORD),
            too_long("records.3.member.data", MAX_RECORD),
        ),
    )
    assert response["Error"]["Message"].startswith("2 validation errors detected: ")


@pytest.mark.parametrize("size", [0, 1, MAX_RECORD])
def test_record_sizes_up_to_the_limit_are_accepted(client, stream, size):
    client.put_record(DeliveryStreamName="events", Record={"Data": b"y" * size})
    client.put_record_batch(DeliveryStreamName="events", Records=records(size))

    assert [len(record.data) for record in stream.records] == [size, size]


def test_put_record_over_the_limit_names_record_data(client, stream):
    response = refused(
        client.put_record, DeliveryStreamName="events", Record={"Data": b"z" * (MAX_RECORD + 1)}
    )

    assert_validation_error(response, validation_message(too_long("record.data", MAX_RECORD)))
    assert stream.records == []


# --------------------------------------------------------------------------- request size


def batch_of_total(total: int) -> list[dict[str, bytes]]:
    """Records no larger than the record limit that add up to ``total`` bytes."""
    full, rest = divmod(total, MAX_RECORD)
    return records(*[MAX_RECORD] * full, *([rest] if rest else []))


def test_batch_of_exactly_4_mib_is_accepted(client, stream):
    answer = client.put_record_batch(DeliveryStreamName="events", Records=batch_of_total(MAX_BATCH))

    assert answer["FailedPutCount"] == 0
    assert sum(len(record.data) for record in stream.records) == MAX_BATCH


def test_batch_one_byte_over_4_mib_is_invalid_argument(client, stream):
    batch = batch_of_total(MAX_BATCH + 1)

    with pytest.raises(client.exceptions.InvalidArgumentException) as caught:
        client.put_record_batch(DeliveryStreamName="events", Records=batch)

    response = caught.value.response
    assert response["Error"] == {
        "Code": "InvalidArgumentException",
        "Message": "Records size exceeds 4 MB limit",
    }
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert stream.records == []


def test_too_many_records_wins_over_too_many_bytes(client, stream):
    # 501 records of 9,000 bytes: over 500 records and over 4 MiB.
    batch = records(*[9_000] * 501)
    assert sum(len(r["Data"]) for r in batch) > MAX_BATCH

    response = refused(client.put_record_batch, DeliveryStreamName="events", Records=batch)

    assert_validation_error(response, validation_message(too_long("records", 500)))


def test_oversized_record_wins_over_too_many_bytes(client, stream):
    batch = records(MAX_RECORD + 1, MAX_RECORD, MAX_RECORD, MAX_RECORD, MAX_RECORD)

    response = refused(client.put_record_batch, DeliveryStreamName="events", Records=batch)

    assert_validation_error(
        response, validation_message(too_long("records.1.member.data", MAX_RECORD))
    )


# --------------------------------------------------------------------------- names


def pattern_violation(name: str) -> str:
    return (
        f"Value '{name}' at 'deliveryStreamName' failed to satisfy constraint: "
        f"Member must satisfy regular expression pattern: {NAME_PATTERN}"
    )


def name_too_long(name: str) -> str:
    return (
        f"Value '{name}' at 'deliveryStreamName' failed to satisfy constraint: "
        "Member must have length less than or equal to 64"
    )


NAME_CASES = {
    "space": ("my stream", [pattern_violation("my stream")]),
    "slash": ("team/events", [pattern_violation("team/events")]),
    "unicode": ("événements", [pattern_violation("événements")]),
    "65-chars": ("a" * 65, [name_too_long("a" * 65)]),
    "both": ("b" * 64 + "!", [pattern_violation("b" * 64 + "!"), name_too_long("b" * 64 + "!")]),
}

OPERATIONS = {
    "create": ("create_delivery_stream", {}),
    "describe": ("describe_delivery_stream", {}),
    "delete": ("delete_delivery_stream", {}),
    "put": ("put_record", {"Record": {"Data": b"x"}}),
    "batch": ("put_record_batch", {"Records": [{"Data": b"x"}]}),
}


@pytest.mark.parametrize("case", NAME_CASES.values(), ids=NAME_CASES.keys())
@pytest.mark.parametrize("operation", OPERATIONS.values(), ids=OPERATIONS.keys())
def test_bad_stream_names_are_validation_errors(client, operation, case):
    method, extra = operation
    name, violations = case

    response = refused(getattr(client, method), DeliveryStreamName=name, **extra)

    assert_validation_error(response, validation_message(*violations))


def test_name_checks_come_before_the_stream_lookup(client):
    # The stream does not exist either, yet the answer is about the name.
    response = refused(client.describe_delivery_stream, DeliveryStreamName="no such stream")

    assert response["Error"]["Code"] == "ValidationException"


@pytest.mark.parametrize("name", ["a", "A-Za-z0-9_.-", "n" * 64])
def test_names_within_the_constraints_are_accepted(client, name):
    client.create_delivery_stream(DeliveryStreamName=name)

    described = client.describe_delivery_stream(DeliveryStreamName=name)
    assert described["DeliveryStreamDescription"]["DeliveryStreamName"] == name


def test_missing_name_is_reported_as_null(unchecked):
    response = refused(unchecked.describe_delivery_stream)

    assert_validation_error(
        response,
        validation_message(
            "Value null at 'deliveryStreamName' failed to satisfy constraint: "
            "Member must not be null"
        ),
    )


# --------------------------------------------------------------------------- numbers


def test_list_limit_above_its_maximum_echoes_the_value(client):
    response = refused(client.list_delivery_streams, Limit=10_001)

    assert_validation_error(
        response,
        validation_message(
            "Value '10001' at 'limit' failed to satisfy constraint: "
            "Member must have value less than or equal to 10000"
        ),
    )
