"""The call log's entries read as they were given, however compactly they are kept."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timezone
from typing import Any
from unittest import mock

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import REGION

from pytest_firehose import Call, Fault, FirehoseFake

AT = datetime(2026, 1, 1, tzinfo=timezone.utc)


def call(**changed: Any) -> Call:
    given: dict[str, Any] = {
        "service": "firehose",
        "operation": "PutRecord",
        "stream": "events",
        "payloads": (b"a",),
        "attempt": 1,
        "invocation_id": "0f3c8a52-9d1e-4b7a-8c2f-5e6d7a8b9c0d",
        "outcome": "ok",
        "status": 200,
        "error": None,
        "failed_indices": (),
        "fault": None,
        "at": AT,
        "region": REGION,
    }
    return Call(**{**given, **changed})


@pytest.mark.parametrize(
    "invocation_id",
    [
        "0f3c8a52-9d1e-4b7a-8c2f-5e6d7a8b9c0d",
        "00000000-0000-4000-8000-000000000000",  # leading zeros
        "0F3C8A52-9D1E-4B7A-8C2F-5E6D7A8B9C0D",  # upper case, from another client
        "0f3c8a529d1e4b7a8c2f5e6d7a8b9c0d",  # no dashes
        "not-a-uuid",
        "",
        None,
    ],
)
def test_the_invocation_id_reads_exactly_as_sent(invocation_id: str | None) -> None:
    assert call(invocation_id=invocation_id).invocation_id == invocation_id


def test_every_field_reads_as_given() -> None:
    fault = Fault("firehose", "records", {1: "X"})
    logged = call(outcome="partial", failed_indices=(1, 3), fault=fault)

    assert (logged.service, logged.operation, logged.stream, logged.region) == (
        "firehose",
        "PutRecord",
        "events",
        REGION,
    )
    assert (logged.attempt, logged.outcome, logged.status, logged.error) == (
        1,
        "partial",
        200,
        None,
    )
    assert (logged.failed_indices, logged.fault) == ((1, 3), "firehose_fail(records={1: 'X'})")
    assert logged.scheduled_fault is fault
    assert (logged.records, logged.at) == ([b"a"], AT)


def test_calls_compare_by_value_and_cannot_change() -> None:
    assert call() == call()
    assert hash(call()) == hash(call())
    assert call() != call(invocation_id=str(uuid.uuid4()))
    assert call() != call(status=500)
    assert call() != "not a call"
    with pytest.raises(dataclasses.FrozenInstanceError):
        call().status = 500  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del call().stream


def test_the_repr_shows_the_fields_but_not_the_payloads() -> None:
    shown = repr(call(payloads=(b"secret",)))

    assert shown.startswith("Call(service='firehose', operation='PutRecord', stream='events', ")
    assert "invocation_id='0f3c8a52-9d1e-4b7a-8c2f-5e6d7a8b9c0d'" in shown
    assert "region='us-east-1')" in shown
    assert "secret" not in shown


def text(value: str | bytes) -> str:
    return value if isinstance(value, str) else value.decode()


def test_logged_calls_carry_the_ids_botocore_sent() -> None:
    sent: list[str] = []
    with FirehoseFake(region=REGION, seed=1) as fake:
        fake.firehose.create_delivery_stream("events")
        client = boto3.client("firehose", region_name=REGION)
        client.meta.events.register(
            "before-send",
            lambda request, **_: sent.append(text(request.headers["amz-sdk-invocation-id"])),
        )
        for data in (b"a", b"b"):
            client.put_record(DeliveryStreamName="events", Record={"Data": data})

        logged = fake.firehose["events"].calls[-2:]

    assert [c.invocation_id for c in logged] == sent
    assert [c.records for c in logged] == [[b"a"], [b"b"]]


def test_past_the_bound_of_shared_values_calls_keep_their_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("pytest_firehose._engine.calls._SHARED", {})
    monkeypatch.setattr("pytest_firehose._engine.calls._SHARED_MAX", 1)

    first, second = call(stream="a", region="eu-west-1"), call(stream="b", failed_indices=(7,))

    assert (first.stream, first.region) == ("a", "eu-west-1")
    assert (second.stream, second.failed_indices, second.region) == ("b", (7,), REGION)
    assert call(stream="x" * 300, fault="f").stream == "x" * 300
    assert call(stream=None).stream is None


def test_a_call_leaves_a_comparison_with_another_kind_of_object_to_that_object() -> None:
    # As a dataclass would: ``mock.ANY`` in an expected log matches any call.
    assert call() == mock.ANY
    assert [call(status=500), call()] == [mock.ANY, call()]
    assert [call(status=500), call()] != [mock.ANY, call(status=500)]


def test_each_call_holds_the_fault_its_own_handle_scheduled() -> None:
    with FirehoseFake(region=REGION) as fake:
        fake.firehose.create_delivery_stream("events")
        # Two alike faults, scheduled apart: equal by value, each its own handle's.
        first = fake.firehose.fail(error="ServiceUnavailableException")
        second = fake.firehose.fail(error="ServiceUnavailableException")
        client = boto3.client(
            "firehose", region_name=REGION, config=Config(retries={"total_max_attempts": 1})
        )
        for _ in range(2):
            with pytest.raises(ClientError):
                client.put_record(DeliveryStreamName="events", Record={"Data": b"a"})

        logged = fake.firehose["events"].calls[-2:]

    assert first.fault == second.fault
    assert [call.scheduled_fault for call in logged] == [first.fault, second.fault]
    assert logged[0].scheduled_fault is first.fault
    assert logged[1].scheduled_fault is second.fault


def test_each_services_log_holds_its_own_calls_only() -> None:
    with FirehoseFake(region=REGION) as fake:
        fake.firehose.create_delivery_stream("events")
        fake.kinesis.create_stream("events")  # a namesake in the other service
        boto3.client("firehose", region_name=REGION).put_record(
            DeliveryStreamName="events", Record={"Data": b"a"}
        )
        boto3.client("kinesis", region_name=REGION).put_record(
            StreamName="events", Data=b"b", PartitionKey="k"
        )

        firehose, kinesis = fake.firehose.calls, fake.kinesis.calls

    assert [(c.service, c.operation, c.records) for c in firehose] == [
        ("firehose", "PutRecord", [b"a"])
    ]
    assert [(c.service, c.operation, c.records) for c in kinesis] == [
        ("kinesis", "PutRecord", [b"b"])
    ]
